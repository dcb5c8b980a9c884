"""`schemewatch compare` and `schemewatch plan`: JSON, tables, and one-line errors on bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from schemewatch.warehouse import Warehouse
from schemewatch.warehouse_records import EvalRun
from tests.schemewatch.monitoring_data import DAY0, register, samples, store

CLI = [sys.executable, "-m", "orchestration.cli"]
ROOT = Path(__file__).resolve().parents[2]


def run(data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMEWATCH_")}
    # The checkout's code first (the command runs from the test's directory).
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([*CLI, "--data-dir", str(data_dir), *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=data_dir)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("stats")
    wh = Warehouse(root / "warehouse")
    for checkpoint, stage in (("ck-as-rl", "as-rl"), ("ck-cap-3", "cap-3")):
        register(wh, checkpoint, stage, root)
    store(wh, "ck-as-rl", covert=0.04)
    store(wh, "ck-cap-3", covert=0.20)
    # Evaluated on environments no other checkpoint was (another suite's ids).
    register(wh, "ck-elsewhere", "cap-2", root)
    run = EvalRun("ck-elsewhere--x", "ck-elsewhere", "test", "eval", DAY0, 0, 5, "", "synthetic")
    wh.store_eval_run(run, samples(run.eval_run_id, "ck-elsewhere").with_columns(pl.col("env_id") + "-other"))
    return root


def test_compare_finds_the_rise_overall_and_per_family(data) -> None:
    out = run(data, "compare", "ck-as-rl", "ck-cap-3", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["overall"]["p_rise"] < 1e-6 and result["overall"]["low"] > 0
    assert all(f["rise_significant_bh"] for f in result["families"].values())
    table = run(data, "compare", "ck-as-rl", "ck-cap-3").stdout
    assert "one-sided CMH p" in table and "rise (BH)" in table


def test_plan_prints_samples_and_nights(data) -> None:
    out = run(data, "plan", "--baseline", "0.04", "--detect", "0.08", "--icc", "0", "--json")
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert plan["samples_per_env"] >= 1 and plan["nights"] >= 1 and plan["icc"] == 0


@pytest.mark.parametrize(("args", "message"), [
    (["compare", "ck-as-rl", "nope"], "checkpoint 'nope' has no evaluation on split 'eval'"),
    (["compare", "ck-as-rl", "ck-elsewhere"], "share no environment"),
    (["plan", "--baseline", "1.5", "--detect", "0.2"], "--baseline must be a rate in [0, 1]"),
    (["plan", "--baseline", "0.2", "--detect", "0.1"], "must be above --baseline"),
])
def test_bad_input_is_one_line_and_exit_2(data, args, message) -> None:
    out = run(data, *args)
    assert out.returncode == 2 and out.stderr.strip().splitlines()[-1].startswith("error: ")
    assert message in out.stderr and "Traceback" not in out.stderr


def test_help_has_an_example(data) -> None:
    for command in ("compare", "plan"):
        assert "Examples:" in run(data, command, "--help").stdout
