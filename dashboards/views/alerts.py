"""Alerts: open and resolved alerts with their rule, value, threshold and evaluation."""

from __future__ import annotations

import streamlit as st

from dashboards import cache, charts, ui
from dashboards.data import ALERT_STATUSES

snapshot = ui.page("Alerts", "Alerts raised by the threshold rules on each evaluation; open ones first.")
statuses = st.multiselect("Status", ALERT_STATUSES, default=ALERT_STATUSES, key="alerts_status")
frame = cache.alerts(snapshot.root, snapshot.generation, tuple(statuses))
counts = frame["status"].value_counts()
by_status = dict(zip(counts["status"].to_list(), counts["count"].to_list(), strict=True))
cols = st.columns(len(ALERT_STATUSES))
for col, status in zip(cols, ALERT_STATUSES, strict=True):
    col.metric(f"{status.capitalize()} alerts", by_status.get(status, 0) if status in statuses else "–")
if frame.is_empty():
    st.success("No alerts with that status.")
    st.stop()

st.plotly_chart(charts.alerts_figure(frame), key="alerts_chart")
st.dataframe(
    frame.select(
        "status", "rule", "metric", "checkpoint_id", "family", "judged", "eval_run_id", "eval_date",
        "opened_at", "resolved_at", "detail",
    ),
    hide_index=True,
    key="alerts_table",
    column_config={
        "judged": st.column_config.TextColumn("value vs threshold", help="A rate rule's value and threshold; the "
                                              "sequential rule's CUSUM statistic and its threshold ln(ARL)"),
        "eval_date": ui.day("evaluated"),
    },
)
