"""ACLED-style CSV export: the columns, one row per event, values as ACLED writes them."""

from __future__ import annotations

import csv

import pytest

from summarizer.export import CSV_COLUMNS, write_csv
from summarizer.export.csv import event_row
from summarizer.types.records import Evidence, MatchStatus
from tests.recorded_runs import reference_summaries

ACLED = [
    "event_date",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
]
OURS = [
    "article_id",
    "plover_type",
    "fatalities_low",
    "fatalities_high",
    "evidence",
    "grounded",
    "evidence_status",
    "date_phrase",
    "date_resolution",
]


@pytest.fixture(scope="module")
def summaries():
    return reference_summaries()


@pytest.fixture(scope="module")
def table(summaries, tmp_path_factory):
    out = tmp_path_factory.mktemp("csv") / "events.csv"
    assert write_csv(summaries, out) == sum(len(s.events) for s in summaries)
    with out.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_columns_are_acleds_then_ours_and_documented(table):
    assert set(ACLED + OURS) <= set(CSV_COLUMNS)
    assert list(table[0]) == list(CSV_COLUMNS)
    assert all(CSV_COLUMNS[c].strip() for c in CSV_COLUMNS)
    # ACLED's own names come first, in ACLED's order.
    positions = [list(CSV_COLUMNS).index(c) for c in ACLED]
    assert positions == sorted(positions) and max(positions) < min(
        list(CSV_COLUMNS).index(c) for c in OURS
    )


def test_one_row_per_event_with_acled_values(table, summaries):
    assert [r["event_id_cnty"] for r in table] == [e.id for s in summaries for e in s.events]
    clash = table[0]  # 000#1: regime forces vs rebels at al-Zara, on Saturday
    assert clash["event_date"] == clash["event_date_end"] == "2016-05-21"
    assert (clash["year"], clash["time_precision"]) == ("2016", "1")
    assert (clash["disorder_type"], clash["event_type"], clash["sub_event_type"]) == (
        "Political violence",
        "Battles",
        "Armed clash",
    )
    assert (clash["actor1"], clash["inter1"]) == ("Military Forces of Syria", "State forces")
    assert (clash["actor2"], clash["inter2"]) == ("Opposition Rebels (Syria)", "Rebel group")
    assert clash["interaction"] == "State forces-Rebel group"
    assert (clash["iso"], clash["country"], clash["admin1"]) == ("760", "Syria", "Homs")
    assert clash["location"] == clash["location_as_written"] == "al-Zara"
    assert clash["fatalities"] == "0" and clash["fatalities_best"] == ""  # "dozens of causalities"
    assert (clash["date_phrase"], clash["date_resolution"]) == (
        "on Saturday",
        "relative_to_publication",
    )
    assert clash["grounded"] == "true" and clash["evidence_status"] == "exact"
    assert clash["evidence"].startswith("[exact@") and " | [exact@" in clash["evidence"]
    assert clash["notes"].startswith("On 2016-05-21: Armed clash, Military Forces of Syria vs")

    attack = next(r for r in table if r["sub_event_type"] == "Attack")
    assert attack["civilian_targeting"] == "Civilian targeting"
    assert (attack["fatalities"], attack["fatalities_low"], attack["fatalities_best"]) == (
        "19",
        "19",
        "19",
    )
    assert attack["fatalities_phrase"] == "killing at least 19 Alawite civilians"

    week = next(r for r in table if r["date_phrase"] == "Last week")
    assert (week["event_date"], week["event_date_end"], week["time_precision"]) == (
        "2016-05-09",
        "2016-05-15",
        "2",
    )

    diplomatic = next(r for r in table if r["plover_type"] == "REJECT")
    assert diplomatic["event_type"] == diplomatic["sub_event_type"] == ""
    assert diplomatic["disorder_type"] == ""

    undated = next(r for r in table if r["article_id"].startswith("001"))
    assert (
        undated["event_date"] == undated["year"] == ""
        and undated["date_resolution"] == "unresolved"
    )

    town = next(r for r in table if r["location"] == "Khan Shaykhun")
    assert town["latitude"] and town["longitude"] and town["geo_precision"] == "1"

    trt = [r for r in table if r["article_id"].startswith("002")]
    # The outlet, then the source the event's own evidence cites.
    assert all(r["source"].startswith("TRTWorld") for r in trt)
    assert "TRTWorld; Syrian Observatory for Human Rights (SOHR)" in {r["source"] for r in trt}


def test_ungrounded_events_are_kept_and_marked_and_formulas_defused(summaries):
    summary = summaries[0]
    event = summary.events[0].model_copy(
        update={
            "evidence": [
                Evidence(quote='=HYPERLINK("http://x")', status=MatchStatus.UNMATCHED, score=0)
            ],
            "grounded": False,
        }
    )
    row = event_row(summary, event)
    assert row["grounded"] == "false" and row["evidence_status"] == "unmatched"
    assert "NOT found" in row["notes"]
    from summarizer.export.csv import rows

    bad = summary.model_copy(update={"events": [event.model_copy(update={"id": "=1+1"})]})
    (cells,) = list(rows([bad]))
    assert cells["event_id_cnty"] == "'=1+1"
    assert cells["evidence"].startswith("[unmatched]")
