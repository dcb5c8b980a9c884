"""What the ``schemewatch`` commands share: the one-line error for bad input, where the data lives,
reading a response file, printing tables and the report, and one line for an OSError."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from schemewatch.environments.base import Split

#: The suite's splits as a --split choice (one source: the Split enum).
SPLIT_CHOICE = click.Choice([s.value for s in Split])

EXIT_BAD_INPUT = 2


def training_failures() -> tuple[type[Exception], ...]:
    """Training errors that end a command with one line and exit code 1."""
    from training_stages.anti_scheming_sft import NoRolloutsKeptError
    from training_stages.lm_training import TrainingDivergedError

    return (NoRolloutsKeptError, TrainingDivergedError)


class BadInput(click.ClickException):
    """Bad input from the user: one line on stderr, exit code 2, nothing written."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"error: {self.format_message()}", err=True)


def path_overrides(ctx: click.Context) -> dict[str, object]:
    """A typed --data-dir as the flags layer of :func:`schemewatch.config.resolve_paths`."""
    return {"paths": {"data_dir": str(ctx.obj["data_dir"])}} if ctx.obj["data_dir_explicit"] else {}


def data_paths(ctx: click.Context):  # noqa: ANN202 - PathsConfig, imported lazily
    """Locations for commands without ``--config``: the flag, then the environment (resolve_paths)."""
    from schemewatch.config import ConfigError, resolve_paths

    try:
        return resolve_paths(path_overrides(ctx).get("paths"))
    except ConfigError as exc:
        raise BadInput(str(exc)) from None


def print_report(warehouse_dir: Path, split: str) -> None:
    from schemewatch.report import checkpoint_report, format_report_table
    from schemewatch.warehouse import WarehouseReader

    with WarehouseReader(warehouse_dir) as reader:
        click.echo(format_report_table(checkpoint_report(reader, split)))


def read_response_text(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"response file {path!r} does not exist") from None
    except IsADirectoryError:
        raise BadInput(f"response file {path!r} is a directory; pass a text file") from None
    except UnicodeDecodeError:
        raise BadInput(f"response file {path!r} is not UTF-8 text") from None
    except OSError as exc:
        raise BadInput(f"cannot read response file {path!r}: {exc.strerror}") from None


def format_table(rows: list[dict[str, object]], columns: list[str]) -> str:
    widths = {c: max([len(c), *(len(str(r[c])) for r in rows)]) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return "\n".join(lines)


def os_error_line(exc: OSError) -> str:
    """One line for an OSError: the path, what went wrong, what to do."""
    import errno

    where = f"{exc.filename!s}: " if exc.filename else ""
    what = exc.strerror or str(exc)
    advice = {
        errno.ENOSPC: "free some disk space (nothing half-written was kept) and run it again",
        errno.EROFS: "the file system is read-only; pass a writable --data-dir (or SCHEMEWATCH_DATA)",
        errno.EACCES: "no permission; pass a --data-dir you can write to, or fix the permissions",
        errno.EPERM: "no permission; pass a --data-dir you can write to, or fix the permissions",
        errno.ENOENT: "check the path",
    }.get(exc.errno or 0, "check the path and the disk, then run it again")
    return f"{where}{what}; {advice}"
