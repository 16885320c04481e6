"""Long documents -> sentence-aligned windows that each fit one request, overlapping by a few
sentences so that an event told across a boundary is seen whole in at least one of them.

Sizes are in tokens, estimated from characters (about four per token in English news copy): no
tokenizer is downloaded or needed, and a window is a budget, not an exact count. A short article
is one window, the whole of it: its request and cache key are what they always were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHARS_PER_TOKEN = 4
# A sentence ends at . ! or ? (with a closing quote or bracket) before white space and a capital,
# a digit or an opening quote; a line break always ends one.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]?\s+(?=[A-Z0-9\"'\u201c\u2018(])|\n+")


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


@dataclass(frozen=True)
class Window:
    start: int  # offsets in the text that was split
    end: int
    text: str


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence (line breaks end one too), white space excluded."""
    spans, start = [], 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + len(m.group(0)) - len(m.group(0).lstrip("\"'\u201d\u2019)]"))
        spans.append((start, end))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _pieces(text: str, limit: int) -> list[tuple[int, int]]:
    """Sentences, a sentence longer than ``limit`` characters cut at white space (a table, a
    list without full stops): no window is ever over its size."""
    pieces = []
    for s, e in sentence_spans(text):
        while e - s > limit:
            cut = text.rfind(" ", s + limit // 2, s + limit)
            cut = cut if cut > s else s + limit
            pieces.append((s, cut))
            s = cut
            while s < e and text[s].isspace():
                s += 1
        if e > s:
            pieces.append((s, e))
    return pieces


def windows(text: str, max_tokens: int, overlap: int = 2) -> list[Window]:
    """Windows of at most ``max_tokens`` (estimated) over whole sentences, each after the first
    starting ``overlap`` sentences before the previous one ended. One window when it all fits."""
    limit = max(1, max_tokens) * CHARS_PER_TOKEN
    if len(text) <= limit:
        return [Window(0, len(text), text)]
    pieces = _pieces(text, limit)
    out: list[Window] = []
    first = 0
    while first < len(pieces):
        last = first
        while last + 1 < len(pieces) and pieces[last + 1][1] - pieces[first][0] <= limit:
            last += 1
        start, end = pieces[first][0], pieces[last][1]
        out.append(Window(start, end, text[start:end]))
        if last == len(pieces) - 1:
            break
        # the next window repeats the last ``overlap`` sentences, but always moves on
        first = max(first + 1, last + 1 - max(0, overlap))
    return out


def halves(text: str) -> list[Window] | None:
    """``text`` in two windows of about half its sentences each (for an answer that reached the
    model's limits), or None when it is a single sentence and cannot be split."""
    pieces = _pieces(text, max(1, len(text)))
    if len(pieces) < 2:
        return None
    total = pieces[-1][1] - pieces[0][0]
    middle = next(
        (i for i in range(1, len(pieces)) if pieces[i][0] - pieces[0][0] >= total / 2),
        len(pieces) - 1,
    )
    a, b = (pieces[0][0], pieces[middle - 1][1]), (pieces[middle][0], pieces[-1][1])
    return [Window(a[0], a[1], text[a[0] : a[1]]), Window(b[0], b[1], text[b[0] : b[1]])]
