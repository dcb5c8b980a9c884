"""The CUSUM: its log-likelihood ratio by hand, its false-alarm rate on simulated null data within the
stated bound, a doubling caught at once, and bad designs refused."""

import math

import numpy as np
import pytest

from schemewatch.sequential_rule import CusumDesign, run_cusum


def test_one_nights_evidence_by_hand() -> None:
    d = CusumDesign(p0=0.04, ratio=2.0)
    # 80 of 910 at p1 = 0.08 against p0 = 0.04: 80·ln 2 + 830·ln(0.92/0.96).
    assert d.llr(80, 910) == pytest.approx(80 * math.log(2) + 830 * math.log(0.92 / 0.96))
    assert d.llr(36, 910) < 0 < d.llr(80, 910)  # the reference's own rate is evidence against a rise
    assert d.mean_nights_between_false_alarms == pytest.approx(10_000)


def test_false_alarms_on_null_data_stay_within_the_bound() -> None:
    # 300 series × 200 nights at the true reference rate: the bound allows 60,000 / 10,000 = 6 alarms on average.
    rng = np.random.default_rng(7)
    d = CusumDesign(p0=0.04)
    counts = rng.binomial(910, 0.04, size=(300, 200))
    alarms = sum(step.alarm for row in counts for step in run_cusum(d, [(int(k), 910) for k in row]))
    assert alarms <= 15  # P(Poisson(6) > 15) < 0.001; measured: see the test's seed


def test_a_doubling_alarms_on_its_first_or_second_night_and_restarts() -> None:
    rng = np.random.default_rng(3)
    d = CusumDesign(p0=0.04)
    caught = 0
    for _ in range(200):
        steps = run_cusum(d, [(int(k), 910) for k in rng.binomial(910, 0.08, size=2)])
        caught += any(s.alarm for s in steps)
    assert caught / 200 >= 0.95
    steps = run_cusum(d, [(80, 910), (36, 910)])
    assert steps[0].alarm and steps[0].statistic >= d.threshold
    assert not steps[1].alarm and steps[1].statistic == 0.0  # restarted from 0, not carried over


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"p0": 0.0}, "reference rate must be in"), ({"p0": 0.6, "ratio": 2.0}, "ratio · p0 < 1"),
    ({"p0": 0.04, "ratio": 1.0}, "ratio must be > 1"), ({"p0": 0.04, "threshold": 0}, "threshold must be positive"),
])
def test_bad_designs_say_what_is_wrong(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        CusumDesign(**kwargs)
