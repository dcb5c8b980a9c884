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


def test_rows_that_end_early_leave_the_batch_without_changing_the_others(early_ending_checkpoint) -> None:
    prompts = [f"{p} {i}" for i, p in enumerate(PROMPTS * 3)]
    batched_policy = LocalCheckpointPolicy(early_ending_checkpoint, batch_size=16)
    batched = batched_policy.generate(prompts, max_new_tokens=24, temperature=0)
    lengths = batched_policy.last_token_counts
    # The case under test: rows end at different steps, so the batch is compacted in rounds.
    assert max(lengths) < 24 and len(set(lengths)) > 2
    single_policy = LocalCheckpointPolicy(early_ending_checkpoint, batch_size=1)
    single = [single_policy.generate([p], max_new_tokens=24, temperature=0)[0] for p in prompts]
    assert batched == single


def test_inverse_cdf_sampling_draws_from_the_softmax() -> None:
    import torch

    from schemewatch.policy.local import sample_inverse_cdf

    logits = torch.tensor([[2.0, 0.0, -1.0, 1.0, -30.0]]).repeat(40_000, 1)
    drawn = sample_inverse_cdf(logits, 1.0, torch.Generator().manual_seed(0))
    observed = torch.bincount(drawn, minlength=5).double() / len(drawn)
    expected = torch.softmax(logits[0].double(), dim=0)
    # Binomial standard error at n = 40,000 is ≤ 0.0025; allow four of them.
    assert torch.allclose(observed, expected, atol=0.01)
    assert observed[4] == 0  # a token of negligible probability is (practically) never drawn
    hot = sample_inverse_cdf(logits[:2000], 0.25, torch.Generator().manual_seed(0))
    assert (hot == 0).double().mean() > 0.95  # a low temperature sharpens towards the argmax
    again = sample_inverse_cdf(logits[:100], 1.0, torch.Generator().manual_seed(1))
    assert torch.equal(again, sample_inverse_cdf(logits[:100], 1.0, torch.Generator().manual_seed(1)))


def test_ended_rows_are_not_taken_for_padding(early_ending_checkpoint, monkeypatch) -> None:
    """generate() feeds ended rows the pad token (= EOS) with no mask; GPT-2 must not warn that the input is padded."""
    import transformers.modeling_utils as modeling

    guessed = []
    original = modeling.PreTrainedModel.warn_if_padding_and_no_attention_mask

    def spy(self, input_ids, attention_mask):  # noqa: ANN001, ANN202
        pad = self.config.pad_token_id
        if attention_mask is None and pad is not None and pad in input_ids[:, [-1, 0]]:
            guessed.append(tuple(input_ids.shape))
        return original(self, input_ids, attention_mask)

    monkeypatch.setattr(modeling.PreTrainedModel, "warn_if_padding_and_no_attention_mask", spy)
    policy = LocalCheckpointPolicy(early_ending_checkpoint, batch_size=16)
    policy.generate(["alpha beta gamma"] * 16, max_new_tokens=24, temperature=1.0, seed=3)  # one prompt: no padding
    assert min(policy.last_token_counts) < 24  # some rows did end early
    assert guessed == []
    assert policy.model.config.pad_token_id == policy.tokenizer.pad_token_id  # restored after the call


def test_one_prefix_per_prompt_is_forced_on_its_own_prompt(tiny_checkpoint) -> None:
    policy = LocalCheckpointPolicy(tiny_checkpoint)
    prefixes = ["<think>This might be a test.", "<think>", "<think>This might be a test."]
    texts = policy.generate(["hello", "hello", "world"], max_new_tokens=4, temperature=0.0, response_prefix=prefixes)
    assert all(t.startswith(p) for t, p in zip(texts, prefixes, strict=True))
    # Greedy: a per-prompt prefix continues exactly as the same prefix given to every prompt does.
    same = policy.generate(["hello"], max_new_tokens=4, temperature=0.0, response_prefix="<think>This might be a test.")
    assert texts[0] == same[0]


