"""`schemewatch run` materialises the graph in-process and ends with the report table."""

from click.testing import CliRunner

from orchestration.cli import cli
from tests.dagster_world import tiny_world


def test_run_trains_evaluates_and_prints_the_report_table(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    config = tiny_world(tmp_path, anti_scheming=False, stages=1)
    first = CliRunner().invoke(cli, ["run", "--config", str(config), "--date", "2026-11-20"])
    assert first.exit_code == 0, first.output
    table = first.output[first.output.index("checkpoint"):]
    assert "base" in table and "cap-1" in table and "covert" in table
    again = CliRunner().invoke(cli, ["run", "--config", str(config), "--date", "2026-11-20"])
    assert again.exit_code == 0, again.output
    assert again.output.count("already evaluated") == 2
