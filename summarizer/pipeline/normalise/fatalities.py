"""Read a death toll as written ("at least 19", "dozens ... killed or injured", "between 10 and 15",
"killing 7 and wounding 12") into UCDP low/best/high and the ACLED conservative count.

Rules (ACLED's coding guide for the count, UCDP's low/best/high for the range):

* every stored number comes from the text (or from the fixed readings of vague words below), or
  is the sum of the text's counts of distinct groups of dead in one event ("5 civilians and 3
  militants": ACLED's fatalities are every reported death of the event, combatants and
  civilians together);
* vague words: "a dozen"/"dozens" = 12, "tens" = 10, "hundreds" = 100, "thousands" = 1000
  (ACLED's conventions for the first three; "thousands" by the same logic); "two dozen" = 24,
  "tens of thousands" = 10,000. A plural ("dozens") is a floor, not a ceiling: high stays open;
  "a dozen" is exactly 12;
* one person named in the singular is a count of one ("a child", "his mother", "a Turkish
  soldier"), and a suicide attacker who "blew himself up" or is killed "himself" is one death
  (ACLED counts the perpetrator's death too), counted once;
* qualifiers:
    - "at least N", "more than N", "over N", "no fewer than N": low = best = N, high open
      (None); ACLED = N, the figure stated;
    - "up to N", "as many as N", "no more than N": a ceiling only: high = N, low and best open;
      ACLED = N, the only figure stated;
    - "about/some/around/nearly/almost/an estimated N": best = N only; ACLED = N;
    - "between A and B", "A to B", "A-B", "A or B": low = A, high = B, best None (no single
      figure was given); ACLED = A, the lower;
    - a plain figure ("3 dead", "killed 27 people"): low = best = high = N;
* each figure belongs to the words of its own clause (clauses split at commas, semicolons, "and",
  "while", "but"): "killing 7 and wounding 12" is 7 dead and 12 wounded. A clause without such
  words takes its verb from the clause it is listed with ("killed 5 civilians and 3 militants",
  "Five civilians and two fighters ... were killed");
* a figure for a subset is not the toll: "..., including 26 pro-regime forces,", "16 of whom were
  children" and "Two children were among nine people killed" count once. A subset larger than
  its toll raises the toll's floor ("dozens of civilians, at least 23 of them children": 23);
* a stated total wins over its parts: "the death toll rose to 17 after three of the wounded
  died", "bringing the toll to four";
* not counted: the injured, the captured, the displaced, the missing (whose mention leaves the
  high end open, as do "an unknown number of" dead and "the toll is expected to rise"); ages
  ("a 5-year-old"), years ("since 2011"), and counts of things ("in 3 strikes");
* the perpetrators of an active-voice killing are not its dead: "Two gunmen killed three
  civilians" is 3;
* injuries are never deaths: a phrase about injuries only ("Four people were injured") states
  that no one died: 0 everywhere. A figure for killed-or-injured ("killed or wounded",
  "casualties", and its common misspelling "causalities") is not a death toll: ACLED = 0, best
  None, and the range is kept as low = 0, high = N (at most N of them died; open for "dozens");
* two sources giving their own figures in one phrase ("Activists said 30 ...; state media said
  4") make the toll disputed: low and high span the reports, best None, ACLED the lowest;
* a phrase with no figure and no such words ("killed", "no immediate toll") gives no count at
  all (ACLED None): we do not know; neither does the war's cumulative toll ("Syria's war has
  killed more than 370,000 people since 2011"), which is no event's;
* "no one was killed", "no casualties": 0 everywhere;
* ``other_phrases``: the same toll reported elsewhere (a headline "36", the body "35"). When the
  death figures disagree the record is ``disputed`` and ACLED takes the lowest; low/high widen to
  the lowest and highest stated. Phrases that are not death tolls take no part.
  ``headline_restatement`` finds the one such case that can be told from the text alone: a
  headline states the article's main toll, which is the largest death toll of its opening
  paragraphs (seed 003: headline "kill 36 people", lede "At least 35 fighters ... were killed").
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from summarizer.pipeline.normalise.numbers import DIGIT_NUMBER, NUMBER, parse_number
from summarizer.types.records import Fatalities

__all__ = ["headline_restatement", "parse_fatalities", "subset_figures"]

_VAGUE = {"dozens": 12, "dozen": 12, "tens": 10, "hundreds": 100, "thousands": 1000}
_VAGUE_WORD = r"(?:a\s+)?dozens?|tens|hundreds|thousands"
_QUAL = (
    r"at\s+least|no\s+(?:fewer|less)\s+than|not\s+less\s+than|a\s+minimum\s+of"
    r"|more\s+than|over|upwards\s+of"
    r"|up\s+to|as\s+many\s+as|no\s+more\s+than|at\s+most"
    r"|about|some|around|approximately|roughly|nearly|almost|an\s+estimated|close\s+to"
)
_QUANTITY = re.compile(
    rf"""
    \b  # a figure starts a word: not the "ten" in "often", nor the "over" in "moreover"
    (?:(?P<qual>{_QUAL})\s+)?
    (?:
      between\s+(?P<lo1>{NUMBER})\s+and\s+(?P<hi1>{NUMBER})
    | (?P<scale>tens|hundreds)\s+of\s+thousands
    | (?P<vague>{_VAGUE_WORD})
    # one number, then what makes it a range ("10 to 15", "10-15") or dozens ("two dozen"):
    # matched once, not once per reading
    | (?P<n>{NUMBER})
      (?:\s+(?:to|or)\s+(?P<hi2>{NUMBER})\b
      | \s*[-\u2013]\s*(?P<hi3>{DIGIT_NUMBER})\b
      | \s+(?P<dozen>dozen)
      )?
    )
    # ends the word, and the number: "1,600" is not "1"; "12, activists said" is 12; an age
    # ("a 5-year-old", "three-year-old") is no count
    (?!\w|,\d|-[a-z])
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

