"""A scripted policy, for tests only: it returns texts a test wrote.

It exists so the evaluation runner, the warehouse and the orchestration can be
tested without a model. Nothing in the product uses it to produce rates.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from schemewatch.policy.base import prefixes_for


class ScriptedPolicy:
    """Answers each prompt with ``respond(prompt, rng)``.

    Args:
        respond: Returns the response text for one prompt; ``rng`` is seeded from
            the call's seed and the prompt's position, so runs are reproducible.
        name: Identifier reported as the policy name.
    """

    def __init__(self, respond: Callable[[str, random.Random], str], name: str = "scripted") -> None:
        self._respond = respond
        self._name = name
        self.calls = 0

    @property
    def name(self) -> str:
        return self._name

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
        self.calls += 1
        prefixes = prefixes_for(prompts, response_prefix)
        return [
            prefix + self._respond(p, random.Random(seed * 1_000_003 + i))
            for i, (p, prefix) in enumerate(zip(prompts, prefixes, strict=True))
        ]
