"""Alert delivery channels, registered by name.

A channel is one class with a ``name``, a ``send`` that reports failure in its result
(it never raises), and a ``from_config`` that builds it from the ``[alerts]`` table,
the locations and the environment (``None``: not configured here, e.g. a webhook with
no URL). ``@register_channel`` puts it in :data:`CHANNELS`; ``[alerts] channels``
names channels from there, and :func:`channels_from_config` builds them.

Built in: a structured log line, a JSONL file, and a webhook (JSON POST with a
Slack-compatible ``text``; URL and token only from environment variables; retries
with exponential backoff).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

import httpx

from schemewatch.config import AlertsConfig, PathsConfig

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


class Channel(Protocol):
    """Where alert events go. ``send`` reports failure in its result; it does not raise."""

    name: ClassVar[str]
    on_by_default: ClassVar[bool]
    """Used when ``[alerts] channels`` is unset (and ``from_config`` builds it)."""
    needs: ClassVar[str]
    """What ``from_config`` needs, for the error when a named channel cannot be built."""

    @classmethod
    def from_config(cls, cfg: AlertsConfig, paths: PathsConfig, environ: Mapping[str, str],
                    logger: Any = None) -> Channel | None:
        """The channel as configured, or ``None`` when this environment does not configure it."""
        ...

    def send(self, event: AlertEvent) -> SendResult:
        """Deliver one event."""
        ...


CHANNELS: dict[str, type[Channel]] = {}
"""Every registered channel class by name (``@register_channel``)."""


def register_channel(cls: type[Channel]) -> type[Channel]:
    """Class decorator: make ``cls`` nameable in ``[alerts] channels`` under ``cls.name``."""
    if cls.name in CHANNELS and CHANNELS[cls.name] is not cls:
        raise ValueError(f"an alert channel named {cls.name!r} is already registered ({CHANNELS[cls.name]!r})")
    CHANNELS[cls.name] = cls
    return cls


def _fmt(value: Any, metric: str | None) -> str:
    if value is None:
        return "–"
    if metric in {"covert", "citation", "cited_covert", "aware", "incomplete", "unparseable", "drift_share"}:
        return f"{100 * float(value):.1f}%"
    return f"{float(value):.4g}"


def _ratio(value: Any) -> str:
    # The rule stores "inf" when the reference rate is 0 (a family with no covert answer at the reference)
    # and None when both are 0.
    if isinstance(value, int | float):
        return f"{value:.3g}"
    return "∞" if value == "inf" else "–"


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
            what += f", ×{_ratio(detail['ratio'])} the reference, Fisher p = {detail['p_value']:.2g}"
    date = f", evaluated {alert['eval_date']}" if alert.get("eval_date") else ""
    return f"[schemewatch] {event.upper()} {alert.get('rule')} — {where}, {family}: {what}{date} [{alert.get('id')}]"


@register_channel
class LogChannel:
    """A structured log line per event (WARNING when opened, INFO when resolved).

    ``logger`` may be a :class:`logging.Logger` or anything with ``warning``/``info``
    methods (a Dagster ``context.log``).
    """

    name = "log"
    on_by_default = True
    needs = "nothing"

    def __init__(self, logger: Any = None) -> None:
        self.logger = logger if logger is not None else logging.getLogger(LOGGER_NAME)

    @classmethod
    def from_config(cls, cfg: AlertsConfig, paths: PathsConfig, environ: Mapping[str, str],
                    logger: Any = None) -> LogChannel:
        return cls(logger)

    def send(self, event: AlertEvent) -> SendResult:
        line = json.dumps({"alert_event": event.event, **event.to_dict()}, default=str, sort_keys=True)
        (self.logger.warning if event.event == "opened" else self.logger.info)(line)
        return SendResult(True, 1)


@register_channel
class JsonlChannel:
    """Appends one JSON line per event to a file (parents created), never the same event twice.

    A writer killed between the append and the outbox record would otherwise append the
    event again on the next call: the channel reads the event ids already in the file
    (once per instance) and skips those. A line cut short by a crash mid-write (no final
    newline) is dropped before the next append, so every line stays one whole event.
    """

    name = "jsonl"
    on_by_default = True
    needs = "a writable file"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._written: set[str] | None = None

    @classmethod
    def from_config(cls, cfg: AlertsConfig, paths: PathsConfig, environ: Mapping[str, str],
                    logger: Any = None) -> JsonlChannel:
        return cls(cfg.jsonl_path or paths.alerts_jsonl)

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


@register_channel
class WebhookChannel:
    """JSON POST of each event, with a Slack-compatible ``text`` field.

    Retries network errors, 5xx, 408 and 429 with exponential backoff
    (``backoff_s``, doubled per retry); other 4xx fail at once. Errors are recorded
    without the URL or token, which may carry secrets (Slack webhook URLs do).
    """

    name = "webhook"
    on_by_default = True  # when its URL variable is set
    needs = "its URL variable ([alerts] webhook_url_env, default $SCHEMEWATCH_WEBHOOK_URL) set"

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

    @classmethod
    def from_config(cls, cfg: AlertsConfig, paths: PathsConfig, environ: Mapping[str, str],
                    logger: Any = None) -> WebhookChannel | None:
        return cls.from_env(cfg, environ)

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
    """The configured channels: ``cfg.channels`` in order, or every registered channel that is on by
    default and configured here (log + JSONL, plus the webhook when its URL variable is set).

    Raises:
        ChannelConfigError: a name that is not registered, or a named channel that cannot be
            built here (the webhook without its URL variable, or a URL that is not http(s)).
    """
    environ = os.environ if environ is None else environ
    if cfg.channels is None:
        names = [name for name, cls in CHANNELS.items() if cls.on_by_default]
    else:
        names = list(dict.fromkeys(cfg.channels))
    channels: list[Channel] = []
    for name in names:
        if name not in CHANNELS:
            raise ChannelConfigError(f"alerts.channels: unknown channel {name!r}; registered: {', '.join(CHANNELS)}")
        channel = CHANNELS[name].from_config(cfg, paths, environ, logger)
        if channel is None and cfg.channels is not None:
            raise ChannelConfigError(f"alerts.channels includes {name} but it is not configured here: "
                                     f"{CHANNELS[name].needs}")
        if channel is not None:
            channels.append(channel)
    return channels
