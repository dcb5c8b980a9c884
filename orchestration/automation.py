"""Jobs, the nightly schedule and the new-checkpoint sensor.

* ``training_job`` — the chain (reuses finished stages).
* ``evaluation_job`` — evaluation partitions (checkpoint × date) and their checks.
* ``nightly_reevaluation`` — at the configured cron: when continual training is
  on, one run trains the next capability stage; one run per known checkpoint
  not yet evaluated for the night's date.
* ``new_checkpoint_sensor`` — adds an evaluation partition for every new
  checkpoint in the store and evaluates it for today.
* ``alert_delivery_sensor`` — delivers each newly opened or resolved alert
  exactly once (the warehouse outbox records every delivery).
* ``inspect_job`` / ``inspect_log_sensor`` — each new or changed Inspect AI log in
  ``paths.inspect_logs`` (``$SCHEMEWATCH_INSPECT_LOGS``) adds its model × date
  partition and ingests it, then its checks, drift and alert rules run.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

import json
from datetime import date

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    schedule,
    sensor,
)

from assets.awareness import GROUP as AWARENESS_GROUP
from assets.awareness import awareness_intervention
from assets.continual import next_capability_stage_model
from assets.evaluation import checkpoint_partitions, evaluation_partitions, partition_key
from assets.inspect_logs import GROUP as INSPECT_GROUP
from assets.inspect_logs import filed_checkpoint, inspect_models, inspect_partition_key, inspect_partitions
from assets.resources import PolicyResource, WarehouseResource, WorldResource
from assets.training import GROUP as TRAINING_GROUP
from schemewatch.checkpoints import CheckpointStore
from schemewatch.clock import today_utc
from schemewatch.delivery import deliver
from schemewatch.inspect_ingest import new_logs
from training_stages.config import WorldConfig
from training_stages.pipeline import planned_eval_run_id

EVALUATION_GROUPS = ("evaluation", "monitoring", AWARENESS_GROUP)


training_job = define_asset_job("training_job", selection=AssetSelection.groups(TRAINING_GROUP),
                                description="Train (or reuse) every stage of the chain.")
evaluation_job = define_asset_job("evaluation_job", selection=AssetSelection.groups(*EVALUATION_GROUPS),
                                  partitions_def=evaluation_partitions,
                                  description="Evaluate checkpoint × date partitions, with their checks.")
inspect_job = define_asset_job("inspect_job", selection=AssetSelection.groups(INSPECT_GROUP),
                               partitions_def=inspect_partitions,
                               description="Ingest the Inspect AI logs of model × date partitions, then monitor them.")
# The intervention alone, for evaluations already stored, whatever [intervention] enabled says.
awareness_job = define_asset_job("awareness_job", selection=[awareness_intervention],
                                 partitions_def=evaluation_partitions,
                                 config={"ops": {"awareness_intervention": {"config": {"force": True}}}},
                                 description="Run the awareness intervention on evaluation partitions.")
continual_training_job = define_asset_job("continual_training_job", selection=[next_capability_stage_model],
                                          description="Train the next capability stage.")


def unevaluated_partitions(cfg: WorldConfig, checkpoint_ids: list[str], eval_date: date,
                           warehouse: WarehouseResource, policy: PolicyResource) -> list[str]:
    """The checkpoints among ``checkpoint_ids`` with no stored evaluation for ``eval_date``."""
    store = CheckpointStore(cfg.paths.checkpoints_dir)
    with warehouse.reader() as reader:
        done = set(reader.query("SELECT eval_run_id FROM eval_runs WHERE eval_date = ?",
                                [eval_date])["eval_run_id"].to_list())
    todo = []
    for ck in checkpoint_ids:
        info = store.resolve(ck)
        if planned_eval_run_id(cfg, info, eval_date, policy.policy_name(info)) not in done:
            todo.append(ck)
    return todo


def _evaluation_requests(checkpoint_ids: list[str], eval_date: date) -> list[RunRequest]:
    return [RunRequest(run_key=f"evaluate:{ck}:{eval_date}", partition_key=partition_key(ck, eval_date))
            for ck in checkpoint_ids]


def build_nightly_schedule(cfg: WorldConfig):  # noqa: ANN201 - a ScheduleDefinition
    """The nightly re-evaluation at the config's cron and time zone."""

    @schedule(name="nightly_reevaluation", cron_schedule=cfg.orchestration.nightly_cron,
              execution_timezone=cfg.orchestration.timezone, job=evaluation_job,
              description="Re-evaluate every checkpoint not yet evaluated for the night's date.")
    def nightly_reevaluation(context: ScheduleEvaluationContext, world: WorldResource,
                             warehouse: WarehouseResource, policy: PolicyResource):  # noqa: ANN202
        run_cfg = world.load()
        night = context.scheduled_execution_time.date()
        known = list(context.instance.get_dynamic_partitions(checkpoint_partitions.name))
        todo = unevaluated_partitions(run_cfg, known, night, warehouse, policy)
        if not todo:
            return SkipReason(f"all {len(known)} checkpoints already evaluated for {night}")
        return _evaluation_requests(todo, night)

    return nightly_reevaluation


