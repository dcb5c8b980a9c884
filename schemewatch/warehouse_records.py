"""The records the warehouse stores: an evaluation run's metadata and a drift report's summary.

Plain frozen dataclasses, so the evaluation runner and the drift report can build them
without importing the warehouse itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


@dataclass(frozen=True)
class DriftReport:
    """Summary of one evaluation's drift report (a ``drift_reports`` row).

    Attributes:
        eval_run_id: The evaluation compared.
        reference_run_id: The evaluation it was compared with.
        checkpoint_id: The evaluated checkpoint.
        n_columns: Overall columns tested (per-family rows not counted).
        n_drifted: How many of them drifted.
        drift_share: ``n_drifted / n_columns``.
        dataset_drifted: Whether the share reached the configured drift share.
        report_path: The Evidently HTML report.
        workspace_project_id: Evidently workspace project, when the snapshot was added to one.
        workspace_run_id: The snapshot's id in that project.
        seconds: Wall time of the drift computation.
    """

    eval_run_id: str
    reference_run_id: str
    checkpoint_id: str
    n_columns: int
    n_drifted: int
    drift_share: float
    dataset_drifted: bool
    report_path: str
    workspace_project_id: str | None = None
    workspace_run_id: str | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class EvalRun:
    """Metadata of one evaluation run (one checkpoint × suite × date × seed).

    ``grader_version`` is the grader that graded its samples; ``regraded_from``
    names the run whose stored responses it re-graded (that run is then marked
    superseded, and stays readable). ``source`` is ``"schemewatch"`` for our own
    evaluations and ``"inspect"`` for a run ingested from an Inspect log
    (``source_status``: the log's status; ``source_log``: the file; ``source_task_args``:
    the task's arguments as JSON).
    """

    eval_run_id: str
    checkpoint_id: str
    suite_version: str
    split: str
    eval_date: date
    seed: int
    samples_per_env: int
    response_prefix: str
    policy: str
    grader_version: str = "1"
    regraded_from: str | None = None
    source: str = "schemewatch"
    source_status: str | None = None
    source_log: str | None = None
    source_task_args: str | None = None
    source_errored: int | None = None


@dataclass(frozen=True)
class ControlMatch:
    """The neutral sentence the control inserts in place of one awareness sentence, and why.

    Attributes:
        awareness: The awareness sentence injection inserts.
        control: The neutral sentence the control inserts where injection would insert ``awareness``.
        awareness_log_likelihood: Mean log-probability (nats) of ``awareness`` at the scored cuts.
        control_log_likelihood: The same for ``control``.
        cuts: How many cuts the means are over.
    """

    awareness: str
    control: str
    awareness_log_likelihood: float
    control_log_likelihood: float
    cuts: int


@dataclass(frozen=True)
class InterventionRun:
    """One intervention's metadata (what it started from and how it resampled)."""

    intervention_id: str
    eval_run_id: str
    checkpoint_id: str
    kind: str
    position: str
    samples_per_response: int
    seed: int
    n_eligible: int
    n_selected: int
    policy: str
    grader_version: str
    sentences: tuple[str, ...] = field(default_factory=tuple)
    #: The control's choice per awareness sentence when it was matched on likelihood; empty otherwise.
    control_match: tuple[ControlMatch, ...] = field(default_factory=tuple)

    def control_match_rows(self) -> list[dict[str, object]]:
        """:attr:`control_match` as plain rows (stored as JSON, printed by the CLI and the benchmark)."""
        return [asdict(m) for m in self.control_match]
