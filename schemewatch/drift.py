"""Evidently drift of one evaluation against the reference evaluation.

Every evaluation run is compared with a reference run (by default the first
evaluation of the anti-scheming RL checkpoint, see :class:`DriftConfig`) on:

* the binary grades ``covert``, ``cites_spec``, ``eval_aware`` and
  ``incomplete`` (outcome: an honest report that missed a required fact) — a
  test for proportions (two-proportion z-test by default);
* ``outcome`` and ``family`` as categorical columns;
* the response length (``n_tokens``) as a numeric column;
* text descriptors of the reasoning (the ``<think>`` section): characters,
  words and sentences, computed by Evidently's descriptors;
* per family, the covert rate (flagged with Benjamini–Hochberg across families).

The result is an Evidently report (HTML under ``PathsConfig.drift_dir``), a
snapshot in a local Evidently workspace (``evidently ui --workspace
<data_dir>/evidently`` shows the project over time) and summary rows in the
warehouse's ``drift`` / ``drift_reports`` tables.

Evidently costs seconds to import, so it is imported inside the functions that
run a report; importing this module is cheap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from schemewatch.config import DriftConfig
from schemewatch.drift_files import add_to_workspace, save_html
from schemewatch.drift_report import DEFAULT_DRIFT, REPORT_COLUMNS, DriftError, build_report
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_records import DriftReport
from schemewatch.warehouse_schema import DRIFT_COLUMNS, OWN_SUITE, SUITE_SQL

if TYPE_CHECKING:
    pass

@dataclass(frozen=True)
class DriftResult:
    """Drift of one evaluation run against its reference.

    Attributes:
        report: The summary stored in ``drift_reports``.
        rows: The rows stored in ``drift`` (:data:`schemewatch.warehouse_schema.DRIFT_COLUMNS`);
            ``family`` is null for the overall columns.
    """

    report: DriftReport
    rows: pl.DataFrame

    @property
    def drifted_columns(self) -> list[str]:
        """Overall columns that drifted."""
        return self.rows.filter(pl.col("family").is_null() & pl.col("drifted"))["column_name"].to_list()

    @property
    def drifted_families(self) -> list[str]:
        """Families whose covert rate drifted (after Benjamini–Hochberg)."""
        return self.rows.filter(pl.col("family").is_not_null() & pl.col("drifted"))["family"].to_list()


@dataclass(frozen=True)
class DriftCheck:
    """What a drift asset check reports (the wiring turns it into a WARN-severity check)."""

    passed: bool
    description: str
    metadata: dict[str, Any]


# --- choosing the reference ---------------------------------------------------------------------

_REFERENCE_CANDIDATES = """
SELECT r.eval_run_id, r.checkpoint_id, c.stage
FROM ordinary_runs r JOIN checkpoints c USING (checkpoint_id)
WHERE r.split = ? AND c.stage IN (SELECT unnest(?::VARCHAR[]))
  AND r.suite = ?
