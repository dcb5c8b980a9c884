"""File helpers shared by the warehouse, checkpoints, drift reports, assets and delivery.

Every file another process may read is written whole or not at all
(:func:`atomic_target`): a crash leaves the old file or none, never half of one.

``tempfile.mkstemp`` creates files readable by their owner only (0600), and so
does safetensors: a dashboard or a second service running as another user
could not read the samples or checkpoints the pipeline wrote. Files we write
get the mode the process's umask gives an ordinary new file instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path


@cache
def _umask() -> int:
    try:  # Linux reports it without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)  # elsewhere: read by setting, then restore at once
    os.umask(old)
    return old


def ordinary_file_mode() -> int:
    """The mode ``open(path, "w")`` would give a new file under the current umask (e.g. 0644)."""
    return 0o666 & ~_umask()


def share_like_ordinary_files(*paths: str | Path) -> None:
    """Give each file (and each file in each directory given) the ordinary mode."""
    mode = ordinary_file_mode()
    for path in map(Path, paths):
        targets = [p for p in path.iterdir() if p.is_file()] if path.is_dir() else [path]
        for target in targets:
            os.chmod(target, mode)


@contextmanager
def atomic_target(path: str | Path, *, prefix: str = ".tmp-", suffix: str = "") -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; on success it replaces ``path``, on failure it is removed.

    The file gets the ordinary mode (see the module docstring); temporary names start
    with ``prefix`` so a cleaner can tell leftovers of a killed writer.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        share_like_ordinary_files(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all."""
    with atomic_target(path, prefix=f".{Path(path).name}.", suffix=".tmp") as tmp:
        tmp.write_text(text, encoding="utf-8")


def check_writable(directory: str | Path) -> None:
    """Prove that files can be written in ``directory`` (before minutes of work), creating nothing.

    A directory that does not exist yet is checked at its nearest existing ancestor,
    where it would be created: bad input found later must leave no folder behind.

    Raises:
        OSError: naming the directory (read-only file system, no permission, disk full).
    """
    directory = Path(directory)
    existing = directory
    while not existing.is_dir() and existing != existing.parent:
        existing = existing.parent
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(directory)) from None
