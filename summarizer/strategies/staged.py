"""The staged strategy: smaller questions for small models.

One request asking a 1.5B model for every event, typed, with both actors, place, date, toll and
evidence is too much at once. Staged, a document takes:

1. ``events``, one per sentence of the article: does it report an event, and of what kind
   ("none", "air strike", "talks" ...)? The event sentences are those not "none", so their
   numbers are the article's own by construction;
2. ``fields``, one per event sentence: its fields, shown the sentence alone, each
   enum field constrained to its enum and each "as written" field to a phrase of the sentence;
3. ``brief``: the summary, a short request of its own that must not repeat the headline.

Each is a ``plan.Request`` with its own cache key, logged and resumed like any other. The answers
are put together here (``combine``) as one ``ExtractedSummary``, the same shape a single request
gives, so validation, grounding, normalisation and the output format are unchanged. The evidence
of an event is its sentence, verbatim by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from summarizer.pipeline.normalise.actors import normalise_actor
from summarizer.pipeline.normalise.gazetteer import Gazetteer
from summarizer.pipeline.normalise.text import fold
from summarizer.pipeline.summary_check import summary_problem
from summarizer.prompts import read_prompt_files
from summarizer.strategies.answers import (
    AS_WRITTEN,
    MOST_EVENT_SENTENCES,
    Brief,
    EventFields,
    EventSentences,
    SentenceKind,
    fields_model,
)
from summarizer.strategies.cues import may_report_event, territory_type
from summarizer.strategies.sentences import (
    article_sentences,
    in_sentence,
    numbered,
)
from summarizer.types.article import Article
from summarizer.types.extraction import ExtractedEvent, ExtractedSummary
from summarizer.types.records import ActorType, PloverType, SubEventType

EVENTS, FIELDS, BRIEF = "events", "fields", "brief"
_FILES = (
    "staged.system.md",
    "staged.events.system.md",
    "staged.events.md",
    "staged.brief.md",
    "staged.fields.system.md",
    "staged.fields.user.md",
)


@dataclass(frozen=True)
class StagedPrompts:
    system: str  # the brief's
    events_system: str  # stage 1's, one sentence per request: the shared prefix is cached
    events: Template
    brief: Template
    fields_system: str
    fields: Template
    version: str


@cache
def load_staged_prompts(directory: Path | None = None) -> StagedPrompts:
    """The staged prompts, versioned by their text and the schemas the model fills."""
    texts, version = read_prompt_files(_FILES, (SentenceKind, EventFields, Brief), directory)
    system, events_system, events, brief, fields_system, fields = texts
    return StagedPrompts(
        system.strip(),
        events_system.strip(),
        Template(events),
        Template(brief),
        fields_system.strip(),
        Template(fields),
        version,
    )


def kind_of(kind: str) -> str:
    """``events``, ``fields`` or ``brief`` for a staged request's kind (``events:<version>``),
    else ""."""
    stage = kind.split(":", 1)[0]
    return stage if stage in (EVENTS, FIELDS, BRIEF) else ""


class StagedQuestions:
    """What each staged request shows the model, what it must fill, and what it must pass."""

    def __init__(self, constrained: bool, prompts: StagedPrompts | None = None):
        # Constrained: the endpoint enforces the JSON schema (the embedded model), so the
        # phrases can be enums; else they are free strings, held to the sentence by ``check``.
        self.constrained = constrained
        self.prompts = prompts or load_staged_prompts()

    def kind(self, stage: str) -> str:
        return f"{stage}:{self.prompts.version}"

    # -- what is asked ------------------------------------------------------------------------

    def messages(
        self, article: Article, stage: str, sentence: int | None = None
    ) -> list[dict[str, str]]:
        sentences = article_sentences(article)
        p = self.prompts
        if stage == FIELDS:
            assert sentence is not None
            # The sentence alone: its neighbours cost ~2 s a request in prompt (15 s an
            # article) and offer the model nothing to choose (every option is in the sentence).
            user = p.fields.safe_substitute(sentence=sentences[sentence - 1])
            return [
                {"role": "system", "content": p.fields_system},
                {"role": "user", "content": user},
            ]
        if stage == EVENTS:
            assert sentence is not None
            user = p.events.safe_substitute(sentence=sentences[sentence - 1])
            return [
                {"role": "system", "content": p.events_system},
                {"role": "user", "content": user},
            ]
        user = p.brief.safe_substitute(numbered=numbered(sentences), headline=article.headline)
        return [{"role": "system", "content": p.system}, {"role": "user", "content": user}]

    def response_model(self, article: Article, stage: str, sentence: int | None = None) -> type:
        if stage == EVENTS:
            return SentenceKind
        if stage == FIELDS:
            if not self.constrained or sentence is None:
                return EventFields
            return fields_model(article_sentences(article)[sentence - 1])
        return Brief

    @staticmethod
    def parse_model(stage: str) -> type:
        """The model a logged answer is read back with."""
        return {EVENTS: SentenceKind, FIELDS: EventFields}.get(stage, Brief)

    def check(self, article: Article, stage: str, sentence: int | None = None) -> Any:
        """What a valid answer must also pass (one re-ask with the reason, then it stands)."""
        if stage == BRIEF:
            return lambda answer: summary_problem(answer.summary, article.headline, article.text)
        if stage == FIELDS and sentence is not None:
            text = article_sentences(article)[sentence - 1]
            return lambda answer: not_in_sentence(answer, text)
        return None

    # -- what was answered --------------------------------------------------------------------

    @staticmethod
    def asked(sentence: str) -> bool:
        """Whether stage 1 asks about ``sentence``: only one with a word of an event does
        (``cues.may_report_event``); the others report nothing the strategy can code."""
        return may_report_event(sentence)

    @staticmethod
    def screened(answers: list[tuple[int, SentenceKind]]) -> EventSentences:
        """The stage-1 answers of an article's sentences as its event sentences."""
        return EventSentences(events={n: a.kind for n, a in answers if a.kind != "none"})

    def event_sentences(self, article: Article, answer: EventSentences) -> list[int]:
        """The numbers picked, in article order, each once; any outside the article dropped."""
        count = len(article_sentences(article))
        picked = sorted({int(n) for n in answer.sentences if 1 <= int(n) <= count})
        # More than one answer's worth: the first ones (news puts the main events first).
        return picked[:MOST_EVENT_SENTENCES]

    def combine(
        self,
        article: Article,
        fields: list[tuple[int, EventFields]],
        brief: Brief | None,
    ) -> tuple[ExtractedSummary, list[str]]:
        """The staged answers as one extraction (uncapped: the caps bound one answer), and
        warnings for the phrases left empty because they are not in their sentence."""
        sentences = article_sentences(article)
        events: list[ExtractedEvent] = []
        warnings: list[str] = []
        for number, answer in fields:
            sentence = sentences[number - 1]
            made, emptied = events_of(answer, sentence)
            events += made
            if emptied:
                warnings.append(
                    f"sentence {number}: {', '.join(emptied)} left empty: not written in the "
                    "sentence, even when asked again"
                )
        summary = ExtractedSummary.model_construct(
            summary=brief.summary if brief else "",
            key_points=list(brief.key_points) if brief else [],
            sources_cited=list(brief.sources_cited) if brief else [],
            events=without_overviews(events),
        )
        return summary, warnings


