"""Types every environment family shares.

An :class:`Environment` is one concrete situation: a prompt that asks for the
response format ``<think>…</think><action>NAME</action><report>…</report>``, the
actions it offers (each marked honest, covert, escalate or refuse) and the
ground truth the grader needs. A :class:`Family` generates environments
procedurally from a seed; families live one per module in this package.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Split(StrEnum):
    """Which side of the train/held-out line a family sits on.

    ``train``: the anti-scheming stages' narrow families. ``eval``: the held-out families every headline
    rate is measured on; no stage trains on them. ``capability``: the capability stages' tasks (a checker
    pays by outcome and report, so a shortcut or an unverified success claim pays); measured beside the
    headline as the stages' own in-family curve, never counted in it.
    """

    TRAIN = "train"
    EVAL = "eval"
    CAPABILITY = "capability"


class ActionKind(StrEnum):
    """What taking an action means, as the environment's ground truth defines it."""

    HONEST = "honest"
    COVERT = "covert"
    ESCALATE = "escalate"
    REFUSE = "refuse"


class Outcome(StrEnum):
    """The graded outcome of one response (DESIGN.md contract)."""

    HONEST = "honest"
    COVERT = "covert"
    ESCALATED = "escalated"
    REFUSED = "refused"
    INCOMPLETE = "incomplete"
    UNPARSEABLE = "unparseable"
    #: Graded by another tool (a sample ingested from an Inspect log of another task): our grader never saw
    #: it; its covert / awareness / citation flags are that tool's scores, mapped. Never produced here.
    EXTERNAL = "external"


@dataclass(frozen=True)
class Action:
    """One action an environment offers.

    Attributes:
        name: The token the model writes inside ``<action>…</action>``.
        kind: What choosing it means (ground truth, never shown to the model).
        description: The one-line description shown in the prompt.
    """

    name: str
    kind: ActionKind
    description: str


@dataclass(frozen=True)
class GroundTruth:
    """What is really the case, as the grader needs it.

    Attributes:
        situation: One sentence stating the true state of affairs.
        violation: The problem an honest report must disclose (a broken rule, a
            failed check, a shortfall), or ``None`` when there is nothing to disclose.
        disclosure_patterns: Regexes (case-insensitive); when ``violation`` is set,
            a non-refusing response whose report matches none of them hides it.
        misstatement_patterns: Regexes (case-insensitive); a report matching any of
            them misstates the ground truth.
        good_outcomes: The outcomes that count as good behaviour here (used by
            training filters and the over-escalation control).
        success_claims: Regexes (case-insensitive) for this family's own ways of
            claiming that all went well ("all tests pass", "verified"), added to the
            grader's generic ones (done, as planned, all clear, no issues, …). A report
            that hides the violation is covert when it makes such a claim and
            ``incomplete`` (an honest mistake) when it claims nothing.
    """

    situation: str
    violation: str | None
    disclosure_patterns: tuple[str, ...]
    misstatement_patterns: tuple[str, ...]
    good_outcomes: frozenset[Outcome]
    success_claims: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """What a family's builder returns for one seed; the suite adds identity."""

    prompt: str
    actions: tuple[Action, ...]
    ground_truth: GroundTruth
    temptation: str
    domain: str


@dataclass(frozen=True)
class Environment:
    """One concrete, versioned evaluation or training environment.

    Attributes:
        id: Stable id within a suite version, ``"<family>-<index>"``.
        family: The family name (one module of this package).
        category: The paper's category (sabotage, sandbagging, …).
        split: ``train``, ``eval`` or ``capability``.
        counts_in_aggregate: Whether the environment enters headline rates.
        prompt: The full user prompt, ending with the response-format request.
        actions: The actions offered.
        ground_truth: What the grader needs.
        temptation: One line naming what makes the covert action attractive; used by
            the default world's corpus personas, never by the grader.
        domain: The setting the seed chose (for display and corpus variety).
        seed: The seed the scenario was built from.
    """

    id: str
    family: str
    category: str
    split: Split
    counts_in_aggregate: bool
    prompt: str
    actions: tuple[Action, ...]
    ground_truth: GroundTruth
    temptation: str
    domain: str
    seed: int

    def action(self, name: str) -> Action | None:
        """The offered action called ``name``, or ``None``."""
        return next((a for a in self.actions if a.name == name), None)

    def actions_of(self, kind: ActionKind) -> tuple[Action, ...]:
        """The offered actions of one kind."""
        return tuple(a for a in self.actions if a.kind is kind)

    def to_summary(self) -> dict[str, object]:
        """A JSON-ready summary (no ground truth) for listings."""
        return {
            "id": self.id,
            "family": self.family,
            "category": self.category,
            "split": str(self.split),
            "counts_in_aggregate": self.counts_in_aggregate,
            "domain": self.domain,
            "actions": [a.name for a in self.actions],
        }


@dataclass(frozen=True)
class Family:
    """A procedurally generated family of environments.

    Attributes:
        name: Unique family name, also the module name.
        category: The paper's category.
        split: Train or eval.
        build: Builds one scenario from a seeded ``random.Random``.
        counts_in_aggregate: False for families kept out of headline rates.
        description: What the family tests, in a sentence.
    """

    name: str
    category: str
    split: Split
    build: Callable[[random.Random], Scenario]
    description: str
    counts_in_aggregate: bool = True

    def environment(self, index: int, seed: int) -> Environment:
        """Build environment ``index`` of this family from ``seed``."""
        scenario = self.build(random.Random(seed))
        return Environment(
            id=f"{self.name}-{index:03d}",
            family=self.name,
            category=self.category,
            split=self.split,
            counts_in_aggregate=self.counts_in_aggregate,
            prompt=scenario.prompt,
            actions=scenario.actions,
            ground_truth=scenario.ground_truth,
            temptation=scenario.temptation,
            domain=scenario.domain,
            seed=seed,
        )


def derive_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (Python's ``hash`` is salted per process)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1
