"""Deaths counted once within one article: a toll that already counts another event's dead.

An article often gives a total ("26 pro-regime forces were killed in the clashes") and, apart,
a part of it ("eight who were killed in a mine explosion"). Both are kept in full, as stated;
the total's ``Fatalities.includes`` lists the parts it counts, so that the article's deaths are
the sum over the tolls no other toll includes (``article_deaths``), and an ACLED-style row can
carry only the deaths no other row carries (``Fatalities.own_deaths``, ACLED's split of a
total).

``link_tolls`` decides it from the text, conservatively: when unsure, it does not link. A toll
T includes a smaller toll P of the same article when both are grounded death tolls and one of:

* **the total names the part**: a subset clause of T's toll sentence ("..., including eight
  who were killed in a mine explosion", "16 of whom ...", "among them ...") holds P's phrase,
  or states P's count and P's place and date fit within T's;
* **the part refers back to the total**: P's toll sentence opens with "Among them", "Of them",
  "Of the dead" ..., and T is the nearest earlier toll that fits (place and date within T's);
* **the total says it is one**: T's toll sentence says "in total", "a total of", "altogether",
  "the day's toll", "across", "bringing the toll to" ..., or names two or more kinds of
  violence ("in clashes and air strikes") of which P's is one; and P's date lies within T's
  (both resolved, or both unresolved with the same words) and its place within T's (the same
  place, T's governorate or region, or T has none).

A larger toll at the same place and day with none of these cues is not linked: it may as well
be another event's. Each part goes to the smallest total that includes it (a nested total
"35, including 26" and "26, including 8" is a tree). A total whose linked parts add up to more
than it keeps only the parts its text names, or none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summarizer.pipeline.normalise.fatalities import subset_figures
from summarizer.types.records import EventRecord, Place, SubEventType

__all__ = ["article_deaths", "link_tolls"]

_TOTAL = re.compile(
    r"\b(?:in\s+total|a\s+total\s+of|total(?:\s+death)?\s+toll|altogether|in\s+all|all\s+told"
    r"|overall|combined|the\s+day'?s\s+(?:death\s+)?toll|toll\s+for\s+the\s+day"
    # over an area, not "from across the border"
    r"|(?:across|throughout)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:province|governorate|countryside"
    r"|region|country|areas|Syria)"
    r"|daily\s+(?:death\s+)?toll|(?:bringing|raising|brought|raised)\s+the\s+(?:death\s+)?toll"
    r"|(?:death\s+)?toll\s+(?:rose|climbed|increased|jumped|has\s+risen|had\s+risen)\s+to)\b",
    re.IGNORECASE,
)
# A part's sentence that refers back to the toll before it.
_BACK_REFERENCE = re.compile(
    r"^\W*(?:among\s+(?:them|those|the\s+(?:dead|victims|killed))|of\s+(?:them|those|these"
    r"|the\s+(?:dead|victims|killed))|they\s+included|those\s+killed\s+included|including)\b",
    re.IGNORECASE,
)
# Words that name each kind of violence, to tell that a total spans several.
_MECHANISMS: dict[SubEventType, re.Pattern[str]] = {
    kind: re.compile(words, re.IGNORECASE)
    for kind, words in {
        SubEventType.ARMED_CLASH: r"\b(?:clash\w*|fighting|battles?|combat|firefights?)\b",
        SubEventType.AIR_DRONE_STRIKE: r"\b(?:air\s*strikes?|air\s+raids?|drones?|warplanes?"
        r"|aircraft|jets|helicopters?|barrel\s+bombs?|aerial)\b",
        SubEventType.SHELLING_ARTILLERY_MISSILE: r"\b(?:shell(?:ing|s|ed)?|artillery|rockets?"
        r"|missiles?|mortars?)\b",
        SubEventType.REMOTE_EXPLOSIVE: r"\b(?:(?:land)?mines?|IEDs?|explosive\s+devices?"
        r"|car\s+bombs?|roadside\s+bombs?|explosions?|blasts?)\b",
        SubEventType.SUICIDE_BOMB: r"\bsuicide\b",
        SubEventType.CHEMICAL_WEAPON: r"\b(?:chemical|chlorine|sarin|gas\s+attack)\b",
    }.items()
}
_SPACES = re.compile(r"\s+")


def _folded(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _is_toll(event: EventRecord) -> bool:
    """A grounded event whose phrase states deaths (not a casualty count, not a zero)."""
    f = event.fatalities
    return bool(f.phrase and f.acled and event.grounded and not event.suspect_source)


@dataclass(frozen=True)
class _Toll:
    """What the linking rules read of one toll, read once per article."""

    event: EventRecord
    acled: int
    phrase: str  # folded
    context: str  # the sentence stating the toll: the evidence quote holding the phrase
    start: int | None  # where that sentence starts in the article
    subsets: list[tuple[str, int]]  # its subset clauses (folded) and their counts
    total: bool  # it says it is a total ("in total", "across", "the day's toll")
    kinds: frozenset[SubEventType]  # the kinds of violence it names
    refers_back: bool  # it opens with "Among them", "Of the dead" ...

    @classmethod
    def of(cls, event: EventRecord) -> _Toll:
        phrase = _folded(event.fatalities.phrase or "")
        holding = [e for e in event.evidence if phrase in _folded(e.quote)]
        context = holding[0].quote if holding else event.fatalities.phrase or ""
        located = [e.start for e in (holding or event.evidence) if e.start is not None]
        return cls(
            event=event,
            acled=event.fatalities.acled or 0,
            phrase=phrase,
            context=context,
            start=min(located, default=None),
            subsets=[(_folded(c), n) for c, n in subset_figures(context)],
            total=bool(_TOTAL.search(context)),
            kinds=frozenset(k for k, words in _MECHANISMS.items() if words.search(context)),
            refers_back=bool(_BACK_REFERENCE.search(context)),
        )


def _place_within(part: Place | None, total: Place | None, *, lenient: bool) -> bool:
    if total is None:
        return True  # a total without a place: the article's whole area
    if part is None:
        return lenient
    name = _folded(part.normalised_name or part.name)
    if name == _folded(total.normalised_name or total.name):
        return True
    if total.admin1 and part.admin1 and total.admin1 == part.admin1:
        # the total is the governorate itself, or a region of it
        return total.geo_precision == 3 or _folded(total.admin1) == _folded(
            total.normalised_name or total.name
        )
    # a region wider than one governorate ("north-west Syria") spans the part, in its country
    return (
        total.geo_precision == 3
        and total.admin1 is None
        and (not total.country_iso3 or total.country_iso3 == (part.country_iso3 or "SYR"))
    )


def _date_within(part: EventRecord, total: EventRecord, *, lenient: bool) -> bool:
    p, t = part.date, total.date
    if p.start and t.start:
        return t.start <= p.start and (p.end or p.start) <= (t.end or t.start)
    if p.start is None and t.start is None:
        return lenient or (p.phrase or "").casefold() == (t.phrase or "").casefold()
    return lenient


def _fits(part: EventRecord, total: EventRecord, *, lenient: bool) -> bool:
    return _place_within(part.place, total.place, lenient=lenient) and _date_within(
        part, total, lenient=lenient
    )


def _names_the_part(total: _Toll, part: _Toll) -> bool:
    """A subset clause of the total's sentence holds the part's phrase, or its count."""
    for clause, count in total.subsets:
        if part.phrase and part.phrase in clause:
            return True
        if count == part.acled and _fits(part.event, total.event, lenient=True):
            return True
    return False


def _is_aggregate(total: _Toll, part: _Toll) -> bool:
    """The total's sentence says it sums several events, one of which can be the part."""
    return total.total or (len(total.kinds) >= 2 and part.event.sub_event_type in total.kinds)


