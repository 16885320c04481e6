"""merge_events over hand-built ArticleSummary objects."""

from __future__ import annotations

import datetime as dt
import hashlib
from itertools import count

import pytest

from summarizer.pipeline.merge import MergedEvent, merge_events, same_place
from summarizer.types.records import (
    SUB_EVENT_PARENT,
    Actor,
    ActorType,
    ArticleSummary,
    DateResolution,
    EventDate,
    EventRecord,
    Evidence,
    Fatalities,
    MatchStatus,
    Place,
    PloverType,
    Provenance,
    SubEventType,
    disorder_type_of,
)

D = dt.date
AIR = SubEventType.AIR_DRONE_STRIKE
CLASH = SubEventType.ARMED_CLASH
SHELLING = SubEventType.SHELLING_ARTILLERY_MISSILE

RUSSIA = Actor(
    name="Russian jets", normalised_name="Military Forces of Russia", type=ActorType.EXTERNAL_OTHER
)
SYRIA = Actor(
    name="regime forces", normalised_name="Military Forces of Syria", type=ActorType.STATE_FORCES
)
UNKNOWN = Actor(name="warplanes")

KAFR_ZITA = Place(
    name="Kafr Zita",
    normalised_name="Kafr Zayta",
    admin1="Hama",
    country_iso3="SYR",
    latitude=35.37425,
    longitude=36.6033,
    geo_precision=1,
)
# about 4 km north of Kafr Zita's point
NEAR_KAFR_ZITA = Place(
    name="al-Lataminah",
    normalised_name="Al Lataminah",
    admin1="Hama",
    country_iso3="SYR",
    latitude=35.41,
    longitude=36.61,
    geo_precision=1,
)
IDLIB = Place(
    name="Idlib",
    normalised_name="Idleb",
    admin1="Idleb",
    country_iso3="SYR",
    latitude=35.93062,
    longitude=36.63393,
    geo_precision=1,
)
HAMA_PROVINCE = Place(
    name="Hama province", normalised_name="Hama", admin1="Hama", country_iso3="SYR", geo_precision=3
)
HOMS_PROVINCE = Place(
    name="Homs province", normalised_name="Homs", admin1="Homs", country_iso3="SYR", geo_precision=3
)

_ids = count()


def day(d: dt.date, precision=1, how=DateResolution.RELATIVE_TO_PUBLICATION, phrase="on Saturday"):
    return EventDate(phrase=phrase, start=d, end=d, time_precision=precision, resolution=how)


def span(a: dt.date, b: dt.date, precision=2, phrase="last week"):
    return EventDate(
        phrase=phrase,
        start=a,
        end=b,
        time_precision=precision,
        resolution=DateResolution.RELATIVE_TO_PUBLICATION,
    )


SAT = day(D(2016, 5, 21))


def event(
    article_id: str,
    *,
    sub=AIR,
    actor1=RUSSIA,
    place=KAFR_ZITA,
    date=SAT,
    fatalities=None,
    quote=None,
    status=MatchStatus.EXACT,
) -> EventRecord:
    n = next(_ids)
    event_type = SUB_EVENT_PARENT[sub] if sub else None
    located = status is not MatchStatus.UNMATCHED
    return EventRecord(
        id=f"{article_id}#{n}",
        event_type=event_type,
        sub_event_type=sub,
        disorder_type=disorder_type_of(event_type),
        plover_type=PloverType.ASSAULT,
        actor1=actor1,
        place=place,
        date=date,
        fatalities=fatalities or Fatalities(),
        evidence=[
            Evidence(
                quote=quote or f"quote of event {n}",
                start=0 if located else None,
                end=10 if located else None,
                status=status,
                score=100.0 if located else 0.0,
            )
        ],
        grounded=located,
    )


