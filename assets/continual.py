"""Continual training: one more capability stage from the latest, on the nightly schedule when enabled."""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

from dagster import AssetExecutionContext, MaterializeResult, asset

from assets.resources import TrackingResource, WorldResource
from training_stages.chain import train_next_capability_stage


@asset(group_name="continual", description="Continual training: one more capability stage from the latest.")
def next_capability_stage_model(context: AssetExecutionContext, world: WorldResource,
                                tracking: TrackingResource) -> MaterializeResult:
    cfg = world.load()
    uri = tracking.tracking_uri(cfg)
    info = train_next_capability_stage(cfg, track=uri is not None, tracking_uri=uri, log=context.log.info)
    return MaterializeResult(metadata={"checkpoint_id": info.id, "stage": info.stage})
