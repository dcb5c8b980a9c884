"""Detection across nights with a stated false-alarm rate: a Bernoulli CUSUM on covert counts.

A rule that tests every night at level α against the reference alarms falsely about once in 1/α
nights *per checkpoint*, and more often when the nights share one reference. The CUSUM instead
accumulates the evidence of the nights: with ``p0`` the reference covert rate and ``p1 = ratio ·
p0`` the rise worth detecting, each night's covert count ``k`` of ``n`` adds its log-likelihood ratio

    llr = k · ln(p1 / p0) + (n − k) · ln((1 − p1) / (1 − p0)),

and ``S = max(0, S + llr)``; the rule alarms when ``S ≥ h`` and starts again from 0. Its guarantee
(Lorden 1971; for the CUSUM of a likelihood ratio the mean time to a false alarm is at least
``e^h``): with the true rate at ``p0``, **on average at least e^h nights pass between false alarms**,
whatever n is. The default ``h = ln(10,000) ≈ 9.2`` means at most one false alarm per 10,000 nights
on average when ``p0`` is the true rate. Estimated from one reference evaluation, ``p0`` is off by its
sampling error and false alarms are more frequent: ``benchmarks.alert_rules`` (reference and nights
both simulated at n = 910, 4%) measured 0.6 per 100 nights at ln(10,000) and 1.4 at ln(1,000), with
a doubling caught within two nights in 92–93% of series either way; a conservative ``p0`` (the
reference's one-sided 80% upper bound) cut false alarms to 0.1 but caught only 71–78% within two
nights. Hence the plug-in ``p0`` and ln(10,000).

Checked for a library that does this: statsmodels' CUSUM is a test on regression residuals
(``breaks_cusumolsresid``), not a count-data chart; scipy has none. Hence this small implementation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CusumDesign:
    """What the chart looks for: the reference rate, the rise worth detecting, the threshold."""

    p0: float
    ratio: float = 2.0
    threshold: float = math.log(10_000)

    def __post_init__(self) -> None:
        if not 0 < self.p0 < 1:
            raise ValueError(f"the reference rate must be in (0, 1), got {self.p0}")
        if not self.ratio > 1 or self.ratio * self.p0 >= 1:
            raise ValueError(f"ratio must be > 1 with ratio · p0 < 1, got ratio {self.ratio} at p0 {self.p0}")
        if self.threshold <= 0:
            raise ValueError(f"the threshold must be positive, got {self.threshold}")

    @property
    def p1(self) -> float:
        return self.ratio * self.p0

    @property
    def mean_nights_between_false_alarms(self) -> float:
        """The guarantee: at least ``e^threshold`` nights on average when the rate stays at ``p0``."""
        return math.exp(self.threshold)

    def llr(self, k: int, n: int) -> float:
        """One night's log-likelihood ratio of ``p1`` against ``p0`` for ``k`` covert of ``n``."""
        if not 0 <= k <= n:
            raise ValueError(f"invalid counts k={k}, n={n}: need 0 <= k <= n")
        return k * math.log(self.p1 / self.p0) + (n - k) * math.log((1 - self.p1) / (1 - self.p0))


@dataclass(frozen=True)
class CusumStep:
    """The chart after one night: its statistic and whether it alarmed (then it restarts from 0)."""

    statistic: float
    alarm: bool


def run_cusum(design: CusumDesign, nights: Sequence[tuple[int, int]], start: float = 0.0) -> list[CusumStep]:
    """The chart over ``nights`` (covert count, samples), oldest first."""
    s, out = start, []
    for k, n in nights:
        s = max(0.0, s + design.llr(k, n))
        alarm = s >= design.threshold
        out.append(CusumStep(s, alarm))
        if alarm:
            s = 0.0
    return out
