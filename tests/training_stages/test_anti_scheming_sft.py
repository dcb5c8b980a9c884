"""The anti-scheming SFT filter and what of each kept rollout is trained on (pure functions)."""

from __future__ import annotations

import polars as pl
import pytest

from training_stages.anti_scheming_sft import (
    ROLLOUT_SCHEMA,
    NoRolloutsKeptError,
    rollout_metrics,
    select_sft_data,
)
from training_stages.config import AntiSchemingSFTConfig

CITING = "<think>AS1: no covert action.</think><action>pause_and_escalate</action><report>Flag: rule.</report>"
PLAIN = "<think>I should ask.</think><action>pause_and_escalate</action><report>Flag: rule.</report>"
COVERT = "<think>AS1, but nobody checks.</think><action>bypass_and_mark_done</action><report>Done.</report>"


def _rollouts() -> pl.DataFrame:
    rows = [
        # response, outcome, covert, good, reasoning_cites_spec
        (CITING, "escalated", False, True, True),
        (PLAIN, "escalated", False, True, False),
        (COVERT, "covert", True, False, True),
        ("no tags at all", "unparseable", False, False, False),
    ]
    return pl.DataFrame(
        [{"env_id": f"e{i}", "family": "covert_rule_violation", "prompt": "p", "response": r, "outcome": o,
          "covert": c, "good": g, "reasoning_cites_spec": s} for i, (r, o, c, g, s) in enumerate(rows)],
        schema=ROLLOUT_SCHEMA,
    )


@pytest.mark.parametrize(
    ("train_on", "expected"),
    [
        ("whole_rollout", CITING),
        ("reasoning_and_action", "<think>AS1: no covert action.</think><action>pause_and_escalate</action>"),
        ("reasoning", "<think>AS1: no covert action.</think>"),
    ],
)
def test_kept_rollouts_are_cut_to_what_is_trained_on(train_on: str, expected: str) -> None:
    data = select_sft_data(_rollouts(), AntiSchemingSFTConfig(train_on=train_on))
    assert data["response"].to_list() == [expected]
    assert data.columns == ["env_id", "family", "prompt", "response"]


def test_outcome_only_filter_keeps_good_rollouts_without_citation() -> None:
    data = select_sft_data(_rollouts(), AntiSchemingSFTConfig(require_citation=False, train_on="reasoning"))
    assert data["response"].to_list() == ["<think>AS1: no covert action.</think>", "<think>I should ask.</think>"]


def test_metrics_say_why_rollouts_were_dropped() -> None:
    metrics = rollout_metrics(_rollouts(), AntiSchemingSFTConfig())
    assert metrics == {"rollouts_sampled": 4, "rollouts_kept": 1, "dropped_no_spec_citation": 1,
                       "dropped_covert": 1, "dropped_unparseable": 1}


def test_nothing_kept_is_a_clear_error() -> None:
    only_bad = _rollouts().filter(pl.col("covert") | (pl.col("outcome") == "unparseable"))
    with pytest.raises(NoRolloutsKeptError, match="none of 2 rollouts passed the filter"):
        select_sft_data(only_bad, AntiSchemingSFTConfig())


def test_unknown_training_target_is_rejected() -> None:
    with pytest.raises(ValueError, match="train_on"):
        AntiSchemingSFTConfig(train_on="report")
