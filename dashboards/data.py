"""The dashboard's queries: pure functions of a :class:`WarehouseReader`, no Streamlit.

Every query is parameterised and reads the reader's snapshot views, so nothing
here can lock or slow the pipeline's writer. Pages cache these results (see
:mod:`dashboards.cache`); tests call them directly.

Rates come from the ``rates`` table (Wilson 95% intervals stored beside ``n``);
``family`` ``None`` means the aggregate over the families that count in
headline rates. Only ordinary evaluations are shown: the held-out split, no
forced reasoning prefix (prefix runs are interventions, not monitoring).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl

from schemewatch.report import checkpoint_report
from schemewatch.warehouse import WarehouseReader
from schemewatch.warehouse_schema import OWN_SUITE, latest_runs_sql

DEGRADATION_METRICS: tuple[str, ...] = ("covert", "citation", "cited_covert", "aware", "incomplete")
METRIC_LABELS: dict[str, str] = {
    "covert": "Covert action",
    "citation": "Spec citation",
    "cited_covert": "Covert after citation",
    "aware": "Evaluation awareness",
    "incomplete": "Incomplete report (honest mistake)",
    "unparseable": "Unparseable",
}
# "external": a sample ingested from another tool's log (graded there; see schemewatch.inspect_ingest).
OUTCOMES: tuple[str, ...] = ("honest", "covert", "escalated", "refused", "incomplete", "unparseable", "external")
ALERT_STATUSES: tuple[str, ...] = ("open", "resolved")
#: Rules whose alert value is a test statistic, not a rate (schemewatch.sequential_rule's CUSUM).
STATISTIC_RULES: frozenset[str] = frozenset({"covert_sequential"})
DEFAULT_SPLIT = "eval"


# The interval the pages show: clustered by environment (samples of one environment are correlated), the plain
# Wilson interval for rows stored before clustered intervals existed; ``clustered`` says which.
_INTERVAL = ("coalesce(t.ci_low_clustered, t.ci_low) AS ci_low, coalesce(t.ci_high_clustered, t.ci_high) AS ci_high, "
             "t.ci_low_clustered IS NOT NULL AS clustered, t.icc")

_DEGRADATION = f"""
WITH {{ranked}}
SELECT r.checkpoint_id, coalesce(c.stage, 'external') AS stage, coalesce(c.stage_index, -1) AS stage_index,
       r.eval_date, r.eval_run_id, r.suite, t.metric, t.k, t.n, t.rate, {_INTERVAL}
FROM ranked r
JOIN rates t ON t.eval_run_id = r.eval_run_id
LEFT JOIN checkpoints c ON c.checkpoint_id = r.checkpoint_id
WHERE t.metric IN (SELECT unnest(?::VARCHAR[])) AND t.family IS NOT DISTINCT FROM CAST(? AS VARCHAR)
  AND (CAST(? AS VARCHAR) IS NULL OR r.suite = ?)
ORDER BY stage_index, r.checkpoint_id, r.eval_date, t.metric
"""

_FAMILY_RATES = f"""
WITH {{ranked}}
SELECT r.checkpoint_id, coalesce(c.stage_index, -1) AS stage_index, r.eval_date, t.family,
       r.suite, t.k, t.n, t.rate, {_INTERVAL}
