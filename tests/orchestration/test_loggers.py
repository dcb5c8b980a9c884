"""The one-line log of `schemewatch run`: Dagster's prefixes and tracebacks left out."""

import logging

import pytest

from orchestration.loggers import _OneLine

RUN = "be41a1b3-3f1d-45e3-99cb-4c9b187de713"


@pytest.mark.parametrize(
    ("level", "message", "expected"),
    [
        (logging.INFO, f"training_job - {RUN} - base_model - base: installing the shipped base → base-0c9bf48843",
         "base: installing the shipped base → base-0c9bf48843"),
        (logging.INFO, f"evaluation_job - {RUN} - checkpoint_evaluation - STEP_START - Started execution of step.",
         "Started execution of step."),
        (logging.WARNING, f"training_job - {RUN} - as_rl - stopped early\nsecond line", "warning: stopped early"),
        (logging.INFO, "a plain message - with a dash", "a plain message - with a dash"),
    ],
)
def test_each_message_is_its_own_text_on_one_line(level: int, message: str, expected: str) -> None:
    record = logging.LogRecord("dagster", level, __file__, 1, message, None, None)
    assert _OneLine().format(record) == expected
