"""Sample-size planning: the independent case against statsmodels, clustering by hand, impossible plans said."""

import math

import pytest
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from schemewatch.planning import plan_samples


def test_without_clustering_the_samples_spread_over_the_environments() -> None:
    n_ind = math.ceil(NormalIndPower().solve_power(proportion_effectsize(0.08, 0.04), alpha=0.01, power=0.8,
                                                   alternative="larger"))
    p = plan_samples(0.04, 0.08, environments=182, samples_per_env_now=5)
    assert p.independent_samples == n_ind and p.samples_per_env == math.ceil(n_ind / 182)
    assert p.nights == math.ceil(p.samples_per_env / 5)


def test_clustering_by_hand() -> None:
    # n_ind for 0.04 → 0.08 at alpha 0.01, power 0.8; with icc 0.1 and 182 environments:
    # m = n_ind · 0.9 / (182 − 0.1 · n_ind).
    p = plan_samples(0.04, 0.08, environments=182, samples_per_env_now=5, icc=0.1)
    n_ind = p.independent_samples
    assert p.samples_per_env == math.ceil(n_ind * 0.9 / (182 - 0.1 * n_ind))
    assert p.samples_per_env > plan_samples(0.04, 0.08, environments=182, samples_per_env_now=5).samples_per_env


def test_too_few_environments_for_the_clustering_is_said_not_computed() -> None:
    p = plan_samples(0.04, 0.05, environments=20, samples_per_env_now=5, icc=0.3)
    assert p.samples_per_env is None and "add environments" in p.reason


@pytest.mark.parametrize(("args", "message"), [
    ((1.2, 0.3), r"--baseline must be a rate in \[0, 1\]"), ((0.04, -0.1), "--detect must be a rate"),
    ((0.08, 0.04), "must be above --baseline"),
])
def test_bad_rates_are_one_clear_error(args, message) -> None:
    with pytest.raises(ValueError, match=message):
        plan_samples(*args, environments=10, samples_per_env_now=5)
