"""The main job without an orchestrator: train the chain, then evaluate what is new.

(Dagster materialises the same steps as assets, calling ``ensure_stage`` and
``evaluate_checkpoint``; ``run_pipeline`` is the same job in one function, for
tests and benchmarks.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from schemewatch.checkpoints import CheckpointInfo, local_policy_name
from schemewatch.environments import build_suite, derive_seed
from schemewatch.evaluate import EvalSettings, eval_run_id, evaluate
from schemewatch.policy import LocalCheckpointPolicy, Policy
from schemewatch.warehouse import Warehouse, WarehouseReader
from training_stages.chain import run_chain
from training_stages.config import WorldConfig


def evaluation_settings(cfg: WorldConfig, eval_date: date | None = None) -> EvalSettings:
    """The evaluation settings a world config asks for, for one evaluation date.

    With ``[evaluation] fresh_seed_each_night`` (the default) the seed derives from the configured seed and
    the date: a checkpoint re-evaluated every night is a new sample each night, not the same one again.
    """
    settings = EvalSettings.from_config(cfg.evaluation)
    if eval_date is not None and cfg.evaluation.fresh_seed_each_night:
        settings = replace(settings, seed=derive_seed(cfg.evaluation.seed, "night", eval_date.isoformat()) % 2**31)
    return settings


def planned_eval_run_id(cfg: WorldConfig, info: CheckpointInfo, eval_date: date, policy_name: str | None = None) -> str:
    """The run id ``evaluate_checkpoint`` uses for this checkpoint and date (see its args)."""
    return eval_run_id(info.id, cfg.evaluation.split, eval_date, evaluation_settings(cfg, eval_date),
                       policy_name or local_policy_name(info.path))


@dataclass(frozen=True)
class CheckpointEvaluation:
    """One checkpoint's evaluation for one date: its run id and whether this call wrote it."""

    checkpoint_id: str
    eval_run_id: str
    written: bool


def evaluate_checkpoint(
    cfg: WorldConfig,
    info: CheckpointInfo,
    eval_date: date,
    *,
    warehouse: Warehouse | None = None,
    policy: Callable[[], Policy] | None = None,
    policy_name: str | None = None,
    log: Callable[[str], None] = print,
) -> CheckpointEvaluation:
    """Evaluate ``info`` on the configured split for ``eval_date`` unless already stored.

    Registers the checkpoint; the run id is deterministic, so a second call for
    the same date finds the stored run and writes nothing.

    Args:
        policy: Builds the policy that answers (called only when there is work);
            default: the checkpoint itself, loaded with transformers.
        policy_name: The policy's name, part of the run id; default: the
            checkpoint's content hash (what the local policy reports).
    """
    warehouse = warehouse or Warehouse(cfg.paths.warehouse_dir)
    settings = evaluation_settings(cfg, eval_date)
    run_id = planned_eval_run_id(cfg, info, eval_date, policy_name)
    warehouse.register_checkpoint(info)
    with WarehouseReader(warehouse.root) as reader:
        done = not reader.query("SELECT 1 FROM eval_runs WHERE eval_run_id = ?", [run_id]).is_empty()
    if done:
        log(f"{info.stage}: already evaluated for {eval_date}")
        return CheckpointEvaluation(info.id, run_id, written=False)
    answering = policy() if policy else LocalCheckpointPolicy(info.path, batch_size=cfg.evaluation.batch_size)
    run, samples = evaluate(answering, build_suite(cfg.evaluation.split), checkpoint_id=info.id,
                            eval_date=eval_date, settings=settings)
    warehouse.store_eval_run(run, samples)
    return CheckpointEvaluation(info.id, run.eval_run_id, written=True)


def run_pipeline(cfg: WorldConfig, eval_date: date, *, log: Callable[[str], None] = print) -> list[str]:
    """Train (or reuse) every stage and evaluate each checkpoint once for ``eval_date``.

    Returns:
        The evaluation run ids written by this call (empty when all were done).
    """
    warehouse = Warehouse(cfg.paths.warehouse_dir)
    results = [evaluate_checkpoint(cfg, info, eval_date, warehouse=warehouse, log=log)
               for info in run_chain(cfg, log=log)]
    return [r.eval_run_id for r in results if r.written]