FROM ranked r
JOIN rates t ON t.eval_run_id = r.eval_run_id
LEFT JOIN checkpoints c ON c.checkpoint_id = r.checkpoint_id
WHERE t.metric = ? AND t.family IS NOT NULL
ORDER BY t.family, stage_index, r.checkpoint_id
"""


def _ranked(partition: str) -> str:
    # Ordinary runs only, the newest per partition, as in the CLI report (one definition for both).
    return f"ranked AS ({latest_runs_sql(partition)})"


def is_empty(reader: WarehouseReader) -> bool:
    """True when no evaluation run has been stored yet."""
    return reader.is_empty


def summary(reader: WarehouseReader) -> dict[str, object]:
    """Headline counts for the overview page."""
    row = reader.query(
        "SELECT (SELECT count(DISTINCT checkpoint_id) FROM eval_runs) AS checkpoints, "
        "(SELECT count(*) FROM eval_runs) AS evaluations, "
        "(SELECT CAST(coalesce(sum(n_samples), 0) AS BIGINT) FROM eval_runs) AS samples, "
        "(SELECT max(eval_date) FROM eval_runs) AS latest_eval, "
        "(SELECT count(*) FROM alerts WHERE status = ?) AS open_alerts",
        ["open"],
    )
    return row.row(0, named=True)


def latest_report(reader: WarehouseReader, split: str = DEFAULT_SPLIT) -> pl.DataFrame:
    """The CLI's per-checkpoint report (latest evaluation of each), one row per checkpoint and suite."""
    entries = checkpoint_report(reader, split=split)
    schema = {
        "checkpoint": pl.String, "stage": pl.String, "suite": pl.String, "stage_index": pl.Int64,
        "eval_date": pl.String, "n": pl.Int64, "covert_rate": pl.Float64, "covert_ci_low": pl.Float64,
        "covert_ci_high": pl.Float64,
        "citation_rate": pl.Float64, "cited_covert_rate": pl.Float64, "aware_rate": pl.Float64,
        "incomplete_rate": pl.Float64, "unparseable_rate": pl.Float64, "eval_run_id": pl.String,
    }
    rows = [
        {
            **{k: e[k] for k in schema if k in e},
            "covert_ci_low": e["covert_ci"][0],
            "covert_ci_high": e["covert_ci"][1],
        }
        for e in entries
    ]
    return pl.DataFrame(rows, schema=schema)


def checkpoints(reader: WarehouseReader, split: str = DEFAULT_SPLIT) -> pl.DataFrame:
    """Evaluated checkpoints in training order (unregistered ones as ``external``, index -1)."""
    return reader.query(
        "SELECT DISTINCT e.checkpoint_id, coalesce(c.stage, 'external') AS stage, "
        "coalesce(c.stage_index, -1) AS stage_index "
        "FROM ordinary_runs e LEFT JOIN checkpoints c ON c.checkpoint_id = e.checkpoint_id "
        "WHERE e.split = ? ORDER BY stage_index, e.checkpoint_id",
        [split],
    )


def suites(reader: WarehouseReader, split: str = DEFAULT_SPLIT) -> list[str]:
    """The suites with an ordinary evaluation: ours first (when there is one), then each ingested Inspect task."""
    labels = reader.query("SELECT DISTINCT suite FROM ordinary_runs WHERE split = ?", [split])["suite"].to_list()
    return sorted(labels, key=lambda s: (s != OWN_SUITE, s))


def families(reader: WarehouseReader) -> list[str]:
    """Every family that has a rate, sorted."""
    return reader.query("SELECT DISTINCT family FROM rates WHERE family IS NOT NULL ORDER BY family")[
        "family"
    ].to_list()


def eval_dates(reader: WarehouseReader, split: str = DEFAULT_SPLIT) -> list[date]:
    """Dates with an ordinary evaluation, newest first."""
    return reader.query(
        "SELECT DISTINCT eval_date FROM ordinary_runs WHERE split = ? ORDER BY eval_date DESC",
        [split],
    )["eval_date"].to_list()


def degradation(
    reader: WarehouseReader,
    *,
    by: Literal["checkpoint", "eval_date"] = "checkpoint",
    family: str | None = None,
    metrics: Sequence[str] = DEGRADATION_METRICS,
    split: str = DEFAULT_SPLIT,
    suite: str | None = None,
) -> pl.DataFrame:
    """Rates with 95% intervals, long format (one row per checkpoint × [date ×] metric [× suite]).

    Args:
        by: ``checkpoint``: each checkpoint's latest evaluation, in training order;
            ``eval_date``: every checkpoint's latest run on every evaluation date.
        family: One family, or ``None`` for the aggregate over headline families.
        metrics: Which rates (names of :data:`schemewatch.rates.METRICS`).
        suite: Only this suite (:func:`suites`); ``None``: every suite (a checkpoint evaluated by our
            suite and by an Inspect task then has one row per suite).
    """
    partition = "checkpoint_id" if by == "checkpoint" else "checkpoint_id, eval_date"
    rates = reader.query(
        _DEGRADATION.format(ranked=_ranked(partition)),
        [split, None, None, list(metrics), family, suite, suite],
    )
    return with_detectable_effect(rates)


