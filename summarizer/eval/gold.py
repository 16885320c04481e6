"""The gold annotations: the event model and the JSON Lines loader.

Format (one *event* per line; field names are the CSV export's, see ``summarizer.export.csv``)::

    {"article_id": "000_7f59d95cd243b889", "gold_id": "000-1",
     "sub_event_type": "Armed clash", "plover_type": "ASSAULT",
     "actor1": "Military Forces of Syria", "actor2": "Opposition Rebels (Syria)",
     "location": "al-Zara", "admin1": "Homs", "geo_precision": 1,
     "event_date": "2016-05-21", "event_date_end": "2016-05-21", "time_precision": 1,
     "fatalities": null, "evidence": "Syrian forces clashed with ...", "notes": "..."}

* ``event_type`` and ``disorder_type`` may be left out: they follow from ``sub_event_type``
  (a given value must agree). A diplomatic or verbal event has no ACLED type: leave
  ``sub_event_type`` null and give ``plover_type``. ``sub_event_type_alt``: other sub-event
  types a careful coder could defend (also for a diplomatic event an ACLED coder might code,
  e.g. ``["Agreement"]``).
* ``actor1_alt`` / ``actor2_alt`` / ``location_alt``: other names that count as the same
  actor or place (spellings, or a defensible second coding). Names are compared after the
  project's own normalisers (``matching``), so an alias the tables know need not be listed.
* ``event_date`` .. ``event_date_end``: the window the event happened in (end defaults to
  start); null when the article gives no usable date (e.g. "on Saturday" in an undated article).
* ``fatalities``: the ACLED conservative death count; null when the article states none (scored
  as 0 for the exact-count field, ACLED's convention, and no constraint on a strict pair).
  ``fatalities_low`` / ``fatalities_high``: the range a strict pair's count must fall in (UCDP
  low/high); without both, the count itself is the range. ``fatalities_best`` is kept, unscored.
* Other alternatives an ACLED coder writes, scored: ``admin1_alt`` (null in it: no admin1 also
  counts), ``plover_type_alt`` (a diplomatic event's other defensible PLOVER types),
  ``event_date_alt`` (other days it may be dated to), ``fatalities_alt`` (other counts a strict
  pair may report; null: "no toll stated", i.e. 0), and null in ``actor1_alt`` / ``actor2_alt``
  (no such actor also counts). Read and not scored: ``country``, ``admin2``, ``inter1_alt`` /
  ``inter2_alt``. Any other field is an error, so that a misspelt one is not silently ignored.
* ``optional: true``: a borderline event. Matching it counts; missing it does not.
* ``evidence`` (``evidence_more``): the sentence(s) the event rests on, ``notes``: why it is
  coded so, ``assoc_actor1`` / ``assoc_actor2``: associated actors. Kept for the reader,
  not scored.
* ``{"article_id": "...", "no_events": true}``: an article annotated as reporting no event.

The independent key's names (tests/independent/README.md) are read too: ``date`` (a day) or
``date_window`` ([from, to]), ``fatalities_acled`` (the count; its 0 with no low, best or high
means unknown, so it is read as null), ``actor1_alternatives`` / ``actor2_alternatives``, and
``type_alternatives`` ([event type, sub-event type] pairs). A line may not give both names of
one field.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from summarizer.types.records import (
    SUB_EVENT_PARENT,
    ActorType,
    DisorderType,
    EventType,
    PloverType,
    SubEventType,
    disorder_type_of,
)

__all__ = ["GoldError", "GoldEvent", "GoldSet", "load_gold"]


class GoldError(ValueError):
    pass


# The independent key's field name -> ours, for the fields that only differ in name.
_RENAMED = {
    "date": "event_date",
    "actor1_alternatives": "actor1_alt",
    "actor2_alternatives": "actor2_alt",
    "fatalities_acled": "fatalities",
}


def _from_independent_names(obj: dict[str, Any]) -> dict[str, Any]:
    """The independent key's field names mapped to ours (see the module docstring)."""
    obj = dict(obj)

    def take(theirs: str, ours: str, value: Any) -> None:
        if ours in obj:
            raise ValueError(f"give {ours} or {theirs}, not both")
        obj[ours] = value

    if "fatalities_acled" in obj:
        # Their 0 stands for "unknown" when no low, best or high is given (their README):
        # read as null, so it constrains no strict pair.
        acled = obj["fatalities_acled"]
        if acled == 0 and all(obj.get(f"fatalities_{k}") is None for k in ("low", "best", "high")):
            obj["fatalities_acled"] = None
    for theirs, ours in _RENAMED.items():
        if theirs in obj:
            take(theirs, ours, obj.pop(theirs))
    if "date_window" in obj:
        window = obj.pop("date_window")
        if window is not None:
            if not (isinstance(window, list) and len(window) == 2):
                raise ValueError("date_window must be [from, to]")
            if obj.get("event_date") is not None:
                raise ValueError("give date or date_window, not both")
            obj["event_date"] = window[0]
            take("date_window", "event_date_end", window[1])
    if "type_alternatives" in obj:
        pairs = obj.pop("type_alternatives") or []
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise ValueError("type_alternatives must be [event_type, sub_event_type] pairs")
        for event_type, sub in pairs:
            if sub is not None and SUB_EVENT_PARENT[SubEventType(sub)].value != event_type:
                raise ValueError(f"type_alternatives: {sub!r} does not belong to {event_type!r}")
        take("type_alternatives", "sub_event_type_alt", [sub for _, sub in pairs if sub])
    return obj


