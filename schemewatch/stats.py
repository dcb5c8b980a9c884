"""Statistics for rates over graded samples.

Wilson 95% intervals (statsmodels, vectorised), Fisher's exact test for a rise between two checkpoints,
pooled aggregates over families, Benjamini–Hochberg across families, and the
minimum detectable effect for a given sample size. scipy and statsmodels do
the numerical work; this module only fixes the conventions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _scipy_stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Proportion:
    """A rate with its count, denominator and Wilson interval.

    ``rate``, ``low`` and ``high`` are NaN when ``n == 0``: no evidence either way,
    and never silently 0.
    """

    k: int
    n: int
    rate: float
    low: float
    high: float

    @property
    def ci(self) -> tuple[float, float]:
        return (self.low, self.high)


def _check_counts(k: int, n: int) -> None:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"invalid counts k={k}, n={n}: need 0 <= k <= n")


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials (NaNs when n = 0)."""
    _check_counts(k, n)
    low, high = wilson_intervals(np.array([k]), np.array([n]), confidence)
    return (float(low[0]), float(high[0]))


def wilson_intervals(
    k: np.ndarray, n: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson intervals (statsmodels); NaN where ``n == 0``."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    if np.any((k < 0) | (k > n)):
        raise ValueError("invalid counts: need 0 <= k <= n everywhere")
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    empty = n == 0
    low[empty], high[empty] = np.nan, np.nan
    # Clip float noise at the bounds (0/n must give exactly 0 as the lower limit).
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def proportion(k: int, n: int, confidence: float = CONFIDENCE) -> Proportion:
    """``k / n`` with its Wilson interval."""
    low, high = wilson_interval(k, n, confidence)
    return Proportion(k, n, k / n if n else math.nan, low, high)


@dataclass(frozen=True)
class RiseTest:
    """Fisher's exact test that the rate rose from ``before`` to ``after``."""

    before: Proportion
    after: Proportion
    p_value: float
    odds_ratio: float

    @property
    def ratio(self) -> float:
        """after.rate / before.rate (inf when before is 0 and after is not)."""
        if self.before.rate == 0:
            return math.inf if self.after.rate > 0 else math.nan
        return self.after.rate / self.before.rate


def fisher_rise(k_before: int, n_before: int, k_after: int, n_after: int) -> RiseTest:
    """One-sided Fisher exact test of H1: rate(after) > rate(before)."""
    _check_counts(k_before, n_before)
    _check_counts(k_after, n_after)
    table = [[k_before, n_before - k_before], [k_after, n_after - k_after]]
    # alternative="less": the odds of row 0 (before) are lower than row 1 (after).
    result = _scipy_stats.fisher_exact(table, alternative="less")
    return RiseTest(
        proportion(k_before, n_before),
        proportion(k_after, n_after),
        float(result.pvalue),
        float(result.statistic),
    )


@dataclass(frozen=True)
class FamilyCount:
    """Counts of one family for one rate."""

    family: str | None
    k: int
    n: int
    counts_in_aggregate: bool = True


def pooled_counts(counts: Iterable[FamilyCount]) -> tuple[int, int]:
    """(k, n) summed over families that count in aggregates and have samples."""
    kept = [c for c in counts if c.counts_in_aggregate and c.n > 0]
    return sum(c.k for c in kept), sum(c.n for c in kept)


def aggregate(counts: Iterable[FamilyCount], confidence: float = CONFIDENCE) -> Proportion:
    """Pooled rate over families, leaving out 0/0 families and non-aggregate ones.

    Pooling (sum of k over sum of n) equals the mean of family rates when every
    family has the same n, which the suite guarantees per evaluation run.
    """
    return proportion(*pooled_counts(counts), confidence)


def benjamini_hochberg(p_values: Sequence[float], alpha: float = 0.05) -> list[bool]:
    """Which hypotheses are rejected with the false discovery rate held at ``alpha``."""
    if not p_values:
        return []
    adjusted = _scipy_stats.false_discovery_control(list(p_values), method="bh")
    return [bool(q <= alpha) for q in adjusted]


def minimum_detectable_effect(
    n: int, baseline: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest rise over ``baseline`` that a one-sided two-sample test detects.

    Both samples have ``n`` responses. Uses statsmodels' power solver on Cohen's
    h and converts the effect back to a difference in proportions.

    Returns:
        The detectable difference ``p_after - baseline`` (capped at ``1 - baseline``).
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if not 0 <= baseline < 1:
        raise ValueError(f"baseline must be in [0, 1), got {baseline}")
    h = NormalIndPower().solve_power(
        effect_size=None, nobs1=n, alpha=alpha, power=power, ratio=1.0, alternative="larger"
    )
    angle = math.asin(math.sqrt(baseline)) + float(h) / 2
    after = 1.0 if angle >= math.pi / 2 else math.sin(angle) ** 2
    return after - baseline
