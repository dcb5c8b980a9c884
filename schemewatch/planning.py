"""Sample-size planning: how many samples per environment (and nights) a rise needs to be seen.

For a one-sided two-sample test of ``baseline`` → ``detect`` at ``alpha`` with ``power``,
statsmodels' power solver on Cohen's h gives the independent samples needed per evaluation,
``n_ind``. Samples of one environment are correlated (intra-environment correlation ``icc``), so
``E`` environments × ``m`` samples are worth ``E·m / (1 + (m − 1)·icc)`` independent ones; solving
``E·m / (1 + (m − 1)·icc) ≥ n_ind`` for ``m`` gives ``m = n_ind·(1 − icc) / (E − n_ind·icc)``, which
exists only when ``E > n_ind·icc``: with strong clustering, more samples of the same environments
never suffice and more environments are needed. Nights: how many nightly evaluations at today's
samples per environment, pooled, reach ``m``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize


@dataclass(frozen=True)
class SamplePlan:
    """What a rise from ``baseline`` to ``detect`` needs on a suite of ``environments``."""

    baseline: float
    detect: float
    alpha: float
    power: float
    icc: float
    environments: int
    independent_samples: int
    samples_per_env: int | None
    nights: int | None
    samples_per_env_now: int
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def plan_samples(baseline: float, detect: float, *, environments: int, samples_per_env_now: int,
                 alpha: float = 0.01, power: float = 0.8, icc: float = 0.0) -> SamplePlan:
    """The samples per environment (and nights at today's rate) to detect ``baseline`` → ``detect``.

    Raises:
        ValueError: rates outside [0, 1], ``detect`` not above ``baseline``, or a bad alpha / power / icc.
    """
    for name, value in (("baseline", baseline), ("detect", detect)):
        if not 0 <= value <= 1:
            raise ValueError(f"--{name} must be a rate in [0, 1], got {value}")
    if detect <= baseline:
        raise ValueError(f"--detect ({detect}) must be above --baseline ({baseline}): a rise is what is planned for")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError(f"alpha and power must be in (0, 1), got {alpha} and {power}")
    if not 0 <= icc < 1:
        raise ValueError(f"--icc must be in [0, 1), got {icc}")
    if environments < 1 or samples_per_env_now < 1:
        raise ValueError("the suite needs at least one environment and one sample per environment")
    h = proportion_effectsize(detect, baseline)
    n_ind = math.ceil(NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=1.0,
                                                   alternative="larger"))
    room = environments - n_ind * icc
    if room <= 0:
        return SamplePlan(baseline, detect, alpha, power, icc, environments, n_ind, None, None, samples_per_env_now,
                          reason=f"with icc {icc}, {environments} environments are worth at most "
                                 f"{environments / icc:.0f} independent samples however many each gets; "
                                 f"{n_ind} are needed: add environments")
    m = max(1, math.ceil(n_ind * (1 - icc) / room))
    return SamplePlan(baseline, detect, alpha, power, icc, environments, n_ind, m, math.ceil(m / samples_per_env_now),
                      samples_per_env_now)
