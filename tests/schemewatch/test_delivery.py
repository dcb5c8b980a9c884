"""Delivery of alert events: exactly once per channel, webhook retries against a local HTTP server."""

import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from schemewatch.alerts import check_run
from schemewatch.channels import JsonlChannel, LogChannel, WebhookChannel, channels_from_config
from schemewatch.config import AlertsConfig, PathsConfig
from schemewatch.delivery import alert_events, deliver_pending, deliveries
from schemewatch.warehouse import Warehouse, WarehouseReader
from tests.schemewatch.monitoring_data import register, store

# Only the overall covert ceiling, so one crossing is one alert and one event.
ONE_RULE = AlertsConfig(rise_alpha=None, sequential_ratio=None, family_fdr=None, cited_covert_ceiling=None,
                        citation_floor=None, drift_share_ceiling=None, webhook_backoff_s=0.01, webhook_retries=2)
TOKEN = "s3cret-token"


class Receiver:
    """A local webhook endpoint answering with scripted status codes (the last one repeats)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.requests = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": json.loads(body)})
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"nope")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/xyz"

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    """A warehouse with one open alert (covert 40% on cap-1), hence one pending event."""
    w = Warehouse(tmp_path / "wh")
    register(w, "as-rl-ck", "as-rl", tmp_path)
    register(w, "cap-1-ck", "cap-1", tmp_path)
    store(w, "as-rl-ck", 0, covert=0.05)
    assert len(check_run(w, store(w, "cap-1-ck", 1, covert=0.4), ONE_RULE).opened) == 1
    return w


def webhook(url: str) -> WebhookChannel:
    channel = WebhookChannel.from_env(ONE_RULE, {"SCHEMEWATCH_WEBHOOK_URL": url,
                                                 "SCHEMEWATCH_WEBHOOK_TOKEN": TOKEN})
    assert channel is not None
    return channel


def recorded(w: Warehouse) -> dict[str, dict]:
    with WarehouseReader(w.root) as r:
        return {d["channel"]: d for d in deliveries(r)}


def test_a_500_then_a_200_is_delivered_once_after_one_retry(warehouse) -> None:
    with Receiver([500, 200]) as receiver:
        first = deliver_pending(warehouse, [webhook(receiver.url)])
        second = deliver_pending(warehouse, [webhook(receiver.url)])
    assert [(d.status, d.attempts) for d in first] == [("delivered", 2)] and second == []
    assert len(receiver.requests) == 2  # the failed try and the retry; nothing on the second call
    sent = receiver.requests[-1]
    assert sent["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert sent["headers"]["Idempotency-Key"] == first[0].event_id
    assert sent["body"]["text"].startswith("[schemewatch] OPENED covert_ceiling") and "40.0%" in sent["body"]["text"]
    assert sent["body"]["alert"]["checkpoint"] == "cap-1-ck" and sent["body"]["event"] == "opened"
    row = recorded(warehouse)["webhook"]
    assert row["status"] == "delivered" and row["attempts"] == 2 and row["delivered_at"]


def test_an_endpoint_that_always_fails_is_recorded_failed_and_the_rest_goes_on(warehouse, tmp_path, caplog) -> None:
    jsonl = tmp_path / "out" / "alerts.jsonl"
    with Receiver([500]) as receiver:
        channels = [LogChannel(), webhook(receiver.url), JsonlChannel(jsonl)]
        with caplog.at_level(logging.INFO, logger="schemewatch.alerts"):
            done = deliver_pending(warehouse, channels)  # no exception
        assert {d.channel: d.status for d in done} == {"log": "delivered", "webhook": "failed", "jsonl": "delivered"}
        assert len(receiver.requests) == ONE_RULE.webhook_retries + 1
        rows = recorded(warehouse)
        assert rows["webhook"]["status"] == "failed" and rows["webhook"]["last_error"] == "HTTP 500"
        # A later call retries only the failed channel, counting attempts, and stops at the bound.
        again = deliver_pending(warehouse, channels, max_attempts=4)
        assert [(d.channel, d.attempts) for d in again] == [("webhook", 6)]
        assert deliver_pending(warehouse, channels, max_attempts=4) == []
        assert len(receiver.requests) == 6
    assert len(jsonl.read_text().splitlines()) == 1
    assert len([r for r in caplog.records if "al-" in r.getMessage()]) == 1


def test_a_client_error_is_not_retried_and_secrets_stay_out_of_errors(warehouse) -> None:
    with Receiver([404]) as receiver:
        [done] = deliver_pending(warehouse, [webhook(receiver.url)])
    assert (done.status, done.attempts, done.error) == ("failed", 1, "HTTP 404")
    # Nobody listens here: the transport error must not leak the URL (Slack puts secrets in it).
    secret_url = "http://127.0.0.1:9/hooks/T000/B000/secret-path"
    down = WebhookChannel(secret_url, TOKEN, retries=1, backoff_s=0.0)
    result = down.send(_first_event(warehouse))
    assert not result.ok and result.attempts == 2 and "secret-path" not in result.error and TOKEN not in result.error


def _first_event(w: Warehouse):
    with WarehouseReader(w.root) as r:
        return alert_events(r)[0]


def test_jsonl_and_log_deliver_each_event_exactly_once(warehouse, tmp_path, caplog) -> None:
    jsonl = tmp_path / "alerts.jsonl"
    channels = [LogChannel(), JsonlChannel(jsonl)]
    with caplog.at_level(logging.INFO, logger="schemewatch.alerts"):
        for _ in range(3):
            deliver_pending(warehouse, channels)
        # The alert resolves after two evaluations inside: one more event, delivered once too.
        check_run(warehouse, store(warehouse, "cap-1-ck", 2, covert=0.05), ONE_RULE)
        check_run(warehouse, store(warehouse, "cap-1-ck", 3, covert=0.05), ONE_RULE)
        deliver_pending(warehouse, channels)
        deliver_pending(warehouse, channels)
    lines = [json.loads(x) for x in jsonl.read_text().splitlines()]
    assert [x["event"] for x in lines] == ["opened", "resolved"]
    assert lines[0]["event_id"].endswith(":opened") and lines[1]["alert"]["status"] == "resolved"
    logged = [(json.loads(r.getMessage())["event"], r.levelname) for r in caplog.records
              if r.name == "schemewatch.alerts"]
    assert logged == [("opened", "WARNING"), ("resolved", "INFO")]


def test_a_channel_added_later_does_not_replay_old_events(warehouse, tmp_path) -> None:
    deliver_pending(warehouse, [LogChannel()])
    late = JsonlChannel(tmp_path / "late.jsonl")
    assert deliver_pending(warehouse, [late], max_event_age=timedelta(0)) == []
    assert len(deliver_pending(warehouse, [late])) == 1


def test_channels_come_from_config_and_the_environment(tmp_path) -> None:
    paths = PathsConfig(data_dir=tmp_path)
    assert [c.name for c in channels_from_config(AlertsConfig(), paths, environ={})] == ["log", "jsonl"]
    with_hook = channels_from_config(AlertsConfig(), paths, environ={"SCHEMEWATCH_WEBHOOK_URL": "https://x.test/h",
                                                                       "SCHEMEWATCH_WEBHOOK_TOKEN": "t"})
    assert [c.name for c in with_hook] == ["log", "jsonl", "webhook"] and with_hook[2].token == "t"
    assert with_hook[1].path == paths.alerts_jsonl
    with pytest.raises(ValueError, match="SCHEMEWATCH_WEBHOOK_URL"):
        channels_from_config(AlertsConfig(channels=("webhook",)), paths, environ={})
    with pytest.raises(ValueError, match="unique"):
        deliver_pending(Warehouse(tmp_path / "wh"), [LogChannel(), LogChannel()])


_KILL_BEFORE_RECORD = """
import os, signal, sys
from schemewatch import channels, delivery
from schemewatch.warehouse import Warehouse
delivery._record = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)  # dies after the append, before the record
delivery.deliver_pending(Warehouse(sys.argv[1]), [channels.JsonlChannel(sys.argv[2])])
"""


def test_kill_9_between_the_jsonl_append_and_its_record_still_gives_one_line_per_event(warehouse, tmp_path) -> None:
    import subprocess
    import sys

    jsonl = tmp_path / "alerts.jsonl"
    died = subprocess.run([sys.executable, "-c", _KILL_BEFORE_RECORD, str(warehouse.root), str(jsonl)])
    assert died.returncode == -9 and len(jsonl.read_text().splitlines()) == 1  # appended, never recorded
    again = deliver_pending(warehouse, [JsonlChannel(jsonl)])
    assert [(d.status, d.attempts) for d in again] == [("delivered", 0)]  # found in the file, not appended
    assert len(jsonl.read_text().splitlines()) == 1
    assert deliver_pending(warehouse, [JsonlChannel(jsonl)]) == []


def test_a_line_torn_by_a_crash_is_dropped_before_the_next_append(warehouse, tmp_path) -> None:
    jsonl = tmp_path / "alerts.jsonl"
    jsonl.write_text('{"event_id": "earlier:opened", "event": "opened"}\n{"event_id": "al-')
    deliver_pending(warehouse, [JsonlChannel(jsonl)])
    lines = [json.loads(x) for x in jsonl.read_text().splitlines()]
    assert [x["event_id"] for x in lines][0] == "earlier:opened" and len(lines) == 2


def test_a_new_channel_is_one_registered_class_end_to_end(warehouse, tmp_path, monkeypatch) -> None:
    """The README recipe "add an alert channel": one class, @register_channel, then name it in config."""
    from schemewatch import channels
    from schemewatch.config import ConfigError, validated

    monkeypatch.setattr(channels, "CHANNELS", dict(channels.CHANNELS))  # the registration is undone afterwards
    sent: list[str] = []

    @channels.register_channel
    class ListChannel:
        name = "list"
        on_by_default = False
        needs = "nothing"

        @classmethod
        def from_config(cls, cfg, paths, environ, logger=None) -> "ListChannel":
            return cls()

        def send(self, event) -> channels.SendResult:
            sent.append(event.text)
            return channels.SendResult(True, 1)

    cfg = validated(AlertsConfig, {"channels": ["list"]}, "alerts")
    built = channels_from_config(cfg, PathsConfig(data_dir=tmp_path), environ={})
    assert [c.name for c in built] == ["list"]
    assert [c.name for c in channels_from_config(AlertsConfig(), PathsConfig(data_dir=tmp_path), {})] == [
        "log", "jsonl"]  # not on by default
    assert [r.status for r in deliver_pending(warehouse, built)] == ["delivered"]
    assert len(sent) == 1 and sent[0].startswith("[schemewatch] OPENED covert_ceiling")
    with pytest.raises(ConfigError, match="unknown channel 'pager'; registered: log, jsonl, webhook, list"):
        validated(AlertsConfig, {"channels": ["pager"]}, "alerts")


def test_a_rise_from_a_zero_reference_reads_as_infinite_not_a_crash() -> None:
    """A family with no covert answer at the reference rises by ×inf (the rule stores "inf"); the demo crashed here."""
    from schemewatch.channels import format_event_text

    alert = {"rule": "family_covert_rise", "metric": "covert", "checkpoint": "cap-2-ck", "stage": "cap-2",
             "family": "literature_qa", "value": 0.2, "threshold": 0.0, "id": "a1",
             "detail": {"p_value": 0.004, "ratio": "inf"}}
    assert "×∞ the reference, Fisher p = 0.004" in format_event_text("opened", alert)
    assert "×– the reference" in format_event_text("opened", alert | {"detail": {"p_value": 1.0, "ratio": None}})
    assert "×2.5 the reference" in format_event_text("opened", alert | {"detail": {"p_value": 0.01, "ratio": 2.5}})


def test_a_channel_that_raises_is_a_failed_delivery_and_the_others_still_deliver(warehouse, tmp_path) -> None:
    class Broken:
        name = "broken"

        def send(self, event):
            raise RuntimeError("formatting bug")

    records = deliver_pending(warehouse, [Broken(), JsonlChannel(tmp_path / "a.jsonl")])
    by_channel = {r.channel: r for r in records}
    assert by_channel["broken"].status == "failed" and "RuntimeError: formatting bug" in by_channel["broken"].error
    assert by_channel["jsonl"].status == "delivered"
