"""Merge events that several articles report about the same happening.

Two events merge when all of these hold:

* they come from different articles. Two events of one article are never merged: the extractor
  already decided they are different, and an article that reports the same strike twice is
  rarer than two strikes on one day;
* same ACLED event type (the family: "Air/drone strike" and "Shelling/artillery/missile attack"
  are both Explosions/Remote violence and may merge; a battle never merges with an air strike).
  Events without an ACLED type (diplomacy) must share the PLOVER type instead;
* their date windows overlap. An event without a resolved date merges with nothing: "no date"
  is not evidence of "same date";
* the same or a nearby place: the same normalised name (compared by skeleton, so transliterations
  meet), or within ``max_distance_km`` (10 km) when both have coordinates, or the same
  governorate when one of them is only known to governorate level (geo precision 3). Two places
  in different governorates never match;
* compatible first actors: the same normalised actor1, or either one not normalised.

Clustering is complete-linkage and greedy in input order: an event joins the first group all of
whose members it is compatible with (and none from its own article), else starts a new one. So
A~B and B~C without A~C never chains A to C. Every event ends up in exactly one ``MergedEvent``;
an event that matches nothing is a group of one.

The merged record:

* date = the *intersection* of the members' windows. Each report bounds the same happening, so
  the happening lies in every window; the union would widen the date for no reason. Pairwise
  overlapping intervals always share a common part, so the intersection is never empty.
  Precision is 1 when the intersection is one day that a member states or that wider windows
  narrow to, else the finest member precision (a publication date standing in stays 2);
* place = the most precise member place (lowest geo precision, coordinates preferred);
* fatalities = the ACLED conservative count: the lowest death toll any member states. A member
  whose count is "killed or injured" (ACLED 0 with no best figure) is not a death toll and does
  not pull the count to 0 when another article gives one. low/high span the members' stated
  figures; ``disputed`` when members' counts differ.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import Field

from summarizer.pipeline.normalise.text import skeleton
from summarizer.types.records import (
    Actor,
    ArticleSummary,
    DateResolution,
    EventDate,
    EventRecord,
    EventType,
    Fatalities,
    MatchStatus,
    Place,
    PloverType,
    Strict,
    SubEventType,
)

__all__ = ["MergedEvent", "MergedEvidence", "merge_events"]

MAX_DISTANCE_KM = 10.0
_EARTH_RADIUS_KM = 6371.0088


class MergedEvidence(Strict):
    """One evidence quote of a member event, with the article it was found in."""

    article_id: str
    event_id: str
    quote: str
    start: int | None = None
    end: int | None = None
    status: MatchStatus


class MergedEvent(Strict):
    """One happening, as reported by one or more articles."""

    id: str = Field(description="'merged-' + a hash of the member event ids: stable across runs.")
    event_type: EventType | None = None
    sub_event_type: SubEventType | None = None
    plover_type: PloverType
    actor1: Actor
    actor2: Actor | None = None
    member_event_ids: list[str] = Field(min_length=1)
    article_ids: list[str] = Field(min_length=1)
    evidence: list[MergedEvidence] = Field(min_length=1)
    date: EventDate
    place: Place | None = None
    fatalities: Fatalities
    grounded: bool = Field(description="True when any member event was grounded.")


_Member = tuple[str, EventRecord]  # (article id, event)

# ----------------------------------------------------------------------------------------------
# compatibility
# ----------------------------------------------------------------------------------------------


def _window(date: EventDate) -> tuple[dt.date, dt.date] | None:
    if date.start is None:
        return None
    return date.start, date.end or date.start


def _distance_km(p: Place, q: Place) -> float:
    """Great-circle (haversine) distance between two places with coordinates."""
    lat1, lon1, lat2, lon2 = map(math.radians, (p.latitude, p.longitude, q.latitude, q.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _has_coordinates(p: Place) -> bool:
    return p.latitude is not None and p.longitude is not None


def same_place(p: Place | None, q: Place | None, max_distance_km: float = MAX_DISTANCE_KM) -> bool:
    """Whether two places may be the same location (see the module docstring)."""
    if p is None or q is None:
        return False
    if p.admin1 and q.admin1 and p.admin1 != q.admin1:
        return False
    if _has_coordinates(p) and _has_coordinates(q):
        return _distance_km(p, q) <= max_distance_km
    if skeleton(p.normalised_name or p.name) == skeleton(q.normalised_name or q.name):
        return True
    one_is_governorate = 3 in (p.geo_precision, q.geo_precision)
    return one_is_governorate and p.admin1 is not None and p.admin1 == q.admin1


def _compatible(a: EventRecord, b: EventRecord, max_distance_km: float) -> bool:
    if a.event_type is not b.event_type:
        return False
    if a.event_type is None and a.plover_type is not b.plover_type:
        return False
    wa, wb = _window(a.date), _window(b.date)
    if wa is None or wb is None or wa[0] > wb[1] or wb[0] > wa[1]:
        return False
    if not same_place(a.place, b.place, max_distance_km):
        return False
    n1, n2 = a.actor1.normalised_name, b.actor1.normalised_name
    return n1 is None or n2 is None or n1 == n2


# ----------------------------------------------------------------------------------------------
# building the merged record
# ----------------------------------------------------------------------------------------------


def _most_common(values: Sequence[object]) -> object | None:
    """The most frequent non-None value; ties go to the one seen first."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    counts = Counter(present)
    return max(present, key=lambda v: (counts[v], -present.index(v)))


