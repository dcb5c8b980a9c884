"""Evidently drift of one evaluation against the reference evaluation.

Every evaluation run is compared with a reference run (by default the first
evaluation of the anti-scheming RL checkpoint, see :class:`DriftConfig`) on:

* the binary grades ``covert``, ``cites_spec``, ``eval_aware`` and
  ``incomplete`` (outcome: an honest report that missed a required fact) — a
  test for proportions (two-proportion z-test by default);
* ``outcome`` and ``family`` as categorical columns;
* the response length (``n_tokens``) as a numeric column;
* text descriptors of the reasoning (the ``<think>`` section): characters,
  words and sentences, computed by Evidently's descriptors;
* per family, the covert rate (flagged with Benjamini–Hochberg across families).

The result is an Evidently report (HTML under ``PathsConfig.drift_dir``), a
snapshot in a local Evidently workspace (``evidently ui --workspace
<data_dir>/evidently`` shows the project over time) and summary rows in the
warehouse's ``drift`` / ``drift_reports`` tables.

Evidently costs seconds to import, so it is imported inside the functions that
run a report; importing this module is cheap.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from scipy import stats as _scipy_stats

from schemewatch.config import P_VALUE_METHODS, DriftConfig
from schemewatch.drift_files import add_to_workspace, save_html
from schemewatch.stats import benjamini_hochberg
from schemewatch.warehouse import DriftReport, Warehouse, WarehouseReader
from schemewatch.warehouse_schema import DRIFT_COLUMNS

if TYPE_CHECKING:
    from evidently.core.report import Snapshot

DEFAULT_DRIFT = DriftConfig()
BINARY_COLUMNS = ("covert", "cites_spec", "eval_aware", "incomplete")
# Binary columns derived from the outcome rather than stored as a sample column.
_DERIVED_BINARY = {"incomplete": pl.col("outcome") == "incomplete"}
CATEGORICAL_COLUMNS = ("outcome", "family")
NUMERIC_COLUMNS = ("n_tokens",)
# Evidently descriptor aliases on the reasoning text (the columns the report tests).
REASONING_DESCRIPTORS = ("reasoning_chars", "reasoning_words", "reasoning_sentences")
# Same section as schemewatch.grading's parser; an unparseable response may still have one.
_THINK_PATTERN = r"(?is)<think>(.*?)</think>"


class DriftError(RuntimeError):
    """Drift cannot be computed; the message says why and what to do."""


@dataclass(frozen=True)
class DriftResult:
    """Drift of one evaluation run against its reference.

    Attributes:
        report: The summary stored in ``drift_reports``.
        rows: The rows stored in ``drift`` (:data:`schemewatch.warehouse_schema.DRIFT_COLUMNS`);
            ``family`` is null for the overall columns.
    """

    report: DriftReport
    rows: pl.DataFrame

    @property
    def drifted_columns(self) -> list[str]:
        """Overall columns that drifted."""
        return self.rows.filter(pl.col("family").is_null() & pl.col("drifted"))["column_name"].to_list()

    @property
    def drifted_families(self) -> list[str]:
        """Families whose covert rate drifted (after Benjamini–Hochberg)."""
        return self.rows.filter(pl.col("family").is_not_null() & pl.col("drifted"))["family"].to_list()


@dataclass(frozen=True)
class DriftCheck:
    """What a drift asset check reports (the wiring turns it into a WARN-severity check)."""

    passed: bool
    description: str
    metadata: dict[str, Any]


# --- choosing the reference ---------------------------------------------------------------------

_REFERENCE_CANDIDATES = """
SELECT r.eval_run_id, r.checkpoint_id, c.stage
FROM ordinary_runs r JOIN checkpoints c USING (checkpoint_id)
WHERE r.split = ? AND c.stage IN (SELECT unnest(?::VARCHAR[]))
ORDER BY r.eval_date, r.created_at, r.eval_run_id
"""


def resolve_reference(reader: WarehouseReader, split: str, cfg: DriftConfig = DEFAULT_DRIFT) -> str | None:
    """The reference evaluation run id for evaluations on ``split``, or ``None`` when there is none yet.

    ``cfg.reference_eval_run_id`` wins when set; otherwise the first ordinary
    evaluation (no forced prefix) of the first stage in ``cfg.reference_stages``
    that has one on this split. Deterministic: later evaluations never move it.
    """
    if cfg.reference_eval_run_id is not None:
        found = reader.query("SELECT eval_run_id FROM eval_runs WHERE eval_run_id = ?", [cfg.reference_eval_run_id])
        if found.is_empty():
            raise DriftError(
                f"reference evaluation {cfg.reference_eval_run_id!r} is not in the warehouse; "
                "fix drift.reference_eval_run_id or evaluate it first"
            )
        return cfg.reference_eval_run_id
    candidates = reader.query(_REFERENCE_CANDIDATES, [split, list(cfg.reference_stages)])
    for stage in cfg.reference_stages:
        of_stage = candidates.filter(pl.col("stage") == stage)
        if not of_stage.is_empty():
            return of_stage["eval_run_id"][0]
    return None


# --- the report ----------------------------------------------------------------------------------


def _frame_for_report(samples: pl.DataFrame) -> Any:
    """The columns the report tests, as the pandas frame Evidently takes."""
    return samples.select(
        *[_DERIVED_BINARY.get(c, pl.col(c)).cast(pl.Int8).alias(c) for c in BINARY_COLUMNS],
        *[pl.col(c).cast(pl.String) for c in CATEGORICAL_COLUMNS],
        *[pl.col(c).cast(pl.Float64) for c in NUMERIC_COLUMNS],
        pl.col("response").str.extract(_THINK_PATTERN, 1).str.strip_chars().fill_null("").alias("reasoning"),
    ).to_pandas()


def _method_and_threshold(column: str, cfg: DriftConfig) -> tuple[str, float]:
    if column in BINARY_COLUMNS:
        return cfg.binary_method, cfg.binary_threshold
    if column in CATEGORICAL_COLUMNS:
        return cfg.categorical_method, cfg.categorical_threshold
    return cfg.numeric_method, cfg.numeric_threshold


def _is_drift(score: float, method: str, threshold: float) -> bool:
    # Evidently's own rule: p-value tests drift below the threshold, distances at or above it.
    if score is None or math.isnan(score):
        return False
    return score < threshold if method in P_VALUE_METHODS else score >= threshold


def _z_statistic(ref: np.ndarray, cur: np.ndarray) -> float | None:
    """Two-proportion z (current minus reference, pooled variance); None when undefined."""
    n1, n2 = len(ref), len(cur)
    if n1 == 0 or n2 == 0:
        return None
    p1, p2 = ref.mean(), cur.mean()
    pooled = (ref.sum() + cur.sum()) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    return float((p2 - p1) / math.sqrt(var)) if var > 0 else 0.0


def _statistic(method: str, ref: np.ndarray, cur: np.ndarray) -> float | None:
    """The test statistic of a p-value method whose statistic Evidently does not report."""
    if method == "z":
        return _z_statistic(ref, cur)
    if method == "ks":
        return float(_scipy_stats.ks_2samp(ref, cur).statistic)
    return None


def build_report(
    current: pl.DataFrame,
    reference: pl.DataFrame,
    cfg: DriftConfig = DEFAULT_DRIFT,
    *,
    name: str | None = None,
    timestamp: datetime | None = None,
    tags: list[str] | None = None,
    metadata: dict[str, str] | None = None,
) -> tuple[Snapshot, pl.DataFrame]:
    """Run the Evidently drift report of ``current`` samples against ``reference`` samples.

    Pure (no I/O). Both frames hold :data:`schemewatch.warehouse_schema.SAMPLE_SCHEMA` rows.

    Returns:
        The Evidently snapshot and the summary rows (:data:`DRIFT_COLUMNS`): one per
        overall column (``family`` null) and, when ``cfg.per_family``, one per family
        present in both runs for the covert rate.
    """
    if current.is_empty() or reference.is_empty():
        raise DriftError("drift needs samples in both the evaluation and its reference")
    from evidently import DataDefinition, Dataset, Report
    from evidently.descriptors import SentenceCount, TextLength, WordCount
    from evidently.metrics import DriftedColumnsCount, ValueDrift
    from evidently.metrics.group_by import GroupByMetric

    definition = DataDefinition(
        numerical_columns=list(NUMERIC_COLUMNS),
        categorical_columns=[*BINARY_COLUMNS, *CATEGORICAL_COLUMNS],
        text_columns=["reasoning"],
    )
    descriptors = [
        TextLength("reasoning", alias="reasoning_chars"),
        WordCount("reasoning", alias="reasoning_words"),
        SentenceCount("reasoning", alias="reasoning_sentences"),
    ]
    cur_df, ref_df = _frame_for_report(current), _frame_for_report(reference)
    cur_ds = Dataset.from_pandas(cur_df, data_definition=definition, descriptors=descriptors)
    ref_ds = Dataset.from_pandas(ref_df, data_definition=definition, descriptors=descriptors)

    columns = [*BINARY_COLUMNS, *CATEGORICAL_COLUMNS, *NUMERIC_COLUMNS, *REASONING_DESCRIPTORS]
    chosen = {c: _method_and_threshold(c, cfg) for c in columns}
    metrics: list[Any] = [
        DriftedColumnsCount(
            columns=columns,
            drift_share=cfg.drift_share,
            per_column_method={c: m for c, (m, _) in chosen.items()},
            per_column_threshold={c: t for c, (_, t) in chosen.items()},
        ),
        *[ValueDrift(column=c, method=m, threshold=t) for c, (m, t) in chosen.items()],
    ]
    families: list[str] = []
    if cfg.per_family:
        families = sorted(set(current["family"].unique()) & set(reference["family"].unique()))
        metrics += [
            GroupByMetric(
                metric=ValueDrift(column="covert", method=cfg.binary_method, threshold=cfg.binary_threshold),
                column_name="family",
                label=f,
            )
            for f in families
        ]
    with warnings.catch_warnings():
        # scipy warns on empty bins inside some stattests; the scores are still defined.
        warnings.simplefilter("ignore", RuntimeWarning)
        snapshot = Report(metrics, include_tests=True).run(
            cur_ds, ref_ds, timestamp=timestamp, tags=tags, metadata=metadata, name=name
        )
    return snapshot, _summary_rows(snapshot, cur_ds, ref_ds, chosen, families, cfg)


def _summary_rows(
    snapshot: Snapshot,
    cur_ds: Any,
    ref_ds: Any,
    chosen: dict[str, tuple[str, float]],
    families: list[str],
    cfg: DriftConfig,
) -> pl.DataFrame:
    overall: dict[str, float] = {}
    per_family: dict[str, float] = {}
    for m in snapshot.dict()["metrics"]:
        config = m["config"]
        if config["type"].endswith(":ValueDrift"):
            overall[config["column"]] = float(m["value"])
        elif config["type"].endswith(":GroupByMetric"):
            per_family[str(config["label"])] = float(m["value"])
    missing = set(chosen) - set(overall)
    if missing:
        raise DriftError(f"the Evidently report has no drift score for {sorted(missing)}")
    cur, ref = cur_ds.as_dataframe(), ref_ds.as_dataframe()
    rows = []
    for column, (method, threshold) in chosen.items():
        score = overall[column]
        is_p = method in P_VALUE_METHODS
        stat = _statistic(method, ref[column].to_numpy(float), cur[column].to_numpy(float)) if is_p else score
        rows.append((None, column, method, stat, score if is_p else None, _is_drift(score, method, threshold)))
    if families:
        p_values = [per_family.get(f, math.nan) for f in families]
        is_p = cfg.binary_method in P_VALUE_METHODS
        # Many families means many tests: flag with Benjamini-Hochberg, not per-family p < threshold.
        rejected = (
            benjamini_hochberg([1.0 if math.isnan(p) else p for p in p_values], cfg.family_fdr)
            if is_p
            else [_is_drift(s, cfg.binary_method, cfg.binary_threshold) for s in p_values]
        )
        for f, score, drifted in zip(families, p_values, rejected, strict=True):
            ref_f = ref.loc[ref["family"] == f, "covert"].to_numpy(float)
            cur_f = cur.loc[cur["family"] == f, "covert"].to_numpy(float)
            stat = _statistic(cfg.binary_method, ref_f, cur_f) if is_p else score
            rows.append((f, "covert", cfg.binary_method, stat, score if is_p else None, bool(drifted)))
    frame = pl.DataFrame(rows, schema=DRIFT_COLUMNS, orient="row")
    return frame.with_columns(pl.col("statistic", "p_value").fill_nan(None))


# --- one evaluation, end to end -------------------------------------------------------------------


def compute_drift(
    warehouse: Warehouse,
    eval_run_id: str,
    *,
    report_dir: Path,
    workspace_dir: Path | None = None,
    cfg: DriftConfig = DEFAULT_DRIFT,
    reference_run_id: str | None = None,
) -> DriftResult:
    """Compute, save and store the drift of one evaluation run. Idempotent: a re-run replaces.

    Args:
        warehouse: The warehouse holding the run (its rows are written there).
        eval_run_id: The evaluation to compare.
        report_dir: Where ``<eval_run_id>.html`` goes (``PathsConfig.drift_dir``).
        workspace_dir: The Evidently workspace (``PathsConfig.evidently_workspace_dir``);
            ``None`` or ``cfg.save_to_workspace=False`` skips it.
        cfg: Methods, thresholds and the reference choice.
        reference_run_id: Compare with this run instead of the configured reference.

    Raises:
        DriftError: when the run or a reference cannot be found.
    """
    started = time.perf_counter()
    with WarehouseReader(warehouse.root) as reader:
        run = reader.query(
            "SELECT r.eval_run_id, r.checkpoint_id, r.split, r.eval_date, coalesce(c.stage, 'external') AS stage "
            "FROM eval_runs r LEFT JOIN checkpoints c USING (checkpoint_id) WHERE r.eval_run_id = ?",
            [eval_run_id],
        )
        if run.is_empty():
            raise DriftError(f"evaluation run {eval_run_id!r} is not in the warehouse; store it first")
        info = run.row(0, named=True)
        reference_id = reference_run_id or resolve_reference(reader, info["split"], cfg)
        if reference_id is None:
            raise DriftError(
                f"no reference evaluation on split {info['split']!r}: evaluate a checkpoint of stage "
                f"{' / '.join(cfg.reference_stages)} first, or set drift.reference_eval_run_id"
            )
        current, reference = reader.run_samples(eval_run_id), reader.run_samples(reference_id)
        if reference.is_empty():
            raise DriftError(f"reference evaluation {reference_id!r} is not in the warehouse")
        previous = reader.query(
            "SELECT workspace_run_id FROM drift_reports WHERE eval_run_id = ?", [eval_run_id]
        )["workspace_run_id"].to_list()
    snapshot, rows = build_report(
        current, reference, cfg,
        name=eval_run_id,
        # The Evidently UI plots snapshots by timestamp: the evaluation's date, not "now".
        timestamp=datetime.combine(info["eval_date"], datetime.min.time()),
        tags=[info["checkpoint_id"], f"stage:{info['stage']}", f"split:{info['split']}"],
        metadata={"eval_run_id": eval_run_id, "reference_run_id": reference_id,
                  "checkpoint_id": info["checkpoint_id"], "stage": info["stage"]},
    )
    # Absolute: the dashboard and `evidently ui` may run from another directory.
    report_path = (Path(report_dir) / f"{eval_run_id}.html").resolve()
    save_html(snapshot, report_path)
    project_id = workspace_run_id = None
    if workspace_dir is not None and cfg.save_to_workspace:
        project_id, workspace_run_id = add_to_workspace(
            snapshot, Path(workspace_dir), cfg.workspace_project, previous[0] if previous else None
        )
    overall = rows.filter(pl.col("family").is_null())
    n_drifted = int(overall["drifted"].sum())
    report = DriftReport(
        eval_run_id=eval_run_id,
        reference_run_id=reference_id,
        checkpoint_id=info["checkpoint_id"],
        n_columns=overall.height,
        n_drifted=n_drifted,
        drift_share=n_drifted / overall.height,
        dataset_drifted=n_drifted / overall.height >= cfg.drift_share,
        report_path=str(report_path),
        workspace_project_id=project_id,
        workspace_run_id=workspace_run_id,
        seconds=round(time.perf_counter() - started, 3),
    )
    warehouse.store_drift(report, rows)
    return DriftResult(report, rows)


def load_drift(reader: WarehouseReader, eval_run_id: str) -> DriftResult | None:
    """The stored drift of one evaluation (for an asset check that runs apart from the asset), or None."""
    report = reader.query("SELECT * EXCLUDE (created_at) FROM drift_reports WHERE eval_run_id = ?", [eval_run_id])
    if report.is_empty():
        return None
    order = [*BINARY_COLUMNS, *CATEGORICAL_COLUMNS, *NUMERIC_COLUMNS, *REASONING_DESCRIPTORS]
    rows = reader.query(  # in the order build_report makes them
        f"SELECT {', '.join(DRIFT_COLUMNS)} FROM drift WHERE eval_run_id = ? "
        "ORDER BY family NULLS FIRST, list_position(?::VARCHAR[], column_name), column_name",
        [eval_run_id, order],
    )
    return DriftResult(DriftReport(**report.row(0, named=True)), rows.cast(DRIFT_COLUMNS))


def runs_without_drift(reader: WarehouseReader) -> list[str]:
    """Evaluation runs with no drift report yet, oldest first."""
    return reader.query(
        "SELECT eval_run_id FROM eval_runs WHERE eval_run_id NOT IN (SELECT eval_run_id FROM drift_reports) "
        "AND superseded_by IS NULL ORDER BY eval_date, created_at, eval_run_id"
    )["eval_run_id"].to_list()


def drift_check(result: DriftResult) -> DriftCheck:
    """The drift asset check's verdict, to be shown with WARN severity.

    Fails when the share of drifted columns reached ``DriftConfig.drift_share`` or the
    covert rate drifted, overall or in any family.
    """
    r = result.report
    drifted = result.drifted_columns
    families = result.drifted_families
    description = (
        f"{r.n_drifted}/{r.n_columns} columns drifted against {r.reference_run_id}"
        + (f": {', '.join(drifted)}" if drifted else "")
        + (f"; covert drifted in {len(families)} families" if families else "")
    )
    return DriftCheck(
        passed=not r.dataset_drifted and "covert" not in drifted and not families,
        description=description,
        metadata={
            "drift_share": r.drift_share,
            "drifted_columns": drifted,
            "drifted_families": families,
            "reference_run_id": r.reference_run_id,
            "report_path": r.report_path,
        },
    )
