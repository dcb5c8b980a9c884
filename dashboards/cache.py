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

import functools
import inspect
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import streamlit as st

from dashboards import data
from dashboards.settings import CACHE_TTL_S, EMPTY_MESSAGE, Thresholds, warehouse_root
from schemewatch.warehouse import WarehouseReader

P = ParamSpec("P")
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
def _configured_thresholds() -> Thresholds:
    return Thresholds.load()  # the config is read once per server


def thresholds(snapshot: Snapshot) -> Thresholds:
    """The thresholds drawn on the charts: those the alert rules last judged with, else the config's."""
    return _configured_thresholds().recorded(rule_thresholds(snapshot.root, snapshot.generation))


# Every loader is keyed by (root, generation, arguments). ``generation`` is unused
# in the body: it is there so that a new snapshot is a new cache key.
_cached = st.cache_data(ttl=CACHE_TTL_S, show_spinner=False, max_entries=512)
_ROOT_AND_GENERATION = [
    inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="str")
    for name in ("root", "generation")
]


def cached_loader(loader: Callable[Concatenate[WarehouseReader, P], R]) -> Callable[Concatenate[str, str, P], R]:
    """``loader`` run on the shared reader of a warehouse, cached under ``(root, generation, its arguments)``.

    The result takes the warehouse directory and the snapshot generation in place
    of ``loader``'s reader, then ``loader``'s own arguments; it keeps ``loader``'s
    name, docstring and signature (so its cache is keyed on named arguments).

    Args:
        loader: A :mod:`dashboards.data` query, ``loader(reader, ...)``.
    """

    def load(root: str, generation: str, *args: P.args, **kwargs: P.kwargs) -> R:
        return _shared(root).run(loader, *args, **kwargs)

    functools.update_wrapper(load, loader)
    # st.cache_data keys a function's cache on its module, qualified name and source. Every loader made here
    # runs this one ``load``, so it must carry the loader's own name, or all of them would share one cache;
    # the source Streamlit hashes is the loader's (found through __wrapped__), so editing a query empties
    # its cache too.
    load.__module__ = __name__
    load.__qualname__ = loader.__qualname__
    signature = inspect.signature(loader)
    _reader, *parameters = signature.parameters.values()
    # Streamlit names the positional arguments it hashes from this signature.
    load.__signature__ = signature.replace(parameters=[*_ROOT_AND_GENERATION, *parameters])  # type: ignore
    return _cached(load)


# The pages' loaders: each one is the dashboards.data query of the same name, cached.
is_empty = cached_loader(data.is_empty)
summary = cached_loader(data.summary)
latest_report = cached_loader(data.latest_report)
checkpoints = cached_loader(data.checkpoints)
families = cached_loader(data.families)
suites = cached_loader(data.suites)
eval_dates = cached_loader(data.eval_dates)
degradation = cached_loader(data.degradation)
alert_markers = cached_loader(data.alert_markers)
family_rates = cached_loader(data.family_rates)
alerts = cached_loader(data.alerts)
drift_summary = cached_loader(data.drift_summary)
drift_details = cached_loader(data.drift_details)
runs_of = cached_loader(data.runs_of)
transcripts = cached_loader(data.transcripts)
outcome_counts = cached_loader(data.outcome_counts)
rule_thresholds = cached_loader(data.rule_thresholds)
interventions = cached_loader(data.interventions)
intervention_pairs = cached_loader(data.intervention_pairs)


def report_file(snapshot: Snapshot, report_path: str | None) -> Path | None:
    """:func:`dashboards.data.report_file` for this snapshot's warehouse (not cached: a stat call)."""
    return data.report_file(report_path, Path(snapshot.root))
