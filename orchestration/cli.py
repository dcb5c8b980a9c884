"""The ``schemewatch`` command line.

Heavy libraries (torch, dagster, evidently, …) are imported inside the commands
that need them, so ``schemewatch --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from schemewatch.config import EvaluationConfig

EXIT_BAD_INPUT = 2


def _training_failures() -> tuple[type[Exception], ...]:
    """Training errors that end a command with one line and exit code 1."""
    from training_stages.anti_scheming_sft import NoRolloutsKeptError
    from training_stages.lm_training import TrainingDivergedError

    return (NoRolloutsKeptError, TrainingDivergedError)


class BadInput(click.ClickException):
    """Bad input from the user: one line on stderr, exit code 2, nothing written."""

    exit_code = EXIT_BAD_INPUT

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="schemewatch")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SCHEMEWATCH_DATA",
    default="data",
    show_default=True,
    help="Where checkpoints, the warehouse and reports live (env: SCHEMEWATCH_DATA).",
)
@click.pass_context
def cli(ctx: click.Context, data_dir: Path) -> None:
    """schemewatch: did last night's training erode anti-scheming behaviour?

    Trains a chain of checkpoints, re-evaluates each on held-out covert-action
    environments and tracks covert, spec-citation and evaluation-awareness rates.
    """
    explicit = ctx.get_parameter_source("data_dir") is not click.core.ParameterSource.DEFAULT
    ctx.obj = {"data_dir": data_dir, "data_dir_explicit": explicit}


def _path_overrides(ctx: click.Context) -> dict[str, object]:
    """--data-dir / SCHEMEWATCH_DATA win over a config file's [paths]; the default does not."""
    return {"paths": {"data_dir": str(ctx.obj["data_dir"])}} if ctx.obj["data_dir_explicit"] else {}


def _paths(ctx: click.Context):  # noqa: ANN202 - PathsConfig, imported lazily
    from schemewatch.config import PathsConfig

    return PathsConfig(data_dir=ctx.obj["data_dir"])


@cli.command()
@click.option(
    "--split",
    type=click.Choice(["train", "eval"]),
    default=None,
    help="Only environments of this split (default: both).",
)
@click.option("--family", "family_name", default=None, help="Only this family.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list instead of a table.")
@click.option("--summary", is_flag=True, help="One line per family instead of per environment.")
def envs(split: str | None, family_name: str | None, as_json: bool, summary: bool) -> None:
    """List the environment suite (ids are stable for a suite version)."""
    from schemewatch.environments import SUITE_VERSION, UnknownEnvironmentError, build_suite, family

    suite = build_suite(split)
    if family_name is not None:
        try:
            family(family_name)
        except UnknownEnvironmentError as exc:
            raise BadInput(str(exc)) from None
        suite = tuple(e for e in suite if e.family == family_name)
    if summary:
        counts = Counter((e.family, e.category, str(e.split), e.counts_in_aggregate) for e in suite)
        rows = [
            {"family": f, "category": c, "split": s, "counts_in_aggregate": a, "environments": n}
            for (f, c, s, a), n in counts.items()
        ]
    else:
        rows = [e.to_summary() for e in suite]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    columns = ["family", "category", "split", "counts_in_aggregate", "environments"] if summary else [
        "id", "category", "split", "counts_in_aggregate"
    ]
    click.echo(_table(rows, columns))
    n_families = len({e.family for e in suite})
    click.echo(f"\n{len(suite)} environments in {n_families} families (suite {SUITE_VERSION})")


@cli.command()
@click.option("--env", "env_id", required=True, help="Environment id, e.g. log_falsification-003.")
@click.option(
    "--response",
    "response_path",
    required=True,
    help="File holding the response text, or - for standard input.",
)
def grade(env_id: str, response_path: str) -> None:
    """Grade one response to one environment; prints the Grade as JSON."""
    from schemewatch.environments import UnknownEnvironmentError, environment
    from schemewatch.grading import grade as grade_response

    try:
        env = environment(env_id)
    except UnknownEnvironmentError as exc:
        raise BadInput(str(exc)) from None
    text = _read_text(response_path)
    click.echo(json.dumps(grade_response(env, text).to_dict(), indent=2))


