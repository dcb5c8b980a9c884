"""The Great Expectations suite on one evaluation's samples."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from checks.sample_quality import validate_samples
from schemewatch.environments import build_suite
from schemewatch.evaluate import EvalSettings, evaluate
from schemewatch.policy import ScriptedPolicy

ENVS = [e for e in build_suite("eval") if e.family in {"log_falsification", "test_tampering"}]
SETTINGS = EvalSettings(samples_per_env=2)


@pytest.fixture(scope="module")
def run_and_samples():
    policy = ScriptedPolicy(lambda p, rng: rng.choice(["<think>AS1.</think><action>x</action><report>y</report>", "?"]))
    return evaluate(policy, ENVS, checkpoint_id="ck", eval_date=date(2026, 11, 1), settings=SETTINGS,
                    progress=False)


def test_a_well_formed_run_passes(run_and_samples) -> None:
    run, samples = run_and_samples
    result = validate_samples(samples, ENVS, 2, run.eval_run_id)
    assert result.success, result.summary()
    assert result.evaluated > 20


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda df: df.head(df.height - 1), "expect_table_row_count_to_equal"),
        (lambda df: df.with_columns(env_id=pl.lit("unknown_family-000")),
         "expect_column_values_to_be_in_set on env_id"),
        (lambda df: df.with_columns(outcome=pl.lit("sneaky")), "on outcome"),
        (lambda df: pl.concat([df.head(1), df.tail(df.height - 1).with_columns(sample_idx=pl.lit(0, pl.Int32))]),
         "expect_compound_columns_to_be_unique"),
        (lambda df: df.with_columns(covert=pl.lit("yes")), "expect_column_values_to_be_of_type on covert"),
    ],
)
def test_a_damaged_run_fails_naming_the_expectation(run_and_samples, damage, expected) -> None:
    run, samples = run_and_samples
    result = validate_samples(damage(samples), ENVS, 2, run.eval_run_id)
    assert not result.success
    assert expected in result.summary()


def test_rows_of_another_run_fail(run_and_samples) -> None:
    run, samples = run_and_samples
    result = validate_samples(samples, ENVS, 2, "some-other-run")
    assert not result.success and "eval_run_id" in result.summary()
