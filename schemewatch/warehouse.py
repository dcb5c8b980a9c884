"""The DuckDB warehouse: checkpoints, evaluation runs, samples, rates, drift, alerts and their delivery.

Concurrency design (measured, see ../shared/NOTES.md): a DuckDB file admits one
read-write process *or* many read-only ones, and a reader's open fails while a
writer holds the file. So readers never open the catalog file:

* ``catalog.duckdb`` is the store of record, written by the pipeline only, with
  short connections under an exclusive file lock (several Dagster processes may
  write) and one transaction per evaluation run. Its schema comes from the
  versioned migrations in :mod:`schemewatch.warehouse_schema`.
* Samples go to one immutable Parquet file per evaluation run
  (``samples/<eval_run_id>.parquet``, temp file + ``os.replace``) *before* the
  catalog transaction that makes the run visible; a killed writer leaves at most
  an orphan file that the re-run replaces.
* After every committed write the small catalog tables are exported to a new
  snapshot generation (``snapshot/<gen>/*.parquet``) and ``snapshot/CURRENT`` is
  switched atomically. :class:`WarehouseReader` reads the current snapshot and
  the samples files it names through an in-memory DuckDB: it holds no lock and
  never waits for a writer.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from schemewatch.checkpoints import CheckpointInfo
from schemewatch.clock import now_utc_naive
from schemewatch.files import atomic_target, atomic_write_text, share_like_ordinary_files
from schemewatch.locks import exclusive_lock
from schemewatch.rates import compute_rates
from schemewatch.warehouse_records import DriftReport, EvalRun, InterventionRun
from schemewatch.warehouse_schema import (
    CONTINUATION_SCHEMA,
    DRIFT_COLUMNS,
    INTERVENTION_RESULT_COLUMNS,
    LATER_SAMPLE_COLUMNS,
    MIGRATIONS,
    ORDINARY_RUNS_SQL,
    SAMPLE_SCHEMA,
    SNAPSHOT_TABLES,
    with_later_columns,
)

# Old snapshot generations stay readable this long for readers mid-query.
_SNAPSHOT_GRACE_S = 600


@contextmanager
def atomically(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN … COMMIT on ``con``; any exception rolls back and propagates (the one transaction pattern)."""
    con.execute("BEGIN")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


class WarehouseError(RuntimeError):
    """A warehouse operation that cannot proceed; the message says why and what to do."""


_RUN_COLUMNS = ("eval_run_id, checkpoint_id, suite_version, split, eval_date, seed, samples_per_env, n_samples, "
                "response_prefix, policy, samples_file, created_at, grader_version, regraded_from, source, "
                "source_status, source_log, source_task_args, source_errored")


def _sql_path(path: Path | str) -> str:
    """A path as a SQL string literal (DDL cannot take parameters)."""
    return "'" + str(path).replace("'", "''") + "'"



