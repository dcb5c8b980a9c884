"""The one wiring file: Dagster ``Definitions`` for schemewatch.

``dagster dev`` (through ``[tool.dagster]`` in pyproject) loads ``defs``; the
graph's shape (how many capability stages, whether the anti-scheming stages
exist) follows the world config named by ``SCHEMEWATCH_CONFIG`` (default: the
built-in default world). Resources read their locations from the environment
(see ``assets.resources``).
"""

from __future__ import annotations

from dagster import Definitions

from assets.awareness import awareness_intervention
from assets.continual import next_capability_stage_model
from assets.evaluation import checkpoint_evaluation
from assets.inspect_logs import inspect_evaluation, inspect_monitoring
from assets.monitoring import covert_alerts, evaluation_drift
from assets.resources import PolicyResource, TrackingResource, WarehouseResource, WorldResource
from assets.training import training_assets
from checks.awareness_checks import good_behaviour_does_not_depend_on_awareness
from checks.evaluation_checks import (
    covert_rate_within_thresholds,
    drift_within_tolerance,
    samples_meet_expectations,
)
from checks.inspect_checks import ingested_samples_meet_expectations
from orchestration.automation import (
    alert_delivery_sensor,
    awareness_job,
    build_continual_schedule,
    build_nightly_schedule,
    continual_training_job,
    evaluation_job,
    inspect_job,
    inspect_log_sensor,
    new_checkpoint_sensor,
    training_job,
)
from orchestration.loggers import one_line_logger


def build_definitions(world: WorldResource | None = None, warehouse: WarehouseResource | None = None,
                      tracking: TrackingResource | None = None, policy: PolicyResource | None = None) -> Definitions:
    """Definitions for one deployment; every resource defaults to its environment-configured local one."""
    world = world or WorldResource()
    cfg = world.load()
    warehouse = warehouse or WarehouseResource(root=str(cfg.paths.warehouse_dir))
    return Definitions(
        assets=[*training_assets(cfg), checkpoint_evaluation, evaluation_drift, covert_alerts,
                next_capability_stage_model, inspect_evaluation, inspect_monitoring, awareness_intervention],
        asset_checks=[samples_meet_expectations, covert_rate_within_thresholds, drift_within_tolerance,
                      ingested_samples_meet_expectations, good_behaviour_does_not_depend_on_awareness],
        jobs=[training_job, evaluation_job, continual_training_job, inspect_job, awareness_job],
        schedules=[build_nightly_schedule(cfg), build_continual_schedule(cfg)],
        sensors=[new_checkpoint_sensor, alert_delivery_sensor, inspect_log_sensor],
        # In place of Dagster's console logger: one line per message (the UI keeps the full event log).
        loggers={"console": one_line_logger},
        resources={
            "world": world,
            "warehouse": warehouse,
            "tracking": tracking or TrackingResource(),
            "policy": policy or PolicyResource(batch_size=cfg.evaluation.batch_size),
        },
    )


defs = build_definitions()
