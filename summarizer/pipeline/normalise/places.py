"""Resolve a place as written ("the village of al-Zara", "Hama province", "northern Homs") to a
``Place``: normalised name, governorate (admin1), coordinates when the gazetteer knows them, and
ACLED geo precision.

Geo precision, following ACLED:

* 1 - the town or village itself was found in the gazetteer: its coordinates are reported (also
  "the centre of Afrin", and a named district of a city the gazetteer knows: "the Jobar district
  of the capital" is coded at Damascus, as ACLED codes a city's neighbourhoods);
* 2 - near a town ("outskirts of Douma": the town's coordinates), part of a governorate
  ("northern Homs", "the western countryside of Aleppo", "Eastern Ghouta": admin1 only, no
  coordinates), or a village the gazetteer does not know whose governorate the article states
  for it ("in Hama province", in its own sentence or the nearest one that names a governorate);
* 3 - a governorate only ("Hama province", "the countryside of Aleppo", "air strikes on Idlib
  since April"), a country, or a village the gazetteer does not know whose governorate is only
  a guess from the article as a whole (the governorate most of the article is about).

ACLED puts the provincial capital's coordinates on precision-3 rows. We leave them empty: a
downstream map would otherwise show an event in a city the article never named. Coordinates are
only ever the gazetteer's; a place it does not know keeps its name and gets none (ACLED's coders
would look such a village up and give it precision 1; without its coordinates we say what we
know, its governorate: 2 or 3).

A bare name that is both a governorate and its capital ("Idlib", "Hama", "Deir ez-Zor") is
decided by the words around it, in the phrase and then in the event's own evidence: "Idlib
city", "the city of Idlib", "the centre of Idlib", "Aleppo, Syria's second city" are the city;
"in Idlib province", "across Idlib", "rebel-held Idlib", "Idlib, the last rebel bastion" and a
campaign over a period ("air strikes on Idlib last week", "killed ... in Idlib since April") are
the governorate; "northern Idlib" is part of it; "the outskirts of Idlib" is near the city.
Where nothing says, the city, unless the evidence speaks of that governorate elsewhere.

Each result says which rule produced it (``PlaceMatch.rule``):

``town`` · ``town-alias`` · ``town-fuzzy`` · ``town-ambiguous`` (same name in several governorates,
neither the evidence nor the article decided: the most populous is taken) · ``town-centre`` ·
``city-district`` · ``near-town`` (also "the enclave of Afrin"; ``near-town (between)`` for "the
road between Saraqib and Maarat al-Numan") · ``admin1`` · ``admin1-part`` ·
``admin1-countryside`` · ``area-alias`` · ``alias-unlocated`` (an alias whose town is not in the
gazetteer; ``near-alias-unlocated`` after "near") · ``country`` · ``country-part`` ("north-west
Syria") · ``foreign-town`` ("the Turkish border town of Kilis": the country only) · for a
governorate capital: ``capital-city-phrase``, ``capital-near-phrase``, ``capital-part-phrase``,
``capital-province-phrase``, ``capital-province-window`` (a campaign over a period),
``capital-province-context`` (the evidence speaks of the governorate elsewhere),
``capital-city-default`` (nothing said) · for a place the gazetteer does not know:
``unknown-context-admin1`` (its evidence names the governorate), ``context-admin1-nearest`` (the
nearest governorate stated in the article, within ``NEAREST_SENTENCES`` sentences of where the
place is named), ``context-admin1-dominant`` (the governorate most of the article is about,
precision 3), ``unknown``; each with a ``near-`` prefix for "near X" ("near Jubata al-Khashab" is
Jubata al-Khashab, precision 2). A list ("Hama province and Idlib") takes its first place's rule
plus "(first of a list)"; a place inside a town ("a school in Jaramana") the town's rule plus "(a
place in it)". Set when a whole article is assembled: ``unknown-article-admin1``: a place
located no better than a guess whose governorate another event of the same article at the same
place gives.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from summarizer.pipeline.normalise.gazetteer import (
    Admin1Mention,
    Gazetteer,
    GazetteerEntry,
    unpossessive,
)
from summarizer.pipeline.normalise.text import ARTICLES, fold, skeleton
from summarizer.types.records import Place

__all__ = ["NEAREST_SENTENCES", "ArticlePlaces", "PlaceMatch", "resolve_place", "share_admin1"]

# How far (in sentences) from where a place is named the article may state its governorate
# for ``context-admin1-nearest``: "Jibine ... (two sentences on) Jibine, in Hama province".
NEAREST_SENTENCES = 2


@dataclass(frozen=True)
class PlaceMatch:
    """A resolved place plus what ``Place`` cannot hold yet: the GeoNames id and the rule."""

    place: Place
    geonames_id: int | None
    rule: str


# ----------------------------------------------------------------------------------------------
# reading the phrase
# ----------------------------------------------------------------------------------------------

_DIR = r"(?:north|south)[\s-]?(?:east|west)(?:ern)?|(?:north|south|east|west)(?:ern)?|central|rural"
_THE = r"(?:the\s+)?"
_REGION = r"(?:province|governorate|region)"
_ADJECTIVES = r"(?:[\w'\u2019-]+\s+)"

# Qualifiers around a name, peeled off one at a time, outermost first, until none is left:
# "the north of Hama province" -> province("the north of Hama") -> part("north", "Hama"). Each
# peel only records what it saw; what the whole phrase means is decided once the name is bare.
_PEELS: list[tuple[str, re.Pattern[str]]] = [
    (mode, re.compile(p, re.IGNORECASE))
    for mode, p in [
        # one adjective may stand before the noun: "the coastal governorate of Latakia",
        # "the northern province of Aleppo" (a province in the north, not part of one)
        ("province", rf"^{_THE}(?:[a-z-]+\s+)?{_REGION}\s+of\s+{_THE}(?P<x>.+)$"),
        ("province", rf"^(?P<x>.+?)(?:['\u2019]s)?\s+{_REGION}$"),
        (
            "centre",
            rf"^{_THE}(?:city\s+)?(?:centre|center|heart|middle|downtown)\s+(?:of\s+)?{_THE}"
            r"(?P<x>.+)$",
        ),
        ("countryside", rf"^{_THE}(?:(?P<dir>{_DIR})\s+)?countryside\s+of\s+{_THE}(?P<x>.+)$"),
        ("countryside", rf"^(?P<x>.+?)(?:['\u2019]s)?\s+(?:(?P<dir>{_DIR})\s+)?countryside$"),
        # "the north of Hama": a part of it; "north of Hama" (no article): from the town
        ("part", rf"^the\s+(?P<dir>{_DIR})\s+of\s+{_THE}(?P<x>.+)$"),
        ("near", rf"^(?P<dir>{_DIR})\s+of\s+{_THE}(?P<x>.+)$"),
        ("part", rf"^{_THE}(?P<dir>{_DIR})\s+(?:parts?\s+of\s+{_THE})?(?P<x>.+)$"),
        # "the Kurdish-held enclave of Afrin": the area around a town, not the town
        ("around", rf"^{_THE}{_ADJECTIVES}{{0,2}}?(?:enclave|pocket|area)\s+of\s+{_THE}(?P<x>.+)$"),
        ("around", r"^(?P<x>.+?)\s+(?:enclave|pocket|area)$"),
        (
            "near",
            rf"^(?:near|outside|around|close\s+to|(?:on\s+)?{_THE}outskirts\s+of"
            rf"|{_THE}(?:vicinity|edge|gates)\s+of)\s+{_THE}(?P<x>.+)$",
        ),
        ("near", r"^(?P<x>.+?)(?:['\u2019]s)?\s+(?:outskirts|surroundings|environs|vicinity)$"),
    ]
]
# "Hama's Sahl al-Ghab plain": a governorate owning a place names the place's governorate.
_OWNED = re.compile(r"^(?P<owner>.+?)['\u2019]s\s+(?P<x>.+)$")
_QUALIFIER_ONLY = re.compile(
    rf"^(?:(?:{_DIR})\s+)?(?:province|governorate|region|countryside|outskirts|surroundings"
    r"|environs)$",
    re.IGNORECASE,
)
# "the village of", "the Turkish border town of", "the Damascus suburb of": up to three words
# before the noun, kept (a nationality or a governorate among them says where the place is).
_SETTLEMENT_OF = re.compile(
    rf"^(?:the\s+)?(?P<adj>{_ADJECTIVES}{{0,3}}?)(?P<noun>village|town|city|neighbou?rhood|suburb"
    r"|hamlet|district|quarter)s?\s+of\s+",
    re.IGNORECASE,
)
# An airbase or airport is coded at its town ("Hmeymim airbase", "Hama military airport").
_SETTLEMENT_AFTER = re.compile(
    r"\s+(?:village|town|city|neighbou?rhood|suburb|(?:military\s+)?(?:air\s*base|airport))$",
    re.IGNORECASE,
)
# Named features of a place: looked up without the word, reported with it when not found
# ("the Qalamoun mountains" -> Qalamoun; "the Yarmouk camp" stays "Yarmouk camp").
_FEATURE_AFTER = re.compile(
    r"\s+(?:camp|(?:border\s+)?crossing|mountains?|hills?|plain|valley|dam|prison)$",
    re.IGNORECASE,
)
# "a village on the outskirts of Maarat al-Numan", "a school in Jaramana": an unnamed place,
# located by the named one.
_UNNAMED = re.compile(
    rf"^(?:an?|one|two|three|several|some)\s+{_ADJECTIVES}{{0,2}}?(?:village|town|hamlet|area"
    r"|neighbou?rhood|district|farm|position|checkpoint|school|hospital|market|mosque|house"
    r"|building|camp|base|post|site)s?\s+(?P<rel>on\s+the\s+outskirts\s+of|outside|near"
    r"|close\s+to|around|in\s+the\s+vicinity\s+of|in|at|inside)\s+(?P<x>.+)$",
    re.IGNORECASE,
)
_LEADING_IN = re.compile(r"^(?:in|at|inside|within)\s+(?=\S)", re.IGNORECASE)
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_IN_COUNTRY = re.compile(r"^(?P<x>.+?)(?:\s*,\s*|\s+in\s+)(?P<country>[^,]+)$", re.IGNORECASE)
_IN_PLACE = re.compile(r"^(?P<x>.+)\s+in\s+(?P<y>.+)$", re.IGNORECASE)
# "the Jobar district of the capital": the name first, its city after.
_DISTRICT_OF = re.compile(
    r"^(?:the\s+)?(?P<x>.+?)\s+(?P<noun>district|neighbou?rhood|quarter|suburb)s?\s+of\s+"
    r"(?P<owner>.+)$",
    re.IGNORECASE,
)
_CAPITAL = re.compile(r"^(?:the\s+)?(?:syrian\s+)?capital$", re.IGNORECASE)
_BETWEEN = re.compile(r"^(?:.*?\s)?between\s+(?P<x>.+?)\s+and\s+(?P<y>.+)$", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"\s*,\s*|\s+(?:and|&)\s+", re.IGNORECASE)
# What follows "X, ..." when it describes X rather than listing another place: a lower-case
# word ("north of Daraa", "a Damascus suburb") that is not an Arabic article ("al-Sayyad"), or
# a possessive ("Syria's second city").
_APPOSITIVE = re.compile(
    r"^(?:(?!(?:al|el|ad|ar|as|ash|at|az|an|adh|ath|ed|en|es|et|ez)-)[a-z]|[\w-]+['\u2019]s\s)"
)
_IN_DAMASCUS = re.compile(
    r"\b(?:in|inside|district|neighbou?rhood|quarter|centre|center)\b", re.IGNORECASE
)
# Nationality adjectives before a settlement noun: "the Turkish border town of Kilis".
_NATIONALITIES = {
    "turkish": "TUR",
    "lebanese": "LBN",
    "iraqi": "IRQ",
    "jordanian": "JOR",
    "israeli": "ISR",
    "syrian": "SYR",
}
# Unnamed places inside a city are coded at the city; suburbs are towns of their own (the
# suburbs of Damascus lie in Rural Damascus).
_CITY_PARTS = {"district", "neighbourhood", "neighborhood", "quarter"}


@dataclass(frozen=True)
class _Head:
    """A phrase with its settlement words taken off, and what those words said."""

    name: str
    settlement: bool  # "the village of X", "X town": then a governorate-named X is the town
    country: str | None = None  # ISO3 from a nationality adjective
    owner: str | None = None  # a governorate's name before the noun ("the Damascus suburb of")
    noun: str = ""  # that noun, lower case


def _strip_settlement(text: str, gaz: Gazetteer) -> _Head:
    """Remove "the village of" / "... town"; keep what the words before the noun say."""
    country = owner = None
    noun = ""
    m = _SETTLEMENT_OF.match(text)
    if m:
        for word in m["adj"].split():
            country = country or _NATIONALITIES.get(word.casefold())
            if owner is None and gaz.admin1(unpossessive(word)):
                owner = unpossessive(word)
        noun = m["noun"].casefold()
        text = text[m.end() :]
    stripped = _LEADING_THE.sub("", _SETTLEMENT_AFTER.sub("", text))
    settlement = bool(m) or stripped != _LEADING_THE.sub("", text)
    return _Head(stripped, settlement, None if country == "SYR" else country, owner, noun)


def _feature_core(name: str) -> str | None:
    core = _FEATURE_AFTER.sub("", name)
    return core if core != name else None


_DIR_SEPARATOR = re.compile(r"[\s-]+")
# A direction kept as written in a country's region: "north-west Syria", "northern Syria"
_COMPOUND_OR_ADJECTIVE = re.compile(r"[\s-]|ern$|^(?:central|rural)$", re.IGNORECASE)


def _adjective(direction: str) -> str:
    """A direction as an adjective: "north" -> "northern", "north-west" -> "north-western"."""
    d = _DIR_SEPARATOR.sub("-", direction.casefold())
    if d in {"central", "rural"} or d.endswith("ern"):
        return d
    return f"{d}ern"


def _damascus(gaz: Gazetteer) -> str | None:
    return gaz.admin1("Dimashq")


def _rural_damascus(gaz: Gazetteer) -> str | None:
    return gaz.admin1("Rif Dimashq")


# ----------------------------------------------------------------------------------------------
# the whole article, read once
# ----------------------------------------------------------------------------------------------

# One scan of the article finds both what can be part of a place's name (a capitalised word,
# or one behind a joined Arabic article: "al-Zara", "ez-Zor") and where sentences end (. ! ?
# before a capital or a digit, or a line break: "U.S. forces" stays one sentence).
_NAME_WORD = r"\b(?:[^\W\d_a-z]|(?:al|el|ad|an|ar|as|ash|at|az|ed|en|es|et|ez)-)[\w'\u2018\u2019-]*"
_NAME_OR_BREAK = re.compile(
    rf"(?P<w>{_NAME_WORD})"
    r"|(?P<b>[.!?]+[\"'\u201d\u2019)\]]*\s+(?=[\"'\u201c\u2018(]?[^\W_a-z])|\n\s*)"
)
_NAME_WORDS = re.compile(_NAME_WORD)
_ARTICLE_TOKENS = frozenset(skeleton(a) for a in ARTICLES)
# The words of one name lie next to each other: at most " al " or ", " between two of them.
_NAME_GAP = 5
# Between two governorate names: they are named as a pair or a list.
_JOINED = re.compile(r"(?:['\u2019]s)?\s*(?:,|and|or|&|-|/)\s*(?:the\s+)?$", re.IGNORECASE)


def _name_key(name: str) -> tuple[str, ...]:
    """The skeleton tokens of a name's capitalised words ("Yarmouk camp" -> ("yarmuk",))."""
    return tuple(
        t
        for m in _NAME_WORDS.finditer(name)
        for t in skeleton(unpossessive(m.group())).split()
        if t not in _ARTICLE_TOKENS
    )


