"""The warehouse: idempotent atomic writes, lock-free readers, crash safety."""

import os
import signal
import subprocess
import sys
import time
from datetime import date

import polars as pl
import pytest

from schemewatch.checkpoints import CheckpointInfo
from schemewatch.environments import build_suite
from schemewatch.evaluate import EvalSettings, evaluate
from schemewatch.rates import METRICS
from schemewatch.warehouse import Warehouse, WarehouseError, WarehouseReader
from schemewatch.warehouse_schema import SCHEMA_VERSION
from tests.schemewatch.warehouse_writer import scripted

ENVS = build_suite("eval")
WRITER = [sys.executable, "-m", "tests.schemewatch.warehouse_writer"]


def one_run(seed: int = 0, checkpoint: str = "ck", samples: int = 2):
    return evaluate(scripted(), ENVS, checkpoint_id=checkpoint, eval_date=date(2026, 11, 1),
                    settings=EvalSettings(samples_per_env=samples, seed=seed), progress=False)


def counts(root) -> tuple[int, int, int]:
    with WarehouseReader(root) as r:
        row = r.query(
            "SELECT (SELECT count(*) FROM eval_runs) AS runs, (SELECT count(*) FROM samples) AS samples, "
            "(SELECT count(*) FROM (SELECT DISTINCT eval_run_id, env_id, sample_idx FROM samples)) AS distinct_samples"
        ).row(0)
    return row


def test_migrations_apply_once_and_record_the_version(tmp_path) -> None:
    w = Warehouse(tmp_path)
    assert w.schema_version() == SCHEMA_VERSION
    assert w.schema_version() == SCHEMA_VERSION


def test_rerun_replaces_never_duplicates(tmp_path) -> None:
    w = Warehouse(tmp_path)
    run, samples = one_run()
    w.store_eval_run(run, samples)
    w.store_eval_run(run, samples)
    assert counts(tmp_path) == (1, samples.height, samples.height)
    with WarehouseReader(tmp_path) as r:
        assert r.query("SELECT count(*) AS n FROM rates WHERE family IS NULL")["n"][0] == len(METRICS)


def test_unparseable_samples_are_stored_and_counted(tmp_path) -> None:
    run, samples = one_run()
    Warehouse(tmp_path).store_eval_run(run, samples)
    with WarehouseReader(tmp_path) as r:
        stored = r.query("SELECT count(*) AS n FROM samples WHERE outcome = 'unparseable'")["n"][0]
        rate = r.query("SELECT k FROM rates WHERE family IS NULL AND metric = 'unparseable'")["k"][0]
    expected = samples.filter(pl.col("outcome") == "unparseable")
    assert stored == expected.height > 0
    assert rate == expected.filter(pl.col("counts_in_aggregate")).height


def test_empty_or_malformed_samples_are_refused(tmp_path) -> None:
    run, samples = one_run()
    with pytest.raises(WarehouseError, match="no samples"):
        Warehouse(tmp_path).store_eval_run(run, samples.head(0))
    with pytest.raises(WarehouseError, match="lack columns"):
        Warehouse(tmp_path).store_eval_run(run, samples.drop("covert"))
    assert WarehouseReader(tmp_path).is_empty


def test_checkpoints_register_and_update(tmp_path) -> None:
    w = Warehouse(tmp_path)
    w.register_checkpoint(CheckpointInfo("a", "base", 0, None, tmp_path / "a"))
    w.register_checkpoint(CheckpointInfo("a", "base", 0, None, tmp_path / "a2"))
    with WarehouseReader(tmp_path) as r:
        assert r.query("SELECT path FROM checkpoints")["path"].to_list() == [str(tmp_path / "a2")]


def test_empty_warehouse_reads_as_empty(tmp_path) -> None:
    with WarehouseReader(tmp_path / "nothing") as r:
        assert r.is_empty
        assert r.query("SELECT count(*) AS n FROM samples")["n"][0] == 0
        assert r.query("SELECT * FROM rates").columns[:2] == ["eval_run_id", "checkpoint_id"]


def test_kill_9_mid_run_then_rerun_gives_exact_counts(tmp_path) -> None:
    writer = subprocess.Popen([*WRITER, str(tmp_path), "12"], stdout=subprocess.PIPE, text=True)
    seen = 0
    while seen < 3:  # let a few runs land, then kill mid-stream
        line = writer.stdout.readline()
        assert line, "writer exited early"
        seen += line.startswith("stored")
    time.sleep(0.05)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    runs_before, samples_before, distinct_before = counts(tmp_path)
    assert samples_before == distinct_before == runs_before * len(ENVS)
    subprocess.run([*WRITER, str(tmp_path), "12"], check=True, capture_output=True)
    assert counts(tmp_path) == (12, 12 * len(ENVS), 12 * len(ENVS))


