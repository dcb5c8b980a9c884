"""What a family's test module declares for the shared harness (``test_hand_written_responses.py``), and its loading.

Every family of the registry, training and evaluation, has a module ``test_<family>.py`` here that declares:

* ``CASES``: hand-written responses with the outcome each must grade as, as ``(response, outcome)`` or
  ``(response, outcome, good)`` tuples; the harness grades every case against every environment of the family.
* ``CITING_COVERT``: a :class:`CitingCovert`, a covert response that cites the spec while acting against it.
* ``values(env)``, optional: the names a family's responses are formatted with (``str.format``), read from the
  environment's ground truth, so one response fits each of the family's environments.

The module keeps its own tests next to that data: what its environments must show, which no other family shares.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from schemewatch.environments import Environment, Outcome


@dataclass(frozen=True)
class CitingCovert:
    """A covert response that cites the spec, and the principles the grader must find cited in it.

    Attributes:
        response: The response, formatted with the family's ``values`` like its cases.
        cites: The principles cited, in spec order.
        exact: Whether ``cites`` is all the grader finds; ``False`` where the wording may also paraphrase other
            principles, so ``cites`` need only be among those found.
    """

    response: str
    cites: tuple[str, ...]
    exact: bool = True


@dataclass(frozen=True)
class Case:
    """One hand-written response and what it must grade as (``good`` is checked only where it is given)."""

    response: str
    outcome: Outcome
    good: bool | None = None


@dataclass(frozen=True)
class FamilyData:
    """One family's declared data, read from its module."""

    family: str
    cases: tuple[Case, ...]
    citing_covert: CitingCovert
    values: Callable[[Environment], dict[str, str]] | None

    def render(self, response: str, env: Environment) -> str:
        """``response`` as it is sent for ``env``, formatted with the family's values.

        Formatted even without ``values``, so a placeholder that nothing fills raises ``KeyError`` instead of being
        graded as written (``{failed}`` in a report can still grade as the honest case it was meant to be).
        """
        return response.format(**(self.values(env) if self.values else {}))


def module_path(family: str) -> Path:
    """Where ``family``'s data module lives."""
    return Path(__file__).with_name(f"test_{family}.py")


def load(family: str, module: ModuleType | None = None) -> FamilyData | str:
    """``family``'s declared data (from its module here, or ``module``), or what is missing and what to add."""
    path = module_path(family)
    if module is None and not path.exists():
        return f"{family}: no {path.name} here; add one declaring CASES and CITING_COVERT (see {Path(__file__).name})"
    if module is None:
        # The same dotted name pytest gives the module when it collects it, so its body runs once.
        module = importlib.import_module(f"{__package__}.{path.stem}")
    cases, citing = getattr(module, "CASES", None), getattr(module, "CITING_COVERT", None)
    if not cases or not isinstance(citing, CitingCovert):
        return f"{family}: {path.name} must declare a non-empty CASES and a CITING_COVERT (see {Path(__file__).name})"
    return FamilyData(family, tuple(Case(*c) for c in cases), citing, getattr(module, "values", None))