_RESOLUTION_RANK = [
    DateResolution.EXPLICIT,
    DateResolution.RELATIVE_TO_PUBLICATION,
    DateResolution.PUBLICATION_FALLBACK,
    DateResolution.UNRESOLVED,
]


def _joined(values: Iterable[str | None]) -> str | None:
    unique = list(dict.fromkeys(v for v in values if v))
    return " | ".join(unique) if unique else None


def _merge_dates(dates: list[EventDate]) -> EventDate:
    windowed = [(d, w) for d in dates if (w := _window(d)) is not None]
    windows = [w for _, w in windowed]
    phrase = _joined(d.phrase for d in dates)
    if not windows:
        return EventDate(phrase=phrase, resolution=DateResolution.UNRESOLVED)
    start, end = max(w[0] for w in windows), min(w[1] for w in windows)
    precisions = [d.time_precision for d in dates if d.time_precision is not None]
    precision = min(precisions) if precisions else None
    if start == end:
        # One day: exact when a member states that day, or when wider windows narrow to it. A
        # publication date standing in for the event's (precision 2) stays approximate.
        stated = any(w == (start, end) and d.time_precision == 1 for d, w in windowed)
        narrowed = all(w != (start, end) for w in windows)
        precision = 1 if stated or narrowed else precision
    resolution = min((d.resolution for d in dates), key=_RESOLUTION_RANK.index)
    return EventDate(
        phrase=phrase, start=start, end=end, time_precision=precision, resolution=resolution
    )


def _best_place(places: list[Place | None]) -> Place | None:
    known = [p for p in places if p is not None]
    if not known:
        return None
    return min(known, key=lambda p: (p.geo_precision or 4, not _has_coordinates(p)))


def _is_death_toll(f: Fatalities) -> bool:
    """A stated number of dead (including a stated zero), not a killed-or-injured count."""
    return f.acled is not None and (f.acled > 0 or f.best == 0)


def _merge_fatalities(items: list[Fatalities]) -> Fatalities:
    phrase = _joined(f.phrase for f in items)
    reported_by = _joined(f.reported_by for f in items)
    tolls = [f for f in items if _is_death_toll(f)]
    if not tolls:
        # only casualty counts (ACLED 0) or nothing at all
        zero = any(f.acled == 0 for f in items)
        highs = [f.high for f in items if f.high is not None]
        return Fatalities(
            phrase=phrase,
            low=0 if zero else None,
            high=max(highs) if zero and highs else None,
            acled=0 if zero else None,
            reported_by=reported_by,
            disputed=any(f.disputed for f in items),
        )
    lows = [f.low if f.low is not None else f.acled for f in tolls]
    highs = [v for f in tolls for v in (f.high, f.best, f.acled) if v is not None]
    bests = {f.best for f in tolls}
    return Fatalities(
        phrase=phrase,
        low=min(lows),  # type: ignore[type-var]
        best=bests.pop() if len(bests) == 1 else None,
        high=max(highs),
        acled=min(f.acled for f in tolls),  # type: ignore[type-var]
        reported_by=reported_by,
        disputed=len({f.acled for f in tolls}) > 1 or any(f.disputed for f in items),
    )


def _build(group: list[_Member]) -> MergedEvent:
    events = [e for _, e in group]
    ids = [e.id for e in events]
    digest = hashlib.sha1("|".join(sorted(ids)).encode()).hexdigest()[:12]
    actor1 = next((e.actor1 for e in events if e.actor1.normalised_name), events[0].actor1)
    with_actor2 = [e.actor2 for e in events if e.actor2 is not None]
    actor2 = next(
        (a for a in with_actor2 if a.normalised_name), with_actor2[0] if with_actor2 else None
    )
    return MergedEvent(
        id=f"merged-{digest}",
        event_type=events[0].event_type,
        sub_event_type=_most_common([e.sub_event_type for e in events]),  # type: ignore[arg-type]
        plover_type=_most_common([e.plover_type for e in events]),  # type: ignore[arg-type]
        actor1=actor1,
        actor2=actor2,
        member_event_ids=ids,
        article_ids=list(dict.fromkeys(a for a, _ in group)),
        evidence=[
            MergedEvidence(
                article_id=article_id,
                event_id=event.id,
                quote=ev.quote,
                start=ev.start,
                end=ev.end,
                status=ev.status,
            )
            for article_id, event in group
            for ev in event.evidence
        ],
        date=_merge_dates([e.date for e in events]),
        place=_best_place([e.place for e in events]),
        fatalities=_merge_fatalities([e.fatalities for e in events]),
        grounded=any(e.grounded for e in events),
    )


def merge_events(
    results: Iterable[ArticleSummary], *, max_distance_km: float = MAX_DISTANCE_KM
) -> list[MergedEvent]:
    """Group the events of many articles into happenings (see the module docstring).

    Every input event appears in exactly one ``MergedEvent``, in input order of first members.
    """
    groups: list[list[_Member]] = []
    for summary in results:
        for event in summary.events:
            for group in groups:
                if any(article_id == summary.article_id for article_id, _ in group):
                    continue
                if all(_compatible(event, other, max_distance_km) for _, other in group):
                    group.append((summary.article_id, event))
                    break
            else:
                groups.append([(summary.article_id, event)])
    return [_build(group) for group in groups]
