"""Data quality of one evaluation's samples: a Great Expectations suite.

What a downstream monitor relies on before it reads a rate: the columns have
their types, categorical columns hold known values, the row count is
environments × samples, every environment id belongs to the suite version, and
the rates computed from the rows are proportions. Plain Python over GX (no
Dagster), so it is testable alone; ``checks.evaluation_checks`` wraps it as a
blocking asset check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl

from schemewatch.environments import Environment
from schemewatch.grading import Outcome

# GX checks types against pandas dtypes; polars → pandas gives these.
_EXPECTED_TYPES = {
    "eval_run_id": "object", "checkpoint_id": "object", "env_id": "object", "family": "object",
    "sample_idx": "int32", "seed": "int64", "response": "object", "outcome": "object",
    "covert": "bool", "cites_spec": "bool", "eval_aware": "bool", "n_tokens": "int32",
}


@dataclass(frozen=True)
class SampleValidation:
    """The suite's verdict: success, and one line per failed expectation."""

    success: bool
    evaluated: int
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for logs and check metadata."""
        if self.success:
            return f"all {self.evaluated} expectations met"
        return f"{len(self.failures)} of {self.evaluated} expectations failed: " + "; ".join(self.failures)


def _suite(envs: Sequence[Environment], samples_per_env: int, eval_run_id: str):  # noqa: ANN202 - gx type
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name="evaluation_samples")
    suite.add_expectation(gxe.ExpectTableRowCountToEqual(value=len(envs) * samples_per_env))
    for column, type_ in _EXPECTED_TYPES.items():
        suite.add_expectation(gxe.ExpectColumnToExist(column=column))
        suite.add_expectation(gxe.ExpectColumnValuesToBeOfType(column=column, type_=type_))
    for column in ("eval_run_id", "checkpoint_id", "env_id", "response", "outcome"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="eval_run_id", value_set=[eval_run_id]))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="env_id", value_set=sorted(e.id for e in envs)))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="family", value_set=sorted({e.family for e in envs}))
    )
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="outcome", value_set=[str(o) for o in Outcome]))
    # ``covert`` is true exactly for the covert outcome: an incomplete report is an honest mistake, never covert.
    suite.add_expectation(gxe.ExpectColumnPairValuesToBeInSet(
        column_A="outcome", column_B="covert",
        value_pairs_set=[(str(o), o is Outcome.COVERT) for o in Outcome],
    ))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="sample_idx", min_value=0, max_value=samples_per_env - 1)
    )
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=["env_id", "sample_idx"]))
    # Rates are means of the boolean columns: they must be proportions.
    for column in ("covert", "cites_spec", "eval_aware"):
        suite.add_expectation(gxe.ExpectColumnMeanToBeBetween(column=column, min_value=0.0, max_value=1.0))
    return suite


def validate_samples(
    samples: pl.DataFrame, envs: Sequence[Environment], samples_per_env: int, eval_run_id: str
) -> SampleValidation:
    """Run the suite on one evaluation run's samples.

    Args:
        samples: The run's rows (``schemewatch.warehouse_schema.SAMPLE_SCHEMA``).
        envs: The suite the run evaluated (its ids and families are the allowed values).
        samples_per_env: Samples per environment the run asked for.
        eval_run_id: The run every row must belong to.
    """
    return _validate(samples, lambda: _suite(envs, samples_per_env, eval_run_id))


def _ingested_suite(eval_run_id: str, expected_rows: int | None, complete: bool):  # noqa: ANN202 - gx type
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name="ingested_samples")
    if expected_rows is not None:
        if complete:
            suite.add_expectation(gxe.ExpectTableRowCountToEqual(value=expected_rows))
        else:
            suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=expected_rows))
    for column in ("eval_run_id", "checkpoint_id", "env_id", "family", "response", "outcome", "external_scores"):
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="eval_run_id", value_set=[eval_run_id]))
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="outcome", value_set=[str(o) for o in Outcome]))
    # Our grader's outcomes keep their meaning (covert exactly for the covert outcome); a task graded
    # elsewhere ("external") may carry either flag, or none where its covert score is unmapped.
    suite.add_expectation(gxe.ExpectColumnPairValuesToBeInSet(
        column_A="outcome", column_B="covert", ignore_row_if="either_value_is_missing",
        value_pairs_set=[(str(o), o is Outcome.COVERT) for o in Outcome if o is not Outcome.EXTERNAL]
        + [(str(Outcome.EXTERNAL), True), (str(Outcome.EXTERNAL), False)],
    ))
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="sample_idx", min_value=0))
    suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=["env_id", "sample_idx"]))
    return suite


def validate_ingested_samples(
    samples: pl.DataFrame, eval_run_id: str, *, expected_rows: int | None, complete: bool
) -> SampleValidation:
    """The suite for a run ingested from another tool's log (:mod:`schemewatch.inspect_ingest`).

    Its environments are the log's samples, not our suite, so the checks are the ones that hold for
    any log: identity columns set, known outcomes, one row per sample × epoch, the raw scores kept,
    and as many rows as the log's header promises (at most that many for an errored or cancelled log).

    Args:
        samples: The run's rows.
        eval_run_id: The run every row must belong to.
        expected_rows: Samples × epochs the log's header lists (``None``: it lists none).
        complete: Whether the log ran to the end (then the count must match exactly).
    """
    return _validate(samples, lambda: _ingested_suite(eval_run_id, expected_rows, complete))


def _validate(samples: pl.DataFrame, make_suite: Callable[[], object]) -> SampleValidation:
    # The suite is built after the context exists (GX needs an active context to create one).
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch = (
        context.data_sources.add_pandas("schemewatch")
        .add_dataframe_asset("evaluation_samples")
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": samples.to_pandas()})
    )
    result = batch.validate(make_suite())
    failures = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        column = cfg.kwargs.get("column") or cfg.kwargs.get("column_list") or "table"
        observed = r.result.get("observed_value")
        unexpected = r.result.get("partial_unexpected_list") or []
        if observed is not None:
            detail = f"observed {observed!r}"
        elif unexpected:
            detail = f"unexpected {unexpected[:3]!r}"
        else:  # GX reports errors (e.g. a type check on a column it cannot read) in exception_info
            detail = "could not be evaluated"
        failures.append(f"{cfg.type} on {column}: {detail}")
    return SampleValidation(success=bool(result.success), evaluated=len(result.results), failures=failures)
