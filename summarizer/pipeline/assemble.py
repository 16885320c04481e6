"""The model's extraction + the article -> the stored ``ArticleSummary``.

Everything here is a pure function of its inputs: it grounds each evidence quote in the
original text, derives what the model should not be trusted with (event type and disorder type
from the sub-event type, the interaction label, civilian targeting), and normalises dates,
places, actors and fatalities in code (``summarizer.pipeline.normalise``): the model copies
phrases, code turns them into values and records the rule it applied.
"""

from __future__ import annotations

import datetime as dt

from summarizer.pipeline.ground import Grounder
from summarizer.pipeline.normalise import (
    Gazetteer,
    headline_restatement,
    normalise_actor,
    parse_fatalities,
    resolve_date,
    resolve_place,
    share_admin1,
)
from summarizer.types.article import Article
from summarizer.types.extraction import ExtractedEvent, ExtractedSummary
from summarizer.types.records import (
    SUB_EVENT_PARENT,
    ActorType,
    ArticleSummary,
    EventRecord,
    EventType,
    Fatalities,
    MatchStatus,
    Provenance,
    disorder_type_of,
    interaction_of,
)

_TARGETING_TYPES = {EventType.VIOLENCE_AGAINST_CIVILIANS, EventType.EXPLOSIONS}


def build_event(
    event: ExtractedEvent,
    event_id: str,
    article: Article,
    grounder: Grounder,
    sources_cited: list[str],
    gazetteer: Gazetteer | None = None,
) -> EventRecord:
    event_type = SUB_EVENT_PARENT[event.sub_event_type] if event.sub_event_type else None
    # The same quote twice is one piece of evidence.
    quotes = list(dict.fromkeys(q.strip() for q in event.evidence if q.strip()))
    evidence = [grounder.locate(q) for q in quotes]
    actor1 = normalise_actor(event.actor1, event.actor1_type)
    actor2 = normalise_actor(event.actor2, event.actor2_type) if event.actor2 else None
    type2 = actor2.type if actor2 else None
    context = " ".join(quotes)
    match = resolve_place(event.location, context, gazetteer) if event.location else None
    place = (
        match.place.model_copy(update={"geonames_id": match.geonames_id, "rule": match.rule})
        if match
        else None
    )
    return EventRecord(
        id=event_id,
        event_type=event_type,
        sub_event_type=event.sub_event_type,
        disorder_type=disorder_type_of(event_type),
        plover_type=event.plover_type,
        actor1=actor1,
        actor2=actor2,
        interaction=interaction_of(actor1.type, type2),
        civilian_targeting=bool(event_type in _TARGETING_TYPES and type2 is ActorType.CIVILIANS),
        place=place,
        date=resolve_date(event.date_phrase, article.published),
        fatalities=_fatalities(
            event.fatalities_phrase, grounder, _reporter(context, sources_cited), article
        ),
        evidence=evidence,
        grounded=any(e.status is not MatchStatus.UNMATCHED for e in evidence),
    )


def _fatalities(
    phrase: str | None, grounder: Grounder, reporter: str | None, article: Article
) -> Fatalities:
    """Counts come from the death phrase, read in code, and only when that phrase is in the
    article (verbatim up to spacing, quote marks and case): a number stored is a number stated.
    A headline that restates the same toll with another figure makes it disputed."""
    if phrase and grounder.locate(phrase).score < 100:
        return Fatalities(phrase=phrase, reported_by=reporter)
    others = headline_restatement(phrase, article.headline, article.text)
    return parse_fatalities(phrase, reported_by=reporter, other_phrases=others)


def _reporter(context: str, sources_cited: list[str]) -> str | None:
    """The cited source named in the event's own evidence ("..., the Observatory said")."""
    lowered = context.casefold()
    return next((s for s in sources_cited if s and s.casefold() in lowered), None)


