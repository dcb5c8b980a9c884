"""A local transformers checkpoint as a policy: batched, left-padded, KV-cached."""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from transformers import LogitsProcessor, StoppingCriteria

from schemewatch.policy import shared_prefix
from schemewatch.policy.base import PolicyError, prefixes_for
from schemewatch.policy.kv_cache import PreallocatedLayer, SharedPrefixLayer, cache_keyword

# A plain layout for checkpoints whose tokenizer has no chat template.
_PLAIN_LAYOUT = "{system}{prompt}\n"


def sample_inverse_cdf(logits: torch.Tensor, temperature: float, generator: torch.Generator) -> torch.Tensor:
    """One token per row, drawn from ``softmax(logits / temperature)`` by inverse CDF.

    The same distribution as ``torch.multinomial(probs, 1)``, which draws one
    exponential variate per vocabulary entry per row: on this CPU that was 26% of
    a 60-row decode step (torch profiler). Inverse CDF draws one uniform per row.
    The cumulative sum is in float64 so that the tail of a 4k-token vocabulary
    keeps its probability.
    """
    probs = torch.softmax(logits / temperature, dim=-1, dtype=torch.float64)
    cdf = probs.cumsum_(dim=-1)
    u = torch.rand(logits.shape[0], 1, dtype=torch.float64, generator=generator, device=logits.device)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).clamp_(max=logits.shape[-1] - 1).squeeze(1)


def row_positions(mask: torch.Tensor) -> torch.Tensor:
    """Each token's position counted from its row's first real token (left padding at position 0).

    Training (:mod:`training_stages.lm_training`) counts positions this way, so a prompt sampled in a
    left-padded batch sits where it sits alone.
    """
    return (mask.long().cumsum(-1) - 1).clamp(min=0)