# One person, named in the singular: "a child", "an elderly man", "his mother", "a Turkish
# soldier". At most three words (adjectives) between the article and the noun; "a family" is not
# here (its size follows: "a family of five").
_PERSON = (
    r"man|woman|child|boy|girl|baby|infant|toddler|teenager|youth|person|civilian|resident"
    r"|soldier|fighter|militant|rebel|jihadist|gunman|officer|commander|policeman|guard"
    r"|conscript|member|volunteer|worker|doctor|nurse|paramedic|medic|journalist|reporter"
    r"|photographer|activist|teacher|student|farmer|shepherd|driver|father|mother|son|daughter"
    r"|brother|sister|husband|wife|grandfather|grandmother|grandson|granddaughter|uncle|aunt"
    r"|nephew|niece|cousin|mayor|official|cleric|imam|leader|pilot|detainee|prisoner|defector"
    r"|employee|refugee|pedestrian|passenger|shopkeeper|trader|merchant"
)
_ONE_PERSON = re.compile(
    rf"\b(?:an?|his|her|their)\s+"
    rf"(?:(?!(?:a|an|the|and|or|of|to|in|on|at|by|with|who|which|was|were|had|has|is|are"
    rf"|kill\w*)\b)[\w'\u2019-]+\s+){{0,3}}?"
    rf"(?:{_PERSON})\b(?![-'\u2019])",
    re.IGNORECASE,
)
# A suicide attacker's own death: "blew himself up", "killing himself and five others".
_SELF = re.compile(r"\b(?:himself|herself)\b", re.IGNORECASE)

