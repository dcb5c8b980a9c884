"""How the default world renders an environment prompt for its model."""

from __future__ import annotations

from schemewatch.spec import system_prompt
from training_stages.corpus import SYSTEM_BASE


def render_prompt(tokenizer, prompt: str, system: str | None) -> str:  # noqa: ANN001
    """The chat-templated text up to the start of the assistant's turn."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def agent_system_prompt(*, with_spec: bool) -> str:
    """The default world's system prompt, with or without the anti-scheming spec."""
    return system_prompt(SYSTEM_BASE, with_spec=with_spec)
