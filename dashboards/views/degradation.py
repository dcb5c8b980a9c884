"""Degradation: covert, spec-citation, covert-after-citation and evaluation-awareness rates
per checkpoint in training order, or over evaluation dates, with 95% bands, the alert
rules' threshold lines and alert markers; for the headline aggregate or one family."""

from __future__ import annotations

import streamlit as st

from dashboards import cache, charts, ui
from dashboards.data import DEGRADATION_METRICS, METRIC_LABELS

X_AXES = {"checkpoint": "checkpoints (training order)", "eval_date": "evaluation dates"}

snapshot = ui.page(
    "Degradation",
    "Rates of each checkpoint's latest evaluation in training order, or of every evaluation over time. "
    "Bands are 95% intervals clustered by environment (samples of one environment are correlated; the plain "
    "Wilson interval for runs stored before); dashed lines are the alert thresholds; × marks an alert (the "
    "sequential rule's alarms are the covert_sequential ones). The numbers table gives each evaluation's "
    "minimum detectable rise (one-sided α 0.01, power 0.8).",
)
left, middle, right = st.columns([2, 3, 2])
with left:
    family = ui.family_select(snapshot, key="degradation_family")
    suites = cache.suites(snapshot.root, snapshot.generation)
    # One suite at a time: ours and an ingested Inspect task are never pooled, and a family of ours that an
    # ingested log of our own task also has is drawn once per suite, not as two points per checkpoint.
    suite = st.selectbox("Suite", suites, key="degradation_suite",
                         help="schemewatch: our own environments; inspect:<task>@<version>: an ingested "
                              "Inspect AI task") if len(suites) > 1 else None
with middle:
    metrics = st.multiselect(
        "Rates", DEGRADATION_METRICS, default=DEGRADATION_METRICS, format_func=METRIC_LABELS.get,
        key="degradation_metrics",
    )
with right:
    by = st.radio("Over", list(X_AXES), format_func=X_AXES.get, horizontal=True, key="degradation_by")
if not metrics:
    st.warning("Pick at least one rate.")
    st.stop()

rates = cache.degradation(snapshot.root, snapshot.generation, by=by, family=family, metrics=tuple(metrics),
                          suite=suite)
if rates.is_empty():
    st.info(f"No rates for {family or 'the aggregate'} yet.")
    st.stop()
order = cache.checkpoints(snapshot.root, snapshot.generation)["checkpoint_id"].to_list()
figure = charts.degradation_figure(
    rates, by=by, metrics=metrics, checkpoint_order=order, thresholds=cache.thresholds(snapshot).by_metric(),
    alerts=cache.alert_markers(snapshot.root, snapshot.generation, family, suite),
)
st.plotly_chart(figure, key="degradation_chart")
ui.rates_table(rates.drop("stage_index", "eval_run_id", "suite", "clustered", "icc"), key="degradation_table")
