"""Outcome-only reinforcement learning: group-relative policy gradient over our batched policy.

Each step samples ``generations_per_prompt`` completions for each of
``prompts_per_step`` training prompts with :class:`LocalCheckpointPolicy` (the
model being trained, in memory), scores each with an outcome-only reward, and
takes one on-policy gradient step on

    loss = -mean_tokens(A · log π(token)) + β · mean_tokens(KL(π ‖ π_start)),

with A the reward minus its group's mean, scaled by the batch's standard
deviation (GRPO's advantage) or left in reward units (``scale_advantages =
false``, Dr. GRPO; the capability stages), one update per sample so no ratio to clip, and
the KL exact over the vocabulary at every completion token, against the frozen
starting checkpoint. Prompts are read once per group (:mod:`shared_prompt`).

Why not TRL's ``GRPOTrainer``: it generates through ``model.generate`` one
padded batch at a time. ``python -m benchmarks.rl_step --prompts 16
--generations 8 --steps 3`` (the stages' batch) measured 9.38 s a step for TRL
and 1.47 s for this loop (6.4×); at 8 × 4, 1.81 s and 0.44 s (4.1×).

Whether a stage learned is measured, not assumed: the mean reward on a fixed
set of training prompts (same prompts, same seed) at the start, after each
quarter of the steps and at the end — its first-quarter and last-quarter means
— beside the per-step training reward, the KL of the result to its start on
those prompts, and the noise a rise must beat: the unchanged start re-measured
on the same prompts with a second sampling seed.

Completions are scored at the temperature they were sampled at (logits / T), so
the gradient and the KL are those of the policy that sampled.
"""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from schemewatch.environments import Environment
from schemewatch.policy import LocalCheckpointPolicy
from schemewatch.progress import progress_bar
from training_stages.checkpointing import load_checkpoint
from training_stages.config import RLConfig
from training_stages.lm_training import TrainingDivergedError
from training_stages.shared_prompt import PromptGroup, completion_logprobs

RewardFn = Callable[[Environment, str], float]


@dataclass
class RLRun:
    """What an RL stage hands back: the trained model, its tokenizer, per-step logs and the summary."""

    model: torch.nn.Module
    tokenizer: object
    history: list[dict[str, float]]
    summary: dict[str, float]


def group_advantages(rewards: torch.Tensor, group_size: int, *, scale: bool = True) -> torch.Tensor:
    """Reward minus its group's mean; with ``scale``, divided by the batch's standard deviation (GRPO).

    Unscaled (Dr. GRPO), the KL weight is in reward units: a stage then tends to
    π_start · exp(reward / kl_coef), a bounded move whatever the seed.
    """
    grouped = rewards.view(-1, group_size)
    centred = (grouped - grouped.mean(dim=1, keepdim=True)).flatten()
    if not scale:
        return centred
    std = rewards.std()
    return centred / std if float(std) > 1e-8 else centred * 0.0


def mean_token_kl(logits: torch.Tensor, ref_logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """KL(π ‖ π_ref) summed over the vocabulary, averaged over the real completion tokens."""
    logp = torch.log_softmax(logits, dim=-1)
    ref_logp = torch.log_softmax(ref_logits.float(), dim=-1)
    per_token = (logp.exp() * (logp - ref_logp)).sum(-1)
    return (per_token * mask).sum() / mask.sum().clamp(min=1)


class _Sampler:
    """Samples completions (as token ids) and scores them, for a list of environments."""

    def __init__(self, model, tokenizer, cfg: RLConfig, system: str | None, reward: RewardFn) -> None:  # noqa: ANN001
        self.policy = LocalCheckpointPolicy.from_model(model, tokenizer, name="rl-policy",
                                                       batch_size=cfg.prompts_per_step * cfg.generations_per_prompt)
        self.cfg, self.system, self.reward = cfg, system, reward

    def groups(self, envs: Sequence[Environment], k: int, seed: int) -> tuple[list[PromptGroup], list[float]]:
        owners = [env for env in envs for _ in range(k)]
        texts = self.policy.generate([e.prompt for e in owners], max_new_tokens=self.cfg.max_new_tokens,
                                     temperature=self.cfg.temperature, seed=seed, system_prompt=self.system)
        rewards = [float(self.reward(env, text)) for env, text in zip(owners, texts, strict=True)]
        tok = self.policy.tokenizer
        groups = []
        for i, env in enumerate(envs):
            prompt = tok(self.policy.render(env.prompt, self.system, ""), add_special_tokens=False)["input_ids"]
            sampled = self.policy.last_token_ids[i * k:(i + 1) * k]
            completions = tuple(tuple(ids) or (tok.eos_token_id,) for ids in sampled)
            groups.append(PromptGroup(tuple(prompt), completions))
        return groups, rewards


def _fixed_reward(sampler: _Sampler, envs: Sequence[Environment], k: int, seed: int) -> tuple[float, list[PromptGroup]]:
    with torch.no_grad():
        groups, rewards = sampler.groups(envs, k, seed)
    return sum(rewards) / len(rewards), groups


def _kl_on(model, ref, groups: Sequence[PromptGroup], pad_id: int, temperature: float,  # noqa: ANN001
           chunk: int = 16) -> float:
    """Mean per-token KL(model ‖ ref) at the sampling temperature, over the completions in ``groups``."""
    total, tokens = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(groups), chunk):
            part = groups[start:start + chunk]
            _, mask, logits = completion_logprobs(model, part, pad_id, temperature=temperature)
            _, _, ref_logits = completion_logprobs(ref, part, pad_id, temperature=temperature)
            n = int(mask.sum())
            total += float(mean_token_kl(logits, ref_logits, mask)) * n
            tokens += n
    return total / max(1, tokens)


