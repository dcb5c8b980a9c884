"""The paired comparison: CMH by hand and against statsmodels, the effect's interval, families with BH."""

import pytest
from scipy import stats as scipy_stats

from schemewatch.paired_test import EnvCounts, compare_by_family, paired_comparison

# Two environments × 5 samples: B 3 and 2 covert, A 1 and 0.
TWO = [EnvCounts("e1", "f", k_a=1, n_a=5, k_b=3, n_b=5), EnvCounts("e2", "f", k_a=0, n_a=5, k_b=2, n_b=5)]


def test_cmh_by_hand() -> None:
    # Stratum 1: a = 3, E = 5·4/10 = 2, Var = 5·5·4·6/(10²·9) = 2/3; stratum 2: a = 2, E = 1, Var = 4/9.
    # CMH = (1 + 1)² / (2/3 + 4/9) = 3.6; two-sided p = P(χ²₁ > 3.6) = 0.05778.
    r = paired_comparison(TWO)
    assert r.p_two_sided == pytest.approx(scipy_stats.chi2.sf(3.6, 1)) == pytest.approx(0.05778, abs=1e-5)
    assert r.p_rise == pytest.approx(r.p_two_sided / 2)
    assert (r.rate_a, r.rate_b, r.difference) == (0.1, 0.5, pytest.approx(0.4))
    assert r.environments == r.informative == 2


def test_ups_and_downs_that_cancel_are_no_evidence_of_a_rise() -> None:
    cells = [EnvCounts(f"e{i}", "f", 2, 10, 3 if i % 2 else 1, 10) for i in range(8)]
    r = paired_comparison(cells)
    assert r.difference == 0 and r.p_two_sided == pytest.approx(1.0) and r.p_rise >= 0.5
    assert r.low < 0 < r.high


def test_a_consistent_rise_over_many_environments_is_significant_and_its_interval_excludes_zero() -> None:
    cells = [EnvCounts(f"e{i}", "f", 0, 5, 2, 5) for i in range(30)]
    r = paired_comparison(cells)
    assert r.p_rise < 1e-10 and r.low > 0 and r.difference == pytest.approx(0.4)
    down = paired_comparison([EnvCounts(c.env_id, c.family, c.k_b, c.n_b, c.k_a, c.n_a) for c in cells])
    assert down.p_rise > 0.99  # one-sided: a fall is not a rise


def test_families_are_compared_alone_and_corrected_together() -> None:
    rising = [EnvCounts(f"r{i}", "rising", 0, 5, 3, 5) for i in range(20)]
    flat = [EnvCounts(f"s{i}", "flat", 1, 5, 1, 5) for i in range(20)]
    out = compare_by_family(rising + flat)
    assert list(out) == ["flat", "rising"]
    assert out["rising"]["rise_significant_bh"] and not out["flat"]["rise_significant_bh"]


def test_bad_input_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="share no environment"):
        paired_comparison([])
    with pytest.raises(ValueError, match="environment x: need 0 <= k <= n"):
        paired_comparison([EnvCounts("x", "f", 6, 5, 0, 5)])
