"""Quote-constrained response models for grammar-constrained endpoints.

A small model asked to copy a sentence tends to paraphrase it. Where decoding is constrained by
a JSON schema (llama.cpp, the embedded model), we can make paraphrase impossible: the evidence
field becomes an enum of the article's own sentences, so every quote the model writes is one of
them, verbatim. Grounding still runs afterwards and reports what it finds.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, create_model

from summarizer.types.extraction import EVENTS_PER_ANSWER, ExtractedEvent, ExtractedSummary

# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket) before white
# space and an upper-case letter, digit or opening quote; a line break always ends one.
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]?\s+(?=[A-Z0-9\"'\u201c\u2018(])|\n+")
_MIN_CHARS = 20


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, stripped, without duplicates or fragments."""
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        # Keep a closing quote with the sentence it closes.
        end = match.start() + len(match.group(0)) - len(match.group(0).lstrip("\"'\u201d\u2019)]"))
        pieces.append(text[start:end])
        start = match.end()
    pieces.append(text[start:])
    sentences = [p.strip() for p in pieces]
    return list(dict.fromkeys(s for s in sentences if len(s) >= _MIN_CHARS))


def quote_constrained_model(text: str, headline: str = "") -> type[ExtractedSummary]:
    """``ExtractedSummary`` whose evidence quotes can only be sentences of ``text`` (the
    headline excluded: a headline summarises, it is not the report)."""
    sentences = [s for s in split_sentences(text) if s != headline.strip()]
    if not sentences:
        return ExtractedSummary
    quote = Literal[tuple(sentences)]  # type: ignore[valid-type]
    event = create_model(
        "ExtractedEvent",
        __base__=ExtractedEvent,
        evidence=(list[quote], Field(min_length=1, max_length=2)),
    )
    return create_model(
        "ExtractedSummary",
        __base__=ExtractedSummary,
        events=(list[event], Field(max_length=EVENTS_PER_ANSWER)),
    )