def article(article_id: str, *events: EventRecord) -> ArticleSummary:
    return ArticleSummary(
        article_id=article_id,
        headline=f"headline {article_id}",
        sha256=hashlib.sha256(article_id.encode()).hexdigest(),
        text_length=1000,
        summary="s",
        events=list(events),
        provenance=Provenance(
            model="test",
            endpoint="embedded",
            prompt_version="t",
            created_at=dt.datetime(2026, 1, 1),
        ),
    )


def members(merged: list[MergedEvent]) -> list[list[str]]:
    return [m.member_event_ids for m in merged]


# --- merging -----------------------------------------------------------------------------------


def test_two_articles_reporting_one_strike_merge():
    a, b = (
        event("A", quote="Russian jets struck Kafr Zita"),
        event("B", quote="strikes hit Kafr Zita"),
    )
    merged = merge_events([article("A", a), article("B", b)])
    assert members(merged) == [[a.id, b.id]]
    m = merged[0]
    assert m.article_ids == ["A", "B"]
    assert [(e.article_id, e.event_id, e.quote) for e in m.evidence] == [
        ("A", a.id, "Russian jets struck Kafr Zita"),
        ("B", b.id, "strikes hit Kafr Zita"),
    ]
    assert (m.event_type, m.sub_event_type, m.actor1.normalised_name) == (
        a.event_type,
        AIR,
        "Military Forces of Russia",
    )
    assert m.place == KAFR_ZITA and m.grounded


def test_events_of_one_article_never_merge():
    a1, a2 = event("A"), event("A")
    assert members(merge_events([article("A", a1, a2)])) == [[a1.id], [a2.id]]


def test_three_articles_one_event_each_merge_into_one():
    evs = [event(x) for x in "ABC"]
    merged = merge_events([article(x, e) for x, e in zip("ABC", evs, strict=True)])
    assert members(merged) == [[e.id for e in evs]]


def test_an_event_joins_the_group_without_its_article_only_once():
    # A has two strikes on the same day and place; B reports one: B joins the first group only
    a1, a2, b = event("A"), event("A"), event("B")
    assert members(merge_events([article("A", a1, a2), article("B", b)])) == [
        [a1.id, b.id],
        [a2.id],
    ]


def test_same_event_type_family_merges_but_other_types_do_not():
    a, b = event("A", sub=AIR), event("B", sub=SHELLING)  # both Explosions/Remote violence
    assert len(merge_events([article("A", a), article("B", b)])) == 1
    c, d = event("C", sub=AIR), event("D", sub=CLASH)
    assert len(merge_events([article("C", c), article("D", d)])) == 2


def test_non_overlapping_dates_do_not_merge():
    a, b = event("A", date=day(D(2016, 5, 21))), event("B", date=day(D(2016, 5, 20)))
    assert len(merge_events([article("A", a), article("B", b)])) == 2


def test_unresolved_dates_merge_with_nothing():
    undated = EventDate(phrase="on Saturday", resolution=DateResolution.UNRESOLVED)
    a, b = event("A", date=undated), event("B", date=undated)
    assert len(merge_events([article("A", a), article("B", b)])) == 2


def test_nearby_places_merge_and_far_ones_do_not():
    a, b = event("A", place=KAFR_ZITA), event("B", place=NEAR_KAFR_ZITA)
    assert len(merge_events([article("A", a), article("B", b)])) == 1
    c, d = event("C", place=KAFR_ZITA), event("D", place=IDLIB)  # ~62 km apart
    assert len(merge_events([article("C", c), article("D", d)])) == 2


def test_distance_threshold_is_a_parameter():
    a, b = event("A", place=KAFR_ZITA), event("B", place=NEAR_KAFR_ZITA)
    assert len(merge_events([article("A", a), article("B", b)], max_distance_km=1.0)) == 2


def test_same_unlocated_village_by_name_merges():
    zara1 = Place(name="al-Zara", normalised_name="al-Zara", admin1="Homs", geo_precision=2)
    zara2 = Place(name="the village of Zara", normalised_name="Zara")
    a = event("A", place=zara1, sub=CLASH, actor1=SYRIA)
    b = event("B", place=zara2, sub=CLASH, actor1=SYRIA)
    assert len(merge_events([article("A", a), article("B", b)])) == 1


