"""Every record the tool reads or writes, in one place.

Two families of models live here:

* ``Extracted*``: what the LLM fills. Small, flat, with field descriptions that teach the coding
  rules, because the descriptions are sent to the model as part of the JSON schema. Only what is
  *in the text* is asked for; everything derivable is derived in code.
* the stored records (``ArticleSummary``, ``EventRecord`` ...): what we save and show. They add
  derived fields (event type from sub-event type, disorder type, interaction), evidence offsets
  and match status, and provenance (model, prompt version, usage).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

# Bumped whenever a stored record changes shape; part of every cache key.
SCHEMA_VERSION = "2"


class EventType(str, Enum):
    """ACLED event types."""

    BATTLES = "Battles"
    EXPLOSIONS = "Explosions/Remote violence"
    VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians"
    PROTESTS = "Protests"
    RIOTS = "Riots"
    STRATEGIC_DEVELOPMENTS = "Strategic developments"


class SubEventType(str, Enum):
    """ACLED sub-event types. Each belongs to exactly one event type (see SUB_EVENT_PARENT)."""

    ARMED_CLASH = "Armed clash"
    GOVERNMENT_REGAINS_TERRITORY = "Government regains territory"
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = "Non-state actor overtakes territory"
    CHEMICAL_WEAPON = "Chemical weapon"
    AIR_DRONE_STRIKE = "Air/drone strike"
    SUICIDE_BOMB = "Suicide bomb"
    SHELLING_ARTILLERY_MISSILE = "Shelling/artillery/missile attack"
    REMOTE_EXPLOSIVE = "Remote explosive/landmine/IED"
    GRENADE = "Grenade"
    SEXUAL_VIOLENCE = "Sexual violence"
    ATTACK = "Attack"
    ABDUCTION = "Abduction/forced disappearance"
    PEACEFUL_PROTEST = "Peaceful protest"
    PROTEST_WITH_INTERVENTION = "Protest with intervention"
    EXCESSIVE_FORCE_AGAINST_PROTESTERS = "Excessive force against protesters"
    VIOLENT_DEMONSTRATION = "Violent demonstration"
    MOB_VIOLENCE = "Mob violence"
    AGREEMENT = "Agreement"
    ARRESTS = "Arrests"
    CHANGE_TO_GROUP_ACTIVITY = "Change to group/activity"
    DISRUPTED_WEAPONS_USE = "Disrupted weapons use"
    HEADQUARTERS_ESTABLISHED = "Headquarters or base established"
    LOOTING_PROPERTY_DESTRUCTION = "Looting/property destruction"
    NON_VIOLENT_TRANSFER_OF_TERRITORY = "Non-violent transfer of territory"
    OTHER = "Other"


_S, _E = SubEventType, EventType
SUB_EVENT_PARENT: dict[SubEventType, EventType] = {
    **dict.fromkeys(
        [_S.ARMED_CLASH, _S.GOVERNMENT_REGAINS_TERRITORY, _S.NON_STATE_ACTOR_OVERTAKES_TERRITORY],
        _E.BATTLES,
    ),
    **dict.fromkeys(
        [
            _S.CHEMICAL_WEAPON,
            _S.AIR_DRONE_STRIKE,
            _S.SUICIDE_BOMB,
            _S.SHELLING_ARTILLERY_MISSILE,
            _S.REMOTE_EXPLOSIVE,
            _S.GRENADE,
        ],
        _E.EXPLOSIONS,
    ),
    **dict.fromkeys([_S.SEXUAL_VIOLENCE, _S.ATTACK, _S.ABDUCTION], _E.VIOLENCE_AGAINST_CIVILIANS),
    **dict.fromkeys(
        [
            _S.PEACEFUL_PROTEST,
            _S.PROTEST_WITH_INTERVENTION,
            _S.EXCESSIVE_FORCE_AGAINST_PROTESTERS,
        ],
        _E.PROTESTS,
    ),
    **dict.fromkeys([_S.VIOLENT_DEMONSTRATION, _S.MOB_VIOLENCE], _E.RIOTS),
    **dict.fromkeys(
        [
            _S.AGREEMENT,
            _S.ARRESTS,
            _S.CHANGE_TO_GROUP_ACTIVITY,
            _S.DISRUPTED_WEAPONS_USE,
            _S.HEADQUARTERS_ESTABLISHED,
            _S.LOOTING_PROPERTY_DESTRUCTION,
            _S.NON_VIOLENT_TRANSFER_OF_TERRITORY,
            _S.OTHER,
        ],
        _E.STRATEGIC_DEVELOPMENTS,
    ),
}
assert set(SUB_EVENT_PARENT) == set(SubEventType)


class DisorderType(str, Enum):
    POLITICAL_VIOLENCE = "Political violence"
    DEMONSTRATIONS = "Demonstrations"
    STRATEGIC_DEVELOPMENTS = "Strategic developments"


def disorder_type_of(event_type: EventType | None) -> DisorderType | None:
    if event_type is None:
        return None
    if event_type in (EventType.PROTESTS, EventType.RIOTS):
        return DisorderType.DEMONSTRATIONS
    if event_type is EventType.STRATEGIC_DEVELOPMENTS:
        return DisorderType.STRATEGIC_DEVELOPMENTS
    return DisorderType.POLITICAL_VIOLENCE


class PloverType(str, Enum):
    """PLOVER event classes; the only type a diplomatic or verbal event gets."""

    AGREE = "AGREE"
    CONSULT = "CONSULT"
    SUPPORT = "SUPPORT"
    CONCEDE = "CONCEDE"
    COOPERATE = "COOPERATE"
    AID = "AID"
    RETREAT = "RETREAT"
    REQUEST = "REQUEST"
    ACCUSE = "ACCUSE"
    REJECT = "REJECT"
    THREATEN = "THREATEN"
    PROTEST = "PROTEST"
    SANCTION = "SANCTION"
    MOBILIZE = "MOBILIZE"
    COERCE = "COERCE"
    ASSAULT = "ASSAULT"


class ActorType(str, Enum):
    """ACLED 'inter' codes, by name."""

    STATE_FORCES = "State forces"
    REBEL_GROUP = "Rebel group"
    POLITICAL_MILITIA = "Political militia"
    IDENTITY_MILITIA = "Identity militia"
    RIOTERS = "Rioters"
    PROTESTERS = "Protesters"
    CIVILIANS = "Civilians"
    EXTERNAL_OTHER = "External/Other forces"


def interaction_of(type1: ActorType | None, type2: ActorType | None) -> str | None:
    """ACLED-style interaction label derived from the two actor types, e.g.
    'State forces-Rebel group', or 'State forces only' when there is no second actor."""
    if type1 is None:
        return None
    if type2 is None:
        return f"{type1.value} only"
    return f"{type1.value}-{type2.value}"


class MatchStatus(str, Enum):
    """How an evidence quote was found in the article.

    exact: verbatim; fuzzy: found after normalising whitespace, quote marks and case, or by
    fuzzy alignment above the threshold (see ``Evidence.score``); unmatched: not found.
    """

    EXACT = "exact"
    FUZZY = "fuzzy"
    UNMATCHED = "unmatched"


class DateResolution(str, Enum):
    EXPLICIT = "explicit"
    RELATIVE_TO_PUBLICATION = "relative_to_publication"
    PUBLICATION_FALLBACK = "publication_fallback"
    UNRESOLVED = "unresolved"


# ---------------------------------------------------------------------------------------------
# Stored records
# ---------------------------------------------------------------------------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Actor(Strict):
    name: str = Field(description="As written in the article.")
    normalised_name: str | None = Field(
        default=None, description="ACLED-style name, e.g. 'Military Forces of Syria'."
    )
    type: ActorType | None = None
    associated: list[str] = Field(default_factory=list)
    candidates: list[str] = Field(
        default_factory=list,
        description="When the name is ambiguous ('jihadists') and its sentence does not say "
        "which actor it is: the actors it may be; normalised_name is then None.",
    )


class Place(Strict):
    name: str = Field(description="As written in the article.")
    normalised_name: str | None = None
    admin1: str | None = None
    admin2: str | None = None
    country_iso3: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    geo_precision: Literal[1, 2, 3] | None = None
    geonames_id: int | None = None
    rule: str | None = Field(
        default=None, description="How the place was resolved, e.g. 'town', 'admin1', 'alias'."
    )


class EventDate(Strict):
    phrase: str | None = Field(default=None, description="As written in the article.")
    start: dt.date | None = None
    end: dt.date | None = None
    time_precision: Literal[1, 2, 3] | None = None
    resolution: DateResolution = DateResolution.UNRESOLVED

    @model_validator(mode="after")
    def _window_in_order(self) -> EventDate:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"date window ends ({self.end}) before it starts ({self.start})")
        return self


class Fatalities(Strict):
    phrase: str | None = Field(default=None, description="As written in the article.")
    low: int | None = Field(default=None, ge=0)
    best: int | None = Field(default=None, ge=0)
    high: int | None = Field(default=None, ge=0)
    acled: int | None = Field(
        default=None, ge=0, description="ACLED conservative count: deaths only, lowest stated."
    )
    reported_by: str | None = None
    disputed: bool = False
    includes: list[str] = Field(
        default_factory=list,
        description="Ids of the article's other events whose deaths this toll already counts "
        "(a day's total and a part told apart): the article's deaths are the sum of the tolls "
        "no other toll includes.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Fatalities:
        known = [v for v in (self.low, self.best, self.high) if v is not None]
        if known != sorted(known):
            raise ValueError(f"fatalities must satisfy low <= best <= high, got {known}")
        return self

    def own_deaths(self, deaths_by_id: dict[str, int | None]) -> int:
        """The ACLED count less the deaths of the events it includes, ``deaths_by_id`` giving
        the article's ACLED counts by event id: what this event adds to the article's deaths
        (ACLED's split of a total: 26 killed, 8 of them told as their own event, leaves 18)."""
        included = sum(deaths_by_id.get(i) or 0 for i in self.includes)
        return max(0, (self.acled or 0) - included)


class Evidence(Strict):
    quote: str
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)
    status: MatchStatus
    score: float = Field(ge=0, le=100, description="Similarity of the located span, 0-100.")
    page: int | None = Field(default=None, ge=1, description="The PDF page the quote is on.")

    @model_validator(mode="after")
    def _offsets(self) -> Evidence:
        located = self.start is not None and self.end is not None
        if self.status is MatchStatus.UNMATCHED:
            if self.start is not None or self.end is not None:
                raise ValueError("an unmatched quote has no offsets")
        elif not located or self.end <= self.start:  # type: ignore[operator]
            raise ValueError("a located quote needs start < end")
        return self


