"""Rates whose samples come in clusters: the samples of one environment are not independent.

An evaluation draws several responses per environment; two responses to one prompt agree more
often than two responses to two prompts, so a Wilson interval over all samples is too narrow. The
interval here is Wilson's with the sample size cut by Kish's design effect,
``deff = 1 + (m_w - 1) * icc``, where ``icc`` is the intra-environment correlation estimated by
one-way ANOVA on the 0/1 outcomes and ``m_w = sum(m_i^2) / sum(m_i)`` the size-weighted mean number
of samples per environment. With one sample per environment ``deff = 1`` and it is the plain
Wilson interval; a negative ANOVA estimate is taken as 0 (never narrower than Wilson).

statsmodels has no clustered interval for a proportion (its ``proportion_confint`` assumes
independent trials); this module only computes the ICC and the design effect and hands the
effective counts to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from schemewatch.stats import CONFIDENCE


@dataclass(frozen=True)
class ClusteredProportion:
    """A rate over clustered samples with its plain and design-effect-corrected Wilson intervals."""

    k: int
    n: int
    clusters: int
    icc: float
    design_effect: float
    rate: float
    low: float
    high: float
    wilson_low: float
    wilson_high: float

    @property
    def effective_n(self) -> float:
        """The sample size the clustered samples are worth: ``n / design_effect``."""
        return self.n / self.design_effect if self.design_effect > 0 else float("nan")


def intraclass_correlation(k: Sequence[int], m: Sequence[int]) -> float:
    """One-way ANOVA estimate of the intra-cluster correlation of 0/1 outcomes, clipped to [0, 1].

    ``k[i]`` successes of ``m[i]`` samples in cluster ``i``. 0 when it cannot be estimated (fewer
    than two clusters, or every cluster has one sample).
    """
    k_arr, m_arr = np.asarray(k, dtype=float), np.asarray(m, dtype=float)
    if np.any(m_arr <= 0) or np.any(k_arr < 0) or np.any(k_arr > m_arr):
        raise ValueError("need 0 <= k[i] <= m[i] and m[i] >= 1 in every cluster")
    clusters, n = len(m_arr), float(m_arr.sum())
    if clusters < 2 or n - clusters <= 0:
        return 0.0
    p_i, p = k_arr / m_arr, k_arr.sum() / n
    msb = float(np.sum(m_arr * (p_i - p) ** 2)) / (clusters - 1)
    msw = float(np.sum(k_arr * (1 - p_i))) / (n - clusters)
    m0 = (n - float(np.sum(m_arr**2)) / n) / (clusters - 1)
    denominator = msb + (m0 - 1) * msw
    if denominator <= 0:
        return 0.0
    return float(min(1.0, max(0.0, (msb - msw) / denominator)))


def clustered_proportion(k: Sequence[int], m: Sequence[int], confidence: float = CONFIDENCE) -> ClusteredProportion:
    """The rate of ``sum(k)`` in ``sum(m)`` samples from clusters, with the clustered Wilson interval.

    NaN rate and bounds when there are no samples (never a silent 0).
    """
    k_total, n_total = int(np.sum(k)), int(np.sum(m))
    if n_total == 0:
        nan = float("nan")
        return ClusteredProportion(0, 0, len(m), 0.0, 1.0, nan, nan, nan, nan, nan)
    icc = intraclass_correlation(k, m)
    m_w = float(np.sum(np.asarray(m, dtype=float) ** 2)) / n_total
    deff = 1.0 + (m_w - 1.0) * icc
    rate = k_total / n_total
    n_eff = n_total / deff
    low, high = _wilson(rate * n_eff, n_eff, confidence)
    w_low, w_high = _wilson(k_total, n_total, confidence)
    return ClusteredProportion(k_total, n_total, len(m), icc, deff, rate, low, high, w_low, w_high)


def _wilson(k: float, n: float, confidence: float) -> tuple[float, float]:
    # statsmodels' bounds miss 0 and 1 by a rounding error (5.6e-17 for 0 of 3); Wilson's are exact there.
    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    return (0.0 if k <= 0 else float(low)), (1.0 if k >= n else float(high))