def build_continual_schedule(cfg: WorldConfig):  # noqa: ANN201 - a ScheduleDefinition
    """At the same cron: train the next capability stage when continual training is on."""

    @schedule(name="nightly_continual_training", cron_schedule=cfg.orchestration.nightly_cron,
              execution_timezone=cfg.orchestration.timezone, job=continual_training_job,
              description="When continual training is on, train one more capability stage each night "
                          "(the sensor then evaluates it).")
    def nightly_continual_training(context: ScheduleEvaluationContext, world: WorldResource):  # noqa: ANN202
        if not world.load().orchestration.continual_training:
            return SkipReason("continual training is off (orchestration.continual_training = false)")
        return RunRequest(run_key=f"continual:{context.scheduled_execution_time.date()}")

    return nightly_continual_training


@sensor(minimum_interval_seconds=30,
        description="Deliver each newly opened or resolved alert exactly once to the configured channels.")
def alert_delivery_sensor(context: SensorEvaluationContext, world: WorldResource) -> SkipReason:
    cfg = world.load()
    records = deliver(cfg.paths, cfg.alerts, logger=context.log)
    failed = [r for r in records if r.status != "delivered"]
    # The sensor requests no run: delivery is its side effect, recorded in the warehouse outbox.
    return SkipReason(f"{len(records) - len(failed)} deliveries made, {len(failed)} failed" if records
                      else "no new alert events")


@sensor(job=evaluation_job, minimum_interval_seconds=60,
        description="Add an evaluation partition for each new checkpoint and evaluate it for today.")
def new_checkpoint_sensor(context: SensorEvaluationContext, world: WorldResource) -> SensorResult | SkipReason:
    cfg = world.load()
    known = set(context.instance.get_dynamic_partitions(checkpoint_partitions.name))
    new = [info.id for info in CheckpointStore(cfg.paths.checkpoints_dir).list() if info.id not in known]
    if not new:
        return SkipReason(f"no new checkpoints ({len(known)} known)")
    return SensorResult(
        run_requests=_evaluation_requests(new, today_utc()),
        dynamic_partitions_requests=[checkpoint_partitions.build_add_request(new)],
    )


@sensor(job=inspect_job, minimum_interval_seconds=60,
        description="Ingest each new or changed Inspect AI log in paths.inspect_logs ($SCHEMEWATCH_INSPECT_LOGS).")
def inspect_log_sensor(context: SensorEvaluationContext, world: WorldResource) -> SensorResult | SkipReason:
    cfg = world.load()
    seen = json.loads(context.cursor) if context.cursor else {}
    found, seen, problems = new_logs(cfg.paths.inspect_logs_dir, seen, filed_checkpoint(cfg))
    for line in problems:
        context.log.warning(line)
    if not found:
        context.update_cursor(json.dumps(seen))
        return SkipReason(f"no new Inspect logs in {cfg.paths.inspect_logs_dir}")
    models = sorted({p.checkpoint for p in found} - set(context.instance.get_dynamic_partitions(inspect_models.name)))
    # The run key names the logs' state, so a log that changes (a retried run) is ingested again.
    requests = [RunRequest(run_key=f"inspect:{p.checkpoint}:{p.eval_date}:"
                                   f"{max(seen[str(path)] for path in paths)}",
                           partition_key=inspect_partition_key(p))
                for p, paths in sorted(found.items(), key=lambda item: (item[0].checkpoint, item[0].eval_date))]
    return SensorResult(run_requests=requests, cursor=json.dumps(seen),
                        dynamic_partitions_requests=[inspect_models.build_add_request(models)] if models else [])
