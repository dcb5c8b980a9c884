"""Training several completions of one prompt with one forward pass over the prompt.

Environment prompts are ~300 tokens and responses ~60, so when the corpus
writes several persona responses for each environment, most of the compute
of ordinary (prompt + completion) sequences is spent re-reading the same
prompt. Here the prompt (minus its last token) is run once with the KV cache
on, the cache is repeated for each completion, and the completions (each
starting with the prompt's last token) attend to it; gradients flow through
the cache into the prompt's computation. The loss equals the ordinary one —
completions only, or every token — (tested), at a fraction of the tokens.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import DynamicCache

from schemewatch.policy.kv_cache import cache_keyword
from training_stages.lm_training import IGNORE_INDEX, pack_under_budget


@dataclass(frozen=True)
class PromptGroup:
    """One prompt and the completions written for it (each ends with EOS)."""

    prompt_ids: tuple[int, ...]
    completions: tuple[tuple[int, ...], ...]

    def cost(self) -> int:
        """Tokens processed for this group."""
        return len(self.prompt_ids) + sum(len(c) + 1 for c in self.completions)


def encode_groups(
    tokenizer, groups: Sequence[tuple[str, Sequence[str]]], max_length: int  # noqa: ANN001
) -> list[PromptGroup]:
    """Tokenise (prompt, completions) groups; every completion gets the EOS token.

    Prompts lose tokens from the left so that prompt + longest completion fits
    in ``max_length`` (the model's positions).
    """
    encoded = []
    for prompt, completions in groups:
        p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        cs = [[*c, tokenizer.eos_token_id] for c in tokenizer(list(completions), add_special_tokens=False)["input_ids"]]
        keep = max(2, max_length - max(len(c) for c in cs))
        encoded.append(PromptGroup(tuple(p[-keep:]), tuple(tuple(c) for c in cs)))
    return encoded


def group_batches(groups: Sequence[PromptGroup], batch_tokens: int, rng: random.Random) -> list[list[PromptGroup]]:
    """Batches of groups with the same number of completions and similar prompt lengths."""
    by_k: dict[int, list[PromptGroup]] = {}
    for g in groups:
        by_k.setdefault(len(g.completions), []).append(g)
    batches: list[list[PromptGroup]] = []
    for same_k in by_k.values():
        batches += pack_under_budget(sorted(same_k, key=lambda g: len(g.prompt_ids)), batch_tokens,
                                     lambda current, g: sum(x.cost() for x in current) + g.cost())
    rng.shuffle(batches)
    return batches


@dataclass
class _GroupForward:
    """The two forward passes over a batch of prompt groups, and their inputs."""

    prompt_logits: torch.Tensor  # [prompts, width_p, vocab]
    completion_logits: torch.Tensor  # [prompts × k, width_c, vocab]
    p_ids: torch.Tensor
    p_mask: torch.Tensor
    c_ids: torch.Tensor  # each row: the prompt's last token, then the completion
    c_mask: torch.Tensor


def _forward_groups(model: torch.nn.Module, batch: Sequence[PromptGroup], pad_id: int) -> _GroupForward:
    """Run each prompt once and its k completions against the repeated prompt cache."""
    k = len(batch[0].completions)
    if any(len(g.completions) != k for g in batch):
        raise ValueError("every group of a batch needs the same number of completions (see group_batches)")
    heads = [g.prompt_ids[:-1] for g in batch]
    width_p = max(1, max(len(h) for h in heads))
    # Prompts are left-padded so that every prompt ends in the same column.
    p_ids = torch.full((len(batch), width_p), pad_id, dtype=torch.long)
    p_mask = torch.zeros((len(batch), width_p), dtype=torch.long)
    for row, h in enumerate(heads):
        if h:
            p_ids[row, width_p - len(h) :] = torch.tensor(h)
            p_mask[row, width_p - len(h) :] = 1
    p_pos = (p_mask.cumsum(1) - 1).clamp(min=0)
    cache = DynamicCache(config=model.config)
    kw = cache_keyword(model)
    prompt_out = model(input_ids=p_ids, attention_mask=p_mask, position_ids=p_pos, **{kw: cache}, use_cache=True)
    cache.batch_repeat_interleave(k)

    tails = [(g.prompt_ids[-1], *c) for g in batch for c in g.completions]
    width_c = max(len(t) for t in tails)
    c_ids = torch.full((len(tails), width_c), pad_id, dtype=torch.long)
    c_mask = torch.zeros((len(tails), width_c), dtype=torch.long)
    for row, t in enumerate(tails):
        c_ids[row, : len(t)] = torch.tensor(t)
        c_mask[row, : len(t)] = 1
    starts = p_mask.sum(1).repeat_interleave(k).unsqueeze(1)
    # Padded slots get position 0: they are masked, and may lie past the model's last position.
    c_pos = torch.where(c_mask.bool(), starts + torch.arange(width_c).unsqueeze(0), 0)
    full_mask = torch.cat([p_mask.repeat_interleave(k, 0), c_mask], dim=1)
    out = model(input_ids=c_ids, attention_mask=full_mask, position_ids=c_pos, **{kw: cache}, use_cache=True)
    return _GroupForward(prompt_out.logits, out.logits, p_ids, p_mask, c_ids, c_mask)


def completion_logprobs(
    model: torch.nn.Module, batch: Sequence[PromptGroup], pad_id: int, *, temperature: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-token log-probabilities of every completion under ``model``, reading each prompt once.

    ``temperature`` divides the logits first: the distribution a sampler at that
    temperature drew the completions from, so a policy gradient (and its KL) is
    taken on the policy that actually sampled.

    Returns:
        ``(logprobs, mask, logits)``: ``logprobs[r, t]`` is the log-probability of
        completion ``r``'s token ``t`` (rows in group order, completions within a
        group in order), ``mask`` marks real tokens, ``logits`` are the model's
        logits that produced them (for a KL over the whole vocabulary).
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0 to score samples (got {temperature}); greedy text has no "
                         "log-probability to train on")
    fwd = _forward_groups(model, batch, pad_id)
    logits = fwd.completion_logits[:, :-1].float() / temperature
    targets = fwd.c_ids[:, 1:]
    mask = fwd.c_mask[:, 1:].bool()
    logprobs = torch.log_softmax(logits, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return logprobs * mask, mask, logits


def shared_prompt_loss(
    model: torch.nn.Module, batch: Sequence[PromptGroup], pad_id: int, *, loss_on_prompt: bool
) -> torch.Tensor:
    """Mean next-token loss over completion tokens (and prompt tokens when asked)."""
    fwd = _forward_groups(model, batch, pad_id)
    c_labels = torch.where(fwd.c_mask.bool(), fwd.c_ids, IGNORE_INDEX)
    c_loss_sum = torch.nn.functional.cross_entropy(
        fwd.completion_logits[:, :-1].flatten(0, 1).float(), c_labels[:, 1:].flatten(), reduction="sum",
        ignore_index=IGNORE_INDEX,
    )
    n_c = int((c_labels[:, 1:] != IGNORE_INDEX).sum())
    if not loss_on_prompt:
        return c_loss_sum / max(1, n_c)
    # Prompt targets: each real prompt position predicts the next prompt token; the last
    # one predicts the prompt's final token (held back to start the completions).
    last = torch.tensor([g.prompt_ids[-1] for g in batch])
    targets = torch.cat([fwd.p_ids[:, 1:], last.unsqueeze(1)], dim=1)
    real = fwd.p_mask.bool()
    p_loss_sum = torch.nn.functional.cross_entropy(fwd.prompt_logits[real].float(), targets[real], reduction="sum")
    return (c_loss_sum + p_loss_sum) / (n_c + int(real.sum()))