class _SampleByInverseCdf(LogitsProcessor):
    """Samples inside ``generate``'s processor chain and leaves only the drawn token.

    ``generate`` then runs greedy: the argmax of a row that is ``-inf`` everywhere
    but the drawn token is that token, so the result is a sample from the model.
    """

    def __init__(self, temperature: float, generator: torch.Generator) -> None:
        self.temperature = temperature
        self.generator = generator

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        drawn = sample_inverse_cdf(scores, self.temperature, self.generator)
        return torch.full_like(scores, float("-inf")).scatter_(1, drawn[:, None], 0.0)


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
        self._name: str | None = None
        self._prepare(batch_size)

    @classmethod
    def from_model(cls, model, tokenizer, *, name: str, batch_size: int = 64) -> LocalCheckpointPolicy:  # noqa: ANN001
        """A policy over a model already in memory (an RL stage samples from the model it trains)."""
        policy = cls.__new__(cls)
        policy.path = Path(name)
        policy._name = name
        policy.model, policy.tokenizer = model, tokenizer
        policy.device = str(next(model.parameters()).device)
        policy._prepare(batch_size)
        return policy

    def _prepare(self, batch_size: int) -> None:
        self.model.to(self.device).eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.batch_size = batch_size
        self._n_layers = self.model.config.get_text_config().num_hidden_layers
        # The prefill only fills the cache; its logits over the vocabulary at every prompt position
        # were a third of a 32-prompt prefill here. Models whose forward cannot skip them compute them.
        accepts = "logits_to_keep" in inspect.signature(self.model.forward).parameters
        self._one_logit = {"logits_to_keep": 1} if accepts else {}
        self._cache_kw = cache_keyword(self.model)
        self._share_prefixes = shared_prefix.supports(self.model)
        if self._share_prefixes:
            shared_prefix.enable(self.model)
        #: Tokens generated for each text of the latest ``generate`` call.
        self.last_token_counts: list[int] = []
        #: The generated token ids of each text of the latest ``generate`` call (up to and including the
        #: end-of-sequence token), so that RL can score exactly what was sampled without re-tokenising.
        self.last_token_ids: list[list[int]] = []

    @property
    def name(self) -> str:
        """The checkpoint's content hash (a copied or re-spelled directory is the same policy)."""
        if self._name is None:
            from schemewatch.checkpoints import local_policy_name

            self._name = local_policy_name(self.path)
        return self._name

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
        response_prefix: str | Sequence[str] = "",
    ) -> list[str]:
        """One sampled response per prompt, in input order (see :class:`Policy`).

        Identical prompts (an evaluation samples each environment several times)
        share one prefill: the prompt is encoded once, as serving engines do with
        prefix caching, and when the model allows it (transformers' attention
        interface) its samples read the prompt's keys and values once per decode
        step (:mod:`schemewatch.policy.shared_prefix`). Rows that end leave the batch.
        """
        prefixes = prefixes_for(prompts, response_prefix)
        texts = [self.render(p, system_prompt, prefix) for p, prefix in zip(prompts, prefixes, strict=True)]
        positions: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            positions.setdefault(text, []).append(i)
        # Batches of unique texts with the same number of copies, similar lengths together.
        by_copies: dict[int, list[str]] = {}
        for text, where in positions.items():
            by_copies.setdefault(len(where), []).append(text)
        out: list[str] = [""] * len(texts)
        counts: list[int] = [0] * len(texts)
        token_ids: list[list[int]] = [[] for _ in texts]
        batch_no = 0
        for copies, group in sorted(by_copies.items()):
            group.sort(key=len)
            per_batch = max(1, self.batch_size // copies)
            for start in range(0, len(group), per_batch):
                batch = group[start : start + per_batch]
                decoded, ids = self._generate_batch(
                    batch, copies, max_new_tokens, temperature, (seed * 1_000_003 + batch_no) % (2**63 - 1)
                )
                batch_no += 1
                for j, text in enumerate(batch):
                    for c, i in enumerate(positions[text]):
                        out[i] = prefixes[i] + decoded[j * copies + c]
                        token_ids[i] = ids[j * copies + c]
                        counts[i] = len(token_ids[i])
        self.last_token_counts = counts
        self.last_token_ids = token_ids
        return out

    def log_likelihood(
        self,
        prompts: Sequence[str],
        continuations: Sequence[str],
        *,
        system_prompt: str | None = None,
        response_prefix: str | Sequence[str] = "",
    ) -> list[float]:
        """The log-probability (nats) of each continuation after its prompt and forced prefix (see
        :class:`~schemewatch.policy.base.ScoresText`).

        The whole text is tokenised as :meth:`generate` would feed it; the continuation's tokens are those
        after the longest token prefix it shares with the text without it (a token that merges across the
        boundary is scored whole).
        """
        if len(continuations) != len(prompts):
            raise ValueError(f"{len(continuations)} continuations for {len(prompts)} prompts; give one per prompt")
        prefixes = prefixes_for(prompts, response_prefix)
        rows: list[tuple[list[int], int]] = []
        for prompt, prefix, continuation in zip(prompts, prefixes, continuations, strict=True):
            context = self.render(prompt, system_prompt, prefix)
            before = self.tokenizer(context, add_special_tokens=False)["input_ids"]
            full = self.tokenizer(context + continuation, add_special_tokens=False)["input_ids"]
            same = [a == b for a, b in zip(before, full, strict=False)]
            shared = same.index(False) if False in same else len(same)
            rows.append((full, max(1, shared)))
        out: list[float] = []
        pad = self.tokenizer.pad_token_id
        for start in range(0, len(rows), self.batch_size):
            batch = rows[start:start + self.batch_size]
            width = max(len(ids) for ids, _ in batch)
            # Padded on the left, so that every row's continuation ends the batch and only the last
            # ``keep`` positions' logits are computed (a vocabulary-wide row per prompt token is what a long
            # prompt would otherwise cost); positions count from each row's first real token, as in training.
            ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids, _ in batch], device=self.device)
            mask = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids, _ in batch], device=self.device)
            positions = row_positions(mask)
            keep = max(len(ids) - first for ids, first in batch) + 1
            kwargs = {"logits_to_keep": keep} if self._one_logit else {}
            with torch.no_grad():
                logits = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=False,
                                    **kwargs).logits
            logits = logits[:, -keep:]
            for row, (full, first) in enumerate(batch):
                n = len(full) - first
                targets = torch.tensor(full[first:], device=self.device)
                logp = logits[row, keep - 1 - n:keep - 1].float().log_softmax(-1)
                out.append(float(logp.gather(-1, targets[:, None]).sum()))
        return out

    def _generate_batch(
        self, texts: list[str], copies: int, max_new_tokens: int, temperature: float, seed: int
    ) -> tuple[list[str], list[list[int]]]:
        from transformers import LogitsProcessorList

        enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        ids, mask = enc["input_ids"], enc["attention_mask"]
        self._check_positions(int(mask.sum(dim=1).max()), max_new_tokens)
        generator = torch.Generator(device=self.device).manual_seed(seed)
        eos = torch.tensor(self.tokenizer.eos_token_id, device=self.device).flatten()
        kwargs = {
            # Greedy over a processor that samples (see _SampleByInverseCdf); temperature 0 is plain greedy.
            "do_sample": False,
            "temperature": None,
            "top_k": None,
            "top_p": None,
            "logits_processor": LogitsProcessorList([_SampleByInverseCdf(temperature, generator)])
            if temperature > 0
            else None,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": self.tokenizer.eos_token_id,
        }
        # Sampling under no_grad, not inference_mode: RL stages reuse these tensors.
        with torch.no_grad():
            cache, sharing = self._decode_cache(ids, mask, copies, max_new_tokens)
            ids, mask = ids.repeat_interleave(copies, 0), mask.repeat_interleave(copies, 0)
            new_tokens = self._decode_in_rounds(ids, mask, cache, sharing, max_new_tokens, eos, kwargs)
        finished = torch.isin(new_tokens, eos)
        # Generated length: up to and including the first end-of-sequence token.
        lengths = torch.where(finished.any(dim=1), finished.int().argmax(dim=1) + 1, new_tokens.shape[1])
        ids = [row[:n] for row, n in zip(new_tokens.tolist(), lengths.tolist(), strict=True)]
        return self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True), ids

    def _check_positions(self, longest_prompt: int, max_new_tokens: int) -> None:
        """Refuse, with the numbers, a prompt a model with learned absolute positions (GPT-2's ``n_positions``)
        cannot hold: past them its position table has no row and torch raises a bare ``IndexError``."""
        limit = getattr(self.model.config, "n_positions", None)
        if limit is not None and longest_prompt + max_new_tokens > limit:
            raise PolicyError(f"{self.name}: a prompt of {longest_prompt} tokens plus {max_new_tokens} new tokens "
                              f"exceeds the model's {limit} positions; use a model with more positions "
                              "(a larger n_positions, or a larger vocabulary so prompts take fewer tokens) or fewer "
                              "new tokens")

    def _decode_cache(self, ids: torch.Tensor, mask: torch.Tensor, copies: int, max_new_tokens: int):  # noqa: ANN202
        """The cache decoding starts from, with the prompts prefilled once; and whether it shares prefixes."""
        from transformers import Cache, DynamicCache

        sharing = copies > 1 and ids.shape[1] > 1 and self._share_prefixes
        if ids.shape[1] > 1:
            # Identical prompts share one prefill: encode each once. Positions count from each row's first real
            # token, as in training and as generate() counts the decode steps (from the mask): without them a
            # row with k pads would sit k positions to the right of where it sits alone.
            prefill = DynamicCache(config=self.model.config)
            self.model(input_ids=ids[:, :-1], attention_mask=mask[:, :-1], position_ids=row_positions(mask[:, :-1]),
                       **{self._cache_kw: prefill}, use_cache=True, **self._one_logit)
        if sharing:
            # ...and their samples read its keys and values once per step (see shared_prefix).
            prompt_of_row = torch.arange(ids.shape[0], device=self.device).repeat_interleave(copies)
            return Cache(layers=[
                SharedPrefixLayer(layer.keys, layer.values, mask[:, :-1], prompt_of_row, max_new_tokens + 1)
                for layer in prefill.layers
            ]), True
        # Decode into a cache allocated once (see kv_cache.PreallocatedLayer), the prefill repeated per sample.
        cache = Cache(layers=[PreallocatedLayer(ids.shape[1] + max_new_tokens) for _ in range(self._n_layers)])
        if ids.shape[1] > 1:
            prefill.batch_repeat_interleave(copies)
            for layer_idx, layer in enumerate(prefill.layers):
                cache.update(layer.keys, layer.values, layer_idx)
        return cache, False

    def _decode_in_rounds(self, ids: torch.Tensor, mask: torch.Tensor, cache, sharing: bool,  # noqa: ANN001
                          max_new_tokens: int, eos: torch.Tensor, kwargs: dict) -> torch.Tensor:
        """The new tokens of every row ([rows, max_new_tokens], padded).

        generate() runs every row until the last one ends; rows that have ended are dropped in rounds,
        each round stopping once half of its rows have, and the next continuing from the same cache.
        """
        from transformers import StoppingCriteriaList

        prompt_length = ids.shape[1]
        new_tokens = torch.full((ids.shape[0], max_new_tokens), self.tokenizer.pad_token_id, device=self.device)
        rows = torch.arange(ids.shape[0], device=self.device)
        while True:
            with shared_prefix.active(cache) if sharing else contextlib.nullcontext(), _no_padding_guess(self.model):
                generated = self.model.generate(
                    input_ids=ids,
                    attention_mask=mask,
                    **{self._cache_kw: cache},
                    max_new_tokens=prompt_length + max_new_tokens - ids.shape[1],
                    stopping_criteria=StoppingCriteriaList([_StopWhenHalfEnded(prompt_length, eos)]),
                    **kwargs,
                )
            produced = generated[:, prompt_length:]
            ended = torch.isin(produced, eos).any(dim=1) | (produced.shape[1] >= max_new_tokens)
            new_tokens[rows[ended], : produced.shape[1]] = produced[ended]
            if bool(ended.all()):
                return new_tokens
            running = (~ended).nonzero().squeeze(1)
            cache.reorder_cache(running)
            rows, ids = rows[running], generated[running]
            mask = torch.cat([mask, mask.new_ones(mask.shape[0], generated.shape[1] - mask.shape[1])], dim=1)
            mask = mask[running]


