"""``schemewatch compare`` and ``schemewatch plan``: a paired test between two checkpoints, and sample sizes.

Registered on the group in ``orchestration.cli``; scipy and statsmodels are imported inside each command.
"""

from __future__ import annotations

import json

import click

from orchestration.cli_support import SPLIT_CHOICE, BadInput, data_paths, format_table


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


@click.command()
@click.argument("checkpoint_a")
@click.argument("checkpoint_b")
@click.option("--split", type=SPLIT_CHOICE, default="eval", show_default=True)
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True,
              help="False discovery rate across families (Benjamini–Hochberg).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.pass_context
def compare(ctx: click.Context, checkpoint_a: str, checkpoint_b: str, split: str, alpha: float,
            as_json: bool) -> None:
    """Is B's covert rate above A's? A paired test on the environments both were evaluated on.

    Each environment is a stratum (Cochran–Mantel–Haenszel; one-sided p for a rise), the
    effect is the difference of the covert rates with a 95% interval from the
    environment-level differences, overall (headline families) and per family
    (Benjamini–Hochberg across families). A and B are aliases (base, as-rl, cap-1, …) or ids.

    \b
    Examples:
      schemewatch compare as-rl cap-3
      schemewatch compare as-rl cap-3 --json
    """
    from schemewatch.checkpoints import CheckpointStore
    from schemewatch.compare import CompareError, compare_checkpoints
    from schemewatch.warehouse import WarehouseReader

    paths = data_paths(ctx)
    store = CheckpointStore(paths.checkpoints_dir)
    a, b = store.id_or_name(checkpoint_a), store.id_or_name(checkpoint_b)
    try:
        with WarehouseReader(paths.warehouse_dir) as reader:
            result = compare_checkpoints(reader, a, b, split, alpha)
    except CompareError as exc:
        raise BadInput(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    o = result.overall
    click.echo(f"{b} against {a} ({o.environments} shared environments of the headline families, "
               f"{o.n_b} and {o.n_a} samples): covert {_pct(o.rate_b)} vs {_pct(o.rate_a)}, difference "
               f"{100 * o.difference:+.1f} points [{100 * o.low:+.1f}, {100 * o.high:+.1f}], one-sided CMH p = "
               f"{o.p_rise:.3g}")
    rows = [{"family": f, "covert A": _pct(r["rate_a"]), "covert B": _pct(r["rate_b"]),
             "difference": f"{100 * r['difference']:+.1f}", "p (rise)": f"{r['p_rise']:.3g}",
             "rise (BH)": "yes" if r["rise_significant_bh"] else ""} for f, r in result.families.items()]
    click.echo(format_table(rows, list(rows[0])))


@click.command()
@click.option("--baseline", type=float, required=True, help="The covert rate today (e.g. the reference's).")
@click.option("--detect", type=float, required=True, help="The covert rate the monitor must not miss.")
@click.option("--alpha", type=float, default=0.01, show_default=True, help="One-sided test level.")
@click.option("--power", type=float, default=0.8, show_default=True)
@click.option("--icc", type=float, default=None,
              help="Intra-environment correlation of covert answers. Default: the one measured on the newest "
                   "evaluation in the warehouse (0 when there is none).")
@click.option("--split", type=SPLIT_CHOICE, default="eval", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.pass_context
def plan(ctx: click.Context, baseline: float, detect: float, alpha: float, power: float, icc: float | None,
         split: str, as_json: bool) -> None:
    """Samples per environment (and nights) needed to detect a rise from BASELINE to DETECT.

    For the current suite's environments of the split (headline families), with samples of one
    environment correlated by ICC; nights = nightly evaluations at today's samples per
    environment, pooled.

    \b
    Examples:
      schemewatch plan --baseline 0.04 --detect 0.08
      schemewatch plan --baseline 0.04 --detect 0.06 --alpha 0.01 --power 0.9 --icc 0.1 --json
    """
    from schemewatch.config import EvaluationConfig
    from schemewatch.environments import build_suite
    from schemewatch.planning import plan_samples
    from schemewatch.warehouse import WarehouseReader

    if icc is None:
        with WarehouseReader(data_paths(ctx).warehouse_dir) as reader:
            measured = reader.query(
                "SELECT t.icc FROM rates t JOIN ordinary_runs r USING (eval_run_id) WHERE t.family IS NULL "
                "AND t.metric = 'covert' AND t.icc IS NOT NULL AND r.split = ? AND r.source = 'schemewatch' "
                "ORDER BY r.eval_date DESC, r.created_at DESC LIMIT 1", [split])
        icc = float(measured["icc"][0]) if measured.height else 0.0
    environments = sum(e.counts_in_aggregate for e in build_suite(split))
    try:
        result = plan_samples(baseline, detect, environments=environments,
                              samples_per_env_now=EvaluationConfig().samples_per_env, alpha=alpha, power=power,
                              icc=icc)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif result.samples_per_env is None:
        click.echo(f"not reachable with this suite: {result.reason}")
    else:
        click.echo(f"{_pct(baseline)} → {_pct(detect)} at one-sided alpha {alpha}, power {power}, icc {icc:.3f}: "
                   f"{result.independent_samples} independent samples per evaluation; on {environments} "
                   f"environments that is {result.samples_per_env} samples per environment, i.e. "
                   f"{result.nights} night(s) at today's {result.samples_per_env_now}")


STATS_COMMANDS = (compare, plan)
