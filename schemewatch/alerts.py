"""Alerts: the rules' verdicts on each evaluation, with hysteresis, recorded in the warehouse.

The rules themselves are pure and live in :mod:`schemewatch.alert_rules`.

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
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl

from schemewatch.alert_rules import DEFAULT_ALERTS, RuleOutcome, enabled_rules, evaluate_rules
from schemewatch.clock import now_utc_naive
from schemewatch.compare import paired_runs
from schemewatch.config import AlertsConfig, DriftConfig
from schemewatch.drift import DEFAULT_DRIFT, resolve_reference
from schemewatch.paired_test import paired_comparison
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_schema import OWN_SUITE, SUITE_SQL


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


# --- hysteresis, in one warehouse transaction ---------------------------------------------------



def alert_id(rule: str, checkpoint_id: str, family: str | None, opened_by: str) -> str:
    """A stable id: the same crossing always names the same alert."""
    key = "\x1f".join([rule, checkpoint_id, family or "", opened_by])
    return "al-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def _iso(x: Any) -> Any:
    return x.isoformat() if isinstance(x, datetime | date) else x


_ALERT_PAYLOAD = f"""
SELECT a.alert_id AS id, a.rule, a.metric, a.checkpoint_id AS checkpoint, coalesce(c.stage, 'external') AS stage,
       coalesce(a.suite, '{OWN_SUITE}') AS suite, a.family, a.status, a.value, a.threshold, a.opened_at,
       a.resolved_at, a.eval_run_id, a.resolved_eval_run_id, a.last_eval_run_id, a.last_value, a.inside_streak,
       e.eval_date, a.detail
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
    resolve_after: int, suite: str = OWN_SUITE,
) -> tuple[list[str], list[str]]:
    """Record ``outcomes`` for one evaluation and step each alert's hysteresis; (opened, resolved) ids.

    An alert belongs to (rule, checkpoint, family, suite) (warehouse_schema.SUITE_SQL), so an ingested
    Inspect task never steps the state of ours. Alerts stored before they had a suite are ours.
    """
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
            f"WHERE a.rule = ? AND a.checkpoint_id = ? AND a.family IS NOT DISTINCT FROM ? "
            f"AND {SUITE_SQL} = ?",
            [o.rule, checkpoint_id, o.family, suite]).fetchone()
        if latest is not None and this_date < latest:
            # A backfilled older night: recorded, but the alert's state already reflects newer nights.
            o = replace(o, detail=o.detail | {"not_stepped": f"older than the latest judged evaluation ({latest})"})
        elif o.crossed is not None:
            row = con.execute(
                "SELECT alert_id, inside_streak FROM alerts WHERE status = 'open' AND rule = ? AND checkpoint_id = ? "
                f"AND family IS NOT DISTINCT FROM ? AND coalesce(suite, '{OWN_SUITE}') = ?",
                [o.rule, checkpoint_id, o.family, suite]).fetchone()
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
                    "resolved_eval_run_id, suite) "
                    "VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, NULL, ?, ?, 0, ?, ?, NULL, ?)",
                    [touched, o.rule, checkpoint_id, o.family, o.value, o.threshold, eval_run_id, now,
                     json.dumps(o.detail, default=str), o.metric, o.value, eval_run_id, suite])
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
            "SELECT r.checkpoint_id, r.split, r.response_prefix, coalesce(c.stage, 'external') AS stage, "
            f"{SUITE_SQL} AS suite "
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
        reference_id = resolve_reference(reader, run["split"], drift_cfg, run["suite"])
        reference = reader.query(rates_sql, [reference_id]) if reference_id else None
        share = reader.query("SELECT drift_share FROM drift_reports WHERE eval_run_id = ?", [eval_run_id])
        sample_families = reader.run_samples(eval_run_id).select("family", "counts_in_aggregate").unique()
        nights = nightly_series(reader, eval_run_id) if cfg.sequential_ratio is not None else None
        paired_p = None
        if reference_id and cfg.rise_alpha is not None:
            headline, _ = paired_runs(reader, reference_id, eval_run_id)
            paired_p = paired_comparison(headline).p_rise if headline else None
    if not cfg.family_include_non_aggregate:
        sample_families = sample_families.filter(pl.col("counts_in_aggregate"))
    outcomes = evaluate_rules(
        current, reference, cfg,
        drift_share=share["drift_share"][0] if share.height else None,
        families=set(sample_families["family"].to_list()),
        nights=nights,
        paired_rise_p=paired_p,
    )
    outcomes = [
        replace(o, detail=o.detail | {"reference_run_id": reference_id})
        if o.rule.endswith("covert_rise") or o.rule == "covert_sequential" else o
        for o in outcomes
        if o.rule not in done
    ]
    if not outcomes:
        return CheckResult(eval_run_id, [], [], [], "waiting for a reference or a drift report")
    with warehouse.transaction() as con:
        opened, resolved = _apply(con, eval_run_id, run["checkpoint_id"], outcomes, cfg.resolve_after,
                                  run["suite"])
    return CheckResult(eval_run_id, outcomes, opened, resolved)


_NIGHTS = """
WITH this AS (SELECT r.checkpoint_id, r.split, r.eval_date, r.suite
              FROM ordinary_runs r WHERE r.eval_run_id = ?),
nightly AS (
    SELECT r.eval_run_id, r.eval_date,
           row_number() OVER (PARTITION BY r.eval_date ORDER BY r.created_at DESC, r.eval_run_id DESC) AS rn
    FROM ordinary_runs r, this
    WHERE r.checkpoint_id = this.checkpoint_id AND r.split = this.split AND r.eval_date <= this.eval_date
      AND r.suite IS NOT DISTINCT FROM this.suite)
SELECT n.eval_date, t.k, t.n FROM nightly n JOIN rates t USING (eval_run_id)
WHERE n.rn = 1 AND t.family IS NULL AND t.metric = 'covert'
ORDER BY n.eval_date
"""


def nightly_series(reader: WarehouseReader, eval_run_id: str) -> list[tuple[int, int]]:
    """The overall covert (k, n) of the run's checkpoint on each evaluation date up to the run's, oldest first.

    One evaluation per date (the newest; the run itself on its own date), of the same suite and split:
    the series the sequential rule accumulates.
    """
    rows = reader.query(_NIGHTS, [eval_run_id])
    return [(int(k), int(n)) for _, k, n in rows.iter_rows()]


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