class ArticlePlaces:
    """What place resolution needs from one whole article, worked out once and kept: where its
    sentences start and where each name occurs (one scan, into an index that later look-ups
    use instead of searching the text), the governorates it names (one scan), and the
    governorate most of it is about.

    ``ArticlePlaces.of(text, gazetteer)`` returns the same object for the same article, so that
    every event of an article shares one reading. Nothing is read before it is first needed."""

    def __init__(self, text: str, gazetteer: Gazetteer) -> None:
        self.text = text
        self.gazetteer = gazetteer
        self._found: dict[tuple[str, ...], tuple[tuple[int, int], ...]] = {}

    @classmethod
    def of(cls, text: str, gazetteer: Gazetteer | None = None) -> ArticlePlaces:
        return _article_places(text, gazetteer or Gazetteer.default())

    @cached_property
    def _scan(
        self,
    ) -> tuple[list[int], list[str], list[tuple[int, int]], dict[str, list[int]]]:
        """Where each sentence starts; the article's name tokens (skeletons, articles left out)
        in order, each one's word span, and token -> its positions."""
        starts = [0]
        tokens: list[str] = []
        spans: list[tuple[int, int]] = []
        index: dict[str, list[int]] = {}
        for m in _NAME_OR_BREAK.finditer(self.text):
            if m.lastgroup == "b":
                starts.append(m.end())
                continue
            span = m.span()
            for token in skeleton(unpossessive(m.group())).split():
                if token not in _ARTICLE_TOKENS:
                    index.setdefault(token, []).append(len(tokens))
                    tokens.append(token)
                    spans.append(span)
        return starts, tokens, spans, index

    def sentence_of(self, pos: int) -> int:
        return bisect.bisect_right(self._scan[0], pos) - 1

    @cached_property
    def mentions(self) -> tuple[Admin1Mention, ...]:
        """Every governorate the article names, in order. (Read only around the name words
        the scan found that belong to a governorate's spelling: a name is capitalised.)"""
        _starts, _tokens, spans, index = self._scan
        known = self.gazetteer.admin1_table.tokens
        around = [spans[i] for token, where in index.items() if token in known for i in where]
        return self.gazetteer.admin1_mentions_around(self.text, around) if around else ()

    @cached_property
    def _mention_sentences(self) -> list[int]:
        return [self.sentence_of(m.start) for m in self.mentions]

    @cached_property
    def _listed(self) -> frozenset[int]:
        """Mentions (by index) named together with another governorate ("between the
        provinces of Homs and Hama", "assault on Homs, Hama"): they state no one place's."""
        listed: set[int] = set()
        for i, (a, b) in enumerate(itertools.pairwise(self.mentions)):
            if _JOINED.match(self.text, a.end, b.start):
                listed.update((i, i + 1))
        return frozenset(listed)

    @cached_property
    def dominant(self) -> str | None:
        """The governorate more than half the article's mentions are about, or None.

        A mention marked as the governorate ("Hama province", "northern Hama") weighs 2, any
        other 1; a bare "Damascus" weighs nothing, being as often the government ("Damascus
        denied ...") as the place."""
        weights: Counter[str] = Counter()
        damascus = _damascus(self.gazetteer)
        for m in self.mentions:
            if m.strong:
                weights[m.admin1] += 2
            elif m.after_in or m.admin1 != damascus:
                weights[m.admin1] += 1
        if not weights:
            return None
        admin1, top = weights.most_common(1)[0]
        return admin1 if 2 * top > sum(weights.values()) else None

    def occurrences(self, name: str) -> tuple[tuple[int, int], ...]:
        """Where the article names ``name`` (any spelling with the same skeleton)."""
        key = _name_key(name)
        if not key:
            return ()
        found = self._found.get(key)
        if found is None:
            _starts, tokens, spans, index = self._scan
            n = len(key)
            found = tuple(
                (spans[i][0], spans[i + n - 1][1])
                for i in index.get(key[0], ())
                if tuple(tokens[i : i + n]) == key
                and all(spans[j + 1][0] - spans[j][1] <= _NAME_GAP for j in range(i, i + n - 1))
            )
            self._found[key] = found
        return found

    def nearest_admin1(
        self, names: Iterable[str], spans: Sequence[tuple[int, int]] = ()
    ) -> str | None:
        """The governorate the article states nearest to where it names the place (or, when it
        never names it, to the event's evidence ``spans``), at most ``NEAREST_SENTENCES``
        sentences away; None when none is that close.

        Stated means marked as a governorate ("Hama province", "northern Homs") or, next to
        the place's own name, introduced by "in" ("Jibine, in Hama"). Nearest counts sentences
        first; within the place's sentence a governorate after it wins (English lists places,
        then their province), across sentences one before it (the story goes on about it)."""
        anchors = [span for name in dict.fromkeys(names) for span in self.occurrences(name)]
        strong_only = not anchors
        if strong_only:
            anchors = list(spans)
        if not anchors or not self.mentions:
            return None
        best: tuple[tuple[int, int, int], str] | None = None
        for a_start, a_end in anchors:
            a_sentence = self.sentence_of(a_start)
            for i, (m, m_sentence) in enumerate(
                zip(self.mentions, self._mention_sentences, strict=True)
            ):
                if i in self._listed or not (m.strong or (m.after_in and not strong_only)):
                    continue
                distance = abs(m_sentence - a_sentence)
                if distance > NEAREST_SENTENCES:
                    continue
                if distance == 0:
                    order = 0 if m.start >= a_end else 1
                else:
                    order = 0 if m_sentence < a_sentence else 1
                key = (distance, order, abs(m.start - a_start))
                if best is None or key < best[0]:
                    best = (key, m.admin1)
        return best[1] if best else None


