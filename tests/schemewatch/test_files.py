"""Files the pipeline writes are readable as ordinary files are; a data dir is checked before work starts."""

import errno
import os
import stat
import tempfile

import pytest

from schemewatch.config import AlertsConfig
from schemewatch.files import check_writable, ordinary_file_mode, share_like_ordinary_files
from schemewatch.warehouse import Warehouse
from tests.schemewatch.monitoring_data import register, store


def _mode(path) -> int:  # noqa: ANN001
    return stat.S_IMODE(path.stat().st_mode)


def test_ordinary_mode_follows_the_umask(tmp_path) -> None:
    probe = tmp_path / "probe"
    probe.write_text("x")  # what open() gives a new file here
    assert ordinary_file_mode() == _mode(probe)
    secret = tmp_path / "secret"
    secret.write_text("x")
    os.chmod(secret, 0o600)  # what mkstemp and safetensors leave
    share_like_ordinary_files(tmp_path)
    assert _mode(secret) == _mode(probe)


def test_sample_files_and_snapshots_are_not_owner_only(tmp_path) -> None:
    """They were 0600: a dashboard running as another user could not read them."""
    w = Warehouse(tmp_path / "wh")
    register(w, "ck", "base", tmp_path)
    store(w, "ck", 0, covert=0.1)
    written = [p for p in (tmp_path / "wh").rglob("*") if p.is_file() and p.suffix in {".parquet", ".json"}]
    assert written and {_mode(p) for p in written} == {ordinary_file_mode()}


def test_an_unwritable_dir_is_named_before_any_work(tmp_path, monkeypatch) -> None:
    def refuse(*a, **k):  # noqa: ANN002, ANN003, ANN202 - as a read-only mount answers (root ignores chmod)
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)
    with pytest.raises(OSError, match="Read-only") as err:
        check_writable(tmp_path / "data")
    assert err.value.filename == str(tmp_path / "data")


@pytest.mark.parametrize("name", ["AWS_SECRET_ACCESS_KEY", "HOME", "schemewatch_token", "SCHEMEWATCH_"])
def test_the_webhook_token_can_only_come_from_a_schemewatch_variable(name: str) -> None:
    """A shared config could otherwise send any secret of the host to the webhook."""
    with pytest.raises(ValueError, match="SCHEMEWATCH_"):
        AlertsConfig(webhook_token_env=name)
    with pytest.raises(ValueError, match="SCHEMEWATCH_"):
        AlertsConfig(webhook_url_env=name)
    assert AlertsConfig(webhook_token_env="SCHEMEWATCH_TEAM_TOKEN").webhook_token_env == "SCHEMEWATCH_TEAM_TOKEN"


def test_checking_a_dir_that_does_not_exist_yet_creates_nothing(tmp_path) -> None:
    check_writable(tmp_path / "data" / "warehouse")
    assert list(tmp_path.iterdir()) == []


def test_an_atomic_write_that_fails_keeps_the_old_file_and_leaves_no_temporary(tmp_path) -> None:
    from schemewatch.files import atomic_target, atomic_write_text

    target = tmp_path / "aliases.json"
    atomic_write_text(target, "old")
    with pytest.raises(OSError), atomic_target(target) as tmp:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["aliases.json"]
    assert _mode(target) == ordinary_file_mode()
