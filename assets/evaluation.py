"""Evaluation assets: every checkpoint × evaluation date, graded into the warehouse.

Partitioned two ways: by checkpoint (dynamic — a sensor adds a partition for
every new checkpoint) and by evaluation date (daily), so a nightly run is one
partition per checkpoint, and a re-run of a done partition writes nothing.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

from datetime import date

from dagster import (
    AssetCheckExecutionContext,
    AssetExecutionContext,
    DailyPartitionsDefinition,
    DynamicPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    asset,
)

from assets.resources import PolicyResource, WarehouseResource, WorldResource
from schemewatch.checkpoints import CheckpointInfo, CheckpointStore
from schemewatch.clock import FIRST_EVAL_DATE
from training_stages.config import WorldConfig
from training_stages.pipeline import evaluate_checkpoint, planned_eval_run_id

GROUP = "evaluation"
checkpoint_partitions = DynamicPartitionsDefinition(name="checkpoints")
# UTC days (schemewatch.clock), from the first evaluation date to today.
date_partitions = DailyPartitionsDefinition(start_date=FIRST_EVAL_DATE.isoformat(), end_offset=1, timezone="UTC")
evaluation_partitions = MultiPartitionsDefinition({"checkpoint": checkpoint_partitions, "date": date_partitions})

AnyContext = AssetExecutionContext | AssetCheckExecutionContext
_OVERALL = "SELECT metric, k, n, rate FROM rates WHERE eval_run_id = ? AND family IS NULL"


def partition_key(checkpoint_id: str, eval_date: date) -> MultiPartitionKey:
    """The evaluation partition of one checkpoint on one date."""
    return MultiPartitionKey({"checkpoint": checkpoint_id, "date": eval_date.isoformat()})


def partition_dimensions(context: AnyContext, partitions: MultiPartitionsDefinition) -> dict[str, str]:
    """The key of each dimension of the multi-partition being materialised (or checked)."""
    key = context.partition_key
    if not isinstance(key, MultiPartitionKey):  # a check's context may hand over the key as a string
        key = partitions.get_partition_key_from_str(key)
    return key.keys_by_dimension


def evaluation_target(context: AnyContext, world: WorldConfig) -> tuple[CheckpointInfo, date]:
    """The checkpoint and date of the partition being materialised."""
    keys = partition_dimensions(context, evaluation_partitions)
    info = CheckpointStore(world.paths.checkpoints_dir).resolve(keys["checkpoint"])
    return info, date.fromisoformat(keys["date"])


def evaluation_run_id(context: AnyContext, world: WorldConfig, policy: PolicyResource) -> str:
    """The evaluation run id of the partition being materialised (or checked)."""
    info, eval_date = evaluation_target(context, world)
    return planned_eval_run_id(world, info, eval_date, policy.policy_name(info))


@asset(group_name=GROUP, partitions_def=evaluation_partitions,
       description="One checkpoint's held-out evaluation for one date: graded samples and rates in the warehouse.")
def checkpoint_evaluation(context: AssetExecutionContext, world: WorldResource, warehouse: WarehouseResource,
                          policy: PolicyResource) -> MaterializeResult:
    cfg = world.load()
    info, eval_date = evaluation_target(context, cfg)
    result = evaluate_checkpoint(cfg, info, eval_date, warehouse=warehouse.writer(),
                                 policy=lambda: policy.policy_for(info), policy_name=policy.policy_name(info),
                                 log=context.log.info)
    with warehouse.reader() as reader:
        rates = {m: (k, n, r) for m, k, n, r in reader.query(_OVERALL, [result.eval_run_id]).iter_rows()}
        rows = reader.query("SELECT n_samples FROM eval_runs WHERE eval_run_id = ?", [result.eval_run_id])
    n = rates.get("covert", (0, 0, None))[1]
    return MaterializeResult(metadata={
        "eval_run_id": result.eval_run_id,
        "written": result.written,
        "stage": info.stage,
        "rows": int(rows["n_samples"][0]) if rows.height else 0,
        "n": n,
        **{f"{m}_rate": MetadataValue.float(float(r)) for m, (_, _, r) in rates.items() if r is not None},
    })
