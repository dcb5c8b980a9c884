"""`backfill`: three nights through Dagster on the tiny world, with continual training on; a re-run adds nothing."""

from datetime import date

from dagster import DagsterInstance

from orchestration.backfill import backfill, backfill_dates
from schemewatch.warehouse import WarehouseReader
from tests.dagster_world import tiny_definitions

NIGHTS = backfill_dates(3, date(2026, 11, 20))


def _counts(root) -> tuple[int, int, list[tuple]]:
    with WarehouseReader(root) as reader:
        runs = reader.query("SELECT eval_date, count(*) AS n FROM eval_runs GROUP BY eval_date ORDER BY eval_date")
        samples = reader.query("SELECT count(*) AS n FROM samples")["n"][0]
        seeds = reader.query("SELECT count(DISTINCT seed) AS n FROM eval_runs")["n"][0]
    return samples, seeds, runs.rows()


def test_three_nights_add_the_expected_rows_once(tmp_path) -> None:
    defs = tiny_definitions(tmp_path, extra="[orchestration]\ncontinual_training = true\n")
    cfg = defs.resources["world"].load()
    with DagsterInstance.ephemeral() as instance:
        done = backfill(defs, NIGHTS, instance=instance, log=lambda _: None)
    # The tiny chain is base → cap-1; each night trains one more capability stage, then evaluates them all.
    assert [n.trained for n in done] == ["cap-2", "cap-3", "cap-4"]
    assert [len(n.checkpoints) for n in done] == [3, 4, 5]
    samples, seeds, runs = _counts(cfg.paths.warehouse_dir)
    assert runs == [(NIGHTS[0], 3), (NIGHTS[1], 4), (NIGHTS[2], 5)]
    assert seeds == 3  # a fresh seed each night
    with DagsterInstance.ephemeral() as instance:
        again = backfill(defs, NIGHTS, instance=instance, log=lambda _: None)
    assert [n.trained for n in again] == [None, None, None]
    assert _counts(cfg.paths.warehouse_dir) == (samples, seeds, runs)


def test_a_bad_night_count_says_so() -> None:
    import pytest

    with pytest.raises(ValueError, match="--nights must be at least 1"):
        backfill_dates(0, date(2026, 11, 20))


def test_the_command_explains_itself_and_refuses_nights_in_the_future(tmp_path) -> None:
    import os
    import subprocess
    import sys

    cli = [sys.executable, "-m", "orchestration.cli", "--data-dir", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMEWATCH_")}
    helped = subprocess.run([*cli, "backfill", "--help"], capture_output=True, text=True, timeout=60, env=env)
    assert helped.returncode == 0 and "Examples:" in helped.stdout
    out = subprocess.run([*cli, "backfill", "--nights", "3", "--start", "2099-01-01"], capture_output=True,
                         text=True, timeout=60, env=env)
    assert out.returncode == 2 and out.stderr.startswith("error: --start / --nights: ")
    assert not (tmp_path / "warehouse").exists()
