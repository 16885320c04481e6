"""The model's extraction + the article -> the stored ``ArticleSummary``.

Everything here is a pure function of its inputs: it grounds each evidence quote in the
original text, derives what the model should not be trusted with (event type and disorder type
from the sub-event type, the interaction label, civilian targeting), and normalises dates,
places, actors and fatalities in code (``summarizer.pipeline.normalise``): the model copies
phrases, code turns them into values and records the rule it applied.
"""

from __future__ import annotations

import bisect
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
from summarizer.pipeline.summary_check import summary_problem
from summarizer.pipeline.tolls import link_tolls
from summarizer.types.article import Article
from summarizer.types.extraction import DocumentSummary, ExtractedEvent, ExtractedSummary
from summarizer.types.records import (
    SUB_EVENT_PARENT,
    ActorType,
    ArticleSummary,
    EventRecord,
    EventType,
    Evidence,
    Fatalities,
    MatchStatus,
    PloverType,
    Provenance,
    SubEventType,
    disorder_type_of,
    interaction_of,
)

_TARGETING_TYPES = {EventType.VIOLENCE_AGAINST_CIVILIANS, EventType.EXPLOSIONS}
# A diplomatic or verbal event (no ACLED sub-event type from the model) that ACLED codes all the
# same, as a strategic development: a ceasefire or deal struck (AGREE), territory handed over
# without a fight (RETREAT), forces raised or moved (MOBILIZE). Statements, accusations, talks,
# threats and appeals ACLED does not code: they keep their PLOVER type alone.
DIPLOMATIC_SUB_EVENT = {
    PloverType.AGREE: SubEventType.AGREEMENT,
    PloverType.RETREAT: SubEventType.NON_VIOLENT_TRANSFER_OF_TERRITORY,
    PloverType.MOBILIZE: SubEventType.CHANGE_TO_GROUP_ACTIVITY,
}


def build_event(
    event: ExtractedEvent,
    event_id: str,
    article: Article,
    grounder: Grounder,
    sources_cited: list[str],
    gazetteer: Gazetteer | None = None,
) -> EventRecord:
    sub_event_type = event.sub_event_type or DIPLOMATIC_SUB_EVENT.get(event.plover_type)
    event_type = SUB_EVENT_PARENT[sub_event_type] if sub_event_type else None
    # The same quote twice is one piece of evidence.
    quotes = list(dict.fromkeys(q.strip() for q in event.evidence if q.strip()))
    evidence = [_paged(grounder.locate(q), article.pages) for q in quotes]
    context = " ".join(quotes)
    # The quotes complete a shortened name ("the government ..., along with its ally Russia").
    actor1 = normalise_actor(event.actor1, event.actor1_type, context=context)
    actor2 = (
        normalise_actor(event.actor2, event.actor2_type, context=context) if event.actor2 else None
    )
    type2 = actor2.type if actor2 else None
    # The whole article too, and where the evidence sits in it: a village the gazetteer lacks
    # takes the governorate the article states nearest to it (read once per article).
    spans = [(e.start, e.end) for e in evidence if e.start is not None and e.end is not None]
    match = (
        resolve_place(event.location, context, gazetteer, article=article.text, spans=spans)
        if event.location
        else None
    )
    place = (
        match.place.model_copy(update={"geonames_id": match.geonames_id, "rule": match.rule})
        if match
        else None
    )
    return EventRecord(
        id=event_id,
        event_type=event_type,
        sub_event_type=sub_event_type,
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
        suspect_source=_planted_only(evidence, article.planted),
    )


def _planted_only(evidence: list[Evidence], planted: tuple[tuple[int, int, str], ...]) -> bool:
    """Every located quote lies in a sentence planted to instruct a model."""
    located = [(e.start, e.end) for e in evidence if e.start is not None and e.end is not None]
    return bool(planted and located) and all(
        any(s < pe and ps < e for ps, pe, _ in planted) for s, e in located
    )


def _paged(evidence: Evidence, pages: tuple[int, ...]) -> Evidence:
    """The PDF page a located quote starts on (``pages``: where each page starts)."""
    if not pages or evidence.start is None:
        return evidence
    return evidence.model_copy(update={"page": bisect.bisect_right(pages, evidence.start)})


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


