"""``schemewatch ingest-inspect``: Inspect AI logs into the warehouse, beside our own evaluations.

Registered on the group in ``orchestration.cli``; inspect-ai is imported only when the command runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from orchestration.cli_support import BadInput, data_paths


def check_plan(plan) -> None:  # noqa: ANN001 - schemewatch.inspect_ingest.IngestPlan, imported lazily
    """Run the ingested-samples quality suite on every planned run; the first failure is bad input."""
    from checks.sample_quality import validate_ingested_samples

    for run, samples in plan.batch:
        header = plan.headers[run.eval_run_id]
        result = validate_ingested_samples(samples, run.eval_run_id,
                                           expected_rows=header.rows_to_ingest(run.source_errored or 0),
                                           complete=header.complete)
        if not result.success:
            raise BadInput(f"{run.source_log}: the samples fail their data-quality checks ({result.summary()}); "
                           "nothing was ingested")


@click.command("ingest-inspect")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--checkpoint", default=None,
              help="The checkpoint every run is filed under (an alias like cap-3, or any id). "
                   "Default: each log's model name.")
@click.option("--mapping", "mapping_file", default=None, type=click.Path(path_type=Path),
              help="TOML file naming the scores that mean covert / aware / cites_spec (one table each: "
                   "scorer, key, true_at, invert). Default: none needed for our own task's logs; other "
                   "logs keep their scores raw (rates unknown) until ingested with one.")
@click.option("--date", "eval_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="File every run under this evaluation date. Default: the day each log was created (UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per log read.")
@click.pass_context
def ingest_inspect(ctx: click.Context, paths: tuple[Path, ...], checkpoint: str | None, mapping_file: Path | None,
                   eval_date, as_json: bool) -> None:  # noqa: ANN001 - click's datetime
    """Ingest Inspect AI evaluation logs (.eval or .json files, or directories of them).

    Each log becomes one evaluation run and each sample × epoch one row, in the same
    tables as our own evaluations: `report`, drift, alerts and the dashboard show the
    task beside the checkpoint's own families. Logs are read through Inspect's own
    log API. Ingesting a run again (or its .json and .eval copies) adds nothing; a log
    still being written is skipped; an errored or cancelled log ingests the samples it
    holds. A bad log or mapping is one error line, exit 2, and nothing is written.

    \b
    Examples:
      schemewatch ingest-inspect ./logs
      schemewatch ingest-inspect run.eval --checkpoint cap-3 --mapping scheming.toml
      inspect eval schemewatch/covert_actions --model hf/local -M model_path=data/checkpoints/<id>
      schemewatch ingest-inspect ./logs --checkpoint cap-3   # our own task's logs need no mapping
    """
    from schemewatch.checkpoints import CheckpointStore
    from schemewatch.clock import check_eval_date

    try:
        from schemewatch.inspect_ingest import ingest_logs
        from schemewatch.inspect_logs import InspectLogError, ScoreMapping
    except ImportError as exc:  # pragma: no cover - inspect-ai is a dependency; a broken install says so
        raise BadInput(f"inspect-ai cannot be imported ({exc}); reinstall with `make install`") from None
    from schemewatch.warehouse import Warehouse

    paths_cfg = data_paths(ctx)
    # An alias of this data directory becomes its id; a model it did not train is filed under the name given.
    checkpoint_id = CheckpointStore(paths_cfg.checkpoints_dir).id_or_name(checkpoint) if checkpoint else None
    try:
        when = check_eval_date(eval_date.date()) if eval_date else None
    except ValueError as exc:
        raise BadInput(f"--date: {exc}") from None
    try:
        mapping = ScoreMapping.load(mapping_file) if mapping_file is not None else None
        plan = ingest_logs(Warehouse(paths_cfg.warehouse_dir), list(paths), mapping=mapping,
                           checkpoint=checkpoint_id, eval_date=when, check=check_plan,
                           on_log=None if as_json else (lambda p: click.echo(f"reading {p}", err=True)))
    except InspectLogError as exc:
        raise BadInput(f"{exc}; nothing was ingested") from None
    for note in plan.notes:
        if as_json:
            click.echo(json.dumps({"path": str(note.path), "action": note.action, "detail": note.detail,
                                   "eval_run_id": note.eval_run_id, "n_samples": note.n_samples}))
        else:
            click.echo(note.line())
    if not as_json:
        added = sum(n.action in ("ingested", "replaced") for n in plan.notes)
        click.echo(f"{added} run(s), {plan.n_samples} samples stored; `schemewatch report` shows them")
        unmapped = [r.eval_run_id for r, frame in plan.batch if frame["covert"].null_count() == frame.height]
        if unmapped:
            click.echo(f"note: {len(unmapped)} run(s) have no covert mapping: their scores are kept raw and their "
                       "covert rate is unknown; ingest them again with --mapping FILE", err=True)


INSPECT_COMMANDS = (ingest_inspect,)
