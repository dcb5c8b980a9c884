"""A local transformers checkpoint as a policy: batched, left-padded, KV-cached."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from schemewatch.policy.base import PolicyError

# A plain layout for checkpoints whose tokenizer has no chat template.
_PLAIN_LAYOUT = "{system}{prompt}\n"


class LocalCheckpointPolicy:
    """Samples from any causal-LM directory that ``transformers`` can load.

    Prompts are sorted by length and generated in batches with left padding and
    the KV cache; sampling is seeded per batch, so the same prompts, settings and
    seed give the same texts. The tokenizer's chat template is used when it has one.

    Args:
        path: A directory written by ``save_pretrained`` (safetensors weights).
        batch_size: Prompts per forward batch.
        device: Torch device string; ``None`` picks CUDA when available.
    """

    def __init__(self, path: str | Path, *, batch_size: int = 64, device: str | None = None) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.path = Path(path)
        if not self.path.is_dir():
            raise PolicyError(f"checkpoint directory {str(self.path)!r} does not exist")
        if not (self.path / "config.json").is_file():
            raise PolicyError(
                f"{str(self.path)!r} is not a model checkpoint (no config.json); "
                "pass a directory written by save_pretrained"
            )
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        from safetensors import SafetensorError

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path)
            self.model = AutoModelForCausalLM.from_pretrained(self.path, use_safetensors=True)
        except (OSError, ValueError, json.JSONDecodeError, SafetensorError) as exc:
            raise PolicyError(
                f"cannot load checkpoint {str(self.path)!r}: {str(exc).splitlines()[0]}; "
                "re-create it (e.g. `schemewatch train`) or point at another directory"
            ) from None
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.batch_size = batch_size
        #: Tokens generated for each text of the latest ``generate`` call.
        self.last_token_counts: list[int] = []

    @property
    def name(self) -> str:
        return str(self.path)

    def render(self, prompt: str, system_prompt: str | None, response_prefix: str) -> str:
        """The exact text fed to the model for one prompt."""
        if getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
            messages.append({"role": "user", "content": prompt})
            text = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True
            )
        else:
            system = f"{system_prompt}\n\n" if system_prompt else ""
            text = _PLAIN_LAYOUT.format(system=system, prompt=prompt)
        return text + response_prefix

    def generate(
        self,
        prompts: Sequence[str],
        *,
        max_new_tokens: int = 128,
        temperature: float = 1.0,
        seed: int = 0,
        system_prompt: str | None = None,
        response_prefix: str = "",
    ) -> list[str]:
        """One sampled response per prompt, in input order (see :class:`Policy`).

        Identical prompts (an evaluation samples each environment several times)
        share one prefill: the prompt is encoded once and its KV cache repeated
        for each sample, as serving engines do with prefix caching.
        """
        texts = [self.render(p, system_prompt, response_prefix) for p in prompts]
        positions: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            positions.setdefault(text, []).append(i)
        # Batches of unique texts with the same number of copies, similar lengths together.
        by_copies: dict[int, list[str]] = {}
        for text, where in positions.items():
            by_copies.setdefault(len(where), []).append(text)
        out: list[str] = [""] * len(texts)
        counts: list[int] = [0] * len(texts)
        batch_no = 0
        for copies, group in sorted(by_copies.items()):
            group.sort(key=len)
            per_batch = max(1, self.batch_size // copies)
            for start in range(0, len(group), per_batch):
                batch = group[start : start + per_batch]
                decoded, lengths = self._generate_batch(
                    batch, copies, max_new_tokens, temperature, (seed * 1_000_003 + batch_no) % (2**63 - 1)
                )
                batch_no += 1
                for j, text in enumerate(batch):
                    for c, i in enumerate(positions[text]):
                        out[i] = response_prefix + decoded[j * copies + c]
                        counts[i] = lengths[j * copies + c]
        self.last_token_counts = counts
        return out

    def _generate_batch(
        self, texts: list[str], copies: int, max_new_tokens: int, temperature: float, seed: int
    ) -> tuple[list[str], list[int]]:
        import torch
        from transformers import DynamicCache, StaticCache

        enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        ids, mask = enc["input_ids"], enc["attention_mask"]
        sampling = temperature > 0
        kwargs = {
            "do_sample": sampling,
            "temperature": temperature if sampling else None,
            "top_k": 0 if sampling else None,
            "top_p": 1.0 if sampling else None,
            "max_new_tokens": max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": self.tokenizer.eos_token_id,
        }
        # Sampling under no_grad, not inference_mode: RL stages reuse these tensors.
        with torch.no_grad():
            if ids.shape[1] > 1:
                # Identical prompts share one prefill: encode each once, repeat its KV cache per sample.
                prefill = DynamicCache(config=self.model.config)
                self.model(input_ids=ids[:, :-1], attention_mask=mask[:, :-1], past_key_values=prefill,
                           use_cache=True)
                prefill.batch_repeat_interleave(copies)
                ids, mask = ids.repeat_interleave(copies, 0), mask.repeat_interleave(copies, 0)
                # Decode into a preallocated cache: a growing one re-copies every layer's keys and values
                # at each step, which was 65% of a 60-row decode step on this CPU (torch profiler).
                cache = StaticCache(config=self.model.config, max_cache_len=ids.shape[1] + max_new_tokens)
                for layer_idx, layer in enumerate(prefill.layers):
                    cache.update(layer.keys, layer.values, layer_idx)
                kwargs["past_key_values"] = cache
            torch.manual_seed(seed)
            generated = self.model.generate(input_ids=ids, attention_mask=mask, **kwargs)
        new_tokens = generated[:, ids.shape[1] :]
        finished = new_tokens == self.tokenizer.eos_token_id
        # Generated length: up to and including the first end-of-sequence token.
        lengths = torch.where(finished.any(dim=1), finished.int().argmax(dim=1) + 1, new_tokens.shape[1])
        return self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True), lengths.tolist()
