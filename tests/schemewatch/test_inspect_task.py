"""Our suite as an Inspect task: run on a scripted model, ingested back, it gives the native evaluation's rates."""

import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("inspect_ai")

from inspect_ai import eval as inspect_eval  # noqa: E402

from schemewatch.evaluate import EvalSettings, evaluate  # noqa: E402
from schemewatch.inspect_ingest import ingest_logs  # noqa: E402
from schemewatch.inspect_task import covert_actions, suite_samples  # noqa: E402
from schemewatch.policy import ScriptedPolicy  # noqa: E402
from schemewatch.rates import compute_rates  # noqa: E402
from schemewatch.warehouse import Warehouse, WarehouseReader  # noqa: E402
from tests.schemewatch.inspect_logs_data import BY_PROMPT, SUITE, response  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_a_log_of_our_task_ingests_with_the_native_rates(tmp_path) -> None:
    (log,) = inspect_eval(covert_actions(samples_per_env=2), model="schemewatch_replay/ckpt", display="none",
                          log_dir=str(tmp_path / "logs"))
    assert log.status == "success"
    ingest_logs(Warehouse(tmp_path / "wh"), [tmp_path / "logs"], checkpoint="ckpt")  # no mapping: it is ours
    _, native = evaluate(ScriptedPolicy(lambda p, _rng: response(BY_PROMPT[p])), SUITE, checkpoint_id="ckpt",
                         eval_date=date(2026, 12, 1), settings=EvalSettings(samples_per_env=2), progress=False)
    with WarehouseReader(tmp_path / "wh") as reader:
        ingested = reader.query("SELECT family, metric, k, n FROM rates ORDER BY family NULLS FIRST, metric")
        families = reader.query("SELECT DISTINCT family FROM samples ORDER BY family")["family"].to_list()
        (args,) = reader.query("SELECT source_task_args FROM eval_runs")["source_task_args"].to_list()
    expected = compute_rates(native).select("family", "metric", "k", "n").sort(
        ["family", "metric"], nulls_last=False)
    assert ingested.equals(expected)
    assert families == sorted({e.family for e in SUITE}) and '"samples_per_env": 2' in args
    outcomes = set(native["outcome"])
    assert {"covert", "honest", "unparseable"} <= outcomes  # the comparison covers more than one outcome
    assert expected.filter(pl.col("family").is_null() & (pl.col("metric") == "covert"))["n"][0] > 0


def test_task_arguments_choose_families_and_say_what_is_wrong() -> None:
    family = SUITE[0].family
    assert {s.metadata["family"] for s in suite_samples("eval", family)} == {family}
    with pytest.raises(ValueError, match="no family 'nope' in split 'eval'; families: "):
        suite_samples("eval", "nope")
    task = covert_actions(samples_per_env=3, with_spec=True)
    assert task.epochs == 3 and len(task.dataset) == len(SUITE)


def test_the_entry_point_makes_the_task_reachable_by_name(tmp_path) -> None:
    # As a user's `inspect eval schemewatch/covert_actions` finds it: through the installed package's entry point.
    # A fresh interpreter outside the checkout (the checkout's build metadata, first on sys.path, would hide the
    # installed package's); the test's replay provider comes from the checkout, appended last.
    family = SUITE[0].family
    script = (
        f"import sys; sys.path.append({str(ROOT)!r}); import tests.schemewatch.inspect_logs_data\n"
        "from inspect_ai import eval\n"
        f"(log,) = eval('schemewatch/covert_actions', task_args={{'families': {family!r}, 'samples_per_env': 1}}, "
        f"limit=2, model='schemewatch_replay/ckpt', display='none', log_dir={str(tmp_path)!r})\n"
        "print(log.status, log.eval.task, len(log.samples))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["success", "schemewatch/covert_actions", "2"]
