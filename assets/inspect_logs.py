"""Inspect AI logs as assets: each (model × date) partition ingests the logs filed under it, then monitors them.

``inspect_evaluation`` reads the finished logs in ``paths.inspect_logs`` whose run lands in the
partition (the log's model, or ``[inspect] checkpoint``; the log's date) and stores them like our
own evaluations (:mod:`schemewatch.inspect_ingest`); a blocking data-quality check follows
(``checks.inspect_checks``); ``inspect_monitoring`` then computes drift against the same task's
reference run and steps the alert rules, as ``evaluation_drift`` and ``covert_alerts`` do for ours.
The ``inspect_log_sensor`` adds the partitions as logs appear.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

from datetime import date

from dagster import (
    AssetExecutionContext,
    DynamicPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    asset,
)

from assets.evaluation import AnyContext, date_partitions, partition_dimensions
from assets.resources import WarehouseResource, WorldResource
from schemewatch.alerts import check_run
from schemewatch.checkpoints import CheckpointStore
from schemewatch.drift import DriftError, compute_drift
from schemewatch.inspect_ingest import LogPartition, ingest_logs, ingested_runs_of, logs_of_partition
from schemewatch.inspect_logs import ScoreMapping
from training_stages.config import WorldConfig

GROUP = "inspect"
# Models Inspect evaluated are not checkpoints this world trained: their own dynamic dimension, so the
# nightly re-evaluation of our checkpoints never tries to sample one of them.
inspect_models = DynamicPartitionsDefinition(name="inspect_models")
inspect_partitions = MultiPartitionsDefinition({"model": inspect_models, "date": date_partitions})


def inspect_partition_key(partition: LogPartition) -> MultiPartitionKey:
    """The Dagster partition of one model (or filed checkpoint) on one date."""
    return MultiPartitionKey({"model": partition.checkpoint, "date": partition.eval_date.isoformat()})


def inspect_target(context: AnyContext) -> LogPartition:
    """The partition being materialised (or checked)."""
    keys = partition_dimensions(context, inspect_partitions)
    return LogPartition(keys["model"], date.fromisoformat(keys["date"]))


def filed_checkpoint(cfg: WorldConfig) -> str | None:
    """``[inspect] checkpoint`` as a checkpoint id (an alias like ``cap-3`` resolved in this data directory)."""
    name = cfg.inspect.checkpoint
    return CheckpointStore(cfg.paths.checkpoints_dir).id_or_name(name) if name is not None else None


def mapping_of(cfg: WorldConfig) -> ScoreMapping | None:
    """The configured score mapping (``[inspect] mapping``), if any."""
    return ScoreMapping.load(cfg.inspect.mapping) if cfg.inspect.mapping is not None else None


@asset(group_name=GROUP, partitions_def=inspect_partitions,
       description="The Inspect AI logs of one model and date, ingested into the warehouse beside our evaluations.")
def inspect_evaluation(context: AssetExecutionContext, world: WorldResource,
                       warehouse: WarehouseResource) -> MaterializeResult:
    cfg = world.load()
    partition = inspect_target(context)
    logs = logs_of_partition(cfg.paths.inspect_logs_dir, partition, filed_checkpoint(cfg))
    if not logs:
        return MaterializeResult(metadata={"logs": 0, "summary": f"no finished log of {partition.checkpoint} "
                                           f"dated {partition.eval_date} in {cfg.paths.inspect_logs_dir}"})
    # One bad log in the watched directory is a note, not a failed partition on every retry.
    plan = ingest_logs(warehouse.writer(), logs, mapping=mapping_of(cfg), checkpoint=partition.checkpoint,
                       split=cfg.evaluation.split, skip_bad=True)
    for note in plan.notes:
        context.log.info(note.line())
    with warehouse.reader() as reader:
        runs = ingested_runs_of(reader, partition)
    return MaterializeResult(metadata={
        "logs": len(logs), "eval_run_ids": MetadataValue.json(runs), "stored_samples": plan.n_samples,
        "notes": MetadataValue.json([n.line() for n in plan.notes]),
    })


@asset(group_name=GROUP, partitions_def=inspect_partitions, deps=[inspect_evaluation],
       description="Drift against the same task's reference run, and every alert rule, for each ingested run.")
def inspect_monitoring(context: AssetExecutionContext, world: WorldResource,
                       warehouse: WarehouseResource) -> MaterializeResult:
    cfg = world.load()
    with warehouse.reader() as reader:
        runs = ingested_runs_of(reader, inspect_target(context))
    drifted, opened, skipped = {}, [], {}
    for run_id in runs:
        try:
            result = compute_drift(warehouse.writer(), run_id, report_dir=cfg.paths.drift_dir,
                                   workspace_dir=cfg.paths.evidently_workspace_dir, cfg=cfg.drift)
            drifted[run_id] = result.drifted_columns
        except DriftError as exc:  # no run of this task at a reference stage yet
            skipped[run_id] = str(exc)
        checked = check_run(warehouse.writer(), run_id, cfg.alerts, cfg.drift)
        opened += checked.opened
    if opened:
        context.log.warning(f"alerts opened: {opened}")
    return MaterializeResult(metadata={"eval_run_ids": MetadataValue.json(runs),
                                       "drifted": MetadataValue.json(drifted), "opened": MetadataValue.json(opened),
                                       "drift_skipped": MetadataValue.json(skipped)})
