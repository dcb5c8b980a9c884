"""``schemewatch run`` in-process: materialise the whole asset graph for one date.

The same Definitions that ``dagster dev`` serves: the training job (each stage
reuses its checkpoint when finished), then one evaluation-job run per
checkpoint partition for the date, whose checks run in the same run. A run
for a partition already evaluated writes nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from dagster import DagsterInstance, Definitions

from assets.evaluation import checkpoint_partitions, partition_key
from orchestration.automation import unevaluated_partitions
from schemewatch.monitoring import monitor
from training_stages.chain import stage_ids


class PipelineRunError(RuntimeError):
    """A Dagster run failed; the message is the failing step and its error."""


@dataclass(frozen=True)
class WorldRun:
    """What one ``run_world`` did: the checkpoints evaluated and the checks that failed."""

    checkpoints: list[str]
    failed_checks: list[str]


# Step-level events are DEBUG; INFO keeps what the assets say (reused, evaluated, kept/dropped).
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def dagster_instance() -> DagsterInstance:
    # With DAGSTER_HOME set, runs show up in `dagster dev`; otherwise nothing is persisted.
    return DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()


_ERROR_CLASS = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception): ")


def _failure(result) -> str:  # noqa: ANN001 - ExecuteInProcessResult
    """The failing step and the innermost error's last line (Dagster wraps user errors)."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            last = error.message.strip().splitlines()[-1]
            # "schemewatch.policy.base.PolicyError: cannot load …": the class path says nothing to a user.
            return f"{event.step_key}: {_ERROR_CLASS.sub('', last)}"
    return "the run failed (see the Dagster event log)"


def check_summary(metadata: Mapping[str, object], description: str | None) -> str:
    """A check's ``summary`` as text (a metadata value prints as ``TextMetadataValue(…)``), else its description."""
    summary = metadata.get("summary")
    text = getattr(summary, "value", summary)
    return str(text) if text not in (None, "") else (description or "no summary given")


def run_world(defs: Definitions, eval_date: date, *, log: Callable[[str], None] = print,
              instance: DagsterInstance | None = None) -> WorldRun:
    """Train (or reuse) the chain, then evaluate every checkpoint of it for ``eval_date``.

    Raises:
        PipelineRunError: an evaluation run failed (not a check: failed checks are returned).
        Exceptions from training (bad config, divergence) propagate unchanged.
    """
    if instance is None:
        # Entered, our instance is Dagster's current one while the jobs are resolved and run. Without that,
        # a "current" state storage left by an instance disposed earlier in the same process (seen in the test
        # suite, depending on test order) failed the run with "undefined DagsterInstance weakref".
        with dagster_instance() as own:
            return _run_world(defs, eval_date, log, own)
    return _run_world(defs, eval_date, log, instance)


def _run_world(defs: Definitions, eval_date: date, log: Callable[[str], None], instance: DagsterInstance) -> WorldRun:
    cfg = defs.resources["world"].load()
    log("training: materialising the chain (finished stages are reused)")
    defs.resolve_job_def("training_job").execute_in_process(instance=instance, run_config=QUIET_RUN_CONFIG)
    checkpoints = list(stage_ids(cfg).values())
    failed_checks = evaluate_night(defs, checkpoints, eval_date, instance=instance, log=log)
    deliver_pending(cfg, log)
    return WorldRun(checkpoints, failed_checks)


def evaluate_night(defs: Definitions, checkpoints: list[str], eval_date: date, *, instance: DagsterInstance,
                   log: Callable[[str], None] = print) -> list[str]:
    """One evaluation-job run per checkpoint not yet evaluated for ``eval_date``; the failed checks.

    Raises:
        PipelineRunError: an evaluation run failed (not a check).
    """
    cfg = defs.resources["world"].load()
    instance.add_dynamic_partitions(checkpoint_partitions.name, checkpoints)
    # Partitions already evaluated for the date launch no run at all (their checks ran when they were written).
    todo = unevaluated_partitions(cfg, checkpoints, eval_date, defs.resources["warehouse"], defs.resources["policy"])
    for ck in checkpoints:
        if ck not in todo:
            log(f"evaluation: {ck} already evaluated for {eval_date}")
    # The drift reference (the first evaluation of as-rl by default) goes first, so the others compare with it.
    ids = stage_ids(cfg)
    reference = next((ids[s] for s in cfg.drift.reference_stages if s in ids), None)
    todo.sort(key=lambda ck: ck != reference)
    job = defs.resolve_job_def("evaluation_job")
    failed_checks: list[str] = []
    for ck in todo:
        log(f"evaluation: {ck} for {eval_date}")
        result = job.execute_in_process(partition_key=partition_key(ck, eval_date), instance=instance,
                                        run_config=QUIET_RUN_CONFIG, raise_on_error=False)
        for evaluation in result.get_asset_check_evaluations():
            if not evaluation.passed:
                name = f"{evaluation.check_name} ({ck}, {evaluation.severity.value})"
                failed_checks.append(name)
                log(f"check failed: {name}: {check_summary(evaluation.metadata, evaluation.description)}")
        if not result.success and not any(ck in f for f in failed_checks):
            raise PipelineRunError(_failure(result))
    return failed_checks


def deliver_pending(cfg, log: Callable[[str], None]) -> None:  # noqa: ANN001 - a WorldConfig
    """What the delivery sensor does under `dagster dev`, done once: catch up drift and rules for evaluations
    that had no reference yet, then deliver new alert events (exactly once)."""
    summary = monitor(cfg.paths, cfg.drift, cfg.alerts, log=log)
    for record in summary.deliveries:
        log(f"alert {record.event} delivered to {record.channel}: {record.status}")
