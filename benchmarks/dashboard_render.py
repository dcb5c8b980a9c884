"""Render time of every dashboard page on a warehouse of the default world's size.

Builds a synthetic warehouse through the real write path (6 checkpoints, 1–3
evaluation dates each, every held-out environment × 5 samples, drift rows and
alerts), then renders each page of ``dashboards.pages_registry`` through
``app.py`` with Streamlit's AppTest: cold (every
``st.cache_data`` / ``st.cache_resource`` entry cleared first, so the page
opens its reader and runs its queries) and warm (a rerun, as after a widget
change that hits the cache). Module imports are paid once, before timing, and
reported apart. Target: ≤ 1 s per page, cold.

Prints JSON: per-page median seconds, the worst cold time and its ratio to the target.
Run: .venv/bin/python -m benchmarks.dashboard_render [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards import pages_registry
from dashboards.data import summary
from dashboards.pages_registry import DashboardPage
from schemewatch.warehouse import WarehouseReader
from tests.dashboards.warehouse_fixture import DEFAULT_CHAIN, build_warehouse

APP = pages_registry.DASHBOARDS / "app.py"
# Every registered page, by its label in lower case ("overview", "degradation", ...).
PAGES = {page.label.lower(): page for page in pages_registry.PAGES}
TARGET_S = 1.0


def _run(at: AppTest) -> float:
    start = time.perf_counter()
    at.run(timeout=60)
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"page raised: {[e.value for e in at.exception]}")
    return elapsed


def _clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def _at(page: DashboardPage) -> AppTest:
    """The app, set to render ``page`` on its next run (through app.py's navigation, as the server does)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    if not page.default:
        # Before a first run AppTest finds a page by its file name, not by its URL path: run the entry page
        # once (untimed) so the navigation is known, then switch.
        _run(at)
        at.switch_page(str(page.path))
    return at


def time_page(page: DashboardPage, reps: int) -> dict[str, float]:
    """Median cold and warm render seconds of one page."""
    cold, warm = [], []
    for _ in range(reps):
        at = _at(page)
        _clear_caches()
        cold.append(_run(at))
        warm.append(_run(at))
    return {"cold_s": round(statistics.median(cold), 3), "warm_s": round(statistics.median(warm), 3)}


def time_degradation_over_dates(reps: int) -> dict[str, float]:
    """The heaviest chart: every checkpoint's line over the evaluation dates, four panels."""
    cold, warm = [], []
    for _ in range(reps):
        at = _at(PAGES["degradation"])
        _clear_caches()
        at.session_state["degradation_by"] = "eval_date"
        cold.append(_run(at))
        warm.append(_run(at))
    return {"cold_s": round(statistics.median(cold), 3), "warm_s": round(statistics.median(warm), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3, help="Cold/warm pairs per page (the median is reported).")
    parser.add_argument("--samples-per-env", type=int, default=5)
    parser.add_argument("--dates", type=int, default=3, help="Evaluation dates (the newest checkpoint gets one).")
    parser.add_argument("--dir", type=Path, default=None, help="Warehouse directory (default: a temp dir).")
    args = parser.parse_args()
    # Clearing caches outside a server logs a line per call; the JSON is the output.
    logging.disable(logging.WARNING)

    root = args.dir or Path(tempfile.mkdtemp(prefix="schemewatch-dash-")) / "warehouse"
    start = time.perf_counter()
    info = build_warehouse(root, chain=DEFAULT_CHAIN, n_dates=args.dates, samples_per_env=args.samples_per_env)
    build_s = time.perf_counter() - start
    os.environ["SCHEMEWATCH_WAREHOUSE"] = str(root)
    with WarehouseReader(root) as reader:
        samples = int(summary(reader)["samples"])

    # Imports (streamlit runtime, plotly, duckdb) are paid by the first page a server renders, once.
    start = time.perf_counter()
    _run(AppTest.from_file(str(APP), default_timeout=60))
    warmup_s = time.perf_counter() - start

    pages = {name: time_page(page, args.reps) for name, page in PAGES.items()}
    pages["degradation_over_dates"] = time_degradation_over_dates(args.reps)
    worst = max(p["cold_s"] for p in pages.values())
    print(
        json.dumps(
            {
                "warehouse": {
                    "checkpoints": len(info.checkpoints), "eval_runs": len(info.run_ids),
                    "families": len(info.families), "samples": samples,
                    "build_s": round(build_s, 2),
                },
                "first_render_with_imports_s": round(warmup_s, 3),
                "pages": pages,
                "target_s": TARGET_S,
                "worst_cold_s": worst,
                "worst_cold_over_target": round(worst / TARGET_S, 3),
                "all_within_target": worst <= TARGET_S,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
