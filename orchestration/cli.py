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

from orchestration.cli_awareness import AWARENESS_COMMANDS
from orchestration.cli_inspect import INSPECT_COMMANDS
from orchestration.cli_stats import STATS_COMMANDS
from orchestration.cli_support import (
    EXIT_BAD_INPUT,
    SPLIT_CHOICE,
    BadInput,
    data_paths,
    format_table,
    os_error_line,
    path_overrides,
    print_report,
    read_response_text,
    training_failures,
)
from orchestration.cli_warehouse import WAREHOUSE_COMMANDS
from schemewatch.config import DATA_ENV, DEFAULT_DATA_DIR, EvaluationConfig

EVAL_DEFAULTS = EvaluationConfig()  # the one source of evaluation defaults, shown by --help


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="schemewatch")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=DATA_ENV,
    default=str(DEFAULT_DATA_DIR),
    show_default=True,
    help="Where checkpoints, the warehouse and reports live (env: SCHEMEWATCH_DATA).",
)
@click.pass_context
def cli(ctx: click.Context, data_dir: Path) -> None:
    """schemewatch: did last night's training erode anti-scheming behaviour?

    Trains a chain of checkpoints, re-evaluates each on held-out covert-action
    environments and tracks covert, spec-citation and evaluation-awareness rates.
    """
    # Only a typed flag is a flag: $SCHEMEWATCH_DATA (which click also reads, for --help's sake) is
    # left to schemewatch.config.resolve_paths, which weighs it against $SCHEMEWATCH_WAREHOUSE.
    explicit = ctx.get_parameter_source("data_dir") is click.core.ParameterSource.COMMANDLINE
    ctx.obj = {"data_dir": data_dir, "data_dir_explicit": explicit}


@cli.command()
@click.option("--split", type=SPLIT_CHOICE, default=None, help="Only environments of this split (default: all).")
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
    click.echo(format_table(rows, columns))
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
    text = read_response_text(response_path)
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

    overrides = path_overrides(ctx)
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
    except training_failures() as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("checkpoints: " + ", ".join(f"{i.stage}={i.id}" for i in infos))
    if export_base is not None:
        from training_stages.checkpointing import checkpoint_metrics

        base = next(i for i in infos if i.stage == "base")
        manifest = write_base(base.path, export_base, base_config=cfg.base, seed=cfg.seed,
                              seconds=time.perf_counter() - started, metrics=checkpoint_metrics(base.path))
        click.echo(f"exported the base to {export_base} (sha256 {manifest['sha256'][:12]}…)")


def _world_definitions(ctx: click.Context, config_path: Path | None):  # noqa: ANN202 - (WorldResource, Definitions)
    """The world resource and Dagster definitions for a command, with config errors as one line; the data
    directory checked for writing before anything runs."""
    from schemewatch.config import ConfigError
    from schemewatch.files import check_writable
    from training_stages.shipped_base import ShippedBaseError

    data_dir = path_overrides(ctx).get("paths", {}).get("data_dir")
    try:
        from assets.resources import WorldResource
        from orchestration.definitions import build_definitions

        world = WorldResource(config_file=str(config_path) if config_path else None,
                              **({"data_dir": str(data_dir)} if data_dir else {}))
        defs = build_definitions(world=world)
    except (ConfigError, ShippedBaseError) as exc:
        raise BadInput(str(exc)) from None
    check_writable(world.load().paths.data_dir)
    return world, defs


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
    from schemewatch.policy import PolicyError
    from training_stages.shipped_base import ShippedBaseError

    try:  # before anything is built or written
        when = check_eval_date(eval_date.date()) if eval_date else today_utc()
    except ValueError as exc:
        raise BadInput(f"--date: {exc}") from None
    from orchestration.run_world import PipelineRunError, run_world

    world, defs = _world_definitions(ctx, config_path)
    try:
        outcome = run_world(defs, when, log=click.echo)
    except (ShippedBaseError, CheckpointNotFoundError, PolicyError, PipelineRunError) as exc:
        raise BadInput(str(exc)) from None  # e.g. a corrupt checkpoint in the store: named, with what to do
    except training_failures() as exc:
        raise click.ClickException(str(exc)) from None
    cfg = world.load()
    print_report(cfg.paths.warehouse_dir, cfg.evaluation.split)
    if outcome.failed_checks:
        click.echo(f"{len(outcome.failed_checks)} check(s) failed: " + ", ".join(outcome.failed_checks))