@functools.lru_cache(maxsize=16)
def _article_places(text: str, gazetteer: Gazetteer) -> ArticlePlaces:
    # Keyed on the text itself: every event of an article passes the same string, whose hash
    # Python keeps, so the look-up is cheap; a few recent articles are enough.
    return ArticlePlaces(text, gazetteer)


# ----------------------------------------------------------------------------------------------
# the context of one event
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Env:
    gaz: Gazetteer
    context: str  # the event's own evidence, after any governorate the phrase gave its parts
    article: ArticlePlaces | None
    spans: tuple[tuple[int, int], ...]  # the evidence's place in the article
    phrase: str  # the whole phrase as written (its own words decide a capital first)
    evidence: str  # the event's own evidence as it is: what the words around a name are

    def owned_by(self, admin1: str) -> _Env:
        """This context with ``admin1`` stated first, as a governorate ("Kafr Zita, Hama")."""
        return replace(self, context=f"{admin1} province. {self.context}")


def _admin1_from_context(names: list[str], context: str, gaz: Gazetteer) -> str | None:
    """The governorate the context puts the place in, or None when it does not say clearly.

    English lists places then their province ("Kafr Zita, al-Sayyad and al-Lataminah in Hama
    province"), so the first qualified mention after the place wins, then the nearest before it.
    A mention is qualified when marked as a governorate ("Hama province", "northern Homs") or
    introduced by "in". Failing that, a context that names exactly one governorate decides.
    """
    if not context:
        return None
    mentions = gaz.admin1_mentions(context)
    if not mentions:
        return None
    lowered = context.lower()
    named_here = False
    for name in names:
        pos = lowered.find(name.lower()) if name else -1
        if pos < 0:
            continue
        named_here = True
        end = pos + len(name)
        for m in mentions:
            if m.start >= end and (m.strong or m.after_in):
                return m.admin1
        for m in reversed(mentions):
            if m.end <= pos and (m.strong or m.after_in):
                return m.admin1
        break
    strong = {m.admin1 for m in mentions if m.strong}
    if len(strong) == 1:
        return strong.pop()
    # A lone bare mention only decides when the place is named in the same context: "the
    # village ... to avenge the violence in Aleppo" says nothing about where the village is.
    named = {m.admin1 for m in mentions}
    return named.pop() if len(named) == 1 and named_here else None


