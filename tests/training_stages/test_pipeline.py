"""The main job on a tiny config: train, evaluate every checkpoint once, report."""

from datetime import date

from schemewatch.report import checkpoint_report
from schemewatch.warehouse import WarehouseReader
from tests.training_stages.test_chain import tiny_config
from training_stages.pipeline import run_pipeline


def test_pipeline_evaluates_each_checkpoint_once_and_reports_in_order(tmp_path) -> None:
    cfg = tiny_config(tmp_path, evaluation={"samples_per_env": 1, "max_new_tokens": 8})
    day = date(2026, 11, 23)
    first = run_pipeline(cfg, day, log=lambda _: None)
    assert len(first) == 2
    assert run_pipeline(cfg, day, log=lambda _: None) == []
    with WarehouseReader(cfg.paths.warehouse_dir) as reader:
        entries = checkpoint_report(reader)
        n_samples = reader.query("SELECT count(*) AS n FROM samples")["n"][0]
    assert [e["stage"] for e in entries] == ["base", "cap-1"]
    assert all(e["n"] > 0 and e["eval_date"] == "2026-11-23" for e in entries)
    assert n_samples == 2 * 196


def test_a_copied_or_respelled_data_dir_evaluates_nothing_new_for_a_date_already_done(tmp_path, monkeypatch) -> None:
    import shutil

    from schemewatch.doctor import duplicate_evaluations

    cfg = tiny_config(tmp_path / "data", evaluation={"samples_per_env": 1, "max_new_tokens": 8})
    day = date(2026, 11, 23)
    assert len(run_pipeline(cfg, day, log=lambda _: None)) == 2
    monkeypatch.chdir(tmp_path)  # the same directory, spelled relative
    relative = tiny_config(__import__("pathlib").Path("data"), evaluation={"samples_per_env": 1, "max_new_tokens": 8})
    assert run_pipeline(relative, day, log=lambda _: None) == []
    shutil.copytree(tmp_path / "data", tmp_path / "copy")
    copied = tiny_config(tmp_path / "copy", evaluation={"samples_per_env": 1, "max_new_tokens": 8})
    assert run_pipeline(copied, day, log=lambda _: None) == []
    with WarehouseReader(copied.paths.warehouse_dir) as reader:
        assert duplicate_evaluations(reader) == []
        assert reader.query("SELECT count(*) AS n FROM eval_runs")["n"][0] == 2
