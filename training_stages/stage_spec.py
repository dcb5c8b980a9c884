"""What a training stage declares, so that the chain, the Dagster assets and the aliases
come from one list (:data:`training_stages.stages.STAGES`) instead of being spelled out
in each of them.

A stage is one module that ends with ``STAGE = TrainingStage(...)``: its name, which
config section holds its settings, how many times a config plans it, and a function
that trains it from its parent. The parent rule is the same for every stage: the
previous stage the config plans, in registry order (base → as-sft → as-rl → cap-1 …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from training_stages.config import WorldConfig


@dataclass
class StageResult:
    """What a stage hands back: the trained model, its tokenizer and summary metrics."""

    model: Any
    tokenizer: Any
    metrics: dict[str, float]


@dataclass(frozen=True)
class StageRequest:
    """Everything a stage's train function gets.

    Attributes:
        cfg: The world config.
        start: The parent checkpoint's directory (``None`` for the first stage).
        number: Which repetition of a repeated stage (``cap-2`` → 2); 1 otherwise.
        on_step: ``(step, metrics)`` per optimiser step, for MLflow.
        sft_data: Data selected earlier by the Dagster assets (as-sft), else ``None``.
    """

    cfg: WorldConfig
    start: Path | None
    number: int = 1
    on_step: Callable[[int, dict[str, float]], None] | None = None
    sft_data: pl.DataFrame | None = None

    def supervised_step(self, step: int, loss: float, learning_rate: float) -> None:
        """An ``on_step`` for the supervised loops, which report (step, loss, lr)."""
        if self.on_step is not None:
            self.on_step(step, {"loss": loss, "learning_rate": learning_rate})


@dataclass(frozen=True)
class TrainingStage:
    """One kind of training stage, as the registry knows it.

    Attributes:
        name: The stage's name; for a repeated stage, the prefix (``cap`` → ``cap-1``, ``cap-2`` …).
        section: The :class:`~training_stages.config.WorldConfig` field holding its settings.
        asset: Its Dagster asset's name (``{k}`` is the repetition for a repeated stage).
        description: One line for the asset.
        train: Trains it from ``request.start``.
        planned: How many times ``cfg`` plans it (0: left out, e.g. as-sft in the control chain).
        repeated: Named ``<name>-<k>`` and planned ``planned(cfg)`` times; continual training adds one more.
        id_exclude: Settings of the section left out of the checkpoint id (they do not change the weights,
            or count the repetitions).
    """

    name: str
    section: str
    asset: str
    description: str
    train: Callable[[StageRequest], StageResult]
    planned: Callable[[WorldConfig], int] = lambda cfg: 1
    repeated: bool = False
    id_exclude: frozenset[str] = field(default_factory=frozenset)

    def instance(self, k: int = 1) -> str:
        """The stage name of repetition ``k`` (the plain name for a stage that is not repeated)."""
        return f"{self.name}-{k}" if self.repeated else self.name

    def asset_name(self, k: int = 1) -> str:
        """Its Dagster asset's name for repetition ``k``."""
        return self.asset.format(k=k)

    def id_config(self, cfg: WorldConfig) -> dict:
        """The settings its checkpoint id derives from (unset optional ones left out, so adding one keeps ids)."""
        section = getattr(cfg, self.section)
        return section.model_dump(mode="json", exclude=set(self.id_exclude), exclude_none=True)
