"""OpenAICompatiblePolicy against a fake chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from schemewatch.policy.base import Policy, PolicyError
from schemewatch.policy.http import OpenAICompatiblePolicy


class FakeServer(ThreadingHTTPServer):
    """Records requests; answers POSTs from ``script`` (status, body) first, then 200s."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, dict[str, str], dict | None]] = []
        self.script: list[tuple[int, bytes]] = []
        self.delay_s = 0.0
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def posts(self) -> list[dict]:
        return [body for path, _, body in self.requests if path.endswith("/chat/completions")]


class Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.requests.append((self.path, dict(self.headers), None))
        if self.path == "/v1/models":
            self._send(200, json.dumps({"data": [{"id": "fake"}]}).encode())
        else:
            self._send(404, b'{"error": {"message": "no such route"}}')

    def do_POST(self) -> None:
        srv = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with srv.lock:
            srv.requests.append((self.path, dict(self.headers), body))
            srv.in_flight += 1
            srv.max_in_flight = max(srv.max_in_flight, srv.in_flight)
            scripted = srv.script.pop(0) if srv.script else None
        try:
            if srv.delay_s:
                time.sleep(random.uniform(0, srv.delay_s))  # finish out of order
            if scripted is None:
                user = next(m["content"] for m in body["messages"] if m["role"] == "user")
                reply = {"choices": [{"message": {"role": "assistant", "content": f" re:{user}"}}]}
                scripted = (200, json.dumps(reply).encode())
        finally:
            # Leave the in-flight count before answering: once the client has the answer it
            # may send its next request before this handler would otherwise get to run again.
            with srv.lock:
                srv.in_flight -= 1
        self._send(*scripted)


@pytest.fixture()
def server() -> Iterator[FakeServer]:
    srv = FakeServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