@contextlib.contextmanager
def _no_padding_guess(model) -> Iterator[None]:  # noqa: ANN001
    """Within generate(): GPT-2 not guessing "padded input" from token values.

    generate() drops an all-ones attention mask, then feeds each row that has ended the pad
    token, which here is EOS; GPT-2's forward sees that token with no mask and warns that the
    input "may be padded". Nothing is padded (the mask said so) and ended rows' outputs are
    discarded, so the guess is switched off for the call; the pad token generate() uses comes
    from the generation kwargs, not from the model config.
    """
    saved = model.config.pad_token_id
    model.config.pad_token_id = None
    try:
        yield
    finally:
        model.config.pad_token_id = saved


class _StopWhenHalfEnded(StoppingCriteria):
    """Ends a ``generate`` round once half of its rows (at least two of them) have ended.

    The caller then drops the ended rows and continues the rest: decoding 60 rows
    until the longest of them ends spent most row-steps on ended rows (on the default
    world's base, responses average 24 tokens and a batch's longest ~55).
    """

    def __init__(self, prompt_length: int, eos: torch.Tensor) -> None:
        self.prompt_length = prompt_length
        self.eos = eos

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs: object) -> torch.BoolTensor:
        ended = torch.isin(input_ids[:, self.prompt_length :], self.eos).any(dim=1)
        count = int(ended.sum())
        return torch.full_like(ended, count >= 2 and 2 * count >= len(ended))
