"""Where to cut a response's reasoning: its sentences, the sentence that verbalises evaluation awareness, and
the two prefixes an intervention resamples from (:mod:`schemewatch.awareness_intervention`). Pure text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemewatch.grading import AWARENESS_PATTERN

_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)
# A sentence ends at . ! or ? followed by whitespace or the end ("0.35" and "spec-6.9" do not end one), or at a
# line break (bullet-style reasoning).
_SENTENCE = re.compile(r"\S.*?(?:[.!?]+(?=\s|$)|(?=\n)|$)", re.DOTALL)


@dataclass(frozen=True)
class Cut:
    """Where one response is cut, and the two prefixes its arms are resampled from.

    Attributes:
        at: Character offset of the cut in the response; ``response[:at]`` is kept byte for byte. The
            intervened arm is sampled from there; the baseline arm of an ablation from the end of the aware
            sentence (its prefix keeps it), so both resample what follows that sentence.
        baseline_prefix: The response as it was up to the end of the changed sentence.
        intervened_prefix: The same with the change: the aware sentence dropped, or a sentence inserted.
        sentence: The sentence removed (ablate) or inserted (inject, control).
    """

    at: int
    baseline_prefix: str
    intervened_prefix: str
    sentence: str



def reasoning_span(response: str) -> tuple[int, int] | None:
    """(start, end) of the text inside ``<think>…</think>``; None without a closed reasoning section."""
    opened = _THINK_OPEN.search(response)
    if opened is None:
        return None
    closed = _THINK_CLOSE.search(response, opened.end())
    return None if closed is None else (opened.end(), closed.start())


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets in ``text`` of the sentences of ``text[start:end]``."""
    end = len(text) if end is None else end
    return [(start + m.start(), start + m.end()) for m in _SENTENCE.finditer(text[start:end])]


def aware_sentence(response: str) -> tuple[int, int] | None:
    """(start, end) of the first sentence of the reasoning that verbalises evaluation awareness."""
    span = reasoning_span(response)
    if span is None:
        return None
    for s, e in sentence_spans(response, *span):
        if AWARENESS_PATTERN.search(response[s:e]):
            return s, e
    return None


def ablation_cut(response: str) -> Cut | None:
    """The cut that drops the first aware sentence of the reasoning; None when there is none.

    The cut is at the end of what precedes the sentence (the whitespace before it goes with it), so the
    reasoning before it is kept byte for byte and the model continues where that text ended.
    """
    found = aware_sentence(response)
    if found is None:
        return None
    s, e = found
    at = s
    think_start = reasoning_span(response)[0]
    while at > think_start and response[at - 1].isspace():
        at -= 1
    return Cut(at=at, baseline_prefix=response[:e], intervened_prefix=response[:at], sentence=response[s:e])


def insertion_cut(response: str, sentence: str, position: str = "start") -> Cut | None:
    """The cut that inserts ``sentence`` into the reasoning; None when the response has none to insert into.

    ``position`` ``start``: right after ``<think>``; ``after_first_sentence``: after the reasoning's first
    sentence (at the start when it has none).
    """
    span = reasoning_span(response)
    if span is None:
        return None
    at, sep = span[0], ""
    if position == "after_first_sentence":
        sentences = sentence_spans(response, *span)
        if sentences:
            at, sep = sentences[0][1], " "
    elif position != "start":
        raise ValueError(f"position must be 'start' or 'after_first_sentence', not {position!r}")
    kept = response[:at]
    return Cut(at=at, baseline_prefix=kept, intervened_prefix=kept + sep + sentence, sentence=sentence)
