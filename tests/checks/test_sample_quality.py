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


def test_an_ingested_run_is_checked_against_its_log_header(tmp_path) -> None:
    pytest.importorskip("inspect_ai")
    from checks.sample_quality import validate_ingested_samples
    from schemewatch.inspect_ingest import plan_ingest
    from schemewatch.inspect_logs import ScoreField, ScoreMapping
    from tests.schemewatch.inspect_logs_data import run_task

    plan = plan_ingest([run_task(tmp_path)], mapping=ScoreMapping(covert=ScoreField("as_bool")))
    (run, samples), header = plan.batch[0], next(iter(plan.headers.values()))
    ok = validate_ingested_samples(samples, run.eval_run_id, expected_rows=header.expected_rows, complete=True)
    assert ok.success, ok.summary()
    short = validate_ingested_samples(samples.head(7), run.eval_run_id, expected_rows=10, complete=True)
    assert not short.success and "expect_table_row_count_to_equal on table: observed 7" in short.summary()
    assert validate_ingested_samples(samples.head(7), run.eval_run_id, expected_rows=10, complete=False).success
    damaged = samples.with_columns(pl.when(pl.col("sample_idx") == 0).then(pl.lit("schemed?"))
                                   .otherwise(pl.col("outcome")).alias("outcome"))
    assert "outcome" in validate_ingested_samples(damaged, run.eval_run_id, expected_rows=10, complete=True).summary()
