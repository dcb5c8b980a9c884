"""Widget helpers shared by the pages (page frame, family picker, table formats)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import cache
from dashboards.cache import Snapshot

ALL_FAMILIES = "All families (headline aggregate)"
ALL = "All"


def page(title: str, caption: str) -> Snapshot:
    """Set up a page and return the snapshot it reads; stops with a friendly message on an empty warehouse."""
    st.set_page_config(page_title=f"{title} · schemewatch", page_icon=":material/shield:", layout="wide")
    st.title(title)
    st.caption(caption)
    return cache.snapshot_or_stop()


def family_select(snapshot: Snapshot, *, key: str, label: str = "Family", aggregate: str = ALL_FAMILIES) -> str | None:
    """A family picker whose first option is ``aggregate``; returns ``None`` for it."""
    options = [aggregate, *cache.families(snapshot.root, snapshot.generation)]
    chosen = st.selectbox(label, options, key=key)
    return None if chosen == aggregate else chosen


def percent(label: str, help: str | None = None) -> st.column_config.NumberColumn:
    """A table column of proportions shown as percentages."""
    return st.column_config.NumberColumn(label, format="percent", help=help)


def day(label: str) -> st.column_config.DateColumn:
    """A table column of dates shown without a time of day."""
    return st.column_config.DateColumn(label, format="YYYY-MM-DD")


def rates_table(rates: pl.DataFrame, *, key: str) -> None:
    """The numbers behind a chart of rates, in an expander: rates and their 95% intervals as percentages."""
    with st.expander("The numbers"):
        st.dataframe(
            rates,
            hide_index=True,
            key=key,
            column_config={"rate": percent("rate"), "ci_low": percent("CI low", "95%, clustered by environment"),
                           "ci_high": percent("CI high", "95%, clustered by environment"),
                           "mde": percent("detectable rise", "The smallest rise over this rate the evaluation's n "
                                          "detects (one-sided α 0.01, power 0.8, clustering included)"),
                           "eval_date": day("evaluated")},
        )
