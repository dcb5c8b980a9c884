"""The training chain: base → as-sft → as-rl → cap-1 … cap-N, with reuse.

Every stage's checkpoint id derives from its config, the world seed and its
parent's id, so re-running with the same config reuses finished checkpoints
and a changed stage retrains it and everything after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from schemewatch.checkpoints import CheckpointInfo, CheckpointStore, read_checkpoint
from training_stages.anti_scheming_rl import train_anti_scheming_rl
from training_stages.anti_scheming_sft import train_anti_scheming_sft
from training_stages.base import StageResult, train_base
from training_stages.capability import train_capability_stage
from training_stages.checkpointing import checkpoint_id, is_complete, save_checkpoint
from training_stages.config import WorldConfig
from training_stages.tracking import finish_stage, track_stage


class UnknownStageError(ValueError):
    """A requested stage that the config does not plan."""


@dataclass(frozen=True)
class StagePlan:
    """One stage of the chain as planned."""

    stage: str
    stage_index: int
    config: dict


def plan_chain(cfg: WorldConfig) -> list[StagePlan]:
    """The stages ``cfg`` asks for, in training order."""
    plan = [StagePlan("base", 0, cfg.base.model_dump(mode="json"))]
    if cfg.anti_scheming:
        plan.append(StagePlan("as-sft", 1, cfg.as_sft.model_dump(mode="json")))
        plan.append(StagePlan("as-rl", 2, cfg.as_rl.model_dump(mode="json")))
    cap = cfg.capability.model_dump(mode="json", exclude={"stages"})
    plan += [StagePlan(f"cap-{k}", 2 + k, cap) for k in range(1, cfg.capability.stages + 1)]
    return plan


def alias_for(stage: str, cfg: WorldConfig) -> str:
    """The alias of a stage; the no-anti-scheming control gets its own names."""
    return stage if cfg.anti_scheming or stage == "base" else f"noas-{stage}"


def run_chain(
    cfg: WorldConfig,
    *,
    stages: list[str] | None = None,
    track: bool = True,
    log: Callable[[str], None] = print,
) -> list[CheckpointInfo]:
    """Train (or reuse) every planned stage; returns the checkpoints in order.

    Args:
        stages: Only train up to and including these stages' checkpoints (their
            parents are trained or reused as needed); ``None`` means all.
        track: Log runs and model versions to MLflow.
    """
    plan = plan_chain(cfg)
    known = {p.stage for p in plan}
    if stages:
        unknown = sorted(set(stages) - known)
        if unknown:
            have = ", ".join(p.stage for p in plan)
            raise UnknownStageError(f"unknown stage(s) {', '.join(unknown)}; this config has: {have}")
        last = max(i for i, p in enumerate(plan) if p.stage in stages)
        plan = plan[: last + 1]
    store = CheckpointStore(cfg.paths.checkpoints_dir)
    tracking_uri = cfg.paths.mlflow_uri if track else None
    done: list[CheckpointInfo] = []
    parent: CheckpointInfo | None = None
    for step in plan:
        ck_id = checkpoint_id(step.stage, step.config | {"world_seed": cfg.seed}, parent.id if parent else None)
        path = store.path_for(ck_id)
        alias = alias_for(step.stage, cfg)
        if is_complete(path):
            log(f"{step.stage}: reusing {ck_id}")
            info = read_checkpoint(path)
        else:
            log(f"{step.stage}: training → {ck_id}")
            info = CheckpointInfo(ck_id, step.stage, step.stage_index, parent.id if parent else None, path)
            with track_stage(tracking_uri, cfg.paths.data_dir / "mlartifacts", step.stage, step.config) as tracker:
                result = _train(step, cfg, parent, tracker.log_step)
                save_checkpoint(result.model, result.tokenizer, info, step.config, result.metrics)
                finish_stage(tracker, path, alias, result.metrics)
            log(f"{step.stage}: " + ", ".join(f"{k}={v:.4g}" for k, v in result.metrics.items()))
        store.set_alias(alias, ck_id)
        done.append(info)
        parent = info
    return done


def _train(step: StagePlan, cfg: WorldConfig, parent: CheckpointInfo | None, log_step) -> StageResult:  # noqa: ANN001
    def supervised_step(i: int, loss: float, lr: float) -> None:
        log_step(i, {"loss": loss, "learning_rate": lr})

    if step.stage == "base":
        return train_base(cfg.base, seed=cfg.seed, on_step=supervised_step)
    assert parent is not None
    start: Path = parent.path
    if step.stage == "as-sft":
        return train_anti_scheming_sft(start, cfg.as_sft, seed=cfg.seed, max_length=cfg.base.max_length,
                                       on_step=supervised_step)
    if step.stage == "as-rl":
        return train_anti_scheming_rl(start, cfg.as_rl, seed=cfg.seed, on_step=log_step)
    number = int(step.stage.split("-")[1])
    return train_capability_stage(start, cfg.capability, stage_number=number, seed=cfg.seed, on_step=log_step)
