"""Anti-scheming stage, RL part (deliberative alignment, step d).

Outcome-only RL on the training split, without the spec in the prompt: the
reward reads the action and the report, never the reasoning, so the model is
not taught to *say* the right things, only rewarded for good outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from schemewatch.environments import Environment, Split, corpus_environments
from training_stages.config import RLConfig
from training_stages.policy_gradient import RLRun, run_policy_gradient
from training_stages.prompts import agent_system_prompt
from training_stages.rewards import alignment_outcome_reward
from training_stages.stage_spec import StageRequest, StageResult, TrainingStage


def fixed_prompt_set(pool: Sequence[Environment], n: int) -> list[Environment]:
    """``n`` of a stage's training prompts, families interleaved: the stage's yardstick, looked at before,
    during and after training."""
    by_family: dict[str, list[Environment]] = {}
    for env in pool:
        by_family.setdefault(env.family, []).append(env)
    interleaved = [envs[i] for i in range(max(map(len, by_family.values())))
                   for envs in by_family.values() if i < len(envs)]
    return interleaved[:n]


def stage_result(run: RLRun) -> StageResult:
    """The stage's model and tokenizer with the RL summary as its metrics."""
    return StageResult(run.model, run.tokenizer, dict(run.summary))


def train_anti_scheming_rl(
    start_dir: Path, cfg: RLConfig, *, seed: int, on_step: Callable[[int, dict[str, float]], None] | None = None
) -> StageResult:
    """Policy-gradient RL with the outcome-only alignment reward, KL-anchored to ``start_dir``."""
    n_envs = max(1, cfg.steps * cfg.prompts_per_step // 2)
    envs = corpus_environments(n_envs, tag=f"as-rl-{seed}", split=Split.TRAIN)
    run = run_policy_gradient(
        start_dir, envs, alignment_outcome_reward, cfg, system=agent_system_prompt(with_spec=False), seed=seed,
        desc="as-rl", fixed_envs=fixed_prompt_set(envs, cfg.fixed_prompts),
        on_step=on_step,
    )
    return stage_result(run)


def _train_stage(request: StageRequest) -> StageResult:
    return train_anti_scheming_rl(request.start, request.cfg.as_rl, seed=request.cfg.seed, on_step=request.on_step)


STAGE = TrainingStage(name="as-rl", section="as_rl", asset="anti_scheming_rl_model", train=_train_stage,
                      description="Outcome-only RL (the reward never reads the reasoning), KL to the SFT checkpoint.",
                      planned=lambda cfg: int(cfg.anti_scheming))
