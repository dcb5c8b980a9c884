"""``schemewatch intervene``: the evaluation-awareness intervention on a checkpoint's newest evaluation.

Registered on the group in ``orchestration.cli``; torch and the policies are imported inside the command.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from orchestration.cli_support import BadInput, data_paths, format_table, path_overrides
from schemewatch.config import EvaluationConfig, InterventionConfig

_DEFAULTS = InterventionConfig()
_KINDS = ("ablate", "inject", "control")


def _pct(x: object) -> str:
    return "–" if x is None else f"{100 * float(x):.1f}%"


def _jsonable(x: object) -> object:
    """NaN (an arm with no continuation) as null, so the output is JSON that every parser reads."""
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    return None if isinstance(x, float) and math.isnan(x) else x


def _row(kind: str, r: dict[str, object]) -> dict[str, object]:
    return {
        "kind": kind, "responses": r["n_responses"], "original": _pct(r["original_rate"]),
        "baseline": f"{_pct(r['baseline_rate'])} [{_pct(r['baseline_low_clustered'])}, "
                    f"{_pct(r['baseline_high_clustered'])}]",
        "intervened": f"{_pct(r['intervened_rate'])} [{_pct(r['intervened_low_clustered'])}, "
                      f"{_pct(r['intervened_high_clustered'])}]",
        "n per arm": r["intervened_n"], "difference": f"{100 * float(r['difference']):+.1f}",
        "one-sided p": f"{float(r['p_value']):.3g} ({'rise' if r['direction'] == 'greater' else 'fall'})",
        "p by environment": f"{float(r['p_value_paired']):.3g}",
    }


def _world_settings(ctx: click.Context, config_path: Path | None) -> tuple[object, InterventionConfig, int]:
    """(paths, [intervention], the evaluation's batch size) from ``--config``, else the built-in defaults."""
    if config_path is None:
        return data_paths(ctx), _DEFAULTS, EvaluationConfig().batch_size
    from schemewatch.config import ConfigError
    from training_stages.config import load_world_config

    try:
        world = load_world_config(config_path, path_overrides(ctx))
    except ConfigError as exc:
        raise BadInput(str(exc)) from None
    return world.paths, world.intervention, world.evaluation.batch_size


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="World config TOML: its [intervention] gives the defaults of the options below, its "
              "[evaluation] batch size and its [paths] are used (default: built-in defaults, as in "
              "configs/default_world.toml).")
@click.option("--checkpoint", "checkpoint_ref", default=None,
              help="Checkpoint alias (base, as-rl, cap-1, …), id or directory.")
@click.option("--endpoint", default=None, help="OpenAI-compatible base URL instead of a local checkpoint; the "
              "server must continue a partial response (vLLM's continue_final_message).")
@click.option("--model", "model_name", default=None, help="Model name served at --endpoint (its evaluations "
              "are stored under this name).")
@click.option("--kind", "kinds", type=click.Choice(_KINDS), multiple=True,
              help="ablate: drop the aware sentence; inject: insert one; control: insert a neutral one. "
                   "Repeat for several; default: the config's kinds (all three built in).")
@click.option("--samples", type=click.IntRange(1, 256), default=None,
              help=f"Continuations per response and arm (at least; see --min-continuations). Default: the "
              f"config's samples_per_response ({_DEFAULTS.samples_per_response} built in).")
@click.option("--min-continuations", type=click.IntRange(1), default=None,
              help="Raise the draws per response until each arm has this many continuations. Default: the "
              f"config's min_continuations_per_arm ({_DEFAULTS.min_continuations_per_arm} built in).")
@click.option("--max-responses", type=click.IntRange(1), default=None,
              help="At most this many responses per kind (a seeded subset). Default: the config's "
              "max_responses (built in: every eligible one).")
@click.option("--position", type=click.Choice(["start", "after_first_sentence"]), default=None,
              help=f"Where inject and control insert their sentence. Default: the config's ({_DEFAULTS.position} "
              "built in).")
@click.option("--control-match", type=click.Choice(["likelihood", "length"]), default=None,
              help="How the control picks its neutral sentence for each awareness sentence: the one the model "
              "finds about as likely at the cut (a local checkpoint only), or the one closest in length. "
              f"Default: the config's ({_DEFAULTS.control_match} built in).")
@click.option("--from-run", "eval_run_id", default=None,
              help="Start from this evaluation run instead of the checkpoint's newest.")
