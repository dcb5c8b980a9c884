"""Awareness interventions on stored evaluations: run one and store it, and read the results back.

The glue between :mod:`schemewatch.awareness_intervention` (pure) and the warehouse, shared by
``schemewatch intervene``, the ``awareness_intervention`` asset, the Awareness page and the benchmark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import polars as pl

from schemewatch.awareness_intervention import DEFAULT_INTERVENTION, Kind, run_intervention, summarize
from schemewatch.compare import CompareError, latest_run
from schemewatch.config import EvaluationConfig, InterventionConfig
from schemewatch.environments import SUITE_VERSION, build_suite
from schemewatch.policy.base import Policy
from schemewatch.warehouse import Warehouse, WarehouseReader
from schemewatch.warehouse_records import InterventionRun
from schemewatch.warehouse_schema import OWN_SUITE

_EVALUATION = EvaluationConfig()


class NoEvaluation(LookupError):
    """The checkpoint has no stored evaluation to intervene on."""


def latest_evaluation(reader: WarehouseReader, checkpoint_id: str, split: str = "eval") -> str:
    """The checkpoint's newest ordinary evaluation of our own suite on ``split`` (the run an intervention starts
    from): :func:`schemewatch.compare.latest_run`, with this module's error."""
    try:
        return latest_run(reader, checkpoint_id, split)
    except CompareError as exc:
        raise NoEvaluation(str(exc)) from None


@dataclass(frozen=True)
class InterventionOutcome:
    """One stored intervention: its run, its result rows (overall first) and the time it took."""

    run: InterventionRun
    results: list[dict[str, object]]
    seconds: float

    @property
    def overall(self) -> dict[str, object]:
        """The row over the families that count in aggregates (``family`` None; n 0 when they had none)."""
        return next(r for r in self.results if r["family"] is None)


def intervene(
    warehouse: Warehouse,
    policy: Policy,
    eval_run_id: str,
    kind: Kind | str,
    cfg: InterventionConfig = DEFAULT_INTERVENTION,
    evaluation: EvaluationConfig = _EVALUATION,
    progress: bool = True,
) -> InterventionOutcome:
    """Run ``kind`` on the responses of a stored evaluation and store it beside that evaluation.

    Continuations are sampled with the evaluation settings of ``evaluation`` (temperature, length, batch, and
    the system turn: that of the configuration the evaluation was run with).

    Raises:
        NoEvaluation: the evaluation is not stored.
        NothingToIntervene: no response of it qualifies for the kind.
        PolicyError: generation failed; nothing is stored.
    """
    with WarehouseReader(warehouse.root) as reader:
        runs = reader.query("SELECT checkpoint_id, suite_version, split, source, response_prefix FROM eval_runs "
                            "WHERE eval_run_id = ?", [eval_run_id])
        if runs.is_empty():
            raise NoEvaluation(f"evaluation run {eval_run_id!r} is not in the warehouse")
        checkpoint_id, suite_version, split, source, prefix = runs.row(0)
        # The responses must be the model's own, on prompts this installation rebuilds exactly.
        if (source or OWN_SUITE) != OWN_SUITE or prefix:
            raise NoEvaluation(f"evaluation run {eval_run_id!r} is "
                               f"{'ingested from ' + source if prefix == '' else 'an evaluation with a forced prefix'}"
                               "; intervene on one of our own ordinary evaluations")
        if suite_version != SUITE_VERSION:
            raise NoEvaluation(f"evaluation run {eval_run_id!r} was run on suite {suite_version}, this schemewatch "
                               f"has {SUITE_VERSION}; evaluate the checkpoint again first")
        samples = reader.run_samples(eval_run_id)
    envs = {e.id: e for e in build_suite(split)}
    started = time.perf_counter()
    run, continuations = run_intervention(
        policy, samples, envs, kind=kind, eval_run_id=eval_run_id, checkpoint_id=checkpoint_id, cfg=cfg,
        temperature=evaluation.temperature, max_new_tokens=evaluation.max_new_tokens,
        chunk_size=max(256, evaluation.batch_size), system_prompt=evaluation.system_prompt or None,
        progress=progress)
    results = summarize(continuations, kind)
    seconds = time.perf_counter() - started
    warehouse.store_intervention(run, continuations, results, seconds)
    return InterventionOutcome(run, results, seconds)


_RESULTS = """
SELECT i.intervention_id, i.eval_run_id, i.checkpoint_id, coalesce(c.stage, 'external') AS stage,
       coalesce(c.stage_index, -1) AS stage_index, r.eval_date, i.kind, i.position, i.samples_per_response,
       i.n_eligible, i.n_selected, i.seconds, i.created_at, i.sentences, i.control_match,
       x.*  EXCLUDE (intervention_id)
FROM intervention_runs i
JOIN intervention_results x USING (intervention_id)
JOIN eval_runs r USING (eval_run_id)
LEFT JOIN checkpoints c ON c.checkpoint_id = i.checkpoint_id
WHERE (CAST(? AS VARCHAR) IS NULL OR i.checkpoint_id = ?)
"""


def intervention_results(reader: WarehouseReader, checkpoint_id: str | None = None, *, latest: bool = True,
                         families: bool = False) -> pl.DataFrame:
    """Stored intervention results in training order: overall rows (``families`` adds per-family rows).

    ``latest``: per checkpoint and kind only the intervention on the newest evaluation (the newest stored).
    """
    frame = reader.query(_RESULTS, [checkpoint_id, checkpoint_id])
    if not families:
        frame = frame.filter(pl.col("family").is_null())
    if latest and frame.height:
        newest = (frame.sort("eval_date", "created_at", descending=True)
                  .group_by("checkpoint_id", "kind", maintain_order=True).first()
                  .select("intervention_id"))
        frame = frame.join(newest, on="intervention_id")
    kind_order = {k.value: i for i, k in enumerate(Kind)}
    return (frame.with_columns(pl.col("kind").replace_strict(kind_order, default=len(kind_order)).alias("_k"))
            .sort("stage_index", "checkpoint_id", "_k", pl.col("family").is_not_null(), "family").drop("_k"))
