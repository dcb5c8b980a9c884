"""Families: a heatmap of one rate (covert by default) per family × checkpoint, with k, n
and the 95% interval on hover, as of the latest evaluation or an earlier date."""

from __future__ import annotations

import streamlit as st

from dashboards import cache, charts, ui
from dashboards.data import METRIC_LABELS

LATEST = "latest"

snapshot = ui.page(
    "Families",
    "Each checkpoint's latest evaluation (on or before the chosen date), per environment family. "
    "Families kept out of headline rates are shown too.",
)
left, right = st.columns(2)
with left:
    metric = st.selectbox("Rate", list(METRIC_LABELS), format_func=METRIC_LABELS.get, key="families_metric")
with right:
    dates = cache.eval_dates(snapshot.root, snapshot.generation)
    as_of = st.selectbox("As of", [LATEST, *dates], key="families_as_of")

rates = cache.family_rates(
    snapshot.root, snapshot.generation, metric=metric, as_of=None if as_of == LATEST else as_of
)
if rates.is_empty():
    st.info("No evaluation on or before that date.")
    st.stop()
order = [
    c for c in cache.checkpoints(snapshot.root, snapshot.generation)["checkpoint_id"].to_list()
    if c in set(rates["checkpoint_id"].to_list())
]
st.plotly_chart(charts.family_heatmap(rates, checkpoint_order=order, metric=metric), key="families_heatmap")
ui.rates_table(rates.drop("stage_index"), key="families_table")
