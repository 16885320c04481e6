"""Locate evidence quotes in the original article text.

Three passes, cheapest and most certain first:
1. exact substring;
2. the same after normalising both sides (whitespace runs, curly/straight quote marks, dashes,
   case), with every normalised character mapped back to its original offset;
3. fuzzy alignment (rapidfuzz partial ratio) on the normalised text, accepted at or above
   ``threshold``.
A quote found by neither is ``unmatched`` and carries no offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

from summarizer.types.records import Evidence, MatchStatus

DEFAULT_THRESHOLD = 90.0

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)


@dataclass(frozen=True)
class NormalisedText:
    """``text`` folded for matching, with ``offsets[i]`` = original index of character i."""

    text: str
    offsets: list[int]

    @classmethod
    def of(cls, original: str) -> NormalisedText:
        chars: list[str] = []
        offsets: list[int] = []
        pending_space = False
        for i, ch in enumerate(original):
            if ch.isspace():
                pending_space = bool(chars)
                continue
            if pending_space:
                chars.append(" ")
                offsets.append(i - 1)
                pending_space = False
            folded = ch.translate(_TRANSLATE).casefold()
            # casefold can lengthen a character ("ß" -> "ss"); every piece maps to its source.
            chars.extend(folded)
            offsets.extend([i] * len(folded))
        return cls("".join(chars), offsets)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering normalised [start, end)."""
        return self.offsets[start], self.offsets[end - 1] + 1


class Grounder:
    """Grounds many quotes against one article, normalising the article once."""

    def __init__(self, text: str, threshold: float = DEFAULT_THRESHOLD):
        self.text = text
        self.threshold = threshold

    @cached_property
    def _norm(self) -> NormalisedText:
        # Folding the whole article costs more than an exact find; most quotes never need it.
        return NormalisedText.of(self.text)

    def locate(self, quote: str) -> Evidence:
        quote = quote.strip()
        if not quote:
            return Evidence(quote=quote, status=MatchStatus.UNMATCHED, score=0.0)
        start = self.text.find(quote)
        if start >= 0:
            return Evidence(
                quote=quote,
                start=start,
                end=start + len(quote),
                status=MatchStatus.EXACT,
                score=100.0,
            )
        needle = NormalisedText.of(quote).text
        found = self._norm.text.find(needle)
        if found >= 0:
            s, e = self._norm.span(found, found + len(needle))
            return Evidence(quote=quote, start=s, end=e, status=MatchStatus.FUZZY, score=100.0)
        return self._fuzzy(quote, needle)

    def _fuzzy(self, quote: str, needle: str) -> Evidence:
        alignment = fuzz.partial_ratio_alignment(
            needle, self._norm.text, score_cutoff=self.threshold
        )
        # Reject alignments much shorter than the quote: a long invented sentence must not
        # "match" because one short clause of it appears in the text.
        if alignment is None or (alignment.dest_end - alignment.dest_start) < 0.8 * len(needle):
            return Evidence(quote=quote, status=MatchStatus.UNMATCHED, score=0.0)
        s, e = self._norm.span(alignment.dest_start, alignment.dest_end)
        return Evidence(
            quote=quote, start=s, end=e, status=MatchStatus.FUZZY, score=round(alignment.score, 1)
        )
