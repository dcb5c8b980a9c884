"""Anti-scheming stage, RL part (deliberative alignment, step d).

Outcome-only RL on the training split, without the spec in the prompt: the
reward reads the action and the report, never the reasoning, so the model is
not taught to *say* the right things, only rewarded for good outcomes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from schemewatch.environments import Split, corpus_environments
from training_stages.base import StageResult
from training_stages.config import RLConfig
from training_stages.policy_gradient import run_grpo
from training_stages.prompts import agent_system_prompt
from training_stages.rewards import alignment_outcome_reward


def train_anti_scheming_rl(
    start_dir: Path, cfg: RLConfig, *, seed: int, on_step: Callable[[int, dict[str, float]], None] | None = None
) -> StageResult:
    """GRPO with the outcome-only alignment reward, KL-anchored to ``start_dir``."""
    n_envs = max(1, cfg.steps * cfg.prompts_per_step // 2)
    envs = corpus_environments(n_envs, tag=f"as-rl-{seed}", split=Split.TRAIN)
    model, tokenizer, history = run_grpo(
        start_dir, envs, alignment_outcome_reward, cfg,
        system=agent_system_prompt(with_spec=False), seed=seed, desc="as-rl", on_step=on_step,
    )
    return StageResult(model, tokenizer, _summary(history))


def _summary(history: list[dict[str, float]]) -> dict[str, float]:
    if not history:
        return {"steps": 0}
    first, last = history[0], history[-1]
    return {
        "steps": len(history),
        "reward_first": first.get("reward", float("nan")),
        "reward_last": last.get("reward", float("nan")),
        "kl_last": last.get("kl", 0.0),
    }
