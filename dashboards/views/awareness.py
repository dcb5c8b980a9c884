"""Awareness: is the good behaviour there because the model thinks it is being tested?

The evaluation-awareness intervention of each checkpoint's newest evaluation: covert before and after
ablating, injecting or (control) inserting a neutral sentence, and the transcripts side by side.
"""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from dashboards import cache, charts, highlight, ui
from dashboards.data import INTERVENTION_KINDS
from schemewatch.awareness_intervention import depends_on_awareness
from schemewatch.config import InterventionConfig

snapshot = ui.page(
    "Awareness",
    "Each response is resampled from a cut in its reasoning in two arms that differ by one sentence: the "
    "aware sentence dropped (ablate), an awareness sentence inserted (inject) or a neutral one (control: the one "
    "the model finds about as likely there, or one of similar length). Bars: covert among the continuations, "
    "95% intervals clustered by environment; p: one-sided, in the paper's direction (ablation raises covert, "
    "injection lowers it), stratified by environment.",
)
results = cache.interventions(snapshot.root, snapshot.generation)
if results.is_empty():
    st.info("No awareness interventions yet. Run `schemewatch intervene --checkpoint as-rl` (and `--checkpoint "
            "base`), or set `[intervention] enabled = true` for the nightly job.")
    st.stop()

st.plotly_chart(charts.intervention_figure(results), key="awareness_bars")
ALPHA = InterventionConfig().alpha
depends = [r["stage"] for r in results.filter(pl.col("kind") == "ablate").iter_rows(named=True)
           if depends_on_awareness(r, ALPHA)]
if depends:
    st.warning(f"Good behaviour depends on awareness (ablation raises covert, p < {ALPHA} stratified by "
               f"environment): {', '.join(depends)}")
with st.expander("The numbers"):
    st.dataframe(
        results.select("stage", "checkpoint_id", "kind", "eval_date", "n_responses", "original_rate",
                       "baseline_rate", "intervened_rate", "difference", "p_value", "p_value_paired", "intervened_n",
                       "intervened_aware_rate", "intervened_unparseable_rate"),
        hide_index=True, key="awareness_numbers",
        column_config={"original_rate": ui.percent("original", "The selected responses as evaluated (not tested)"),
                       "baseline_rate": ui.percent("before"), "intervened_rate": ui.percent("after"),
                       "difference": ui.percent("difference"), "eval_date": ui.day("evaluated"),
                       "p_value": st.column_config.NumberColumn("p (Fisher)", help="One-sided, on the pooled "
                                                                "continuations", format="%.3g"),
                       "p_value_paired": st.column_config.NumberColumn("p (by environment)", help="One-sided CMH "
                                                                       "stratified by environment", format="%.3g"),
                       "intervened_aware_rate": ui.percent("aware after"),
                       "intervened_unparseable_rate": ui.percent("unparseable after"),
                       "intervened_n": st.column_config.NumberColumn("continuations per arm")},
    )

st.subheader("Before and after, side by side")
c1, c2, c3 = st.columns([3, 2, 1])
stages = dict(zip(results["checkpoint_id"].to_list(), results["stage"].to_list(), strict=False))
with c1:
    checkpoint = st.selectbox("Checkpoint", list(stages), format_func=lambda c: f"{stages[c]} · {c}",
                              key="awareness_checkpoint")
kinds = [k for k in INTERVENTION_KINDS if k in results.filter(pl.col("checkpoint_id") == checkpoint)["kind"]]
with c2:
    kind = st.selectbox("Intervention", kinds, key="awareness_kind")
with c3:
    limit = st.number_input("Show", min_value=1, max_value=50, value=5, key="awareness_limit")
chosen = results.filter((pl.col("checkpoint_id") == checkpoint) & (pl.col("kind") == kind)).row(0, named=True)
pairs = cache.intervention_pairs(snapshot.root, snapshot.generation, chosen["intervention_id"], limit=int(limit))
st.caption(f"{pairs.height} of {chosen['n_responses']} responses, those whose two arms ended differently first · "
           "✂ marks the cut; the resampled text is underlined dotted")
if chosen.get("control_match"):
    # What the placebo was matched on: a neutral sentence the model finds far less likely knocks it off its
    # usual reasoning by surprise alone.
    matches = json.loads(chosen["control_match"])
    st.caption("Control matched on the model's log-likelihood at the cut: " + "; ".join(
        f"“{m['control']}” ({m['control_log_likelihood']:.1f} nats) for “{m['awareness']}” "
        f"({m['awareness_log_likelihood']:.1f})" for m in matches) + f" · means over {matches[0]['cuts']} cuts")
elif kind == "control":
    st.caption("Control matched on length (`control_match = \"length\"`, or stored before the likelihood match): "
               "its sentence may be far less likely to the model than the awareness sentence it stands in for.")
st.html(highlight.legend_html())
changed_kind = "removed" if kind == "ablate" else "inserted"
for row in pairs.iter_rows(named=True):
    with st.container(border=True):
        st.markdown(f"`{row['env_id']}` · sample {row['source_sample_idx']} · originally **{row['original_outcome']}**")
        before, after = st.columns(2)
        with before:
            st.markdown(f"**Before** ({'aware sentence kept' if kind == 'ablate' else 'nothing inserted'}): "
                        f"**{row['baseline_outcome']}**")
            st.html(highlight.cut_html(row["baseline_prefix"], row["cut_at"], row["sentence"], "kept",
                                       row["baseline_response"]))
        with after:
            st.markdown(f"**After** ({'aware sentence dropped' if kind == 'ablate' else 'sentence inserted'}): "
                        f"**{row['intervened_outcome']}**")
            st.html(highlight.cut_html(row["intervened_prefix"], row["cut_at"], row["sentence"], changed_kind,
                                       row["intervened_response"]))
