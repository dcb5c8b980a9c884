"""Progress bars that read well on a terminal and in a log file.

On a terminal, tqdm redraws one line in place. Redirected to a file, every redraw
is kept: a 30-minute pretraining wrote 300,000 characters of bars on one line.
Off a terminal, bars here update every 30 seconds and end each update with a newline.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm


def progress_bar(iterable: Any = None, **kwargs: Any) -> tqdm:
    """``tqdm(iterable, **kwargs)``, sparse and line-based when stderr is not a terminal."""
    if not sys.stderr.isatty():
        kwargs.setdefault("mininterval", 30.0)
        kwargs.setdefault("maxinterval", 60.0)
        kwargs.setdefault("ncols", 100)
        kwargs.setdefault("file", _LinePerUpdate(sys.stderr))
    return tqdm(iterable, **kwargs)


class _LinePerUpdate:
    """A stream that turns tqdm's carriage-return redraws into one line each."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        text = text.replace("\r", "")
        if text.strip():
            self._stream.write(text.rstrip("\n") + "\n")
        return len(text)

    def flush(self) -> None:
        self._stream.flush()
