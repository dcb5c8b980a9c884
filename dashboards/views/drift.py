"""Drift: Evidently drift of every evaluation against the reference evaluation, the tests
of one evaluation, and its Evidently report one click away."""

from __future__ import annotations

import streamlit as st

from dashboards import cache, charts, ui

snapshot = ui.page(
    "Drift",
    "Each evaluation compared with the reference evaluation: which grades, outcomes, lengths and "
    "per-family covert rates moved.",
)
summary = cache.drift_summary(snapshot.root, snapshot.generation)
if summary.is_empty():
    st.info("No drift results yet: drift is computed after each evaluation once a reference evaluation exists.")
    st.stop()

st.dataframe(
    summary.drop("report_path"),
    hide_index=True,
    key="drift_summary_table",
    column_config={"drift_share": ui.percent("drifted share"), "eval_date": ui.day("evaluated")},
)
labels = {
    r["eval_run_id"]: f"{r['checkpoint_id']} · {r['eval_date']} · {r['n_drifted']}/{r['n_columns']} drifted"
    for r in summary.iter_rows(named=True)
}
left, right = st.columns([3, 1])
with left:
    run_id = st.selectbox("Evaluation", list(labels), format_func=labels.get, key="drift_run")
with right:
    only_drifted = st.toggle("Only drifted tests", key="drift_only_drifted")
chosen = summary.filter(summary["eval_run_id"] == run_id).row(0, named=True)

report = cache.report_file(snapshot, chosen["report_path"])
if report is None:
    st.warning(f"The Evidently report {chosen['report_path']!r} is not on this machine.")
else:
    buttons = st.columns([2, 2, 3])
    buttons[0].download_button(
        "Download the Evidently report", data=report.read_bytes, file_name=report.name, mime="text/html",
        on_click="ignore", key="drift_download", icon=":material/download:",
    )
    with buttons[1]:
        show = st.toggle("Show the report here", key="drift_show_report")
    if show:
        # The report is the pipeline's own output, written by schemewatch.drift (not user input).
        st.iframe(report, height=900)

details = cache.drift_details(snapshot.root, snapshot.generation, run_id, only_drifted=only_drifted)
if details.is_empty():
    st.success("No test drifted in this evaluation.")
else:
    st.plotly_chart(charts.drift_figure(details), key="drift_chart")
    st.dataframe(details, hide_index=True, key="drift_details_table")