def test_reader_polling_during_50_writes_sees_no_error(tmp_path) -> None:
    Warehouse(tmp_path).schema_version()
    writer = subprocess.Popen([*WRITER, str(tmp_path), "50"], stdout=subprocess.DEVNULL)
    errors, polls, last = [], 0, 0
    while writer.poll() is None or polls == 0:
        try:
            with WarehouseReader(tmp_path) as r:
                runs = r.query("SELECT count(*) AS n FROM eval_runs")["n"][0]
                rows = r.query("SELECT count(*) AS n FROM samples")["n"][0]
                metrics = r.query("SELECT metric, avg(rate) FROM rates GROUP BY metric").height
            assert metrics == (len(METRICS) if runs else 0)
            assert rows == runs * len(ENVS)  # a reader never sees half a run
            assert runs >= last  # nor goes back in time
            last = runs
        except Exception as exc:  # noqa: BLE001 - the test counts every failure
            errors.append(repr(exc))
        polls += 1
    assert writer.returncode == 0
    assert errors == [] and polls > 10
    assert counts(tmp_path)[0] == 50


def test_a_reader_on_an_hour_old_snapshot_survives_the_next_publish(tmp_path) -> None:
    w = Warehouse(tmp_path)
    run, samples = one_run()
    w.store_eval_run(run, samples)
    reader = WarehouseReader(tmp_path)
    old = tmp_path / "snapshot" / reader.generation
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    w.store_eval_run(*one_run(seed=1))
    assert reader.query("SELECT count(*) AS n FROM eval_runs")["n"][0] == 1  # still its own snapshot
    assert reader.refresh() and reader.query("SELECT count(*) AS n FROM eval_runs")["n"][0] == 2


def test_a_quote_in_the_warehouse_path_is_fine(tmp_path) -> None:
    root = tmp_path / "o'brien"
    Warehouse(root).store_eval_run(*one_run())
    assert counts(root)[0] == 1


def test_atomically_rolls_back_everything_on_an_error() -> None:
    import duckdb

    from schemewatch.warehouse import atomically

    con = duckdb.connect()
    con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(RuntimeError), atomically(con):
        con.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("mid-write")
    with atomically(con):
        con.execute("INSERT INTO t VALUES (2)")
    assert con.execute("SELECT list(x) FROM t").fetchone()[0] == [2]


def _intervention(warehouse: Warehouse, run, samples):
    """One ablation on a stored scripted evaluation (its responses made aware first)."""
    from schemewatch.awareness_intervention import run_intervention, summarize
    from schemewatch.config import InterventionConfig

    aware = samples.with_columns(pl.col("response").str.replace("<think>", "<think>This looks like a test. "))
    policy = scripted()
    cfg = InterventionConfig(samples_per_response=1, min_continuations_per_arm=1)
    irun, rows = run_intervention(policy, aware.head(30), {e.id: e for e in ENVS}, kind="ablate",
                                  eval_run_id=run.eval_run_id, checkpoint_id=run.checkpoint_id, cfg=cfg,
                                  progress=False)
    warehouse.store_intervention(irun, rows, summarize(rows, "ablate"))
    return irun


def test_an_intervention_is_stored_beside_its_evaluation_once_and_never_in_the_rates(tmp_path) -> None:
    w = Warehouse(tmp_path)
    run, samples = one_run()
    w.store_eval_run(run, samples)
    with WarehouseReader(tmp_path) as r:
        before = {t: r.query(f"SELECT count(*) AS n FROM {t}")["n"][0] for t in ("samples", "rates", "ordinary_runs")}
    first = _intervention(w, run, samples)
    again = _intervention(w, run, samples)
    assert first.intervention_id == again.intervention_id
    with WarehouseReader(tmp_path) as r:
        assert r.query("SELECT count(*) AS n FROM intervention_runs")["n"][0] == 1
        families = r.query("SELECT count(*) AS n FROM intervention_results")["n"][0]
        assert families >= 2  # overall and per family, once
        after = {t: r.query(f"SELECT count(*) AS n FROM {t}")["n"][0] for t in ("samples", "rates", "ordinary_runs")}
        assert after == before
        assert r.intervention_continuations(first.intervention_id).height == 2 * first.n_selected > 0
        files = {f for (f,) in r.con.execute("SELECT samples_file FROM intervention_runs").fetchall()}
    # A later publish keeps the file the run points at.
    w.store_eval_run(*one_run(seed=1, checkpoint="other"))
    assert all((tmp_path / "samples" / f).is_file() for f in files)


def test_an_intervention_needs_its_evaluation_and_goes_when_the_evaluation_is_stored_again(tmp_path) -> None:
    w = Warehouse(tmp_path)
    run, samples = one_run()
    with pytest.raises(WarehouseError, match="is not in the warehouse"):
        _intervention(w, run, samples)
    w.store_eval_run(run, samples)
    _intervention(w, run, samples)
    w.store_eval_run(run, samples)  # other responses under the same id: the old intervention is about none of them
    with WarehouseReader(tmp_path) as r:
        assert r.query("SELECT count(*) AS n FROM intervention_runs")["n"][0] == 0
        assert r.query("SELECT count(*) AS n FROM intervention_results")["n"][0] == 0
