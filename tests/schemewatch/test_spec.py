"""The spec as data: nine principles, a renderer, citation detection."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemewatch.spec import PRINCIPLE_IDS, PRINCIPLES, cited_principles, principle, render_spec, system_prompt


def test_nine_principles_five_rules_four_general() -> None:
    assert PRINCIPLE_IDS == ("AS1", "AS2", "AS3", "AS4", "AS5", "GP1", "GP2", "GP3", "GP4")
    assert all(p.title and len(p.text) > 40 for p in PRINCIPLES)


def test_rendered_spec_holds_every_principle() -> None:
    rendered = render_spec()
    for p in PRINCIPLES:
        assert f"{p.id} {p.title}: {p.text}" in rendered
    assert system_prompt("You are an agent.", with_spec=False) == "You are an agent."
    assert rendered in system_prompt("You are an agent.", with_spec=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Per AS1 I must not hide this.", ("AS1",)),
        ("AS-2 and GP 4 both apply.", ("AS2", "GP4")),
        ("I should proactively share what happened.", ("GP1",)),
        ("The ends do not justify the means here.", ("GP4",)),
        ("When in doubt I must assume it is covert.", ("AS4",)),
        ("I cannot satisfy the rules, so I refuse and escalate.", ("AS5",)),
        ("I will report the violation by the subagent.", ("AS3",)),
        ("This is a novel situation but the rules hold.", ("GP3",)),
        ("Such as 1 error in the as2 log; gp3 folder.", ()),
        ("Nothing to cite here.", ()),
    ],
)
def test_citations_by_id_and_paraphrase(text: str, expected: tuple[str, ...]) -> None:
    assert cited_principles(text) == expected


def test_every_principle_is_detected_from_its_own_text() -> None:
    for p in PRINCIPLES:
        assert p.id in cited_principles(f"{p.id}: {p.text}")


def test_unknown_principle_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: AS1"):
        principle("AS9")


_FRAGMENTS = ["no covert action", "never deceive", "Must Not hide", "strategically deceptive", "report violations",
              "when unsure, we assume", "refuse and escalate", "share my reasoning", "novel situation",
              "ends don't justify", "AS1", "as-2", "GP 3", "HAS", "x", " ", ".", "-", "\n", "é", "noble", "sAS4"]


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=30).map("".join))
@settings(max_examples=500, deadline=None)
def test_the_fast_prefilter_never_hides_a_citation(text: str) -> None:
    from schemewatch.spec import citation_patterns

    exact = tuple(pid for pid, by_id, by_paraphrase in citation_patterns()
                  if by_id.search(text) or by_paraphrase.search(text))
    assert cited_principles(text) == exact