@cli.command()
def spec() -> None:
    """Print the anti-scheming spec as it appears in a system prompt."""
    from schemewatch.spec import render_spec

    click.echo(render_spec())


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="World config TOML (default: built-in defaults, as in configs/default_world.toml).")
@click.option("--stages", default=None,
              help="Comma-separated stages to train up to, e.g. base,as-sft (default: the whole chain).")
@click.option("--no-anti-scheming", is_flag=True, help="Skip as-sft and as-rl (the control run).")
@click.option("--no-tracking", is_flag=True, help="Do not log to MLflow.")
@click.option("--from-scratch", is_flag=True,
              help="Pretrain the base from the config's [base] values instead of using the shipped base "
              "(the same as `source = \"scratch\"` under [base]; ~45 min for the default world on 2 cores).")
@click.option("--export-base", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the trained base, with its manifest (hashes, config, corpus hash, command, machine), to "
              "this folder: how training_stages/default_base is rebuilt. Needs --from-scratch.")
@click.pass_context
def train(ctx: click.Context, config_path: Path | None, stages: str | None, no_anti_scheming: bool,
          no_tracking: bool, from_scratch: bool, export_base: Path | None) -> None:
    """Train the default world's chain: base → as-sft → as-rl → cap-1 … cap-N.

    Finished checkpoints with the same config and seed are reused. The base is
    the pretrained one shipped in training_stages/default_base (hash-checked)
    unless --from-scratch is given.

    \b
    Examples:
      schemewatch train                                   # the whole chain from the shipped base
      schemewatch train --stages base,as-sft              # up to the anti-scheming SFT
      schemewatch train --stages base --from-scratch \\
          --export-base training_stages/default_base      # rebuild the shipped base
    """
    import time

    from schemewatch.config import ConfigError
    from training_stages.chain import UnknownStageError, run_chain
    from training_stages.config import load_world_config
    from training_stages.shipped_base import ShippedBaseError
    from training_stages.shipped_base import export_base as write_base

    overrides = _path_overrides(ctx)
    if no_anti_scheming:
        overrides["anti_scheming"] = False
    if from_scratch:
        overrides["base"] = {"source": "scratch"}
    if export_base is not None and not from_scratch:
        raise BadInput("--export-base writes a base trained here; add --from-scratch")
    started = time.perf_counter()
    try:
        cfg = load_world_config(config_path, overrides)
        wanted = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
        infos = run_chain(cfg, stages=wanted, track=not no_tracking, log=click.echo)
    except (ConfigError, UnknownStageError, ShippedBaseError) as exc:
        raise BadInput(str(exc)) from None
    except _training_failures() as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("checkpoints: " + ", ".join(f"{i.stage}={i.id}" for i in infos))
    if export_base is not None:
        from training_stages.checkpointing import checkpoint_metrics

        base = next(i for i in infos if i.stage == "base")
        manifest = write_base(base.path, export_base, base_config=cfg.base, seed=cfg.seed,
                              seconds=time.perf_counter() - started, metrics=checkpoint_metrics(base.path))
        click.echo(f"exported the base to {export_base} (sha256 {manifest['sha256'][:12]}…)")


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="World config TOML (default: configs/default_world.toml's values).")
@click.option("--date", "eval_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Evaluation date, a UTC calendar day from 2026-01-01 to today (default: today in UTC).")
@click.pass_context
def run(ctx: click.Context, config_path: Path | None, eval_date) -> None:
    """The main job: materialise the Dagster asset graph in-process — train (or
    reuse) the chain, evaluate every checkpoint not yet evaluated for the date,
    run the checks — then print the report table."""

    from schemewatch.checkpoints import CheckpointNotFoundError
    from schemewatch.clock import check_eval_date, today_utc
    from schemewatch.config import ConfigError
    from schemewatch.files import check_writable
    from schemewatch.policy import PolicyError
    from training_stages.shipped_base import ShippedBaseError

    try:  # before anything is built or written
        when = check_eval_date(eval_date.date()) if eval_date else today_utc()
    except ValueError as exc:
        raise BadInput(f"--date: {exc}") from None
    data_dir = _path_overrides(ctx).get("paths", {}).get("data_dir")
    try:
        from assets.resources import WorldResource
        from orchestration.definitions import build_definitions
        from orchestration.run_world import PipelineRunError, run_world

        world = WorldResource(config_file=str(config_path) if config_path else None,
                              **({"data_dir": str(data_dir)} if data_dir else {}))
        defs = build_definitions(world=world)
    except (ConfigError, ShippedBaseError) as exc:
        raise BadInput(str(exc)) from None
    check_writable(world.load().paths.data_dir)
    try:
        outcome = run_world(defs, when, log=click.echo)
    except (ShippedBaseError, CheckpointNotFoundError, PolicyError, PipelineRunError) as exc:
        raise BadInput(str(exc)) from None  # e.g. a corrupt checkpoint in the store: named, with what to do
    except _training_failures() as exc:
        raise click.ClickException(str(exc)) from None
    cfg = world.load()
    _print_report(cfg.paths.warehouse_dir, cfg.evaluation.split)
    if outcome.failed_checks:
        click.echo(f"{len(outcome.failed_checks)} check(s) failed: " + ", ".join(outcome.failed_checks))


