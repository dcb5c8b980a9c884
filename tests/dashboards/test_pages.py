"""Every page under AppTest on the fixture warehouse: no exception, the expected elements, working filters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboards import pages_registry
from dashboards.pages_registry import DASHBOARDS, PAGES, DashboardPage
from dashboards.settings import EMPTY_MESSAGE
from tests.dashboards.warehouse_fixture import DEFAULT_CHAIN, FixtureInfo, build_warehouse

APP = DASHBOARDS / "app.py"


@pytest.fixture
def on_fixture(monkeypatch: pytest.MonkeyPatch, warehouse: FixtureInfo) -> FixtureInfo:
    monkeypatch.setenv("SCHEMEWATCH_WAREHOUSE", str(warehouse.root))
    return warehouse


# CPython 3.11's AST recursion-depth bookkeeping (python/cpython#106905, fixed in later releases) can fail
# Streamlit's compile of a page spuriously: seen once in ~10 suite runs, never on a rerun. That interpreter
# error alone is retried once; anything else fails the test.
_CPYTHON_AST_RACE = "AST constructor recursion depth mismatch"


def _open(page: DashboardPage) -> AppTest:
    # Through app.py's navigation, as a visitor who followed a link: the entry page, then that page. (Before a
    # first run AppTest finds a page by its file name, not by the URL path the registry gives it.)
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    if not page.default:
        at.switch_page(str(page.path)).run()
    return at


def run(label: str = "Overview") -> AppTest:
    """The app showing the registered page called ``label``, which raised nothing."""
    page = pages_registry.page(label)
    at = _open(page)
    if at.exception and all(_CPYTHON_AST_RACE in e.value for e in at.exception):
        at = _open(page)
    assert not at.exception, [e.value for e in at.exception]
    return at


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figure(at: AppTest, index: int = 0) -> dict:
    """The Plotly figure a page sent, as JSON."""
    charts = at.get("plotly_chart")
    assert len(charts) > index, "no plotly chart on the page"
    return json.loads(charts[index].proto.spec)


def traces(fig: dict, mode: str = "lines+markers") -> list[dict]:
    return [t for t in fig["data"] if t.get("mode") == mode]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.label)
def test_an_empty_warehouse_says_run_make_demo(
    page: DashboardPage, monkeypatch: pytest.MonkeyPatch, empty_warehouse
) -> None:
    monkeypatch.setenv("SCHEMEWATCH_WAREHOUSE", str(empty_warehouse))
    at = run(page.label)
    assert [i.value for i in at.info] == [EMPTY_MESSAGE]
    assert not at.get("plotly_chart")


def test_overview_shows_the_latest_report_alerts_and_links(on_fixture: FixtureInfo) -> None:
    at = run()
    assert len(at.get("plotly_chart")) == 1
    table = at.dataframe[0].value
    assert table["checkpoint"].tolist() == list(on_fixture.checkpoints)
    assert {m.label: m.value for m in at.metric}["Open alerts"] == "2"
    assert at.error and "open alert" in at.error[0].value
    links = [(link.proto.label, link.proto.page) for link in at.get("page_link")]
    assert links == [("See the alerts", "Alerts")] + [
        (f"{page.label} — {page.description}", page.url_path) for page in PAGES if not page.default
    ]


def test_degradation_draws_bands_thresholds_and_alerts(on_fixture: FixtureInfo) -> None:
    at = run("Degradation")
    fig = figure(at)
    lines = traces(fig)
    assert [t["name"] for t in lines] == ["Covert action", "Spec citation", "Covert after citation",
                                          "Evaluation awareness", "Incomplete report (honest mistake)"]
    assert lines[0]["x"] == list(on_fixture.checkpoints)
    assert sum(t.get("fill") == "tonexty" for t in fig["data"]) == 5  # one 95% band per rate
    assert len(fig["layout"]["shapes"]) == 3  # covert ceiling, citation floor, covert-after-citation ceiling
    assert {t["name"] for t in traces(fig, "markers")} == {"open alert", "resolved alert"}
    # The sequential alarm sits at its evaluation's covert rate, with its statistic on hover.
    covert_marks = next(t for t in traces(fig, "markers") if t["name"] == "open alert" and t["yaxis"] == "y")
    assert all(0 <= y <= 1 for y in covert_marks["y"]) and len(covert_marks["y"]) == 2
    assert any("statistic 14.2" in c[2] for c in covert_marks["customdata"])


def test_degradation_filters_change_the_chart(on_fixture: FixtureInfo) -> None:
    at = run("Degradation")
    overall = traces(figure(at))[0]["y"]
    at.selectbox(key="degradation_family").set_value(on_fixture.families[0])
    family = traces(figure(rerun(at)))[0]["y"]
    assert family != overall
    assert not traces(figure(at), "markers"), "the fixture's alerts are on the aggregate, not on a family"

    at.radio(key="degradation_by").set_value("eval_date")
    fig = figure(rerun(at))
    assert fig["layout"]["xaxis"]["type"] == "date"
    assert {t["name"] for t in traces(fig) if t["showlegend"]} == set(on_fixture.checkpoints)

    at.multiselect(key="degradation_metrics").set_value(["covert"])
    assert len({t["name"] for t in traces(figure(rerun(at)))}) == len(on_fixture.checkpoints)
    assert "yaxis2" not in figure(at)["layout"]
    at.multiselect(key="degradation_metrics").set_value([])
    assert rerun(at).warning and not at.get("plotly_chart")


def test_families_heatmap_has_n_on_hover_and_follows_the_filters(on_fixture: FixtureInfo) -> None:
    at = run("Families")
    heatmap = figure(at)["data"][0]
    assert heatmap["type"] == "heatmap"
    assert heatmap["x"] == list(on_fixture.checkpoints) and heatmap["y"] == list(on_fixture.families)
    assert "n=%{customdata[1]}" in heatmap["hovertemplate"] and heatmap["customdata"][0][0][1] == 14
    at.selectbox(key="families_metric").set_value("citation")
    assert figure(rerun(at))["data"][0]["z"] != heatmap["z"]
    at.selectbox(key="families_as_of").set_value(on_fixture.dates[0])
    assert "3-cap-1" not in figure(rerun(at))["data"][0]["x"]


def test_drift_lists_evaluations_and_opens_the_report(on_fixture: FixtureInfo) -> None:
    at = run("Drift")
    assert len(at.dataframe[0].value) == len(on_fixture.run_ids) - 1
    assert figure(at)["data"][0]["type"] == "bar"
    details = len(at.dataframe[1].value)
    assert at.get("download_button")[0].label == "Download the Evidently report"

    at.toggle(key="drift_only_drifted").set_value(True)
    assert 0 < len(rerun(at).dataframe[1].value) < details

    at.toggle(key="drift_show_report").set_value(True)
    assert len(rerun(at).get("iframe")) == 1

    no_drift = next(r for r in on_fixture.run_ids if r.startswith("1-as-sft") and r != on_fixture.run_ids[0])
    at.selectbox(key="drift_run").set_value(no_drift)
    rerun(at)
    assert at.success and not at.get("plotly_chart")


def test_alerts_filter_by_status(on_fixture: FixtureInfo) -> None:
    at = run("Alerts")
    table = at.dataframe[0].value
    assert table["status"].tolist() == ["open", "open", "resolved"]
    assert list(table.columns[:7]) == ["status", "rule", "metric", "checkpoint_id", "family", "judged", "eval_run_id"]
    # Each rule in its own unit: a rate in percent, the sequential rule's CUSUM statistic as a number.
    assert table["judged"].tolist()[1] == "statistic 14.2 ≥ threshold 9.21" and table["judged"][0].endswith("25.0%")
    assert len(figure(at)["data"]) == 4  # the rate rules' values and thresholds; the statistic is in the table
    at.multiselect(key="alerts_status").set_value(["resolved"])
    assert rerun(at).dataframe[0].value["rule"].tolist() == ["citation_floor"]
    at.multiselect(key="alerts_status").set_value([])
    assert rerun(at).success and not at.dataframe


def test_transcripts_filter_and_highlight(on_fixture: FixtureInfo) -> None:
    at = run("Transcripts")
    assert at.selectbox(key="transcripts_checkpoint").value == on_fixture.checkpoints[-1]
    assert figure(at)["data"][0]["type"] == "bar"
    headers = [m.value for m in at.markdown]
    assert len(headers) == 20
    assert any("<mark" in h.proto.body for h in at.get("html"))

    at.selectbox(key="transcripts_outcome").set_value("covert")
    headers = [m.value for m in rerun(at).markdown]
    assert headers and all("outcome **covert**" in h for h in headers)

    family = on_fixture.families[0]
    at.selectbox(key="transcripts_family").set_value(family)
    headers = [m.value for m in rerun(at).markdown]
    assert all(h.startswith(f"`{family}-") for h in headers)

    at.selectbox(key="transcripts_checkpoint").set_value("0-base")
    rerun(at)
    assert at.selectbox(key="transcripts_run").value.startswith("0-base--")
    at.number_input(key="transcripts_limit").set_value(1)
    assert len(rerun(at).markdown) <= 1


def test_awareness_draws_paired_bars_and_transcripts_side_by_side(on_fixture: FixtureInfo) -> None:
    at = run("Awareness")
    fig = figure(at)
    assert {t["type"] for t in fig["data"]} == {"bar"} and len(fig["data"]) == 6  # 3 kinds × before/after
    assert all("error_y" in t for t in fig["data"])
    cuts = [h.proto.body for h in at.get("html") if "sw-cut" in h.proto.body]
    assert cuts and len(cuts) % 2 == 0 and all("✂" in c for c in cuts)
    at.selectbox(key="awareness_kind").set_value("inject")
    cuts = [h.proto.body for h in rerun(at).get("html") if "sw-cut" in h.proto.body]
    assert any("inserted" in c for c in cuts)
    assert not any("Control matched" in c.value for c in at.caption)
    # The control says which neutral sentence stood in for which awareness sentence, and on what likelihood.
    at.selectbox(key="awareness_kind").set_value("control")
    [matched] = [c.value for c in rerun(at).caption if "Control matched" in c.value]
    assert "“This looks like a test.”" in matched and "nats" in matched and "cuts" in matched


def test_a_new_evaluation_shows_on_the_next_run_and_the_open_dashboard_never_blocks_the_writer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = tmp_path / "warehouse"
    build_warehouse(root, chain=DEFAULT_CHAIN[:2], n_dates=1, families=["log_falsification"], samples_per_env=1)
    monkeypatch.setenv("SCHEMEWATCH_WAREHOUSE", str(root))
    at = run()
    assert at.dataframe[0].value["checkpoint"].tolist() == ["0-base", "1-as-sft"]
    # The page's cached reader stays open while the pipeline writes a new checkpoint's evaluation.
    build_warehouse(root, chain=DEFAULT_CHAIN[:3], n_dates=1, families=["log_falsification"], samples_per_env=1)
    assert rerun(at).dataframe[0].value["checkpoint"].tolist() == ["0-base", "1-as-sft", "2-as-rl"]


def test_a_page_is_one_script_and_one_registry_entry(
    on_fixture: FixtureInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The recipe for a new page: a throw-away one, registered in PAGES alone, is served, linked and drawn."""
    script = tmp_path / "scratch.py"
    script.write_text(
        "import streamlit as st\n\nfrom dashboards import cache, ui\n\n"
        'snapshot = ui.page("Scratch", "A throw-away page.")\n'
        'st.metric("Checkpoints", cache.checkpoints(snapshot.root, snapshot.generation).height)\n',
        encoding="utf-8",
    )
    scratch = DashboardPage(str(script), "Scratch Pad", ":material/science:", "a throw-away page")
    monkeypatch.setattr(pages_registry, "PAGES", (*PAGES, scratch))

    at = run("Scratch Pad")
    assert [t.value for t in at.title] == ["Scratch"]
    assert at.metric[0].value == str(len(on_fixture.checkpoints))
    links = {link.proto.label: link.proto.page for link in run().get("page_link")}
    assert links["Scratch Pad — a throw-away page"] == "Scratch_Pad"


def test_the_registry_has_one_entry_page_unique_urls_and_existing_scripts() -> None:
    assert [page.default for page in PAGES].count(True) == 1
    assert len({page.url_path for page in PAGES}) == len({page.label for page in PAGES}) == len(PAGES)
    assert all(page.path.is_file() for page in PAGES)
    # Streamlit runs any app with a pages/ folder beside its entry script in its legacy multipage mode until
    # st.navigation has run once, which serves that folder's files instead of the registry's pages.
    assert not (DASHBOARDS / "pages").exists()