def _first_tellings(events: list[ExtractedEvent]) -> list[ExtractedEvent]:
    seen: set[tuple] = set()
    first = []
    for event in events:
        key = _fields_key(event)
        if key not in seen:
            seen.add(key)
            first.append(event)
    return first


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
    extracted: ExtractedSummary | list[ExtractedSummary],
    *,
    model: str,
    endpoint: str,
    prompt_version: str,
    usage,
    created_at: dt.datetime | None = None,
    gazetteer: Gazetteer | None = None,
    overview: DocumentSummary | None = None,
    warnings: list[str] | None = None,
) -> ArticleSummary:
    """The stored record of ``article`` from the model's answer, or its several answers (the
    chunks of a long document, whose ``overview`` is the summary written from theirs)."""
    parts = extracted if isinstance(extracted, list) else [extracted]
    combined = combine_parts(parts)
    grounder = Grounder(article.text)
    # One answer: its exact repeats dropped. Several: the first telling of each event kept, in
    # document order (a later part repeats what an overlap or a half showed again).
    distinct = _distinct(combined.events) if len(parts) == 1 else _first_tellings(combined.events)
    events = [
        build_event(
            event, f"{article.id}#{n}", article, grounder, combined.sources_cited, gazetteer
        )
        for n, event in enumerate(distinct, 1)
    ]
    if len(parts) > 1:
        events = _renumbered(article.id, same_event_once(events))
    places = share_admin1([e.place for e in events])
    events = [
        e if e.place is p else e.model_copy(update={"place": p})
        for e, p in zip(events, places, strict=True)
    ]
    # A day's total and a part of it told apart: the total records which deaths it already counts.
    events = link_tolls(events)
    warnings = list(warnings or [])
    for start, end, why in article.planted:
        quoted = article.text[start:end]
        shown = quoted if len(quoted) <= 160 else quoted[:157] + "..."
        warnings.append(
            f"a sentence {why} was kept from the model (a planted instruction, not reporting): "
            f"{shown!r}"
        )
    summary = (overview.summary if overview else combined.summary).strip()
    unverified = summary_problem(summary, article.headline, article.text)
    return ArticleSummary(
        article_id=article.id,
        source_path=article.source_path,
        headline=article.headline,
        outlet=article.outlet,
        published=article.published,
        url=article.url,
        author=article.author,
        sha256=article.sha256,
        text_length=len(article.text),
        text=article.text if article.keep_text else None,
        chunks=len(parts),
        warnings=warnings,
        summary=summary,
        summary_unverified=unverified,
        key_points=overview.key_points if overview else combined.key_points,
        sources_cited=combined.sources_cited,
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


def same_event_once(events: list[EventRecord]) -> list[EventRecord]:
    """Events of overlapping chunks: the same event seen in two chunks is one. Two records are
    the same event when their located evidence overlaps in the text and nothing they say
    differs (type, place, date, actor 1); the first is kept, with what only the other knew.
    Two events told in one sentence (strikes on two towns) differ in place: both are kept."""
    kept: list[EventRecord] = []
    for event in events:
        twin = next((k for k in kept if _same_event(k, event)), None)
        if twin is None:
            kept.append(event)
        else:
            kept[kept.index(twin)] = _fill(twin, event)
    return kept


def _spans(event: EventRecord) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in event.evidence if e.start is not None and e.end is not None]


def _same_event(a: EventRecord, b: EventRecord) -> bool:
    if not any(s < f and t < e for s, e in _spans(a) for t, f in _spans(b)):
        return False
    if (a.sub_event_type, a.plover_type) != (b.sub_event_type, b.plover_type):
        return False

    def differ(x: object, y: object) -> bool:
        return x is not None and y is not None and x != y

    place_a = a.place.normalised_name or a.place.name if a.place else None
    place_b = b.place.normalised_name or b.place.name if b.place else None
    actor_a = a.actor1.normalised_name or a.actor1.name
    actor_b = b.actor1.normalised_name or b.actor1.name
    return not (
        differ(place_a, place_b)
        or differ(a.date.start, b.date.start)
        or differ(actor_a.casefold(), actor_b.casefold())
    )


def _fill(kept: EventRecord, other: EventRecord) -> EventRecord:
    """``kept`` with the fields it lacks taken from ``other``, and the other's evidence added."""
    update: dict = {}
    if kept.actor2 is None and other.actor2 is not None:
        update["actor2"] = other.actor2
        update["interaction"] = other.interaction
        update["civilian_targeting"] = other.civilian_targeting
    if kept.place is None and other.place is not None:
        update["place"] = other.place
    if kept.date.start is None and other.date.start is not None:
        update["date"] = other.date
    if kept.fatalities.phrase is None and other.fatalities.phrase is not None:
        update["fatalities"] = other.fatalities
    seen = {(e.start, e.end, e.quote) for e in kept.evidence}
    extra = [e for e in other.evidence if (e.start, e.end, e.quote) not in seen]
    if extra:
        update["evidence"] = [*kept.evidence, *extra]
    return kept.model_copy(update=update) if update else kept


def _renumbered(article_id: str, events: list[EventRecord]) -> list[EventRecord]:
    return [
        e if e.id == f"{article_id}#{n}" else e.model_copy(update={"id": f"{article_id}#{n}"})
        for n, e in enumerate(events, 1)
    ]


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
