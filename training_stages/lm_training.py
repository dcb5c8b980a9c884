"""Supervised language-model training on (prompt, completion) pairs.

Loss is on completion tokens only: the prompt is the environment the agent
reads, the completion is the behaviour it learns. Batches group examples of
similar length (sorted, then chunked under a token budget), which on a CPU
avoids most padding; batch order is shuffled with a seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch

from schemewatch.progress import progress_bar

T = TypeVar("T")

IGNORE_INDEX = -100


class TrainingDivergedError(RuntimeError):
    """The loss became NaN or infinite; the stage stops and saves nothing."""


@dataclass(frozen=True)
class Example:
    """Token ids of one training pair."""

    prompt_ids: tuple[int, ...]
    completion_ids: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.prompt_ids) + len(self.completion_ids)


def encode_pairs(
    tokenizer,  # noqa: ANN001
    pairs: Sequence[tuple[str, str]],
    max_length: int,
    *,
    append_eos: bool = True,
) -> list[Example]:
    """Tokenise (prompt, completion) pairs; the completion gets the EOS token.

    Pairs longer than ``max_length`` lose prompt tokens from the left (the
    completion is what is learned, so it is kept whole).
    """
    prompts = tokenizer([p for p, _ in pairs], add_special_tokens=False)["input_ids"]
    completions = tokenizer([c for _, c in pairs], add_special_tokens=False)["input_ids"]
    examples = []
    for p, c in zip(prompts, completions, strict=True):
        c = [*c, tokenizer.eos_token_id] if append_eos else list(c)
        p = p[max(0, len(p) + len(c) - max_length) :]
        examples.append(Example(tuple(p), tuple(c)))
    return examples


def pack_under_budget(items: Sequence[T], budget: int, cost: Callable[[list[T], T], int]) -> list[list[T]]:
    """Consecutive runs of ``items`` whose ``cost(batch_so_far, next_item)`` stays within ``budget``.

    The one token-budget packing loop (supervised batches, shared-prompt groups). An item
    that alone exceeds the budget still gets a batch of its own.
    """
    batches: list[list[T]] = []
    current: list[T] = []
    for item in items:
        if current and cost(current, item) > budget:
            batches.append(current)
            current = []
        current.append(item)
    if current:
        batches.append(current)
    return batches


def length_batches(examples: Sequence[Example], batch_tokens: int, rng: random.Random) -> list[list[Example]]:
    """Batches of similar-length examples whose padded size stays under ``batch_tokens``."""
    # Sorted by length, the item added is the longest: the padded size is its length × the batch size.
    batches = pack_under_budget(sorted(examples, key=len), batch_tokens,
                                lambda current, ex: len(ex) * (len(current) + 1))
    rng.shuffle(batches)
    return batches


def collate(batch: Sequence[Example], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded input ids, attention mask and labels (prompt and padding ignored)."""
    width = max(len(ex) for ex in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, ex in enumerate(batch):
        seq = ex.prompt_ids + ex.completion_ids
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = 1
        labels[row, len(ex.prompt_ids) : len(seq)] = torch.tensor(ex.completion_ids)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


@dataclass(frozen=True)
class SupervisedSettings:
    """Optimiser settings for one supervised run."""

    epochs: float = 1.0
    learning_rate: float = 1e-3
    batch_tokens: int = 8192
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    grad_clip: float = 1.0
    seed: int = 0


def train_supervised(
    model: torch.nn.Module,
    examples: Sequence[Example],
    settings: SupervisedSettings,
    pad_id: int,
    *,
    desc: str = "train",
    on_step: Callable[[int, float, float], None] | None = None,
    progress: bool = True,
) -> list[float]:
    """Train ``model`` in place on (prompt, completion) examples; returns every step's loss.

    Raises:
        TrainingDivergedError: on a NaN or infinite loss; the caller must not save.
    """
    if not examples:
        raise ValueError("no training examples; check the data that feeds this stage")
    batches = length_batches(examples, settings.batch_tokens, random.Random(settings.seed))
    if getattr(model, "loss_type", "") is None:
        # transformers infers the loss from the class name, and "GPT2LMHeadModel" names none: it warned on
        # every stage, then used the causal-LM loss anyway. Say so instead.
        model.loss_type = "ForCausalLM"
    return train_on_batches(
        model, batches, lambda batch: model(**collate(batch, pad_id)).loss, settings,
        desc=desc, on_step=on_step, progress=progress,
    )


def train_on_batches(
    model: torch.nn.Module,
    epoch_batches: Sequence[Sequence[object]],
    loss_of: Callable[[Sequence[object]], torch.Tensor],
    settings: SupervisedSettings,
    *,
    desc: str = "train",
    on_step: Callable[[int, float, float], None] | None = None,
    progress: bool = True,
) -> list[float]:
    """The optimisation loop: AdamW, warm-up then cosine decay, clipping, NaN guard.

    Args:
        epoch_batches: One epoch's batches; epochs reshuffle their order.
        loss_of: The loss of one batch.
        on_step: Called as ``on_step(step, loss, learning_rate)`` (e.g. MLflow logging).

    Raises:
        TrainingDivergedError: on a NaN or infinite loss; the caller must not save.
    """
    rng = random.Random(settings.seed)
    torch.manual_seed(settings.seed)
    total = max(1, math.ceil(len(epoch_batches) * settings.epochs))
    epochs = range(math.ceil(settings.epochs))
    schedule = [b for _ in epochs for b in rng.sample(list(epoch_batches), len(epoch_batches))][:total]
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    warmup = max(1, int(total * settings.warmup_fraction))

    def lr_at(step: int) -> float:  # linear warm-up, cosine decay to 10%
        if step < warmup:
            return settings.learning_rate * (step + 1) / warmup
        progress_frac = (step - warmup) / max(1, total - warmup)
        return settings.learning_rate * (0.1 + 0.45 * (1 + math.cos(math.pi * progress_frac)))

    model.train()
    losses = []
    for step, batch in enumerate(progress_bar(schedule, desc=desc, unit="step", disable=not progress)):
        for group in optimiser.param_groups:
            group["lr"] = lr_at(step)
        loss = loss_of(batch)
        if not torch.isfinite(loss):
            raise TrainingDivergedError(
                f"{desc}: loss is {loss.item()} at step {step}; lower the learning rate "
                "(nothing was saved)"
            )
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
        optimiser.step()
        losses.append(loss.item())
        if on_step is not None:
            on_step(step, losses[-1], lr_at(step))
    model.eval()
    return losses