@pytest.fixture()
def dead_url() -> str:
    """A URL on a port where nothing listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCHEMEWATCH_API_KEY", raising=False)


def fast(base_url: str, **kwargs) -> OpenAICompatiblePolicy:
    kwargs = {"timeout_s": 2.0, "backoff_s": 0.01, "max_retries": 2, **kwargs}
    return OpenAICompatiblePolicy(base_url, "fake-model", **kwargs)


def test_is_a_policy_and_named(server: FakeServer) -> None:
    policy = fast(server.base_url + "/")
    assert isinstance(policy, Policy)
    assert policy.name == f"fake-model@{server.base_url}"


def test_order_kept_and_concurrency_bounded(server: FakeServer) -> None:
    server.delay_s = 0.05
    prompts = [f"p{i}" for i in range(20)]
    texts = fast(server.base_url, max_concurrency=4).generate(prompts)
    assert texts == [f" re:p{i}" for i in range(20)]
    assert 2 <= server.max_in_flight <= 4  # concurrent, but bounded
    assert fast(server.base_url).generate([]) == []


def test_request_body(server: FakeServer) -> None:
    fast(server.base_url).generate(
        ["a", "b"], max_new_tokens=17, temperature=0.3, seed=5, system_prompt="SPEC"
    )
    bodies = sorted(server.posts(), key=lambda b: b["seed"])
    assert [b["seed"] for b in bodies] == [5, 6]
    for body, prompt in zip(bodies, ["a", "b"], strict=True):
        assert body["model"] == "fake-model"
        assert body["temperature"] == 0.3
        assert body["max_tokens"] == 17
        assert body["n"] == 1
        assert body["messages"] == [
            {"role": "system", "content": "SPEC"},
            {"role": "user", "content": prompt},
        ]
        assert "continue_final_message" not in body


def test_response_prefix(server: FakeServer) -> None:
    prefix = "<think>This might be a test."
    texts = fast(server.base_url).generate(["q"], response_prefix=prefix)
    assert texts == [prefix + " re:q"]
    (body,) = server.posts()
    assert body["messages"] == [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": prefix},
    ]
    assert body["continue_final_message"] is True
    assert body["add_generation_prompt"] is False


@pytest.mark.parametrize("status", [500, 503, 429])
def test_retryable_status_is_retried(server: FakeServer, status: int) -> None:
    server.script = [(status, b'{"error": {"message": "busy"}}')]
    assert fast(server.base_url).generate(["x"]) == [" re:x"]
    assert len(server.posts()) == 2


def test_retries_exhausted_raises(server: FakeServer) -> None:
    server.script = [(500, b'{"error": {"message": "boom"}}')] * 3
    with pytest.raises(PolicyError, match="500.*boom"):
        fast(server.base_url, max_retries=2).generate(["x"])
    assert len(server.posts()) == 3


def test_client_error_not_retried(server: FakeServer) -> None:
    server.script = [(400, b'{"error": {"message": "max_tokens too large"}}')]
    with pytest.raises(PolicyError, match="400.*max_tokens too large"):
        fast(server.base_url).generate(["x"])
    assert len(server.posts()) == 1


def test_malformed_body_raises(server: FakeServer) -> None:
    server.script = [(200, b"not json"), (200, b'{"choices": []}')]
    policy = fast(server.base_url)
    for _ in range(2):
        with pytest.raises(PolicyError, match="malformed"):
            policy.generate(["x"])


def test_one_failure_fails_the_batch(server: FakeServer) -> None:
    server.script = [(401, b'{"error": {"message": "bad key"}}')]
    with pytest.raises(PolicyError, match="401"):
        fast(server.base_url, max_concurrency=1).generate(["a", "b", "c"])


def test_unreachable_raises_quickly_with_url(dead_url: str) -> None:
    start = time.monotonic()
    with pytest.raises(PolicyError) as info:
        fast(dead_url, timeout_s=1.0).generate(["x", "y"])
    assert time.monotonic() - start < 3
    assert dead_url in str(info.value)
    assert "server running" in str(info.value)


def test_check(server: FakeServer, dead_url: str) -> None:
    fast(server.base_url).check()
    assert server.requests[-1][0] == "/v1/models"
    with pytest.raises(PolicyError, match=dead_url):
        fast(dead_url, timeout_s=1.0).check()
    with pytest.raises(PolicyError, match="404"):
        fast(server.base_url + "/wrong").check()


def test_authorization_header(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    fast(server.base_url, api_key="sk-given").generate(["x"])
    fast(server.base_url).generate(["x"])
    monkeypatch.setenv("SCHEMEWATCH_API_KEY", "sk-env")
    policy = fast(server.base_url)
    policy.check()
    headers = [{k.lower(): v for k, v in h.items()} for _, h, _ in server.requests]
    assert headers[0]["authorization"] == "Bearer sk-given"
    assert "authorization" not in headers[1]
    assert headers[2]["authorization"] == "Bearer sk-env"
    assert "sk-env" not in repr(policy)


def test_one_prefix_per_prompt_continues_each_from_its_own(server: FakeServer) -> None:
    texts = fast(server.base_url).generate(["a", "b", "c"], response_prefix=["<think>X.", "", "<think>Y."])
    assert texts == ["<think>X. re:a", " re:b", "<think>Y. re:c"]
    bodies = {next(m["content"] for m in b["messages"] if m["role"] == "user"): b for b in server.posts()}
    assert bodies["a"]["messages"][-1] == {"role": "assistant", "content": "<think>X."}
    assert bodies["a"]["continue_final_message"] is True and "continue_final_message" not in bodies["b"]
    with pytest.raises(ValueError, match="2 response prefixes for 3 prompts"):
        fast(server.base_url).generate(["a", "b", "c"], response_prefix=["x", "y"])


def test_check_continuation(server: FakeServer, dead_url: str) -> None:
    fast(server.base_url).check_continuation()
    (probe,) = server.posts()
    assert probe["continue_final_message"] is True and probe["messages"][-1]["role"] == "assistant"
    server.script = [(400, b'{"error": {"message": "Unrecognized request argument supplied: continue_final_message"}}')]
    with pytest.raises(PolicyError, match="cannot continue a partial response .*answered 400: Unrecognized"):
        fast(server.base_url).check_continuation()
    with pytest.raises(PolicyError, match="Cannot reach"):
        fast(dead_url).check_continuation()
