"""Delivery of alert events to channels, exactly once per event and channel.

An outbox: every state change of an alert (``opened``, ``resolved``) is a row of
``alert_events`` with a stable id, written in the same transaction as the change
(:mod:`schemewatch.alerts`). :func:`deliver_pending` sends each event to each
channel that has not had it, and records the outcome in ``alert_deliveries``
right after the send, so calling it again — from the next sensor tick, or from
two processes at once (a file lock serialises them) — sends nothing twice.

The channels (log, JSONL, webhook, and any registered later) live in
:mod:`schemewatch.channels`. A channel that fails is recorded as failed and
retried on later calls, up to a bound; it never raises into the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from schemewatch.channels import AlertEvent, Channel, SendResult, channels_from_config
from schemewatch.clock import now_utc_naive
from schemewatch.config import AlertsConfig, PathsConfig
from schemewatch.locks import exclusive_lock
from schemewatch.warehouse import Warehouse, WarehouseReader


@dataclass(frozen=True)
class DeliveryRecord:
    """One (event, channel) outcome of a :func:`deliver_pending` call."""

    event_id: str
    alert_id: str
    event: str
    channel: str
    status: str
    attempts: int
    error: str | None


# --- the outbox ---------------------------------------------------------------------------------



def _delivery_lock(root: Path) -> AbstractContextManager[None]:
    # Two sensor processes must not both send the same event: one delivers at a time.
    return exclusive_lock(root / "delivery.lock")


def alert_events(reader: WarehouseReader) -> list[AlertEvent]:
    """Every recorded alert event, oldest first."""
    rows = reader.query(
        "SELECT event_id, alert_id, event, payload, created_at FROM alert_events ORDER BY created_at, event_id"
    )
    return [
        AlertEvent(r["event_id"], r["alert_id"], r["event"], json.loads(r["payload"]), r["created_at"])
        for r in rows.iter_rows(named=True)
    ]


def _record(warehouse: Warehouse, event: AlertEvent, channel: str, result: SendResult, prior_attempts: int) -> str:
    status = "delivered" if result.ok else "failed"
    now = now_utc_naive()
    with warehouse.transaction() as con:
        con.execute("DELETE FROM alert_deliveries WHERE event_id = ? AND channel = ?", [event.event_id, channel])
        con.execute(
            "INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event.event_id, event.alert_id, event.event, channel, status, prior_attempts + result.attempts,
             result.error, now if result.ok else None, now],
        )
    return status


def deliver_pending(
    warehouse: Warehouse,
    channels: Sequence[Channel],
    *,
    max_attempts: int = 10,
    max_event_age: timedelta | None = timedelta(days=7),
) -> list[DeliveryRecord]:
    """Send every undelivered alert event to every channel once; record each outcome.

    An (event, channel) pair already ``delivered`` is never sent again; a ``failed``
    one is retried on later calls until it has used ``max_attempts`` attempts. An
    event older than ``max_event_age`` is not sent to a channel that never had it,
    so a channel added later does not replay history.

    Returns:
        What this call did, one record per (event, channel) it tried.
    """
    names = [c.name for c in channels]
    if len(set(names)) != len(names):
        raise ValueError(f"channel names must be unique, got {names}")
    done: list[DeliveryRecord] = []
    with _delivery_lock(warehouse.root):
        # Read after taking the lock: every earlier deliverer has published its records.
        with WarehouseReader(warehouse.root) as reader:
            events = alert_events(reader)
            prior = {
                (r["event_id"], r["channel"]): (r["status"], r["attempts"])
                for r in reader.query("SELECT event_id, channel, status, attempts FROM alert_deliveries")
                .iter_rows(named=True)
            }
        oldest = now_utc_naive() - max_event_age if max_event_age is not None else None
        for event in events:
            for channel in channels:
                status, attempts = prior.get((event.event_id, channel.name), (None, 0))
                if status == "delivered" or attempts >= max_attempts:
                    continue
                if status is None and oldest is not None and event.created_at < oldest:
                    continue
                try:
                    result = channel.send(event)
                except Exception as exc:  # noqa: BLE001 - a channel's bug is its failed delivery, not the pipeline's
                    result = SendResult(False, 1, f"{type(exc).__name__}: {exc}")
                recorded = _record(warehouse, event, channel.name, result, attempts)
                done.append(DeliveryRecord(event.event_id, event.alert_id, event.event, channel.name, recorded,
                                           attempts + result.attempts, result.error))
    return done


def deliver(
    paths: PathsConfig,
    cfg: AlertsConfig,
    *,
    logger: Any = None,
    environ: Mapping[str, str] | None = None,
) -> list[DeliveryRecord]:
    """:func:`deliver_pending` to the configured channels with the configured bounds (the sensor's body)."""
    return deliver_pending(
        Warehouse(paths.warehouse_dir),
        channels_from_config(cfg, paths, environ, logger),
        max_attempts=cfg.max_delivery_attempts,
        max_event_age=timedelta(hours=cfg.max_event_age_h),
    )


def deliveries(reader: WarehouseReader) -> list[dict[str, Any]]:
    """Every recorded delivery, newest first, JSON-ready."""
    rows = reader.query(
        "SELECT event_id, alert_id, event, channel, status, attempts, last_error, delivered_at, updated_at "
        "FROM alert_deliveries ORDER BY updated_at DESC, event_id, channel"
    )
    return [
        {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()}
        for r in rows.iter_rows(named=True)
    ]
