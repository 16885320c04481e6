"""The model's extraction + the article -> the stored ``ArticleSummary``.

Everything here is a pure function of its inputs: it grounds each evidence quote in the
original text, derives what the model should not be trusted with (event type and disorder type
from the sub-event type, the interaction label, civilian targeting), and normalises dates,
places, actors and fatalities in code.
"""

from __future__ import annotations

import datetime as dt

from .ground import Grounder
from .ingest import Article
from .schema import (
    SUB_EVENT_PARENT,
    Actor,
    ActorType,
    ArticleSummary,
    EventDate,
    EventRecord,
    EventType,
    ExtractedEvent,
    ExtractedSummary,
    Fatalities,
    MatchStatus,
    Place,
    Provenance,
    disorder_type_of,
    interaction_of,
)

_TARGETING_TYPES = {EventType.VIOLENCE_AGAINST_CIVILIANS, EventType.EXPLOSIONS}


def build_event(event: ExtractedEvent, event_id: str, grounder: Grounder) -> EventRecord:
    event_type = SUB_EVENT_PARENT[event.sub_event_type] if event.sub_event_type else None
    # The same quote twice is one piece of evidence.
    quotes = list(dict.fromkeys(q.strip() for q in event.evidence if q.strip()))
    evidence = [grounder.locate(q) for q in quotes]
    actor2 = Actor(name=event.actor2, type=event.actor2_type) if event.actor2 else None
    return EventRecord(
        id=event_id,
        event_type=event_type,
        sub_event_type=event.sub_event_type,
        disorder_type=disorder_type_of(event_type),
        plover_type=event.plover_type,
        actor1=Actor(name=event.actor1, type=event.actor1_type),
        actor2=actor2,
        interaction=interaction_of(event.actor1_type, event.actor2_type),
        civilian_targeting=bool(
            event_type in _TARGETING_TYPES and event.actor2_type is ActorType.CIVILIANS
        ),
        place=Place(name=event.location) if event.location else None,
        date=EventDate(phrase=event.date_phrase),
        fatalities=_fatalities(event),
        evidence=evidence,
        grounded=any(e.status is not MatchStatus.UNMATCHED for e in evidence),
    )


def _fatalities(event: ExtractedEvent) -> Fatalities:
    """Keep the model's death count only when its own phrase states that number."""
    phrase, count = event.fatalities_phrase, event.fatalities
    if count is None or not phrase or str(count) not in phrase:
        count = None
    return Fatalities(phrase=phrase, best=count, acled=count)


def build_summary(
    article: Article,
    extracted: ExtractedSummary,
    *,
    model: str,
    endpoint: str,
    prompt_version: str,
    usage,
    created_at: dt.datetime | None = None,
) -> ArticleSummary:
    grounder = Grounder(article.text)
    events = [
        build_event(event, f"{article.id}#{n}", grounder)
        for n, event in enumerate(extracted.events, 1)
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
            created_at=created_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        ),
    )
