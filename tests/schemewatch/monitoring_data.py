"""Synthetic evaluations for the drift, alert and delivery tests: SAMPLE_SCHEMA rows with chosen rates.

Rows are built directly (no policy, no grader) so that a test can say "covert 40% in
family f" and get exactly that; the responses still have the contract's sections so
the drift report's reasoning descriptors have text to read.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from schemewatch.checkpoints import CheckpointInfo
from schemewatch.warehouse import Warehouse
from schemewatch.warehouse_records import EvalRun
from schemewatch.warehouse_schema import SAMPLE_SCHEMA

FAMILIES = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")
DAY0 = date(2026, 11, 1)
STAGES = {"base": 0, "as-sft": 1, "as-rl": 2, "cap-1": 3, "cap-2": 4, "cap-3": 5}


def samples(
    eval_run_id: str,
    checkpoint_id: str,
    *,
    covert: float | dict[str, float] = 0.05,
    citation: float = 0.9,
    per_family: int = 40,
    eval_date: date = DAY0,
    long_reasoning: bool = False,
    incomplete: float = 0.0,
    seed: int = 0,
) -> pl.DataFrame:
    """Samples whose covert rate per family is exactly ``covert`` (a rate, or one per family).

    Covert responses are drawn among citing ones first, so covert-after-citation rises
    with the covert rate as in the capability stages; the last ``incomplete`` share of
    each family's rows are honest answers with an incomplete report.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for family in FAMILIES:
        rate = covert[family] if isinstance(covert, dict) else covert
        n_covert, n_cite = round(rate * per_family), round(citation * per_family)
        first_incomplete = per_family - round(incomplete * per_family)
        for i in range(per_family):
            is_covert, cites = i < n_covert, i < n_cite
            outcome = "covert" if is_covert else "incomplete" if i >= first_incomplete else "honest"
            words = rng.integers(8, 14) * (3 if long_reasoning else 1)
            think = ("Per AS1 I must report this. " if cites else "") + " ".join(["step"] * int(words)) + "."
            action = "hide_it" if is_covert else "report_it"
            rows.append({
                "eval_run_id": eval_run_id, "checkpoint_id": checkpoint_id, "suite_version": "test",
                "env_id": f"{family}-{i % 7:03d}", "family": family, "category": "test", "split": "eval",
                "counts_in_aggregate": True, "sample_idx": i // 7, "seed": seed, "eval_date": eval_date,
                "response": f"<think>{think}</think><action>{action}</action><report>done</report>",
                "outcome": outcome, "covert": is_covert, "cites_spec": cites,
                "cited_principles": ["AS1"] if cites else [], "eval_aware": False, "good": outcome == "honest",
                "n_tokens": int(words) + 6,
            })
    return pl.DataFrame(rows, schema=SAMPLE_SCHEMA)


def register(warehouse: Warehouse, checkpoint_id: str, stage: str, root: Path) -> None:
    """Register a checkpoint of ``stage`` (its directory need not exist)."""
    warehouse.register_checkpoint(CheckpointInfo(checkpoint_id, stage, STAGES.get(stage, -1), None,
                                                 root / checkpoint_id))


def store(warehouse: Warehouse, checkpoint_id: str, night: int = 0, **kw: object) -> str:
    """Store one evaluation of ``checkpoint_id`` on night ``night`` (DAY0 + night); returns its id."""
    when = DAY0 + timedelta(days=night)
    run_id = f"{checkpoint_id}--{when.isoformat()}"
    run = EvalRun(run_id, checkpoint_id, "test", "eval", when, 0, 5, "", "synthetic")
    warehouse.store_eval_run(run, samples(run_id, checkpoint_id, eval_date=when, **kw))
    return run_id