class GoldEvent(BaseModel):
    """One gold event (see the module docstring for the format)."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    gold_id: str = ""
    optional: bool = False
    event_type: EventType | None = None
    sub_event_type: SubEventType | None = None
    sub_event_type_alt: list[SubEventType] = Field(default_factory=list)
    disorder_type: DisorderType | None = None
    plover_type: PloverType | None = None
    plover_type_alt: list[PloverType] = Field(default_factory=list)
    actor1: str
    actor1_alt: list[str | None] = Field(default_factory=list)  # None: no actor 1 also counts
    inter1: ActorType | None = None
    inter1_alt: list[ActorType] = Field(default_factory=list)  # read, not scored (nor is inter1)
    assoc_actor1: list[str] = Field(default_factory=list)
    actor2: str | None = None
    actor2_alt: list[str | None] = Field(default_factory=list)
    inter2: ActorType | None = None
    inter2_alt: list[ActorType] = Field(default_factory=list)
    assoc_actor2: list[str] = Field(default_factory=list)
    location: str | None = None
    location_alt: list[str] = Field(default_factory=list)
    admin1: str | None = None
    admin1_alt: list[str | None] = Field(default_factory=list)  # None: no admin1 also counts
    admin2: str | None = None  # read, not scored
    country: str | None = None  # read, not scored
    geo_precision: Literal[1, 2, 3] | None = None
    event_date: dt.date | None = None
    event_date_end: dt.date | None = None
    event_date_alt: list[dt.date] = Field(default_factory=list)  # other days that count
    time_precision: Literal[1, 2, 3] | None = None
    fatalities: int | None = Field(default=None, ge=0)
    fatalities_low: int | None = Field(default=None, ge=0)
    fatalities_best: int | None = Field(default=None, ge=0)
    fatalities_high: int | None = Field(default=None, ge=0)
    # Other counts a strict pair may report (None: "no toll stated", i.e. 0, also counts).
    fatalities_alt: list[int | None] = Field(default_factory=list)
    evidence: str | None = None
    evidence_more: list[str] = Field(default_factory=list)
    notes: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _their_names(cls, data: Any) -> Any:
        return _from_independent_names(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _derive(self) -> GoldEvent:
        if self.sub_event_type is not None:
            parent = SUB_EVENT_PARENT[self.sub_event_type]
            if self.event_type not in (None, parent):
                raise ValueError(
                    f"sub_event_type {self.sub_event_type.value!r} belongs to {parent.value!r}"
                )
            self.event_type = parent
        elif self.event_type is not None:
            raise ValueError("event_type without sub_event_type: give the sub-event type")
        derived = disorder_type_of(self.event_type)
        if self.disorder_type not in (None, derived):
            raise ValueError(f"disorder_type does not follow from event_type ({derived})")
        self.disorder_type = derived
        if self.event_type is None and self.plover_type is None:
            raise ValueError("an event without an ACLED type needs a plover_type")
        if self.event_date_end is None:
            self.event_date_end = self.event_date
        elif self.event_date is None:
            raise ValueError("event_date_end without event_date")
        elif self.event_date_end < self.event_date:
            raise ValueError("event_date_end is before event_date")
        toll = (self.fatalities_low, self.fatalities_best, self.fatalities_high)
        known = [v for v in toll if v is not None]
        if known != sorted(known):
            raise ValueError("fatalities must satisfy low <= best <= high")
        if self.fatalities is not None and not (
            (self.fatalities_low is None or self.fatalities_low <= self.fatalities)
            and (self.fatalities_high is None or self.fatalities <= self.fatalities_high)
        ):
            raise ValueError("fatalities lies outside fatalities_low .. fatalities_high")
        return self

    @property
    def toll_range(self) -> tuple[int, int] | None:
        """The death counts a strict pair may report: low..high when both are given, else the
        one count given (the ACLED count first); None when the gold states no toll."""
        if self.fatalities_low is not None and self.fatalities_high is not None:
            return self.fatalities_low, self.fatalities_high
        for count in (self.fatalities, self.fatalities_low, self.fatalities_high):
            if count is not None:
                return count, count
        return None


class GoldSet(BaseModel):
    """Gold events by article, plus the articles annotated as having none."""

    events: list[GoldEvent]
    empty_articles: list[str] = Field(default_factory=list)

    @property
    def article_ids(self) -> list[str]:
        return list(dict.fromkeys([*(e.article_id for e in self.events), *self.empty_articles]))

    def for_article(self, article_id: str) -> list[GoldEvent]:
        return [e for e in self.events if e.article_id == article_id]


def load_gold(path: Path) -> GoldSet:
    """Read a gold JSONL file; the first bad line is named with its number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise GoldError(f"{path}: not UTF-8 text") from None
    events: list[GoldEvent] = []
    empty: list[str] = []
    seen: set[str] = set()
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise GoldError(f"{path}:{lineno}: expected a JSON object")
            if obj.get("no_events"):
                if set(obj) - {"article_id", "no_events", "notes"}:
                    raise GoldError(f"{path}:{lineno}: a no_events line holds only article_id")
                empty.append(str(obj["article_id"]))
                continue
            event = GoldEvent.model_validate(obj)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "event"
            raise GoldError(
                f"{path}:{lineno}: not a gold event ({where}: {first['msg']})"
            ) from None
        if not event.gold_id:
            event.gold_id = f"{event.article_id}:{lineno}"
        if event.gold_id in seen:
            raise GoldError(f"{path}:{lineno}: duplicate gold_id {event.gold_id!r}")
        seen.add(event.gold_id)
        events.append(event)
    if not events and not empty:
        raise GoldError(f"{path}: no gold events")
    overlap = set(empty) & {e.article_id for e in events}
    if overlap:
        raise GoldError(f"{path}: marked no_events but has events: {', '.join(sorted(overlap))}")
    return GoldSet(events=events, empty_articles=empty)
