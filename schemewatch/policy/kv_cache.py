"""KV-cache layers for the local policy's decoding (transformers ``Cache`` layers)."""

from __future__ import annotations

import torch
from transformers import DynamicLayer


class PreallocatedLayer(DynamicLayer):
    """A KV-cache layer written in place into buffers allocated once, and read up to its length.

    transformers' ``DynamicLayer`` concatenates at every step, re-copying the whole
    cache (65% of a 60-row decode step on this CPU, torch profiler); its
    ``StaticLayer`` writes in place but attends over its whole capacity, filled or
    not, and batched decode attention is bound by reading the cache from memory
    (a third of a step): on the default world's base, whose responses are ~24 of
    the 160 tokens allowed, reading only the filled part made generation ~9% faster.
    """

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = capacity
        self.length = 0

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        super().lazy_initialization(key_states, value_states)
        batch, heads = key_states.shape[:2]
        self._key_buffer = key_states.new_empty(batch, heads, self.capacity, key_states.shape[-1])
        self._value_buffer = value_states.new_empty(batch, heads, self.capacity, value_states.shape[-1])

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: object, **kwargs: object
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if end > self.capacity:
            raise ValueError(f"KV cache full: {end} positions asked of a capacity of {self.capacity}")
        self._key_buffer[:, :, self.length : end] = key_states
        self._value_buffer[:, :, self.length : end] = value_states
        self.length = end
        self._slice()
        return self.keys, self.values

    def _slice(self) -> None:
        self.keys = self._key_buffer[:, :, : self.length]
        self.values = self._value_buffer[:, :, : self.length]

    def get_seq_length(self) -> int:
        return self.length

    def batch_repeat_interleave(self, repeats: int) -> None:
        if self.is_initialized:
            self._key_buffer = self._key_buffer.repeat_interleave(repeats, dim=0)
            self._value_buffer = self._value_buffer.repeat_interleave(repeats, dim=0)
            self._slice()

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self.is_initialized:
            self._key_buffer = self._key_buffer[indices]
            self._value_buffer = self._value_buffer[indices]
            self._slice()

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        self.batch_select_indices(beam_idx)

    def crop(self, tokens_to_remove: int) -> None:
        raise NotImplementedError("the evaluation never crops its cache")


class SharedPrefixLayer(PreallocatedLayer):
    """The prompts' keys and values once each, then every row's own tokens (in place, as above).

    Read by :func:`schemewatch.policy.shared_prefix.shared_prefix_attention`, which
    attends over both; ``keys``/``values`` hold only the rows' own tokens.

    Args:
        prefix_keys: ``(prompts, heads, prompt_length, head_dim)`` from the prefill.
        prefix_values: Same shape.
        prefix_mask: ``(prompts, prompt_length)``, True where a prompt has a token (left padding is False).
        prompt_of_row: ``(rows,)`` which prompt each row samples, rows of a prompt together.
        capacity: The most tokens a row will add.
    """

    def __init__(
        self,
        prefix_keys: torch.Tensor,
        prefix_values: torch.Tensor,
        prefix_mask: torch.Tensor,
        prompt_of_row: torch.Tensor,
        capacity: int,
    ) -> None:
        super().__init__(capacity)
        self.prefix_keys, self.prefix_values = prefix_keys, prefix_values
        self.prefix_mask = prefix_mask.bool()
        self._set_rows(prompt_of_row)

    def _set_rows(self, prompt_of_row: torch.Tensor) -> None:
        self.prompt_of_row = prompt_of_row
        # Each row's place among its prompt's rows (rows of a prompt are adjacent and stay in order).
        starts = torch.searchsorted(prompt_of_row, prompt_of_row)
        self.place_in_prompt = torch.arange(len(prompt_of_row), device=prompt_of_row.device) - starts
        self.rows_per_prompt = int(self.place_in_prompt.max()) + 1 if len(prompt_of_row) else 0

    def get_seq_length(self) -> int:
        return self.prefix_keys.shape[-2] + self.length

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        super().batch_select_indices(indices)
        self._set_rows(self.prompt_of_row[indices])

    def batch_repeat_interleave(self, repeats: int) -> None:
        raise NotImplementedError("rows of a shared-prefix cache are given when it is built")


def cache_keyword(model) -> str:  # noqa: ANN001 - any transformers model
    """The keyword a model's ``forward`` takes its KV cache by: ``cache`` (transformers ≥ 5.2x), else
    ``past_key_values`` (deprecated there, the only one before)."""
    import inspect

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
