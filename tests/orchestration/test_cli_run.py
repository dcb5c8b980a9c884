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


def test_a_corrupt_checkpoint_in_the_store_ends_run_with_one_line_naming_it(tmp_path) -> None:
    """It printed ~90 lines of Dagster events before the clear last line."""
    import os
    import subprocess
    import sys

    from schemewatch.checkpoints import CheckpointStore

    config = tiny_world(tmp_path, anti_scheming=False, stages=1)
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}"}

    def run(day: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "orchestration.cli", "run", "--config", str(config),
                               "--date", day], capture_output=True, text=True, timeout=600, env=env)

    assert run("2026-11-20").returncode == 0
    store = CheckpointStore(tmp_path / "data" / "checkpoints")
    cap = next(c for c in store.list() if c.stage == "cap-1")
    (cap.path / "model.safetensors").write_bytes(b"not a safetensors file")
    failed = run("2026-11-21")
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert failed.returncode == 2 and len(errors) == 1 and "Traceback" not in failed.stderr, failed.stderr[-3000:]
    assert cap.id in errors[0] or str(cap.path) in errors[0]
    assert len(failed.stderr.strip().splitlines()) <= 10, failed.stderr
