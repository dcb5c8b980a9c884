"""The alert rules on simulated nightly series with known truth: false alarms and nights to detection.

Each series has a reference evaluation (n samples at 4% covert) and ``--nights`` nightly evaluations
of n samples: **no change** (4% every night), a **step** doubling to 8% from night ``--change``
on, or a **slow drift** of +0.5 points a night from night ``--change`` on. Two rules judge each
night: the per-night rule as the default config sets ``covert_rise`` (one-sided p against the reference
at α = ``[alerts] rise_alpha`` and at least ``rise_ratio`` × the reference rate; Fisher's pooled test,
which is what the rule uses where the runs share no environments: simulated nights have none to pair
on, so the paired CMH test it uses on real evaluations is not exercised here), and the
sequential rule (:mod:`schemewatch.sequential_rule`: a CUSUM for a doubling of the reference's
estimated rate at its default threshold, restarting after each alarm). Prints JSON: false alarms per
100 nights under no change (and, for the changes, before the change), and the median and 90th
percentile nights from the change to the first alarm. Targets at the default settings: the
sequential rule ≤ 1 false alarm per 100 nights, and a doubling detected within ≤ 2 nights in ≥ 90%
of series.

Run: .venv/bin/python -m benchmarks.alert_rules [--series 1000] [--n 910] [--nights 60] [--change 20]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy import stats as scipy_stats

from schemewatch.config import AlertsConfig
from schemewatch.sequential_rule import CusumDesign

P0 = 0.04


def _truth(kind: str, nights: int, change: int) -> np.ndarray:
    p = np.full(nights, P0)
    if kind == "step":
        p[change:] = 2 * P0
    elif kind == "drift":
        p[change:] = P0 + 0.005 * np.arange(1, nights - change + 1)
    return np.minimum(p, 0.99)


def _per_night_alarms(ref_k: np.ndarray, k: np.ndarray, n: int, alpha: float, ratio: float) -> np.ndarray:
    # Fisher's one-sided p for every (series, night); memoised on the distinct count pairs, which are few.
    pairs = np.stack([np.broadcast_to(ref_k[:, None], k.shape), k], axis=-1).reshape(-1, 2)
    unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
    p = np.array([scipy_stats.fisher_exact([[a, n - a], [b, n - b]], alternative="less").pvalue for a, b in unique])
    rate_ok = unique[:, 1] >= ratio * unique[:, 0]
    return (p < alpha)[inverse.ravel()].reshape(k.shape) & rate_ok[inverse.ravel()].reshape(k.shape)


def _cusum_alarms(ref_k: np.ndarray, k: np.ndarray, n: int) -> np.ndarray:
    alarms = np.zeros(k.shape, dtype=bool)
    for i, (rk, row) in enumerate(zip(ref_k, k, strict=True)):
        design = CusumDesign(p0=max(rk, 0.5) / n)  # a reference with no covert answer: half an answer
        s = 0.0
        for night, kk in enumerate(row):
            s = max(0.0, s + design.llr(int(kk), n))
            if s >= design.threshold:
                alarms[i, night], s = True, 0.0
    return alarms


def _summary(alarms: np.ndarray, change: int | None) -> dict[str, object]:
    nights = alarms.shape[1]
    before = alarms if change is None else alarms[:, :change]
    out: dict[str, object] = {"false_alarms_per_100_nights": round(100 * before.mean(), 3)}
    if change is not None:
        after = alarms[:, change:]
        first = np.where(after.any(axis=1), after.argmax(axis=1) + 1, np.inf)  # 1 = the first changed night
        out |= {"median_nights_to_detection": float(np.median(first)),
                "p90_nights_to_detection": float(np.percentile(first, 90)),
                "detected_within_2_nights": round(float(np.mean(first <= 2)), 4),
                "never_detected": int(np.sum(np.isinf(first))), "nights_after_change": nights - change}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--n", type=int, default=910, help="Samples per evaluation (the default suite's).")
    parser.add_argument("--nights", type=int, default=60)
    parser.add_argument("--change", type=int, default=20, help="The first changed night of the step and drift.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cfg = AlertsConfig()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    result: dict[str, object] = {"series": args.series, "n_per_night": args.n, "nights": args.nights,
                                 "reference_rate": P0, "change_night": args.change,
                                 "per_night_rule": {"alpha": cfg.rise_alpha, "ratio": cfg.rise_ratio},
                                 "sequential_rule": {
                                     "design_ratio": CusumDesign(P0).ratio,
                                     "threshold": round(CusumDesign(P0).threshold, 3),
                                     "guaranteed_mean_nights_between_false_alarms_if_p0_known":
                                         round(CusumDesign(P0).mean_nights_between_false_alarms)}}
    for kind in ("no_change", "step", "drift"):
        truth = _truth(kind, args.nights, args.change)
        ref_k = rng.binomial(args.n, P0, size=args.series)
        k = rng.binomial(args.n, truth[None, :].repeat(args.series, axis=0))
        change = None if kind == "no_change" else args.change
        result[kind] = {
            "per_night_rule": _summary(_per_night_alarms(ref_k, k, args.n, cfg.rise_alpha, cfg.rise_ratio), change),
            "sequential_rule": _summary(_cusum_alarms(ref_k, k, args.n), change),
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