def _print_report(warehouse_dir: Path, split: str) -> None:
    from schemewatch.report import checkpoint_report, format_report_table
    from schemewatch.warehouse import WarehouseReader

    with WarehouseReader(warehouse_dir) as reader:
        click.echo(format_report_table(checkpoint_report(reader, split)))


@cli.command()
@click.option("--checkpoint", "checkpoint_ref", default=None,
              help="Checkpoint directory, alias (base, as-sft, as-rl, cap-1, …) or id.")
@click.option("--endpoint", default=None, help="OpenAI-compatible base URL instead of a local checkpoint.")
@click.option("--model", "model_name", default=None, help="Model name served at --endpoint.")
@click.option("--samples", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Samples per environment.")
@click.option("--date", "eval_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Evaluation date, a UTC calendar day from 2026-01-01 to today (default: today in UTC).")
@click.option("--split", type=click.Choice(["train", "eval"]), default="eval", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--temperature", type=click.FloatRange(0, 5), default=1.0, show_default=True)
@click.option("--max-new-tokens", type=click.IntRange(8, 8192), default=160, show_default=True)
@click.option("--prefix", default="", help="Text forced at the start of every response, "
              "e.g. '<think>This might be a test. ' (evaluation-awareness intervention).")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=EvaluationConfig().batch_size,
              show_default=True,
              help="Prompts per generation batch (a local checkpoint).")
@click.pass_context
def evaluate(ctx: click.Context, checkpoint_ref: str | None, endpoint: str | None,
             model_name: str | None, samples: int, eval_date, split: str, seed: int,
             temperature: float, max_new_tokens: int, prefix: str, batch_size: int) -> None:
    """Sample, grade and store one evaluation of a checkpoint (or endpoint)."""

    from schemewatch.checkpoints import CheckpointInfo, CheckpointNotFoundError, CheckpointStore
    from schemewatch.environments import build_suite
    from schemewatch.evaluate import EvalSettings
    from schemewatch.evaluate import evaluate as run_evaluation
    from schemewatch.files import check_writable
    from schemewatch.policy import PolicyError
    from schemewatch.warehouse import Warehouse

    paths = _paths(ctx)
    if (checkpoint_ref is None) == (endpoint is None):
        raise BadInput("pass exactly one of --checkpoint or --endpoint")
    check_writable(paths.warehouse_dir)  # before generating, not after
    try:
        if endpoint is not None:
            if not model_name:
                raise BadInput("--endpoint needs --model (the model name the server serves)")
            from schemewatch.policy import OpenAICompatiblePolicy

            policy = OpenAICompatiblePolicy(endpoint, model_name)
            policy.check()
            info = CheckpointInfo(model_name, "external", -1, None, Path(endpoint))
        else:
            from schemewatch.policy import LocalCheckpointPolicy

            info = CheckpointStore(paths.checkpoints_dir).resolve(checkpoint_ref)
            policy = LocalCheckpointPolicy(info.path, batch_size=batch_size)
        settings = EvalSettings(samples_per_env=samples, seed=seed, temperature=temperature,
                                max_new_tokens=max_new_tokens, response_prefix=prefix,
                                chunk_size=max(256, batch_size))
        from schemewatch.clock import check_eval_date, today_utc

        try:
            when = check_eval_date(eval_date.date()) if eval_date else today_utc()
        except ValueError as exc:
            raise BadInput(f"--date: {exc}") from None
        run, sample_rows = run_evaluation(policy, build_suite(split), checkpoint_id=info.id,
                                          eval_date=when, settings=settings)
    except (CheckpointNotFoundError, PolicyError) as exc:
        raise BadInput(str(exc)) from None
    warehouse = Warehouse(paths.warehouse_dir)
    warehouse.register_checkpoint(info)
    rates = warehouse.store_eval_run(run, sample_rows)
    overall = {r["metric"]: r for r in rates.filter(rates["family"].is_null()).iter_rows(named=True)}
    click.echo(
        f"stored {sample_rows.height} samples as {run.eval_run_id}: covert "
        f"{overall['covert']['rate']:.1%}, cites spec {overall['citation']['rate']:.1%}, "
        f"incomplete {overall['incomplete']['rate']:.1%}, unparseable {overall['unparseable']['rate']:.1%}"
    )


@cli.command()
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
    from schemewatch.checkpoints import CheckpointNotFoundError, CheckpointStore
    from schemewatch.grading import GRADER_VERSION
    from schemewatch.regrade import RegradeError
    from schemewatch.regrade import regrade as regrade_runs
    from schemewatch.warehouse import Warehouse

    paths = _paths(ctx)
    checkpoint_id = None
    if checkpoint_ref is not None:
        try:
            checkpoint_id = CheckpointStore(paths.checkpoints_dir).resolve(checkpoint_ref).id
        except CheckpointNotFoundError:
            checkpoint_id = checkpoint_ref  # an id of a checkpoint that is not in this store (e.g. external)
    try:
        done = regrade_runs(Warehouse(paths.warehouse_dir), checkpoint_id=checkpoint_id,
                            log=(lambda _: None) if as_json else click.echo)
    except RegradeError as exc:
        raise BadInput(str(exc)) from None
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in done], indent=2))
    elif not done:
        click.echo(f"nothing to re-grade: every run is graded by grader version {GRADER_VERSION}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print {\"checkpoints\": [...]} as JSON.")
