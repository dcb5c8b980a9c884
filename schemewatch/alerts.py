"""Alert rules over one evaluation against the reference evaluation, with hysteresis.

Rules (each from :class:`schemewatch.config.AlertsConfig`; a ``None`` threshold turns one off):

``covert_ceiling``
    the covert rate (point estimate, or the Wilson lower bound) above a ceiling;
``covert_rise``
    the covert rate rose over the reference: one-sided Fisher p < alpha *and*
    rate ≥ k × the reference rate;
``citation_floor``
    the spec-citation rate below a floor;
``cited_covert_ceiling``
    covert among spec-citing responses above a ceiling (citations that no longer
    mean honesty);
``drift_share_ceiling``
    the share of drifted columns in the evaluation's drift report above a ceiling;
``family_covert_rise``
    per family, the covert rise over the reference family, Benjamini–Hochberg
    across families, and the same ratio condition.

Hysteresis: an alert, keyed by (rule, checkpoint, family), opens on the first
evaluation that crosses its rule and resolves only after ``resolve_after``
consecutive evaluations back inside; in between it stays open. Every rule's
verdict on every evaluation is recorded in ``alert_checks``: re-checking an
evaluation changes nothing, so checking is idempotent. Each open/resolve writes
an ``alert_events`` row in the same transaction, for :mod:`schemewatch.delivery`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl

from schemewatch.clock import now_utc_naive
from schemewatch.config import AlertsConfig, DriftConfig
from schemewatch.drift import DEFAULT_DRIFT, resolve_reference
from schemewatch.stats import benjamini_hochberg, fisher_rise
from schemewatch.warehouse import Warehouse, WarehouseReader

DEFAULT_ALERTS = AlertsConfig()
# rule → the metric it watches (a rates metric, or drift_share).
RULES: dict[str, str] = {
    "covert_ceiling": "covert",
    "covert_rise": "covert",
    "citation_floor": "citation",
    "cited_covert_ceiling": "cited_covert",
    "drift_share_ceiling": "drift_share",
    "family_covert_rise": "covert",
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


@dataclass(frozen=True)
class CheckResult:
    """What checking one evaluation did.

    Attributes:
        eval_run_id: The evaluation checked.
        outcomes: The verdicts recorded by this call (empty when nothing was new).
        opened: Ids of the alerts this call opened.
        resolved: Ids of the alerts this call resolved.
        skipped: Why nothing was recorded, when nothing was.
    """

    eval_run_id: str
    outcomes: list[RuleOutcome]
    opened: list[str]
    resolved: list[str]
    skipped: str | None = None


def enabled_rules(cfg: AlertsConfig) -> list[str]:
    """The rules whose threshold is set."""
    on = {
        "covert_ceiling": cfg.covert_ceiling is not None,
        "covert_rise": cfg.rise_alpha is not None,
        "citation_floor": cfg.citation_floor is not None,
        "cited_covert_ceiling": cfg.cited_covert_ceiling is not None,
        "drift_share_ceiling": cfg.drift_share_ceiling is not None,
        "family_covert_rise": cfg.family_fdr is not None,
    }
    return [r for r in RULES if on[r]]


# --- the rules (pure) ---------------------------------------------------------------------------


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
    ratio_k: float, min_n: int,
) -> tuple[RuleOutcome, float | None]:
    """A covert rise of ``cur`` over ``ref``; returns the outcome (crossed unset for BH) and the p-value."""
    if cur["n"] < min_n or ref["n"] < min_n:
        n = min(cur["n"], ref["n"])
        return RuleOutcome(rule, family, None, None, None, {"n": n, "reason": f"n = {n} < min_n = {min_n}"}), None
    test = fisher_rise(ref["k"], ref["n"], cur["k"], cur["n"])
    ratio = test.ratio
    detail = {
        "k": cur["k"], "n": cur["n"], "reference_k": ref["k"], "reference_n": ref["n"],
        "reference_rate": test.before.rate, "p_value": test.p_value,
        "ratio": None if math.isnan(ratio) else (ratio if math.isfinite(ratio) else "inf"),
    }
    ratio_ok = not math.isnan(ratio) and ratio >= ratio_k
    crossed = alpha_ok(test.p_value) and ratio_ok
    return RuleOutcome(rule, family, test.after.rate, ratio_k * test.before.rate, crossed, detail), test.p_value


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
) -> list[RuleOutcome]:
    """Every enabled rule's verdict on one evaluation. Pure and deterministic.

    Args:
        current: The evaluation's rates (``schemewatch.rates.compute_rates`` columns).
        reference: The reference evaluation's rates; ``None`` leaves out the rise rules.
        cfg: Thresholds.
        drift_share: The evaluation's drifted share; ``None`` leaves out that rule.
        families: Families the per-family rule watches (default: all in both runs).
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
            out.append(_rise("covert_rise", None, cur, ref, lambda p: p < alpha, cfg.rise_ratio, cfg.min_n)[0])
    if "family_covert_rise" in rules:
        out += _family_rise(current, reference, cfg, families)
    return out


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


