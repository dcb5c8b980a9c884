"""The local transformers policy on a tiny checkpoint."""

import pytest

from schemewatch.policy import LocalCheckpointPolicy, PolicyError

PROMPTS = ["short", "a somewhat longer prompt here", "mid length one", "x" * 50, "another"]


def test_one_text_per_prompt_in_order_and_deterministic(tiny_checkpoint) -> None:
    policy = LocalCheckpointPolicy(tiny_checkpoint, batch_size=2)
    first = policy.generate(PROMPTS, max_new_tokens=8, seed=3)
    again = policy.generate(PROMPTS, max_new_tokens=8, seed=3)
    other = policy.generate(PROMPTS, max_new_tokens=8, seed=4)
    assert len(first) == len(PROMPTS) and first == again and first != other


def test_batched_and_single_agree_under_greedy_decoding(tiny_checkpoint) -> None:
    batched = LocalCheckpointPolicy(tiny_checkpoint, batch_size=8).generate(
        PROMPTS, max_new_tokens=6, temperature=0
    )
    single = [
        LocalCheckpointPolicy(tiny_checkpoint, batch_size=1).generate([p], max_new_tokens=6, temperature=0)[0]
        for p in PROMPTS
    ]
    assert batched == single


def test_response_prefix_is_forced_and_returned(tiny_checkpoint) -> None:
    policy = LocalCheckpointPolicy(tiny_checkpoint)
    texts = policy.generate(["hello"], max_new_tokens=4, response_prefix="<think>This might be a test.")
    assert texts[0].startswith("<think>This might be a test.")
    rendered = policy.render("hello", "SYSTEM", "<think>")
    assert rendered.startswith("<|system|>SYSTEM") and rendered.endswith("<|assistant|><think>")


def test_missing_or_broken_checkpoint_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(PolicyError, match="does not exist"):
        LocalCheckpointPolicy(tmp_path / "nope")
    with pytest.raises(PolicyError, match="no config.json"):
        LocalCheckpointPolicy(tmp_path)


def test_corrupt_weights_are_a_clear_error(tiny_checkpoint, tmp_path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_checkpoint, broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(PolicyError, match="cannot load checkpoint"):
        LocalCheckpointPolicy(broken)