def _includes(total: _Toll, part: _Toll, previous: _Toll | None) -> str | None:
    """How the text says ``total`` counts ``part``'s dead: "names" (explicit), "aggregate", or
    None when it does not say so. ``previous``: the toll the part's sentence refers back to."""
    if total is part or total.acled <= part.acled:
        return None
    if _names_the_part(total, part) or (part.refers_back and total is previous):
        return "names"
    if _is_aggregate(total, part) and _fits(part.event, total.event, lenient=False):
        return "aggregate"
    return None


def _previous_toll(part: _Toll, tolls: list[_Toll]) -> _Toll | None:
    """The nearest larger toll stated before the part's sentence, if it fits."""
    if part.start is None:
        return None
    earlier = [
        t
        for t in tolls
        if t is not part and t.start is not None and t.start < part.start and t.acled > part.acled
    ]
    nearest = max(earlier, key=lambda t: t.start or 0, default=None)
    fits = nearest is not None and _fits(part.event, nearest.event, lenient=True)
    return nearest if fits else None


def link_tolls(events: list[EventRecord]) -> list[EventRecord]:
    """One article's events, each toll's ``includes`` set to the parts of it the text tells
    apart (see the module docstring). Pure; events not involved are returned as they are."""
    candidates = [e for e in events if _is_toll(e)]
    if len(candidates) < 2:
        return events  # (most articles: nothing to link, and this runs for every one)
    tolls = [_Toll.of(e) for e in candidates]
    children: dict[str, list[tuple[_Toll, str]]] = {}
    for part in tolls:
        previous = _previous_toll(part, tolls) if part.refers_back else None
        found = [(t, how) for t in tolls if (how := _includes(t, part, previous))]
        if found:
            # the most immediate total: "35, including 26" and "26, including 8" nest
            total, how = min(found, key=lambda found: found[0].acled)
            children.setdefault(total.event.id, []).append((part, how))
    includes: dict[str, list[str]] = {}
    for total in tolls:
        parts = children.get(total.event.id, [])
        if sum(p.acled for p, _ in parts) > total.acled:
            parts = [(p, how) for p, how in parts if how == "names"]  # the text's own words
        if parts and sum(p.acled for p, _ in parts) <= total.acled:
            includes[total.event.id] = [p.event.id for p, _ in parts]
    return [
        e.model_copy(
            update={"fatalities": e.fatalities.model_copy(update={"includes": includes[e.id]})}
        )
        if e.id in includes
        else e
        for e in events
    ]


def article_deaths(events: list[EventRecord]) -> int:
    """The article's deaths: every toll that no other toll of it includes, summed."""
    included = {i for e in events for i in e.fatalities.includes}
    return sum(e.fatalities.acled or 0 for e in events if e.id not in included)