# --- hysteresis, in one warehouse transaction ---------------------------------------------------



def alert_id(rule: str, checkpoint_id: str, family: str | None, opened_by: str) -> str:
    """A stable id: the same crossing always names the same alert."""
    key = "\x1f".join([rule, checkpoint_id, family or "", opened_by])
    return "al-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _iso(x: Any) -> Any:
    return x.isoformat() if isinstance(x, datetime | date) else x


_ALERT_PAYLOAD = """
SELECT a.alert_id AS id, a.rule, a.metric, a.checkpoint_id AS checkpoint, coalesce(c.stage, 'external') AS stage,
       a.family, a.status, a.value, a.threshold, a.opened_at, a.resolved_at, a.eval_run_id,
       a.resolved_eval_run_id, a.last_eval_run_id, a.last_value, a.inside_streak, e.eval_date, a.detail
FROM alerts a LEFT JOIN checkpoints c USING (checkpoint_id) LEFT JOIN eval_runs e ON e.eval_run_id = a.eval_run_id
"""


def _alert_dict(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: _iso(v) for k, v in row.items()}
    out["detail"] = json.loads(row["detail"]) if row.get("detail") else {}
    return out


def _add_event(con: duckdb.DuckDBPyConnection, alert: str, event: str, eval_run_id: str, now: datetime) -> None:
    cur = con.execute(_ALERT_PAYLOAD + " WHERE a.alert_id = ?", [alert])
    names = [d[0] for d in cur.description]
    payload = _alert_dict(dict(zip(names, cur.fetchone(), strict=True)))
    con.execute(
        "INSERT INTO alert_events VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [f"{alert}:{event}", alert, event, eval_run_id, json.dumps(payload, default=str), now],
    )


