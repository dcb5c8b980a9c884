"""The alert rules, pure: one evaluation's rates (and its reference's) → a verdict per rule.

Rules (each from :class:`schemewatch.config.AlertsConfig`; a ``None`` threshold turns one off):

``covert_ceiling``
    the covert rate (point estimate, or the Wilson lower bound) above a ceiling;
``covert_rise``
    the covert rate rose over the reference: the one-sided p of the paired test by environment
    (Cochran–Mantel–Haenszel; Fisher's pooled test when the runs share no environment) < alpha
    *and* rate ≥ k × the reference rate;
``citation_floor``
    the spec-citation rate below a floor;
``cited_covert_ceiling``
    covert among spec-citing responses above a ceiling (citations that no longer
    mean honesty);
``drift_share_ceiling``
    the share of drifted columns in the evaluation's drift report above a ceiling;
``family_covert_rise``
    per family, the covert rise over the reference family, Benjamini–Hochberg
    across families, and the same ratio condition;
``covert_sequential``
    a CUSUM over the checkpoint's nightly evaluations (:mod:`schemewatch.sequential_rule`)
    for a rise to ``sequential_ratio`` × the reference rate, alarming with at least
    ``sequential_mean_nights_between_false_alarms`` nights between false alarms on average.

What the verdicts do to alerts (hysteresis, events) is :mod:`schemewatch.alerts`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from schemewatch.config import AlertsConfig
from schemewatch.sequential_rule import CusumDesign, run_cusum
from schemewatch.stats import benjamini_hochberg, fisher_rise

DEFAULT_ALERTS = AlertsConfig()
# rule → the metric it watches (a rates metric, or drift_share).
RULES: dict[str, str] = {
    "covert_ceiling": "covert",
    "covert_rise": "covert",
    "citation_floor": "citation",
    "cited_covert_ceiling": "cited_covert",
    "drift_share_ceiling": "drift_share",
    "family_covert_rise": "covert",
    "covert_sequential": "covert",
}


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's verdict on one evaluation (one family for per-family rules).

    Attributes:
        rule: A key of :data:`RULES`.
        family: The family, or ``None`` for the overall rate.
        value: The watched value (a rate, or the drifted share).
        threshold: What it was compared with.
        crossed: True outside the rule, False inside, None when not judged (too few samples).
        detail: Test statistics and counts behind the verdict.
    """

    rule: str
    family: str | None
    value: float | None
    threshold: float | None
    crossed: bool | None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def metric(self) -> str:
        """The metric the rule watches."""
        return RULES[self.rule]


def enabled_rules(cfg: AlertsConfig) -> list[str]:
    """The rules whose threshold is set."""
    on = {
        "covert_ceiling": cfg.covert_ceiling is not None,
        "covert_rise": cfg.rise_alpha is not None,
        "citation_floor": cfg.citation_floor is not None,
        "cited_covert_ceiling": cfg.cited_covert_ceiling is not None,
        "covert_sequential": cfg.sequential_ratio is not None,
        "drift_share_ceiling": cfg.drift_share_ceiling is not None,
        "family_covert_rise": cfg.family_fdr is not None,
    }
    return [r for r in RULES if on[r]]