class EventRecord(Strict):
    id: str = Field(description="'<article id>#<n>', stable within a result.")
    event_type: EventType | None = None
    sub_event_type: SubEventType | None = None
    disorder_type: DisorderType | None = None
    plover_type: PloverType
    actor1: Actor
    actor2: Actor | None = None
    interaction: str | None = None
    civilian_targeting: bool = False
    place: Place | None = None
    date: EventDate = Field(default_factory=EventDate)
    fatalities: Fatalities = Field(default_factory=Fatalities)
    evidence: list[Evidence] = Field(min_length=1)
    grounded: bool = Field(description="True when at least one evidence quote was located.")
    suspect_source: bool = Field(
        default=False,
        description="Its only evidence is a sentence addressed to an AI model (an instruction "
        "planted in the article): not reporting, never shown as fact.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> EventRecord:
        if self.sub_event_type is not None:
            parent = SUB_EVENT_PARENT[self.sub_event_type]
            if self.event_type is not parent:
                raise ValueError(
                    f"sub-event type {self.sub_event_type.value!r} belongs to "
                    f"{parent.value!r}, not {getattr(self.event_type, 'value', None)!r}"
                )
        if self.disorder_type is not disorder_type_of(self.event_type):
            raise ValueError("disorder_type does not follow from event_type")
        located = any(e.status is not MatchStatus.UNMATCHED for e in self.evidence)
        if self.grounded != located:
            raise ValueError("grounded must be true exactly when some evidence was located")
        return self


class Usage(Strict):
    prompt_tokens: int = Field(default=0, ge=0)
    completion_tokens: int = Field(default=0, ge=0)
    attempts: int = Field(default=0, ge=0, description="LLM requests sent, incl. retries/re-asks.")
    latency_s: float = Field(default=0.0, ge=0)

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Provenance(Strict):
    model: str
    endpoint: str = Field(description="'embedded' or the base URL (never a key).")
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    usage: Usage = Field(default_factory=Usage)
    created_at: dt.datetime
    gazetteer: str | None = Field(
        None,
        description="The GeoNames dump places were resolved with (file name, sha256); "
        "None: the shipped snapshot.",
    )


class ArticleSummary(Strict):
    """One article's stored result: the line written to results JSONL."""

    article_id: str
    source_path: str | None = None
    headline: str
    outlet: str | None = None
    published: dt.date | None = None
    url: str | None = None
    author: str | None = None
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    text_length: int = Field(ge=0, description="Characters in the original text; offsets index it.")
    text: str | None = Field(
        default=None,
        description="The text the offsets index, kept where the input cannot be reread as a plain "
        "file (a web page's main text, a PDF's text layer, a URL, standard input).",
    )
    chunks: int = Field(default=1, ge=1, description="Requests the extraction took (long texts).")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the reader must know, e.g. events cut off at the model's output limit.",
    )
    summary: str
    summary_unverified: str | None = Field(
        default=None,
        description="Why the summary could not be checked against the article (it copies the "
        "headline, or states a number or name the article does not), after one re-ask.",
    )
    key_points: list[str] = Field(default_factory=list)
    sources_cited: list[str] = Field(default_factory=list)
    events: list[EventRecord] = Field(default_factory=list)
    provenance: Provenance

    @field_validator("events")
    @classmethod
    def _offsets_inside_text(cls, events: list[EventRecord], info: ValidationInfo):
        length = info.data.get("text_length")
        if length is None:
            return events
        for event in events:
            for ev in event.evidence:
                if ev.end is not None and ev.end > length:
                    raise ValueError(
                        f"{event.id}: evidence ends at {ev.end}, past the text ({length} chars)"
                    )
        return events

    @property
    def grounded_events(self) -> int:
        return sum(e.grounded for e in self.events)


class Failure(Strict):
    """An article that produced no summary, and why. Never silently dropped."""

    article_id: str
    source_path: str | None = None
    stage: Literal["ingest", "llm", "validate"]
    reason: str
    # "skipped": not attempted (the batch stopped early, e.g. on a rejected key); --resume asks it.
    status: Literal["failed", "skipped"] = "failed"