# Subsets of a toll already counted: "including 26 pro-regime forces", "16 of whom were children",
# "among them eight children". Up to the next comma or the end.
_SUBSET = re.compile(
    rf"(?:,\s*)?\b(?:including|among\s+(?:them|whom|those|the\s+(?:dead|victims|killed)))\b[^,;]*"
    rf"|(?:,\s*)?\b(?:(?:{_QUAL})\s+)?(?:{NUMBER})\s+of\s+(?:whom|them|those)\b[^,;]*"
    # "killing 6 soldiers, 2 officers among them"
    rf"|(?:,\s*)?\b(?:(?:{_QUAL})\s+)?(?:{NUMBER})\s+(?:[\w-]+\s+){{0,3}}?"
    rf"among\s+(?:them|whom|those|the\s+(?:dead|victims|killed))\b[^,;]*",
    re.IGNORECASE,
)
_SUBSET_HINT = re.compile(r"\b(?:including|among|of\s+(?:whom|them|those))\b", re.IGNORECASE)
# "Two children were among nine people killed": the first figure is part of the second.
_AMONG = re.compile(r"\bamong\b", re.IGNORECASE)
_DEATH = re.compile(
    r"\b(?:kill\w*|dead|deaths?|died|die|dies|dying|lives|fatalit\w*|massacred|executed|bodies"
    r"|corpses|slain|perished|tolls?|beheaded|martyr\w*|blew\s+(?:himself|herself|themselves)\s+up)\b",
    re.IGNORECASE,
)
# Hurt and alive: "wounded", and the survivors of a gas attack ("left dozens struggling to
# breathe", "treated for suffocation").
_INJURY = re.compile(
    r"\b(?:injur\w*|wound\w*|hurt|maimed|suffer\w*|struggl\w*|treated|hospitali[sz]\w*"
    r"|suffocat\w*|symptoms)\b",
    re.IGNORECASE,
)
_EITHER = re.compile(
    r"\b(?:kill\w*|dead)\s+(?:or|and/or|and)\s+(?:injur\w*|wound\w*|hurt)\b"
    r"|\b(?:injur\w*|wound\w*)\s+(?:or|and/or|and)\s+(?:kill\w*|dead)\b"
    # "causalities" is a common typo for casualties (seed 000 has it); the LLM copies it as is
    r"|\bcasualt(?:y|ies)\b|\bcausalit(?:y|ies)\b",
    re.IGNORECASE,
)
# What happened to people that is not death: a figure in such a clause is no toll.
_NOT_DEATH = re.compile(
    r"\b(?:displac\w*|fled|flee\w*|evacuat\w*|arrest\w*|detain\w*|captur\w*|abduct\w*|kidnap\w*"
    r"|missing|homeless|rescued|freed|released|surrender\w*|defect\w*)\b",
    re.IGNORECASE,
)
_NONE_KILLED = re.compile(
    r"\bno\s+(?:one|deaths?|fatalities|casualties|dead)\b|\bnobody\b|\bwithout\s+casualties\b",
    re.IGNORECASE,
)
# More may have died than any figure says: the high end stays open.
_OPEN = re.compile(
    r"\b(?:missing|unaccounted|trapped|feared\s+dead"
    r"|(?:expected|likely|feared)\s+to\s+(?:rise|climb|increase)|(?:could|may|might)\s+rise)\b",
    re.IGNORECASE,
)
# In a clause about deaths without a figure of its own: more dead than the figures count.
_MORE_DEAD = re.compile(
    r"\b(?:unknown\s+number|a\s+number\s+of|several|many|scores|others|more)\b", re.IGNORECASE
)
# The war's cumulative toll is background, not an event's.
_BACKGROUND = re.compile(
    r"\b(?:war|conflict|uprising|revolution)(?:'s|\u2019s)?\b(?:\s+\w+){0,3}?\s+(?:has|have|had)"
    r"\s+(?:so\s+far\s+|now\s+)?(?:killed|claimed|cost|left)\b"
    r"|\bsince\s+(?:(?:march\s+)?2011|the\s+(?:start|beginning|outbreak)\s+of\s+the\s+"
    r"(?:war|conflict|uprising)|the\s+(?:war|conflict|uprising)\s+(?:began|started|erupted))\b",
    re.IGNORECASE,
)
# A figure stated as the whole: "the death toll rose to 17", "bringing the toll to four",
# "a total of 26", "26 in all".
_TOTAL_BEFORE = re.compile(
    r"\b(?:tolls?|total)\b(?:\s+[\w-]+){0,3}?\s+(?:to|at|of|reached|hit|is|was)\s+$",
    re.IGNORECASE,
)
_TOTAL_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+){0,2}?(?:in\s+total|in\s+all|altogether|all\s+told|overall)\b",
    re.IGNORECASE,
)
# A second source's own figure: "; state media said 4", "while the White Helmets said 21".
_REPORTED_BEFORE = re.compile(
    r"\b(?:said|says|reported|reports|put|puts|gave|gives|counted|documented|recorded|estimated"
    r"|cited|claimed)\b[^,;]{0,30}$",
    re.IGNORECASE,
)
# Clause boundaries: where one figure's words end and the next's begin.
_BOUNDARY = re.compile(
    r"[,;:]|[.!?](?=\s)|\s[-\u2013\u2014]\s|\b(?:and|while|whereas|but|as\s+well\s+as|plus|after|before"
    r"|following)\b",
    re.IGNORECASE,
)
# A clause that dates the event by another one ("a week after a similar attack killed 5", "...,
# where 40 people died last month"): its figures are that event's, unless the phrase has no other.
_CONTEXT_CLAUSE = re.compile(r"(?:after|before|following)\b", re.IGNORECASE)
_OTHER_TIME = re.compile(
    r"\b(?:(?:last|previous)\s+(?:week|month|year)|earlier\s+this\s+(?:week|month|year)"
    r"|a\s+similar|previous(?:ly)?)\b",
    re.IGNORECASE,
)
# A killing told in the active voice ("gunmen killed three"); "were killed" is passive.
_ACTIVE_KILL = re.compile(
    r"\b(?:kill(?:s|ed|ing)?|massacred|executed|slew|shot\s+dead|gunned\s+down)\b", re.IGNORECASE
)
_AUXILIARY_BEFORE = re.compile(
    r"\b(?:was|were|been|being|is|are|be|get|got|gets)\s+(?:\w+\s+)?$", re.IGNORECASE
)
# Counts of things and ages, not of people: "in 3 strikes", "two nearby villages", "aged 12".
_THINGS_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+)?(?:villages?|towns?|cities|neighbou?rhoods?|districts?|provinces?"
    r"|governorates?|areas?|locations?|sites?|places?|houses?|homes?|buildings?|schools?"
    r"|hospitals?|mosques?|markets?|vehicles?|cars?|trucks?|buses?|tanks?|strikes?|airstrikes?"
    r"|raids?|sorties|attacks?|bombs?|bombings?|explosions?|blasts?|rockets?|missiles?|shells?"
    r"|mortars?|rounds?|barrels?|mines?|days?|nights?|hours?|weeks?|months?|years?|minutes?"
    r"|times|km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|per\s*cent|percent)\b|^\s*%"
    r"|^\s+of\s+the\s+(?:most|\w+est)\b",  # "one of the deadliest bombings"
    re.IGNORECASE,
)
_FROM_BEFORE = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_AGE_BEFORE = re.compile(r"\baged\s+$", re.IGNORECASE)
# Days of a month and clock times: "on 12 March", "March 12", "at 3:30", "5 pm". Case-sensitive,
# so that "20 people may have died" keeps its 20.
_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
)
_DATE_AFTER = re.compile(
    rf"^(?:\s+(?:{_MONTH})\b|:\d|\s*(?:a\.m\.|p\.m\.|am\b|pm\b|GMT\b|o'clock|hrs\b))"
)
_DATE_BEFORE = re.compile(rf"\b(?:{_MONTH})\s+$")
# Who speaks is not who died: "a doctor said", "two residents told AFP", "according to a medic".
_SPEAKER_AFTER = re.compile(
    r"^\s*(?:(?!(?:were|was|are|is|be|been|have|has|had)\b)[\w-]+\s+){0,2}?"
    r"(?:said|says|told|tells|added|stated)\b(?!\s+to\b)",  # "were said to have died" is no one
    re.IGNORECASE,
)
_SPEAKER_BEFORE = re.compile(r"\b(?:according\s+to|told|quoted|cited)\s+$", re.IGNORECASE)
# A person named in the singular who then speaks, before the sentence says anyone died: "A
# doctor at the hospital, Dr X, said two people had died" (the doctor is no death).
_SPOKE = re.compile(
    r"\b(?:said|says|told|tells|added|stated)\b(?!\s+to\b)"
    r"|(?P<told>\b(?:kill\w*|dead|deaths?|died|injur\w*|wound\w*)\b|[.!?](?:\s|$))",
    re.IGNORECASE,
)
_YEAR_CONTEXT = re.compile(r"\b(?:in|since|of|until|by|from|the)\s+$", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class _Count:
    """One figure: UCDP low/best/high and ACLED; ``ceiling`` is the most it allows to have
    died when it counts killed-or-injured (None when it has no upper end: "dozens")."""

    low: int | None
    best: int | None
    high: int | None
    acled: int
    ceiling: int | None


@dataclass(frozen=True)
class _Reading:
    """What one phrase states; ``deaths`` False when it counts killed-or-injured or injured."""

    low: int | None
    best: int | None
    high: int | None
    acled: int
    deaths: bool
    disputed: bool = False


@dataclass
class _Figure:
    start: int
    end: int
    count: _Count
    clause: int = -1
    kind: str | None = None  # "dead", "hurt", "either" (killed or injured), "other"
    floor: int = 0  # a subset of it that the text counts ("at least 23 of them")


_ONE = _Count(1, 1, 1, 1, 1)


# The words a "...$" pattern looks at before a figure lie within this many characters: searching
# only there keeps each look-behind short, however long the sentence.
_LOOK_BACK = 80


def _back(position: int) -> int:
    return max(0, position - _LOOK_BACK)


def _is_year(m: re.Match[str], text: str) -> bool:
    """ "in 2011", "since 2015": a year, not a count."""
    n = None if m["hi2"] or m["hi3"] or m["dozen"] else m["n"]
    return bool(
        n
        and not m["qual"]
        and _YEAR.fullmatch(n)
        and _YEAR_CONTEXT.search(text, _back(m.start("n")), m.start("n"))
    )


def _quantity(m: re.Match[str]) -> _Count | None:
    """The count one quantity match states."""
    qual = " ".join((m["qual"] or "").lower().split())
    hi = m["hi1"] or m["hi2"] or m["hi3"]
    lo = m["lo1"] or (m["n"] if hi else None)
    if lo and hi:
        low, high = parse_number(lo), parse_number(hi)
        if low is None or high is None or high < low:
            return None
        return _Count(low, None, high, low, high)
    plural = False  # "dozens", "hundreds": a floor with no ceiling
    if m["dozen"]:
        times = parse_number(m["n"])
        value = None if times is None else times * 12
    elif m["scale"]:
        value, plural = _VAGUE[m["scale"].lower()] * 1000, True
    elif m["vague"]:
        word = m["vague"].lower().split()[-1]
        value, plural = _VAGUE[word], word != "dozen"
    else:
        value = parse_number(m["n"])
    if value is None:
        return None
    if qual in _LOWER_BOUND:
        return _Count(value, value, None, value, None)
    if qual in _UPPER_BOUND:
        return _Count(None, None, value, value, value)
    if qual:
        return _Count(None, value, None, value, None if plural else value)
    if plural:
        return _Count(value, value, None, value, None)
    return _Count(value, value, value, value, value)


def _count(m: re.Match[str], text: str) -> _Count | None:
    """The count a figure states where it stands: "the toll rose from 9 to 12" is 12 now."""
    q = _quantity(m)
    if (
        q is not None
        and q.high is not None
        and m["hi2"]
        and _FROM_BEFORE.search(text, _back(m.start()), m.start())
    ):
        return _Count(q.high, q.high, q.high, q.high, q.high)
    return q


def _subset_count(clause: str) -> int:
    """The count a subset clause states ("including eight ...": 8; "including a child": 1)."""
    q = next((c for c in map(_quantity, _QUANTITY.finditer(clause)) if c is not None), None)
    return q.acled if q else 1 if _ONE_PERSON.search(clause) else 0


def _blank_subsets(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with its subset clauses blanked (same length, so offsets hold), and each
    clause's (start, the count it states)."""
    if not _SUBSET_HINT.search(text):  # most tolls have none: skip the costly pattern
        return text, []
    subsets: list[tuple[int, int]] = []
    pieces: list[str] = []
    last = 0
    counts = [m.start() for m in (_QUANTITY.search(text), _ONE_PERSON.search(text)) if m]
    first_count = min(counts, default=len(text))
    for m in _SUBSET.finditer(text):
        if first_count >= m.start():
            continue  # no toll before it to be part of: "killing two of them" is the toll
        subsets.append((m.start(), _subset_count(m[0])))
        pieces += [text[last : m.start()], " " * (m.end() - m.start())]
        last = m.end()
    pieces.append(text[last:])
    return "".join(pieces), subsets


def subset_figures(text: str) -> list[tuple[str, int]]:
    """The subset clauses of a toll ("including eight who were killed in a mine explosion",
    "16 of whom were children"), each with the count it states (0 when none): parts of the dead
    that the toll already counts."""
    return [(m[0].lstrip(", "), _subset_count(m[0])) for m in _SUBSET.finditer(text)]


def _figures(text: str) -> list[_Figure]:
    """Every count in ``text``, in order: figures, persons in the singular, an attacker's self."""
    figures = [
        _Figure(m.start(), m.end(), q)
        for m in _QUANTITY.finditer(text)
        if not _is_year(m, text)
        and (q := _count(m, text)) is not None
        and not _THINGS_AFTER.search(text[m.end() : m.end() + 40])
        and not _AGE_BEFORE.search(text, _back(m.start()), m.start())
        and not _DATE_AFTER.search(text[m.end() : m.end() + 12])
        and not _DATE_BEFORE.search(text, _back(m.start()), m.start())
    ]
    taken = [(f.start, f.end) for f in figures]
    figures += [
        _Figure(m.start(), m.end(), _ONE)
        for m in _ONE_PERSON.finditer(text)
        if not any(s < m.end() and m.start() < e for s, e in taken)
        and not ((spoke := _SPOKE.search(text, m.end())) and not spoke["told"])
    ]
    figures = [
        f
        for f in figures
        if not _SPEAKER_AFTER.search(text[f.end : f.end + 40])
        and not _SPEAKER_BEFORE.search(text, _back(f.start), f.start)
    ]
    attacker = _SELF.search(text)  # one attacker, however often the text names him
    if attacker:
        figures.append(_Figure(attacker.start(), attacker.end(), _ONE))
    return sorted(figures, key=lambda f: f.start)


def _clauses(text: str, protected: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each clause; a boundary inside a figure ("between 10 and 15") or a
    killed-and-injured phrase does not split."""
    cuts = [
        m.start()
        for m in _BOUNDARY.finditer(text)
        if not any(s <= m.start() < e for s, e in protected)
    ]
    bounds = [0, *cuts, len(text)]
    return list(itertools.pairwise(bounds))


def _word_kinds(text: str, either: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """(position, kind) of the words of ``text`` that say what befell people, in order; words
    inside a killed-or-injured phrase (its ``either`` spans) are that phrase's."""
    words = [(s, "either") for s, _ in either]
    for pattern, kind in ((_DEATH, "dead"), (_INJURY, "hurt"), (_NOT_DEATH, "other")):
        words += [
            (m.start(), kind)
            for m in pattern.finditer(text)
            if not any(s <= m.start() < e for s, e in either)
        ]
    return sorted(words)


def _own_kind(figure: _Figure, words: list[tuple[int, str]]) -> str | None:
    """The kind of a figure from its clause's words: killed-or-injured wins; then the one kind
    named; with dead and hurt both named, the nearer word's."""
    kinds = {k for _, k in words}
    if "either" in kinds:
        return "either"
    told = [(p, k) for p, k in words if k in ("dead", "hurt")] or words
    if not told:
        return None
    return min(told, key=lambda w: abs(w[0] - figure.start))[1]


def _kinds(text: str, figures: list[_Figure]) -> tuple[list[tuple[int, int]], list[list]]:
    """Assign each figure its clause and kind; returns the clauses and their words."""
    either = [(m.start(), m.end()) for m in _EITHER.finditer(text)]
    clauses = _clauses(text, [*((f.start, f.end) for f in figures), *either])
    found = _word_kinds(text, either)
    at = [p for p, _ in found]
    words = [found[bisect.bisect_left(at, s) : bisect.bisect_left(at, e)] for s, e in clauses]
    starts = [s for s, _ in clauses]
    for f in figures:
        f.clause = bisect.bisect_right(starts, f.start) - 1
        f.kind = _own_kind(f, words[f.clause])
    for f in figures:
        if f.kind is None:
            f.kind = _inherited(f.clause, figures, words)
    return clauses, words


def _inherited(clause: int, figures: list[_Figure], words: list[list]) -> str | None:
    """The kind of a clause without words of its own: the previous clause's when its verb came
    before its figure ("killed 5 civilians, and 3 militants"), else the next clause's ("Five
    civilians and two fighters ... were killed"), else the previous one's."""
    before = [i for i in range(clause - 1, -1, -1) if words[i]]
    after = [i for i in range(clause + 1, len(words)) if words[i]]
    if before:
        prev = before[0]
        first = next((f for f in figures if f.clause == prev), None)
        if first is not None and words[prev][0][0] < first.start:
            return first.kind
    if after:
        return _clause_kind(words[after[0]])
    if before:
        return _clause_kind(words[before[0]])
    return None


def _clause_kind(words: list[tuple[int, str]]) -> str:
    kinds = [k for _, k in words]
    for kind in ("either", "dead", "hurt", "other"):
        if kind in kinds:
            return kind
    return kinds[0]


def _sum(counts: list[_Count]) -> _Count:
    """Distinct groups of dead in one event: each bound is the sum, unknown if any is."""

    def total(values: list[int | None]) -> int | None:
        return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]

    return _Count(
        total([c.low for c in counts]),
        total([c.best for c in counts]),
        total([c.high for c in counts]),
        sum(c.acled for c in counts),
        total([c.ceiling for c in counts]),
    )


def _floored(count: _Count, floor: int) -> _Count:
    """A toll whose stated part is larger than it: the part is the floor."""
    if floor <= count.acled:
        return count
    return _Count(
        floor,
        None if count.best is None else max(count.best, floor),
        None if count.high is None else max(count.high, floor),
        floor,
        count.ceiling,
    )


def _report(text: str, figures: list[_Figure]) -> _Count:
    """One source's toll from its death figures: a stated total if there is one ("the toll rose
    to 17"), else the sum over clauses of each clause's largest figure."""
    totals = [
        f
        for f in figures
        if _TOTAL_BEFORE.search(text, _back(f.start), f.start)
        or _TOTAL_AFTER.search(text[f.end : f.end + 30])
    ]
    if totals:
        return max((f.count for f in totals), key=lambda c: c.acled)
    by_clause: dict[int, _Count] = {}
    for f in figures:
        c = by_clause.get(f.clause)
        if c is None or f.count.acled > c.acled:
            by_clause[f.clause] = f.count
    return _sum(list(by_clause.values()))


def _read(phrase: str) -> _Reading | None:
    """The toll one phrase states, or None when it states no figure."""
    if _BACKGROUND.search(phrase):
        return None  # the war's cumulative toll: no event's
    text, subsets = _blank_subsets(phrase)
    if _NONE_KILLED.search(text):  # checked first: "no one" holds the number word "one"
        return _Reading(0, 0, 0, 0, deaths=True)
    figures = _figures(text)
    clauses, words = _kinds(text, figures)
    kinds = {k for ws in words for _, k in ws}
    for start, n in subsets:  # a subset's count is a floor of the figure it follows
        owner = next((f for f in reversed(figures) if f.end <= start), None)
        if owner is not None:
            owner.floor = max(owner.floor, n)
    for f, g in itertools.pairwise(figures):
        if _AMONG.search(text, f.end, g.start):  # "Two children were among nine people killed"
            g.floor, f.kind = max(g.floor, f.count.acled), "part"
    dead = [f for f in figures if f.kind == "dead" or (f.kind is None and not kinds)]
    dead = [f for f in dead if not _perpetrator(f, figures, text, clauses)]
    own = [f for f in dead if not _of_another_event(text, *clauses[f.clause])]
    dead = own or dead
    if not dead:
        either = [f for f in figures if f.kind == "either"]
        if either:
            # killed-or-injured: not a death toll; the figure only bounds deaths from above
            return _Reading(0, None, either[0].count.ceiling, 0, deaths=False)
        if "either" in kinds:  # casualties without a figure: deaths unknown, ACLED 0
            return _Reading(0, None, None, 0, deaths=False)
        if "hurt" in kinds and "dead" not in kinds:  # injuries only: no one died
            return _Reading(0, 0, 0, 0, deaths=False)
        return None
    for f in dead:
        f.count = _floored(f.count, f.floor)
    # Reports: a later figure after "said"/"put the toll at" in its own clause is another
    # source's figure for the same toll.
    reports: list[list[_Figure]] = [[]]
    for f in dead:
        start = clauses[f.clause][0]
        if (
            reports[-1]
            and reports[-1][-1].clause != f.clause
            and _REPORTED_BEFORE.search(text, max(start, _back(f.start)), f.start)
        ):
            reports.append([])
        reports[-1].append(f)
    counts = [_report(text, r) for r in reports]
    open_high = bool(_OPEN.search(text)) or any(
        ws
        and _clause_kind(ws) == "dead"
        and not any(f.clause == i for f in figures)
        and _MORE_DEAD.search(text, *clauses[i])
        for i, ws in enumerate(words)
    )
    if len({c.acled for c in counts}) == 1:
        c = counts[0]
        return _Reading(c.low, c.best, None if open_high else c.high, c.acled, deaths=True)
    lows = [c.low for c in counts]
    highs = [c.high for c in counts]
    return _Reading(
        None if None in lows else min(lows),  # type: ignore[type-var]
        None,
        None if open_high or None in highs else max(highs),  # type: ignore[type-var]
        min(c.acled for c in counts),
        deaths=True,
        disputed=True,
    )


def _of_another_event(text: str, start: int, end: int) -> bool:
    return bool(_CONTEXT_CLAUSE.match(text, start) or _OTHER_TIME.search(text, start, end))


def _perpetrator(
    figure: _Figure, figures: list[_Figure], text: str, clauses: list[tuple[int, int]]
) -> bool:
    """A figure before an active-voice killing that has its own object in the same clause
    ("Two gunmen killed three civilians") counts the killers, not the dead."""
    start, end = clauses[figure.clause]
    verb = _ACTIVE_KILL.search(text, figure.end, end)
    return bool(
        verb
        and not _AUXILIARY_BEFORE.search(text, max(start, _back(verb.start())), verb.start())
        and any(f.clause == figure.clause and f.start >= verb.end() for f in figures)
    )


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
    disputed = reading.disputed
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
