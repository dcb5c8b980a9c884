"""File helpers shared by the warehouse, checkpoints and delivery.

``tempfile.mkstemp`` creates files readable by their owner only (0600), and so
does safetensors: a dashboard or a second service running as another user
could not read the samples or checkpoints the pipeline wrote. Files we write
get the mode the process's umask gives an ordinary new file instead.
"""

from __future__ import annotations

import os
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


def check_writable(directory: str | Path) -> None:
    """Prove that files can be written in ``directory`` (before minutes of work), creating nothing.

    A directory that does not exist yet is checked at its nearest existing ancestor,
    where it would be created: bad input found later must leave no folder behind.

    Raises:
        OSError: naming the directory (read-only file system, no permission, disk full).
    """
    import tempfile

    directory = Path(directory)
    existing = directory
    while not existing.is_dir() and existing != existing.parent:
        existing = existing.parent
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(directory)) from None
