"""The training chain: base → as-sft → as-rl → cap-1 … cap-N (the registry's order), with reuse.

Every stage's checkpoint id derives from its config, the world seed and its
parent's id, so re-running with the same config reuses finished checkpoints
and a changed stage retrains it and everything after it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from schemewatch.checkpoints import CheckpointInfo, CheckpointNotFoundError, CheckpointStore, read_checkpoint
from training_stages import stages as registry
from training_stages.base import STAGE as BASE
from training_stages.checkpointing import checkpoint_id, is_complete, save_checkpoint
from training_stages.config import WorldConfig
from training_stages.shipped_base import SHIPPED_BASE_DIR, install_shipped_base, shipped_base_id
from training_stages.stage_spec import StageRequest, StageResult, TrainingStage
from training_stages.tracking import finish_stage, track_stage


class UnknownStageError(ValueError):
    """A requested stage that the config does not plan."""


@dataclass(frozen=True)
class StagePlan:
    """One stage of the chain as planned.

    Attributes:
        stage: Its name (``cap-2``).
        stage_index: Its position in the full chain (0 = base), the same whether or not the
            stages before it are planned, so the control chain's cap-1 sorts with the main chain's.
        config: The settings its checkpoint id derives from.
        kind: The registered stage it is an instance of.
        number: Which repetition (``cap-2`` → 2); 1 for a stage that is not repeated.
    """

    stage: str
    stage_index: int
    config: dict
    kind: TrainingStage
    number: int = 1


def plan_chain(cfg: WorldConfig) -> list[StagePlan]:
    """The stages ``cfg`` asks for, in training order (from :data:`training_stages.stages.STAGES`)."""
    plan: list[StagePlan] = []
    for index, kind in enumerate(registry.STAGES):
        times, config = kind.planned(cfg), kind.id_config(cfg)
        if kind.repeated:  # the last registered stage (check_registry): its repetitions end the chain
            plan += [StagePlan(kind.instance(k), index + k - 1, config, kind, k) for k in range(1, times + 1)]
        elif times:
            plan.append(StagePlan(kind.name, index, config, kind))
    return plan


def alias_for(stage: str, cfg: WorldConfig) -> str:
    """The alias of a stage; the no-anti-scheming control gets its own names."""
    return stage if cfg.anti_scheming or stage == "base" else f"noas-{stage}"


def stage_ids(cfg: WorldConfig) -> dict[str, str]:
    """Every planned stage's checkpoint id, in training order (no training needed)."""
    ids: dict[str, str] = {}
    parent: str | None = None
    for step in plan_chain(cfg):
        if step.kind is BASE and cfg.base.source == "shipped":
            parent = shipped_base_id()  # its content, whatever the world seed: seeds vary what comes after
        else:
            parent = checkpoint_id(step.stage, step.config | {"world_seed": cfg.seed}, parent)
        ids[step.stage] = parent
    return ids


def _plan_step(cfg: WorldConfig, stage: str) -> StagePlan:
    plan = plan_chain(cfg)
    for step in plan:
        if step.stage == stage:
            return step
    have = ", ".join(p.stage for p in plan)
    raise UnknownStageError(f"unknown stage {stage}; this config has: {have}")


def _parent_stage(cfg: WorldConfig, stage: str) -> str | None:
    stages = [p.stage for p in plan_chain(cfg)]
    i = stages.index(stage)
    return stages[i - 1] if i else None


def finished_stage(cfg: WorldConfig, stage: str, *, needed_by: str | None = None) -> CheckpointInfo:
    """The finished checkpoint of ``stage`` under this config.

    Raises:
        CheckpointNotFoundError: it has not been trained (the message says what to run).
    """
    ck_id = stage_ids(cfg)[_plan_step(cfg, stage).stage]
    path = CheckpointStore(cfg.paths.checkpoints_dir).path_for(ck_id)
    if not is_complete(path):
        who = f"{needed_by} needs " if needed_by else ""
        raise CheckpointNotFoundError(f"{who}{stage} ({ck_id}) trained first; run `schemewatch train`")
    return read_checkpoint(path)


