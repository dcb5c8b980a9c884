"""Faults a user meets: bad dates, non-UTF-8 configs, read-only or full disks: one line, exit 2, no partial writes."""

import errno
import re
import subprocess
import sys
from datetime import timedelta

import pytest

from orchestration import cli as cli_module
from schemewatch.clock import FIRST_EVAL_DATE, check_eval_date, today_utc
from tests.dagster_world import tiny_world

CLI = [sys.executable, "-m", "orchestration.cli"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    return lines[0]


# Resolved when the test runs, not when it is collected: a suite that crosses midnight UTC would otherwise ask
# for "tomorrow" once it has become today (seen once, at 00:03 UTC).
@pytest.mark.parametrize("pick", [lambda: FIRST_EVAL_DATE - timedelta(days=1), lambda: today_utc() + timedelta(days=1)],
                         ids=["before_the_first", "tomorrow"])
def test_run_refuses_a_date_outside_the_partitions_in_one_line_and_writes_nothing(tmp_path, pick) -> None:
    day = pick()
    config = tiny_world(tmp_path)
    line = one_error_line(run("run", "--config", str(config), "--date", day.isoformat()))
    assert f"date {day}" in line and "pick a date from" in line
    assert not (tmp_path / "data").exists()


def test_the_date_check_uses_the_utc_calendar() -> None:
    assert check_eval_date(today_utc()) == today_utc()
    with pytest.raises(ValueError, match="in UTC"):
        check_eval_date(today_utc() + timedelta(days=1))


def test_a_host_ahead_of_utc_gets_the_utc_date_by_default(tmp_path) -> None:
    # UTC+14: the local date is tomorrow's UTC date for ten hours of every day.
    # The default date and the last date partition must be the same UTC day (the default was date.today()).
    code = "from schemewatch.clock import today_utc; from datetime import datetime, UTC; " \
           "from assets.evaluation import date_partitions; " \
           "assert today_utc() == datetime.now(UTC).date(); " \
           "assert date_partitions.get_last_partition_key() == today_utc().isoformat(); print('ok')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"TZ": "Etc/GMT-14", "PATH": ""})
    assert result.stdout.strip() == "ok", result.stderr


def test_a_config_that_is_not_utf8_is_one_line(tmp_path) -> None:
    config = tmp_path / "world.toml"
    config.write_bytes(b"seed = 0\n# caf\xe9\n")
    line = one_error_line(run("train", "--config", str(config), "--stages", "base"))
    assert "not UTF-8" in line and str(config) in line


def _main(monkeypatch, capsys, *args: str) -> tuple[int, list[str]]:
    """Exit code and the stderr lines other than progress bars (work done before the fault may show its bar)."""
    monkeypatch.setattr(sys, "argv", ["schemewatch", *args])
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    lines = capsys.readouterr().err.strip().splitlines()
    return exit_.value.code, [line for line in lines if not re.search(r"\d+%\|", line)]


def test_a_read_only_data_dir_is_refused_before_anything_is_generated(tmp_path, monkeypatch, capsys) -> None:
    import tempfile

    from schemewatch.policy import local

    def read_only(*a, **k):  # noqa: ANN002, ANN003, ANN202 - as a read-only file system answers
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    generated = []
    monkeypatch.setattr(local.LocalCheckpointPolicy, "generate", lambda *a, **k: generated.append(1) or [])
    code, lines = _main(monkeypatch, capsys, "--data-dir", str(tmp_path / "ro"), "evaluate",
                        "--checkpoint", "training_stages/default_base")
    assert code == 2 and len(lines) == 1 and "Read-only file system" in lines[0] and "--data-dir" in lines[0]
    assert generated == []


def test_a_full_disk_while_storing_is_one_line_and_leaves_no_partial_files(tmp_path, monkeypatch, capsys) -> None:
    import polars as pl

    def disk_full(self, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", disk_full)
    code, lines = _main(monkeypatch, capsys, "--data-dir", str(tmp_path), "evaluate",
                        "--checkpoint", "training_stages/default_base", "--samples", "1", "--max-new-tokens", "8")
    assert code == 2 and len(lines) == 1 and "No space left" in lines[0] and "free some disk space" in lines[0]
    samples = tmp_path / "warehouse" / "samples"
    assert not samples.exists() or not any(samples.iterdir())
    assert not list((tmp_path / "warehouse").glob("snapshot/.tmp-*"))
