"""schemewatch doctor: evaluations stored twice are reported, and removed only on request."""

from click.testing import CliRunner

from orchestration.cli import cli
from schemewatch.doctor import duplicate_evaluations, remove_duplicates
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_records import EvalRun
from tests.schemewatch.monitoring_data import DAY0, register, samples


def _store_twice(w: Warehouse) -> list[str]:
    ids = []
    for spelling in ("data", "/abs/data"):  # what the path-based run ids used to do
        run_id = f"ck--{DAY0}--{spelling.replace('/', '_')}"
        w.store_eval_run(EvalRun(run_id, "ck", "test", "eval", DAY0, 0, 5, "", f"local:{spelling}"),
                         samples(run_id, "ck", eval_date=DAY0))
        ids.append(run_id)
    return ids


def test_duplicates_are_reported_then_removed_keeping_the_newest(tmp_path) -> None:
    w = Warehouse(tmp_path / "warehouse")
    register(w, "ck", "cap-1", tmp_path)
    first, second = _store_twice(w)
    with WarehouseReader(w.root) as r:
        (found,) = duplicate_evaluations(r)
    assert found.kept == second and found.duplicates == (first,) and found.duplicate_samples == 240
    assert remove_duplicates(w, [found]) == 1
    with WarehouseReader(w.root) as r:
        assert r.query("SELECT eval_run_id FROM eval_runs")["eval_run_id"].to_list() == [second]
        assert duplicate_evaluations(r) == []


def test_cli_doctor_reports_and_fixes_only_with_fix(tmp_path) -> None:
    w = Warehouse(tmp_path / "warehouse")
    register(w, "ck", "cap-1", tmp_path)
    _store_twice(w)
    runner = CliRunner()
    report = runner.invoke(cli, ["--data-dir", str(tmp_path), "doctor"])
    assert report.exit_code == 1 and "stored 2 times" in report.output and "doctor --fix" in report.output
    fixed = runner.invoke(cli, ["--data-dir", str(tmp_path), "doctor", "--fix"])
    assert fixed.exit_code == 0 and "removed 1 duplicate runs" in fixed.output
    again = runner.invoke(cli, ["--data-dir", str(tmp_path), "doctor"])
    assert again.exit_code == 0 and "no duplicates" in again.output and "shipped base: ok" in again.output