@cli.command()
@click.option("--nights", type=click.IntRange(1, 366), required=True, help="How many nights to run.")
@click.option("--start", "start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The first night (UTC day). Default: so that the last night is today.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="World config TOML (default: configs/default_world.toml's values).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per night.")
@click.pass_context
def backfill(ctx: click.Context, nights: int, start, config_path: Path | None, as_json: bool) -> None:  # noqa: ANN001
    """A real nightly history: N nights through the same Dagster jobs as the schedule.

    Each night (oldest first): with [orchestration] continual_training on, one more capability
    stage is trained from the latest; then every checkpoint is evaluated for that date with
    that night's seed; finally drift, the alert rules (the sequential one included) and
    delivery catch up. Nights already done write nothing, so running it again adds no row.

    \b
    Examples:
      schemewatch backfill --nights 7
      schemewatch backfill --nights 3 --start 2026-11-20 --config my_world.toml --json
    """
    from datetime import timedelta

    from orchestration.backfill import backfill as run_backfill
    from orchestration.backfill import backfill_dates
    from orchestration.run_world import PipelineRunError, dagster_instance
    from schemewatch.checkpoints import CheckpointNotFoundError
    from schemewatch.clock import check_eval_date, today_utc
    from schemewatch.policy import PolicyError
    from training_stages.shipped_base import ShippedBaseError

    first = start.date() if start else today_utc() - timedelta(days=nights - 1)
    try:
        dates = [check_eval_date(d) for d in backfill_dates(nights, first)]
    except ValueError as exc:
        raise BadInput(f"--start / --nights: {exc}") from None
    world, defs = _world_definitions(ctx, config_path)
    try:
        with dagster_instance() as instance:
            done = run_backfill(defs, dates, instance=instance, log=(lambda _: None) if as_json else click.echo)
    except (ShippedBaseError, CheckpointNotFoundError, PolicyError, PipelineRunError) as exc:
        raise BadInput(str(exc)) from None
    except training_failures() as exc:
        raise click.ClickException(str(exc)) from None
    for night in done:
        if as_json:
            click.echo(json.dumps({"eval_date": night.eval_date.isoformat(), "checkpoints": night.checkpoints,
                                   "trained": night.trained, "failed_checks": night.failed_checks}))
        else:
            click.echo(f"{night.eval_date}: {len(night.checkpoints)} checkpoints"
                       f"{', trained ' + night.trained if night.trained else ''}")


@cli.command()
@click.option("--checkpoint", "checkpoint_ref", default=None,
              help="Checkpoint directory, alias (base, as-sft, as-rl, cap-1, …) or id.")
@click.option("--endpoint", default=None, help="OpenAI-compatible base URL instead of a local checkpoint.")
@click.option("--model", "model_name", default=None, help="Model name served at --endpoint.")
@click.option("--samples", type=click.IntRange(1, 1000), default=EVAL_DEFAULTS.samples_per_env, show_default=True,
              help="Samples per environment.")
@click.option("--date", "eval_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Evaluation date, a UTC calendar day from 2026-01-01 to today (default: today in UTC).")
@click.option("--split", type=SPLIT_CHOICE, default=EVAL_DEFAULTS.split, show_default=True)
@click.option("--seed", type=int, default=EVAL_DEFAULTS.seed, show_default=True)
@click.option("--temperature", type=click.FloatRange(0, 5), default=EVAL_DEFAULTS.temperature, show_default=True)
@click.option("--max-new-tokens", type=click.IntRange(8, 8192), default=EVAL_DEFAULTS.max_new_tokens,
              show_default=True)
@click.option("--prefix", default="", help="Text forced at the start of every response, e.g. '<think>This "
              "might be a test. ' (one thought for all; `schemewatch intervene` is the awareness intervention).")
@click.option("--batch-size", type=click.IntRange(1, 4096), default=EVAL_DEFAULTS.batch_size,
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

    paths = data_paths(ctx)
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
        settings = EvalSettings.from_config(
            EVAL_DEFAULTS.model_copy(update={"samples_per_env": samples, "seed": seed, "temperature": temperature,
                                             "max_new_tokens": max_new_tokens, "batch_size": batch_size}),
            response_prefix=prefix)
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
        click.echo(f"error: {os_error_line(exc)}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except UnicodeDecodeError as exc:
        click.echo(f"error: a file is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                   "save it as UTF-8 and try again", err=True)
        sys.exit(EXIT_BAD_INPUT)


for _command in (*WAREHOUSE_COMMANDS, *INSPECT_COMMANDS, *STATS_COMMANDS, *AWARENESS_COMMANDS):
    cli.add_command(_command)


if __name__ == "__main__":
    main()