ORDER BY r.eval_date, r.created_at, r.eval_run_id
"""


def resolve_reference(reader: WarehouseReader, split: str, cfg: DriftConfig = DEFAULT_DRIFT,
                      suite: str = OWN_SUITE) -> str | None:
    """The reference evaluation run id for evaluations on ``split``, or ``None`` when there is none yet.

    ``cfg.reference_eval_run_id`` wins when set; otherwise the first ordinary
    evaluation (no forced prefix) of the first stage in ``cfg.reference_stages``
    that has one on this split. Deterministic: later evaluations never move it.
    The reference is a run of the same ``suite`` (warehouse_schema.SUITE_SQL): an ingested task is
    compared only with runs of that task, and our own runs never with one.
    """
    if suite == OWN_SUITE and cfg.reference_eval_run_id is not None:
        found = reader.query("SELECT eval_run_id FROM eval_runs WHERE eval_run_id = ?", [cfg.reference_eval_run_id])
        if found.is_empty():
            raise DriftError(
                f"reference evaluation {cfg.reference_eval_run_id!r} is not in the warehouse; "
                "fix drift.reference_eval_run_id or evaluate it first"
            )
        return cfg.reference_eval_run_id
    candidates = reader.query(_REFERENCE_CANDIDATES, [split, list(cfg.reference_stages), suite])
    for stage in cfg.reference_stages:
        of_stage = candidates.filter(pl.col("stage") == stage)
        if not of_stage.is_empty():
            return of_stage["eval_run_id"][0]
    return None


# --- one evaluation, end to end -------------------------------------------------------------------


def _drift_inputs(
    warehouse: Warehouse, eval_run_id: str, reference_run_id: str | None, cfg: DriftConfig
) -> tuple[dict[str, Any], pl.DataFrame, pl.DataFrame, str | None]:
    """The run (with its resolved ``reference_run_id``), both runs' samples, and the run's earlier workspace run."""
    with WarehouseReader(warehouse.root) as reader:
        run = reader.query(
            "SELECT r.eval_run_id, r.checkpoint_id, r.split, r.eval_date, coalesce(c.stage, 'external') AS stage, "
            f"{SUITE_SQL} AS suite "
            "FROM eval_runs r LEFT JOIN checkpoints c USING (checkpoint_id) WHERE r.eval_run_id = ?",
            [eval_run_id],
        )
        if run.is_empty():
            raise DriftError(f"evaluation run {eval_run_id!r} is not in the warehouse; store it first")
        info = run.row(0, named=True)
        reference_id = reference_run_id or resolve_reference(reader, info["split"], cfg, info["suite"])
        if reference_id is None:
            raise DriftError(
                f"no reference evaluation on split {info['split']!r}: evaluate a checkpoint of stage "
                f"{' / '.join(cfg.reference_stages)} first, or set drift.reference_eval_run_id"
            )
        current, reference = reader.run_samples(eval_run_id), reader.run_samples(reference_id)
        if reference.is_empty():
            raise DriftError(f"reference evaluation {reference_id!r} is not in the warehouse")
        previous = reader.query(
            "SELECT workspace_run_id FROM drift_reports WHERE eval_run_id = ?", [eval_run_id]
        )["workspace_run_id"].to_list()
    return info | {"reference_run_id": reference_id}, current, reference, previous[0] if previous else None


def compute_drift(
    warehouse: Warehouse,
    eval_run_id: str,
    *,
    report_dir: Path,
    workspace_dir: Path | None = None,
    cfg: DriftConfig = DEFAULT_DRIFT,
    reference_run_id: str | None = None,
) -> DriftResult:
    """Compute, save and store the drift of one evaluation run. Idempotent: a re-run replaces.

    Args:
        warehouse: The warehouse holding the run (its rows are written there).
        eval_run_id: The evaluation to compare.
        report_dir: Where ``<eval_run_id>.html`` goes (``PathsConfig.drift_dir``).
        workspace_dir: The Evidently workspace (``PathsConfig.evidently_workspace_dir``);
            ``None`` or ``cfg.save_to_workspace=False`` skips it.
        cfg: Methods, thresholds and the reference choice.
        reference_run_id: Compare with this run instead of the configured reference.

    Raises:
        DriftError: when the run or a reference cannot be found.
    """
    started = time.perf_counter()
    info, current, reference, previous_workspace_run = _drift_inputs(warehouse, eval_run_id, reference_run_id, cfg)
    reference_id = info["reference_run_id"]
    snapshot, rows = build_report(
        current, reference, cfg,
        name=eval_run_id,
        # The Evidently UI plots snapshots by timestamp: the evaluation's date, not "now".
        timestamp=datetime.combine(info["eval_date"], datetime.min.time()),
        tags=[info["checkpoint_id"], f"stage:{info['stage']}", f"split:{info['split']}"],
        metadata={"eval_run_id": eval_run_id, "reference_run_id": reference_id,
                  "checkpoint_id": info["checkpoint_id"], "stage": info["stage"]},
    )
    # Absolute: the dashboard and `evidently ui` may run from another directory.
    report_path = (Path(report_dir) / f"{eval_run_id}.html").resolve()
    save_html(snapshot, report_path)
    project_id = workspace_run_id = None
    if workspace_dir is not None and cfg.save_to_workspace:
        project_id, workspace_run_id = add_to_workspace(
            snapshot, Path(workspace_dir), cfg.workspace_project, previous_workspace_run
        )
    overall = rows.filter(pl.col("family").is_null())
    n_drifted = int(overall["drifted"].sum())
    report = DriftReport(
        eval_run_id=eval_run_id,
        reference_run_id=reference_id,
        checkpoint_id=info["checkpoint_id"],
        n_columns=overall.height,
        n_drifted=n_drifted,
        drift_share=n_drifted / overall.height,
        dataset_drifted=n_drifted / overall.height >= cfg.drift_share,
        report_path=str(report_path),
        workspace_project_id=project_id,
        workspace_run_id=workspace_run_id,
        seconds=round(time.perf_counter() - started, 3),
    )
    warehouse.store_drift(report, rows)
    return DriftResult(report, rows)


def load_drift(reader: WarehouseReader, eval_run_id: str) -> DriftResult | None:
    """The stored drift of one evaluation (for an asset check that runs apart from the asset), or None."""
    report = reader.query("SELECT * EXCLUDE (created_at) FROM drift_reports WHERE eval_run_id = ?", [eval_run_id])
    if report.is_empty():
        return None
    order = list(REPORT_COLUMNS)
    rows = reader.query(  # in the order build_report makes them
        f"SELECT {', '.join(DRIFT_COLUMNS)} FROM drift WHERE eval_run_id = ? "
        "ORDER BY family NULLS FIRST, list_position(?::VARCHAR[], column_name), column_name",
        [eval_run_id, order],
    )
    return DriftResult(DriftReport(**report.row(0, named=True)), rows.cast(DRIFT_COLUMNS))


def runs_without_drift(reader: WarehouseReader) -> list[str]:
    """Evaluation runs with no drift report yet, oldest first."""
    return reader.query(
        "SELECT eval_run_id FROM eval_runs WHERE eval_run_id NOT IN (SELECT eval_run_id FROM drift_reports) "
        "AND superseded_by IS NULL ORDER BY eval_date, created_at, eval_run_id"
    )["eval_run_id"].to_list()


def drift_check(result: DriftResult) -> DriftCheck:
    """The drift asset check's verdict, to be shown with WARN severity.

    Fails when the share of drifted columns reached ``DriftConfig.drift_share`` or the
    covert rate drifted, overall or in any family.
    """
    r = result.report
    drifted = result.drifted_columns
    families = result.drifted_families
    description = (
        f"{r.n_drifted}/{r.n_columns} columns drifted against {r.reference_run_id}"
        + (f": {', '.join(drifted)}" if drifted else "")
        + (f"; covert drifted in {len(families)} families" if families else "")
    )
    return DriftCheck(
        passed=not r.dataset_drifted and "covert" not in drifted and not families,
        description=description,
        metadata={
            "drift_share": r.drift_share,
            "drifted_columns": drifted,
            "drifted_families": families,
            "reference_run_id": r.reference_run_id,
            "report_path": r.report_path,
        },
    )