# Where an unlocated place's governorate came from -> (rule, precision).
_UNLOCATED = {
    "context": ("unknown-context-admin1", 2),
    "nearest": ("context-admin1-nearest", 2),
    "dominant": ("context-admin1-dominant", 3),
}


def _unlocated_admin1(names: list[str], env: _Env) -> tuple[str | None, str]:
    """The governorate of a place the gazetteer does not know, and where it came from: the
    event's own evidence, else the nearest one the article states for it, else the one most of
    the article is about."""
    if admin1 := _admin1_from_context(names, env.context, env.gaz):
        return admin1, "context"
    if env.article is not None:
        if admin1 := env.article.nearest_admin1(names, env.spans):
            return admin1, "nearest"
        if admin1 := env.article.dominant:
            return admin1, "dominant"
    return None, ""


def _ambiguity_admin1(names: list[str], env: _Env) -> str | None:
    """The governorate that decides between towns of one name: the evidence's, else the
    nearest the article states."""
    admin1 = _admin1_from_context(names, env.context, env.gaz)
    if admin1 is None and env.article is not None:
        admin1 = env.article.nearest_admin1(names, env.spans)
    return admin1


def _context_says_governorate(admin1: str, context: str, gaz: Gazetteer) -> bool:
    return any(m.admin1 == admin1 and m.strong for m in gaz.admin1_mentions(context))


# ----------------------------------------------------------------------------------------------
# a name that is a governorate and its capital
# ----------------------------------------------------------------------------------------------

_NOUNS = r"(?:[\w'\u2019-]+\s+){0,5}?"
_CAP_CITY_BEFORE = re.compile(
    r"(?:\b(?:city|centre|center|heart|middle|streets|neighbou?rhoods?|districts?|quarters?)"
    r"\s+of|\bdowntown)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_CAP_NEAR_BEFORE = re.compile(
    r"(?:\b(?:outskirts|vicinity|edge|gates|entrances?)\s+of|\bnear|\boutside|\bclose\s+to)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_CAP_DIR_OF_BEFORE = re.compile(
    rf"(?P<the>\bthe\s+)?\b(?P<dir>{_DIR})\s+of\s+(?:the\s+)?$", re.IGNORECASE
)
_CAP_PART_BEFORE = re.compile(rf"\b(?P<dir>{_DIR})\s+(?:the\s+)?$", re.IGNORECASE)
_CAP_PROVINCE_BEFORE = re.compile(
    r"(?:\b(?:province|governorate|region|area)s?\s+of|\bacross|\bthroughout|\ball\s+over"
    r"|\b(?:all|much|most|parts?|rest|whole)\s+of"
    r"|\b(?:rebel|opposition|insurgent|jihadist|militant|government|regime)[\s-]"
    r"(?:held|controlled|run|dominated))\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_CAP_CITY_AFTER = re.compile(
    r"^(?:['\u2019]s)?\s+(?:old\s+)?(?:city|town|municipality|downtown|cent(?:re|er))\b"
    r"|^['\u2019]s\s+(?:[\w'\u2019-]+\s+){0,3}?(?:neighbou?rhoods?|districts?|quarters?|streets)\b"
    rf"|^\s*,\s*(?:the|a|an|its|syria['\u2019]s)\s+{_NOUNS}(?:city|capital|town)\b",
    re.IGNORECASE,
)
_CAP_COUNTRYSIDE_AFTER = re.compile(
    rf"^(?:['\u2019]s)?\s+(?:(?P<dir>{_DIR})\s+)?countryside\b", re.IGNORECASE
)
_CAP_PROVINCE_AFTER = re.compile(
    r"^(?:['\u2019]s)?\s*(?:province|governorate|region)s?\b"
    r"|^\s+and\s+(?:its\s+)?(?:countryside|province|surroundings)\b"
    rf"|^\s*,\s*(?:the|a|an|its)\s+{_NOUNS}(?:bastion|stronghold|enclave|pocket|province"
    r"|region|zone|governorate)\b",
    re.IGNORECASE,
)
# A campaign over a period names a province: "air strikes on Idlib last week", "killed ... in
# Idlib since late April". One day's event "in Idlib" says nothing either way.
_CAP_CAMPAIGN_BEFORE = re.compile(r"\b(?:in|on|over|against)\s+(?:the\s+)?$", re.IGNORECASE)
_CAP_WINDOW = re.compile(
    r"\b(?:since|last\s+week|this\s+week|(?:past|last)\s+(?:few\s+|several\s+|two\s+|three\s+)?"
    r"(?:days|weeks|months)|for\s+(?:days|weeks|months)|in\s+recent\s+(?:days|weeks|months)"
    r"|last\s+month|this\s+month|earlier\s+this\s+(?:week|month|year))\b",
    re.IGNORECASE,
)
_BEFORE_CHARS, _AFTER_CHARS = 48, 80


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    right = min((i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0), default=-1)
    return text[left : right if right >= 0 else len(text)]


