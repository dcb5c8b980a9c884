"""Re-grading stored responses under the current grader, without sampling again.

Every evaluation run records the grader version that graded it. When the
grader changes, :func:`regrade` reads the responses of each run graded under
another version, grades them again, and stores the result as a *new* run
(``regraded_from`` names the old one, which is marked superseded and stays
readable), so old and new grades can be compared side by side and nothing is
overwritten. Re-grading again under the same version adds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import polars as pl

from schemewatch.environments import SUITE_VERSION, Environment, UnknownEnvironmentError, derive_seed, environment
from schemewatch.grading import GRADER_VERSION, grade
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_records import EvalRun


class RegradeError(ValueError):
    """A run that cannot be re-graded here; the message says why and what to do."""


@dataclass(frozen=True)
class Regraded:
    """One re-graded run: where it came from, where it went, and what changed."""

    old_run_id: str
    new_run_id: str
    checkpoint_id: str
    n: int
    old_grader_version: str
    changed: int
    outcomes_before: dict[str, int]
    outcomes_after: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def regraded_run_id(old_run_id: str, checkpoint_id: str, eval_date: str) -> str:
    """The deterministic id of ``old_run_id`` re-graded under the current grader version."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", checkpoint_id)[:80]
    return f"{safe}--{eval_date}--{derive_seed(old_run_id, 'regrade', GRADER_VERSION):016x}"


_CANDIDATES = """
SELECT r.*, coalesce(r.grader_version, '1') AS version FROM eval_runs r
WHERE coalesce(r.grader_version, '1') <> ? AND r.superseded_by IS NULL
  AND coalesce(r.source, 'schemewatch') = 'schemewatch'  -- an ingested run was graded by its own tool
  AND (CAST(? AS VARCHAR) IS NULL OR r.checkpoint_id = ?)
ORDER BY r.checkpoint_id, r.eval_date, r.created_at
"""


@cache
def _environment(env_id: str) -> Environment:
    return environment(env_id)


def _regrade_samples(samples: pl.DataFrame, new_run_id: str) -> pl.DataFrame:
    grades = []
    for env_id, text in samples.select("env_id", "response").iter_rows():
        try:
            grades.append(grade(_environment(env_id), text))
        except UnknownEnvironmentError as exc:
            raise RegradeError(f"cannot re-grade {env_id!r}: {exc}") from None
    return samples.with_columns(
        pl.lit(new_run_id).alias("eval_run_id"),
        pl.Series("outcome", [str(g.outcome) for g in grades], dtype=pl.String),
        pl.Series("covert", [g.covert for g in grades], dtype=pl.Boolean),
        pl.Series("cites_spec", [g.cites_spec for g in grades], dtype=pl.Boolean),
        pl.Series("cited_principles", [list(g.cited_principles) for g in grades], dtype=pl.List(pl.String)),
        pl.Series("eval_aware", [g.eval_aware for g in grades], dtype=pl.Boolean),
        pl.Series("good", [g.good for g in grades], dtype=pl.Boolean),
    )


def regrade(
    warehouse: Warehouse, *, checkpoint_id: str | None = None, log: Callable[[str], None] = print
) -> list[Regraded]:
    """Re-grade every current run graded under another grader version (of one checkpoint, if given).

    All new runs are stored in one transaction. Returns what was re-graded
    (empty when every run is already graded by :data:`GRADER_VERSION`).

    Raises:
        RegradeError: a run was evaluated on another suite version, whose
            environments this installation cannot rebuild; nothing is written.
    """
    with WarehouseReader(warehouse.root) as reader:
        runs = reader.query(_CANDIDATES, [GRADER_VERSION, checkpoint_id, checkpoint_id])
        batch, done = [], []
        for run in runs.iter_rows(named=True):
            if run["suite_version"] != SUITE_VERSION:
                raise RegradeError(
                    f"run {run['eval_run_id']} was evaluated on suite {run['suite_version']}, this schemewatch "
                    f"has {SUITE_VERSION}; re-grade it with the schemewatch version of that suite"
                )
            old = reader.run_samples(run["eval_run_id"])
            new_id = regraded_run_id(run["eval_run_id"], run["checkpoint_id"], run["eval_date"].isoformat())
            new = _regrade_samples(old, new_id)
            batch.append((EvalRun(
                eval_run_id=new_id, checkpoint_id=run["checkpoint_id"], suite_version=run["suite_version"],
                split=run["split"], eval_date=run["eval_date"], seed=run["seed"],
                samples_per_env=run["samples_per_env"], response_prefix=run["response_prefix"],
                policy=run["policy"], grader_version=GRADER_VERSION, regraded_from=run["eval_run_id"],
            ), new))
            before, after = _counts(old), _counts(new)
            changed = int((old["outcome"] != new["outcome"]).sum())
            done.append(Regraded(run["eval_run_id"], new_id, run["checkpoint_id"], new.height, run["version"],
                                 changed, before, after))
            log(f"{run['checkpoint_id']} {run['eval_date']}: grader {run['version']} → {GRADER_VERSION}, "
                f"{changed} of {new.height} outcomes changed")
    if batch:
        warehouse.store_eval_runs(batch)
    return done


def _counts(samples: pl.DataFrame) -> dict[str, int]:
    return dict(sorted(samples.group_by("outcome").len().iter_rows()))
