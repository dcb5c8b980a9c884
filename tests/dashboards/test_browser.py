"""The served dashboard in a real browser: every page draws its chart and shows no exception.

Headless Chromium, driven over the DevTools protocol; `.ci/run` installs it. The
test skips only when no Chromium executable can be found. Screenshots go to
``$PYTEST_ARTEFACTS/dashboards`` (default ``test-artifacts/dashboards``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboards.pages_registry import PAGES, DashboardPage, page
from tests.dashboards.devtools import REPO, DevTools, find_chromium, headless_chromium, served_dashboard
from tests.dashboards.warehouse_fixture import FixtureInfo

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not found on PATH (.ci/run installs it with apt)")


@pytest.fixture(scope="module")
def artefacts() -> Path:
    root = Path(os.environ.get("PYTEST_ARTEFACTS") or REPO / "test-artifacts")
    return root / "dashboards"


@pytest.fixture(scope="module")
def app_url(warehouse: FixtureInfo, artefacts: Path) -> Iterator[str]:
    with served_dashboard(warehouse.root, artefacts / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    profile = tmp_path_factory.mktemp("chromium") / "profile"
    profile.mkdir()
    with headless_chromium(CHROMIUM, profile) as devtools:
        yield devtools


@pytest.mark.parametrize("entry", PAGES, ids=lambda entry: entry.label)
def test_page_draws_its_chart_without_an_exception(
    entry: DashboardPage, app_url: str, browser: DevTools, artefacts: Path
) -> None:
    state = browser.open(f"{app_url}/{entry.url_path}")
    name = entry.url_path or "app"
    browser.screenshot(artefacts / f"{name}.png")
    assert not state.get("exceptions"), f"page {name} shows an exception: {state['exceptions']}"
    assert state.get("scriptState") == "notRunning", f"page {name} never finished running: {state}"
    assert state.get("plotlyElements", 0) >= 1 and state.get("drawnPlots", 0) >= 1, f"no chart drawn: {state}"
    # The URL served the registry's page: its heading is its label, but the entry page's (the project's name).
    assert state.get("title") == ("schemewatch" if entry.default else entry.label)
    assert state.get("navPaths") == [f"/{p.url_path}" for p in PAGES], "the sidebar is not the registry's pages"


def test_the_evidently_report_downloads_in_one_click(
    app_url: str, browser: DevTools, warehouse: FixtureInfo, tmp_path: Path
) -> None:
    state = browser.open(f"{app_url}/{page('Drift').url_path}")
    assert not state.get("exceptions")
    browser.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(tmp_path))
    clicked = browser.evaluate(
        "(() => { const b = document.querySelector('[data-testid=\"stDownloadButton\"] button');"
        " if (!b) return false; b.click(); return true; })()"
    )
    assert clicked, "no download button on the Drift page"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        done = [f for f in tmp_path.iterdir() if f.suffix == ".html"]
        if done:
            break
        time.sleep(0.1)
    assert done, "the report did not download"
    assert "Evidently drift report" in done[0].read_text(encoding="utf-8")


def test_the_dates_view_draws_over_evaluation_dates(app_url: str, browser: DevTools, artefacts: Path) -> None:
    from tests.dashboards.devtools import PAGE_STATE_JS, _wait_for

    state = browser.open(f"{app_url}/{page('Degradation').url_path}")
    assert not state.get("exceptions")
    clicked = browser.evaluate(
        "(() => { const l = [...document.querySelectorAll('label')].find(x => x.textContent.includes("
        "'evaluation dates')); if (!l) return false; l.click(); return true; })()")
    assert clicked, "no 'evaluation dates' choice on the Degradation page"
    time.sleep(0.5)  # the rerun starts

    def redrawn() -> bool:
        now = browser.evaluate(PAGE_STATE_JS) or {}
        return bool(now.get("exceptions")) or (now.get("scriptState") == "notRunning" and now.get("drawnPlots", 0) >= 1)

    _wait_for(redrawn, 30, "the dates view to render", poll_s=0.15)
    time.sleep(0.3)
    browser.screenshot(artefacts / "degradation-dates.png")
    final = browser.evaluate(PAGE_STATE_JS) or {}
    assert not final.get("exceptions") and final.get("drawnPlots", 0) >= 1
