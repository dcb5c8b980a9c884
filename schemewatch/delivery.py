"""Delivery of alert events to channels, exactly once per event and channel.

An outbox: every state change of an alert (``opened``, ``resolved``) is a row of
``alert_events`` with a stable id, written in the same transaction as the change
(:mod:`schemewatch.alerts`). :func:`deliver_pending` sends each event to each
channel that has not had it, and records the outcome in ``alert_deliveries``
right after the send, so calling it again — from the next sensor tick, or from
two processes at once (a file lock serialises them) — sends nothing twice.

Channels: a structured log line, a JSONL file, and a webhook (JSON POST with a
Slack-compatible ``text``; URL and token only from environment variables;
retries with exponential backoff). A channel that fails is recorded as failed
and retried on later calls, up to a bound; it never raises into the pipeline.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx

from schemewatch.clock import now_utc_naive
from schemewatch.config import AlertsConfig, PathsConfig
from schemewatch.locks import exclusive_lock
from schemewatch.warehouse import Warehouse, WarehouseReader

LOGGER_NAME = "schemewatch.alerts"
# Retry delays never grow past this, whatever the configured backoff.
_MAX_BACKOFF_S = 30.0


class ChannelConfigError(ValueError):
    """A delivery channel that cannot be built from the configuration and environment."""


@dataclass(frozen=True)
class AlertEvent:
    """One alert state change to deliver.

    Attributes:
        event_id: Stable id (``<alert_id>:<event>``), the idempotency key.
        alert_id: The alert that changed.
        event: ``opened`` or ``resolved``.
        payload: The alert as it was after the change (JSON-ready).
        created_at: When the change was recorded (UTC, naive).
    """

    event_id: str
    alert_id: str
    event: str
    payload: dict[str, Any]
    created_at: datetime

    @property
    def text(self) -> str:
        """A one-line human summary (the webhook's Slack-compatible ``text``)."""
        return format_event_text(self.event, self.payload)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of the webhook and of a JSONL line."""
        return {"event_id": self.event_id, "event": self.event, "text": self.text, "alert": self.payload}


@dataclass(frozen=True)
class SendResult:
    """What one channel made of one event."""

    ok: bool
    attempts: int
    error: str | None = None


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


class Channel(Protocol):
    """Where alert events go. ``send`` reports failure in its result; it does not raise."""

    name: str

    def send(self, event: AlertEvent) -> SendResult:
        """Deliver one event."""
        ...


def _fmt(value: Any, metric: str | None) -> str:
    if value is None:
        return "–"
    if metric in {"covert", "citation", "cited_covert", "aware", "incomplete", "unparseable", "drift_share"}:
        return f"{100 * float(value):.1f}%"
    return f"{float(value):.4g}"


def format_event_text(event: str, alert: Mapping[str, Any]) -> str:
    """``[schemewatch] OPENED covert_ceiling — cap-2-… (cap-2), all families: covert 31.0% (threshold 25.0%) …``."""
    metric = alert.get("metric")
    where = f"{alert.get('checkpoint')} ({alert.get('stage')})"
    family = alert.get("family") or "all families"
    if event == "resolved":
        what = (f"back inside for {alert.get('inside_streak')} evaluations, last {metric} "
                f"{_fmt(alert.get('last_value'), metric)} (threshold {_fmt(alert.get('threshold'), metric)})")
    else:
        what = f"{metric} {_fmt(alert.get('value'), metric)} (threshold {_fmt(alert.get('threshold'), metric)})"
        detail = alert.get("detail") or {}
        if "p_value" in detail and "ratio" in detail:
            what += f", ×{detail['ratio']:.3g} the reference, Fisher p = {detail['p_value']:.2g}"
    date = f", evaluated {alert['eval_date']}" if alert.get("eval_date") else ""
    return f"[schemewatch] {event.upper()} {alert.get('rule')} — {where}, {family}: {what}{date} [{alert.get('id')}]"


class LogChannel:
    """A structured log line per event (WARNING when opened, INFO when resolved).

    ``logger`` may be a :class:`logging.Logger` or anything with ``warning``/``info``
    methods (a Dagster ``context.log``).
    """

    name = "log"

    def __init__(self, logger: Any = None) -> None:
        self.logger = logger if logger is not None else logging.getLogger(LOGGER_NAME)

    def send(self, event: AlertEvent) -> SendResult:
        line = json.dumps({"alert_event": event.event, **event.to_dict()}, default=str, sort_keys=True)
        (self.logger.warning if event.event == "opened" else self.logger.info)(line)
        return SendResult(True, 1)


class JsonlChannel:
    """Appends one JSON line per event to a file (parents created), never the same event twice.

    A writer killed between the append and the outbox record would otherwise append the
    event again on the next call: the channel reads the event ids already in the file
    (once per instance) and skips those. A line cut short by a crash mid-write (no final
    newline) is dropped before the next append, so every line stays one whole event.
    """

    name = "jsonl"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._written: set[str] | None = None

    def _ids_in_file(self) -> set[str]:
        if self._written is None:
            self._written = set()
            if self.path.is_file():
                data = self.path.read_bytes()
                whole = data[: data.rfind(b"\n") + 1]
                if len(whole) != len(data):  # a torn last line: cut it off
                    with open(self.path, "r+b") as f:
                        f.truncate(len(whole))
                for line in whole.decode("utf-8", errors="replace").splitlines():
                    try:
                        self._written.add(json.loads(line)["event_id"])
                    except (ValueError, KeyError, TypeError):
                        continue
        return self._written

    def send(self, event: AlertEvent) -> SendResult:
        line = json.dumps(event.to_dict() | {"created_at": event.created_at.isoformat()}, default=str)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if event.event_id in self._ids_in_file():
                return SendResult(True, 0)  # appended before a crash that came before its record
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            return SendResult(False, 1, f"{type(exc).__name__}: {exc.strerror or exc}")
        self._ids_in_file().add(event.event_id)
        return SendResult(True, 1)


class WebhookChannel:
    """JSON POST of each event, with a Slack-compatible ``text`` field.

    Retries network errors, 5xx, 408 and 429 with exponential backoff
    (``backoff_s``, doubled per retry); other 4xx fail at once. Errors are recorded
    without the URL or token, which may carry secrets (Slack webhook URLs do).
    """

    name = "webhook"

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        retries: int = 3,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ChannelConfigError("the webhook URL must start with http:// or https://")
        self.url, self.token = url, token
        self.retries, self.backoff_s, self.timeout_s = retries, backoff_s, timeout_s
        self._sleep = sleep

    @classmethod
    def from_env(cls, cfg: AlertsConfig, environ: Mapping[str, str] | None = None) -> WebhookChannel | None:
        """The webhook named by ``cfg.webhook_url_env`` / ``cfg.webhook_token_env``; None when the URL is unset."""
        environ = os.environ if environ is None else environ
        url = environ.get(cfg.webhook_url_env, "").strip()
        if not url:
            return None
        token = environ.get(cfg.webhook_token_env, "").strip() or None
        return cls(url, token, retries=cfg.webhook_retries, backoff_s=cfg.webhook_backoff_s,
                   timeout_s=cfg.webhook_timeout_s)

    def _redact(self, text: str) -> str:
        for secret in (self.url, self.token):
            if secret:
                text = text.replace(secret, "<redacted>")
        return text

    def send(self, event: AlertEvent) -> SendResult:
        headers = {"Idempotency-Key": event.event_id, "User-Agent": "schemewatch-alerts"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.loads(json.dumps(event.to_dict(), default=str))
        error = "not attempted"
        attempts = 0
        with httpx.Client(timeout=self.timeout_s) as client:
            for attempt in range(self.retries + 1):
                attempts += 1
                try:
                    response = client.post(self.url, json=body, headers=headers)
                except httpx.HTTPError as exc:
                    error, retryable = self._redact(f"{type(exc).__name__}: {exc}"), True
                else:
                    if response.is_success:
                        return SendResult(True, attempts)
                    error = f"HTTP {response.status_code}"
                    retryable = response.status_code >= 500 or response.status_code in (408, 429)
                if not retryable or attempt == self.retries:
                    break
                self._sleep(min(self.backoff_s * 2**attempt, _MAX_BACKOFF_S))
        return SendResult(False, attempts, error)


def channels_from_config(
    cfg: AlertsConfig,
    paths: PathsConfig,
    environ: Mapping[str, str] | None = None,
    logger: Any = None,
) -> list[Channel]:
    """The configured channels: by default log + JSONL, plus the webhook when its URL variable is set.

    Raises:
        ChannelConfigError: when ``cfg.channels`` names the webhook but its URL variable is
            unset, or the URL is not http(s).
    """
    webhook = WebhookChannel.from_env(cfg, environ)
    names = cfg.channels if cfg.channels is not None else ("log", "jsonl", *(("webhook",) if webhook else ()))
    channels: list[Channel] = []
    for name in dict.fromkeys(names):
        if name == "log":
            channels.append(LogChannel(logger))
        elif name == "jsonl":
            channels.append(JsonlChannel(cfg.jsonl_path or paths.alerts_jsonl))
        elif name == "webhook":
            if webhook is None:
                raise ChannelConfigError(f"alerts.channels includes webhook but ${cfg.webhook_url_env} is not set")
            channels.append(webhook)
    return channels


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
                result = channel.send(event)
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