class Warehouse:
    """Writer side of the warehouse rooted at ``root`` (created on first use)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.catalog = self.root / "catalog.duckdb"
        self.samples_dir = self.root / "samples"
        self.snapshot_dir = self.root / "snapshot"

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An exclusive, short-lived read-write connection, schema migrated."""
        with exclusive_lock(self.root / "writer.lock"):
            con = duckdb.connect(str(self.catalog))
            try:
                if self._migrate(con) and con.execute("SELECT count(*) FROM eval_runs").fetchone()[0]:
                    self._publish(con)  # readers see an upgraded warehouse in the newest schema at once
                yield con
            finally:
                con.close()

    @staticmethod
    def _migrate(con: duckdb.DuckDBPyConnection) -> bool:
        """Apply pending migrations in order; True when any was applied."""
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
        )
        done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
        applied = False
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            with atomically(con):  # a failing migration leaves the schema as it was
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, now_utc_naive()])
            applied = True
        return applied

    def schema_version(self) -> int:
        """The highest applied migration (applying pending ones first)."""
        with self._connect() as con:
            return con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One short read-write transaction under the writer lock; publishes a snapshot after COMMIT.

        For library modules that own their tables' logic (alert hysteresis, the delivery
        outbox): read and write through the yielded connection; an exception rolls back
        and publishes nothing.
        """
        with self._connect() as con:
            with atomically(con):
                yield con
            self._publish(con)

    def store_drift(self, report: DriftReport, rows: pl.DataFrame) -> None:
        """Replace one evaluation's drift summary rows (columns :data:`DRIFT_COLUMNS`) and report row."""
        missing = set(DRIFT_COLUMNS) - set(rows.columns)
        if missing:
            raise WarehouseError(f"drift rows lack columns {sorted(missing)}; produce them with schemewatch.drift")
        frame = rows.select([pl.col(c).cast(t) for c, t in DRIFT_COLUMNS.items()]).with_columns(
            pl.lit(report.eval_run_id).alias("eval_run_id"),
            pl.lit(report.reference_run_id).alias("reference_run_id"),
            pl.lit(report.report_path).alias("report_path"),
        ).select("eval_run_id", "reference_run_id", *DRIFT_COLUMNS, "report_path")
        with self.transaction() as con:
            con.execute("DELETE FROM drift WHERE eval_run_id = ?", [report.eval_run_id])
            con.execute("DELETE FROM drift_reports WHERE eval_run_id = ?", [report.eval_run_id])
            con.register("new_drift", frame.to_arrow())
            con.execute("INSERT INTO drift SELECT * FROM new_drift")
            con.unregister("new_drift")
            con.execute(
                "INSERT INTO drift_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [report.eval_run_id, report.reference_run_id, report.checkpoint_id, report.n_columns,
                 report.n_drifted, report.drift_share, report.dataset_drifted, report.report_path,
                 report.workspace_project_id, report.workspace_run_id, report.seconds, now_utc_naive()],
            )

    def register_checkpoint(self, info: CheckpointInfo) -> None:
        """Insert or update one checkpoint row."""
        with self.transaction() as con:
            con.execute("DELETE FROM checkpoints WHERE checkpoint_id = ?", [info.id])
            con.execute(
                "INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?, ?)",
                [info.id, info.stage, info.stage_index, info.parent_id, str(info.path), now_utc_naive()],
            )

    def store_eval_run(self, run: EvalRun, samples: pl.DataFrame) -> pl.DataFrame:
        """Store one evaluation run's samples and rates; returns the rates.

        Idempotent (a re-run of the same ``eval_run_id`` replaces it) and atomic
        (the run becomes visible in one transaction, after its samples file).
        """
        return self.store_eval_runs([(run, samples)])[0]

    def store_eval_runs(self, batch: list[tuple[EvalRun, pl.DataFrame]], *, reset_checks: bool = False
                        ) -> list[pl.DataFrame]:
        """Store several runs in one transaction (backfills); returns their rates.

        ``reset_checks``: the runs' contents changed (an ingested log re-read under another mapping, or
        grown since), so their drift rows and alert-rule checks go too and are judged again.
        """
        prepared = []
        for run, samples in batch:
            samples = with_later_columns(samples)
            missing = set(SAMPLE_SCHEMA) - set(samples.columns)
            if missing:
                raise WarehouseError(
                    f"samples lack columns {sorted(missing)}; produce them with evaluate()"
                )
            if samples.is_empty():
                raise WarehouseError(f"evaluation run {run.eval_run_id} has no samples; nothing stored")
            samples = samples.select([pl.col(c).cast(t) for c, t in SAMPLE_SCHEMA.items()])
            prepared.append((run, samples, compute_rates(samples)))
        run_rows, rate_frames = [], []
        for run, samples, rates in prepared:
            samples_file = self._write_samples(run.eval_run_id, samples)
            run_rows.append(
                (run.eval_run_id, run.checkpoint_id, run.suite_version, run.split, run.eval_date,
                 run.seed, run.samples_per_env, samples.height, run.response_prefix, run.policy,
                 samples_file, now_utc_naive(), run.grader_version, run.regraded_from, run.source,
                 run.source_status, run.source_log, run.source_task_args, run.source_errored)
            )
            rate_frames.append(
                rates.with_columns(
                    pl.lit(run.eval_run_id).alias("eval_run_id"),
                    pl.lit(run.checkpoint_id).alias("checkpoint_id"),
                    pl.lit(run.eval_date).alias("eval_date"),
                ).select("eval_run_id", "checkpoint_id", "eval_date", "family", "metric", "k", "n",
                         "rate", "ci_low", "ci_high", "icc", "ci_low_clustered", "ci_high_clustered")
            )
        ids = [r[0] for r in run_rows]
        with self.transaction() as con:
            con.execute("DELETE FROM rates WHERE eval_run_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            if reset_checks:
                for table in ("alert_checks", "drift", "drift_reports"):
                    con.execute(f"DELETE FROM {table} WHERE eval_run_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            # An evaluation stored again has other responses: interventions on the old ones go with them.
            con.execute("DELETE FROM intervention_results WHERE intervention_id IN (SELECT intervention_id FROM "
                        "intervention_runs WHERE eval_run_id IN (SELECT unnest(?::VARCHAR[])))", [ids])
            con.execute("DELETE FROM intervention_runs WHERE eval_run_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            con.execute("DELETE FROM eval_runs WHERE eval_run_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
            con.executemany(f"INSERT INTO eval_runs ({_RUN_COLUMNS}) VALUES ({', '.join('?' * 19)})", run_rows)
            superseded = [(r.eval_run_id, r.regraded_from) for r, _, _ in prepared if r.regraded_from]
            if superseded:
                con.executemany("UPDATE eval_runs SET superseded_by = ? WHERE eval_run_id = ?", superseded)
            con.register("new_rates", pl.concat(rate_frames).to_arrow())
            con.execute("INSERT INTO rates SELECT * FROM new_rates")
            con.unregister("new_rates")
        return [rates for _, _, rates in prepared]

    def store_intervention(self, run: InterventionRun, continuations: pl.DataFrame,
                           results: list[dict[str, object]], seconds: float | None = None) -> None:
        """Store one awareness intervention: its continuations file, its run row and its result rows.

        Idempotent (the same ``intervention_id`` replaces it) and atomic like :meth:`store_eval_run`; the
        evaluation it started from must be stored.
        """
        if continuations.is_empty() or not results:
            raise WarehouseError(f"intervention {run.intervention_id} has no continuations; nothing stored")
        missing = [c for c in INTERVENTION_RESULT_COLUMNS if any(c not in r for r in results)]
        if missing:
            raise WarehouseError(f"intervention results lack {missing}; produce them with summarize()")
        result_rows = [(run.intervention_id, *(r[c] for c in INTERVENTION_RESULT_COLUMNS)) for r in results]
        samples_file = self._write_samples(run.intervention_id, continuations.select(list(CONTINUATION_SCHEMA)))
        with self.transaction() as con:
            # Checked under the writer lock: the evaluation cannot go between the check and the insert.
            if not con.execute("SELECT count(*) FROM eval_runs WHERE eval_run_id = ?", [run.eval_run_id]).fetchone()[0]:
                raise WarehouseError(f"evaluation run {run.eval_run_id!r} is not in the warehouse; an intervention "
                                     "is stored beside the evaluation it started from")
            for table in ("intervention_results", "intervention_runs"):
                con.execute(f"DELETE FROM {table} WHERE intervention_id = ?", [run.intervention_id])
            con.execute(
                # In the table's column order (migrations append columns: control_match is migration 8's).
                "INSERT INTO intervention_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run.intervention_id, run.eval_run_id, run.checkpoint_id, run.kind, run.position,
                 run.samples_per_response, run.seed, run.n_eligible, run.n_selected, run.policy,
                 run.grader_version, json.dumps(list(run.sentences)), samples_file, seconds, now_utc_naive(),
                 json.dumps(run.control_match_rows()) if run.control_match else None])
            con.executemany(
                f"INSERT INTO intervention_results VALUES ({', '.join('?' * (1 + len(INTERVENTION_RESULT_COLUMNS)))})",
                result_rows)

    def _write_samples(self, eval_run_id: str, samples: pl.DataFrame) -> str:
        self.samples_dir.mkdir(parents=True, exist_ok=True)
        # A fresh name per write: the published run keeps pointing at its own file until
        # the catalog transaction commits the new one (files no run references are pruned).
        target = self.samples_dir / f"{eval_run_id}.{uuid.uuid4().hex[:8]}.parquet"
        self._remove_stale_temp_files()
        with atomic_target(target, prefix=".tmp-", suffix=".parquet") as tmp:
            samples.write_parquet(tmp, row_group_size=50_000)
        return target.name

    def _remove_stale_temp_files(self) -> None:
        # Left by writers killed mid-write; young ones may belong to a live writer.
        for stale in self.samples_dir.glob(".tmp-*"):
            try:
                if time.time() - stale.stat().st_mtime > 60:
                    stale.unlink(missing_ok=True)
            except FileNotFoundError:
                pass

    def _publish(self, con: duckdb.DuckDBPyConnection) -> None:
        gen = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        gen_dir = self.snapshot_dir / gen
        # Written under a hidden name and renamed whole: a full disk mid-copy leaves no partial generation.
        staging = self.snapshot_dir / f".tmp-{gen}"
        staging.mkdir(parents=True)
        try:
            for table in SNAPSHOT_TABLES:
                con.execute(f"COPY (SELECT * FROM {table}) TO {_sql_path(staging / f'{table}.parquet')} "
                            "(FORMAT parquet)")
            share_like_ordinary_files(staging)
            staging.rename(gen_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        current = self.snapshot_dir / "CURRENT"
        previous = current.read_text(encoding="utf-8").strip() if current.is_file() else None
        atomic_write_text(current, gen)
        if previous and (self.snapshot_dir / previous).is_dir():
            # Its grace period starts now, when it stops being current.
            os.utime(self.snapshot_dir / previous)
        referenced = {f for (f,) in con.execute(
            "SELECT samples_file FROM eval_runs UNION ALL SELECT samples_file FROM intervention_runs").fetchall()}
        self._prune(keep=gen, referenced_samples=referenced)

    def _prune(self, keep: str, referenced_samples: set[str]) -> None:
        """Delete snapshots and sample files no reader can still be using."""
        now = time.time()
        for old in self.snapshot_dir.iterdir():
            if old.is_dir() and old.name != keep and now - old.stat().st_mtime > _SNAPSHOT_GRACE_S:
                shutil.rmtree(old, ignore_errors=True)
        if self.samples_dir.is_dir():
            for f in self.samples_dir.glob("*.parquet"):
                if f.name not in referenced_samples and now - f.stat().st_mtime > _SNAPSHOT_GRACE_S:
                    f.unlink(missing_ok=True)


@cache
def _latest_columns(table: str) -> tuple[tuple[str, str], ...]:
    """(name, type) of every column of ``table`` after all migrations."""
    scratch = duckdb.connect(":memory:")
    try:
        for _, _, sql in MIGRATIONS:
            scratch.execute(sql)
        return tuple((name, typ) for name, typ, *_ in scratch.execute(f"DESCRIBE {table}").fetchall())
    finally:
        scratch.close()


class WarehouseReader:
    """Read side: an in-memory DuckDB over the current snapshot. Holds no lock.

    Views: one per table of :data:`SNAPSHOT_TABLES` (``checkpoints``, ``eval_runs``,
    ``rates``, ``drift``, ``alerts``, …), ``samples`` (only runs committed in the snapshot) and
    ``ordinary_runs`` (the evaluations that count: no forced prefix, not superseded by a re-grade). An empty or missing
    warehouse gives empty views; ``is_empty`` tells the two apart for display.
    A long-lived reader (the dashboard's) calls :meth:`refresh` before reading:
    opening an in-memory DuckDB costs ~20 ms, re-pointing the views far less.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.con = duckdb.connect(":memory:")
        self.generation: str | None = None
        self._views_exist = False
        self.refresh()

    def refresh(self) -> bool:
        """Point the views at the newest snapshot; True when it changed."""
        current = self.root / "snapshot" / "CURRENT"
        gen = current.read_text(encoding="utf-8").strip() if current.is_file() else None
        if self._views_exist and gen == self.generation:
            return False
        if gen is None:
            self._empty_views()
        else:
            self._snapshot_views(gen)
        self.generation, self._views_exist = gen, True
        return True

    def _snapshot_views(self, gen: str) -> None:
        gen_dir = self.root / "snapshot" / gen
        missing = []
        for table in SNAPSHOT_TABLES:
            path = gen_dir / f"{table}.parquet"
            if not path.is_file():
                # A generation published before a later migration added this table.
                missing.append(table)
                continue
            source = f"read_parquet({_sql_path(path)})"
            have = {name for (name, *_) in self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            # ...or before a later migration added a column: it reads as NULL, like the newest schema.
            added = [f"CAST(NULL AS {typ}) AS {name}" for name, typ in _latest_columns(table) if name not in have]
            self.con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT *{''.join(', ' + a for a in added)} "
                             f"FROM {source}")
        if missing:
            self._empty_table_views(missing)
        self.con.execute(f"CREATE OR REPLACE VIEW ordinary_runs AS {ORDINARY_RUNS_SQL}")
        files = [
            str(self.root / "samples" / f)
            for (f,) in self.con.execute("SELECT samples_file FROM eval_runs").fetchall()
        ]
        if files:
            # Files written before a later sample column existed lack it: union by name reads it as null
            # where some file has it, and a column no file has yet reads as a typed null.
            source = f"read_parquet([{', '.join(_sql_path(f) for f in files)}], union_by_name = true)"
            have = {name for (name, *_) in self.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            columns = [c if c in have else f"CAST(NULL AS {LATER_SAMPLE_COLUMNS[c]}) AS {c}" for c in SAMPLE_SCHEMA]
            self.con.execute(f"CREATE OR REPLACE VIEW samples AS SELECT {', '.join(columns)} FROM {source}")
        else:
            self._empty_samples_view()

    def _empty_views(self) -> None:
        self._empty_table_views(SNAPSHOT_TABLES)
        self._empty_samples_view()
        self.con.execute(f"CREATE OR REPLACE VIEW ordinary_runs AS {ORDINARY_RUNS_SQL}")

    def _empty_table_views(self, tables: tuple[str, ...] | list[str]) -> None:
        for table in tables:
            select = ", ".join(f"CAST(NULL AS {typ}) AS {name}" for name, typ in _latest_columns(table))
            self.con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT {select} LIMIT 0")

    def _empty_samples_view(self) -> None:
        self.con.register("_empty_samples", pl.DataFrame(schema=SAMPLE_SCHEMA).to_arrow())
        self.con.execute("CREATE OR REPLACE VIEW samples AS SELECT * FROM _empty_samples")

    def run_samples(self, eval_run_id: str) -> pl.DataFrame:
        """All samples of one committed run, read from its file alone."""
        rows = self.con.execute(
            "SELECT samples_file FROM eval_runs WHERE eval_run_id = ?", [eval_run_id]
        ).fetchall()
        if not rows:
            return pl.DataFrame(schema=SAMPLE_SCHEMA)
        return with_later_columns(pl.read_parquet(self.root / "samples" / rows[0][0]))

    def intervention_continuations(self, intervention_id: str) -> pl.DataFrame:
        """Every continuation of one committed intervention (both arms), read from its file."""
        rows = self.con.execute(
            "SELECT samples_file FROM intervention_runs WHERE intervention_id = ?", [intervention_id]).fetchall()
        if not rows:
            return pl.DataFrame(schema=CONTINUATION_SCHEMA)
        return pl.read_parquet(self.root / "samples" / rows[0][0])

    @property
    def is_empty(self) -> bool:
        """True when no evaluation run has been stored yet."""
        return self.generation is None or self.query("SELECT count(*) AS n FROM eval_runs")["n"][0] == 0

    def query(self, sql: str, params: list[object] | None = None) -> pl.DataFrame:
        """Run a parameterised read query and return a polars DataFrame."""
        return self.con.sql(sql, params=params or None).pl()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> WarehouseReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
