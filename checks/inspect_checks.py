"""Asset check on every Inspect partition: the ingested runs' samples meet their data-quality suite.

**Blocking**, like ``samples_meet_expectations`` for our own evaluations: a malformed ingest stops
before ``inspect_monitoring`` computes drift or steps the alert rules on it.
"""

# No `from __future__ import annotations`: Dagster reads these annotations at definition time.

import warnings
from pathlib import Path

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, PreviewWarning, asset_check

from assets.inspect_logs import inspect_evaluation, inspect_partitions, inspect_target
from assets.resources import WarehouseResource
from checks.sample_quality import validate_ingested_samples
from schemewatch.inspect_ingest import ingested_runs_of
from schemewatch.inspect_logs import InspectLogError, read_run

warnings.filterwarnings("ignore", category=PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")


@asset_check(asset=inspect_evaluation, blocking=True, partitions_def=inspect_partitions,
             description="Great Expectations on each ingested run: identity, outcomes, one row per sample × epoch, "
                         "as many rows as the log's header lists.")
def ingested_samples_meet_expectations(context: AssetCheckExecutionContext,
                                       warehouse: WarehouseResource) -> AssetCheckResult:
    failures, checked = [], {}
    with warehouse.reader() as reader:
        runs = ingested_runs_of(reader, inspect_target(context))
        for run_id in runs:
            stored = reader.query("SELECT source_log, source_status, source_errored FROM eval_runs "
                                  "WHERE eval_run_id = ?", [run_id]).row(0, named=True)
            try:
                header = read_run(Path(stored["source_log"]))
                complete, expected = header.complete, header.rows_to_ingest(stored["source_errored"] or 0)
            except InspectLogError:  # the log moved since: check what does not need its header
                expected, complete = None, stored["source_status"] == "success"
            result = validate_ingested_samples(reader.run_samples(run_id), run_id, expected_rows=expected,
                                               complete=complete)
            checked[run_id] = result.summary()
            if not result.success:
                failures.append(f"{run_id}: {result.summary()}")
    return AssetCheckResult(passed=not failures, severity=AssetCheckSeverity.ERROR,
                            metadata={"runs": len(runs), "summary": "; ".join(failures) or "all runs pass",
                                      "checked": checked})
