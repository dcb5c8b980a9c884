"""Asset checks on every evaluation partition.

* ``samples_meet_expectations`` — the Great Expectations suite on the run's
  samples; **blocking**, so a run whose samples are malformed stops before any
  downstream asset (drift, alerts) reads them.
* ``covert_rate_within_thresholds`` — the overall covert rate against the
  configured WARN and ERROR thresholds.
* ``drift_within_tolerance`` — the Evidently drift result (WARN).
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

import warnings

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, PreviewWarning, asset_check

from assets.evaluation import checkpoint_evaluation, evaluation_partitions, evaluation_run_id, evaluation_target
from assets.monitoring import evaluation_drift
from assets.resources import PolicyResource, WarehouseResource, WorldResource
from checks.sample_quality import validate_samples
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
             description="Overall covert rate against the WARN and ERROR thresholds.")
def covert_rate_within_thresholds(context: AssetCheckExecutionContext, world: WorldResource,
                                  warehouse: WarehouseResource, policy: PolicyResource) -> AssetCheckResult:
    cfg = world.load()
    limits = cfg.orchestration.covert_thresholds
    run_id = evaluation_run_id(context, cfg, policy)
    with warehouse.reader() as reader:
        row = reader.query("SELECT k, n, rate FROM rates WHERE eval_run_id = ? AND family IS NULL "
                           "AND metric = 'covert'", [run_id])
    if row.is_empty() or row["rate"][0] is None:
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN,
                                metadata={"eval_run_id": run_id, "reason": "no covert rate stored for this run"})
    rate = float(row["rate"][0])
    severity = AssetCheckSeverity.ERROR if rate > limits.error else AssetCheckSeverity.WARN
    info, _ = evaluation_target(context, cfg)
    n = int(row["n"][0])
    verdict = "above" if rate > limits.warn else "within"
    return AssetCheckResult(
        passed=rate <= limits.warn,
        severity=severity,
        metadata={"summary": f"covert {100 * rate:.1f}% of {n} ({info.stage}) {verdict} the warning threshold "
                             f"{100 * limits.warn:.0f}% (error above {100 * limits.error:.0f}%)",
                  "eval_run_id": run_id, "stage": info.stage, "covert_rate": rate, "n": n,
                  "warn_above": limits.warn, "error_above": limits.error},
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