def _capital_cue(admin1: str, name: str, env: _Env) -> tuple[str, str]:
    """What the words around a capital's name say it is: ("city" | "near" | "part" |
    "countryside" | "province" | "window", direction), or ("", "") when nothing says.

    The phrase as written is read first, then the event's evidence. In the evidence, the name
    spelled as the phrase spells it is where the phrase was copied from: only its words count
    (failing such a spelling, the first mention whose words say something decides)."""
    folded = name.casefold()
    for text in (env.phrase, env.evidence):
        mentions = [m for m in env.gaz.admin1_mentions(text) if m.admin1 == admin1] if text else []
        copied = [m for m in mentions if text[m.start : m.end].casefold() == folded]
        for m in copied[:1] or mentions:
            before = text[max(0, m.start - _BEFORE_CHARS) : m.start]
            after = text[m.end : m.end + _AFTER_CHARS]
            if _CAP_CITY_BEFORE.search(before) or _CAP_CITY_AFTER.match(after):
                return "city", ""
            if d := _CAP_DIR_OF_BEFORE.search(before):
                return ("part" if d["the"] else "near"), d["dir"]
            if _CAP_NEAR_BEFORE.search(before):
                return "near", ""
            if c := _CAP_COUNTRYSIDE_AFTER.match(after):
                return "countryside", c["dir"] or ""
            if _CAP_PROVINCE_BEFORE.search(before) or _CAP_PROVINCE_AFTER.match(after):
                return "province", ""
            if d := _CAP_PART_BEFORE.search(before):
                return "part", d["dir"]
            if _CAP_CAMPAIGN_BEFORE.search(before) and _CAP_WINDOW.search(
                _sentence_around(text, m.start, m.end)
            ):
                return "window", ""
    return "", ""


def _capital(
    written: str, name: str, admin1: str, town: GazetteerEntry, settled: bool, env: _Env
) -> PlaceMatch:
    """A governorate's name that is also its capital's: the city or the governorate, by the
    words around it (see the module docstring)."""
    gaz = env.gaz
    if settled:
        return _match(_town_place(written, town, gaz, 1), "capital-city-phrase", town)
    cue, direction = _capital_cue(admin1, name, env)
    if cue == "city":
        return _match(_town_place(written, town, gaz, 1), "capital-city-phrase", town)
    if cue == "near":
        return _match(_town_place(written, town, gaz, 2), "capital-near-phrase", town)
    if cue in ("part", "countryside"):
        directions = [direction] if direction else []
        return _governorate_part(
            written,
            admin1,
            directions,
            cue == "countryside",
            gaz,
            part_rule="capital-part-phrase",
            whole_rule="capital-province-phrase",
        )
    if cue in ("province", "window"):
        rule = "capital-province-window" if cue == "window" else "capital-province-phrase"
        return _match(_region_place(written, admin1, admin1, 3), rule)
    if _context_says_governorate(admin1, env.evidence, gaz):
        return _match(_region_place(written, admin1, admin1, 3), "capital-province-context")
    return _match(_town_place(written, town, gaz, 1), "capital-city-default", town)


def _governorate_part(
    written: str,
    admin1: str,
    directions: list[str],
    rural: bool,
    gaz: Gazetteer,
    part_rule: str = "admin1-part",
    whole_rule: str = "admin1-countryside",
) -> PlaceMatch:
    """A part of a governorate ("northern Hama", "the western countryside of Aleppo"):
    precision 2; its countryside with no direction ("the countryside of Aleppo", "rural Hama")
    is the whole governorate but its capital, which locates nothing more than the governorate:
    precision 3. The countryside of Damascus is Rural Damascus."""
    real = [d for d in directions if d.casefold() != "rural"]
    rural = rural or len(real) < len(directions)
    name = admin1
    if rural and admin1 == _damascus(gaz) and (rd := _rural_damascus(gaz)):
        name, admin1 = "Damascus", rd
    if real:
        label = f"{_adjective(real[0])} {name}" + (" countryside" if rural else "")
        return _match(_region_place(written, label, admin1, 2), part_rule)
    if rural:
        return _match(_region_place(written, f"{name} countryside", admin1, 3), whole_rule)
    return _match(_region_place(written, admin1, admin1, 3), "admin1")


# ----------------------------------------------------------------------------------------------
# countries
# ----------------------------------------------------------------------------------------------

# Short forms news copy uses that pycountry's ISO names lack ("Türkiye", "Russian Federation").
_COUNTRY_EXTRAS = {
    "turkey": "TUR",
    "russia": "RUS",
    "us": "USA",
    "usa": "USA",
    "america": "USA",
    "united states of america": "USA",
    "uk": "GBR",
    "britain": "GBR",
    "great britain": "GBR",
    "iran": "IRN",
    "syria": "SYR",
}
# ACLED's country names where ISO's differ ("Türkiye", "Russian Federation", "Iran, Islamic ...").
_COUNTRY_DISPLAY = {
    "TUR": "Turkey",
    "RUS": "Russia",
    "USA": "United States",
    "GBR": "United Kingdom",
    "IRN": "Iran",
    "SYR": "Syria",
}