def test_a_province_only_place_merges_with_a_town_in_that_province():
    a, b = event("A", place=HAMA_PROVINCE), event("B", place=KAFR_ZITA)
    merged = merge_events([article("A", a), article("B", b)])
    assert len(merged) == 1
    assert merged[0].place == KAFR_ZITA  # the more precise place is kept


def test_a_province_only_place_does_not_merge_with_another_province():
    a, b = event("A", place=HOMS_PROVINCE), event("B", place=KAFR_ZITA)
    assert len(merge_events([article("A", a), article("B", b)])) == 2


def test_missing_places_do_not_merge():
    a, b = event("A", place=None), event("B", place=None)
    assert len(merge_events([article("A", a), article("B", b)])) == 2


def test_different_known_actors_do_not_merge_but_an_unknown_one_does():
    a, b = event("A", actor1=RUSSIA), event("B", actor1=SYRIA)
    assert len(merge_events([article("A", a), article("B", b)])) == 2
    c, d = event("C", actor1=RUSSIA), event("D", actor1=UNKNOWN)
    merged = merge_events([article("C", c), article("D", d)])
    assert len(merged) == 1
    assert merged[0].actor1 == RUSSIA  # the normalised actor represents the group


def test_complete_linkage_does_not_chain():
    # A (21 May) ~ B (week 16-22 May) ~ C (16 May), but A and C are different days
    a = event("A", date=day(D(2016, 5, 21)))
    b = event("B", date=span(D(2016, 5, 16), D(2016, 5, 22)))
    c = event("C", date=day(D(2016, 5, 16)))
    assert members(merge_events([article("A", a), article("B", b), article("C", c)])) == [
        [a.id, b.id],
        [c.id],
    ]


# --- the merged record ---------------------------------------------------------------------------


def test_date_window_is_the_intersection():
    a = event("A", date=span(D(2016, 5, 9), D(2016, 5, 15), phrase="last week"))
    b = event(
        "B", date=span(D(2016, 5, 1), D(2016, 5, 21), precision=3, phrase="earlier this month")
    )
    date = merge_events([article("A", a), article("B", b)])[0].date
    assert (date.start, date.end, date.time_precision) == (D(2016, 5, 9), D(2016, 5, 15), 2)
    assert date.phrase == "last week | earlier this month"


def test_a_day_inside_a_week_gives_that_day_with_precision_1():
    a = event("A", date=span(D(2016, 5, 16), D(2016, 5, 21)))
    b = event("B", date=day(D(2016, 5, 18), how=DateResolution.EXPLICIT, phrase="May 18"))
    date = merge_events([article("A", a), article("B", b)])[0].date
    assert (date.start, date.end, date.time_precision, date.resolution) == (
        D(2016, 5, 18),
        D(2016, 5, 18),
        1,
        DateResolution.EXPLICIT,
    )


def test_a_publication_date_standing_in_stays_approximate():
    fallback = DateResolution.PUBLICATION_FALLBACK
    a = event("A", date=day(D(2016, 5, 21), precision=2, how=fallback, phrase=None))
    b = event("B", date=day(D(2016, 5, 21), precision=2, how=fallback, phrase=None))
    alone = merge_events([article("A", a)])[0].date
    assert (alone.start, alone.time_precision) == (D(2016, 5, 21), 2)
    both = merge_events([article("A", a), article("B", b)])[0].date
    assert (both.start, both.time_precision) == (D(2016, 5, 21), 2)
    stated = event("C", date=day(D(2016, 5, 21), how=DateResolution.EXPLICIT, phrase="May 21"))
    with_stated = merge_events([article("A", a), article("C", stated)])[0].date
    assert with_stated.time_precision == 1  # another report states the day
    weeks = [
        event(n, date=span(s, e))
        for n, s, e in (
            ("D", D(2016, 5, 15), D(2016, 5, 21)),
            ("E", D(2016, 5, 21), D(2016, 5, 27)),
        )
    ]
    narrowed = merge_events([article(x.id.split("#")[0], x) for x in weeks])[0].date
    assert (narrowed.start, narrowed.end, narrowed.time_precision) == (D(2016, 5, 21),) * 2 + (1,)