def _apply(
    con: duckdb.DuckDBPyConnection, eval_run_id: str, checkpoint_id: str, outcomes: list[RuleOutcome],
    resolve_after: int,
) -> tuple[list[str], list[str]]:
    """Record ``outcomes`` for one evaluation and step each alert's hysteresis; (opened, resolved) ids."""
    done = {r for (r,) in con.execute(
        "SELECT DISTINCT rule FROM alert_checks WHERE eval_run_id = ?", [eval_run_id]).fetchall()}
    opened: list[str] = []
    resolved: list[str] = []
    now = now_utc_naive()
    (this_date,) = con.execute("SELECT eval_date FROM eval_runs WHERE eval_run_id = ?", [eval_run_id]).fetchone()
    for o in outcomes:
        if o.rule in done:
            continue  # this evaluation was already judged by this rule: idempotent
        touched = None
        (latest,) = con.execute(
            "SELECT max(r.eval_date) FROM alert_checks a JOIN eval_runs r USING (eval_run_id) "
            "WHERE a.rule = ? AND a.checkpoint_id = ? AND a.family IS NOT DISTINCT FROM ?",
            [o.rule, checkpoint_id, o.family]).fetchone()
        if latest is not None and this_date < latest:
            # A backfilled older night: recorded, but the alert's state already reflects newer nights.
            o = replace(o, detail=o.detail | {"not_stepped": f"older than the latest judged evaluation ({latest})"})
        elif o.crossed is not None:
            row = con.execute(
                "SELECT alert_id, inside_streak FROM alerts WHERE status = 'open' AND rule = ? AND checkpoint_id = ? "
                "AND family IS NOT DISTINCT FROM ?", [o.rule, checkpoint_id, o.family]).fetchone()
            if row is not None:
                touched, streak = row[0], (0 if o.crossed else (row[1] or 0) + 1)
                if streak >= resolve_after:
                    con.execute(
                        "UPDATE alerts SET status = 'resolved', resolved_at = ?, resolved_eval_run_id = ?, "
                        "inside_streak = ?, last_value = ?, last_eval_run_id = ? WHERE alert_id = ?",
                        [now, eval_run_id, streak, o.value, eval_run_id, touched])
                    _add_event(con, touched, "resolved", eval_run_id, now)
                    resolved.append(touched)
                else:
                    con.execute(
                        "UPDATE alerts SET inside_streak = ?, last_value = ?, last_eval_run_id = ? WHERE alert_id = ?",
                        [streak, o.value, eval_run_id, touched])
            elif o.crossed:
                touched = alert_id(o.rule, checkpoint_id, o.family, eval_run_id)
                con.execute(
                    "INSERT INTO alerts (alert_id, rule, checkpoint_id, family, status, value, threshold, eval_run_id, "
                    "opened_at, resolved_at, detail, metric, inside_streak, last_value, last_eval_run_id, "
                    "resolved_eval_run_id) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, NULL, ?, ?, 0, ?, ?, NULL)",
                    [touched, o.rule, checkpoint_id, o.family, o.value, o.threshold, eval_run_id, now,
                     json.dumps(o.detail, default=str), o.metric, o.value, eval_run_id])
                _add_event(con, touched, "opened", eval_run_id, now)
                opened.append(touched)
        con.execute(
            "INSERT INTO alert_checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [eval_run_id, checkpoint_id, o.rule, o.family, o.metric, o.value, o.threshold, o.crossed, touched,
             json.dumps(o.detail, default=str), now])
    return opened, resolved


# --- checking evaluations -----------------------------------------------------------------------


def check_run(
    warehouse: Warehouse,
    eval_run_id: str,
    cfg: AlertsConfig = DEFAULT_ALERTS,
    drift_cfg: DriftConfig = DEFAULT_DRIFT,
) -> CheckResult:
    """Judge one evaluation by every enabled rule and step the alerts' hysteresis.

    Idempotent: rules that already judged this evaluation are not applied again.
    Rules that need data not there yet (no reference evaluation, no drift report)
    are left for a later call. Evaluations of ``cfg.skip_stages``, of another split
    than ``cfg.split`` or with a forced response prefix (interventions) are skipped.
    """
    with WarehouseReader(warehouse.root) as reader:
        runs = reader.query(
            "SELECT r.checkpoint_id, r.split, r.response_prefix, coalesce(c.stage, 'external') AS stage "
            "FROM eval_runs r LEFT JOIN checkpoints c USING (checkpoint_id) WHERE r.eval_run_id = ?", [eval_run_id])
        if runs.is_empty():
            raise LookupError(f"evaluation run {eval_run_id!r} is not in the warehouse; store it first")
        run = runs.row(0, named=True)
        skipped = (
            f"stage {run['stage']} is in alerts.skip_stages" if run["stage"] in cfg.skip_stages
            else f"split {run['split']} is not alerts.split {cfg.split}" if run["split"] != cfg.split
            else "a forced response prefix (an intervention, not a nightly evaluation)" if run["response_prefix"]
            else None
        )
        if skipped:
            return CheckResult(eval_run_id, [], [], [], skipped)
        done = set(reader.query("SELECT DISTINCT rule FROM alert_checks WHERE eval_run_id = ?",
                                [eval_run_id])["rule"].to_list())
        if set(enabled_rules(cfg)) <= done:
            return CheckResult(eval_run_id, [], [], [], "already checked")
        rates_sql = "SELECT family, metric, k, n, rate, ci_low, ci_high FROM rates WHERE eval_run_id = ?"
        current = reader.query(rates_sql, [eval_run_id])
        reference_id = resolve_reference(reader, run["split"], drift_cfg)
        reference = reader.query(rates_sql, [reference_id]) if reference_id else None
        share = reader.query("SELECT drift_share FROM drift_reports WHERE eval_run_id = ?", [eval_run_id])
        sample_families = reader.run_samples(eval_run_id).select("family", "counts_in_aggregate").unique()
    if not cfg.family_include_non_aggregate:
        sample_families = sample_families.filter(pl.col("counts_in_aggregate"))
    outcomes = evaluate_rules(
        current, reference, cfg,
        drift_share=share["drift_share"][0] if share.height else None,
        families=set(sample_families["family"].to_list()),
    )
    outcomes = [
        replace(o, detail=o.detail | {"reference_run_id": reference_id}) if o.rule.endswith("covert_rise") else o
        for o in outcomes
        if o.rule not in done
    ]
    if not outcomes:
        return CheckResult(eval_run_id, [], [], [], "waiting for a reference or a drift report")
    with warehouse.transaction() as con:
        opened, resolved = _apply(con, eval_run_id, run["checkpoint_id"], outcomes, cfg.resolve_after)
    return CheckResult(eval_run_id, outcomes, opened, resolved)