@functools.cache
def _countries() -> dict[str, tuple[str, str]]:
    import pycountry

    out: dict[str, tuple[str, str]] = {}
    for c in pycountry.countries:
        display = getattr(c, "common_name", None) or c.name
        for attr in ("name", "common_name", "official_name"):
            if value := getattr(c, attr, None):
                out[fold(value)] = (c.alpha_3, display)
    for key, iso3 in _COUNTRY_EXTRAS.items():
        out[key] = (iso3, _COUNTRY_DISPLAY[iso3])
    # the short English name everywhere, whichever spelling was written
    return {k: (iso3, _COUNTRY_DISPLAY.get(iso3, d)) for k, (iso3, d) in out.items()}


# ----------------------------------------------------------------------------------------------
# building the answer
# ----------------------------------------------------------------------------------------------


def _pick(entries: list[GazetteerEntry], admin1: str | None) -> tuple[GazetteerEntry, bool]:
    """The entry in the context's governorate if any, else the first (most populous); and
    whether the choice was ambiguous (several governorates, context did not narrow it)."""
    if admin1:
        in_admin1 = [e for e in entries if e.admin1 == admin1]
        if in_admin1:
            return in_admin1[0], False
    return entries[0], len({e.admin1 for e in entries}) > 1


def _town_place(written: str, entry: GazetteerEntry, gaz: Gazetteer, precision: int) -> Place:
    name = entry.name
    # A governorate capital takes the ACLED spelling of its governorate ("Idleb", "Lattakia").
    if entry.admin1 and gaz.admin1(name) == entry.admin1:
        name = entry.admin1
    return Place(
        name=written,
        normalised_name=name,
        admin1=entry.admin1,
        admin2=entry.admin2,
        country_iso3=entry.country_iso3,
        latitude=entry.latitude,
        longitude=entry.longitude,
        geo_precision=precision,  # type: ignore[arg-type]
    )


def _region_place(
    written: str,
    normalised: str,
    admin1: str | None,
    precision: int | None,
    admin2: str | None = None,
) -> Place:
    return Place(
        name=written,
        normalised_name=normalised,
        admin1=admin1,
        admin2=admin2,
        country_iso3="SYR" if admin1 else None,
        geo_precision=precision,  # type: ignore[arg-type]
    )


def _find_town(core: str, env: _Env) -> tuple[GazetteerEntry | None, str | None]:
    """(entry, rule) for a populated place named ``core`` (or, failing that, named so without
    a feature word: "Bab al-Hawa crossing"), or (None, None).

    The gazetteer's own names first, then the alias table, then fuzzy matching: each step is
    looser than the one before. Where one name has entries in several governorates, the
    evidence, then the article, says which (looked for only then)."""
    gaz = env.gaz
    for name in filter(None, (core, _feature_core(core))):
        if entries := gaz.lookup(name):
            return _choose(entries, [name], env, "town")
        alias = gaz.alias(name)
        if alias and alias.kind == "town" and (entries := gaz.lookup(alias.canonical)):
            entry, _ = _choose(entries, [name], env, "town-alias", alias.admin1)
            return entry, "town-alias"
    entries, _score = gaz.fuzzy(core)
    if entries:
        entry, _ = _choose(entries, [core], env, "town-fuzzy")
        return entry, "town-fuzzy"
    return None, None


def _choose(
    entries: list[GazetteerEntry],
    names: list[str],
    env: _Env,
    rule: str,
    fallback_admin1: str | None = None,
) -> tuple[GazetteerEntry, str]:
    if len({e.admin1 for e in entries}) == 1:
        return entries[0], rule
    admin1 = _ambiguity_admin1(names, env) or fallback_admin1
    entry, ambiguous = _pick(entries, admin1)
    return entry, "town-ambiguous" if ambiguous else rule


def _match(place: Place, rule: str, entry: GazetteerEntry | None = None) -> PlaceMatch:
    return PlaceMatch(place=place, geonames_id=entry.geonames_id if entry else None, rule=rule)


def _as_written(
    inner: PlaceMatch, written: str, *, country: str | None = None, rule_note: str = ""
) -> PlaceMatch:
    """``inner`` (a part of the phrase, resolved) reported under the phrase as written, with
    ``country`` (ISO3) when the part gives none and ``rule_note`` after its rule."""
    update: dict[str, str] = {"name": written}
    if country and inner.place.country_iso3 is None:
        update["country_iso3"] = country
    place = inner.place.model_copy(update=update)
    return PlaceMatch(place, inner.geonames_id, inner.rule + rule_note)


def _foreign(written: str, name: str, iso3: str, env: _Env) -> PlaceMatch:
    """A place outside Syria: the Syrian gazetteer cannot locate it, and no Syrian governorate
    applies. Only the country is known: precision 3, as for a country."""
    entries = [e for e in env.gaz.lookup(name) if e.country_iso3 == iso3]
    if entries:  # a full GeoNames dump loaded without a country filter may know it
        return _match(_town_place(written, entries[0], env.gaz, 1), "town", entries[0])
    place = Place(name=written, normalised_name=name, country_iso3=iso3, geo_precision=3)
    return _match(place, "foreign-town")


def resolve_place(
    name: str | None,
    context: str = "",
    gazetteer: Gazetteer | None = None,
    *,
    article: str | ArticlePlaces | None = None,
    spans: Sequence[tuple[int, int]] = (),
) -> PlaceMatch | None:
    """Resolve a place name as written.

    ``context`` is the event's own evidence (its quote or quotes): it gives the governorate
    ("... in Hama province") and tells "Idlib" the city from the province. ``article`` is the
    whole article text (or its ``ArticlePlaces``) and ``spans`` the evidence's (start, end) in
    it: a place the gazetteer does not know takes the governorate the article states nearest
    to where it names the place, else the one most of the article is about. The article is
    read once, however many events ask.

    Returns None for an empty name. See the module docstring for the rules.
    """
    if not name or not name.strip():
        return None
    gaz = gazetteer or Gazetteer.default()
    if isinstance(article, str):
        article = ArticlePlaces.of(article, gaz) if article else None
    written = " ".join(name.split()).strip(" .,;:")
    env = _Env(gaz, context or "", article, tuple(spans), written, context or "")
    return _resolve(written, env)