def with_detectable_effect(rates: pl.DataFrame, alpha: float = 0.01, power: float = 0.8) -> pl.DataFrame:
    """``rates`` with ``mde``: the smallest rise over each rate that its evaluation's n could detect.

    One-sided at ``alpha`` with ``power`` (schemewatch.stats.minimum_detectable_effect), on the effective
    sample size ``n / (1 + (n_env − 1)·icc)`` where the clustering is known (5 samples per environment).
    """
    from schemewatch.config import EvaluationConfig
    from schemewatch.stats import minimum_detectable_effect

    per_env = EvaluationConfig().samples_per_env

    def mde(row: dict) -> float | None:
        if not row["n"] or row["rate"] is None or row["rate"] >= 1:
            return None
        deff = 1 + (per_env - 1) * (row["icc"] or 0.0)
        return minimum_detectable_effect(max(1, int(row["n"] / deff)), row["rate"], alpha, power)

    return rates.with_columns(pl.Series("mde", [mde(r) for r in rates.iter_rows(named=True)], dtype=pl.Float64))


def family_rates(
    reader: WarehouseReader, *, metric: str = "covert", as_of: date | None = None, split: str = DEFAULT_SPLIT
) -> pl.DataFrame:
    """One rate per family × checkpoint, from each checkpoint's latest evaluation on or before ``as_of``.

    A family that two suites of one checkpoint both have (ours, and an ingested log of our own task
    with other arguments) is named ``family [suite]`` in the other suite's rows, so each keeps its row.
    """
    rows = reader.query(_FAMILY_RATES.format(ranked=_ranked("checkpoint_id")), [split, as_of, as_of, metric])
    shared = rows.group_by("family", "checkpoint_id").agg(pl.len().alias("suites")).filter(pl.col("suites") > 1)
    clash = pl.col("family").is_in(shared["family"].implode()) & (pl.col("suite") != OWN_SUITE)
    return rows.with_columns(pl.when(clash).then(pl.format("{} [{}]", "family", "suite")).otherwise("family")
                             .alias("family")).sort("family", "stage_index", "checkpoint_id")


def rule_thresholds(reader: WarehouseReader) -> dict[str, float | None]:
    """Each overall rule's threshold in its latest check (``alert_checks`` stores what every check used)."""
    frame = reader.query(
        """
        SELECT rule, arg_max(threshold, checked_at) AS threshold FROM alert_checks
        WHERE family IS NULL GROUP BY rule
        """
    )
    return dict(frame.iter_rows())


def metric_of_rule(rule: str) -> str | None:
    """The rate an alert rule watches, guessed from its name (``covert_ceiling`` → ``covert``).

    For alerts stored without their ``metric``; the most specific metric name in
    the rule wins.
    """
    name = rule.lower().replace("-", "_")
    for metric, words in (
        ("cited_covert", ("cited_covert", "covert_after_citation", "covert_among_citing")),
        ("citation", ("citation", "cites", "cite")),
        ("aware", ("aware",)),
        ("incomplete", ("incomplete",)),
        ("unparseable", ("unparseable",)),
        ("covert", ("covert",)),
    ):
        if any(w in name for w in words):
            return metric
    return None