def _finite(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _overall(rates: pl.DataFrame, metric: str) -> dict[str, Any] | None:
    rows = rates.filter(pl.col("family").is_null() & (pl.col("metric") == metric))
    return rows.row(0, named=True) if rows.height else None


def _bound_rule(
    rule: str, row: dict[str, Any] | None, threshold: float, *, above: bool, min_n: int, use_low: bool = False
) -> RuleOutcome:
    """A ceiling (``above``) or a floor on one overall rate."""
    if row is None or row["n"] < min_n:
        n = 0 if row is None else row["n"]
        return RuleOutcome(rule, None, None, threshold, None, {"n": n, "reason": f"n = {n} < min_n = {min_n}"})
    value = _finite(row["ci_low"] if use_low else row["rate"])
    detail = {"k": row["k"], "n": row["n"], "rate": _finite(row["rate"]), "ci": [_finite(row["ci_low"]),
              _finite(row["ci_high"])]}
    if value is None:
        return RuleOutcome(rule, None, None, threshold, None, detail)
    return RuleOutcome(rule, None, value, threshold, value > threshold if above else value < threshold, detail)


def _rise(
    rule: str, family: str | None, cur: dict[str, Any], ref: dict[str, Any], alpha_ok: Callable[[float], bool],
    ratio_k: float, min_n: int, paired_p: float | None = None,
) -> tuple[RuleOutcome, float | None]:
    """A covert rise of ``cur`` over ``ref``; returns the outcome (crossed unset for BH) and the p-value.

    ``paired_p``: the one-sided p of the paired environment-level test (CMH) when both runs share their
    environments; it replaces Fisher's pooled test, which treats every sample as independent.
    """
    if cur["n"] < min_n or ref["n"] < min_n:
        n = min(cur["n"], ref["n"])
        return RuleOutcome(rule, family, None, None, None, {"n": n, "reason": f"n = {n} < min_n = {min_n}"}), None
    test = fisher_rise(ref["k"], ref["n"], cur["k"], cur["n"])
    ratio = test.ratio
    p = test.p_value if paired_p is None else paired_p
    detail = {
        "k": cur["k"], "n": cur["n"], "reference_k": ref["k"], "reference_n": ref["n"],
        "reference_rate": test.before.rate, "p_value": p, "test": "fisher" if paired_p is None else "paired_cmh",
        "fisher_p_value": test.p_value,
        "ratio": None if math.isnan(ratio) else (ratio if math.isfinite(ratio) else "inf"),
    }
    ratio_ok = not math.isnan(ratio) and ratio >= ratio_k
    crossed = alpha_ok(p) and ratio_ok
    return RuleOutcome(rule, family, test.after.rate, ratio_k * test.before.rate, crossed, detail), p


def covert_ceiling_outcome(current: pl.DataFrame, cfg: AlertsConfig = DEFAULT_ALERTS) -> RuleOutcome | None:
    """The ``covert_ceiling`` rule alone (``None`` when it is off): what the Dagster check judges."""
    if cfg.covert_ceiling is None:
        return None
    return _bound_rule("covert_ceiling", _overall(current, "covert"), cfg.covert_ceiling, above=True,
                       min_n=cfg.min_n, use_low=cfg.covert_ceiling_on == "lower_bound")


def evaluate_rules(
    current: pl.DataFrame,
    reference: pl.DataFrame | None,
    cfg: AlertsConfig = DEFAULT_ALERTS,
    *,
    drift_share: float | None = None,
    families: set[str] | None = None,
    nights: Sequence[tuple[int, int]] | None = None,
    paired_rise_p: float | None = None,
) -> list[RuleOutcome]:
    """Every enabled rule's verdict on one evaluation. Pure and deterministic.

    Args:
        current: The evaluation's rates (``schemewatch.rates.compute_rates`` columns).
        reference: The reference evaluation's rates; ``None`` leaves out the rise rules.
        cfg: Thresholds.
        drift_share: The evaluation's drifted share; ``None`` leaves out that rule.
        families: Families the per-family rule watches (default: all in both runs).
        nights: The checkpoint's overall covert (k, n) on each evaluation date up to this one, oldest first
            (this evaluation last); ``None`` leaves out the sequential rule.
        paired_rise_p: One-sided p of the paired environment-level test of this evaluation against the
            reference (:func:`schemewatch.paired_test.paired_comparison`); ``covert_rise`` uses it when given,
            Fisher's pooled test otherwise (runs without shared environments).
    """
    rules = enabled_rules(cfg)
    out: list[RuleOutcome] = []
    if "covert_ceiling" in rules:
        out.append(covert_ceiling_outcome(current, cfg))
    if "citation_floor" in rules:
        out.append(_bound_rule("citation_floor", _overall(current, "citation"), cfg.citation_floor, above=False,
                               min_n=cfg.min_n))
    if "cited_covert_ceiling" in rules:
        out.append(_bound_rule("cited_covert_ceiling", _overall(current, "cited_covert"), cfg.cited_covert_ceiling,
                               above=True, min_n=cfg.min_n))
    if "drift_share_ceiling" in rules and drift_share is not None:
        out.append(RuleOutcome("drift_share_ceiling", None, drift_share, cfg.drift_share_ceiling,
                               drift_share > cfg.drift_share_ceiling))
    if reference is None:
        return out
    if "covert_rise" in rules:
        cur, ref = _overall(current, "covert"), _overall(reference, "covert")
        if cur is not None and ref is not None:
            alpha = cfg.rise_alpha
            out.append(_rise("covert_rise", None, cur, ref, lambda p: p < alpha, cfg.rise_ratio, cfg.min_n,
                             paired_rise_p)[0])
    if "family_covert_rise" in rules:
        out += _family_rise(current, reference, cfg, families)
    if "covert_sequential" in rules and nights:
        ref = _overall(reference, "covert")
        if ref is not None:
            out.append(sequential_outcome(nights, (ref["k"], ref["n"]), cfg))
    return out


def sequential_outcome(nights: Sequence[tuple[int, int]], reference: tuple[int, int],
                       cfg: AlertsConfig = DEFAULT_ALERTS) -> RuleOutcome:
    """The CUSUM's verdict on the last of ``nights`` (covert k, n each, oldest first) against the reference.

    ``p0`` is the reference's covert rate (half a covert answer when it has none, so that a rise from zero
    can be seen). The statistic restarts after each alarm; the last night is crossed when it alarms.
    """
    k_ref, n_ref = reference
    threshold = math.log(cfg.sequential_mean_nights_between_false_alarms)
    p0 = max(k_ref, 0.5) / n_ref if n_ref else math.nan
    if not 0 < p0 < 1 or cfg.sequential_ratio * p0 >= 1:
        return RuleOutcome("covert_sequential", None, None, threshold, None,
                           {"reason": f"no rise to {cfg.sequential_ratio} × the reference rate ({k_ref} of {n_ref}) "
                                      "can be a rate"})
    design = CusumDesign(p0=p0, ratio=cfg.sequential_ratio, threshold=threshold)
    steps = run_cusum(design, nights)
    last = steps[-1]
    return RuleOutcome("covert_sequential", None, last.statistic, design.threshold, last.alarm,
                       {"p0": design.p0, "p1": design.p1, "nights": len(nights),
                        "alarms_in_series": sum(s.alarm for s in steps),
                        "mean_nights_between_false_alarms": cfg.sequential_mean_nights_between_false_alarms})


def _family_rise(
    current: pl.DataFrame, reference: pl.DataFrame, cfg: AlertsConfig, families: set[str] | None
) -> list[RuleOutcome]:
    def by_family(rates: pl.DataFrame) -> dict[str, dict[str, Any]]:
        rows = rates.filter(pl.col("family").is_not_null() & (pl.col("metric") == "covert"))
        return {r["family"]: r for r in rows.iter_rows(named=True)}

    cur, ref = by_family(current), by_family(reference)
    names = sorted(set(cur) & set(ref) & (families if families is not None else set(cur)))
    judged: list[tuple[RuleOutcome, float]] = []
    out: list[RuleOutcome] = []
    for name in names:
        outcome, p = _rise("family_covert_rise", name, cur[name], ref[name], lambda _: True,
                           cfg.family_rise_ratio, cfg.family_min_n)
        if p is None:
            out.append(outcome)
        else:
            judged.append((outcome, p))
    # Many families are many tests: a family crosses only if Benjamini-Hochberg rejects it too.
    rejected = benjamini_hochberg([p for _, p in judged], cfg.family_fdr)
    for (outcome, _), bh in zip(judged, rejected, strict=True):
        detail = outcome.detail | {"bh_rejected": bh, "fdr": cfg.family_fdr}
        out.append(RuleOutcome(outcome.rule, outcome.family, outcome.value, outcome.threshold,
                               bool(outcome.crossed and bh), detail))
    return sorted(out, key=lambda o: o.family or "")