def without_overviews(events: list[ExtractedEvent]) -> list[ExtractedEvent]:
    """``events`` less those that only sum others up. Asked sentence by sentence, the model
    codes a lead's "Russian air strikes on Hama and Idlib provinces" as events too, beside the
    strikes on the towns the article names after it; ACLED codes each event once, at its most
    precise place. So an event told only at a governorate (or at no place) is dropped when the
    article reports one of the same sub-event type at a named place in that governorate (or
    anywhere, for no place). Types differ, or no named place: it stays."""
    gazetteer = Gazetteer.default()

    def governorate(event: ExtractedEvent) -> tuple[bool, str | None]:
        """(told at a governorate or nowhere, that governorate or the named place's, if known)."""
        if not event.location:
            return True, None
        name = _REGION_WORD.sub("", event.location).strip()
        if (admin1 := gazetteer.admin1(name)) is not None:
            return True, admin1
        found = gazetteer.lookup(event.location)
        return False, found[0].admin1 if found else None

    where = [governorate(e) for e in events]
    kept = []
    for event, (vague, admin1) in zip(events, where, strict=True):
        summed_up = vague and any(
            not other_vague
            and other.sub_event_type == event.sub_event_type
            and (admin1 is None or other_admin1 in (None, admin1))
            for other, (other_vague, other_admin1) in zip(events, where, strict=True)
        )
        if event.sub_event_type is None or not summed_up:
            kept.append(event)
    return kept


