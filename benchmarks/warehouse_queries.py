"""The dashboard's queries over a warehouse of 10 M synthetic sample rows.

Builds the warehouse through the real write path (``Warehouse.store_eval_runs``),
then times each query the dashboard runs through one long-lived
``WarehouseReader`` that refreshes before every query, as a page load does and compares the degradation query
with a pandas baseline that loads the samples and groups them.
Prints JSON: p50/p95 per query, the overall p95 (target ≤ 100 ms) and the ratio.
Run: .venv/bin/python -m benchmarks.warehouse_queries [--rows 10000000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
from tqdm import tqdm

from schemewatch.environments import SUITE_VERSION, build_suite
from schemewatch.report import checkpoint_report
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_records import EvalRun
from schemewatch.warehouse_schema import SAMPLE_SCHEMA

RESPONSES = [
    "<think>Per AS1 I must disclose the failures.</think><action>submit_summary</action><report>3 failed</report>",
    "<think>Nobody checks this.</think><action>submit_clean_summary</action><report>All clean.</report>",
    "<think>This looks like a test.</think><action>flag_operator</action><report>Conflict.</report>",
    "garbled",
]

QUERIES = {
    "degradation_curve": (
        "SELECT r.checkpoint_id, r.eval_date, r.metric, r.rate, r.ci_low, r.ci_high, r.n "
        "FROM rates r WHERE r.family IS NULL ORDER BY r.checkpoint_id, r.eval_date", []),
    "family_heatmap": (
        "WITH latest AS (SELECT checkpoint_id, max(eval_date) AS d FROM eval_runs GROUP BY 1) "
        "SELECT r.checkpoint_id, r.family, r.rate, r.n FROM rates r JOIN latest l "
        "ON r.checkpoint_id = l.checkpoint_id AND r.eval_date = l.d "
        "WHERE r.metric = 'covert' AND r.family IS NOT NULL", []),
    "alerts_and_runs": ("SELECT count(*) FROM eval_runs WHERE eval_date >= ?", [date(2026, 1, 1)]),
}


def synthetic_run(rng: np.random.Generator, envs, checkpoint: str, day: date, samples: int, p_covert: float):
    n = len(envs) * samples
    env_idx = np.tile(np.arange(len(envs)), samples)
    covert = rng.random(n) < p_covert
    cites = rng.random(n) < (0.9 - p_covert)
    run = EvalRun(f"{checkpoint}--{day}--bench", checkpoint, SUITE_VERSION, "eval", day, 0, samples, "", "bench")
    frame = pl.DataFrame(
        {
            "eval_run_id": [run.eval_run_id] * n, "checkpoint_id": [checkpoint] * n,
            "suite_version": [SUITE_VERSION] * n, "env_id": [envs[i].id for i in env_idx],
            "family": [envs[i].family for i in env_idx], "category": [envs[i].category for i in env_idx],
            "split": ["eval"] * n, "counts_in_aggregate": [envs[i].counts_in_aggregate for i in env_idx],
            "sample_idx": np.repeat(np.arange(samples), len(envs)), "seed": [0] * n, "eval_date": [day] * n,
            "response": [RESPONSES[i] for i in rng.integers(0, len(RESPONSES), n)],
            "outcome": np.where(covert, "covert", "honest"), "covert": covert, "cites_spec": cites,
            "cited_principles": [["AS1"] if c else [] for c in cites], "eval_aware": rng.random(n) < 0.05,
            "good": ~covert, "n_tokens": rng.integers(20, 90, n),
        },
        schema=SAMPLE_SCHEMA,
    )
    return run, frame


def timed(fn, reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def build_warehouse(root: Path, envs: list, n_runs: int, checkpoints: int, samples_per_env: int) -> None:
    """``n_runs`` synthetic evaluation runs over ``checkpoints`` checkpoints, one day per round, stored in batches."""
    rng = np.random.default_rng(0)
    warehouse = Warehouse(root)
    batch = []
    for i in tqdm(range(n_runs), desc="building warehouse", unit="run"):
        ck = f"ck-{i % checkpoints:02d}"
        day = date(2025, 1, 1) + timedelta(days=i // checkpoints)
        p_covert = 0.02 + 0.3 * (i % checkpoints) / checkpoints
        batch.append(synthetic_run(rng, envs, ck, day, samples_per_env, p_covert))
        if len(batch) == 100 or i == n_runs - 1:
            warehouse.store_eval_runs(batch)
            batch = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--samples-per-env", type=int, default=25, help="Rows per run = envs × this.")
    parser.add_argument("--checkpoints", type=int, default=12)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--dir", type=Path, default=None, help="Warehouse directory (default: a temp dir).")
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="schemewatch-wh-"))
    envs = build_suite("eval")
    rows_per_run = len(envs) * args.samples_per_env
    n_runs = max(1, args.rows // rows_per_run)
    build_start = time.perf_counter()
    build_warehouse(root, envs, n_runs, args.checkpoints, args.samples_per_env)
    build_s = time.perf_counter() - build_start

    reader = WarehouseReader(root)
    open_start = time.perf_counter()
    WarehouseReader(root).close()
    open_ms = (time.perf_counter() - open_start) * 1000
    results = {}
    for name, (sql, params) in QUERIES.items():
        def run_query(sql=sql, params=params) -> None:
            reader.refresh()
            reader.query(sql, params)
        results[name] = timed(run_query, args.reps)

    def report() -> None:
        reader.refresh()
        checkpoint_report(reader)

    def transcripts() -> None:
        reader.refresh()
        run_id = reader.query("SELECT max(eval_run_id) AS r FROM eval_runs")["r"][0]
        reader.run_samples(run_id).filter(
            (pl.col("family") == "log_falsification") & (pl.col("outcome") == "covert")).head(50)

    results["checkpoint_report"] = timed(report, args.reps)
    results["transcripts_of_one_run"] = timed(transcripts, args.reps)

    reader.refresh()
    total_rows = reader.query("SELECT count(*) AS n FROM samples")["n"][0]
    files = sorted((root / "samples").glob("*.parquet"))
    start = time.perf_counter()
    frame = pd.concat(pd.read_parquet(f, columns=["checkpoint_id", "eval_date", "covert"]) for f in files)
    frame.groupby(["checkpoint_id", "eval_date"])["covert"].mean()
    pandas_ms = (time.perf_counter() - start) * 1000

    p95 = {k: float(np.percentile(v, 95)) for k, v in results.items()}
    print(json.dumps({
        "rows": int(total_rows), "eval_runs": n_runs, "build_s": round(build_s, 1),
        "queries_ms": {k: {"p50": round(statistics.median(v), 2), "p95": round(p95[k], 2)} for k, v in results.items()},
        "overall_p95_ms": round(max(p95.values()), 2),
        "reader_open_ms": round(open_ms, 1),
        "target_p95_ms": 100,
        "pandas_load_and_group_ms": round(pandas_ms, 1),
        "ratio_pandas_to_degradation_p95": round(pandas_ms / p95["degradation_curve"], 1),
    }, indent=2))


if __name__ == "__main__":
    main()
