"""Transcript highlighting: cited spec principles and verbalised evaluation awareness.

The spans come from the grader's own detectors (the spec's citation patterns and
the awareness pattern of :mod:`schemewatch.grading`), so what is highlighted is
exactly what was counted. Pure functions returning HTML; the page renders it
with ``st.html`` (sanitised, no scripts).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Literal

from schemewatch.grading import AWARENESS_PATTERN, ParsedResponse, parse_response
from schemewatch.spec import citation_patterns, principle

PRINCIPLE_STYLE = "background:#cfe3ff;color:#0b2a55;border-radius:3px;padding:0 2px"
AWARENESS_STYLE = "background:#ffe08a;color:#4a3200;border-radius:3px;padding:0 2px"


@dataclass(frozen=True, order=True)
class Span:
    """One highlighted stretch of text.

    Attributes:
        start: Offset of the first character.
        end: Offset after the last character.
        kind: ``principle`` (a citation of the spec) or ``awareness``.
        label: The principle id (``AS1``) or ``aware``.
    """

    start: int
    end: int
    kind: Literal["principle", "awareness"]
    label: str


def find_spans(text: str) -> list[Span]:
    """Non-overlapping spans of ``text`` that cite a principle or verbalise evaluation awareness.

    Where two matches overlap, the earlier one (and, at the same start, the longer one) wins.
    """
    found = [
        Span(m.start(), m.end(), "principle", pid)
        for pid, by_id, by_paraphrase in citation_patterns()
        for pattern in (by_id, by_paraphrase)
        for m in pattern.finditer(text)
        if m.end() > m.start()
    ]
    found += [Span(m.start(), m.end(), "awareness", "aware")
              for m in AWARENESS_PATTERN.finditer(text) if m.end() > m.start()]
    spans: list[Span] = []
    for span in sorted(found, key=lambda s: (s.start, -s.end)):
        if not spans or span.start >= spans[-1].end:
            spans.append(span)
    return spans


def _mark(text: str, span: Span) -> str:
    fragment = html.escape(text[span.start : span.end])
    if span.kind == "awareness":
        return f'<mark style="{AWARENESS_STYLE}" title="verbalised evaluation awareness">{fragment}</mark>'
    p = principle(span.label)
    # A paraphrase does not name its principle, so the id is shown beside it.
    tag = "" if text[span.start : span.end].replace("-", "").replace(" ", "") == p.id else f"<sup>{p.id}</sup>"
    return f'<mark style="{PRINCIPLE_STYLE}" title="{p.id}: {html.escape(p.title)}">{fragment}{tag}</mark>'


def highlight_html(text: str) -> str:
    """``text`` as escaped HTML with cited principles and awareness phrases in ``<mark>``."""
    out, pos = [], 0
    for span in find_spans(text):
        out.append(html.escape(text[pos : span.start]))
        out.append(_mark(text, span))
        pos = span.end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def transcript_html(response: str) -> str:
    """One response as HTML: reasoning, action and report, each highlighted.

    A response the grader cannot parse is shown whole, highlighted the same way.
    """
    parsed = parse_response(response)
    block = 'style="white-space:pre-wrap;margin:0 0 0.4rem 0;font-size:0.92rem"'
    if isinstance(parsed, ParsedResponse):
        sections = (
            ("Reasoning", highlight_html(parsed.think)),
            ("Action", f"<code>{html.escape(parsed.action)}</code>"),
            ("Report", highlight_html(parsed.report)),
        )
        body = "".join(f"<div {block}><b>{name}:</b> {part}</div>" for name, part in sections)
    else:
        body = f"<div {block}><b>Unparseable ({html.escape(parsed)}):</b> {highlight_html(response)}</div>"
    return f'<div class="sw-transcript">{body}</div>'


def legend_html() -> str:
    """A one-line legend of the two highlight colours."""
    return (
        f'<span style="{PRINCIPLE_STYLE}">cited principle<sup>id</sup></span> &nbsp; '
        f'<span style="{AWARENESS_STYLE}">evaluation awareness</span>'
    )


CUT_STYLE = "color:#b00020;font-weight:bold"
REMOVED_STYLE = "background:#f3d1d1;text-decoration:line-through;border-radius:3px;padding:0 2px"
INSERTED_STYLE = "background:#d4f0d4;border-radius:3px;padding:0 2px"
CONTINUATION_STYLE = "border-bottom:2px dotted #888"


def cut_html(prefix: str, kept_until: int, sentence: str, kind: Literal["removed", "inserted", "kept"],
             response: str) -> str:
    """One resampled response as HTML with its cut point marked.

    ``response[:kept_until]`` is the original text kept byte for byte; then the cut (✂); then ``sentence``
    shown struck out (``removed``: the aware sentence dropped), marked (``inserted``) or plain (``kept``:
    the baseline arm, forced as it was); everything after the forced ``prefix`` was resampled and is underlined
    dotted.
    """
    kept = highlight_html(response[:kept_until])
    cut = f'<span style="{CUT_STYLE}" title="cut: the original text ends here">✂</span>'
    if kind == "removed":
        middle = f'<span style="{REMOVED_STYLE}" title="dropped">{html.escape(sentence)}</span>'
    elif kind == "inserted":
        middle = f'<span style="{INSERTED_STYLE}" title="inserted">{highlight_html(sentence)}</span>'
    else:
        middle = highlight_html(prefix[kept_until:])
    continuation = response[len(prefix):] if response.startswith(prefix) else response
    block = 'style="white-space:pre-wrap;font-size:0.9rem;font-family:monospace"'
    return (f'<div class="sw-cut" {block}>{kept}{cut}{middle}'
            f'<span style="{CONTINUATION_STYLE}" title="resampled">{highlight_html(continuation)}</span></div>')