def _resolve(written: str, env: _Env) -> PlaceMatch:
    gaz = env.gaz
    # "a village on the outskirts of Maarat al-Numan", "a school in Jaramana"
    if unnamed := _UNNAMED.match(written):
        rel = unnamed["rel"].casefold()
        if rel in ("in", "at", "inside"):
            return _as_written(_resolve(unnamed["x"], env), written, rule_note=" (a place in it)")
        return _as_written(_resolve(f"{rel} {unnamed['x']}", env), written)
    text = _LEADING_IN.sub("", written)
    # "the Jobar district of the capital": the name first, its city after
    of = _DISTRICT_OF.match(text)
    if (
        of
        and of["x"][:1].isupper()
        and not gaz.admin1(of["x"])
        and (found := _city_district(of["x"], of["owner"], of["noun"], written, env))
    ):
        return found
    head = _strip_settlement(text, gaz)
    whole = head.name
    if head.country:  # "the Turkish border town of Kilis"
        return _foreign(written, whole, head.country, env)
    if head.owner:  # "the Damascus suburb of Douma", "the Aleppo district of X"
        if (head.noun in _CITY_PARTS or head.noun == "suburb") and (
            found := _city_district(whole, head.owner, head.noun, written, env)
        ):
            return found
        # "the Hama village of X": the place is in that governorate
        env = env.owned_by(gaz.admin1(head.owner))  # type: ignore[arg-type]
    feature = _feature_core(whole)

    # 1. The whole phrase as an alias, a governorate spelling or a country, before any pattern
    #    reads "Eastern Ghouta" as "the east of Ghouta" or "Rural Damascus" as part of Damascus.
    alias = gaz.alias(whole) or (gaz.alias(feature) if feature else None)
    if alias and alias.kind == "area":
        return _match(
            _region_place(written, alias.canonical, alias.admin1, 2, alias.admin2), "area-alias"
        )
    admin1 = gaz.admin1(whole)
    if admin1 is not None:
        town = next(
            (e for e in gaz.lookup(whole) or gaz.lookup(admin1) if e.admin1 == admin1), None
        )
        if town is not None:
            return _capital(written, whole, admin1, town, head.settlement, env)
        return _match(_region_place(written, admin1, admin1, 3), "admin1")
    if country := _countries().get(fold(whole)):
        iso3, display = country
        return _match(
            Place(name=written, normalised_name=display, country_iso3=iso3, geo_precision=3),
            "country",
        )

    # Phrases of several parts are split as written (a part keeps its own settlement words:
    # "Jaramana, a Damascus suburb", "the Grand Mosque in Idlib city"); each part is resolved
    # on its own.
    compound = _LEADING_THE.sub("", text)
    # A country after the place ("eastern Ghouta, Syria", "Kilis in Turkey"): the place is the
    # head; the country is kept when the head does not give one.
    suffixed = _IN_COUNTRY.match(compound)
    if suffixed and (country := _countries().get(fold(suffixed["country"]))):
        iso3 = country[0]
        if iso3 != "SYR":
            return _as_written(_foreign(suffixed["x"], suffixed["x"], iso3, env), written)
        return _as_written(_resolve(suffixed["x"], env), written, country=iso3)
    # "the Hmeimim air base in Latakia province", "the Yarmouk camp in southern Damascus"
    if found := _place_in(compound, written, env):
        return found
    # "Kafr Zita, Hama": a place and its governorate, not a list.
    town_part, comma, region = compound.rpartition(",")
    if comma and "," not in town_part and (owner := gaz.admin1(region.strip())):
        return _as_written(_resolve(town_part, env.owned_by(owner)), written)
    # "Dael, north of Daraa", "Aleppo, Syria's second city": the first part is the place, the
    # rest describes it (a governorate it names is the place's, when the place needs one).
    first, comma, rest = compound.partition(",")
    if comma and _APPOSITIVE.match(rest.strip()):
        named = {m.admin1 for m in gaz.admin1_mentions(rest)}
        inner_env = env
        if len(named) == 1:
            owner = named.pop()
            # Damascus governorate is the city alone: a place near, outside or north of it, or
            # a suburb, lies in Rural Damascus.
            if owner == _damascus(gaz) and not _IN_DAMASCUS.search(rest):
                owner = _rural_damascus(gaz) or owner
            inner_env = env.owned_by(owner)
        return _as_written(_resolve(first, inner_env), written)
    # "the M5 highway between Saraqeb and Maarat al-Numan": near the first of them we know.
    if between := _BETWEEN.match(compound):
        for part in (between["x"], between["y"]):
            entry, _rule = _find_town(_strip_settlement(part, gaz).name, env)
            if entry is not None:
                place = _town_place(written, entry, gaz, 2)
                return _match(place, "near-town (between)", entry)
    # A list ("Hama province and Idlib", "Deir Foul, Izza al-Din and al-Kul"): one event has
    # one location in ACLED; the first listed is taken, and the rule says so.
    items = [item for item in _LIST_SEPARATOR.split(compound) if item.strip()]
    if len(items) > 1:
        return _as_written(_resolve(items[0], env), written, rule_note=" (first of a list)")

    # 2. Qualified phrases: "Hama's Sahl al-Ghab plain", "Hama province", "northern Homs",
    #    "outskirts of Douma".
    owned = _OWNED.match(whole)
    if (
        owned
        and (owner := gaz.admin1(owned["owner"]))
        and not _QUALIFIER_ONLY.match(owned["x"])  # "Hama's countryside" is a pattern below
    ):
        # resolve the owned part with the owner as the context's governorate, keep our words
        return _as_written(_resolve(owned["x"], env.owned_by(owner)), written)
    # (with its leading "the": "the north of Hama" is part of Hama, "north of Hama" near it)
    if found := _qualified(whole if head.settlement else text, written, env):
        return found

    # 3. A town or village by name.
    entry, rule = _find_town(whole, env)
    if entry is not None:
        return _match(_town_place(written, entry, gaz, 1), rule, entry)  # type: ignore[arg-type]
    if alias is not None:  # a known spelling whose town the gazetteer lacks
        # the table's governorate is a fact about the place; the context's only a reading
        admin1 = alias.admin1 or _unlocated_admin1([written, whole], env)[0]
        return _match(
            _region_place(written, alias.canonical, admin1, 2 if admin1 else None, alias.admin2),
            "alias-unlocated",
        )

    # 4. Unknown: keep the name (with its feature word: "Yarmouk camp"); the governorate if
    #    the evidence or the article gives it.
    admin1, source = _unlocated_admin1([written, whole, *filter(None, [feature])], env)
    if source:
        rule, precision = _UNLOCATED[source]
        return _match(_region_place(written, whole, admin1, precision), rule)
    return _match(Place(name=written, normalised_name=whole), "unknown")


def _city_district(
    name: str, city_name: str, noun: str, written: str, env: _Env
) -> PlaceMatch | None:
    """A named part of a city ("the Jobar district of the capital", "the Aleppo neighbourhood
    of X"), or None when the city is not one the gazetteer knows. A place the gazetteer knows
    is itself; one it does not is coded at the city, with precision 1, as ACLED codes a city's
    neighbourhoods ("Damascus - Jobar"). A suburb is a place of its own: it only takes the
    city's governorate (Rural Damascus for Damascus)."""
    gaz = env.gaz
    if _CAPITAL.match(city_name):
        city_name = "Damascus"
    city_name = _strip_settlement(city_name, gaz).name
    owner_admin1 = gaz.admin1(city_name)
    city = next(
        (e for e in gaz.lookup(city_name) if not owner_admin1 or e.admin1 == owner_admin1), None
    )
    if city is None:
        return None
    entry, rule = _find_town(name, env)
    if entry is not None:
        return _match(_town_place(written, entry, gaz, 1), rule, entry)  # type: ignore[arg-type]
    if noun.casefold() == "suburb":
        admin1 = city.admin1
        if admin1 == _damascus(gaz):
            admin1 = _rural_damascus(gaz) or admin1
        return _match(_region_place(written, name, admin1, 2), "unknown-context-admin1")
    place = _town_place(written, city, gaz, 1)
    place = place.model_copy(update={"normalised_name": f"{place.normalised_name} - {name}"})
    return _match(place, "city-district", city)