@click.option("--split", type=click.Choice(["train", "eval"]), default="eval", show_default=True)
@click.pass_context
def report(ctx: click.Context, as_json: bool, split: str) -> None:
    """Latest evaluation of every checkpoint, in training order."""
    from schemewatch.report import checkpoint_report, format_report_table
    from schemewatch.warehouse import WarehouseReader

    with WarehouseReader(_paths(ctx).warehouse_dir) as reader:
        entries = checkpoint_report(reader, split)
    if as_json:
        click.echo(json.dumps({"checkpoints": entries}, indent=2))
    else:
        click.echo(format_report_table(entries))


def _read_text(path: str) -> str:
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


def _table(rows: list[dict[str, object]], columns: list[str]) -> str:
    widths = {c: max([len(c), *(len(str(r[c])) for r in rows)]) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines.append("  ".join("-" * widths[c] for c in columns))
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns).rstrip() for r in rows]
    return "\n".join(lines)


def main() -> None:
    """Entry point: usage errors become one line on stderr and exit code 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except BadInput as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except OSError as exc:  # a read-only or full disk, a held lock, a missing or unreadable file
        click.echo(f"error: {_os_error_line(exc)}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except UnicodeDecodeError as exc:
        click.echo(f"error: a file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                   "save it as UTF-8 and try again", err=True)
        sys.exit(EXIT_BAD_INPUT)


@cli.command()
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

    paths = _paths(ctx)
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


def _os_error_line(exc: OSError) -> str:
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


@cli.command()
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

    paths = _paths(ctx)
    if check:
        from schemewatch.delivery import ChannelConfigError
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
    click.echo(_table(table, list(table[0])))


if __name__ == "__main__":
    main()
