import datetime as dt
import json

import pytest
from pydantic import ValidationError

from summarizer.types.records import (
    SUB_EVENT_PARENT,
    Actor,
    ActorType,
    ArticleSummary,
    DisorderType,
    EventDate,
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

EXACT = Evidence(quote="x" * 10, start=0, end=10, status=MatchStatus.EXACT, score=100)
UNMATCHED = Evidence(quote="y" * 10, status=MatchStatus.UNMATCHED, score=0)


def event(**changes) -> EventRecord:
    fields = dict(
        id="a#1",
        event_type=EventType.BATTLES,
        sub_event_type=SubEventType.ARMED_CLASH,
        disorder_type=DisorderType.POLITICAL_VIOLENCE,
        plover_type=PloverType.ASSAULT,
        actor1=Actor(name="regime forces", type=ActorType.STATE_FORCES),
        evidence=[EXACT],
        grounded=True,
    )
    fields.update(changes)
    return EventRecord(**fields)


def test_every_sub_event_has_exactly_one_parent():
    assert SUB_EVENT_PARENT[SubEventType.AIR_DRONE_STRIKE] is EventType.EXPLOSIONS
    assert SUB_EVENT_PARENT[SubEventType.NON_VIOLENT_TRANSFER_OF_TERRITORY] is (
        EventType.STRATEGIC_DEVELOPMENTS
    )
    assert len(SUB_EVENT_PARENT) == len(SubEventType) == 25


def test_sub_event_must_belong_to_its_type():
    with pytest.raises(ValidationError, match="belongs to 'Explosions/Remote violence'"):
        event(sub_event_type=SubEventType.AIR_DRONE_STRIKE)


def test_disorder_type_must_follow_event_type():
    with pytest.raises(ValidationError, match="disorder_type"):
        event(disorder_type=DisorderType.DEMONSTRATIONS)
    assert disorder_type_of(EventType.RIOTS) is DisorderType.DEMONSTRATIONS
    assert disorder_type_of(None) is None


def test_grounded_flag_must_match_the_evidence():
    assert event(evidence=[UNMATCHED, EXACT]).grounded
    with pytest.raises(ValidationError, match="grounded"):
        event(evidence=[UNMATCHED], grounded=True)
    assert not event(evidence=[UNMATCHED], grounded=False).grounded


def test_diplomatic_event_has_only_a_plover_type():
    e = event(
        event_type=None, sub_event_type=None, disorder_type=None, plover_type=PloverType.REJECT
    )
    assert e.event_type is None


@pytest.mark.parametrize(
    "kwargs", [dict(low=5, best=3), dict(best=9, high=2), dict(low=4, high=1), dict(acled=-1)]
)
def test_fatalities_bounds(kwargs):
    with pytest.raises(ValidationError):
        Fatalities(**kwargs)


def test_fatalities_in_order_are_fine():
    assert Fatalities(low=19, best=19, high=25, acled=19).best == 19


def test_date_window_in_order():
    with pytest.raises(ValidationError, match="ends"):
        EventDate(start=dt.date(2016, 5, 21), end=dt.date(2016, 5, 20))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(status=MatchStatus.EXACT, start=None, end=None),
        dict(status=MatchStatus.EXACT, start=5, end=5),
        dict(status=MatchStatus.UNMATCHED, start=0, end=3),
        dict(status=MatchStatus.EXACT, start=-1, end=3),
    ],
)
def test_evidence_offsets(kwargs):
    with pytest.raises(ValidationError):
        Evidence(quote="q", score=50, **kwargs)


def _summary(events, text_length=100):
    return ArticleSummary(
        article_id="a",
        headline="h",
        sha256="0" * 64,
        text_length=text_length,
        summary="s",
        events=events,
        provenance=Provenance(
            model="m", endpoint="embedded", prompt_version="v", created_at=dt.datetime(2026, 1, 1)
        ),
    )


def test_offsets_must_be_inside_the_text():
    assert _summary([event()], text_length=10).events
    with pytest.raises(ValidationError, match="past the text"):
        _summary([event()], text_length=9)


def test_interaction_label():
    assert (
        interaction_of(ActorType.STATE_FORCES, ActorType.REBEL_GROUP) == "State forces-Rebel group"
    )
    assert interaction_of(ActorType.STATE_FORCES, None) == "State forces only"
    assert interaction_of(None, ActorType.CIVILIANS) is None


def test_records_reject_unknown_fields():
    data = json.loads(_summary([event()]).model_dump_json())
    data["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        ArticleSummary.model_validate(data)