def ensure_stage(
    cfg: WorldConfig,
    stage: str,
    *,
    track: bool = True,
    tracking_uri: str | None = None,
    sft_data: pl.DataFrame | None = None,
    log: Callable[[str], None] = print,
) -> CheckpointInfo:
    """Reuse ``stage``'s checkpoint if finished, otherwise train it from its parent's.

    The parent must be finished already (``run_chain`` and the Dagster assets
    call the stages in order). ``sft_data`` lets the as-sft stage train on data
    selected earlier (the ``anti_scheming_sft_data`` asset) instead of rolling
    out again.

    Args:
        track: Log the run and the model version to MLflow.
        tracking_uri: Where to log; default: the config's (sqlite under the data directory).

    Raises:
        UnknownStageError: the config plans no such stage.
        CheckpointNotFoundError: the parent stage has not been trained.
    """
    step = _plan_step(cfg, stage)
    store = CheckpointStore(cfg.paths.checkpoints_dir)
    parent_stage = _parent_stage(cfg, stage)
    parent = finished_stage(cfg, parent_stage, needed_by=stage) if parent_stage else None
    ck_id = stage_ids(cfg)[stage]
    path = store.path_for(ck_id)
    alias = alias_for(stage, cfg)
    if is_complete(path):
        log(f"{stage}: reusing {ck_id}")
        info = read_checkpoint(path)
    else:
        shipped = step.kind is BASE and cfg.base.source == "shipped"
        log(f"{stage}: {'installing the shipped base' if shipped else 'training'} → {ck_id}")
        info = CheckpointInfo(ck_id, stage, step.stage_index, parent.id if parent else None, path)
        uri = (tracking_uri or cfg.paths.mlflow_uri) if track else None
        with track_stage(uri, cfg.paths.data_dir / "mlartifacts", stage, step.config) as tracker:
            if shipped:
                metrics = _install_shipped_base(info, cfg)
            else:
                result = _train(step, cfg, parent, tracker.log_step, sft_data)
                metrics = result.metrics
                save_checkpoint(result.model, result.tokenizer, info, step.config, metrics)
            finish_stage(tracker, path, alias, metrics)
        log(f"{stage}: " + ", ".join(f"{k}={v:.4g}" for k, v in metrics.items()))
    store.set_alias(alias, ck_id)
    return info


def _install_shipped_base(info: CheckpointInfo, cfg: WorldConfig) -> dict[str, float]:
    """Copy the verified shipped base into the store (atomically, like a trained checkpoint); its metrics."""
    from schemewatch.checkpoints import write_checkpoint_meta

    tmp = info.path.with_name(f".tmp-{info.path.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    manifest = install_shipped_base(tmp, cfg.base)
    metrics = {k: v for k, v in manifest.get("metrics", {}).items() if isinstance(v, int | float)}
    staged = CheckpointInfo(info.id, info.stage, info.stage_index, info.parent_id, tmp)
    write_checkpoint_meta(staged, {"stage_config": manifest["base_config"], "metrics": metrics,
                                   "shipped": {"folder": str(SHIPPED_BASE_DIR), "sha256": manifest["sha256"],
                                               "trained_at": manifest.get("trained_at")}})
    if info.path.exists():
        shutil.rmtree(info.path)
    tmp.rename(info.path)
    return metrics


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
    return [ensure_stage(cfg, step.stage, track=track, log=log) for step in plan]


def _train(
    step: StagePlan, cfg: WorldConfig, parent: CheckpointInfo | None, log_step,  # noqa: ANN001
    sft_data: pl.DataFrame | None,
) -> StageResult:
    start: Path | None = parent.path if parent else None
    return step.kind.train(StageRequest(cfg, start, step.number, log_step, sft_data))


def _continual_stage() -> TrainingStage:
    """The repeated stage (the last registered), which continual training extends."""
    last = registry.STAGES[-1]
    if not last.repeated:
        raise UnknownStageError("no repeated training stage is registered, so there is nothing to continue")
    return last


def with_capability_stages(cfg: WorldConfig, stages: int) -> WorldConfig:
    """``cfg`` with ``stages`` capability stages (the chain continual training has grown to)."""
    # Continual training's repeated stage counts its repetitions in its section's `stages` field.
    section = _continual_stage().section
    return cfg.model_copy(update={section: getattr(cfg, section).model_copy(update={"stages": stages})})


def trained_capability_stages(cfg: WorldConfig) -> int:
    """How many capability stages are finished in a row, beyond the config's count included."""
    store = CheckpointStore(cfg.paths.checkpoints_dir)
    kind, k = _continual_stage(), 0
    while is_complete(store.path_for(stage_ids(with_capability_stages(cfg, k + 1))[kind.instance(k + 1)])):
        k += 1
    return k


def train_next_capability_stage(
    cfg: WorldConfig, *, track: bool = True, tracking_uri: str | None = None, log: Callable[[str], None] = print
) -> CheckpointInfo:
    """Continual training: one more capability stage from the latest finished one.

    Raises:
        CheckpointNotFoundError: the chain before the capability stages is not trained.
    """
    k = trained_capability_stages(cfg) + 1
    return ensure_stage(with_capability_stages(cfg, k), _continual_stage().instance(k), track=track,
                        tracking_uri=tracking_uri, log=log)
