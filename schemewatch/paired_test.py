"""Two checkpoints evaluated on the same environments: a paired comparison at environment level.

Pooling the samples of two evaluations and running Fisher's test treats every response as
independent and ignores that both checkpoints answered the *same* environments. Here each
environment is a stratum: the Cochran–Mantel–Haenszel test (statsmodels' ``StratifiedTable``)
asks whether the odds of a covert answer differ between the checkpoints within environments, and
the effect is the difference of the pooled rates with an interval from the environment-level
differences (a cluster-robust standard error: environments, not samples, are the units).
Families are compared the same way, and their p-values corrected with Benjamini–Hochberg.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats
from statsmodels.stats.contingency_tables import StratifiedTable

from schemewatch.stats import CONFIDENCE, benjamini_hochberg


@dataclass(frozen=True)
class EnvCounts:
    """One environment's covert count of each checkpoint: ``k_a`` of ``n_a`` and ``k_b`` of ``n_b``."""

    env_id: str
    family: str
    k_a: int
    n_a: int
    k_b: int
    n_b: int


@dataclass(frozen=True)
class PairedComparison:
    """B against A on their shared environments.

    Attributes:
        difference: ``rate_b - rate_a`` (pooled over the environments).
        low, high: Its interval (environment-level standard error, t with environments − 1 df).
        p_two_sided: The CMH test of equal odds within environments (no continuity correction).
        p_rise: One-sided: B's covert odds above A's.
        odds_ratio: The Mantel–Haenszel pooled odds ratio (B over A); NaN when undefined.
        environments: Environments compared; ``informative``: those with a covert answer in either.
    """

    rate_a: float
    rate_b: float
    difference: float
    low: float
    high: float
    p_two_sided: float
    p_rise: float
    odds_ratio: float
    environments: int
    informative: int
    n_a: int
    n_b: int

    def to_dict(self) -> dict[str, float | int]:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.__dict__.items()}


def paired_comparison(cells: Sequence[EnvCounts], confidence: float = CONFIDENCE) -> PairedComparison:
    """Compare B with A over ``cells`` (one per shared environment).

    Raises:
        ValueError: no environment is shared, or a count is out of range.
    """
    if not cells:
        raise ValueError("the two evaluations share no environment; evaluate both on the same suite")
    for c in cells:
        if not (0 <= c.k_a <= c.n_a and 0 <= c.k_b <= c.n_b and c.n_a > 0 and c.n_b > 0):
            raise ValueError(f"environment {c.env_id}: need 0 <= k <= n and n >= 1 for both checkpoints")
    k_a, n_a = sum(c.k_a for c in cells), sum(c.n_a for c in cells)
    k_b, n_b = sum(c.k_b for c in cells), sum(c.n_b for c in cells)
    rate_a, rate_b = k_a / n_a, k_b / n_b
    difference = rate_b - rate_a
    per_env = np.array([c.k_b / c.n_b - c.k_a / c.n_a for c in cells])
    weights = np.array([(c.n_a + c.n_b) / 2 for c in cells], dtype=float)
    if len(cells) > 1:
        # Cluster-robust SE of a ratio of sums: the residuals of each environment around the pooled difference.
        w = weights / weights.sum()
        resid = per_env - difference
        se = math.sqrt(len(cells) / (len(cells) - 1) * float(np.sum((w * resid) ** 2)))
        t = float(scipy_stats.t.ppf(0.5 + confidence / 2, df=len(cells) - 1))
        low, high = max(-1.0, difference - t * se), min(1.0, difference + t * se)
    else:
        low = high = float("nan")
    informative = [c for c in cells if c.k_a + c.k_b > 0 and (c.k_a + c.k_b) < (c.n_a + c.n_b)]
    if informative:
        tables = np.array([[[c.k_b, c.n_b - c.k_b], [c.k_a, c.n_a - c.k_a]] for c in informative], dtype=float)
        table = StratifiedTable(np.moveaxis(tables, 0, -1))
        test = table.test_null_odds(correction=False)
        p_two = float(test.pvalue)
        with np.errstate(divide="ignore", invalid="ignore"):  # no discordant odds in A: the ratio is inf
            odds = float(table.oddsratio_pooled)
        rising = odds > 1 if not math.isnan(odds) else difference > 0
        p_rise = p_two / 2 if rising else 1 - p_two / 2
    else:  # no environment has both outcomes in it: no evidence of a difference
        p_two, p_rise, odds = 1.0, 1.0, float("nan")
    return PairedComparison(rate_a, rate_b, difference, low, high, p_two, p_rise, odds, len(cells), len(informative),
                            n_a, n_b)


def compare_by_family(cells: Sequence[EnvCounts], alpha: float = 0.05,
                      confidence: float = CONFIDENCE) -> dict[str, dict[str, object]]:
    """The paired comparison of every family, with Benjamini–Hochberg over the families' one-sided p."""
    by_family: Mapping[str, list[EnvCounts]] = {}
    for c in cells:
        by_family.setdefault(c.family, []).append(c)
    results = {f: paired_comparison(cs, confidence) for f, cs in sorted(by_family.items())}
    rejected = benjamini_hochberg([r.p_rise for r in results.values()], alpha)
    return {f: r.to_dict() | {"rise_significant_bh": flag} for (f, r), flag in zip(results.items(), rejected,
                                                                                   strict=True)}
