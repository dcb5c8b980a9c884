"""Policies: one interface, ``generate(prompts, …) -> texts``, over several backends.

* :class:`LocalCheckpointPolicy` — any local causal-LM directory (transformers).
* :class:`OpenAICompatiblePolicy` — an OpenAI-compatible HTTP endpoint (vLLM, TGI, …).
* :class:`ScriptedPolicy` — canned responses, for tests only.

:class:`ScoresText` is the further interface of a policy that can say how likely a text is (a local checkpoint).
"""

from schemewatch.policy.base import Policy, PolicyError, ScoresText
from schemewatch.policy.scripted import ScriptedPolicy

__all__ = ["Policy", "PolicyError", "ScoresText", "ScriptedPolicy", "LocalCheckpointPolicy", "OpenAICompatiblePolicy"]


def __getattr__(name: str):  # lazy: torch and httpx only when a backend is used
    if name == "LocalCheckpointPolicy":
        from schemewatch.policy.local import LocalCheckpointPolicy

        return LocalCheckpointPolicy
    if name == "OpenAICompatiblePolicy":
        from schemewatch.policy.http import OpenAICompatiblePolicy

        return OpenAICompatiblePolicy
    raise AttributeError(name)
