"""What each stage of the staged strategy asks the model to fill, and the same models narrowed
to one article (stage 1: its sentence numbers) or one sentence (stage 2: its phrases).

The plain models parse a logged answer; the narrowed ones are what is sent. Narrowing is also
the validation: a sentence number outside the article breaks the schema and is re-asked like
any invalid answer, wherever the endpoint does not enforce the schema itself.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

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

    def labels(self) -> dict[int, str]:
        return dict(self.events)


class EventFields(BaseModel):
    """Stage 2: one event sentence's fields. The "as written" ones are phrases of the sentence.
    Every field is required (null allowed) so that constrained decoding considers each one."""

    sub_event_type: SubEventType | None
    plover_type: PloverType
    actor1: Short | None
    actor1_type: ActorType | None
    actor2: Short | None
    actor2_type: ActorType | None
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


def fields_model(phrases: list[str]) -> type[EventFields]:
    """``EventFields`` whose as-written fields can only be one of ``phrases`` (or null). One
    enum type, so the schema lists the phrases once (it is sent with every request)."""
    if not phrases:
        return EventFields
    phrase = Enum("Phrase", {f"p{n}": p for n, p in enumerate(phrases)}, type=str)  # type: ignore[misc]
    return create_model(
        "EventFields",
        __base__=EventFields,
        locations=(list[phrase], Field(max_length=MOST_PLACES)),  # type: ignore[valid-type]
        **dict.fromkeys(AS_WRITTEN, (phrase | None, ...)),  # type: ignore[operator]
    )