def quarter_means(values: Sequence[float]) -> tuple[float, float]:
    """Means of the first and last quarter of ``values`` (at least one value each)."""
    q = max(1, len(values) // 4)
    return sum(values[:q]) / q, sum(values[-q:]) / q


def _prompt_batches(envs: Sequence[Environment], size: int, rng: random.Random) -> Iterator[list[Environment]]:
    """Endless batches of ``size`` environments: a seeded shuffle, walked through, reshuffled when it runs out."""
    order = list(envs)
    rng.shuffle(order)
    cursor = 0
    while True:
        if cursor + size > len(order):
            rng.shuffle(order)
            cursor = 0
        yield order[cursor:cursor + size]
        cursor += size


def _update(model, reference, optimiser, groups: list[PromptGroup], rewards: list[float],  # noqa: ANN001
            cfg: RLConfig, pad: int, where: str) -> dict[str, float] | None:
    """One policy-gradient step on sampled groups: its metrics, or ``None`` when ``cfg.max_kl`` stops the stage.

    Raises:
        TrainingDivergedError: the loss or the KL is not finite (nothing is saved).
    """
    k = cfg.generations_per_prompt
    r = torch.tensor(rewards)
    advantages = group_advantages(r, k, scale=cfg.scale_advantages)
    # Eval mode for the update too: sampling saw no dropout, so the scored log-probs must not either.
    # Scored at the temperature they were sampled at: the gradient is then the sampling policy's own.
    logprobs, mask, logits = completion_logprobs(model, groups, pad, temperature=cfg.temperature)
    with torch.no_grad():
        _, _, ref_logits = completion_logprobs(reference, groups, pad, temperature=cfg.temperature)
    tokens = mask.sum().clamp(min=1)
    pg_loss = -(advantages.unsqueeze(1) * logprobs).sum() / tokens
    kl = mean_token_kl(logits, ref_logits, mask)
    kl_value = kl.detach().item()
    if cfg.max_kl is not None and kl_value > cfg.max_kl:
        return None
    loss = pg_loss + cfg.kl_coef * kl
    loss_value = loss.detach().item()
    if not (math.isfinite(loss_value) and math.isfinite(kl_value)):
        raise TrainingDivergedError(f"{where}: loss {loss_value}, KL {kl_value}; "
                                    "lower the learning rate (nothing was saved)")
    optimiser.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimiser.step()
    spread = r.view(-1, k).std(dim=1)
    return {"reward": float(r.mean()), "reward_std": float(r.std()), "kl": kl_value, "loss": loss_value,
            "zero_spread_groups": float((spread < 1e-8).float().mean()),
            "completion_tokens": float(mask.sum()) / len(rewards)}


def _summary(history: list[dict[str, float]], curve: dict[int, float], stopped_at: int | None,
             fixed_samples: int) -> dict[str, float]:
    """The stage's reward numbers: on the fixed set at each look, and on each step's own prompts."""
    taken = len(history)
    train_first, train_last = quarter_means([h["reward"] for h in history] or [float("nan")])
    ordered = [curve[s] for s in sorted(curve)]
    return {
        "steps": taken,
        "stopped_at_max_kl": float(stopped_at is not None),
        # On the fixed set: the looks that bound the first quarter of steps, and those that bound the last.
        "reward_first_quarter": sum(ordered[:2]) / len(ordered[:2]),
        "reward_last_quarter": sum(ordered[-2:]) / len(ordered[-2:]),
        "fixed_reward_before": curve[0],
        "fixed_reward_after": curve[taken],
        **{f"fixed_reward_at_{k}": v for k, v in sorted(curve.items())},
        "fixed_samples": fixed_samples,
        # On the prompts of each step (different every step, so noisier).
        "train_reward_first_quarter": train_first,
        "train_reward_last_quarter": train_last,
        "zero_spread_groups": sum(h["zero_spread_groups"] for h in history) / max(1, len(history)),
    }


def run_policy_gradient(
    start_dir: Path,
    envs: Sequence[Environment],
    reward: RewardFn,
    cfg: RLConfig,
    *,
    system: str | None,
    seed: int,
    desc: str,
    fixed_envs: Sequence[Environment],
    on_step: Callable[[int, dict[str, float]], None] | None = None,
    progress: bool = True,
) -> RLRun:
    """Train the checkpoint in ``start_dir`` with outcome-only group-relative policy gradient.

    Args:
        envs: Training environments, cycled through in a seeded order.
        fixed_envs: The fixed prompt set on which reward (before and after) and KL are measured.
        on_step: Called as ``on_step(step, metrics)`` (e.g. MLflow logging).

    Raises:
        TrainingDivergedError: when the loss or the KL becomes NaN; nothing is saved.
    """
    started = time.perf_counter()
    torch.manual_seed(seed)
    model, tokenizer = load_checkpoint(start_dir)
    reference = copy.deepcopy(model).eval().requires_grad_(False)
    pad = tokenizer.pad_token_id
    sampler = _Sampler(model, tokenizer, cfg, system, reward)
    k = cfg.generations_per_prompt
    # The fixed set is sampled with the same seed at every look, so two looks differ only where the policy did
    # (common random numbers): a small real change in reward is not lost in sampling noise.
    fixed_seed = seed * 7919 + 17
    q = max(1, cfg.steps // 4)
    looks = sorted({0, q, 2 * q, 3 * q, cfg.steps})
    curve: dict[int, float] = {0: _fixed_reward(sampler, fixed_envs, cfg.eval_generations, fixed_seed)[0]}
    # The same unchanged checkpoint re-measured with another sampling seed: the noise a reward rise must beat.
    reseeded = _fixed_reward(sampler, fixed_envs, cfg.eval_generations, fixed_seed + 1)[0]

    optimiser = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.0)
    batches = _prompt_batches(envs, cfg.prompts_per_step, random.Random(seed))
    history: list[dict[str, float]] = []
    stopped_at: int | None = None
    for step in progress_bar(range(cfg.steps), desc=desc, unit="step", disable=not progress):
        batch_envs = next(batches)
        with torch.no_grad():
            groups, rewards = sampler.groups(batch_envs, k, seed * 1_000_003 + step)
        row = _update(model, reference, optimiser, groups, rewards, cfg, pad, f"{desc}: step {step}")
        if row is None:
            stopped_at = step  # a bounded move per stage: erosion over stages is a curve, not a cliff
            break
        done = step + 1
        if done in looks and done != cfg.steps:
            row["fixed_reward"] = curve[done] = _fixed_reward(sampler, fixed_envs, cfg.eval_generations, fixed_seed)[0]
        history.append(row)
        if on_step is not None:
            on_step(step, row)
    taken = len(history)
    curve[taken], after_groups = _fixed_reward(sampler, fixed_envs, cfg.eval_generations, fixed_seed)
    summary = _summary(history, curve, stopped_at, len(fixed_envs) * cfg.eval_generations) | {
        "kl_to_start": _kl_on(model, reference, after_groups, pad, cfg.temperature),
        "fixed_reward_before_reseeded": reseeded,
        "fixed_reward_noise": abs(reseeded - curve[0]),
        "seconds": time.perf_counter() - started,
    }
    return RLRun(model, tokenizer, history, summary)
