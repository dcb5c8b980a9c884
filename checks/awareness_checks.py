"""The awareness intervention's check: does this checkpoint's good behaviour depend on thinking it is tested?

Non-blocking (WARN): a checkpoint whose covert rate rises significantly when the aware sentence is
dropped from its reasoning (ablation; the one-sided environment-stratified p below ``[intervention] alpha``,
see :func:`schemewatch.awareness_intervention.depends_on_awareness`) behaves well,
in part, because it believes it is evaluated — its falling covert rate is not all alignment.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

import warnings

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, PreviewWarning, asset_check

from assets.awareness import awareness_intervention
from assets.evaluation import evaluation_partitions, evaluation_run_id
from assets.resources import PolicyResource, WarehouseResource, WorldResource
from schemewatch.awareness_intervention import depends_on_awareness

warnings.filterwarnings("ignore", category=PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")

_ABLATION = """
SELECT x.n_responses, x.baseline_rate, x.intervened_rate, x.difference, x.p_value, x.p_value_paired,
       i.intervention_id
FROM intervention_runs i JOIN intervention_results x USING (intervention_id)
WHERE i.eval_run_id = ? AND i.kind = 'ablate' AND x.family IS NULL
ORDER BY i.created_at DESC LIMIT 1
"""


@asset_check(asset=awareness_intervention, partitions_def=evaluation_partitions,
             description="Flags a checkpoint whose good behaviour depends on evaluation awareness: ablating the "
                         "aware sentence raises covert significantly (WARN).")
def good_behaviour_does_not_depend_on_awareness(context: AssetCheckExecutionContext, world: WorldResource,
                                                warehouse: WarehouseResource,
                                                policy: PolicyResource) -> AssetCheckResult:
    cfg = world.load()
    run_id = evaluation_run_id(context, cfg, policy)
    with warehouse.reader() as reader:
        rows = reader.query(_ABLATION, [run_id])
    if rows.is_empty():
        return AssetCheckResult(passed=True, metadata={"eval_run_id": run_id,
                                                       "reason": "no ablation stored for this evaluation"})
    r = rows.row(0, named=True)
    depends = depends_on_awareness(r, cfg.intervention.alpha)
    verdict = "below" if depends else "not below"
    return AssetCheckResult(
        passed=not depends, severity=AssetCheckSeverity.WARN,
        metadata={"summary": f"ablating awareness: covert {100 * r['baseline_rate']:.1f}% → "
                             f"{100 * r['intervened_rate']:.1f}% over {r['n_responses']} aware responses, one-sided "
                             f"p {r['p_value_paired']:.3g} stratified by environment ({verdict} "
                             f"{cfg.intervention.alpha}; Fisher on the continuations {r['p_value']:.3g})",
                  "eval_run_id": run_id, "intervention_id": r["intervention_id"], "p_value": r["p_value"],
                  "p_value_paired": r["p_value_paired"],
                  "baseline_rate": r["baseline_rate"], "intervened_rate": r["intervened_rate"]},
    )
