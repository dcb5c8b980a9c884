"""Decode attention that reads each prompt's keys and values once for all its samples.

An evaluation samples every environment several times. After one shared prefill,
the samples of a prompt differ only in the tokens they generate, yet plain
attention reads the prompt's keys and values once per sample at every step, and
batched decode attention on this CPU is bound by that reading (a third of a
160-row step of the default world's model). Here the prompt's keys and values are
stored once per distinct prompt (:class:`~schemewatch.policy.kv_cache.SharedPrefixLayer`); at each step the
queries of all its samples meet them in one matrix product, and each sample's own
tokens are attended separately; one softmax spans both parts, so the result is
ordinary attention (the idea of Hydragen and FlashInfer's cascade attention, which
are GPU-only).

It is used through transformers' attention interface: :func:`enable` registers the
implementation on a model, and :func:`active` marks the cache whose layers hold the
prefixes for the duration of a ``generate`` call. Outside that, the registered
function is transformers' SDPA attention, unchanged (the prefill runs that way).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

import torch
from transformers import AttentionInterface, Cache
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface

from schemewatch.policy.kv_cache import SharedPrefixLayer

NAME = "schemewatch_shared_prefix"
_ACTIVE: ContextVar[Cache | None] = ContextVar("schemewatch_shared_prefix_cache", default=None)


def shared_prefix_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: object,
) -> tuple[torch.Tensor, None]:
    """Attention for one decode step over a :class:`~schemewatch.policy.kv_cache.SharedPrefixLayer`; SDPA otherwise."""
    cache = _ACTIVE.get()
    if cache is None:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    if query.shape[2] != 1:
        raise RuntimeError("a shared-prefix cache decodes one token per row and step; prefill without it")
    layer = cache.layers[module.layer_idx]
    if not isinstance(layer, SharedPrefixLayer):
        raise TypeError(f"shared-prefix attention needs SharedPrefixLayer caches, got {type(layer).__name__}")
    prefix_keys, prefix_values = layer.prefix_keys, layer.prefix_values
    groups = getattr(module, "num_key_value_groups", 1)
    if groups > 1:  # grouped-query attention: one key head serves several query heads
        prefix_keys, prefix_values = (t.repeat_interleave(groups, dim=1) for t in (prefix_keys, prefix_values))
        key, value = (t.repeat_interleave(groups, dim=1) for t in (key, value))
    scaling = scaling if scaling is not None else query.shape[-1] ** -0.5
    rows, heads, _, dim = query.shape
    prompts, prefix_length = prefix_keys.shape[0], prefix_keys.shape[2]
    prompt, place = layer.prompt_of_row, layer.place_in_prompt
    # The queries of each prompt's rows side by side: (prompts, heads, rows per prompt, dim).
    grouped = query.new_zeros(prompts, heads, layer.rows_per_prompt, dim)
    grouped[prompt, :, place] = query[:, :, 0]
    prefix_scores = (grouped @ prefix_keys.transpose(-1, -2)) * scaling
    prefix_scores = prefix_scores.masked_fill(~layer.prefix_mask[:, None, None, :], float("-inf"))
    own_scores = (query @ key.transpose(-1, -2))[:, :, 0] * scaling  # (rows, heads, own tokens)
    probs = torch.softmax(torch.cat([prefix_scores[prompt, :, place], own_scores], dim=-1), dim=-1)
    prefix_probs, own_probs = probs.split([prefix_length, key.shape[2]], dim=-1)
    grouped_probs = probs.new_zeros(prompts, heads, layer.rows_per_prompt, prefix_length)
    grouped_probs[prompt, :, place] = prefix_probs
    out = (grouped_probs @ prefix_values)[prompt, :, place] + (own_probs[:, :, None] @ value)[:, :, 0]
    return out[:, None].to(query.dtype), None  # (rows, 1, heads, dim), as transformers' functions return


def supports(model: torch.nn.Module) -> bool:
    """Whether ``model`` attends through transformers' attention interface without windows."""
    config = model.config.get_text_config()
    interface = bool(getattr(model, "_supports_attention_backend", False))
    return interface and getattr(config, "sliding_window", None) is None


def _mask(*args: object, **kwargs: object) -> torch.Tensor | None:
    """SDPA's mask, or none while a shared-prefix cache is active: its layers hold the prompts' padding
    and a decode step's query sees all of its row's own tokens, so the mask would go unread."""
    if _ACTIVE.get() is not None:
        return None
    return ALL_MASK_ATTENTION_FUNCTIONS["sdpa"](*args, **kwargs)


def enable(model: torch.nn.Module) -> None:
    """Switch ``model`` to the shared-prefix implementation (SDPA whenever no cache is active)."""
    AttentionInterface.register(NAME, shared_prefix_attention)
    AttentionMaskInterface.register(NAME, _mask)
    model.set_attn_implementation(NAME)


@contextlib.contextmanager
def active(cache: Cache) -> Iterator[None]:
    """Within this block, shared-prefix attention reads its prefixes from ``cache``'s layers."""
    token = _ACTIVE.set(cache)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
