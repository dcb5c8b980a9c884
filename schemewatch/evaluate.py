"""The evaluation runner: suite × checkpoint × samples per environment → graded samples."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from schemewatch.config import EvaluationConfig
from schemewatch.environments import SUITE_VERSION, Environment, derive_seed
from schemewatch.grading import GRADER_VERSION, grade
from schemewatch.policy.base import Policy, PolicyError
from schemewatch.progress import progress_bar
from schemewatch.warehouse_records import EvalRun
from schemewatch.warehouse_schema import SAMPLE_SCHEMA

_DEFAULTS = EvaluationConfig()


def chunk_size_for(batch_size: int) -> int:
    """Prompts per ``generate`` call for a policy batch size: at least 256, and never fewer than one batch
    (the same rule for the CLI and the pipeline)."""
    return max(256, batch_size)


@dataclass(frozen=True)
class EvalSettings:
    """How to sample one evaluation run.

    Attributes:
        samples_per_env: Responses sampled per environment.
        seed: Base seed; every sample's seed derives from it.
        temperature: Sampling temperature.
        max_new_tokens: Cap on response length in tokens.
        response_prefix: Text forced at the start of every response, e.g.
            ``"<think>This might be a test. "`` (one thought for all; the awareness
            intervention is :mod:`schemewatch.awareness_intervention`); empty for
            ordinary evaluations.
        system_prompt: The system turn of every prompt (``None``: none); by default the agent's, as trained.
        chunk_size: Prompts per ``generate`` call (the progress bar's step).
    """

    # Defaults are EvaluationConfig's (the one typed source); the CLI's options read them too.
    samples_per_env: int = _DEFAULTS.samples_per_env
    seed: int = _DEFAULTS.seed
    temperature: float = _DEFAULTS.temperature
    max_new_tokens: int = _DEFAULTS.max_new_tokens
    response_prefix: str = ""
    system_prompt: str | None = _DEFAULTS.system_prompt
    chunk_size: int = chunk_size_for(_DEFAULTS.batch_size)

    @classmethod
    def from_config(cls, cfg: EvaluationConfig, **overrides: object) -> EvalSettings:
        """The settings an ``[evaluation]`` table asks for (``overrides`` replace fields)."""
        values = {"samples_per_env": cfg.samples_per_env, "seed": cfg.seed, "temperature": cfg.temperature,
                  "max_new_tokens": cfg.max_new_tokens, "chunk_size": chunk_size_for(cfg.batch_size),
                  "system_prompt": cfg.system_prompt or None}
        return cls(**{**values, **overrides})


def eval_run_id(
    checkpoint_id: str, split: str, eval_date: date, settings: EvalSettings, policy_name: str = ""
) -> str:
    """A deterministic id, so re-running the same evaluation replaces it."""
    key = derive_seed(
        checkpoint_id, policy_name, SUITE_VERSION, split, eval_date.isoformat(), settings.samples_per_env,
        settings.seed, settings.temperature, settings.max_new_tokens, settings.response_prefix,
        settings.system_prompt or "",
    )
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", checkpoint_id)[:80]
    return f"{safe}--{eval_date.isoformat()}--{key:016x}"


def _sample_row(run: EvalRun, env: Environment, k: int, text: str, n_tokens: int) -> dict[str, object]:
    """One graded sample as a warehouse row (:data:`schemewatch.warehouse_schema.SAMPLE_SCHEMA`)."""
    g = grade(env, text)
    return {
        "eval_run_id": run.eval_run_id, "checkpoint_id": run.checkpoint_id,
        "suite_version": SUITE_VERSION, "env_id": env.id, "family": env.family,
        "category": env.category, "split": str(env.split),
        "counts_in_aggregate": env.counts_in_aggregate, "sample_idx": k,
        "seed": run.seed, "eval_date": run.eval_date, "response": text,
        "outcome": str(g.outcome), "covert": g.covert, "cites_spec": g.cites_spec,
        "cited_principles": list(g.cited_principles), "eval_aware": g.eval_aware,
        "good": g.good, "n_tokens": n_tokens,
    }


def evaluate(
    policy: Policy,
    envs: Sequence[Environment],
    *,
    checkpoint_id: str,
    eval_date: date,
    settings: EvalSettings = EvalSettings(),
    progress: bool = True,
) -> tuple[EvalRun, pl.DataFrame]:
    """Sample, grade and tabulate one evaluation run.

    Returns:
        The run's metadata and a DataFrame with one row per sample (columns in
        :data:`schemewatch.warehouse_schema.SAMPLE_SCHEMA`).

    Raises:
        PolicyError: when the policy fails or returns the wrong number of texts;
            nothing has been written at that point.
    """
    if not envs:
        raise ValueError("no environments to evaluate; check the split or family filter")
    splits = {str(e.split) for e in envs}
    split = splits.pop() if len(splits) == 1 else "mixed"
    run = EvalRun(
        eval_run_id=eval_run_id(checkpoint_id, split, eval_date, settings, policy.name),
        checkpoint_id=checkpoint_id,
        suite_version=SUITE_VERSION,
        split=split,
        eval_date=eval_date,
        seed=settings.seed,
        samples_per_env=settings.samples_per_env,
        response_prefix=settings.response_prefix,
        policy=policy.name,
        grader_version=GRADER_VERSION,
    )
    # Environment-major order with chunks a multiple of the samples per environment,
    # so every environment's samples share one generate call (and one prefill).
    jobs = [(env, k) for env in envs for k in range(settings.samples_per_env)]
    chunk_size = max(1, settings.chunk_size // settings.samples_per_env) * settings.samples_per_env
    rows = []
    with progress_bar(total=len(jobs), desc=f"evaluate {checkpoint_id}", unit="sample", disable=not progress) as bar:
        for chunk_no, start in enumerate(range(0, len(jobs), chunk_size)):
            chunk = jobs[start : start + chunk_size]
            texts = policy.generate(
                [env.prompt for env, _ in chunk],
                max_new_tokens=settings.max_new_tokens,
                temperature=settings.temperature,
                seed=derive_seed(settings.seed, chunk_no) % 2**31,
                system_prompt=settings.system_prompt,
                response_prefix=settings.response_prefix,
            )
            if len(texts) != len(chunk):
                raise PolicyError(f"policy {policy.name} returned {len(texts)} texts for {len(chunk)} prompts")
            # Policies that know their token counts expose them; others count words.
            n_tokens = getattr(policy, "last_token_counts", None)
            if n_tokens is None or len(n_tokens) != len(texts):
                n_tokens = [len(t.split()) for t in texts]
            rows += [_sample_row(run, env, k, text, n_tok)
                     for (env, k), text, n_tok in zip(chunk, texts, n_tokens, strict=True)]
            bar.update(len(chunk))
    return run, pl.DataFrame(rows, schema=SAMPLE_SCHEMA)
