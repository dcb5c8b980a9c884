"""The one interface every policy shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


def prefixes_for(prompts: Sequence[str], response_prefix: str | Sequence[str]) -> list[str]:
    """The forced prefix of each prompt: one text for all, or one per prompt (checked)."""
    if isinstance(response_prefix, str):
        return [response_prefix] * len(prompts)
    prefixes = list(response_prefix)
    if len(prefixes) != len(prompts):
        raise ValueError(f"{len(prefixes)} response prefixes for {len(prompts)} prompts; give one per prompt")
    return prefixes


class PolicyError(RuntimeError):
    """A policy cannot produce text: unreachable endpoint, missing checkpoint, …

    The message says what was wrong and what to do; callers show it as is.
    """


@runtime_checkable
class Policy(Protocol):
    """Something that turns prompts into response texts.

    ``prompts`` are user prompts; a policy may wrap each in a system prompt or a
    chat template. Implementations must return exactly one text per prompt, in
    order, and must be deterministic for a given ``seed`` where the backend
    allows it.
    """

    @property
    def name(self) -> str:
        """A short identifier of the model behind the policy (path, URL + model)."""
        ...

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
        """Generate one response per prompt.

        Args:
            prompts: The user prompts.
            max_new_tokens: Upper bound on generated tokens per response.
            temperature: Sampling temperature; 0 means greedy.
            seed: Seed for sampling.
            system_prompt: Optional system prompt (e.g. the spec) for every prompt.
            response_prefix: Text forced at the start of every response (e.g.
                ``"<think>This might be a test."``), or one such text per prompt (the
                awareness intervention continues each response from its own cut); it is
                included at the start of each returned text.
        """
        ...


@runtime_checkable
class ScoresText(Protocol):
    """A policy that can also say how likely a text is (a local checkpoint can; a chat endpoint, in general,
    cannot). The awareness intervention's control uses it to match its neutral sentence to the awareness
    sentence on the model's own surprise."""

    def log_likelihood(
        self,
        prompts: Sequence[str],
        continuations: Sequence[str],
        *,
        system_prompt: str | None = None,
        response_prefix: str | Sequence[str] = "",
    ) -> list[float]:
        """The log-probability (nats) of each continuation right after its prompt and forced response prefix.

        Args:
            prompts: The user prompts, one per continuation.
            continuations: The texts to score.
            system_prompt: As in :meth:`Policy.generate`.
            response_prefix: The response text before each continuation (one for all, or one per prompt).
        """
        ...