def test_fatalities_take_the_lowest_toll_and_span_the_range():
    a = event("A", fatalities=Fatalities(phrase="36 killed", low=36, best=36, high=36, acled=36))
    b = event(
        "B",
        fatalities=Fatalities(phrase="at least 35", low=35, best=35, acled=35, reported_by="SOHR"),
    )
    f = merge_events([article("A", a), article("B", b)])[0].fatalities
    assert (f.low, f.best, f.high, f.acled, f.disputed) == (35, None, 36, 35, True)
    assert f.phrase == "36 killed | at least 35"
    assert f.reported_by == "SOHR"


def test_a_casualty_count_does_not_pull_a_death_toll_to_zero():
    casualties = Fatalities(phrase="dozens killed or injured", low=0, high=12, acled=0)
    toll = Fatalities(phrase="at least 19", low=19, best=19, acled=19)
    a, b = event("A", fatalities=casualties), event("B", fatalities=toll)
    f = merge_events([article("A", a), article("B", b)])[0].fatalities
    assert (f.low, f.best, f.high, f.acled, f.disputed) == (19, 19, 19, 19, False)


def test_only_casualty_counts_give_zero():
    casualties = Fatalities(phrase="dozens killed or injured", low=0, high=12, acled=0)
    a, b = event("A", fatalities=casualties), event("B")
    f = merge_events([article("A", a), article("B", b)])[0].fatalities
    assert (f.low, f.best, f.high, f.acled) == (0, None, 12, 0)


def test_no_fatality_figures_stay_unknown():
    f = merge_events([article("A", event("A")), article("B", event("B"))])[0].fatalities
    assert (f.low, f.best, f.high, f.acled, f.disputed) == (None, None, None, None, False)


def test_grounded_when_any_member_is_grounded():
    a, b = event("A", status=MatchStatus.UNMATCHED), event("B")
    m = merge_events([article("A", a), article("B", b)])[0]
    assert m.grounded
    assert [e.status for e in m.evidence] == [MatchStatus.UNMATCHED, MatchStatus.EXACT]
    only_unmatched = merge_events([article("C", event("C", status=MatchStatus.UNMATCHED))])[0]
    assert not only_unmatched.grounded


def test_every_event_appears_once_and_ids_are_stable():
    arts = [
        article("A", event("A"), event("A", sub=CLASH, actor1=SYRIA)),
        article("B", event("B"), event("B", place=IDLIB)),
    ]
    first, second = merge_events(arts), merge_events(arts)
    ids = [i for m in first for i in m.member_event_ids]
    assert sorted(ids) == sorted(e.id for a in arts for e in a.events)
    assert [m.id for m in first] == [m.id for m in second]
    assert len({m.id for m in first}) == len(first)


def test_an_empty_input_gives_nothing():
    assert merge_events([]) == []


@pytest.mark.parametrize(
    "p, q, expected",
    [
        (KAFR_ZITA, NEAR_KAFR_ZITA, True),
        (KAFR_ZITA, IDLIB, False),
        (HAMA_PROVINCE, KAFR_ZITA, True),
        (HOMS_PROVINCE, KAFR_ZITA, False),
        # same name in two governorates: two villages
        (Place(name="Tall Ahmar", admin1="Hama"), Place(name="Tel Ahmar", admin1="Aleppo"), False),
        (Place(name="Tall Ahmar", admin1="Hama"), Place(name="Tel Ahmar"), True),
        (KAFR_ZITA, None, False),
    ],
)
def test_same_place(p, q, expected):
    assert same_place(p, q) is expected
