"""What the LLM fills: small, flat models whose field descriptions teach the coding rules (they
are sent to the model as part of the JSON schema). Only what is *in the text* is asked for;
everything derivable is derived in code (``pipeline/``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from summarizer.types.records import ActorType, PloverType, SubEventType

Short = Annotated[str, Field(max_length=200)]
# The most events one answer may hold (it bounds the answer's length): an answer that reaches it
# is asked again in halves, never silently cut (runtime/engine.py).
EVENTS_PER_ANSWER = 8
Quote = Annotated[str, Field(min_length=8, max_length=300)]


class ExtractedEvent(BaseModel):
    """One event: one action, by one actor set, at one place, on one date.

    Every field is required (null allowed) so that grammar-constrained decoding makes a small
    model consider each one.
    """

    sub_event_type: SubEventType | None = Field(
        description="ACLED sub-event type; null only for purely diplomatic or verbal events."
    )
    plover_type: PloverType = Field(
        description="PLOVER class, e.g. ASSAULT for attacks, REJECT, ACCUSE, CONSULT for talks."
    )
    actor1: Short = Field(description="Who acted, as written in the article.")
    actor1_type: ActorType | None
    actor2: Short | None = Field(description="Who was acted on, as written; null if nobody.")
    actor2_type: ActorType | None
    location: Short | None = Field(
        description="Most precise place named for this event, as written."
    )
    date_phrase: Short | None = Field(
        description="The date words as written, e.g. 'on Saturday'; null if none. No guessing."
    )
    fatalities_phrase: Short | None = Field(
        description="Words stating the DEATH toll, as written. Injuries do not count."
    )
    fatalities: int | None = Field(
        ge=0, description="Deaths stated in fatalities_phrase; null if not stated."
    )
    evidence: list[Quote] = Field(
        min_length=1,
        max_length=2,
        description="1-2 sentences copied verbatim from the article that state this event.",
    )


class ExtractedSummary(BaseModel):
    """A faithful summary of one news article and the events it reports."""

    summary: str = Field(
        max_length=1200, description="2-4 sentences, faithful to the article, no outside facts."
    )
    key_points: list[Short] = Field(max_length=5)
    sources_cited: list[Short] = Field(
        max_length=6,
        description="Sources the article cites, e.g. 'Syrian Observatory for Human Rights'.",
    )
    events: list[ExtractedEvent] = Field(max_length=EVENTS_PER_ANSWER)


class DocumentSummary(BaseModel):
    """A long document's summary, written from its parts' summaries."""

    summary: str = Field(
        max_length=1500,
        description="3-5 sentences built only from the part summaries given; nothing else.",
    )
    key_points: list[Short] = Field(max_length=6)
