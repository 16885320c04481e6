"""What each stage of the staged strategy asks the model to fill, and the same models narrowed
to one article (stage 1: its sentence numbers) or one sentence (stage 2: the types its words
allow and, per field, the phrases of it that can fill that field).

The plain models parse a logged answer; the narrowed ones are what is sent. Narrowing is also
the validation: a sentence number outside the article breaks the schema and is re-asked like
any invalid answer, wherever the endpoint does not enforce the schema itself.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from summarizer.strategies.candidates import (
    actor_phrases,
    date_phrases,
    place_phrases,
    toll_phrases,
)
from summarizer.strategies.cues import allowed_types
from summarizer.types.extraction import Short
from summarizer.types.records import ActorType, PloverType, SubEventType

# The most event sentences stage 1 may pick: each costs a stage-2 request (~10 s on the
# embedded model), and the sample articles report at most eight events each.
MOST_EVENT_SENTENCES = 8
# Places one sentence may name for its event: strikes on six towns are six ACLED events.
MOST_PLACES = 6


# What stage 1 says of a sentence: "none", or the kind of event it reports. One short request
# per sentence: asked for a list of sentence numbers, or for a label per sentence in one answer,
# the 1.5B model counts upwards, copies the prompt's example, or labels every sentence "none"
# (tried on the sample articles); asked of one sentence at a time it reads each.
KINDS = (
    "none",
    "clash",
    "air strike",
    "shelling",
    "bombing",
    "attack on civilians",
    "capture of a place",
    "arrest",
    "protest",
    "talks",
    "agreement",
    "rejection",
    "accusation",
    "threat",
    "proposal",
    "other event",
)


class SentenceKind(BaseModel):
    """Stage 1, one sentence: the kind of event it reports, or "none"."""

    kind: Literal[KINDS]  # type: ignore[valid-type]


class EventSentences(BaseModel):
    """Stage 1 for the whole article: each event sentence's number and the kind of event it
    reports (put together from the sentences' answers, in code)."""

    events: dict[int, str] = Field(default_factory=dict)

    @property
    def sentences(self) -> list[int]:
        return list(self.events)


class EventFields(BaseModel):
    """Stage 2: one event sentence's fields. The "as written" ones are phrases of the sentence.
    What is sent is narrowed to the sentence (``fields_model``); this reads any answer back.
    The actor types are the alias table's business now (answers logged before may hold them)."""

    sub_event_type: SubEventType | None
    plover_type: PloverType
    actor1: Short | None
    actor1_type: ActorType | None = None
    actor2: Short | None
    actor2_type: ActorType | None = None
    locations: list[Short] = Field(max_length=MOST_PLACES)
    date_phrase: Short | None
    fatalities_phrase: Short | None


# The fields that must be phrases of the event's sentence (and ``locations``, each of its items).
AS_WRITTEN = ("actor1", "actor2", "date_phrase", "fatalities_phrase")


class Brief(BaseModel):
    """The article's summary, asked on its own. Bounded (the grammar enforces the lengths): a
    small model otherwise copies the article's first sentences out at length, ~10 s per 100
    tokens on the embedded model."""

    summary: str = Field(max_length=450)
    key_points: list[Annotated[str, Field(max_length=100)]] = Field(max_length=2)
    sources_cited: list[Annotated[str, Field(max_length=60)]] = Field(max_length=3)


def fields_model(sentence: str) -> type[EventFields]:
    """``EventFields`` narrowed to what ``sentence`` allows: the types its words allow
    (``cues.allowed_types``) and, per "as written" field, the phrases of it that can fill that
    field (``candidates``), or null. Every field is required (null allowed) so that constrained
    decoding considers each one; the model chooses among a handful of options per field."""
    sub, plover = allowed_types(sentence)
    if not plover:  # no word of an event: nothing to narrow to (stage 1 does not pick these)
        return EventFields
    actors = actor_phrases(sentence)
    places = place_phrases(sentence)
    return create_model(  # type: ignore[call-overload]
        "EventFields",
        __base__=BaseModel,
        sub_event_type=(_one_of(tuple(t.value for t in sub)), ...),
        plover_type=(Literal[tuple(t.value for t in plover)], ...),
        actor1=(_one_of(actors), ...),
        actor2=(_one_of(actors), ...),
        locations=(
            list[Literal[places]] if places else list[None],  # type: ignore[valid-type]
            Field(max_length=min(MOST_PLACES, len(places))),
        ),
        date_phrase=(_one_of(date_phrases(sentence)), ...),
        fatalities_phrase=(_one_of(toll_phrases(sentence)), ...),
    )


def _one_of(choices: tuple[str, ...]) -> object:
    """One of ``choices`` or null (only null when there is none)."""
    return Literal[choices] | None if choices else None  # type: ignore[valid-type]