def _place_in(whole: str, written: str, env: _Env) -> PlaceMatch | None:
    """ "X in Y" where Y locates X: a governorate or part of one (X resolved in it), or a town
    (X itself when the gazetteer knows it, else the town: "the Grand Mosque in Idlib city")."""
    m = _IN_PLACE.match(whole)
    if not m:
        return None
    outer = _resolve(m["y"], replace(env, phrase=m["y"]))
    if outer.rule.endswith(")") or outer.rule == "unknown" or outer.place.admin1 is None:
        return None  # a list, or nothing we could place
    inner = _resolve(m["x"], replace(env.owned_by(outer.place.admin1), phrase=m["x"]))
    # A building or a camp in a town is at the town; a village "in Hama" is in the governorate
    # more often than in the city, and keeps its own name.
    if (
        inner.geonames_id is None
        and outer.geonames_id is not None
        and outer.place.geo_precision == 1
        and outer.rule != "capital-city-default"
        and not _strip_settlement(m["x"], env.gaz).settlement
    ):
        return _as_written(outer, written, rule_note=" (a place in it)")
    return _as_written(inner, written)


_CENTRE_BEFORE = re.compile(r"\b(?:centre|center|heart|middle)\s+of\s+(?:the\s+)?$", re.IGNORECASE)


def _said_centre(env: _Env) -> bool:
    """Whether the evidence puts "the centre of" just before the phrase as written."""
    pos = env.evidence.casefold().find(env.phrase.casefold())
    return pos > 0 and bool(_CENTRE_BEFORE.search(env.evidence[max(0, pos - 40) : pos]))


def _qualified(phrase: str, written: str, env: _Env) -> PlaceMatch | None:
    """A name inside qualifiers ("the north of Hama province", "near Jubata al-Khashab",
    "the Kurdish-held enclave of Afrin"), or None when no qualifier applies (or one stands
    around a name nothing knows, which is then read as a name)."""
    gaz = env.gaz
    modes: set[str] = set()
    directions: list[str] = []
    core, settled = phrase, False
    for _ in range(4):  # (no phrase stacks more qualifiers than this)
        peeled = next(((mode, m) for mode, p in _PEELS if (m := p.match(core))), None)
        if peeled is None:
            break
        mode, m = peeled
        modes.add(mode)
        if d := m.groupdict().get("dir"):
            directions.append(d)
        # "near the town of X" -> X; otherwise the words as they are, "the" included
        head = _strip_settlement(m["x"], gaz)
        core, settled = (head.name, True) if head.settlement else (m["x"], settled)
    if not modes:
        return None
    core = _LEADING_THE.sub("", core)
    if _said_centre(env):  # "captured the centre of [the Kurdish enclave of Afrin]"
        modes.add("centre")
    near = "near" in modes
    # "north-west Syria": a region of a country, no governorate
    if (directions or modes & {"part", "countryside"}) and (
        country := _countries().get(fold(core))
    ):
        iso3, display = country
        # "north of Syria" -> "northern Syria"; a written "north-west Syria" stays as written
        direction = directions[0] if directions else ""
        if direction and not _COMPOUND_OR_ADJECTIVE.search(direction):
            direction = _adjective(direction)
        label = f"{direction} {display}" if direction else display
        return _match(
            Place(name=written, normalised_name=label, country_iso3=iso3, geo_precision=3),
            "country-part",
        )
    admin1 = gaz.admin1(core)
    if admin1 and not settled and not near and "centre" not in modes:
        return _governorate_part(written, admin1, directions, "countryside" in modes, gaz)
    entry, _rule = _find_town(core, env)
    if entry is not None:
        if "centre" in modes and not modes & {"near", "part", "countryside"}:
            rule = "capital-city-phrase" if admin1 else "town-centre"
            return _match(_town_place(written, entry, gaz, 1), rule, entry)
        return _match(_town_place(written, entry, gaz, 2), "near-town", entry)
    if admin1:  # "north of Rural Damascus": no town of that name
        return _governorate_part(written, admin1, directions, "countryside" in modes, gaz)
    area = gaz.alias(core)
    if area and area.kind == "area":
        return _match(
            _region_place(written, area.canonical, area.admin1, 2, area.admin2), "area-alias"
        )
    if not modes & {"near", "around", "part"}:
        return None
    # "near Jubata al-Khashab": the named place, precision 2 at best, "near" not in its name
    if area and area.kind == "town":
        admin1 = area.admin1 or _unlocated_admin1([core], env)[0]
        place = _region_place(written, area.canonical, admin1, 2 if admin1 else None)
        return _match(place, "near-alias-unlocated")
    admin1, source = _unlocated_admin1([core], env)
    if not source:
        return _match(Place(name=written, normalised_name=core), "near-unknown")
    rule, precision = _UNLOCATED[source]
    return _match(_region_place(written, core, admin1, precision), f"near-{rule}")


# Rules whose governorate is a guess (or none): another event of the article at the same place
# that states one is better.
_SHAREABLE = {
    "unknown": "unknown-article-admin1",
    "context-admin1-dominant": "unknown-article-admin1",
    "near-unknown": "near-unknown-article-admin1",
    "near-context-admin1-dominant": "near-unknown-article-admin1",
}


def share_admin1(places: list[Place | None]) -> list[Place | None]:
    """One article's places, with the governorate of a place no context located (rule
    ``unknown``, or only the article's main governorate: ``context-admin1-dominant``) taken
    from another of its events at the same place, when those agree.

    An article names a village's province once ("clashed ... in northern Homs ... the village
    of al-Zara"), and its other events about that village only say "the village".
    """
    located: dict[str, set[str]] = {}
    for place in places:
        if (
            place is not None
            and place.admin1
            and place.geo_precision in (1, 2)
            and place.rule not in _SHAREABLE
        ):
            located.setdefault(_same_place_key(place), set()).add(place.admin1)
    shared: list[Place | None] = []
    for place in places:
        admin1s = located.get(_same_place_key(place), set()) if place is not None else set()
        if place is not None and place.rule in _SHAREABLE and len(admin1s) == 1:
            admin1 = next(iter(admin1s))
            update = {"admin1": admin1, "country_iso3": "SYR", "geo_precision": 2}
            place = place.model_copy(update={**update, "rule": _SHAREABLE[place.rule]})
        shared.append(place)
    return shared


def _same_place_key(place: Place) -> str:
    return skeleton(place.normalised_name or place.name)
