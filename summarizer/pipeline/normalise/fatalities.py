"""Read a death toll as written ("at least 19", "dozens ... killed or injured", "between 10 and 15")
into UCDP low/best/high and the ACLED conservative count.

Rules (ACLED's coding guide for the count, UCDP's low/best/high for the range):

* the figure is the one the text states; every stored number comes from the text (or from the
  fixed readings of vague words below), nothing is summed or averaged;
* vague words: "a dozen"/"dozens" = 12, "tens" = 10, "hundreds" = 100, "thousands" = 1000
  (ACLED's conventions for the first three; "thousands" by the same logic); "two dozen" = 24;
* qualifiers:
    - "at least N", "more than N", "over N", "no fewer than N": low = best = N, high open
      (None); ACLED = N, the figure stated;
    - "up to N", "as many as N", "no more than N": best = high = N, low open; ACLED = N;
    - "about/some/around/nearly/almost/an estimated N": best = N only; ACLED = N;
    - "between A and B", "A to B", "A-B", "A or B": low = A, high = B, best None (no single
      figure was given); ACLED = A, the lower;
    - a plain figure ("3 dead", "killed 27 people"): low = best = high = N;
* a figure for a subset is not the toll: "..., including 26 pro-regime forces," and "16 of
  whom were children" are dropped before reading;
* injuries are never deaths: a figure for the injured ("over 150 injured") is skipped; a figure
  for killed-or-injured ("killed or wounded", "casualties", and its common misspelling
  "causalities") is not a death toll: ACLED = 0, best None, and the range is kept as low = 0,
  high = N (at most N of them died). Such a phrase without any figure, or one about injuries
  only, gives ACLED = 0, low = 0 and no best or high: it reports no deaths;
* a phrase with no figure and no such words ("killed", "no immediate toll") gives no count at
  all (ACLED None): we do not know;
* years are not counts: "since 2011" is skipped;
* several death figures in one phrase for different groups ("9 militants killed and 26 soldiers
  dead"): the largest is taken. It is a stated number and a lower bound on the total; summing
  would store a number the text does not state;
* "no one was killed", "no casualties": 0 everywhere;
* ``other_phrases``: the same toll reported elsewhere (a headline "36", the body "35"). When the
  death figures disagree the record is ``disputed`` and ACLED takes the lowest; low/high widen to
  the lowest and highest stated. Phrases that are not death tolls take no part.
  ``headline_restatement`` finds the one such case that can be told from the text alone: a
  headline states the article's main toll, which is the largest death toll of its opening
  paragraphs (seed 003: headline "kill 36 people", lede "At least 35 fighters ... were killed").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from summarizer.pipeline.normalise.numbers import DIGIT_NUMBER, NUMBER, parse_number
from summarizer.types.records import Fatalities

__all__ = ["headline_restatement", "parse_fatalities"]

_VAGUE = {"dozens": 12, "dozen": 12, "tens": 10, "hundreds": 100, "thousands": 1000}
_VAGUE_WORD = r"(?:a\s+)?dozens?|tens|hundreds|thousands"
_QUANTITY = re.compile(
    rf"""
    \b  # a figure starts a word: not the "ten" in "often", nor the "over" in "moreover"
    (?P<qual>at\s+least|no\s+(?:fewer|less)\s+than|not\s+less\s+than|a\s+minimum\s+of
      |more\s+than|over|upwards\s+of
      |up\s+to|as\s+many\s+as|no\s+more\s+than|at\s+most
      |about|some|around|approximately|roughly|nearly|almost|an\s+estimated|close\s+to)?\s*
    (?:
      between\s+(?P<lo1>{NUMBER})\s+and\s+(?P<hi1>{NUMBER})
    | (?P<lo2>{NUMBER})\s+(?:to|or)\s+(?P<hi2>{NUMBER})\b
    | (?P<lo3>{DIGIT_NUMBER})\s*[-\u2013]\s*(?P<hi3>{DIGIT_NUMBER})\b
    | (?P<times>{NUMBER})\s+dozen
    | (?P<vague>{_VAGUE_WORD})
    | (?P<n>{NUMBER})
    )
    (?!\w|,\d)  # ends the word, and the number: "1,600" is not "1"; "12, activists said" is 12
    """,
    re.IGNORECASE | re.VERBOSE,
)
_LOWER_BOUND = {
    "at least",
    "no fewer than",
    "no less than",
    "not less than",
    "a minimum of",
    "more than",
    "over",
    "upwards of",
}
_UPPER_BOUND = {"up to", "as many as", "no more than", "at most"}

# Subsets of a toll already counted: "including 26 pro-regime forces", "16 of whom were children",
# "among them eight children". Removed up to the next comma or the end.
_SUBSET = re.compile(
    rf"(?:,\s*)?\b(?:including|among\s+them|among\s+whom)\b[^,;]*"
    rf"|(?:,\s*)?\b(?:{NUMBER})\s+of\s+(?:whom|them)\b[^,;]*",
    re.IGNORECASE,
)
_DEATH = re.compile(
    r"\b(?:kill\w*|dead|deaths?|died|die|dying|lives|fatalit\w*|massacred|executed|bodies"
    r"|death\s+toll|slain|perished)\b",
    re.IGNORECASE,
)
_INJURY = re.compile(r"\b(?:injur\w*|wound\w*|hurt|maimed)\b", re.IGNORECASE)
_EITHER = re.compile(
    r"\b(?:kill\w*|dead)\s+(?:or|and/or)\s+(?:injur\w*|wound\w*|hurt)\b"
    r"|\b(?:injur\w*|wound\w*)\s+(?:or|and/or)\s+(?:kill\w*|dead)\b"
    # "causalities" is a common typo for casualties (seed 000 has it); the LLM copies it as is
    r"|\bcasualt(?:y|ies)\b|\bcausalit(?:y|ies)\b",
    re.IGNORECASE,
)
_NONE_KILLED = re.compile(
    r"\bno\s+(?:one|deaths?|fatalities|casualties|dead)\b|\bnobody\b|\bwithout\s+casualties\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Reading:
    """One figure read from a phrase; ``deaths`` False when it counts killed-or-injured."""

    low: int | None
    best: int | None
    high: int | None
    acled: int
    deaths: bool


_YEAR_CONTEXT = re.compile(r"\b(?:in|since|of|until|by|from)\s+$", re.IGNORECASE)


def _is_year(m: re.Match[str], text: str) -> bool:
    """ "in 2011", "since 2015": a year, not a count."""
    n = m["n"]
    return bool(
        n
        and not m["qual"]
        and re.fullmatch(r"(?:19|20)\d\d", n)
        and _YEAR_CONTEXT.search(text[: m.start("n")])
    )


def _quantity(m: re.Match[str]) -> tuple[int | None, int | None, int | None, int] | None:
    """(low, best, high, acled) for one quantity match."""
    qual = " ".join((m["qual"] or "").lower().split())
    lo, hi = m["lo1"] or m["lo2"] or m["lo3"], m["hi1"] or m["hi2"] or m["hi3"]
    if lo and hi:
        low, high = parse_number(lo), parse_number(hi)
        if low is None or high is None or high < low:
            return None
        return low, None, high, low
    if m["times"]:
        times = parse_number(m["times"])
        value = None if times is None else times * 12
    elif m["vague"]:
        value = _VAGUE[m["vague"].lower().split()[-1]]
    else:
        value = parse_number(m["n"])
    if value is None:
        return None
    if qual in _LOWER_BOUND:
        return value, value, None, value
    if qual in _UPPER_BOUND:
        return None, value, value, value
    if qual:
        return None, value, None, value
    return value, value, value, value


def _read(phrase: str) -> _Reading | None:
    """The toll one phrase states, or None when it states no figure."""
    text = _SUBSET.sub("", phrase)
    if _NONE_KILLED.search(text):  # checked first: "no one" holds the number word "one"
        return _Reading(0, 0, 0, 0, deaths=True)
    either = bool(_EITHER.search(text))
    matches = [m for m in _QUANTITY.finditer(text) if not _is_year(m, text)]
    death_figures: list[tuple[int | None, int | None, int | None, int]] = []
    for i, m in enumerate(matches):
        q = _quantity(m)
        if q is None:
            continue
        # The words that belong to this figure: from the previous figure's end to the next
        # figure's start ("left 27 people dead and over 150 injured").
        before = text[matches[i - 1].end() if i else 0 : m.start()]
        after = text[m.end() : matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        words = after if _DEATH.search(after) or _INJURY.search(after) else before + after
        if _INJURY.search(words) and not _DEATH.search(words):
            continue  # a count of the injured
        if either:
            # killed-or-injured: not a death toll; the figure only bounds deaths from above
            top = q[2] if q[2] is not None else q[1] if q[1] is not None else q[0]
            return _Reading(0, None, top, 0, deaths=False)
        death_figures.append(q)
    if not death_figures:
        if either or (_INJURY.search(text) and not _DEATH.search(text)):
            # casualties or injured without a figure for the dead: no death toll, ACLED 0
            return _Reading(0, None, None, 0, deaths=False)
        return None
    # several groups' tolls: the largest stated figure (see the module docstring)
    return _Reading(*max(death_figures, key=lambda q: q[3]), deaths=True)


def parse_fatalities(
    phrase: str | None,
    *,
    reported_by: str | None = None,
    other_phrases: Iterable[str] = (),
) -> Fatalities:
    """Read a death-toll phrase as written (see the module docstring for the rules).

    >>> parse_fatalities("at least 19").acled
    19
    """
    if not phrase or not phrase.strip():
        return Fatalities(phrase=None, reported_by=reported_by)
    reading = _read(phrase)
    if reading is None:
        return Fatalities(phrase=phrase, reported_by=reported_by)
    low, best, high, acled = reading.low, reading.best, reading.high, reading.acled
    disputed = False
    if reading.deaths:
        others = [r for p in other_phrases if p and (r := _read(p)) is not None and r.deaths]
        if any(r.acled != acled for r in others):
            disputed = True
            figures = [acled, *(v for v in (low, best, high) if v is not None)]
            for r in others:
                figures += [r.acled, *(v for v in (r.low, r.best, r.high) if v is not None)]
            acled, low, high = min(r.acled for r in [reading, *others]), min(figures), max(figures)
            if best is not None and not low <= best <= high:
                best = None
    return Fatalities(
        phrase=phrase,
        low=low,
        best=best,
        high=high,
        acled=acled,
        reported_by=reported_by,
        disputed=disputed,
    )


# How far into the text "the opening paragraphs" reach: standfirst, dateline, caption and lede.
OPENING_CHARS = 1000


def headline_restatement(phrase: str | None, headline: str, text: str) -> list[str]:
    """``[headline]`` when the headline restates the toll ``phrase`` states, else ``[]``.

    It does when the headline states one death toll and ``phrase`` is the largest death toll
    stated in the opening paragraphs (the text after the headline, up to ``OPENING_CHARS``): the
    article's main toll, which is what a headline reports. Other tolls (a subset in the
    standfirst, an earlier attack) are not compared with it.
    """
    if not phrase or not headline:
        return []
    main = _main_toll(headline, text)
    if main is None:
        return []
    opening, largest = main
    if " ".join(phrase.split()).casefold() not in opening:
        return []
    mine = _read(phrase)
    return [headline] if mine is not None and mine.deaths and mine.acled == largest else []


# Cached: an article's events ask about the same headline and text one after another (a str
# keeps its hash, so the look-up does not rehash the text).
@functools.lru_cache(maxsize=16)
def _main_toll(headline: str, text: str) -> tuple[str, int] | None:
    """(the opening paragraphs, folded for matching; their largest death toll) when the
    headline states a death toll and the opening states one too; else None."""
    told = _read(headline) if _DEATH.search(headline) else None
    if told is None or not told.deaths:
        return None
    start = text.find(headline)
    opening = text[start + len(headline) if start >= 0 else 0 :][:OPENING_CHARS]
    tolls = [
        r.acled
        for line in _SENTENCE_END.split(opening)
        if _DEATH.search(line) and (r := _read(line)) and r.deaths
    ]
    return (" ".join(opening.split()).casefold(), max(tolls)) if tolls else None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