@click.option("--seed", type=int, default=None, help=f"Default: the config's ({_DEFAULTS.seed} built in).")
@click.option("--json", "as_json", is_flag=True, help="Print the results (overall and per family) as JSON.")
@click.pass_context
def intervene(ctx: click.Context, config_path: Path | None, checkpoint_ref: str | None, endpoint: str | None,
              model_name: str | None, kinds: tuple[str, ...], samples: int | None, min_continuations: int | None,
              max_responses: int | None, position: str | None, control_match: str | None,
              eval_run_id: str | None, seed: int | None, as_json: bool) -> None:
    """Is the good behaviour there because the model thinks it is tested?

    Takes the checkpoint's newest stored evaluation and resamples its responses from a cut
    in the reasoning, in two arms that differ by one sentence: the aware sentence dropped
    (ablate), an awareness sentence inserted (inject) or a neutral one (control: the one
    the model finds about as likely there as the awareness sentence). Prints covert before
    and after with 95% intervals clustered by environment, the difference, and one-sided p
    (Fisher exact on the continuations, and stratified by environment) in the direction the
    paper found (ablation raises covert, injection lowers it), and stores it beside the
    evaluation; it never enters the headline rates.

    \b
    Examples:
      schemewatch intervene --checkpoint as-rl
      schemewatch intervene --checkpoint base --kind ablate --samples 16 --json
      schemewatch intervene --config my_world.toml --checkpoint cap-3   # that world's [intervention]
      schemewatch intervene --endpoint http://localhost:8000/v1 --model my-model --kind inject
    """
    from schemewatch.awareness_intervention import NothingToIntervene
    from schemewatch.checkpoints import CheckpointNotFoundError, CheckpointStore
    from schemewatch.files import check_writable
    from schemewatch.interventions import NoEvaluation, latest_evaluation
    from schemewatch.interventions import intervene as run_one
    from schemewatch.policy import PolicyError
    from schemewatch.warehouse import Warehouse, WarehouseError, WarehouseReader

    if (checkpoint_ref is None) == (endpoint is None):
        raise BadInput("pass exactly one of --checkpoint or --endpoint")
    paths, world_intervention, batch_size = _world_settings(ctx, config_path)
    flags = {"samples_per_response": samples, "max_responses": max_responses,
             "min_continuations_per_arm": min_continuations, "position": position, "seed": seed,
             "control_match": control_match}
    cfg = world_intervention.model_copy(update={k: v for k, v in flags.items() if v is not None})
    try:
        if endpoint is not None:
            if not model_name:
                raise BadInput("--endpoint needs --model (the model name the server serves)")
            from schemewatch.policy import OpenAICompatiblePolicy

            policy = OpenAICompatiblePolicy(endpoint, model_name)
            policy.check_continuation()  # before anything is read or written
            if "control" in (kinds or cfg.kinds) and cfg.control_match == "likelihood":
                # Said before ablate and inject spend their time: the control could not run.
                raise BadInput("the control matches its neutral sentence on the model's likelihood, which an "
                               "OpenAI-compatible endpoint does not give; pass --control-match length, or leave "
                               "out --kind control")
            checkpoint_id = model_name
        else:
            from schemewatch.policy import LocalCheckpointPolicy

            info = CheckpointStore(paths.checkpoints_dir).resolve(checkpoint_ref)
            checkpoint_id, policy = info.id, None
        check_writable(paths.warehouse_dir)
        with WarehouseReader(paths.warehouse_dir) as reader:
            source = eval_run_id or latest_evaluation(reader, checkpoint_id)
            owner = reader.query("SELECT checkpoint_id FROM eval_runs WHERE eval_run_id = ?", [source])
        if owner.height and owner["checkpoint_id"][0] != checkpoint_id:
            # Its continuations would be filed under the evaluation's checkpoint, sampled from another model.
            raise BadInput(f"--from-run {source} evaluated {owner['checkpoint_id'][0]}, not {checkpoint_id}; "
                           "intervene with the model that evaluation sampled")
        if policy is None:
            # The evaluation's batch size: batches decide which random draws each continuation gets, so this
            # gives the digits the pipeline and the benchmark give for the same evaluation (default settings).
            policy = LocalCheckpointPolicy(info.path, batch_size=batch_size)
        warehouse = Warehouse(paths.warehouse_dir)
        outcomes, skipped = {}, {}
        for kind in kinds or cfg.kinds:
            try:
                outcomes[kind] = run_one(warehouse, policy, source, kind, cfg, progress=not as_json)
            except NothingToIntervene as exc:  # e.g. no aware response to ablate: the other kinds still run
                skipped[kind] = str(exc)
    except (CheckpointNotFoundError, PolicyError, NoEvaluation, WarehouseError, ValueError) as exc:
        raise BadInput(str(exc)) from None
    if not outcomes:
        raise BadInput("; ".join(f"{kind}: {why}" for kind, why in skipped.items()))
    if as_json:
        click.echo(json.dumps(_jsonable({"checkpoint": checkpoint_id, "eval_run_id": source, "kinds": {
            kind: {"intervention_id": o.run.intervention_id, "responses_eligible": o.run.n_eligible,
                   "sentences": list(o.run.sentences), "control_match": o.run.control_match_rows(),
                   "draws_per_response": o.run.samples_per_response, "seconds": round(o.seconds, 1),
                   "overall": o.overall, "families": o.results[1:]}
            for kind, o in outcomes.items()}, "skipped": skipped}), indent=2, default=str))
        return
    click.echo(f"{checkpoint_id}, from evaluation {source} (covert among the continuations; 95% intervals "
               "clustered by environment; p: Fisher exact on the continuations, and stratified by environment):")
    rows = [_row(kind, o.overall) for kind, o in outcomes.items()]
    click.echo(format_table(rows, list(rows[0])))
    for kind, o in outcomes.items():
        click.echo(f"{kind}: {o.run.n_selected} of {o.run.n_eligible} eligible responses × "
                   f"{o.run.samples_per_response} draws per arm, {o.seconds:.0f} s, stored as {o.run.intervention_id}")
        for m in o.run.control_match_rows():
            click.echo(f"  control for {m['awareness']!r} (log p {m['awareness_log_likelihood']:.1f} nats): "
                       f"{m['control']!r} (log p {m['control_log_likelihood']:.1f} nats; means over {m['cuts']} cuts)")
    for kind, why in skipped.items():
        click.echo(f"{kind}: skipped — {why}")


AWARENESS_COMMANDS = (intervene,)