def _distinct(events: list[ExtractedEvent]) -> list[ExtractedEvent]:
    """Small models sometimes repeat an event verbatim; a repeat adds no information. (Kept in
    the order of each one's last occurrence.)"""
    distinct: dict[tuple, ExtractedEvent] = {}
    for event in reversed(events):
        distinct.setdefault(_fields_key(event), event)
    return list(distinct.values())[::-1]


def _fields_key(event: ExtractedEvent) -> tuple:
    """The event's field values, hashable (its lists as tuples): equal keys, equal JSON."""
    return tuple(tuple(v) if isinstance(v, list) else v for v in event.__dict__.values())


def combine_parts(parts: list[ExtractedSummary]) -> ExtractedSummary:
    """The answers to a document's several requests as one extraction: every part's events, in
    order (``build_summary`` drops exact repeats), the summaries joined, key points and sources
    without repeats. Built without the per-answer caps, which bound one answer, not a document."""
    if len(parts) == 1:
        return parts[0]
    return ExtractedSummary.model_construct(
        summary=" ".join(p.summary.strip() for p in parts if p.summary.strip()),
        key_points=list(dict.fromkeys(k for p in parts for k in p.key_points)),
        sources_cited=list(dict.fromkeys(c for p in parts for c in p.sources_cited)),
        events=[e for p in parts for e in p.events],
    )


def build_summary(
    article: Article,
    extracted: ExtractedSummary,
    *,
    model: str,
    endpoint: str,
    prompt_version: str,
    usage,
    created_at: dt.datetime | None = None,
    gazetteer: Gazetteer | None = None,
) -> ArticleSummary:
    grounder = Grounder(article.text)
    events = [
        build_event(
            event, f"{article.id}#{n}", article, grounder, extracted.sources_cited, gazetteer
        )
        for n, event in enumerate(_distinct(extracted.events), 1)
    ]
    places = share_admin1([e.place for e in events])
    events = [
        e if e.place is p else e.model_copy(update={"place": p})
        for e, p in zip(events, places, strict=True)
    ]
    return ArticleSummary(
        article_id=article.id,
        source_path=article.source_path,
        headline=article.headline,
        outlet=article.outlet,
        published=article.published,
        url=article.url,
        sha256=article.sha256,
        text_length=len(article.text),
        summary=extracted.summary.strip(),
        key_points=extracted.key_points,
        sources_cited=extracted.sources_cited,
        events=events,
        provenance=Provenance(
            model=model,
            endpoint=endpoint,
            prompt_version=prompt_version,
            usage=usage,
            created_at=created_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
            gazetteer=gazetteer.source if gazetteer else None,
        ),
    )


def warm_up(gazetteer: str | None = None) -> None:
    """Load what assembling a record needs, once per process: the gazetteer (``--gazetteer``
    file, else the shipped snapshot) and the other normalisation tables, ~0.1 s of CPU on first
    use. ``summarizer run`` calls it at start-up, and an assembly worker before it says it is
    ready, so that no batch stops for it at its first answer."""
    from summarizer.ingest import article_from_text
    from summarizer.types.records import Usage

    quote = "Government forces shelled Kafr Nabl on Saturday, killing two people."
    article = article_from_text(f"Clashes in Idlib\n\n{quote}", "warm-up")
    event = {
        "sub_event_type": "Shelling/artillery/missile attack",
        "plover_type": "ASSAULT",
        "actor1": "Government forces",
        "actor1_type": "State forces",
        "actor2": None,
        "actor2_type": None,
        "location": "Kafr Nabl",
        "date_phrase": "on Saturday",
        "fatalities_phrase": "killing two people",
        "fatalities": 2,
        "evidence": [quote],
    }
    extracted = ExtractedSummary.model_validate(
        {"summary": "warm-up", "key_points": [], "sources_cited": [], "events": [event]}
    )
    build_summary(
        article,
        extracted,
        model="warm-up",
        endpoint="warm-up",
        prompt_version="warm-up",
        usage=Usage(),
        gazetteer=Gazetteer.load(gazetteer),
    ).model_dump_json()
