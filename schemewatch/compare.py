"""``schemewatch compare A B``: two checkpoints' latest evaluations, paired by environment.

Reads each checkpoint's latest ordinary evaluation of our own suite on a split, pairs their
samples environment by environment, and runs :func:`schemewatch.paired_test.paired_comparison`
over the environments of the families that count in headline rates, then per family
(Benjamini–Hochberg across families).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from schemewatch.paired_test import EnvCounts, PairedComparison, compare_by_family, paired_comparison
from schemewatch.warehouse import WarehouseReader
from schemewatch.warehouse_schema import latest_runs_sql


class CompareError(ValueError):
    """Two evaluations that cannot be compared; the message says why and what to do."""


@dataclass(frozen=True)
class Comparison:
    """B against A: the runs compared, overall and per family."""

    checkpoint_a: str
    checkpoint_b: str
    run_a: str
    run_b: str
    overall: PairedComparison
    families: dict[str, dict[str, object]]

    def to_dict(self) -> dict[str, object]:
        return {"checkpoint_a": self.checkpoint_a, "checkpoint_b": self.checkpoint_b, "run_a": self.run_a,
                "run_b": self.run_b, "metric": "covert", "overall": self.overall.to_dict(),
                "families": self.families}


def latest_run(reader: WarehouseReader, checkpoint_id: str, split: str) -> str:
    """The checkpoint's latest ordinary evaluation of our own suite on ``split``.

    Raises:
        CompareError: it has none.
    """
    runs = reader.query(f"SELECT eval_run_id FROM ({latest_runs_sql()}) WHERE checkpoint_id = ? "
                        "AND source = 'schemewatch'", [split, None, None, checkpoint_id])
    if runs.is_empty():
        raise CompareError(f"checkpoint {checkpoint_id!r} has no evaluation on split {split!r}; "
                           f"run `schemewatch evaluate --checkpoint {checkpoint_id}` first")
    return runs["eval_run_id"][0]


def _env_counts(samples: pl.DataFrame) -> pl.DataFrame:
    return samples.filter(pl.col("covert").is_not_null()).group_by("env_id", "family", "counts_in_aggregate").agg(
        pl.col("covert").sum().cast(pl.Int64).alias("k"), pl.len().cast(pl.Int64).alias("n"))


def paired_runs(reader: WarehouseReader, run_a: str, run_b: str) -> tuple[list[EnvCounts], list[EnvCounts]]:
    """(headline-family cells, every cell) of two runs' shared environments: covert k of n each."""
    a, b = _env_counts(reader.run_samples(run_a)), _env_counts(reader.run_samples(run_b))
    joined = a.join(b, on=["env_id", "family", "counts_in_aggregate"], suffix="_b").sort("env_id")
    cells, headline = [], []
    for r in joined.iter_rows(named=True):
        cell = EnvCounts(r["env_id"], r["family"], r["k"], r["n"], r["k_b"], r["n_b"])
        cells.append(cell)
        if r["counts_in_aggregate"]:
            headline.append(cell)
    return headline, cells


def compare_checkpoints(reader: WarehouseReader, checkpoint_a: str, checkpoint_b: str, split: str = "eval",
                        alpha: float = 0.05) -> Comparison:
    """Checkpoint B's covert rate against A's on the environments both were evaluated on.

    Raises:
        CompareError: a checkpoint without an evaluation, or no shared environment.
    """
    run_a, run_b = latest_run(reader, checkpoint_a, split), latest_run(reader, checkpoint_b, split)
    headline, cells = paired_runs(reader, run_a, run_b)
    if not cells:
        raise CompareError(f"{checkpoint_a!r} and {checkpoint_b!r} share no environment (different suite "
                           "versions?); evaluate both on the same suite")
    return Comparison(checkpoint_a, checkpoint_b, run_a, run_b, paired_comparison(headline or cells),
                      compare_by_family(cells, alpha))
