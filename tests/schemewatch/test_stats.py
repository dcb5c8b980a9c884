"""Statistics against known values."""

import math

import pytest
from scipy.stats import fisher_exact

from schemewatch.stats import (
    FamilyCount,
    aggregate,
    benjamini_hochberg,
    fisher_rise,
    minimum_detectable_effect,
    proportion,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score).
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_matches_published_intervals(k: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_empty_denominator_is_nan_not_zero() -> None:
    p = proportion(0, 0)
    assert math.isnan(p.rate) and math.isnan(p.low) and math.isnan(p.high)


def test_invalid_counts_raise_with_the_counts() -> None:
    with pytest.raises(ValueError, match="k=5, n=3"):
        proportion(5, 3)


def test_fisher_rise_matches_scipy_one_sided() -> None:
    # Fisher's tea-tasting table: one-sided p = 0.2429.
    test = fisher_rise(1, 4, 3, 4)
    assert test.p_value == pytest.approx(0.242857, abs=1e-6)
    expected = fisher_exact([[2, 98], [15, 85]], alternative="less").pvalue
    assert fisher_rise(2, 100, 15, 100).p_value == pytest.approx(expected)
    assert fisher_rise(2, 100, 15, 100).ratio == pytest.approx(7.5)
    # A fall is not a rise.
    assert fisher_rise(15, 100, 2, 100).p_value > 0.99


def test_aggregate_skips_empty_and_excluded_families() -> None:
    agg = aggregate(
        [
            FamilyCount("a", 2, 10),
            FamilyCount("b", 0, 0),
            FamilyCount("game", 9, 10, counts_in_aggregate=False),
            FamilyCount("c", 4, 10),
        ]
    )
    assert (agg.k, agg.n) == (6, 20)
    assert agg.rate == pytest.approx(0.3)


def test_benjamini_hochberg_known_example() -> None:
    # Sorted p: .01 .03 .04 .5 against thresholds .0125 .025 .0375 .05 -> only the first.
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.5]) == [True, False, False, False]
    assert benjamini_hochberg([0.001, 0.002, 0.003], alpha=0.01) == [True, True, True]
    assert benjamini_hochberg([]) == []


def test_minimum_detectable_effect_shrinks_with_n() -> None:
    small, large = minimum_detectable_effect(100, 0.02), minimum_detectable_effect(1000, 0.02)
    assert 0 < large < small < 0.98
    # Cohen's h for these proportions equals the solved effect size.
    h = 2 * math.asin(math.sqrt(0.02 + large)) - 2 * math.asin(math.sqrt(0.02))
    assert h == pytest.approx((1.6449 + 0.8416) * math.sqrt(2 / 1000), rel=1e-3)
