"""An ingested Inspect task in the served dashboard, next to our own families: screenshots for the artefacts.

The warehouse is the dashboard tests' small one plus an Inspect log (a scripted model on a probe task with a
mapped covert score) filed under one of its checkpoints.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("inspect_ai")

from dashboards.pages_registry import page  # noqa: E402
from schemewatch.inspect_ingest import ingest_logs  # noqa: E402
from schemewatch.inspect_logs import ScoreField, ScoreMapping  # noqa: E402
from schemewatch.warehouse import Warehouse  # noqa: E402
from tests.dashboards.devtools import DevTools, find_chromium, served_dashboard  # noqa: E402
from tests.dashboards.test_browser import artefacts, browser  # noqa: E402, F401 - the shared fixtures
from tests.dashboards.warehouse_fixture import FixtureInfo, small_warehouse  # noqa: E402
from tests.schemewatch.inspect_logs_data import run_task  # noqa: E402

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium not found on PATH (.ci/run installs it with apt)")
TASK = "scheming_probe"


@pytest.fixture(scope="module")
def with_inspect(tmp_path_factory: pytest.TempPathFactory) -> FixtureInfo:
    tmp = tmp_path_factory.mktemp("dashboard-inspect")
    info = small_warehouse(tmp / "warehouse")
    log = run_task(tmp / "logs", epochs=4)
    ingest_logs(Warehouse(info.root), [log], mapping=ScoreMapping(covert=ScoreField("judge", key="schemed")),
                checkpoint=info.checkpoints[-1], eval_date=info.dates[-1])
    return info


@pytest.fixture(scope="module")
def app_url(with_inspect: FixtureInfo, artefacts: Path) -> Iterator[str]:  # noqa: F811
    with served_dashboard(with_inspect.root, artefacts / "streamlit-inspect.log") as url:
        yield url


@pytest.mark.parametrize("label", ["Overview", "Families", "Degradation"])
def test_the_ingested_task_shows_beside_our_families(label: str, app_url: str, browser: DevTools,  # noqa: F811
                                                     artefacts: Path, with_inspect: FixtureInfo) -> None:  # noqa: F811
    entry = page(label) if label != "Overview" else next(p for p in _pages() if p.default)
    state = browser.open(f"{app_url}/{entry.url_path}")
    browser.screenshot(artefacts / f"inspect-{label.lower()}.png")
    assert not state.get("exceptions"), f"{label} shows an exception: {state['exceptions']}"
    assert state.get("drawnPlots", 0) >= 1, f"no chart drawn: {state}"
    text = browser.evaluate("document.body.textContent")
    if label == "Families":  # the task is a row of the heatmap, beside every native family
        assert TASK in text and all(f in text for f in with_inspect.families)
    elif label == "Overview":  # the chart follows our suite and says which other suite the table lists
        assert f"inspect:{TASK}@0" in text
    else:  # the suite picker offers the ingested task
        assert "Suite" in text


def _pages():  # noqa: ANN202
    from dashboards.pages_registry import PAGES

    return PAGES