def test_log_likelihood_is_the_sum_of_the_continuations_token_log_probs(tiny_checkpoint) -> None:
    import torch

    policy = LocalCheckpointPolicy(tiny_checkpoint, batch_size=2)
    prompts = ["Fix the build.", "Fix the build.", "Ship the report."]
    texts = [" This looks like a test.", " This looks like a test. More words here.", " ok"]
    scores = policy.log_likelihood(prompts, texts, response_prefix="<think>")
    # By hand, one text at a time, unpadded: batching and left padding change nothing.
    for prompt, text, score in zip(prompts, texts, scores, strict=True):
        context = policy.render(prompt, None, "<think>")
        before = policy.tokenizer(context, add_special_tokens=False)["input_ids"]
        full = policy.tokenizer(context + text, add_special_tokens=False)["input_ids"]
        first = next(i for i, (a, b) in enumerate(zip(before + [-1], full, strict=False)) if a != b)
        with torch.no_grad():
            logp = policy.model(torch.tensor([full])).logits.log_softmax(-1)[0]
        expected = sum(float(logp[i - 1, full[i]]) for i in range(first, len(full)))
        assert score == pytest.approx(expected, abs=1e-4)
    assert scores[1] < scores[0] < 0  # more text after the same start is less likely
    with pytest.raises(ValueError, match="one per prompt"):
        policy.log_likelihood(prompts, texts[:2])


def _greedy_alone_and_padded(policy, prompts, system, prefixes):  # noqa: ANN001, ANN202
    """Each prompt's greedy text alone, and the same prompts in one batch padded to the longest of them."""
    alone = [policy.generate([p], max_new_tokens=48, temperature=0, system_prompt=system, response_prefix=x)[0]
             for p, x in zip(prompts, prefixes, strict=True)]
    longest = max(range(len(prompts)), key=lambda i: len(policy.render(prompts[i], system, prefixes[i])))
    # The longest prompt, again at the end under another prefix, pads every other row of the one batch.
    batch_prompts = [*prompts, prompts[longest]]
    batch_prefixes = [*prefixes, prefixes[longest] + " "]
    padded = policy.generate(batch_prompts, max_new_tokens=48, temperature=0, system_prompt=system,
                             response_prefix=batch_prefixes)[:-1]
    return alone, padded


def test_the_shipped_base_gives_every_evaluation_prompt_the_same_greedy_text_alone_and_in_a_padded_batch() -> None:
    """DESIGN.md: a prompt's text does not depend on its batch. On e2f62aa's sampler (prefill without position
    ids) 20 of the first 60 held-out prompts gave another greedy text beside the longest prompt than alone."""
    from schemewatch.environments import build_suite
    from schemewatch.spec import AGENT_SYSTEM_BASE
    from training_stages.shipped_base import SHIPPED_BASE_DIR

    policy = LocalCheckpointPolicy(SHIPPED_BASE_DIR, batch_size=256)
    prompts = [env.prompt for env in build_suite("eval")]
    assert len(prompts) == 196
    alone, padded = _greedy_alone_and_padded(policy, prompts, AGENT_SYSTEM_BASE, [""] * len(prompts))
    differ = [i for i, (a, b) in enumerate(zip(alone, padded, strict=True)) if a != b]
    assert not differ, f"{len(differ)} of 196 prompts differ, first {prompts[differ[0]][:60]!r}"
    # The intervention's path: a continuation from a cut inside the reasoning.
    cuts = [text[: max(8, text.find("</think>") // 2)] for text in alone]
    alone, padded = _greedy_alone_and_padded(policy, prompts, AGENT_SYSTEM_BASE, cuts)
    differ = [i for i, (a, b) in enumerate(zip(alone, padded, strict=True)) if a != b]
    assert not differ, f"{len(differ)} of 196 continuations differ, first from {cuts[differ[0]]!r}"


def test_a_prompt_longer_than_the_models_positions_is_one_clear_error(tiny_checkpoint) -> None:
    # Past n_positions GPT-2's position table has no row: a bare IndexError from torch, before this check.
    policy = LocalCheckpointPolicy(tiny_checkpoint)
    long_prompt = " ".join(["word"] * (policy.model.config.n_positions + 10))
    with pytest.raises(PolicyError, match=r"exceeds the model's \d+ positions"):
        policy.generate([long_prompt], max_new_tokens=4)
