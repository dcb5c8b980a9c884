"""Monitoring assets on every evaluation partition: drift against the reference, then the alert rules.

``evaluation_drift`` runs Evidently on the partition's samples against the
reference evaluation (the first of ``as-rl`` by default) and stores the HTML
report, the workspace snapshot and the summary rows; ``covert_alerts`` steps
every alert rule's hysteresis with this evaluation. Both sit downstream of the
blocking data-quality check, so malformed samples never reach them.
"""
# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from assets.evaluation import checkpoint_evaluation, evaluation_partitions, evaluation_run_id
from assets.resources import PolicyResource, WarehouseResource, WorldResource
from schemewatch.alerts import check_run
from schemewatch.drift import DriftError, compute_drift

GROUP = "monitoring"


@asset(group_name=GROUP, partitions_def=evaluation_partitions, deps=[checkpoint_evaluation],
       description="Evidently drift of this evaluation against the reference evaluation; HTML report kept.")
def evaluation_drift(context: AssetExecutionContext, world: WorldResource, warehouse: WarehouseResource,
                     policy: PolicyResource) -> MaterializeResult:
    cfg = world.load()
    run_id = evaluation_run_id(context, cfg, policy)
    try:
        result = compute_drift(warehouse.writer(), run_id, report_dir=cfg.paths.drift_dir,
                               workspace_dir=cfg.paths.evidently_workspace_dir, cfg=cfg.drift)
    except DriftError as exc:
        # No reference evaluation yet (e.g. base evaluated before as-rl exists): the next
        # `schemewatch alerts --check` or nightly run fills it in.
        context.log.warning(f"drift not computed for {run_id}: {exc}")
        return MaterializeResult(metadata={"eval_run_id": run_id, "skipped": str(exc)})
    report = result.report
    return MaterializeResult(metadata={
        "eval_run_id": run_id,
        "reference_run_id": report.reference_run_id,
        "drifted_columns": f"{report.n_drifted}/{report.n_columns}",
        "drifted": MetadataValue.json(result.drifted_columns),
        "drifted_families": MetadataValue.json(result.drifted_families),
        "report": MetadataValue.path(str(report.report_path)),
    })


@asset(group_name=GROUP, partitions_def=evaluation_partitions, deps=[evaluation_drift],
       description="Every alert rule stepped with this evaluation (hysteresis state in the warehouse).")
def covert_alerts(context: AssetExecutionContext, world: WorldResource, warehouse: WarehouseResource,
                  policy: PolicyResource) -> MaterializeResult:
    cfg = world.load()
    run_id = evaluation_run_id(context, cfg, policy)
    result = check_run(warehouse.writer(), run_id, cfg.alerts, cfg.drift)
    if result.opened or result.resolved:
        context.log.warning(f"alerts opened: {result.opened or 'none'}; resolved: {result.resolved or 'none'}")
    return MaterializeResult(metadata={
        "eval_run_id": run_id,
        "rules_judged": len(result.outcomes),
        "opened": MetadataValue.json(result.opened),
        "resolved": MetadataValue.json(result.resolved),
        "skipped": result.skipped or "",
    })
