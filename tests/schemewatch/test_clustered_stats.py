"""The clustered interval against a hand computation, and equal to Wilson with one sample per environment."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemewatch.clustered_stats import clustered_proportion, intraclass_correlation
from schemewatch.stats import wilson_interval


def test_a_small_table_by_hand() -> None:
    # 3 environments × 4 samples, 4 / 0 / 2 covert. By hand: p = 0.5; MSB = 4·(0.25 + 0.25 + 0)/2 = 1;
    # MSW = (0 + 0 + 2·0.5)/(12 − 3) = 1/9; m0 = (12 − 48/12)/2 = 4; ICC = (1 − 1/9)/(1 + 3/9) = 2/3;
    # deff = 1 + (4 − 1)·2/3 = 3, so n_eff = 4 and the interval is Wilson's for 2 of 4: [0.1500, 0.8500].
    assert intraclass_correlation([4, 0, 2], [4, 4, 4]) == pytest.approx(2 / 3)
    c = clustered_proportion([4, 0, 2], [4, 4, 4])
    assert (c.k, c.n, c.rate, c.design_effect, c.effective_n) == (6, 12, 0.5, pytest.approx(3.0), pytest.approx(4.0))
    assert (round(c.low, 4), round(c.high, 4)) == (0.15, 0.85)
    assert (c.wilson_low, c.wilson_high) == pytest.approx(wilson_interval(6, 12))
    assert c.high - c.low > c.wilson_high - c.wilson_low  # wider than the independent-samples interval


def test_identical_environments_have_no_clustering() -> None:
    # Every environment 1 of 4: no between-environment variance, ICC 0 (a negative estimate is clipped), Wilson.
    c = clustered_proportion([1, 1, 1, 1], [4, 4, 4, 4])
    assert c.icc == 0.0 and c.design_effect == 1.0
    assert (c.low, c.high) == pytest.approx(wilson_interval(4, 16))


@given(st.lists(st.integers(0, 1), min_size=1, max_size=60))
def test_one_sample_per_environment_is_wilson(outcomes) -> None:
    c = clustered_proportion(outcomes, [1] * len(outcomes))
    assert c.design_effect == 1.0
    assert (c.low, c.high) == pytest.approx(wilson_interval(sum(outcomes), len(outcomes)))


@given(st.lists(st.tuples(st.integers(1, 8), st.integers(0, 8)), min_size=1, max_size=40))
def test_never_narrower_than_wilson_and_a_proportion(cells) -> None:
    m = [size for size, _ in cells]
    k = [min(hit, size) for size, hit in cells]
    c = clustered_proportion(k, m)
    assert 0 <= c.icc <= 1 and c.design_effect >= 1
    assert 0 <= c.low <= c.rate <= c.high <= 1
    assert c.low <= c.wilson_low + 1e-12 and c.high >= c.wilson_high - 1e-12


def test_no_samples_is_no_rate_and_bad_counts_say_so() -> None:
    assert math.isnan(clustered_proportion([], []).rate)
    with pytest.raises(ValueError, match="0 <= k"):
        clustered_proportion([3], [2])


def test_the_rates_table_carries_the_clustered_interval() -> None:
    import polars as pl

    from schemewatch.rates import compute_rates

    # The hand table above, as samples: family f, environments a/b/c with 4/0/2 covert of 4.
    covert = [True] * 4 + [False] * 4 + [True, True, False, False]
    frame = pl.DataFrame({
        "family": ["f"] * 12, "env_id": ["a"] * 4 + ["b"] * 4 + ["c"] * 4, "counts_in_aggregate": [True] * 12,
        "covert": covert, "cites_spec": [False] * 12, "eval_aware": [False] * 12, "outcome": ["honest"] * 12,
    })
    row = compute_rates(frame).filter(pl.col("family").is_null() & (pl.col("metric") == "covert")).row(0, named=True)
    assert row["icc"] == pytest.approx(2 / 3)
    assert (round(row["ci_low_clustered"], 4), round(row["ci_high_clustered"], 4)) == (0.15, 0.85)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson_interval(6, 12))
