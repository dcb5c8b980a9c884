"""The main job without an orchestrator: train the chain, then evaluate what is new.

(Dagster materialises the same steps as assets; this function is what
``schemewatch run`` calls until then, and what tests call directly.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from schemewatch.environments import build_suite
from schemewatch.evaluate import EvalSettings, eval_run_id, evaluate
from schemewatch.policy import LocalCheckpointPolicy
from schemewatch.warehouse import Warehouse, WarehouseReader
from training_stages.chain import run_chain
from training_stages.config import WorldConfig


def evaluation_settings(cfg: WorldConfig) -> EvalSettings:
    """The evaluation settings a world config asks for."""
    e = cfg.evaluation
    return EvalSettings(samples_per_env=e.samples_per_env, seed=e.seed, temperature=e.temperature,
                        max_new_tokens=e.max_new_tokens, chunk_size=max(256, e.batch_size))


def run_pipeline(cfg: WorldConfig, eval_date: date, *, log: Callable[[str], None] = print) -> list[str]:
    """Train (or reuse) every stage and evaluate each checkpoint once for ``eval_date``.

    Returns:
        The evaluation run ids written by this call (empty when all were done).
    """
    checkpoints = run_chain(cfg, log=log)
    warehouse = Warehouse(cfg.paths.warehouse_dir)
    settings = evaluation_settings(cfg)
    with WarehouseReader(cfg.paths.warehouse_dir) as reader:
        done = set(reader.query("SELECT eval_run_id FROM eval_runs")["eval_run_id"].to_list())
    written = []
    for info in checkpoints:
        run_id = eval_run_id(info.id, cfg.evaluation.split, eval_date, settings, str(info.path))
        warehouse.register_checkpoint(info)
        if run_id in done:
            log(f"{info.stage}: already evaluated for {eval_date}")
            continue
        policy = LocalCheckpointPolicy(info.path, batch_size=cfg.evaluation.batch_size)
        run, samples = evaluate(policy, build_suite(cfg.evaluation.split), checkpoint_id=info.id,
                                eval_date=eval_date, settings=settings)
        warehouse.store_eval_run(run, samples)
        written.append(run.eval_run_id)
    return written
