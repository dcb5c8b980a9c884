"""Transcripts: the responses behind a rate, filtered by checkpoint, evaluation, family and
outcome, with cited principles and evaluation-awareness phrases highlighted."""

from __future__ import annotations

import streamlit as st

from dashboards import cache, charts, highlight, ui
from dashboards.data import OUTCOMES

snapshot = ui.page(
    "Transcripts",
    "What the model wrote. Highlights come from the grader's own detectors: what is marked is what was counted.",
)
checkpoints = cache.checkpoints(snapshot.root, snapshot.generation)["checkpoint_id"].to_list()
c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 2, 1])
with c1:
    # The newest checkpoint first: the one a morning check is about.
    checkpoint = st.selectbox("Checkpoint", checkpoints, index=len(checkpoints) - 1, key="transcripts_checkpoint")
runs = cache.runs_of(snapshot.root, snapshot.generation, checkpoint)
dates = dict(zip(runs["eval_run_id"].to_list(), runs["eval_date"].to_list(), strict=True))
# The evaluation picked for another checkpoint is not one of this checkpoint's: start at its newest.
if st.session_state.get("transcripts_run") not in dates:
    st.session_state["transcripts_run"] = next(iter(dates))
with c2:
    run_id = st.selectbox("Evaluation", list(dates), format_func=lambda r: str(dates[r]), key="transcripts_run")
with c3:
    family = ui.family_select(snapshot, key="transcripts_family", aggregate=ui.ALL)
with c4:
    outcome = st.selectbox("Outcome", [ui.ALL, *OUTCOMES], key="transcripts_outcome")
    outcome = None if outcome == ui.ALL else outcome
with c5:
    limit = st.number_input("Show", min_value=1, max_value=200, value=20, step=10, key="transcripts_limit")

counts = cache.outcome_counts(snapshot.root, snapshot.generation, run_id, family=family)
st.plotly_chart(charts.outcome_figure(counts), key="transcripts_outcomes")
shown_counts = counts if outcome is None else counts.filter(counts["outcome"] == outcome)
matching = int(shown_counts["samples"].sum())
rows = cache.transcripts(
    snapshot.root, snapshot.generation, run_id, family=family, outcome=outcome, limit=int(limit)
)
st.caption(f"{rows.height} of {matching} matching samples")
st.html(highlight.legend_html())
for row in rows.iter_rows(named=True):
    with st.container(border=True):
        cited = ", ".join(row["cited_principles"]) or "none"
        aware = " · **evaluation-aware**" if row["eval_aware"] else ""
        st.markdown(
            f"`{row['env_id']}` · sample {row['sample_idx']} · outcome **{row['outcome']}** · cites {cited}{aware}"
        )
        st.html(highlight.transcript_html(row["response"]))
