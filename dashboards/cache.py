"""Cached loaders: the one place the pages touch the warehouse.

One :class:`WarehouseReader` per warehouse directory is shared by every session
of the server (``st.cache_resource``); it reads immutable snapshot files through
an in-memory DuckDB, so it never holds a lock the pipeline waits on. A DuckDB
connection must not be used by two threads at once and Streamlit runs each
session in its own thread, hence the lock (queries take milliseconds).

Query results are cached with a short TTL (``st.cache_data``) under the
snapshot generation they were read from: a new evaluation publishes a new
generation, so the next page run misses the cache and reads it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

import polars as pl
import streamlit as st

from dashboards import data
from dashboards.settings import CACHE_TTL_S, EMPTY_MESSAGE, Thresholds, warehouse_root
from schemewatch.warehouse import WarehouseReader

R = TypeVar("R")


class _SharedReader:
    """A reader and the lock that serialises its use across sessions."""

    def __init__(self, root: str) -> None:
        self._reader = WarehouseReader(root)
        self._lock = threading.Lock()

    def generation(self) -> str | None:
        """The newest published snapshot generation (``None``: nothing published yet)."""
        with self._lock:
            self._reader.refresh()
            return self._reader.generation

    def run(self, loader: Callable[..., R], *args: object, **kwargs: object) -> R:
        """``loader(reader, *args, **kwargs)`` on the newest snapshot, under the lock."""
        with self._lock:
            self._reader.refresh()
            return loader(self._reader, *args, **kwargs)


@st.cache_resource(show_spinner=False)
def _shared(root: str) -> _SharedReader:
    return _SharedReader(root)


@dataclass(frozen=True)
class Snapshot:
    """The warehouse directory and the snapshot generation a page run reads."""

    root: str
    generation: str


def snapshot_or_stop() -> Snapshot:
    """The configured warehouse's current snapshot; on an empty warehouse, the friendly message and stop."""
    root = str(warehouse_root())
    generation = _shared(root).generation()
    if generation is None or is_empty(root, generation):
        st.info(EMPTY_MESSAGE)
        st.stop()
    return Snapshot(root, generation)


@st.cache_data(show_spinner=False)
def thresholds() -> Thresholds:
    """The alert thresholds drawn on the charts (the config is read once per server)."""
    return Thresholds.load()


# Every loader below is keyed by (root, generation, arguments). ``generation`` is
# unused in the body: it is there so that a new snapshot is a new cache key.
_cached = st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=512)


@_cached
def is_empty(root: str, generation: str | None) -> bool:
    """True when the snapshot holds no evaluation run."""
    return _shared(root).run(data.is_empty)


@_cached
def summary(root: str, generation: str) -> dict[str, object]:
    """:func:`dashboards.data.summary`."""
    return _shared(root).run(data.summary)


@_cached
def latest_report(root: str, generation: str) -> pl.DataFrame:
    """:func:`dashboards.data.latest_report`."""
    return _shared(root).run(data.latest_report)


@_cached
def checkpoints(root: str, generation: str) -> pl.DataFrame:
    """:func:`dashboards.data.checkpoints`."""
    return _shared(root).run(data.checkpoints)


@_cached
def families(root: str, generation: str) -> list[str]:
    """:func:`dashboards.data.families`."""
    return _shared(root).run(data.families)


@_cached
def eval_dates(root: str, generation: str) -> list[date]:
    """:func:`dashboards.data.eval_dates`."""
    return _shared(root).run(data.eval_dates)


@_cached
def degradation(
    root: str, generation: str, by: Literal["checkpoint", "eval_date"], family: str | None, metrics: tuple[str, ...]
) -> pl.DataFrame:
    """:func:`dashboards.data.degradation`."""
    return _shared(root).run(data.degradation, by=by, family=family, metrics=metrics)


@_cached
def alert_markers(root: str, generation: str, family: str | None) -> pl.DataFrame:
    """:func:`dashboards.data.alert_markers`."""
    return _shared(root).run(data.alert_markers, family)


@_cached
def family_rates(root: str, generation: str, metric: str, as_of: date | None) -> pl.DataFrame:
    """:func:`dashboards.data.family_rates`."""
    return _shared(root).run(data.family_rates, metric=metric, as_of=as_of)


@_cached
def alerts(root: str, generation: str, statuses: tuple[str, ...]) -> pl.DataFrame:
    """:func:`dashboards.data.alerts`."""
    return _shared(root).run(data.alerts, statuses)


@_cached
def drift_summary(root: str, generation: str) -> pl.DataFrame:
    """:func:`dashboards.data.drift_summary`."""
    return _shared(root).run(data.drift_summary)


@_cached
def drift_details(root: str, generation: str, eval_run_id: str, only_drifted: bool) -> pl.DataFrame:
    """:func:`dashboards.data.drift_details`."""
    return _shared(root).run(data.drift_details, eval_run_id, only_drifted=only_drifted)


@_cached
def runs_of(root: str, generation: str, checkpoint_id: str) -> pl.DataFrame:
    """:func:`dashboards.data.runs_of`."""
    return _shared(root).run(data.runs_of, checkpoint_id)


@_cached
def transcripts(
    root: str, generation: str, eval_run_id: str, family: str | None, outcome: str | None, limit: int
) -> pl.DataFrame:
    """:func:`dashboards.data.transcripts`."""
    return _shared(root).run(data.transcripts, eval_run_id, family=family, outcome=outcome, limit=limit)


@_cached
def outcome_counts(root: str, generation: str, eval_run_id: str, family: str | None) -> pl.DataFrame:
    """:func:`dashboards.data.outcome_counts`."""
    return _shared(root).run(data.outcome_counts, eval_run_id, family=family)


def report_file(snapshot: Snapshot, report_path: str | None) -> Path | None:
    """:func:`dashboards.data.report_file` for this snapshot's warehouse (not cached: a stat call)."""
    return data.report_file(report_path, Path(snapshot.root))
