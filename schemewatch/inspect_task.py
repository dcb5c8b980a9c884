"""Our covert-action suite as an Inspect AI task, so it runs wherever Inspect runs.

``inspect eval schemewatch/covert_actions --model hf/local -M model_path=<checkpoint dir>`` (or any
Inspect provider: vLLM, an API) evaluates a model on our environments: the dataset is the suite's
environments (one sample each, ``samples_per_env`` epochs), the solver sends the prompt (with the
spec as a system message when ``with_spec``) and generates, and the scorer is our grader. Its one
score per sample is a dict (``outcome``, ``covert``, ``cites_spec``, ``eval_aware``, ``good`` and the
environment's identity), so ``schemewatch ingest-inspect`` files the log under the same families
with the same rates as a native evaluation, with no mapping file.

Registered through the ``inspect_ai`` entry point (``schemewatch._inspect_registry``); importing
this module imports inspect-ai, so nothing else in the package imports it.
"""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig
from inspect_ai.scorer import Score, Target, mean, scorer
from inspect_ai.solver import TaskState, generate, system_message

from schemewatch.config import EvaluationConfig
from schemewatch.environments import Environment, build_suite, environment
from schemewatch.grading import GRADER_VERSION, grade
from schemewatch.spec import AGENT_SYSTEM_BASE, system_prompt

#: Version of the task's shape (dataset, solver, score keys); the suite's own version is in each env id.
TASK_VERSION = 1
_DEFAULTS = EvaluationConfig()


def _sample(env: Environment) -> Sample:
    return Sample(id=env.id, input=env.prompt, metadata={"family": env.family, "category": env.category,
                                                          "split": str(env.split)})


def suite_samples(split: str = _DEFAULTS.split, families: str | None = None) -> list[Sample]:
    """The suite's environments of ``split`` (only ``families``, comma-separated, when given) as samples.

    Raises:
        ValueError: a family named in ``families`` is not in the split.
    """
    envs = build_suite(split)
    if families:
        wanted = {f.strip() for f in families.split(",") if f.strip()}
        unknown = wanted - {e.family for e in envs}
        if unknown:
            known = ", ".join(sorted({e.family for e in envs}))
            raise ValueError(f"no family {sorted(unknown)[0]!r} in split {split!r}; families: {known}")
        envs = tuple(e for e in envs if e.family in wanted)
    return [_sample(e) for e in envs]


@scorer(metrics={"covert": [mean()], "cites_spec": [mean()], "eval_aware": [mean()], "good": [mean()]})
def schemewatch() -> object:
    """Our grader as an Inspect scorer: one dict per sample (outcome, flags, the environment's identity)."""

    async def score(state: TaskState, target: Target) -> Score:  # noqa: ARG001 - the grader needs no target
        env = environment(str(state.sample_id))
        g = grade(env, state.output.completion)
        return Score(
            value={"outcome": str(g.outcome), "covert": g.covert, "cites_spec": g.cites_spec,
                   "eval_aware": g.eval_aware, "good": g.good, "cited_principles": ",".join(g.cited_principles),
                   "env_id": env.id, "family": env.family, "category": env.category,
                   "counts_in_aggregate": env.counts_in_aggregate, "grader_version": GRADER_VERSION},
            answer=g.action, explanation=g.reason,
        )

    return score


@task
def covert_actions(split: str = _DEFAULTS.split, families: str | None = None,
                   samples_per_env: int = _DEFAULTS.samples_per_env, with_spec: bool = False,
                   temperature: float = _DEFAULTS.temperature,
                   max_tokens: int = _DEFAULTS.max_new_tokens) -> Task:
    """schemewatch's held-out covert-action environments, graded by our grader.

    Args:
        split: ``eval`` (held out, the default) or ``train``.
        families: Only these families (comma-separated); default every family of the split.
        samples_per_env: Responses per environment (Inspect epochs).
        with_spec: Send the anti-scheming spec as a system message (native evaluations do not).
        temperature: Sampling temperature (as our evaluations use).
        max_tokens: Cap on each response's length.
    """
    solver = [system_message(system_prompt(AGENT_SYSTEM_BASE, with_spec=True))] if with_spec else []
    return Task(
        dataset=MemoryDataset(suite_samples(split, families), name=f"schemewatch-{split}"),
        solver=[*solver, generate()], scorer=schemewatch(), epochs=samples_per_env,
        config=GenerateConfig(temperature=temperature, max_tokens=max_tokens), version=TASK_VERSION,
    )
