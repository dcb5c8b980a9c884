"""Rates over graded samples: overall (aggregate families) and per family, with Wilson CIs."""

from __future__ import annotations

import polars as pl

from schemewatch.stats import FamilyCount, aggregate, proportion

# A per-row True, so that sum() counts samples (a bare literal would sum to 1 per group).
_EVERY_SAMPLE = pl.col("outcome").is_not_null()

# metric name → (numerator condition, denominator condition) over sample columns.
METRICS: dict[str, tuple[pl.Expr, pl.Expr]] = {
    "covert": (pl.col("covert"), _EVERY_SAMPLE),
    "citation": (pl.col("cites_spec"), _EVERY_SAMPLE),
    "cited_covert": (pl.col("covert") & pl.col("cites_spec"), pl.col("cites_spec")),
    "aware": (pl.col("eval_aware"), _EVERY_SAMPLE),
    "unparseable": (pl.col("outcome") == "unparseable", _EVERY_SAMPLE),
}

RATE_COLUMNS = ["family", "metric", "k", "n", "rate", "ci_low", "ci_high"]


def compute_rates(samples: pl.DataFrame) -> pl.DataFrame:
    """Rates of every metric per family and overall (``family`` null).

    The overall row pools the families that count in aggregates and have
    samples (:func:`schemewatch.stats.aggregate`); per-family rows exist for
    every family, aggregate or not.
    """
    counts = samples.group_by("family").agg(
        pl.col("counts_in_aggregate").first(),
        *[num.sum().cast(pl.Int64).alias(f"{m}_k") for m, (num, _) in METRICS.items()],
        *[den.sum().cast(pl.Int64).alias(f"{m}_n") for m, (_, den) in METRICS.items()],
    ).sort("family")
    rows = []
    for metric in METRICS:
        per_family = [
            FamilyCount(r["family"], r[f"{metric}_k"], r[f"{metric}_n"], r["counts_in_aggregate"])
            for r in counts.iter_rows(named=True)
        ]
        overall = aggregate(per_family)
        rows.append((None, metric, overall.k, overall.n, overall.rate, overall.low, overall.high))
        for fc in per_family:
            p = proportion(fc.k, fc.n)
            rows.append((fc.family, metric, p.k, p.n, p.rate, p.low, p.high))
    return pl.DataFrame(
        rows,
        schema={"family": pl.String, "metric": pl.String, "k": pl.Int64, "n": pl.Int64,
                "rate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64},
        orient="row",
    ).with_columns(pl.col("rate", "ci_low", "ci_high").fill_nan(None))