def alerts(reader: WarehouseReader, statuses: Sequence[str] = ALERT_STATUSES) -> pl.DataFrame:
    """Alerts with the evaluation they fired on; open ones first, newest first."""
    # A snapshot published before the alerts table gained ``metric`` has no such column.
    has_metric = "metric" in reader.query("SELECT * FROM alerts LIMIT 0").columns
    frame = reader.query(
        f"""
        SELECT a.status, a.rule, {"a.metric" if has_metric else "CAST(NULL AS VARCHAR)"} AS metric,
               a.checkpoint_id, coalesce(c.stage_index, -1) AS stage_index, a.family,
               coalesce(a.suite, '{OWN_SUITE}') AS suite,
               a.value, a.threshold, a.eval_run_id, e.eval_date, a.opened_at, a.resolved_at, a.detail, a.alert_id
        FROM alerts a
        LEFT JOIN eval_runs e ON e.eval_run_id = a.eval_run_id
        LEFT JOIN checkpoints c ON c.checkpoint_id = a.checkpoint_id
        WHERE a.status IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY a.status = 'open' DESC, a.opened_at DESC, a.alert_id
        """,
        [list(statuses)],
    )
    statistic = pl.col("rule").is_in(list(STATISTIC_RULES))
    return frame.with_columns(
        pl.coalesce("metric", pl.col("rule").map_elements(metric_of_rule, return_dtype=pl.String)).alias("metric"),
        # What the rule judged, in its own unit: a rate in percent, or the sequential rule's statistic.
        pl.when(statistic)
        .then(pl.format("statistic {} ≥ threshold {}", pl.col("value").round(2), pl.col("threshold").round(2)))
        .otherwise(pl.format("{}% vs threshold {}%", (100 * pl.col("value")).round(1),
                             (100 * pl.col("threshold")).round(1)))
        .alias("judged"),
    )


def alert_markers(reader: WarehouseReader, family: str | None = None, suite: str | None = None) -> pl.DataFrame:
    """Alerts to mark on the degradation charts of ``family`` (``None``: aggregate alerts) and ``suite``
    (``None``: every suite)."""
    frame = alerts(reader)
    frame = frame.filter(pl.col("family").is_null() if family is None else pl.col("family") == family)
    if suite is not None:
        frame = frame.filter(pl.col("suite") == suite)
    # An alert without an evaluation is placed on the day it opened.
    frame = frame.with_columns(pl.coalesce("eval_date", pl.col("opened_at").dt.date()).alias("eval_date"))
    # A marker sits at the rate its evaluation had: a rule whose value is a rate fired at it, and the sequential
    # rule's value is its CUSUM statistic (say 23 against a threshold of 9.2), which no rate axis can show.
    rates = reader.query(
        "SELECT eval_run_id, metric, family, rate AS evaluation_rate FROM rates "
        "WHERE eval_run_id IN (SELECT unnest(?::VARCHAR[]))", [frame["eval_run_id"].drop_nulls().to_list()])
    frame = frame.join(rates, on=["eval_run_id", "metric", "family"], how="left", nulls_equal=True)
    statistic = pl.col("rule").is_in(list(STATISTIC_RULES))
    return frame.with_columns(
        pl.when(statistic).then(pl.col("evaluation_rate")).otherwise(pl.col("value")).alias("marker_y"))


def drift_summary(reader: WarehouseReader) -> pl.DataFrame:
    """One row per evaluation with a drift report: columns tested, how many drifted, the report."""
    return reader.query(
        """
        SELECT d.eval_run_id, d.checkpoint_id, e.eval_date, d.reference_run_id, d.n_columns, d.n_drifted,
               d.drift_share, d.dataset_drifted, d.report_path
        FROM drift_reports d
        LEFT JOIN eval_runs e ON e.eval_run_id = d.eval_run_id
        LEFT JOIN checkpoints c ON c.checkpoint_id = d.checkpoint_id
        ORDER BY e.eval_date DESC NULLS LAST, coalesce(c.stage_index, -1), d.checkpoint_id, d.eval_run_id
        """
    )


def drift_details(reader: WarehouseReader, eval_run_id: str, *, only_drifted: bool = False) -> pl.DataFrame:
    """The drift tests of one evaluation: drifted first, then overall before per family, then by column."""
    return reader.query(
        """
        SELECT coalesce(family, 'all families') AS family, column_name, method, statistic, p_value, drifted
        FROM drift
        WHERE eval_run_id = ? AND (NOT ? OR drifted)
        ORDER BY drifted DESC, family NULLS FIRST, column_name
        """,
        [eval_run_id, only_drifted],
    )


def report_file(report_path: str | None, warehouse_root: Path) -> Path | None:
    """The Evidently report on disk, or ``None`` when it cannot be found.

    The pipeline may have stored the path relative to its own working directory
    (``data/drift/<run>.html``); the dashboard may run elsewhere, so the data
    directory beside the warehouse is tried too.
    """
    if not report_path:
        return None
    path = Path(report_path)
    candidates = [path] if path.is_absolute() else [path, warehouse_root.parent / path]
    candidates.append(warehouse_root.parent / "drift" / path.name)
    return next((c for c in candidates if c.is_file()), None)


