"""The warehouse's tables: the versioned DuckDB migrations and the polars schemas of samples and drift rows.

Migrations are applied in order by :class:`schemewatch.warehouse.Warehouse`; a new
table or column is a new migration appended here, never an edit of an old one.
"""

from __future__ import annotations

import polars as pl

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "checkpoints, eval runs and rates",
        """
        CREATE TABLE checkpoints (
            checkpoint_id VARCHAR PRIMARY KEY, stage VARCHAR NOT NULL,
            stage_index INTEGER NOT NULL, parent_id VARCHAR, path VARCHAR,
            registered_at TIMESTAMP NOT NULL);
        CREATE TABLE eval_runs (
            eval_run_id VARCHAR PRIMARY KEY, checkpoint_id VARCHAR NOT NULL,
            suite_version VARCHAR NOT NULL, split VARCHAR NOT NULL, eval_date DATE NOT NULL,
            seed BIGINT NOT NULL, samples_per_env INTEGER NOT NULL, n_samples INTEGER NOT NULL,
            response_prefix VARCHAR NOT NULL, policy VARCHAR NOT NULL,
            samples_file VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL);
        CREATE TABLE rates (
            eval_run_id VARCHAR NOT NULL, checkpoint_id VARCHAR NOT NULL, eval_date DATE NOT NULL,
            family VARCHAR, metric VARCHAR NOT NULL, k BIGINT NOT NULL, n BIGINT NOT NULL,
            rate DOUBLE, ci_low DOUBLE, ci_high DOUBLE);
        """,
    ),
    (
        2,
        "drift and alerts",
        """
        CREATE TABLE drift (
            eval_run_id VARCHAR NOT NULL, reference_run_id VARCHAR NOT NULL,
            family VARCHAR, column_name VARCHAR NOT NULL, method VARCHAR NOT NULL,
            statistic DOUBLE, p_value DOUBLE, drifted BOOLEAN NOT NULL, report_path VARCHAR);
        CREATE TABLE alerts (
            alert_id VARCHAR PRIMARY KEY, rule VARCHAR NOT NULL, checkpoint_id VARCHAR NOT NULL,
            family VARCHAR, status VARCHAR NOT NULL, value DOUBLE, threshold DOUBLE,
            eval_run_id VARCHAR, opened_at TIMESTAMP NOT NULL, resolved_at TIMESTAMP,
            detail VARCHAR);
        """,
    ),
    (
        3,
        "drift reports, alert hysteresis and the delivery outbox",
        """
        CREATE TABLE drift_reports (
            eval_run_id VARCHAR PRIMARY KEY, reference_run_id VARCHAR NOT NULL, checkpoint_id VARCHAR NOT NULL,
            n_columns INTEGER NOT NULL, n_drifted INTEGER NOT NULL, drift_share DOUBLE NOT NULL,
            dataset_drifted BOOLEAN NOT NULL, report_path VARCHAR NOT NULL, workspace_project_id VARCHAR,
            workspace_run_id VARCHAR, seconds DOUBLE, created_at TIMESTAMP NOT NULL);
        ALTER TABLE alerts ADD COLUMN metric VARCHAR;
        ALTER TABLE alerts ADD COLUMN inside_streak INTEGER DEFAULT 0;
        ALTER TABLE alerts ADD COLUMN last_value DOUBLE;
        ALTER TABLE alerts ADD COLUMN last_eval_run_id VARCHAR;
        ALTER TABLE alerts ADD COLUMN resolved_eval_run_id VARCHAR;
        CREATE TABLE alert_checks (
            eval_run_id VARCHAR NOT NULL, checkpoint_id VARCHAR NOT NULL, rule VARCHAR NOT NULL, family VARCHAR,
            metric VARCHAR, value DOUBLE, threshold DOUBLE, crossed BOOLEAN, alert_id VARCHAR, detail VARCHAR,
            checked_at TIMESTAMP NOT NULL);
        CREATE TABLE alert_events (
            event_id VARCHAR PRIMARY KEY, alert_id VARCHAR NOT NULL, event VARCHAR NOT NULL,
            eval_run_id VARCHAR, payload VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL);
        CREATE TABLE alert_deliveries (
            event_id VARCHAR NOT NULL, alert_id VARCHAR NOT NULL, event VARCHAR NOT NULL, channel VARCHAR NOT NULL,
            status VARCHAR NOT NULL, attempts INTEGER NOT NULL, last_error VARCHAR, delivered_at TIMESTAMP,
            updated_at TIMESTAMP NOT NULL, PRIMARY KEY (event_id, channel));
        """,
    ),
    (
        4,
        "grader versions and re-graded runs",
        """
        ALTER TABLE eval_runs ADD COLUMN grader_version VARCHAR DEFAULT '1';
        ALTER TABLE eval_runs ADD COLUMN regraded_from VARCHAR;
        ALTER TABLE eval_runs ADD COLUMN superseded_by VARCHAR;
        """,
    ),
    (
        5,
        "evaluations ingested from other tools (Inspect AI logs)",
        # source: 'schemewatch' for our own evaluations, 'inspect' for an ingested log; source_status is the
        # log's own status (success, error, cancelled), source_log the file it was read from and
        # source_task_args the task's arguments (JSON), source_errored its samples that errored (no output,
        # not ingested). An alert's suite (SUITE_SQL of the run that opened it; NULL for alerts stored
        # before) keeps an ingested task's hysteresis apart from ours.
        """
        ALTER TABLE eval_runs ADD COLUMN source VARCHAR DEFAULT 'schemewatch';
        ALTER TABLE eval_runs ADD COLUMN source_status VARCHAR;
        ALTER TABLE eval_runs ADD COLUMN source_log VARCHAR;
        ALTER TABLE eval_runs ADD COLUMN source_task_args VARCHAR;
        ALTER TABLE eval_runs ADD COLUMN source_errored INTEGER;
        ALTER TABLE alerts ADD COLUMN suite VARCHAR;
        """,
    ),
    (
        6,
        "clustered intervals of rates",
        # Beside the plain Wilson interval: the interval corrected for samples clustered in environments
        # (schemewatch.clustered_stats) and the intra-environment correlation it used. NULL for older rows.
        """
        ALTER TABLE rates ADD COLUMN icc DOUBLE;
        ALTER TABLE rates ADD COLUMN ci_low_clustered DOUBLE;
        ALTER TABLE rates ADD COLUMN ci_high_clustered DOUBLE;
        """,
    ),
    (
        7,
        "evaluation-awareness interventions",
        # One row per intervention (schemewatch.awareness_intervention) on an evaluation's responses; its
        # continuations are a Parquet file like an evaluation's samples, its results one row overall (family
        # NULL) and one per family. Never part of rates: an intervention forces text into the reasoning.
        """
        CREATE TABLE intervention_runs (
            intervention_id VARCHAR PRIMARY KEY, eval_run_id VARCHAR NOT NULL, checkpoint_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, position VARCHAR NOT NULL, samples_per_response INTEGER NOT NULL,
            seed BIGINT NOT NULL, n_eligible INTEGER NOT NULL, n_selected INTEGER NOT NULL, policy VARCHAR NOT NULL,
            grader_version VARCHAR NOT NULL, sentences VARCHAR NOT NULL, samples_file VARCHAR NOT NULL,
            seconds DOUBLE, created_at TIMESTAMP NOT NULL);
        CREATE TABLE intervention_results (
            intervention_id VARCHAR NOT NULL, family VARCHAR, n_responses INTEGER NOT NULL,
            original_k BIGINT, original_n BIGINT, original_rate DOUBLE, original_low DOUBLE, original_high DOUBLE,
            baseline_k BIGINT, baseline_n BIGINT, baseline_rate DOUBLE, baseline_low DOUBLE, baseline_high DOUBLE,
            baseline_low_clustered DOUBLE, baseline_high_clustered DOUBLE,
            intervened_k BIGINT, intervened_n BIGINT, intervened_rate DOUBLE, intervened_low DOUBLE,
            intervened_high DOUBLE, intervened_low_clustered DOUBLE, intervened_high_clustered DOUBLE,
            difference DOUBLE, difference_low DOUBLE, difference_high DOUBLE, p_value DOUBLE,
            p_value_paired DOUBLE, direction VARCHAR, intervened_aware_rate DOUBLE,
            intervened_unparseable_rate DOUBLE);
        """,
    ),
    (
        8,
        "likelihood-matched control",
        # The control's neutral sentence per awareness sentence and the log-likelihoods it was chosen by
        # (JSON; NULL for other kinds, a control matched on length, and older rows).
        """
        ALTER TABLE intervention_runs ADD COLUMN control_match VARCHAR;
        """,
    ),
)
#: intervention_results' columns after ``intervention_id``, in order (summarize() gives them by name).
INTERVENTION_RESULT_COLUMNS: tuple[str, ...] = (
    "family", "n_responses", "original_k", "original_n", "original_rate", "original_low", "original_high",
    *(f"{arm}_{f}" for arm in ("baseline", "intervened")
      for f in ("k", "n", "rate", "low", "high", "low_clustered", "high_clustered")),
    "difference", "difference_low", "difference_high", "p_value", "p_value_paired", "direction",
    "intervened_aware_rate", "intervened_unparseable_rate",
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
#: The evaluations that count: ordinary ones (no forced reasoning prefix) not superseded by a re-grade.
#: Defined once; WarehouseReader exposes it as the view ``ordinary_runs``.
#: Our own suite's name; a run ingested from another tool belongs to its ``suite_version``
#: (``inspect:<task>@<version>[(args)]``). The one definition of a run's suite, over ``eval_runs r``
#: (``source`` is NULL in snapshots published before migration 5: those runs are ours).
OWN_SUITE = "schemewatch"
SUITE_SQL = f"CASE WHEN coalesce(r.source, '{OWN_SUITE}') = '{OWN_SUITE}' THEN '{OWN_SUITE}' ELSE r.suite_version END"
ORDINARY_RUNS_SQL = (f"SELECT r.* REPLACE (coalesce(r.source, '{OWN_SUITE}') AS source), {SUITE_SQL} AS suite "
                     "FROM eval_runs r WHERE r.response_prefix = '' AND r.superseded_by IS NULL")


def latest_runs_sql(partition: str = "checkpoint_id") -> str:
    """The newest ordinary run per ``partition`` (e.g. ``checkpoint_id``, or ``checkpoint_id, eval_date``) and suite.

    Defined once for the CLI report and the dashboard: a re-run on the same date replaces the
    older one. An ingested Inspect task is its own ``suite``, so it stands beside the checkpoint's
    own evaluation instead of replacing it. Parameters, in order: the split, then an as-of date
    twice (``None``: no limit).
    """
    return f"""
    SELECT * EXCLUDE (rn) FROM (
        SELECT *, row_number() OVER (PARTITION BY {partition}, suite
                                     ORDER BY eval_date DESC, created_at DESC) AS rn
        FROM ordinary_runs
        WHERE split = ? AND (CAST(? AS DATE) IS NULL OR eval_date <= CAST(? AS DATE))
    ) WHERE rn = 1"""
SNAPSHOT_TABLES = ("checkpoints", "eval_runs", "rates", "drift", "alerts", "drift_reports", "alert_checks",
                   "alert_events", "alert_deliveries", "intervention_runs", "intervention_results")
DRIFT_COLUMNS: dict[str, pl.DataType] = {
    "family": pl.String, "column_name": pl.String, "method": pl.String, "statistic": pl.Float64,
    "p_value": pl.Float64, "drifted": pl.Boolean,
}

SAMPLE_SCHEMA: dict[str, pl.DataType] = {
    "eval_run_id": pl.String, "checkpoint_id": pl.String, "suite_version": pl.String,
    "env_id": pl.String, "family": pl.String, "category": pl.String, "split": pl.String,
    "counts_in_aggregate": pl.Boolean, "sample_idx": pl.Int32, "seed": pl.Int64,
    "eval_date": pl.Date, "response": pl.String, "outcome": pl.String, "covert": pl.Boolean,
    "cites_spec": pl.Boolean, "cited_principles": pl.List(pl.String), "eval_aware": pl.Boolean,
    "good": pl.Boolean, "n_tokens": pl.Int32, "external_scores": pl.String,
}
#: Columns a sample file written before they existed lacks, with their DuckDB type: they read as null (and a
#: producer may omit them). ``external_scores``: an ingested sample's raw scores as JSON (null for our own),
#: kept so that a mapping added later can re-derive the columns without re-reading the logs.
LATER_SAMPLE_COLUMNS: dict[str, str] = {"external_scores": "VARCHAR"}


def with_later_columns(samples: pl.DataFrame) -> pl.DataFrame:
    """``samples`` with every :data:`LATER_SAMPLE_COLUMNS` column it lacks added as null."""
    missing = [c for c in LATER_SAMPLE_COLUMNS if c not in samples.columns]
    return samples.with_columns(pl.lit(None, dtype=SAMPLE_SCHEMA[c]).alias(c) for c in missing) if missing else samples


#: One awareness-intervention continuation (schemewatch.awareness_intervention.run_intervention).
CONTINUATION_SCHEMA: dict[str, pl.DataType] = {
    "env_id": pl.String, "family": pl.String, "counts_in_aggregate": pl.Boolean, "source_sample_idx": pl.Int64,
    "arm": pl.String, "draw": pl.Int64, "cut_at": pl.Int64, "sentence": pl.String, "prefix": pl.String,
    "original_response": pl.String, "original_outcome": pl.String, "original_covert": pl.Boolean,
    "response": pl.String, "outcome": pl.String, "covert": pl.Boolean, "cites_spec": pl.Boolean,
    "eval_aware": pl.Boolean,
}
