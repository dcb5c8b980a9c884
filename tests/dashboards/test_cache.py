"""The cached loaders: one cache per query, keyed by (root, generation, named arguments)."""

from __future__ import annotations

import inspect

from dashboards import cache, data
from tests.dashboards.warehouse_fixture import FixtureInfo


def _cached_queries() -> dict[str, object]:
    """cache's loaders that wrap the dashboards.data query of the same name."""
    loaders = {}
    for name, value in vars(cache).items():
        query = getattr(data, name, None)
        # A name both modules import is the very same object, not a wrapper of it.
        if callable(value) and value is not query and inspect.unwrap(value) is query:
            loaders[name] = value
    return loaders


def test_each_cached_loader_keeps_its_querys_name_docstring_and_arguments() -> None:
    loaders = _cached_queries()
    assert {"summary", "degradation", "transcripts", "outcome_counts"} <= loaders.keys()
    for name, loader in loaders.items():
        query = getattr(data, name)
        assert (loader.__name__, loader.__doc__) == (query.__name__, query.__doc__)
        _reader, *arguments = inspect.signature(query).parameters
        assert list(inspect.signature(loader).parameters) == ["root", "generation", *arguments]


def test_two_cached_loaders_never_share_a_result(warehouse: FixtureInfo) -> None:
    # Every loader runs the same inner function; st.cache_data must still see two functions.
    def first(reader: object) -> str:
        return "first"

    def second(reader: object) -> str:
        return "second"

    one, other = cache.cached_loader(first), cache.cached_loader(second)
    one.clear(), other.clear()
    root = str(warehouse.root)
    assert [one(root, "g"), other(root, "g"), one(root, "g")] == ["first", "second", "first"]
    # The same for the real ones: same arguments, each its own query's answer.
    generation = cache._shared(root).generation()
    assert cache.families(root, generation) == list(warehouse.families)
    assert cache.eval_dates(root, generation) == list(reversed(warehouse.dates))


def test_a_cached_loader_reads_once_per_generation_and_arguments(warehouse: FixtureInfo) -> None:
    calls: list[int] = []

    def query(reader: object, x: int = 0) -> int:
        calls.append(x)
        return x

    cached = cache.cached_loader(query)
    cached.clear()
    root = str(warehouse.root)
    assert [cached(root, "g1"), cached(root, "g1"), cached(root, "g2")] == [0, 0, 0]
    assert calls == [0, 0], "a new generation is a new key; the same one is a hit"
    assert [cached(root, "g1", 1), cached(root, "g1", x=1)] == [1, 1]
    assert calls == [0, 0, 1], "an argument is keyed by its name, whether passed by position or by keyword"
