"""The ``schemewatch`` commands over the warehouse: ``report``, ``regrade``, ``alerts``, ``doctor``.

Registered on the group in ``orchestration.cli``; heavy libraries are imported inside each command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from orchestration.cli_support import SPLIT_CHOICE, BadInput, data_paths, format_table


@click.command()
@click.option("--checkpoint", "checkpoint_ref", default=None,
              help="Only this checkpoint: an alias (base, as-rl, cap-1, …) or an id. Default: every checkpoint.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the re-graded runs.")
@click.pass_context
def regrade(ctx: click.Context, checkpoint_ref: str | None, as_json: bool) -> None:
    """Re-grade stored responses under the current grader, without sampling again.

    Each run graded by an older grader version becomes a new run (the old one is
    kept, marked superseded); `report`, drift, alerts and the dashboard then use
    the new grades. Running it again adds nothing.

    \b
    Examples:
      schemewatch regrade                      # every checkpoint
      schemewatch regrade --checkpoint as-rl --json
    """
    from schemewatch.checkpoints import CheckpointStore
    from schemewatch.grading import GRADER_VERSION
    from schemewatch.regrade import RegradeError
    from schemewatch.regrade import regrade as regrade_runs
    from schemewatch.warehouse import Warehouse

    paths = data_paths(ctx)
    # An id of a checkpoint that is not in this store (e.g. external) is kept as given.
    checkpoint_id = CheckpointStore(paths.checkpoints_dir).id_or_name(checkpoint_ref) if checkpoint_ref else None
    try:
        done = regrade_runs(Warehouse(paths.warehouse_dir), checkpoint_id=checkpoint_id,
                            log=(lambda _: None) if as_json else click.echo)
    except RegradeError as exc:
        raise BadInput(str(exc)) from None
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in done], indent=2))
    elif not done:
        click.echo(f"nothing to re-grade: every run is graded by grader version {GRADER_VERSION}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print {\"checkpoints\": [...]} as JSON.")
@click.option("--split", type=SPLIT_CHOICE, default="eval", show_default=True)
@click.pass_context
def report(ctx: click.Context, as_json: bool, split: str) -> None:
    """Latest evaluation of every checkpoint, in training order."""
    from schemewatch.report import checkpoint_report, format_report_table
    from schemewatch.warehouse import WarehouseReader

    with WarehouseReader(data_paths(ctx).warehouse_dir) as reader:
        entries = checkpoint_report(reader, split)
    if as_json:
        click.echo(json.dumps({"checkpoints": entries}, indent=2))
    else:
        click.echo(format_report_table(entries))


@click.command()
@click.option("--fix", is_flag=True, help="Delete the duplicate evaluation runs found (the newest of each is kept).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
def doctor(ctx: click.Context, fix: bool, as_json: bool) -> None:
    """Check the data directory: the shipped base's hashes, and evaluations stored twice.

    Exit code 1 when something is wrong and was not fixed.

    \b
    Examples:
      schemewatch doctor
      schemewatch --data-dir /srv/schemewatch doctor --fix
    """
    from schemewatch.doctor import duplicate_evaluations, remove_duplicates
    from schemewatch.warehouse import Warehouse, WarehouseReader
    from training_stages.shipped_base import ShippedBaseError, verify_shipped_base

    paths = data_paths(ctx)
    try:
        verify_shipped_base()
        base = "ok"
    except ShippedBaseError as exc:
        base = str(exc)
    with WarehouseReader(paths.warehouse_dir) as reader:
        found = duplicate_evaluations(reader)
    removed = remove_duplicates(Warehouse(paths.warehouse_dir), found) if fix and found else 0
    if as_json:
        click.echo(json.dumps({"shipped_base": base, "duplicate_evaluations": [d.to_dict() for d in found],
                               "removed_runs": removed}, indent=2))
    else:
        click.echo(f"shipped base: {base}")
        if not found:
            click.echo("evaluations: no duplicates")
        for d in found:
            click.echo(f"evaluations: {d.checkpoint_id} on {d.eval_date} stored {1 + len(d.duplicates)} times "
                       f"({d.duplicate_samples} duplicate samples); keeping {d.kept}")
        if found:
            click.echo(f"removed {removed} duplicate runs" if fix else "run `schemewatch doctor --fix` to remove them")
    if base != "ok" or (found and not fix):
        sys.exit(1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of alert objects.")
@click.option("--status", type=click.Choice(["open", "resolved", "all"]), default="all", show_default=True)
@click.option("--checkpoint", "checkpoint_id", default=None, help="Only alerts of this checkpoint id.")
@click.option("--check", is_flag=True,
              help="First compute drift and apply the alert rules to evaluations not yet checked, "
                   "then deliver new alert events to the channels.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="TOML file whose [drift] and [alerts] tables configure --check (default: built-in defaults).")
@click.pass_context
def alerts(ctx: click.Context, as_json: bool, status: str, checkpoint_id: str | None, check: bool,
           config_path: Path | None) -> None:
    """Alerts raised on the evaluations, open ones first."""
    from schemewatch.alerts import list_alerts
    from schemewatch.config import ConfigError, load_monitoring_config
    from schemewatch.warehouse import WarehouseReader

    paths = data_paths(ctx)
    if check:
        from schemewatch.channels import ChannelConfigError
        from schemewatch.drift import DriftError
        from schemewatch.monitoring import monitor

        try:
            cfg = load_monitoring_config(config_path)
            # With --json, progress goes to stderr so that stdout stays one JSON document.
            monitor(paths, cfg.drift, cfg.alerts, log=lambda line: click.echo(line, err=as_json))
        except (ConfigError, DriftError, ChannelConfigError) as exc:
            raise BadInput(str(exc)) from None
    elif config_path is not None:
        raise BadInput("--config only applies with --check")
    with WarehouseReader(paths.warehouse_dir) as reader:
        rows = list_alerts(reader, status=None if status == "all" else status, checkpoint=checkpoint_id)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no alerts")
        return

    def num(x: object) -> str:
        return "–" if x is None else f"{float(x):.3f}"

    table = [
        {"id": r["id"], "status": r["status"], "rule": r["rule"], "checkpoint": r["checkpoint"],
         "family": r["family"] or "(all)", "value": num(r["value"]), "threshold": num(r["threshold"]),
         "opened_at": (r["opened_at"] or "")[:19], "resolved_at": (r["resolved_at"] or "–")[:19]}
        for r in rows
    ]
    click.echo(format_table(table, list(table[0])))


WAREHOUSE_COMMANDS = (report, regrade, alerts, doctor)
