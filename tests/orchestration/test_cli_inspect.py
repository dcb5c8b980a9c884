"""`schemewatch ingest-inspect`: logs in, the report shows the task, bad input is one line and writes nothing."""

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("inspect_ai")

from tests.schemewatch.inspect_logs_data import run_task  # noqa: E402

CLI = [sys.executable, "-m", "orchestration.cli"]


def run(data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMEWATCH_")}
    return subprocess.run([*CLI, "--data-dir", str(data_dir), *args], capture_output=True, text=True, timeout=180,
                          env=env)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    root = tmp_path_factory.mktemp("logs")
    run_task(root)
    mapping = root.parent / "mapping.toml"
    mapping.write_text('[covert]\nscorer = "judge"\nkey = "schemed"\n')
    return root, mapping


def test_ingest_then_report_then_ingest_again(tmp_path, logs) -> None:
    root, mapping = logs
    first = run(tmp_path, "ingest-inspect", str(root), "--mapping", str(mapping), "--checkpoint", "probe-v1")
    assert first.returncode == 0, first.stderr
    assert "ingested: " in first.stdout and "1 run(s), 10 samples stored" in first.stdout
    report = json.loads(run(tmp_path, "report", "--json").stdout)["checkpoints"]
    assert [(e["checkpoint"], e["suite"], e["covert_rate"]) for e in report] == [
        ("probe-v1", "inspect:scheming_probe@0", 0.3)]
    table = run(tmp_path, "report").stdout
    assert "suite" in table and "inspect:scheming_probe@0" in table
    again = run(tmp_path, "ingest-inspect", str(root), "--mapping", str(mapping), "--checkpoint", "probe-v1",
                "--json")
    assert again.returncode == 0 and [json.loads(line)["action"] for line in again.stdout.splitlines()] == ["skipped"]


def test_without_a_mapping_the_scores_are_kept_and_the_user_is_told(tmp_path, logs) -> None:
    out = run(tmp_path, "ingest-inspect", str(logs[0]))
    assert out.returncode == 0 and "no covert mapping" in out.stderr and "--mapping FILE" in out.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["missing-dir"], "'missing-dir' does not exist; nothing was ingested"),
    (["LOGS", "--mapping", "nope.toml"], "mapping file 'nope.toml' does not exist"),
    (["LOGS", "--mapping", "BADMAP"], "names scorer 'nope'"),
    (["LOGS", "--date", "2026-13-01"], "Invalid value for '--date'"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, logs, args, message) -> None:
    root, _ = logs
    bad_map = tmp_path / "bad.toml"
    bad_map.write_text('[covert]\nscorer = "nope"\n')
    args = [str(root) if a == "LOGS" else str(bad_map) if a == "BADMAP" else a for a in args]
    out = subprocess.run([*CLI, "--data-dir", str(tmp_path / "data"), "ingest-inspect", *args], capture_output=True,
                         text=True, timeout=180, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and message in lines[-1] and "Traceback" not in out.stderr
    assert not (tmp_path / "data" / "warehouse" / "samples").exists()


def test_a_model_name_with_a_slash_is_filed_as_given(tmp_path, logs) -> None:
    out = run(tmp_path, "ingest-inspect", str(logs[0]), "--checkpoint", "org/model-x", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(run(tmp_path, "report", "--json").stdout)["checkpoints"]
    assert [e["checkpoint"] for e in report] == ["org/model-x"]
