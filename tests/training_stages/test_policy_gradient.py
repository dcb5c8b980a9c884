"""The policy-gradient loop: exact log-probs, group advantages, and a run that measurably learns."""

import pytest
import torch

from schemewatch.environments import corpus_environments
from training_stages.checkpointing import load_checkpoint
from training_stages.config import RLConfig
from training_stages.lm_training import TrainingDivergedError
from training_stages.model import TinyModelConfig, build_model
from training_stages.policy_gradient import group_advantages, mean_token_kl, quarter_means, run_policy_gradient
from training_stages.shared_prompt import PromptGroup, completion_logprobs


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model(50, 0, TinyModelConfig(n_layer=2, n_embd=32, n_head=2)).eval()


GROUPS = [
    PromptGroup((5, 6, 7, 8, 9), ((10, 11, 0), (12, 0))),
    PromptGroup((21, 22, 23), ((24, 25, 26), (27, 0))),
]


def test_completion_logprobs_equal_a_plain_forward_of_each_sequence(model) -> None:
    logprobs, mask, _ = completion_logprobs(model, GROUPS, pad_id=0)
    row = 0
    for g in GROUPS:
        for c in g.completions:
            seq = torch.tensor([g.prompt_ids + c])
            with torch.no_grad():
                plain = torch.log_softmax(model(input_ids=seq).logits[0].float(), -1)
            expected = [plain[len(g.prompt_ids) - 1 + t, tok] for t, tok in enumerate(c)]
            assert int(mask[row].sum()) == len(c)
            assert logprobs[row, : len(c)].tolist() == pytest.approx([float(e) for e in expected], abs=1e-5)
            row += 1


def test_completion_logprobs_at_a_temperature_are_those_of_the_tempered_distribution_that_sampled(model) -> None:
    # The sampler draws from softmax(logits / T); a gradient on T = 1 log-probs would train another policy.
    logprobs, _, _ = completion_logprobs(model, GROUPS[:1], pad_id=0, temperature=0.5)
    g = GROUPS[0]
    c = g.completions[0]
    with torch.no_grad():
        plain = torch.log_softmax(model(input_ids=torch.tensor([g.prompt_ids + c])).logits[0].float() / 0.5, -1)
    expected = [float(plain[len(g.prompt_ids) - 1 + t, tok]) for t, tok in enumerate(c)]
    assert logprobs[0, : len(c)].tolist() == pytest.approx(expected, abs=1e-5)
    untempered, _, _ = completion_logprobs(model, GROUPS[:1], pad_id=0)
    assert not torch.allclose(logprobs[0, : len(c)], untempered[0, : len(c)])
    with pytest.raises(ValueError, match="temperature must be > 0"):
        completion_logprobs(model, GROUPS[:1], pad_id=0, temperature=0.0)


def test_advantages_centre_each_group_and_vanish_without_spread() -> None:
    adv = group_advantages(torch.tensor([1.0, 0.0, 0.5, 0.5]), group_size=2)
    assert adv[:2].sum() == pytest.approx(0) and adv[0] > 0 > adv[1]
    assert adv[2:].tolist() == [0.0, 0.0]
    assert group_advantages(torch.ones(4), group_size=2).tolist() == [0.0] * 4
    # Unscaled (Dr. GRPO): in reward units, so the KL weight bounds how far a stage moves.
    assert group_advantages(torch.tensor([1.0, 0.0, 0.5, 0.5]), 2, scale=False).tolist() == [0.5, -0.5, 0.0, 0.0]


def test_kl_of_a_model_with_itself_is_zero_and_positive_otherwise(model) -> None:
    with torch.no_grad():
        _, mask, logits = completion_logprobs(model, GROUPS, pad_id=0)
    assert float(mean_token_kl(logits, logits, mask)) == pytest.approx(0, abs=1e-7)
    assert float(mean_token_kl(logits, logits.roll(1, dims=-1), mask)) > 0.01


def test_quarter_means() -> None:
    assert quarter_means([0, 0, 1, 1, 1, 1, 2, 2]) == (0, 2)
    assert quarter_means([3.0]) == (3.0, 3.0)


def _share_of_e(env, text: str) -> float:  # noqa: ANN001
    """A reward an untrained model can learn within a few steps: the share of 'e' in what it writes."""
    return text.count("e") / max(1, len(text))


def test_a_run_raises_its_reward_on_fixed_prompts_and_moves_the_policy(tiny_checkpoint) -> None:
    envs = corpus_environments(4, tag="pg-test", split="eval")
    cfg = RLConfig(steps=12, prompts_per_step=4, generations_per_prompt=4, learning_rate=3e-2, kl_coef=0.0,
                   max_new_tokens=8, fixed_prompts=8, eval_generations=4)
    before, _ = load_checkpoint(tiny_checkpoint)
    run = run_policy_gradient(tiny_checkpoint, envs, _share_of_e, cfg, system=None, seed=0, desc="test",
                              fixed_envs=envs[:8], progress=False)
    s = run.summary
    assert s["steps"] == 12 and len(run.history) == 12
    assert s["fixed_reward_after"] > s["fixed_reward_before"] + 0.05, s
    assert s["reward_last_quarter"] > s["reward_first_quarter"], s
    assert s["fixed_reward_at_0"] == s["fixed_reward_before"] and s["fixed_reward_at_12"] == s["fixed_reward_after"]
    assert s["kl_to_start"] > 0.01, s
    # The rise beats the noise of re-measuring the unchanged start with another sampling seed.
    assert s["fixed_reward_after"] - s["fixed_reward_before"] > s["fixed_reward_noise"], s
    changed = [not torch.equal(a, b) for a, b in zip(before.parameters(), run.model.parameters(), strict=True)]
    assert any(changed)


def test_a_diverging_run_stops_with_a_clear_error(tiny_checkpoint) -> None:
    envs = corpus_environments(2, tag="pg-test", split="eval")
    cfg = RLConfig(steps=3, prompts_per_step=2, generations_per_prompt=2, max_new_tokens=8, fixed_prompts=2,
                   eval_generations=1)
    with pytest.raises(TrainingDivergedError, match="lower the learning rate"):
        run_policy_gradient(tiny_checkpoint, envs, lambda env, text: float("nan"), cfg, system=None, seed=0,
                            desc="test", fixed_envs=envs[:2], progress=False)


def test_a_stage_ends_early_once_it_has_moved_as_far_as_max_kl_allows(tiny_checkpoint) -> None:
    envs = corpus_environments(4, tag="pg-test", split="eval")
    cfg = RLConfig(steps=10, prompts_per_step=4, generations_per_prompt=4, learning_rate=3e-2, kl_coef=0.0,
                   max_new_tokens=8, fixed_prompts=4, eval_generations=2, max_kl=1e-6)
    run = run_policy_gradient(tiny_checkpoint, envs, _share_of_e, cfg, system=None, seed=0, desc="test",
                              fixed_envs=envs[:4], progress=False)
    s = run.summary
    assert s["stopped_at_max_kl"] == 1.0 and 1 <= s["steps"] < 10 and len(run.history) == s["steps"]
    assert s["kl_to_start"] > 0 and f"fixed_reward_at_{s['steps']}" in s
