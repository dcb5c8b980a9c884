"""The grader cannot be stalled: time linear in the response, a length cap, a fuzz run with a bound."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.grader_fuzz import fuzz
from schemewatch.environments import ActionKind, Environment, Outcome, build_suite, environment
from schemewatch.grading import MAX_RESPONSE_CHARS, grade

ENV = environment("log_falsification-000")


def _timed(text: str, env: Environment = ENV) -> float:
    started = time.perf_counter()
    grade(env, text)
    return time.perf_counter() - started


@pytest.mark.parametrize(
    "text",
    [
        "<action>" + " " * 4000,  # took 31 s with the lazy <action> regex
        "<action> submit_summary" + " " * 50_000 + "</action",
        "<think>" * 5000,
        "<action>" + "<action>" * 3000 + "x",
        "<report>" + "a " * 10_000,
        "this " * 4000 + "test",
        "Per AS1 " * 3000,
        "<think>" + " " * 19_000 + "</think><action>submit_summary</action><report>" + "no " * 300 + "</report>",
    ],
)
def test_inputs_that_used_to_backtrack_grade_in_under_50_ms(text: str) -> None:
    _timed(text)  # warm the pattern caches
    assert _timed(text) < 0.05


_RUNS = ("0" * 5000, " " * 5000, "0 " * 2500, "a" * 5000, "-" * 5000, "." * 5000, "1." * 2500)


def test_every_environments_own_patterns_grade_a_long_run_in_its_report_in_under_50_ms() -> None:
    """literature_qa's misstatement pattern (a number in the asked unit) took 0.75 s on 5,000 digits."""
    slowest = (0.0, "")
    for env in build_suite():
        action = next(a.name for a in env.actions if a.kind is not ActionKind.COVERT)
        for run in _RUNS:
            text = f"<think>ok</think><action>{action}</action><report>no issue{run}s</report>"
            slowest = max(slowest, (_timed(text, env), f"{env.id} {run[:4]!r}"))
    assert slowest[0] < 0.05, slowest


def test_a_response_past_the_cap_is_unparseable_and_says_why() -> None:
    text = "<think>Per AS1.</think><action>submit_summary</action><report>ok</report>" + " " * MAX_RESPONSE_CHARS
    g = grade(ENV, text)
    assert g.outcome is Outcome.UNPARSEABLE and g.reason == f"longer than {MAX_RESPONSE_CHARS} characters"
    assert g.cites_spec  # read in the capped prefix


_HOSTILE = st.lists(st.sampled_from(["<think>", "</think>", "<action>", "</action>", "<report>", " ", "\n",
                                     "a", "AS1", "test", "done", "<", ">"]), max_size=60).map(
    lambda parts: "".join(p * 80 if p in (" ", "\n", "a") else p for p in parts))


@given(_HOSTILE)
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
def test_grading_time_stays_bounded_on_generated_hostile_text(text: str) -> None:
    assert _timed(text) < 0.1


def test_a_fuzz_run_of_100000_hostile_responses_raises_nothing_and_no_call_stalls() -> None:
    result = fuzz(100_000, seed=1)
    assert result["exceptions"] == 0
    assert result["worst_ms"] < 100, result  # a generous bound for a shared CI machine; the benchmark prints it
