"""The evaluation-awareness intervention on every evaluation partition (schemewatch.interventions).

Downstream of ``checkpoint_evaluation`` and in the nightly ``evaluation_job``, but it samples only with
``[intervention] enabled = true``: on the default world's 2 cores its three kinds took 124–147 s a
checkpoint at 2,400 continuations per arm in ``benchmarks.awareness_intervention`` (the demo's evaluations
take 7–9 s each), so six checkpoints would add ~13 minutes to the demo's ~13 and break its time budget.
``awareness_job`` runs it whatever the switch says (its run config sets ``force``).
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

from dagster import AssetExecutionContext, Config, Failure, MaterializeResult, MetadataValue, asset

from assets.evaluation import checkpoint_evaluation, evaluation_partitions, evaluation_run_id, evaluation_target
from assets.resources import PolicyResource, WarehouseResource, WorldResource
from schemewatch.awareness_intervention import NothingToIntervene
from schemewatch.interventions import intervene
from schemewatch.policy.base import ScoresText

GROUP = "awareness"


class InterventionRunConfig(Config):
    """Run the intervention even when ``[intervention] enabled`` is false (``awareness_job`` sets it)."""

    force: bool = False


@asset(group_name=GROUP, partitions_def=evaluation_partitions, deps=[checkpoint_evaluation],
       description="Ablate, inject and control the verbalised evaluation awareness of this evaluation's "
                   "responses; results stored beside the evaluation, never in its rates.")
def awareness_intervention(context: AssetExecutionContext, config: InterventionRunConfig, world: WorldResource,
                           warehouse: WarehouseResource, policy: PolicyResource) -> MaterializeResult:
    cfg = world.load()
    run_id = evaluation_run_id(context, cfg, policy)
    if not (cfg.intervention.enabled or config.force):
        return MaterializeResult(metadata={"eval_run_id": run_id, "skipped": "[intervention] enabled is false "
                                           "(run awareness_job or `schemewatch intervene`)"})
    info, _ = evaluation_target(context, cfg)
    model = policy.policy_for(info)
    if "control" in cfg.intervention.kinds and cfg.intervention.control_match == "likelihood" \
            and not isinstance(model, ScoresText):
        # Before ablate and inject spend their time: the control could not run on this policy.
        raise Failure(description=f"the control matches its neutral sentence on the model's likelihood, which "
                      f"{model.name} does not give; set [intervention] control_match = \"length\", or leave "
                      "control out of [intervention] kinds")
    metadata: dict[str, object] = {"eval_run_id": run_id}
    for kind in cfg.intervention.kinds:
        try:
            outcome = intervene(warehouse.writer(), model, run_id, kind, cfg.intervention, cfg.evaluation,
                                progress=False)
        except NothingToIntervene as exc:
            context.log.info(f"{kind}: {exc}")
            metadata[f"{kind}_skipped"] = str(exc)
            continue
        o = outcome.overall
        context.log.info(f"{kind} {info.id}: covert {o['baseline_rate']:.1%} → {o['intervened_rate']:.1%} "
                         f"(p {o['p_value']:.3g}, {o['n_responses']} responses)")
        metadata |= {f"{kind}_intervention_id": outcome.run.intervention_id,
                     f"{kind}_baseline_rate": MetadataValue.float(float(o["baseline_rate"])),
                     f"{kind}_intervened_rate": MetadataValue.float(float(o["intervened_rate"])),
                     f"{kind}_p_value": MetadataValue.float(float(o["p_value"])),
                     f"{kind}_responses": int(o["n_responses"])}
    return MaterializeResult(metadata=metadata)
