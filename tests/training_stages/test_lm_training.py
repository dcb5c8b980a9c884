"""Supervised training: loss falls, parameters change, NaN stops the run."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from training_stages.lm_training import (
    IGNORE_INDEX,
    Example,
    SupervisedSettings,
    TrainingDivergedError,
    collate,
    encode_pairs,
    length_batches,
    train_supervised,
)
from training_stages.model import TinyModelConfig, build_model
from training_stages.tokenizer import FORMAT_TAGS, train_tokenizer

TEXTS = [f"<|user|>task {i}\n<|assistant|>" for i in range(40)]
PAIRS = [(t, f"<think>AS1</think><action>report_{i % 3}</action><report>ok</report>") for i, t in enumerate(TEXTS)]


@pytest.fixture(scope="module")
def tokenizer():
    return train_tokenizer([p + c for p, c in PAIRS] * 3, vocab_size=320)


def test_format_tags_are_single_tokens_and_survive_decoding(tokenizer) -> None:
    for tag in FORMAT_TAGS:
        ids = tokenizer(tag, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1 and tokenizer.decode(ids, skip_special_tokens=True) == tag
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False,
                                             add_generation_prompt=True)
    assert rendered == "<|user|>hi\n<|assistant|>"


def test_collate_masks_prompt_and_padding(tokenizer) -> None:
    batch = [Example((1, 2, 3), (4, 5)), Example((6,), (7,))]
    out = collate(batch, pad_id=0)
    assert out["labels"].tolist() == [[IGNORE_INDEX] * 3 + [4, 5], [IGNORE_INDEX, 7] + [IGNORE_INDEX] * 3]
    assert out["attention_mask"].tolist() == [[1] * 5, [1, 1, 0, 0, 0]]


def test_encode_keeps_the_completion_and_adds_eos(tokenizer) -> None:
    whole = encode_pairs(tokenizer, PAIRS[:1], max_length=512)[0]
    cut = encode_pairs(tokenizer, PAIRS[:1], max_length=len(whole.completion_ids) + 2)[0]
    assert whole.completion_ids[-1] == tokenizer.eos_token_id
    assert cut.completion_ids == whole.completion_ids  # the completion is kept whole
    assert cut.prompt_ids == whole.prompt_ids[-2:]  # the prompt loses tokens from the left


def test_length_batches_respect_the_token_budget() -> None:
    import random

    examples = [Example((1,) * n, (2,)) for n in range(1, 60)]
    batches = length_batches(examples, batch_tokens=100, rng=random.Random(0))
    assert sum(len(b) for b in batches) == len(examples)
    assert all(max(len(e) for e in b) * len(b) <= 100 or len(b) == 1 for b in batches)


def test_loss_falls_and_parameters_change(tokenizer) -> None:
    torch.manual_seed(0)
    model = build_model(len(tokenizer), tokenizer.eos_token_id, TinyModelConfig(n_layer=1, n_embd=32, n_head=2))
    before = [p.detach().clone() for p in model.parameters()]
    examples = encode_pairs(tokenizer, PAIRS, max_length=128)
    losses = train_supervised(model, examples, SupervisedSettings(epochs=40, learning_rate=1e-2, batch_tokens=512),
                              tokenizer.pad_token_id, progress=False)
    assert sum(losses[-3:]) / 3 < 0.5 * sum(losses[:3]) / 3
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    assert model.loss_type == "ForCausalLM"  # named, so transformers no longer warns on every stage


def test_nan_loss_stops_with_a_clear_error(tokenizer) -> None:
    model = build_model(len(tokenizer), tokenizer.eos_token_id, TinyModelConfig(n_layer=1, n_embd=32, n_head=2))
    with torch.no_grad():
        model.transformer.wte.weight.fill_(float("nan"))
    with pytest.raises(TrainingDivergedError, match="lower the learning rate"):
        train_supervised(model, encode_pairs(tokenizer, PAIRS, 128), SupervisedSettings(), tokenizer.pad_token_id,
                         progress=False)


def test_completion_without_eos_for_reasoning_and_action_only_training(tokenizer) -> None:
    from training_stages.anti_scheming_sft import _through_action

    text = "<think>AS1</think><action>report_1</action><report>ok</report>"
    assert _through_action(text) == "<think>AS1</think><action>report_1</action>"
    ex = encode_pairs(tokenizer, [("<|user|>x\n<|assistant|>", _through_action(text))], 128, append_eos=False)[0]
    assert ex.completion_ids[-1] != tokenizer.eos_token_id
    assert tokenizer.decode(ex.completion_ids).endswith("</action>")


@given(st.lists(st.integers(1, 50), max_size=40), st.integers(1, 120))
def test_packing_keeps_order_and_the_budget(sizes: list[int], budget: int) -> None:
    from training_stages.lm_training import pack_under_budget

    batches = pack_under_budget(sizes, budget, lambda current, x: sum(current) + x)
    assert [x for b in batches for x in b] == sizes
    assert all(sum(b) <= budget or len(b) == 1 for b in batches)
    assert all(sum(a) + b[0] > budget for a, b in zip(batches, batches[1:], strict=False))  # each batch is full
