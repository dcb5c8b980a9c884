"""The Evidently drift report of one set of samples against another: pure, no I/O.

What is compared (and why) is described in :mod:`schemewatch.drift`, which picks the
reference, runs this report, saves it and stores its summary rows.

Evidently costs seconds to import, so it is imported inside the functions that run a
report; importing this module is cheap.
"""

from __future__ import annotations

import math
import warnings
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from scipy import stats as _scipy_stats

from schemewatch.config import P_VALUE_METHODS, DriftConfig
from schemewatch.stats import benjamini_hochberg
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
#: Every column the report tests, in the order of its summary rows.
REPORT_COLUMNS = (*BINARY_COLUMNS, *CATEGORICAL_COLUMNS, *NUMERIC_COLUMNS, *REASONING_DESCRIPTORS)
_THINK_PATTERN = r"(?is)<think>(.*?)</think>"


class DriftError(RuntimeError):
    """Drift cannot be computed; the message says why and what to do."""


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
        present in both runs for the covert rate. Columns without a value in either run (an
        ingested log's unmapped scores) are left out.
    """
    if current.is_empty() or reference.is_empty():
        raise DriftError("drift needs samples in both the evaluation and its reference")
    from evidently import Dataset, Report

    frames = [_frame_for_report(frame) for frame in (current, reference)]
    cur_ds, ref_ds = (Dataset.from_pandas(f, data_definition=_definition(), descriptors=_descriptors())
                      for f in frames)
    # A column with no values in either run (an ingested log's unmapped score) has no distribution to test.
    unknown = {c for c in REPORT_COLUMNS for f in frames if c in f.columns and not f[c].notna().any()}
    chosen = {c: _method_and_threshold(c, cfg) for c in REPORT_COLUMNS if c not in unknown}
    by_family = cfg.per_family and "covert" in chosen
    families = sorted(set(current["family"].unique()) & set(reference["family"].unique())) if by_family else []
    with warnings.catch_warnings():
        # scipy warns on empty bins inside some stattests; the scores are still defined.
        warnings.simplefilter("ignore", RuntimeWarning)
        snapshot = Report(_metrics(chosen, families, cfg), include_tests=True).run(
            cur_ds, ref_ds, timestamp=timestamp, tags=tags, metadata=metadata, name=name
        )
    return snapshot, _summary_rows(snapshot, cur_ds, ref_ds, chosen, families, cfg)


def _definition() -> Any:
    from evidently import DataDefinition

    return DataDefinition(
        numerical_columns=list(NUMERIC_COLUMNS),
        categorical_columns=[*BINARY_COLUMNS, *CATEGORICAL_COLUMNS],
        text_columns=["reasoning"],
    )


def _descriptors() -> list[Any]:
    from evidently.descriptors import SentenceCount, TextLength, WordCount

    return [
        TextLength("reasoning", alias="reasoning_chars"),
        WordCount("reasoning", alias="reasoning_words"),
        SentenceCount("reasoning", alias="reasoning_sentences"),
    ]


def _metrics(chosen: dict[str, tuple[str, float]], families: list[str], cfg: DriftConfig) -> list[Any]:
    """The drifted-columns count, a ValueDrift per column and, per family, the covert drift."""
    from evidently.metrics import DriftedColumnsCount, ValueDrift
    from evidently.metrics.group_by import GroupByMetric

    return [
        DriftedColumnsCount(
            columns=list(chosen),
            drift_share=cfg.drift_share,
            per_column_method={c: m for c, (m, _) in chosen.items()},
            per_column_threshold={c: t for c, (_, t) in chosen.items()},
        ),
        *[ValueDrift(column=c, method=m, threshold=t) for c, (m, t) in chosen.items()],
        *[
            GroupByMetric(
                metric=ValueDrift(column="covert", method=cfg.binary_method, threshold=cfg.binary_threshold),
                column_name="family",
                label=f,
            )
            for f in families
        ],
    ]


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
