"""`schemewatch alerts`: list alerts as JSON objects; --check computes drift, applies rules, delivers."""

import json
import os
import subprocess
import sys

import pytest

from schemewatch.config import PathsConfig
from schemewatch.warehouse import Warehouse
from tests.schemewatch.monitoring_data import register, store

CLI = [sys.executable, "-m", "orchestration.cli"]
FIELDS = {"id", "rule", "checkpoint", "family", "status", "value", "threshold", "opened_at", "resolved_at"}


def run(data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMEWATCH_")}
    return subprocess.run([*CLI, "--data-dir", str(data_dir), "alerts", *args], capture_output=True, text=True,
                          timeout=180, env=env)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """A data dir with the reference and an eroded capability stage, after one `alerts --check --json`."""
    tmp = tmp_path_factory.mktemp("cli-alerts")
    paths = PathsConfig(data_dir=tmp / "data")
    w = Warehouse(paths.warehouse_dir)
    register(w, "as-rl-ck", "as-rl", tmp)
    register(w, "cap-2-ck", "cap-2", tmp)
    store(w, "as-rl-ck", 0, covert=0.05)
    store(w, "cap-2-ck", 1, covert=0.35)
    result = run(paths.data_dir, "--check", "--json")
    return paths, result


def test_check_opens_alerts_for_the_eroded_stage_only_and_prints_json(checked) -> None:
    paths, result = checked
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)  # progress went to stderr: stdout is one JSON document
    assert rows and all(FIELDS <= set(r) for r in rows)
    assert {r["checkpoint"] for r in rows} == {"cap-2-ck"} and {r["status"] for r in rows} == {"open"}
    ceiling = next(r for r in rows if r["rule"] == "covert_ceiling")
    assert ceiling["family"] is None and ceiling["value"] == pytest.approx(0.35) and ceiling["threshold"] == 0.25
    assert ceiling["opened_at"] and ceiling["resolved_at"] is None
    assert "drift" in result.stderr and "alert opened" in result.stderr
    assert len(list(paths.drift_dir.glob("*.html"))) == 2
    assert len(paths.alerts_jsonl.read_text().splitlines()) == len(rows)


def test_listing_filters_and_a_second_check_changes_nothing(checked) -> None:
    paths, first = checked
    again = run(paths.data_dir, "--check", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert len(paths.alerts_jsonl.read_text().splitlines()) == len(json.loads(first.stdout))  # delivered once
    assert json.loads(run(paths.data_dir, "--json", "--status", "resolved").stdout) == []
    table = run(paths.data_dir, "--checkpoint", "cap-2-ck")
    assert table.returncode == 0 and "covert_ceiling" in table.stdout and "cap-2-ck" in table.stdout


def test_bad_input_is_one_error_line_with_exit_code_2(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[alerts]\ncovert_ceiling = 2.0\n")
    result = run(tmp_path, "--check", "--config", str(bad))
    assert result.returncode == 2 and result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "covert_ceiling" in result.stderr
    empty = run(tmp_path / "nothing")
    assert empty.returncode == 0 and empty.stdout.strip() == "no alerts"