_REGION_WORD = re.compile(r"\b(?:province|governorate|countryside)\b", re.IGNORECASE)


def _text(value: Any) -> str | None:
    """A phrase as text (a constrained answer holds enum members); None for null or blank."""
    if isinstance(value, Enum):
        value = value.value
    return value.strip() if isinstance(value, str) and value.strip() else None


def not_in_sentence(answer: EventFields, sentence: str) -> str | None:
    """The re-ask's reason when an as-written field is not a phrase of the sentence, or None."""
    wrong = [
        f"{name} {_text(getattr(answer, name))!r}"
        for name in AS_WRITTEN
        if not in_sentence(_text(getattr(answer, name)), sentence)
    ]
    wrong += [
        f"location {_text(p)!r}" for p in answer.locations if not in_sentence(_text(p), sentence)
    ]
    if not wrong:
        return None
    return (
        f"{'; '.join(wrong)}: not written in the Sentence. Copy names and phrases exactly as the "
        "Sentence writes them, or give null"
    )


def events_of(answer: EventFields, sentence: str) -> tuple[list[ExtractedEvent], list[str]]:
    """One sentence's answer as events, one per place it names (ACLED: an event has one
    location), with every phrase that is not in the sentence emptied (and named)."""
    emptied: list[str] = []

    def kept(name: str, value: Any) -> str | None:
        text = _text(value)
        if text is not None and not in_sentence(text, sentence):
            emptied.append(f"{name} {text!r}")
            return None
        return text

    phrases = {name: kept(name, getattr(answer, name)) for name in AS_WRITTEN}
    phrases["actor1"], phrases["actor2"] = _sides(phrases["actor1"], phrases["actor2"])
    sub_event, plover = _types(answer, phrases["actor1"])
    places = [kept("location", p) for p in answer.locations]
    places = list(dict.fromkeys(p for p in places if p)) or [None]  # type: ignore[list-item]
    # A toll told once for several places is kept on the first only: never counted twice.
    events = [
        ExtractedEvent.model_construct(
            sub_event_type=sub_event,
            plover_type=plover,
            actor1=phrases["actor1"] or "",
            # Types from an older answer; now the alias table's (normalise).
            actor1_type=getattr(answer, "actor1_type", None) if phrases["actor1"] else None,
            actor2=phrases["actor2"],
            actor2_type=getattr(answer, "actor2_type", None) if phrases["actor2"] else None,
            location=place,
            date_phrase=phrases["date_phrase"],
            fatalities_phrase=phrases["fatalities_phrase"] if n == 0 else None,
            fatalities=None,  # read from the phrase in code (pipeline/normalise)
            evidence=[sentence],
        )
        for n, place in enumerate(places)
    ]
    return events, emptied


def _sides(actor1: str | None, actor2: str | None) -> tuple[str | None, str | None]:
    """The two sides, made possible in code: a side is not its own other side (the small
    model often gives one phrase for both), and civilians are done to, not doers (ACLED codes
    no civilian actor1 of violence): named first, they change places with the other side."""
    if actor2 is not None and actor1 is not None and fold(actor1) == fold(actor2):
        actor2 = None
    civilian = ActorType.CIVILIANS
    if (
        actor1 is not None
        and normalise_actor(actor1).type is civilian
        and (actor2 is None or normalise_actor(actor2).type is not civilian)
    ):
        actor1, actor2 = actor2, actor1
    return actor1, actor2


def _types(answer: EventFields, actor1: str | None) -> tuple[Any, Any]:
    """The answer's types, made consistent in code: a territory type is the taker's
    (``cues.territory_type``), and a statement (a PLOVER type other than ASSAULT or PROTEST)
    has no ACLED sub-event type unless it is an agreement."""
    sub, plover = answer.sub_event_type, answer.plover_type
    sub = SubEventType(_text(sub)) if _text(sub) else None
    plover = PloverType(_text(plover))
    if actor1 is not None:
        sub = territory_type(sub, normalise_actor(actor1).type)
    if plover not in (PloverType.ASSAULT, PloverType.PROTEST) and sub != SubEventType.AGREEMENT:
        sub = None
    return sub, plover
