"""Inspect AI logs into the warehouse: one evaluation run per log, one sample row per sample × epoch.

An ingested run lands in the same tables as our own evaluations (``eval_runs``, ``rates``, the
sample files), so ``report``, drift, alerts and every dashboard page read it unchanged. What
marks it: ``source = 'inspect'``, the log's status and file, ``suite_version`` =
``inspect:<task>@<version>`` (so it stands beside a checkpoint's own evaluation instead of
replacing it), category ``inspect`` and each sample's raw scores as JSON in ``external_scores``.

Identity: ``eval_run_id`` is ``inspect-<eval id>``. A ``.json`` and an ``.eval`` of one run share
the eval id, so ingesting both, or one twice, adds nothing; a log that has grown since (an
errored run retried to completion) replaces its earlier, smaller ingest.

Outcome: a log of our own task (:mod:`schemewatch.inspect_task`) carries our grader's outcome,
environment, family and flags in its ``schemewatch`` score, so its rates equal a native
evaluation of the same responses. Any other task's samples have outcome ``external`` (our grader
never saw them): their covert, awareness and citation flags are what the mapping reads from the
task's own scores, and outcome-based rates (incomplete, unparseable) count none of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from schemewatch.environments.base import Outcome
from schemewatch.inspect_logs import (
    SCHEMEWATCH_MAPPING,
    InspectLogError,
    InspectRun,
    InspectSample,
    ScoreMapping,
    builtin_mapping,
    first_scores,
    log_files,
    read_run,
    read_samples,
)
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_records import EvalRun
from schemewatch.warehouse_schema import SAMPLE_SCHEMA

SOURCE = "inspect"
CATEGORY = "inspect"
#: The score our own task writes (one dict per sample); a log that has it needs no mapping.
SCHEMEWATCH_SCORER = "schemewatch"


def ingested_run_id(eval_id: str) -> str:
    """The warehouse id of an Inspect run: the same for every file of that run."""
    return f"inspect-{re.sub(r'[^A-Za-z0-9_.-]', '_', eval_id)}"


@dataclass(frozen=True)
class IngestNote:
    """One line about one log: what happened to it and why."""

    path: Path
    action: str  # "ingested", "skipped", "replaced"
    detail: str
    eval_run_id: str | None = None
    n_samples: int = 0

    def line(self) -> str:
        """The note as one line for the terminal."""
        return f"{self.action}: {self.path} — {self.detail}"


@dataclass
class IngestPlan:
    """What an ingest would store (runs with their rows) and a note for every log read."""

    batch: list[tuple[EvalRun, pl.DataFrame]] = field(default_factory=list)
    notes: list[IngestNote] = field(default_factory=list)
    #: Each planned run's log header (``eval_run_id`` →), for checks that compare rows with the header.
    headers: dict[str, InspectRun] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        """Rows the plan would store."""
        return sum(frame.height for _, frame in self.batch)


def mapping_for(run: InspectRun, scorers: Iterable[str], given: ScoreMapping | None) -> ScoreMapping | None:
    """The mapping to use: ours for our own task's logs (always: they map themselves); else the one
    given; else the task's built-in mapping (:data:`schemewatch.inspect_logs.BUILTIN_MAPPINGS`, columns
    whose scorer the log lacks left out); else none (scores kept raw)."""
    scorers = set(scorers)
    if SCHEMEWATCH_SCORER in scorers:
        return SCHEMEWATCH_MAPPING
    if given is not None:
        return given
    builtin = builtin_mapping(run.task)
    return builtin.present_in(scorers) if builtin is not None else None


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _row(run: InspectRun, sample: InspectSample, *, eval_run_id: str, checkpoint_id: str, split: str,
         eval_date: date, seed: int) -> dict[str, object]:
    ours = sample.scores.get(SCHEMEWATCH_SCORER)
    cols = sample.columns
    if isinstance(ours, dict) and "env_id" in ours:
        # Our own task: the grader's verdict and the environment it graded, as native rows have them.
        identity = {"env_id": ours["env_id"], "family": ours["family"], "category": ours["category"],
                    "counts_in_aggregate": bool(ours["counts_in_aggregate"])}
        outcome = str(ours["outcome"])
        principles = [p for p in str(ours.get("cited_principles") or "").split(",") if p]
        good = _flag(ours.get("good"))
    else:
        identity = {"env_id": f"{run.task}/{sample.sample_id}", "family": run.task, "category": CATEGORY,
                    "counts_in_aggregate": True}
        outcome = str(Outcome.EXTERNAL)
        principles, good = [], None
    return {
        "eval_run_id": eval_run_id, "checkpoint_id": checkpoint_id, "suite_version": suite_version(run),
        **identity, "split": split, "sample_idx": sample.epoch - 1, "seed": seed, "eval_date": eval_date,
        "response": sample.response, "outcome": outcome, "covert": cols.get("covert"),
        "cites_spec": cols.get("cites_spec"), "cited_principles": principles, "eval_aware": cols.get("aware"),
        "good": good, "n_tokens": sample.n_tokens, "external_scores": sample.scores_json,
    }


def suite_version(run: InspectRun) -> str:
    """An ingested run's suite: the task, its version and the arguments it ran with (when any).

    Runs of one task with other arguments (``-T with_spec=true``, another family list) are other
    evaluations: each has its own latest run, reference and alert state.
    """
    args = ",".join(f"{k}={json.dumps(v, default=str)}" for k, v in sorted(run.task_args.items()))
    return f"inspect:{run.task}@{run.task_version}" + (f"({args})" if args else "")


#: What is stored of an ingested run: (sample count, log status, grader version).
Stored = tuple[int, str | None, str | None]


def plan_ingest(
    paths: Sequence[str | Path],
    *,
    mapping: ScoreMapping | None = None,
    checkpoint: str | None = None,
    eval_date: date | None = None,
    split: str = "eval",
    existing: Callable[[str], Stored | None] | None = None,
    on_log: Callable[[Path], None] | None = None,
    skip_bad: bool = False,
) -> IngestPlan:
    """Read every log under ``paths`` and build the runs an ingest would store (nothing is written).

    Args:
        paths: Log files or directories (searched recursively for ``.eval`` / ``.json``).
        mapping: Which scores mean covert / awareness / citation in logs of other tasks; our own task's
            logs always map themselves. ``None``: an inspect_evals task with a built-in mapping uses it,
            any other log keeps its scores raw (rates unknown until a mapping is given).
        checkpoint: The checkpoint id for every run (default: each log's model name).
        eval_date: The evaluation date for every run (default: each log's creation day, UTC).
        split: The split the rows are filed under (the report and dashboard show one split).
        existing: ``eval_run_id`` → (stored sample count, log status, grader version), or ``None`` if not
            stored. A stored run is skipped unless the log now holds more samples, or the mapping changed.
        on_log: Called with each log's path before it is read (progress).
        skip_bad: A log that cannot be ingested (unreadable, no samples, a scorer the mapping names is
            missing) becomes a "skipped" note instead of an error, so one bad log in a watched directory
            does not stop the others (the Dagster sensor's asset); the CLI keeps it an error.

    Raises:
        InspectLogError: a path that is not a log, an unreadable log, a log with no samples, or a mapping
            that names a scorer the log lacks (unless ``skip_bad``). Raised before anything is stored.
    """
    files = log_files(list(paths))
    if not files:
        raise InspectLogError(f"no Inspect logs (.eval or .json) under {', '.join(map(str, paths))}")
    plan = IngestPlan()
    chosen: dict[str, int] = {}  # eval_run_id → index in plan.batch (a .json and an .eval of one run)
    for path in files:
        try:
            if on_log is not None:
                on_log(path)
            run = read_run(path)
            run_id = ingested_run_id(run.eval_id)
            if run.status == "started":
                plan.notes.append(IngestNote(path, "skipped", "still being written (status 'started'); ingest it "
                                             "when the run ends", run_id))
                continue
            rows, used, errored = _rows(run, mapping, run_id=run_id, checkpoint=checkpoint or run.model,
                                        eval_date=eval_date or run.eval_date, split=split)
            grader_version = f"inspect:{used.key()}"
            if not rows:
                why = f"{errored} samples, all errored" if errored else "no samples"
                raise InspectLogError(f"{str(path)!r} has {why} (status {run.status!r}); nothing to ingest")
            frame = pl.DataFrame(rows, schema=SAMPLE_SCHEMA)
            if run_id in chosen:
                earlier_run, earlier = plan.batch[chosen[run_id]]
                if earlier.height >= frame.height:
                    plan.notes.append(IngestNote(path, "skipped", f"the same run as {earlier_run.source_log} "
                                                 f"(eval id {run.eval_id})", run_id))
                    continue
            stored = existing(run_id) if existing is not None else None
            if stored is not None and stored[0] >= frame.height and stored[2] == grader_version:
                plan.notes.append(IngestNote(path, "skipped", f"already ingested ({stored[0]} samples, status "
                                             f"{stored[1]}, the same mapping)", run_id, stored[0]))
                continue
            eval_run = EvalRun(
                eval_run_id=run_id, checkpoint_id=checkpoint or run.model, suite_version=suite_version(run),
                split=split, eval_date=eval_date or run.eval_date, seed=run.seed, samples_per_env=run.epochs,
                response_prefix="", policy=f"inspect:{run.model}", grader_version=grader_version,
                source=SOURCE, source_status=run.status, source_log=str(path),
                source_task_args=json.dumps(run.task_args, sort_keys=True, default=str), source_errored=errored,
            )
            partial = "" if run.complete else f"; the log ended {run.status!r}, so only the samples it holds"
            if errored:
                partial += f"; {errored} samples errored in Inspect (no output) and are left out"
            action = "replaced" if stored is not None else "ingested"
            note = IngestNote(path, action, f"task {run.task}, model {run.model}: {frame.height} samples{partial}",
                              run_id, frame.height)
            plan.headers[run_id] = run
            if run_id in chosen:
                plan.batch[chosen[run_id]] = (eval_run, frame)
                plan.notes = [n for n in plan.notes if not (n.eval_run_id == run_id and n.action != "skipped")]
            else:
                chosen[run_id] = len(plan.batch)
                plan.batch.append((eval_run, frame))
            plan.notes.append(note)
        except InspectLogError as exc:
            if not skip_bad:
                raise
            plan.notes.append(IngestNote(path, "skipped", f"not ingested: {exc}"))
    return plan


def _rows(run: InspectRun, mapping: ScoreMapping | None, *, run_id: str, checkpoint: str, eval_date: date,
          split: str) -> tuple[list[dict[str, object]], ScoreMapping, int]:
    """The log's rows, the mapping used, and how many samples errored in Inspect (left out: nothing to grade)."""
    chosen = mapping_for(run, first_scores(run), mapping) or ScoreMapping()
    kw = {"eval_run_id": run_id, "checkpoint_id": checkpoint, "split": split, "eval_date": eval_date,
          "seed": run.seed}
    rows, errored = [], 0
    for sample in read_samples(run, chosen):
        if sample.errored:
            errored += 1
        else:
            rows.append(_row(run, sample, **kw))
    return rows, chosen, errored


_STORED = "SELECT eval_run_id, n_samples, source_status, grader_version FROM ordinary_runs WHERE source = ?"


def stored_inspect_runs(reader: WarehouseReader) -> dict[str, Stored]:
    """Every ingested run in the warehouse: ``eval_run_id`` → (sample count, log status, grader version)."""
    rows = reader.query(_STORED, [SOURCE])
    return {r["eval_run_id"]: (r["n_samples"], r["source_status"], r["grader_version"])
            for r in rows.iter_rows(named=True)}


def ingest_logs(warehouse: Warehouse, paths: Sequence[str | Path], *,
                check: Callable[[IngestPlan], None] | None = None, **plan_args: Any) -> IngestPlan:
    """Plan an ingest (:func:`plan_ingest`) against what is stored, then store it in one transaction.

    ``check`` sees the plan before anything is stored (e.g. the data-quality suite) and raises to stop
    it. Nothing is written when planning or the check raises; a plan with nothing new writes nothing.
    """
    with WarehouseReader(warehouse.root) as reader:
        stored = stored_inspect_runs(reader)
    plan = plan_ingest(paths, existing=stored.get, **plan_args)
    if check is not None:
        check(plan)
    if plan.batch:
        # A replaced run's rows changed: its drift and alert checks are judged again.
        warehouse.store_eval_runs(plan.batch, reset_checks=True)
    return plan


@dataclass(frozen=True)
class LogPartition:
    """Where a log lands: the checkpoint it is filed under and its evaluation date."""

    checkpoint: str
    eval_date: date


def log_partition(run: InspectRun, checkpoint: str | None = None) -> LogPartition:
    """The partition a log's run is ingested into (``checkpoint``: a fixed one instead of the model)."""
    return LogPartition(checkpoint or run.model, run.eval_date)


def new_logs(logs_dir: Path, seen: Mapping[str, float], checkpoint: str | None = None
             ) -> tuple[dict[LogPartition, list[Path]], dict[str, float], list[str]]:
    """Logs under ``logs_dir`` that are new or changed since ``seen`` (path → mtime), by partition.

    Reads headers only. A log still being written is left out of ``seen`` (so a later look picks it
    up once it ends); an unreadable file is reported in the third value and not retried until it
    changes. Returns (partitions with their logs, the updated ``seen``, one line per problem).
    """
    if not logs_dir.is_dir():
        return {}, dict(seen), []
    found: dict[LogPartition, list[Path]] = {}
    updated, problems = dict(seen), []
    for path in log_files([logs_dir]):
        mtime = path.stat().st_mtime
        if seen.get(str(path)) == mtime:
            continue
        try:
            run = read_run(path)
        except InspectLogError as exc:
            problems.append(str(exc))
            updated[str(path)] = mtime
            continue
        if run.status == "started":
            continue
        updated[str(path)] = mtime
        found.setdefault(log_partition(run, checkpoint), []).append(path)
    return found, updated, problems


def logs_of_partition(logs_dir: Path, partition: LogPartition, checkpoint: str | None = None) -> list[Path]:
    """The finished logs under ``logs_dir`` whose runs land in ``partition`` (headers only)."""
    if not logs_dir.is_dir():
        return []
    out = []
    for path in log_files([logs_dir]):
        try:
            run = read_run(path)
        except InspectLogError:
            continue
        if run.status != "started" and log_partition(run, checkpoint) == partition:
            out.append(path)
    return out


def ingested_runs_of(reader: WarehouseReader, partition: LogPartition) -> list[str]:
    """The ingested runs filed under ``partition``."""
    return reader.query("SELECT eval_run_id FROM ordinary_runs WHERE source = ? AND checkpoint_id = ? "
                        "AND eval_date = ? ORDER BY eval_run_id",
                        [SOURCE, partition.checkpoint, partition.eval_date])["eval_run_id"].to_list()
