"""A policy served over an OpenAI-compatible chat-completions endpoint (vLLM, TGI, …)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from schemewatch.policy.base import PolicyError, prefixes_for

API_KEY_ENV = "SCHEMEWATCH_API_KEY"
_HINT = "is the server running? check --endpoint / SCHEMEWATCH_API_KEY"


def _server_message(response: httpx.Response, limit: int = 300) -> str:
    """The server's error message from a failed response, truncated to ``limit`` chars."""
    try:
        body = response.json()
        error = body.get("error", body.get("detail", body)) if isinstance(body, dict) else body
        text = error.get("message", str(error)) if isinstance(error, dict) else str(error)
    except ValueError:
        text = response.text
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "…"


class OpenAICompatiblePolicy:
    """Generates responses with ``POST {base_url}/chat/completions``.

    Args:
        base_url: Endpoint root including the version, e.g. ``http://localhost:8000/v1``.
        model: Model name the server knows the model by.
        api_key: Bearer token; defaults to the ``SCHEMEWATCH_API_KEY`` environment
            variable, and no ``Authorization`` header is sent when neither is set.
        max_concurrency: Most requests in flight at once.
        timeout_s: Timeout of each HTTP operation (connect, read, write), in seconds.
        max_retries: Retries after the first attempt on connection errors,
            timeouts, 429 and 5xx responses.
        backoff_s: Base delay of the exponential backoff between retries, in seconds.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        max_concurrency: int = 8,
        timeout_s: float = 60.0,
        max_retries: int = 4,
        backoff_s: float = 0.5,
    ) -> None:
        if max_concurrency < 1 or max_retries < 0:
            raise ValueError("max_concurrency must be >= 1 and max_retries >= 0")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        self.max_concurrency = max_concurrency
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s

    @property
    def name(self) -> str:
        return f"{self.model}@{self.base_url}"

    def __repr__(self) -> str:  # explicit so the API key can never end up in a log
        return f"OpenAICompatiblePolicy({self.name!r})"

    def _client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        limits = httpx.Limits(max_connections=self.max_concurrency)
        return httpx.Client(headers=headers, timeout=self.timeout_s, limits=limits)

    def check(self) -> None:
        """Makes one ``GET {base_url}/models`` request, without retries.

        Raises:
            PolicyError: The endpoint is unreachable or answers with an error status.
        """
        url = f"{self.base_url}/models"
        try:
            with self._client() as client:
                response = client.get(url)
        except httpx.TransportError as exc:
            raise PolicyError(f"Cannot reach {url} ({exc!r}); {_HINT}.") from exc
        if response.status_code >= 400:
            raise PolicyError(
                f"{url} answered {response.status_code}: {_server_message(response)}; {_HINT}."
            )

    def check_continuation(self) -> None:
        """Asks the server once to continue a final assistant message (vLLM's ``continue_final_message``).

        The awareness intervention needs it: each response is resampled from a cut inside its own
        reasoning. A server that rejects the request (OpenAI's API answers 400 to the unknown field)
        cannot run it. A server that silently ignores unknown fields cannot be told apart by one
        request; use one that documents ``continue_final_message`` (vLLM ≥ 0.6.4, SGLang).

        Raises:
            PolicyError: The server is unreachable or rejects continuation.
        """
        url = f"{self.base_url}/chat/completions"
        body = {
            "model": self.model, "max_tokens": 1, "temperature": 0.0, "n": 1,
            "messages": [{"role": "user", "content": "Count on: 1, 2, 3"},
                         {"role": "assistant", "content": "4, 5,"}],
            "continue_final_message": True, "add_generation_prompt": False,
        }
        try:
            with self._client() as client:
                response = client.post(url, json=body)
        except httpx.TransportError as exc:
            raise PolicyError(f"Cannot reach {url} ({exc!r}); {_HINT}.") from exc
        if response.status_code >= 400:
            raise PolicyError(
                f"{url} cannot continue a partial response (continue_final_message, answered "
                f"{response.status_code}: {_server_message(response, 160)}); the awareness intervention needs a "
                "server that supports it, e.g. vLLM"
            )

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
        """Generates one response per prompt, in input order (see ``Policy.generate``).

        Raises:
            PolicyError: Any prompt failed after retries, was rejected (4xx), or got a
                malformed response; no partial results are returned.
        """
        if not prompts:
            return []
        prefixes = prefixes_for(prompts, response_prefix)
        bodies = []
        for i, (prompt, prefix) in enumerate(zip(prompts, prefixes, strict=True)):
            messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
            messages.append({"role": "user", "content": prompt})
            body: dict[str, Any] = {
                "model": self.model,
                "messages": messages,
                "temperature": temperature,
                "max_tokens": max_new_tokens,
                "seed": seed + i,
                "n": 1,
            }
            if prefix:
                # vLLM's extension: continue the assistant turn instead of starting a new one.
                messages.append({"role": "assistant", "content": prefix})
                body.update(continue_final_message=True, add_generation_prompt=False)
            bodies.append(body)

        with self._client() as client:
            pool = ThreadPoolExecutor(max_workers=self.max_concurrency)
            try:
                completions = list(pool.map(lambda b: self._complete(client, b), bodies))
            finally:
                # After a failure, queued prompts are dropped rather than sent for nothing.
                pool.shutdown(wait=True, cancel_futures=True)
        return [prefix + text for prefix, text in zip(prefixes, completions, strict=True)]

    def _complete(self, client: httpx.Client, body: dict[str, Any]) -> str:
        """Posts one chat completion with retries and returns the message content."""
        url = f"{self.base_url}/chat/completions"
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = client.post(url, json=body)
            except httpx.TransportError as exc:
                if last:
                    raise PolicyError(
                        f"Cannot reach {url} after {attempt + 1} attempts ({exc!r}); {_HINT}."
                    ) from exc
            else:
                status = response.status_code
                if status < 400:
                    return self._parse(url, response)
                if status != 429 and status < 500:
                    raise PolicyError(
                        f"{url} rejected the request with {status}: {_server_message(response)}"
                    )
                if last:
                    raise PolicyError(
                        f"{url} answered {status} after {attempt + 1} attempts: "
                        f"{_server_message(response)}"
                    )
            # Jitter keeps concurrent workers from retrying in lockstep.
            time.sleep(self.backoff_s * 2**attempt * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    @staticmethod
    def _parse(url: str, response: httpx.Response) -> str:
        """The first choice's message content, or PolicyError if the body is not one."""
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise PolicyError(
                f"{url} returned a malformed chat completion: {response.text[:200]!r}"
            ) from exc
        if not isinstance(content, str):
            raise PolicyError(f"{url} returned a completion without text content: {content!r}")
        return content