def runs_to_check(reader: WarehouseReader, cfg: AlertsConfig = DEFAULT_ALERTS) -> list[str]:
    """Evaluations some enabled rule can judge and has not yet, oldest first (the order hysteresis needs).

    The drift-share rule counts only once the evaluation has a drift report.
    """
    rules = enabled_rules(cfg)
    return reader.query(
        """
        SELECT r.eval_run_id FROM ordinary_runs r LEFT JOIN checkpoints c USING (checkpoint_id)
        WHERE r.split = ?
          AND coalesce(c.stage, 'external') NOT IN (SELECT unnest(?::VARCHAR[]))
          AND (SELECT count(DISTINCT a.rule) FROM alert_checks a
               WHERE a.eval_run_id = r.eval_run_id AND a.rule IN (SELECT unnest(?::VARCHAR[])))
              < ? - CASE WHEN ? AND r.eval_run_id NOT IN (SELECT eval_run_id FROM drift_reports) THEN 1 ELSE 0 END
        ORDER BY r.eval_date, r.created_at, r.eval_run_id
        """,
        [cfg.split, list(cfg.skip_stages), rules, len(rules), "drift_share_ceiling" in rules],
    )["eval_run_id"].to_list()


def check_pending(
    warehouse: Warehouse, cfg: AlertsConfig = DEFAULT_ALERTS, drift_cfg: DriftConfig = DEFAULT_DRIFT
) -> list[CheckResult]:
    """:func:`check_run` for every evaluation not fully judged yet, oldest first."""
    with WarehouseReader(warehouse.root) as reader:
        pending = runs_to_check(reader, cfg)
    return [check_run(warehouse, run_id, cfg, drift_cfg) for run_id in pending]


def list_alerts(
    reader: WarehouseReader, *, status: str | None = None, checkpoint: str | None = None
) -> list[dict[str, Any]]:
    """Alerts as JSON-ready dicts (``id``, ``rule``, ``metric``, ``checkpoint``, ``stage``, ``family``
    (null for overall), ``status``, ``value``, ``threshold``, ``opened_at``, ``resolved_at``, …),
    open ones first, newest first."""
    rows = reader.query(
        _ALERT_PAYLOAD
        + " WHERE (CAST(? AS VARCHAR) IS NULL OR a.status = ?) AND (CAST(? AS VARCHAR) IS NULL OR a.checkpoint_id = ?)"
        " ORDER BY a.status = 'open' DESC, a.opened_at DESC, a.alert_id",
        [status, status, checkpoint, checkpoint],
    )
    return [_alert_dict(r) for r in rows.iter_rows(named=True)]


# --- everything after an evaluation ---------------------------------------------------------------
