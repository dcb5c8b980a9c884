"""Health checks of a data directory's warehouse (``schemewatch doctor``).

Duplicate evaluations: before evaluation runs were identified by the
checkpoint's content, the same checkpoint reached through another spelling of
the data directory (``data`` and ``/abs/path/data``, or a copy) was evaluated
again for a date already done. Such runs share checkpoint, suite version, date,
split, seed, samples per environment and prefix. They are reported, never removed silently;
``--fix`` keeps the newest run of each group and deletes the others (their
rates and drift rows with them; alert history is kept).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemewatch.warehouse import Warehouse, WarehouseReader

_KEY = ("checkpoint_id", "suite_version", "eval_date", "split", "seed", "samples_per_env", "response_prefix")


@dataclass(frozen=True)
class DuplicateEvaluations:
    """Runs of the same evaluation: the one kept (newest) and the others."""

    checkpoint_id: str
    eval_date: str
    kept: str
    duplicates: tuple[str, ...]
    duplicate_samples: int

    def to_dict(self) -> dict[str, object]:
        return {**self.__dict__, "duplicates": list(self.duplicates)}


def duplicate_evaluations(reader: WarehouseReader) -> list[DuplicateEvaluations]:
    """Every group of ordinary runs that evaluated the same thing, newest run first.

    Only our own evaluations: an ingested Inspect run is identified by its log's eval id, so a second
    copy of a log never becomes a second run, and two tasks on one model and date are two evaluations.
    """
    runs = reader.query(
        f"SELECT eval_run_id, n_samples, {', '.join(_KEY)} FROM ordinary_runs WHERE suite = 'schemewatch' "
        "ORDER BY created_at DESC, eval_run_id"
    )
    groups: dict[tuple, list[dict]] = {}
    for run in runs.iter_rows(named=True):
        groups.setdefault(tuple(run[k] for k in _KEY), []).append(run)
    return [
        DuplicateEvaluations(rows[0]["checkpoint_id"], rows[0]["eval_date"].isoformat(), rows[0]["eval_run_id"],
                             tuple(r["eval_run_id"] for r in rows[1:]), sum(r["n_samples"] for r in rows[1:]))
        for rows in groups.values() if len(rows) > 1
    ]


def remove_duplicates(warehouse: Warehouse, found: list[DuplicateEvaluations]) -> int:
    """Delete the duplicate runs (not the kept ones) in one transaction; returns how many runs went."""
    ids = [run for group in found for run in group.duplicates]
    if not ids:
        return 0
    with warehouse.transaction() as con:
        for table in ("rates", "drift", "drift_reports", "eval_runs"):
            con.execute(f"DELETE FROM {table} WHERE eval_run_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    return len(ids)
