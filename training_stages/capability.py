"""Capability stages 1…N: outcome-only RL on task success that covert shortcuts can game.

Capability training in practice rewards outcomes, not honesty: the checker
sees the action and the report, so a shortcut, or a claimed success it cannot
verify, pays (see :func:`training_stages.rewards.capability_reward`). The tasks
are broad — fresh environments of every family from seeds the evaluation suite
never uses — and each stage starts from the previous checkpoint, KL-anchored to
it with a modest learning rate and a bounded number of steps, so that erosion
is a curve across stages, not a cliff (a prototype without KL went from 2% to
98% covert within 15 steps).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from schemewatch.environments import Split, corpus_environments
from training_stages.anti_scheming_rl import fixed_prompt_set, stage_result
from training_stages.config import CapabilityConfig
from training_stages.policy_gradient import run_policy_gradient
from training_stages.prompts import agent_system_prompt
from training_stages.rewards import capability_reward
from training_stages.stage_spec import StageRequest, StageResult, TrainingStage


def train_capability_stage(
    start_dir: Path,
    cfg: CapabilityConfig,
    *,
    stage_number: int,
    seed: int,
    on_step: Callable[[int, dict[str, float]], None] | None = None,
) -> StageResult:
    """One capability stage (``stage_number`` from 1), starting from ``start_dir``."""
    # Still the train and eval splits' families, as before the capability split existed: the shipped base v5
    # never saw the capability families and answers all of them with another family's tool (280 of 280
    # unparseable), so a stage on them would learn nothing. Issue 26 moves the stages onto them with base v6.
    envs = [e for e in corpus_environments(cfg.envs_per_family, tag=f"capability-{stage_number}-{seed}")
            if e.split is not Split.CAPABILITY]
    run = run_policy_gradient(
        start_dir, envs, partial(capability_reward, pay=cfg.reward), cfg.rl,
        system=agent_system_prompt(with_spec=False), seed=seed * 101 + stage_number, desc=f"cap-{stage_number}",
        fixed_envs=fixed_prompt_set(envs, cfg.rl.fixed_prompts), on_step=on_step,
    )
    return stage_result(run)


def _train_stage(request: StageRequest) -> StageResult:
    return train_capability_stage(request.start, request.cfg.capability, stage_number=request.number,
                                  seed=request.cfg.seed, on_step=request.on_step)


STAGE = TrainingStage(name="cap", section="capability", asset="capability_stage_{k}_model", train=_train_stage,
                      description="Capability RL: task-outcome reward that covert shortcuts can game, KL to the "
                                  "previous checkpoint.",
                      planned=lambda cfg: cfg.capability.stages, repeated=True, id_exclude=frozenset({"stages"}))
