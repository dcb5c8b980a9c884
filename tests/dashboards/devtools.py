"""A served dashboard and a headless Chromium driven over the DevTools protocol, for the browser test.

A one-shot ``chromium --screenshot`` of a fresh Streamlit server captures the
loading skeleton (../shared/NOTES.md), so the page is driven over the DevTools
protocol instead and polled until Streamlit reports that the script finished
and Plotly has drawn, before the screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_NAMES = ("chromium", "chromium-browser")

# What the test needs to know about a page, read in the page itself.
PAGE_STATE_JS = """
(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const drawn = plots.filter(p => p._fullData && p._fullData.length > 0 && p.querySelector('.main-svg')
                              && p.getBoundingClientRect().height > 0 && !p.closest('[style*="visibility: hidden"]'));
  return {
    scriptState: app ? app.getAttribute('data-test-script-state') : null,
    connectionState: app ? app.getAttribute('data-test-connection-state') : null,
    plots: plots.length,
    drawnPlots: drawn.length,
    plotlyElements: document.querySelectorAll('[data-testid="stPlotlyChart"]').length,
    exceptions: [...document.querySelectorAll('[data-testid="stException"]')].map(e => e.innerText.slice(0, 800)),
    errors: [...document.querySelectorAll('[data-testid="stAlertContentError"]')].map(e => e.innerText.slice(0, 300)),
    title: (document.querySelector('h1') || {}).innerText || null,
    navPaths: [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')].map(a => new URL(a.href).pathname),
  };
})()
"""


def find_chromium() -> str | None:
    """The Chromium executable on PATH, if any."""
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


def free_port() -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate: Any, timeout_s: float, what: str, poll_s: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll_s)
    raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def served_dashboard(warehouse: Path, log_path: Path, timeout_s: float = 60) -> Iterator[str]:
    """``streamlit run dashboards/app.py`` on a free port over ``warehouse``; yields the base URL."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "dashboards" / "app.py"),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
        "--", "--warehouse", str(warehouse),
    ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())
        try:
            base = f"http://127.0.0.1:{port}"

            def up() -> bool:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}; see {log_path}")
                return _http_ok(f"{base}/_stcore/health")

            _wait_for(up, timeout_s, f"the Streamlit server (log: {log_path})", poll_s=0.2)
            yield base
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Terminate ``proc``; kill it if it has not exited within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class DevTools:
    """A minimal DevTools-protocol client for one page target."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._next_id = 0

    def call(self, method: str, timeout_s: float = 30, **params: Any) -> dict[str, Any]:
        """Send one command and return its result (events received meanwhile are dropped)."""
        self._next_id += 1
        self._ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout_s
        while True:
            message = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, timeout_s: float = 30) -> dict[str, Any]:
        """Navigate to a Streamlit page and wait until its script finished and its charts are drawn.

        Returns the last page state (:data:`PAGE_STATE_JS`); returns early when an
        exception is shown, so the test can report it.
        """
        self.call("Page.navigate", url=url)
        state: dict[str, Any] = {}

        def ready() -> bool:
            nonlocal state
            state = self.evaluate(PAGE_STATE_JS) or {}
            if state.get("exceptions"):
                return True
            return state.get("scriptState") == "notRunning" and state.get("drawnPlots", 0) >= 1

        try:
            _wait_for(ready, timeout_s, f"{url} to render", poll_s=0.15)
        except TimeoutError:
            return state
        # Let Plotly finish its layout pass (fonts, legend) before anyone takes a picture.
        time.sleep(0.3)
        return self.evaluate(PAGE_STATE_JS) or state

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the viewport."""
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))


@contextmanager
def headless_chromium(
    chromium: str, profile_dir: Path, width: int = 1400, height: int = 1600, timeout_s: float = 30
) -> Iterator[DevTools]:
    """Headless Chromium with a DevTools port; yields a client attached to its first page."""
    cmd = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-port=0", "--remote-allow-origins=*",
        f"--user-data-dir={profile_dir}", f"--window-size={width},{height}", "about:blank",
    ]
    port_file = profile_dir / "DevToolsActivePort"
    with open(profile_dir.parent / "chromium.log", "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            def port() -> int | None:
                if proc.poll() is not None:
                    raise RuntimeError(f"chromium exited with {proc.returncode}; see {log.name}")
                lines = port_file.read_text().split() if port_file.is_file() else []
                return int(lines[0]) if lines else None

            devtools_port = _wait_for(port, timeout_s, "Chromium's DevTools port")
            with urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=5) as response:
                targets = json.loads(response.read())
            page = next(t for t in targets if t.get("type") == "page")
            with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=timeout_s) as ws:
                client = DevTools(ws)
                client.call("Page.enable")
                client.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                            mobile=False)
                yield client
        finally:
            _stop(proc)
