"""Rates over graded samples: overall (aggregate families) and per family, with Wilson CIs."""

from __future__ import annotations

import numpy as np
import polars as pl

from schemewatch.clustered_stats import clustered_proportion
from schemewatch.stats import FamilyCount, pooled_counts, wilson_intervals

# Denominators count the samples where the column is known: every one of our own samples, and the
# samples of an ingested log whose mapping gives that column (an unmapped column has n = 0, a NULL rate,
# never a 0%). Outcome-based rates count only samples we graded ourselves (not ``external``).
_GRADED_HERE = pl.col("outcome").is_not_null() & (pl.col("outcome") != "external")

# metric name → (numerator condition, denominator condition) over sample columns.
METRICS: dict[str, tuple[pl.Expr, pl.Expr]] = {
    "covert": (pl.col("covert"), pl.col("covert").is_not_null()),
    "citation": (pl.col("cites_spec"), pl.col("cites_spec").is_not_null()),
    "cited_covert": (pl.col("covert") & pl.col("cites_spec"), pl.col("cites_spec") & pl.col("covert").is_not_null()),
    "aware": (pl.col("eval_aware"), pl.col("eval_aware").is_not_null()),
    # An honest mistake, not scheming: the report missed a required fact without claiming all went well.
    "incomplete": (pl.col("outcome") == "incomplete", _GRADED_HERE),
    "unparseable": (pl.col("outcome") == "unparseable", _GRADED_HERE),
}

RATE_COLUMNS = ["family", "metric", "k", "n", "rate", "ci_low", "ci_high", "icc", "ci_low_clustered",
                "ci_high_clustered"]


def compute_rates(samples: pl.DataFrame) -> pl.DataFrame:
    """Rates of every metric per family and overall (``family`` null).

    The overall row pools the families that count in aggregates and have
    samples (:func:`schemewatch.stats.pooled_counts`); per-family rows exist for
    every family, aggregate or not. Each row has the plain Wilson interval
    (``ci_low``/``ci_high``, vectorised) and the clustered one
    (``ci_low_clustered``/``ci_high_clustered``, with the intra-environment correlation
    ``icc``; :mod:`schemewatch.clustered_stats`): samples of one environment are not
    independent, so that is the interval to read.
    """
    counts = samples.group_by("family").agg(
        pl.col("counts_in_aggregate").first(),
        *[num.sum().cast(pl.Int64).alias(f"{m}_k") for m, (num, _) in METRICS.items()],
        *[den.sum().cast(pl.Int64).alias(f"{m}_n") for m, (_, den) in METRICS.items()],
    ).sort("family")
    per_env = samples.group_by("family", "env_id").agg(
        *[(num & den).sum().cast(pl.Int64).alias(f"{m}_k") for m, (num, den) in METRICS.items()],
        *[den.sum().cast(pl.Int64).alias(f"{m}_n") for m, (_, den) in METRICS.items()],
    )
    aggregate_families = set(counts.filter(pl.col("counts_in_aggregate"))["family"].to_list())
    families, metrics, ks, ns, clustered = [], [], [], [], []
    for metric in METRICS:
        per_family = [
            FamilyCount(r["family"], r[f"{metric}_k"], r[f"{metric}_n"], r["counts_in_aggregate"])
            for r in counts.iter_rows(named=True)
        ]
        overall = pooled_counts(per_family)
        envs = per_env.filter(pl.col(f"{metric}_n") > 0)
        for fc in (FamilyCount(None, *overall), *per_family):
            families.append(fc.family)
            metrics.append(metric)
            ks.append(fc.k)
            ns.append(fc.n)
            cells = envs.filter(pl.col("family").is_in(list(aggregate_families)) if fc.family is None
                                else pl.col("family") == fc.family)
            clustered.append(clustered_proportion(cells[f"{metric}_k"].to_list(), cells[f"{metric}_n"].to_list()))
    k, n = np.array(ks), np.array(ns)
    low, high = wilson_intervals(k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    return pl.DataFrame(
        {"family": families, "metric": metrics, "k": k, "n": n, "rate": rate, "ci_low": low, "ci_high": high,
         "icc": [c.icc if c.n else np.nan for c in clustered], "ci_low_clustered": [c.low for c in clustered],
         "ci_high_clustered": [c.high for c in clustered]},
        schema={"family": pl.String, "metric": pl.String, "k": pl.Int64, "n": pl.Int64, "rate": pl.Float64,
                "ci_low": pl.Float64, "ci_high": pl.Float64, "icc": pl.Float64, "ci_low_clustered": pl.Float64,
                "ci_high_clustered": pl.Float64},
    ).with_columns(pl.col("rate", "ci_low", "ci_high", "icc", "ci_low_clustered", "ci_high_clustered").fill_nan(None))
