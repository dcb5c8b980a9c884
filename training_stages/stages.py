"""The registry of training stages, in chain order: the one place a stage is listed.

The chain (:func:`training_stages.chain.plan_chain`), the Dagster training assets,
the stage names a config may name (drift references, stages the alert rules skip)
and the aliases all come from :data:`STAGES`. Adding a stage is one module ending
in ``STAGE = TrainingStage(...)`` (see :mod:`training_stages.stage_spec`) and one
line here; its parent is the stage planned before it.
"""

from __future__ import annotations

from training_stages import anti_scheming_rl, anti_scheming_sft, base, capability
from training_stages.stage_spec import TrainingStage

STAGES: tuple[TrainingStage, ...] = (base.STAGE, anti_scheming_sft.STAGE, anti_scheming_rl.STAGE, capability.STAGE)


def check_registry(stages: tuple[TrainingStage, ...]) -> None:
    """Names unique; at most one repeated stage, and it comes last (its repetitions end the chain).

    Raises:
        ValueError: the registry breaks one of these rules (named).
    """
    names = [s.name for s in stages]
    if len(set(names)) != len(names):
        raise ValueError(f"training stage names must be unique, got {names}")
    repeated = [i for i, s in enumerate(stages) if s.repeated]
    if repeated and repeated != [len(stages) - 1]:
        raise ValueError("only the last registered training stage may be repeated")


def is_stage_name(name: str) -> bool:
    """Whether ``name`` is a stage the registry can plan (a repeated stage as ``<name>-<k>``, k ≥ 1)."""
    for stage in STAGES:
        if not stage.repeated and name == stage.name:
            return True
        prefix, _, k = name.rpartition("-")
        if stage.repeated and prefix == stage.name and k.isdigit() and int(k) >= 1:
            return True
    return False


check_registry(STAGES)
