"""The article as numbered sentences, and the "as written" spans of one sentence.

The staged strategy asks a small model to point rather than write: sentence numbers in stage 1,
spans of the event's own sentence in stage 2. Where decoding is grammar-constrained (the embedded
model) both are enums, so an answer can only name a real sentence or copy a real phrase.
"""

from __future__ import annotations

import re

from summarizer.pipeline.normalise.text import fold
from summarizer.quote_grammar import split_sentences
from summarizer.types.article import Article

# Longest phrase a span may be, in words: enough for "Syrian government forces and their allies"
# or "killing at least 19 Alawite civilians", short enough to keep the enum (and the grammar)
# to a few hundred choices per field.
SPAN_WORDS = 8
_WORD = re.compile(r"\S+")
# Punctuation a span never starts or ends with: a phrase, not a fragment of a clause.
_EDGE = "\"'\u201c\u201d\u2018\u2019()[],.;:!?"


def article_sentences(article: Article) -> list[str]:
    """The sentences the model may pick, in order (numbered from 1): the headline is not one,
    a headline summarises, it does not report."""
    headline = article.headline.strip()
    return [s for s in split_sentences(article.model_text) if s != headline]


def numbered(sentences: list[str]) -> str:
    return "\n".join(f"[{n}] {s}" for n, s in enumerate(sentences, 1))


def spans(sentence: str, most_words: int = SPAN_WORDS) -> list[str]:
    """Every phrase of ``sentence`` of 1..``most_words`` words, trimmed of edge punctuation, in
    order of first appearance, without repeats."""
    words = [m.group(0) for m in _WORD.finditer(sentence)]
    found: dict[str, None] = {}
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + most_words) + 1):
            phrase = " ".join(words[start:end]).strip(_EDGE).strip()
            if phrase and any(c.isalnum() for c in phrase):
                found.setdefault(phrase, None)
    return list(found)


def in_sentence(phrase: str | None, sentence: str) -> bool:
    """``phrase`` is written in ``sentence`` (up to case, spacing and quote marks)."""
    if not phrase or not phrase.strip():
        return True
    return f" {fold(phrase)} " in f" {fold(sentence)} "
