"""Shared-prefix decode attention equals ordinary attention over each row's whole context."""

import pytest
import torch
from transformers import Cache

from schemewatch.policy import LocalCheckpointPolicy, shared_prefix
from schemewatch.policy.kv_cache import SharedPrefixLayer


class _Attention(torch.nn.Module):
    def __init__(self, kv_groups: int = 1) -> None:
        super().__init__()
        self.layer_idx = 0
        self.num_key_value_groups = kv_groups
        self.is_causal = True


def _reference(query, prefix_k, prefix_v, prefix_mask, own_k, own_v, prompt_of_row, groups):
    """Plain attention of each row over [its prompt's tokens, its own tokens]."""
    keys = torch.cat([prefix_k[prompt_of_row], own_k], dim=2).repeat_interleave(groups, dim=1)
    values = torch.cat([prefix_v[prompt_of_row], own_v], dim=2).repeat_interleave(groups, dim=1)
    visible = torch.cat([prefix_mask[prompt_of_row], torch.ones(len(prompt_of_row), own_k.shape[2], dtype=bool)], 1)
    out = torch.nn.functional.scaled_dot_product_attention(query, keys, values, attn_mask=visible[:, None, None, :])
    return out.transpose(1, 2)


@pytest.mark.parametrize("kv_groups", [1, 2])
def test_matches_plain_attention_with_left_padding_and_dropped_rows(kv_groups) -> None:
    torch.manual_seed(0)
    prompts, kv_heads, length, dim, copies = 3, 2, 7, 8, 4
    prefix_k, prefix_v = torch.randn(prompts, kv_heads, length, dim), torch.randn(prompts, kv_heads, length, dim)
    prefix_mask = torch.ones(prompts, length, dtype=bool)
    prefix_mask[1, :3] = False  # left padding of a shorter prompt
    prompt_of_row = torch.arange(prompts).repeat_interleave(copies)
    layer = SharedPrefixLayer(prefix_k, prefix_v, prefix_mask, prompt_of_row, capacity=5)
    cache = Cache(layers=[layer])
    own_k, own_v = torch.randn(len(prompt_of_row), kv_heads, 2, dim), torch.randn(len(prompt_of_row), kv_heads, 2, dim)
    layer.update(own_k, own_v)
    # Rows end unevenly: prompt 0 keeps one row, prompt 1 three, prompt 2 none.
    kept = torch.tensor([2, 4, 5, 7])
    cache.reorder_cache(kept)
    step_k, step_v = torch.randn(len(kept), kv_heads, 1, dim), torch.randn(len(kept), kv_heads, 1, dim)
    keys, values = layer.update(step_k, step_v)
    assert layer.get_seq_length() == length + 3
    query = torch.randn(len(kept), kv_heads * kv_groups, 1, dim)
    with shared_prefix.active(cache):
        out, _ = shared_prefix.shared_prefix_attention(_Attention(kv_groups), query, keys, values, None)
    expected = _reference(
        query, prefix_k, prefix_v, prefix_mask,
        torch.cat([own_k[kept], step_k], 2), torch.cat([own_v[kept], step_v], 2), prompt_of_row[kept], kv_groups,
    )
    assert out.shape == (len(kept), 1, kv_heads * kv_groups, dim)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)


def test_outside_a_generate_call_it_is_plain_sdpa() -> None:
    torch.manual_seed(1)
    query, key, value = torch.randn(2, 2, 5, 4), torch.randn(2, 2, 5, 4), torch.randn(2, 2, 5, 4)
    out, _ = shared_prefix.shared_prefix_attention(_Attention(), query, key, value, None)
    expected = torch.nn.functional.scaled_dot_product_attention(query, key, value, is_causal=True).transpose(1, 2)
    torch.testing.assert_close(out, expected)


def test_a_full_cache_is_a_clear_error() -> None:
    layer = SharedPrefixLayer(
        torch.zeros(1, 1, 2, 4), torch.zeros(1, 1, 2, 4), torch.ones(1, 2), torch.zeros(2, dtype=torch.long), 1
    )
    layer.update(torch.zeros(2, 1, 1, 4), torch.zeros(2, 1, 1, 4))
    with pytest.raises(ValueError, match="KV cache full"):
        layer.update(torch.zeros(2, 1, 1, 4), torch.zeros(2, 1, 1, 4))


def test_repeated_prompts_decode_as_they_do_alone(early_ending_checkpoint) -> None:
    # Greedy: every copy of a prompt must give what the prompt gives alone, also after rows have ended
    # and left the batch (rows here end after 1–6 tokens, so rounds drop them).
    prompts = [f"prompt number {i} " + "x" * i for i in range(6)]
    repeated = [p for p in prompts for _ in range(3)]
    policy = LocalCheckpointPolicy(early_ending_checkpoint, batch_size=18)
    assert policy._share_prefixes
    batched = policy.generate(repeated, max_new_tokens=24, temperature=0)
    alone = LocalCheckpointPolicy(early_ending_checkpoint, batch_size=1)
    expected = [alone.generate([p], max_new_tokens=24, temperature=0)[0] for p in prompts]
    assert batched == [t for t in expected for _ in range(3)]
    assert len(set(policy.last_token_counts)) > 1 and max(policy.last_token_counts) < 24
