"""``schemewatch backfill``: N nights through the same Dagster jobs as the nightly schedule.

Each night, in date order: with ``[orchestration] continual_training`` on, ``continual_training_job``
trains one more capability stage from the latest (the night's stage count is the config's plus the
night's number, so a re-run trains nothing new); then ``evaluation_job`` evaluates every checkpoint
of the chain for that date, each with that night's seed (``[evaluation] fresh_seed_each_night``).
Afterwards drift and the alert rules catch up and new alert events are delivered, as the delivery
sensor does. A night already done writes nothing, so re-running a backfill adds no row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dagster import DagsterInstance, Definitions

from orchestration.run_world import QUIET_RUN_CONFIG, deliver_pending, evaluate_night
from training_stages.chain import stage_ids, trained_capability_stages, with_capability_stages


@dataclass(frozen=True)
class BackfilledNight:
    """One night of a backfill: its date, the checkpoints evaluated and the checks that failed."""

    eval_date: date
    checkpoints: list[str]
    trained: str | None
    failed_checks: list[str]


def backfill_dates(nights: int, start: date) -> list[date]:
    """``nights`` consecutive dates from ``start``."""
    if nights < 1:
        raise ValueError(f"--nights must be at least 1, got {nights}")
    return [start + timedelta(days=i) for i in range(nights)]


def backfill(defs: Definitions, dates: list[date], *, instance: DagsterInstance,
             log: Callable[[str], None] = print) -> list[BackfilledNight]:
    """Run the nightly jobs for each of ``dates`` (oldest first); see the module docstring."""
    cfg = defs.resources["world"].load()
    log("training: materialising the chain (finished stages are reused)")
    defs.resolve_job_def("training_job").execute_in_process(instance=instance, run_config=QUIET_RUN_CONFIG)
    done: list[BackfilledNight] = []
    for number, night in enumerate(sorted(dates), start=1):
        stages = cfg.capability.stages + (number if cfg.orchestration.continual_training else 0)
        trained = None
        if cfg.orchestration.continual_training and trained_capability_stages(cfg) < stages:
            log(f"night {night}: continual training → capability stage {stages}")
            defs.resolve_job_def("continual_training_job").execute_in_process(instance=instance,
                                                                              run_config=QUIET_RUN_CONFIG)
            trained = f"cap-{stages}"
        checkpoints = list(stage_ids(with_capability_stages(cfg, stages)).values())
        failed = evaluate_night(defs, checkpoints, night, instance=instance, log=log)
        done.append(BackfilledNight(night, checkpoints, trained, failed))
    deliver_pending(cfg, log)
    return done
