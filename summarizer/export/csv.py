"""ACLED-style CSV: one row per event.

Columns named as in ACLED's data export where ACLED has the field, then ours. ``COLUMNS`` maps
each to its meaning; the README lists them. Conventions:

* ``event_date`` is the first day of the resolved window, ``event_date_end`` its last day (same
  day for precision 1); both empty when the date is unresolved (never invented).
* ``inter1``/``inter2``/``interaction`` carry ACLED's actor-type *names* ("State forces",
  "State forces-Rebel group", "State forces only"), as ACLED's API returns them by default.
* ``iso`` is the ISO 3166-1 numeric code and ``country`` the short name, as in ACLED.
* ``fatalities`` follows ACLED: the conservative death count, 0 when none is stated. Whether a
  toll was stated at all shows in ``fatalities_best`` (empty when not). A toll that already
  counts another event's dead (a day's total and a part told apart; ``Fatalities.includes``)
  carries only the rest, as ACLED splits a total, so that the column sums to the article's
  deaths; ``fatalities_low/best/high`` keep the toll as stated.
* Events the text does not support (``grounded`` false) are exported, marked, never dropped.
* Diplomatic and verbal events have no ACLED type: ``event_type`` and ``sub_event_type`` are
  empty and ``plover_type`` says what happened.
* A text cell that starts with ``=``, ``+``, ``-`` or ``@`` gets a leading apostrophe so that a
  spreadsheet does not run article text as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from summarizer.types.records import ArticleSummary, EventRecord, MatchStatus

COLUMNS: dict[str, str] = {
    # ACLED's names
    "event_id_cnty": "Event id: '<article_id>#<n>'.",
    "event_date": "First day of the event's date window (YYYY-MM-DD); empty if unresolved.",
    "year": "Year of event_date.",
    "time_precision": "1 = the day, 2 = a week or a few days, 3 = a month or longer.",
    "disorder_type": "Political violence | Demonstrations | Strategic developments.",
    "event_type": "ACLED event type; empty for statements and talks, which ACLED does not code.",
    "sub_event_type": "ACLED sub-event type (an agreement: Strategic developments / Agreement).",
    "actor1": "Actor 1, ACLED-style normalised name (as written when not normalised).",
    "assoc_actor_1": "Actors associated with actor 1, '; '-separated.",
    "inter1": "ACLED actor type of actor 1 (name, e.g. 'State forces').",
    "actor2": "Actor 2, as actor1; empty if none.",
    "assoc_actor_2": "Actors associated with actor 2.",
    "inter2": "ACLED actor type of actor 2.",
    "interaction": "The two actor types, e.g. 'State forces-Rebel group', 'State forces only'.",
    "civilian_targeting": "'Civilian targeting' when civilians were the target, else empty.",
    "iso": "ISO 3166-1 numeric country code (760 = Syria).",
    "country": "Country name.",
    "admin1": "Governorate / first-level region.",
    "admin2": "District, where known.",
    "location": "Place, normalised name (as written when the gazetteer does not know it).",
    "latitude": "From the gazetteer only; empty for regions and unknown places.",
    "longitude": "From the gazetteer only.",
    "geo_precision": "1 = the town, 2 = near a town or part of a region, 3 = a region only.",
    "source": "The outlet, and the source the event's evidence cites, '; '-separated.",
    "notes": "Short description built from the fields: date, type, actors, place, deaths.",
    "fatalities": "ACLED conservative death count; 0 when no death toll is stated; less the "
    "deaths of the events in fatalities_includes.",
    # ours
    "article_id": "Id of the article the event comes from.",
    "event_date_end": "Last day of the date window.",
    "date_phrase": "The date words as written in the article.",
    "date_resolution": "explicit | relative_to_publication | publication_fallback | unresolved.",
    "plover_type": "PLOVER event class (the only type of a diplomatic or verbal event).",
    "actor1_as_written": "Actor 1 as the article writes it.",
    "actor2_as_written": "Actor 2 as the article writes it.",
    "location_as_written": "The place as the article writes it.",
    "fatalities_low": "UCDP low estimate of deaths; empty when no toll is stated.",
    "fatalities_best": "UCDP best estimate; empty when no toll is stated.",
    "fatalities_high": "UCDP high estimate; empty when unbounded or not stated.",
    "fatalities_phrase": "The death-toll words as written.",
    "fatalities_reported_by": "Who reported the toll, when the evidence names a cited source.",
    "fatalities_includes": "Events whose deaths this toll already counts, '; '-separated.",
    "grounded": "true when at least one evidence quote was found in the article.",
    "evidence_status": "Best match of the evidence quotes: exact | fuzzy | unmatched.",
    "evidence": "The evidence quotes with their status and character offsets, ' | '-separated.",
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STATUS_ORDER = [MatchStatus.EXACT, MatchStatus.FUZZY, MatchStatus.UNMATCHED]


def _country(iso3: str | None) -> tuple[int | None, str | None]:
    if not iso3:
        return None, None
    import pycountry

    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return None, iso3
    return int(country.numeric), getattr(country, "common_name", None) or country.name


def _name(actor) -> str | None:
    return (actor.normalised_name or actor.name) if actor else None


def _notes(event: EventRecord) -> str:
    date = event.date
    if date.start:
        when = f"On {date.start}" if date.end in (None, date.start) else f"{date.start}..{date.end}"
    else:
        when = "Undated"
    what = event.sub_event_type.value if event.sub_event_type else event.plover_type.value
    who = _name(event.actor1) or "?"
    if event.actor2:
        who += f" vs {_name(event.actor2)}"
    where = ""
    if event.place:
        where = f" at {event.place.normalised_name or event.place.name}"
        if event.place.admin1 and event.place.admin1 != (event.place.normalised_name or ""):
            where += f" ({event.place.admin1})"
    f = event.fatalities
    deaths = f"{f.acled} killed" if f.acled is not None else "no death toll stated"
    if f.includes:
        deaths += f" in all, counting those of {', '.join(f.includes)}"
    note = f"{when}: {what}, {who}{where}; {deaths}."
    if not event.grounded:
        note += " Evidence NOT found in the article."
    if event.suspect_source:
        note += " SUSPECT SOURCE: its only evidence is an instruction planted for AI models."
    return note


def _evidence(event: EventRecord) -> str:
    parts = []
    for ev in event.evidence:
        where = f"@{ev.start}-{ev.end}" if ev.start is not None else ""
        parts.append(f"[{ev.status.value}{where}] {ev.quote}")
    return " | ".join(parts)


def event_row(summary: ArticleSummary, event: EventRecord) -> dict[str, object]:
    """One event as a CSV row (values not yet made safe for spreadsheets)."""
    place, date, f = event.place, event.date, event.fatalities
    iso, country = _country(place.country_iso3 if place else None)
    sources = [s for s in (summary.outlet, f.reported_by) if s]
    best = min((e.status for e in event.evidence), key=_STATUS_ORDER.index)
    return {
        "event_id_cnty": event.id,
        "event_date": date.start.isoformat() if date.start else None,
        "year": date.start.year if date.start else None,
        "time_precision": date.time_precision,
        "disorder_type": event.disorder_type.value if event.disorder_type else None,
        "event_type": event.event_type.value if event.event_type else None,
        "sub_event_type": event.sub_event_type.value if event.sub_event_type else None,
        "actor1": _name(event.actor1),
        "assoc_actor_1": "; ".join(event.actor1.associated),
        "inter1": event.actor1.type.value if event.actor1.type else None,
        "actor2": _name(event.actor2),
        "assoc_actor_2": "; ".join(event.actor2.associated) if event.actor2 else None,
        "inter2": event.actor2.type.value if event.actor2 and event.actor2.type else None,
        "interaction": event.interaction,
        "civilian_targeting": "Civilian targeting" if event.civilian_targeting else None,
        "iso": iso,
        "country": country,
        "admin1": place.admin1 if place else None,
        "admin2": place.admin2 if place else None,
        "location": (place.normalised_name or place.name) if place else None,
        "latitude": place.latitude if place else None,
        "longitude": place.longitude if place else None,
        "geo_precision": place.geo_precision if place else None,
        "source": "; ".join(dict.fromkeys(sources)),
        "notes": _notes(event),
        "fatalities": f.own_deaths({e.id: e.fatalities.acled for e in summary.events}),
        "article_id": summary.article_id,
        "event_date_end": (date.end or date.start).isoformat() if date.start else None,
        "date_phrase": date.phrase,
        "date_resolution": date.resolution.value,
        "plover_type": event.plover_type.value,
        "actor1_as_written": event.actor1.name,
        "actor2_as_written": event.actor2.name if event.actor2 else None,
        "location_as_written": place.name if place else None,
        "fatalities_low": f.low,
        "fatalities_best": f.best,
        "fatalities_high": f.high,
        "fatalities_phrase": f.phrase,
        "fatalities_reported_by": f.reported_by,
        "fatalities_includes": "; ".join(f.includes),
        "grounded": "true" if event.grounded else "false",
        "evidence_status": best.value,
        "evidence": _evidence(event),
    }


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def exported_events(
    summaries: Iterable[ArticleSummary], include_suspect: bool = False
) -> Iterator[tuple[ArticleSummary, EventRecord]]:
    """The events every export format writes, with their article: an event whose only
    evidence is a planted instruction only on request."""
    for summary in summaries:
        for event in summary.events:
            if include_suspect or not event.suspect_source:
                yield summary, event


def rows(
    summaries: Iterable[ArticleSummary], include_suspect: bool = False
) -> Iterator[dict[str, object]]:
    """Event rows, each value safe for a spreadsheet."""
    for summary, event in exported_events(summaries, include_suspect):
        row = event_row(summary, event)
        yield {k: _cell(row[k]) for k in COLUMNS}


def write_csv(summaries: Iterable[ArticleSummary], out: Path, include_suspect: bool = False) -> int:
    """Write the header and one row per event; returns the number of rows."""
    count = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for row in rows(summaries, include_suspect):
            writer.writerow(row)
            count += 1
    return count
