"""Shared-prompt training computes the same loss as ordinary sequences, with fewer tokens."""

import random

import pytest
import torch

from training_stages.lm_training import Example, collate
from training_stages.model import TinyModelConfig, build_model
from training_stages.shared_prompt import PromptGroup, group_batches, shared_prompt_loss


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model(50, 0, TinyModelConfig(n_layer=2, n_embd=32, n_head=2)).eval()


GROUPS = [
    PromptGroup((5, 6, 7, 8, 9), ((10, 11, 0), (12, 0), (13, 14, 15, 0))),
    PromptGroup((21, 22, 23), ((24, 0), (25, 26, 0), (27, 0))),
]


def test_completion_loss_equals_the_ordinary_loss(model) -> None:
    plain = [Example(g.prompt_ids, c) for g in GROUPS for c in g.completions]
    expected = model(**collate(plain, pad_id=0)).loss
    got = shared_prompt_loss(model, GROUPS, pad_id=0, loss_on_prompt=False)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)


def test_gradients_reach_the_prompt_computation(model) -> None:
    model.zero_grad()
    shared_prompt_loss(model, GROUPS, pad_id=0, loss_on_prompt=False).backward()
    prompt_only_token = 6  # appears in a prompt, never in a completion
    assert model.transformer.wte.weight.grad[prompt_only_token].abs().sum() > 0


def test_full_sequence_loss_equals_the_ordinary_one(model) -> None:
    # One completion per prompt: every token of prompt + completion is a target once.
    groups = [PromptGroup((5, 6, 7, 8, 9), ((10, 11, 0),)), PromptGroup((21, 22, 23), ((24, 25, 26, 0),))]
    plain = [Example((), g.prompt_ids + g.completions[0]) for g in groups]
    expected = model(**collate(plain, pad_id=0)).loss
    got = shared_prompt_loss(model, groups, pad_id=0, loss_on_prompt=True)
    assert got.item() == pytest.approx(expected.item(), rel=1e-5)


def test_batches_keep_completion_counts_apart() -> None:
    groups = [*GROUPS, PromptGroup((1, 2), ((3, 0),))]
    batches = group_batches(groups, batch_tokens=10_000, rng=random.Random(0))
    assert sorted(len(b) for b in batches) == [1, 2]
    assert all(len({len(g.completions) for g in b}) == 1 for b in batches)