def runs_of(reader: WarehouseReader, checkpoint_id: str, split: str = DEFAULT_SPLIT) -> pl.DataFrame:
    """Ordinary evaluation runs of one checkpoint, newest first."""
    return reader.query(
        "SELECT eval_run_id, eval_date, n_samples FROM ordinary_runs "
        "WHERE checkpoint_id = ? AND split = ? ORDER BY eval_date DESC, created_at DESC",
        [checkpoint_id, split],
    )


def _run_filter(samples: pl.DataFrame, family: str | None, outcome: str | None) -> pl.DataFrame:
    if family is not None:
        samples = samples.filter(pl.col("family") == family)
    if outcome is not None:
        samples = samples.filter(pl.col("outcome") == outcome)
    return samples


def transcripts(
    reader: WarehouseReader,
    eval_run_id: str,
    *,
    family: str | None = None,
    outcome: str | None = None,
    limit: int = 20,
) -> pl.DataFrame:
    """Samples of one run, filtered by family and outcome, in environment order.

    Reads the run's own Parquet file only (not the view over every run).
    """
    samples = _run_filter(reader.run_samples(eval_run_id), family, outcome)
    return samples.sort("env_id", "sample_idx").head(limit).select(
        "env_id", "family", "sample_idx", "outcome", "covert", "cites_spec", "cited_principles", "eval_aware",
        "eval_date", "response",
    )


def outcome_counts(reader: WarehouseReader, eval_run_id: str, *, family: str | None = None) -> pl.DataFrame:
    """Samples per outcome of one run (optionally one family), every outcome listed."""
    samples = _run_filter(reader.run_samples(eval_run_id), family, None)
    counts = samples.group_by("outcome").agg(pl.len().cast(pl.Int64).alias("samples"))
    # Outcomes with no sample are listed with 0, so the bars keep their place.
    return (
        pl.DataFrame({"outcome": list(OUTCOMES)})
        .join(counts, on="outcome", how="left")
        .with_columns(pl.col("samples").fill_null(0))
    )


# --- the awareness intervention ---------------------------------------------------------------------------------

INTERVENTION_KINDS: tuple[str, ...] = ("ablate", "inject", "control")


def interventions(reader: WarehouseReader, families: bool = False) -> pl.DataFrame:
    """The newest intervention of each checkpoint and kind, overall (``families``: per family too), in
    training order (:func:`schemewatch.interventions.intervention_results`)."""
    from schemewatch.interventions import intervention_results

    return intervention_results(reader, families=families)


def intervention_pairs(reader: WarehouseReader, intervention_id: str, *, covert_changed_first: bool = True,
                       limit: int = 20) -> pl.DataFrame:
    """One row per source response of an intervention: its cut, and the first continuation of each arm.

    ``covert_changed_first``: responses whose two arms end differently (one covert, one not) come first —
    the transcripts that show what the sentence did.
    """
    rows = reader.intervention_continuations(intervention_id).filter(pl.col("draw") == 0)
    if rows.is_empty():
        return rows
    key = ["env_id", "source_sample_idx"]
    keep = ["env_id", "family", "source_sample_idx", "cut_at", "sentence", "original_response", "original_outcome"]
    base = rows.filter(pl.col("arm") == "baseline").select(
        *keep, pl.col("prefix").alias("baseline_prefix"), pl.col("response").alias("baseline_response"),
        pl.col("outcome").alias("baseline_outcome"), pl.col("covert").alias("baseline_covert"))
    changed = rows.filter(pl.col("arm") == "intervened").select(
        *key, pl.col("prefix").alias("intervened_prefix"), pl.col("response").alias("intervened_response"),
        pl.col("outcome").alias("intervened_outcome"), pl.col("covert").alias("intervened_covert"))
    pairs = base.join(changed, on=key).with_columns(
        (pl.col("baseline_covert") != pl.col("intervened_covert")).alias("changed"))
    order = ["changed", "env_id", "source_sample_idx"] if covert_changed_first else key
    return pairs.sort(order, descending=[True, False, False] if covert_changed_first else False).head(limit)
