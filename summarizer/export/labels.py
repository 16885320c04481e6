"""A record's fields as short text labels (dates, deaths, types, places), the same in the
terminal's tables and the HTML report."""

from __future__ import annotations

from summarizer.types.records import DateResolution, EventDate, EventRecord, Fatalities

_RESOLUTION_LABEL = {
    DateResolution.EXPLICIT: "explicit",
    DateResolution.RELATIVE_TO_PUBLICATION: "relative",
    DateResolution.PUBLICATION_FALLBACK: "pub. date",
}


def format_date(date: EventDate) -> str:
    """Resolved date or window, then how it was resolved and the phrase as written."""
    phrase = f'"{date.phrase}"' if date.phrase else ""
    if date.start is None:
        return f"{phrase} (unresolved)" if phrase else "-"
    value = date.start.isoformat()
    if date.end and date.end != date.start:
        value += f"..{date.end}"
    note = _RESOLUTION_LABEL.get(date.resolution, date.resolution.value)
    return f"{value} ({note}{': ' + phrase if phrase else ''})"


def format_fatalities(f: Fatalities) -> str:
    if f.acled is None and f.low is None and f.high is None:
        return f'? ("{f.phrase}")' if f.phrase else "-"
    shown = str(f.acled if f.acled is not None else f.best)
    if f.low is not None and f.high is not None and f.low != f.high:
        shown += f" [{f.low}-{f.high}]"
    if f.disputed:
        shown += " disputed"
    return shown


def format_type(event: EventRecord) -> str:
    if event.sub_event_type is None:
        return f"{event.plover_type.value} (diplomatic)"
    return f"{event.event_type.value} > {event.sub_event_type.value}"  # type: ignore[union-attr]


def format_place(event: EventRecord) -> str:
    if event.place is None:
        return "-"
    place = event.place
    parts = [place.normalised_name or place.name]
    if place.admin1 and place.admin1 != parts[0]:
        parts.append(place.admin1)
    text = ", ".join(parts)
    how = " ".join(
        x for x in (f"p{place.geo_precision}" if place.geo_precision else "", place.rule or "") if x
    )
    return f"{text} ({how})" if how else text
