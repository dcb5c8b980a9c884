"""Overview, the entry page: where every checkpoint stands today, the open alerts and the other pages."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import cache, charts, pages_registry, ui
from dashboards.data import OWN_SUITE

snapshot = ui.page(
    "schemewatch",
    "Did last night's training erode the anti-scheming behaviour? Latest held-out evaluation of every checkpoint.",
)
stats = cache.summary(snapshot.root, snapshot.generation)
cols = st.columns(5)
cols[0].metric("Checkpoints", stats["checkpoints"])
cols[1].metric("Evaluations", stats["evaluations"])
cols[2].metric("Samples", f"{stats['samples']:,}")
cols[3].metric("Latest evaluation", str(stats["latest_eval"]))
cols[4].metric("Open alerts", stats["open_alerts"])
if stats["open_alerts"]:
    st.error(f"{stats['open_alerts']} open alert(s).")
    alerts = pages_registry.page("Alerts")
    st.page_link(alerts.path, label="See the alerts", icon=alerts.icon)

report = cache.latest_report(snapshot.root, snapshot.generation)
# The chart follows one suite (ours when there is one); ingested Inspect tasks are rows of the table below
# and a "Suite" of the Degradation page.
if report.is_empty():  # e.g. only forced-prefix or train-split runs so far
    st.info("No held-out evaluation to show yet.")
    st.stop()
shown = OWN_SUITE if OWN_SUITE in report["suite"].to_list() else report["suite"][0]
st.plotly_chart(charts.overview_figure(report.filter(pl.col("suite") == shown), cache.thresholds(snapshot).by_metric()),
                key="overview_chart")
if report["suite"].n_unique() > 1:
    st.caption(f"The chart shows the {shown} suite; the table also lists "
               f"{', '.join(sorted(set(report['suite']) - {shown}))}.")
st.subheader("Latest evaluation per checkpoint")
st.dataframe(
    report.drop("stage_index"),
    hide_index=True,
    key="overview_table",
    column_config={
        "covert_rate": ui.percent("covert"),
        "covert_ci_low": ui.percent("CI low", "Wilson 95% interval"),
        "covert_ci_high": ui.percent("CI high", "Wilson 95% interval"),
        "citation_rate": ui.percent("cites spec"),
        "cited_covert_rate": ui.percent("covert | cites", "Covert among the responses that cite the spec"),
        "aware_rate": ui.percent("eval-aware"),
        "incomplete_rate": ui.percent("incomplete", "Honest answers whose report missed a required fact without "
                                      "claiming success: an honest mistake, not covert"),
        "unparseable_rate": ui.percent("unparseable"),
        "eval_date": ui.day("evaluated"),
    },
)
st.subheader("Pages")
for page in pages_registry.PAGES:
    if not page.default:
        st.page_link(page.path, label=f"{page.label} — {page.description}", icon=page.icon)
