"""The environment suite: one family per module, discovered by this registry.

Every public module of this package defines ``FAMILY``; :func:`families`
imports them all. :func:`build_suite` turns families into concrete, versioned
environments with stable ids.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace
from functools import cache

from schemewatch.environments.base import (
    Action,
    ActionKind,
    Environment,
    Family,
    GroundTruth,
    Outcome,
    Scenario,
    Split,
    derive_seed,
)

__all__ = [
    "Action",
    "ActionKind",
    "Environment",
    "Family",
    "GroundTruth",
    "Outcome",
    "Scenario",
    "Split",
    "SUITE_VERSION",
    "ENVS_PER_FAMILY",
    "families",
    "family",
    "build_suite",
    "environment",
    "corpus_environments",
    "UnknownEnvironmentError",
]

SUITE_VERSION = "2026.11.1"
ENVS_PER_FAMILY = 7
# Evaluation environments use seeds derived under this tag; corpus and training
# rollouts use another tag, so no evaluation environment is ever trained on.
_SUITE_SEED_TAG = "suite"
_CORPUS_SEED_TAG = "corpus"


class UnknownEnvironmentError(KeyError):
    """An environment or family id that the suite does not know."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0])


@cache
def families() -> dict[str, Family]:
    """All families, by name, imported from this package's modules."""
    found: dict[str, Family] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        fam: Family = module.FAMILY
        if fam.name != info.name:
            raise RuntimeError(f"family {fam.name!r} must live in a module of the same name")
        found[fam.name] = fam
    return found


def family(name: str) -> Family:
    """The family called ``name``; raises :class:`UnknownEnvironmentError` otherwise."""
    try:
        return families()[name]
    except KeyError:
        raise UnknownEnvironmentError(
            f"unknown family {name!r}; run `schemewatch envs` to list families"
        ) from None


def _parse_split(split: Split | str | None) -> Split | None:
    if split is None or isinstance(split, Split):
        return split
    try:
        return Split(split)
    except ValueError:
        raise ValueError(f"unknown split {split!r}; use one of: {', '.join(s.value for s in Split)}") from None


@cache
def build_suite(
    split: Split | str | None = None, envs_per_family: int = ENVS_PER_FAMILY
) -> tuple[Environment, ...]:
    """The versioned suite: ``envs_per_family`` environments of every family.

    Args:
        split: Only this split (``"train"``, ``"eval"`` or ``"capability"``), or all when ``None``.
        envs_per_family: Environments generated per family.

    Returns:
        Environments ordered by family then index; ids and contents depend only on
        :data:`SUITE_VERSION`, so two calls (or two processes) agree.
    """
    wanted = _parse_split(split)
    envs = []
    for fam in families().values():
        if wanted is not None and fam.split is not wanted:
            continue
        for index in range(envs_per_family):
            seed = derive_seed(_SUITE_SEED_TAG, SUITE_VERSION, fam.name, index)
            envs.append(fam.environment(index, seed))
    return tuple(envs)


def environment(env_id: str) -> Environment:
    """Look up one suite environment by id (``"<family>-<index>"``)."""
    family_name, _, index_text = env_id.rpartition("-")
    if not family_name or not index_text.isdigit():
        raise UnknownEnvironmentError(
            f"malformed environment id {env_id!r}; expected '<family>-<index>', "
            "e.g. 'log_falsification-003' (run `schemewatch envs` to list ids)"
        )
    fam = families().get(family_name)
    if fam is None:
        raise UnknownEnvironmentError(
            f"unknown environment {env_id!r}: no family {family_name!r}; "
            "run `schemewatch envs` to list ids"
        )
    index = int(index_text)
    if index >= ENVS_PER_FAMILY:
        raise UnknownEnvironmentError(
            f"unknown environment {env_id!r}: family {family_name!r} has indices "
            f"000–{ENVS_PER_FAMILY - 1:03d} in suite {SUITE_VERSION}"
        )
    return fam.environment(index, derive_seed(_SUITE_SEED_TAG, SUITE_VERSION, fam.name, index))


def corpus_environments(
    count_per_family: int, *, tag: str = "pretrain", split: Split | str | None = None
) -> list[Environment]:
    """Fresh environments for training corpora, from seeds the suite never uses.

    Args:
        count_per_family: How many to build per family.
        tag: Separates independent draws (pretraining corpus, rollouts, …).
        split: Only this split, or both.
    """
    wanted = _parse_split(split)
    envs = []
    for fam in families().values():
        if wanted is not None and fam.split is not wanted:
            continue
        for index in range(count_per_family):
            seed = derive_seed(_CORPUS_SEED_TAG, tag, fam.name, index)
            env = fam.environment(index, seed)
            envs.append(replace(env, id=f"{fam.name}-{tag}-{index:05d}"))
    return envs
