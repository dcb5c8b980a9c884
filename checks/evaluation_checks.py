"""Asset checks on every evaluation partition.

* ``samples_meet_expectations`` — the Great Expectations suite on the run's
  samples; **blocking**, so a run whose samples are malformed stops before any
  downstream asset (drift, alerts) reads them.
* ``covert_rate_within_thresholds`` — the overall covert rate against the alert
  rule's ``covert_ceiling`` (WARN) and ``covert_severe_ceiling`` (ERROR): the same
  threshold as the alert, not a second one.
* ``drift_within_tolerance`` — the Evidently drift result (WARN).
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

import warnings

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, PreviewWarning, asset_check

from assets.evaluation import checkpoint_evaluation, evaluation_partitions, evaluation_run_id, evaluation_target
from assets.monitoring import evaluation_drift
from assets.resources import PolicyResource, WarehouseResource, WorldResource
from checks.sample_quality import validate_samples
from schemewatch.alert_rules import covert_ceiling_outcome
from schemewatch.drift import drift_check, load_drift
from schemewatch.environments import build_suite

# Checks partitioned like their asset are "preview" in Dagster 1.13; they are what a per-partition
# check needs, so the warning says nothing actionable here.
warnings.filterwarnings("ignore", category=PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")


@asset_check(asset=checkpoint_evaluation, blocking=True, partitions_def=evaluation_partitions,
             description="Great Expectations: types, value sets, row count, suite ids, proportions.")
def samples_meet_expectations(context: AssetCheckExecutionContext, world: WorldResource,
                              warehouse: WarehouseResource, policy: PolicyResource) -> AssetCheckResult:
    cfg = world.load()
    run_id = evaluation_run_id(context, cfg, policy)
    with warehouse.reader() as reader:
        samples = reader.run_samples(run_id)
    validation = validate_samples(samples, build_suite(cfg.evaluation.split), cfg.evaluation.samples_per_env, run_id)
    return AssetCheckResult(
        passed=validation.success,
        severity=AssetCheckSeverity.ERROR,
        metadata={"eval_run_id": run_id, "rows": samples.height, "expectations": validation.evaluated,
                  "summary": validation.summary()},
    )


@asset_check(asset=checkpoint_evaluation, partitions_def=evaluation_partitions,
             description="Overall covert rate against the alert rule's covert_ceiling (ERROR above "
                         "covert_severe_ceiling).")
def covert_rate_within_thresholds(context: AssetCheckExecutionContext, world: WorldResource,
                                  warehouse: WarehouseResource, policy: PolicyResource) -> AssetCheckResult:
    # One threshold per decision: this check judges exactly what the covert_ceiling alert rule judges.
    cfg = world.load()
    limits = cfg.alerts
    run_id = evaluation_run_id(context, cfg, policy)
    with warehouse.reader() as reader:
        rates = reader.query("SELECT * FROM rates WHERE eval_run_id = ? AND family IS NULL", [run_id])
    verdict = covert_ceiling_outcome(rates, limits)
    if verdict is None:
        return AssetCheckResult(passed=True, metadata={"eval_run_id": run_id,
                                                       "reason": "[alerts] covert_ceiling is off"})
    if verdict.crossed is None:
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN,
                                metadata={"eval_run_id": run_id, "reason": verdict.detail.get(
                                    "reason", "no covert rate stored for this run")})
    info, _ = evaluation_target(context, cfg)
    rate, n = float(verdict.detail["rate"]), int(verdict.detail["n"])
    severe = verdict.value > limits.covert_severe_ceiling
    judged = "Wilson lower bound" if limits.covert_ceiling_on == "lower_bound" else "covert"
    return AssetCheckResult(
        passed=not verdict.crossed,
        severity=AssetCheckSeverity.ERROR if severe else AssetCheckSeverity.WARN,
        metadata={"summary": f"covert {100 * rate:.1f}% of {n} ({info.stage}): {judged} "
                             f"{'above' if verdict.crossed else 'within'} the alert ceiling "
                             f"{100 * limits.covert_ceiling:.0f}% (error above "
                             f"{100 * limits.covert_severe_ceiling:.0f}%)",
                  "eval_run_id": run_id, "stage": info.stage, "covert_rate": rate, "n": n,
                  "judged_value": verdict.value, "warn_above": limits.covert_ceiling,
                  "error_above": limits.covert_severe_ceiling},
    )


@asset_check(asset=evaluation_drift, partitions_def=evaluation_partitions,
             description="Evidently drift against the reference: share of drifted columns, covert drift by family.")
def drift_within_tolerance(context: AssetCheckExecutionContext, world: WorldResource,
                           warehouse: WarehouseResource, policy: PolicyResource) -> AssetCheckResult:
    cfg = world.load()
    run_id = evaluation_run_id(context, cfg, policy)
    with warehouse.reader() as reader:
        result = load_drift(reader, run_id)
    if result is None:
        return AssetCheckResult(passed=True, severity=AssetCheckSeverity.WARN,
                                metadata={"eval_run_id": run_id, "summary": "no reference evaluation yet"})
    verdict = drift_check(result)
    return AssetCheckResult(passed=verdict.passed, severity=AssetCheckSeverity.WARN,
                            metadata={"summary": verdict.description, **verdict.metadata})
