"""resolve_date: one test per rule, plus the seed articles' phrases."""

from __future__ import annotations

import datetime as dt

import pytest

from summarizer.pipeline.normalise.dates import resolve_date
from summarizer.types.records import DateResolution

D = dt.date
EXPLICIT = DateResolution.EXPLICIT
RELATIVE = DateResolution.RELATIVE_TO_PUBLICATION
FALLBACK = DateResolution.PUBLICATION_FALLBACK
UNRESOLVED = DateResolution.UNRESOLVED

SEED_000 = D(2016, 5, 21)  # a Saturday
SEED_004 = D(2018, 4, 16)  # a Monday


def window(phrase, published):
    r = resolve_date(phrase, published)
    return r.start, r.end, r.time_precision, r.resolution


# --- seeds -----------------------------------------------------------------------------------


def test_seed_000_on_saturday_published_on_a_saturday_is_the_publication_day():
    assert window("on Saturday", SEED_000) == (D(2016, 5, 21), D(2016, 5, 21), 1, RELATIVE)


def test_seed_000_last_week_is_the_previous_iso_week():
    assert window("Last week", SEED_000) == (D(2016, 5, 9), D(2016, 5, 15), 2, RELATIVE)


def test_seed_000_on_friday_is_the_day_before():
    assert window("On Friday", SEED_000) == (D(2016, 5, 20), D(2016, 5, 20), 1, RELATIVE)


def test_seed_000_earlier_this_month():
    assert window("earlier this month", SEED_000) == (D(2016, 5, 1), D(2016, 5, 21), 3, RELATIVE)


@pytest.mark.parametrize("phrase", ["on Saturday", "on Wednesday", "last week", "yesterday"])
def test_undated_seed_relative_phrases_stay_unresolved(phrase):
    r = resolve_date(phrase, None)
    assert (r.start, r.end, r.time_precision, r.resolution) == (None, None, None, UNRESOLVED)
    assert r.phrase == phrase


def test_seed_002_explicit_date_in_an_undated_article_still_resolves():
    assert window("on October 6, 2015", None) == (D(2015, 10, 6), D(2015, 10, 6), 1, EXPLICIT)


def test_seed_002_sept_30_without_year_and_without_publication_is_unresolved():
    assert window("on Sept. 30", None)[3] is UNRESOLVED


def test_seed_004_yesterday_and_last_night_are_the_sunday():
    assert window("yesterday", SEED_004) == (D(2018, 4, 15), D(2018, 4, 15), 1, RELATIVE)
    assert window("Last night", SEED_004) == (D(2018, 4, 15), D(2018, 4, 15), 1, RELATIVE)


def test_seed_004_earlier_today_and_last_month():
    assert window("earlier today", SEED_004) == (SEED_004, SEED_004, 1, RELATIVE)
    assert window("Last month", SEED_004) == (D(2018, 3, 1), D(2018, 3, 31), 3, RELATIVE)


def test_seed_004_explicit_full_date_in_a_caption():
    assert window("on 5 March 2018", SEED_004) == (D(2018, 3, 5), D(2018, 3, 5), 1, EXPLICIT)


# --- explicit dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    [
        "October 6, 2015",
        "6 October 2015",
        "Oct. 6, 2015",
        "the 6th of October 2015",
        "Tuesday, October 6, 2015",
        "on October 6, 2015",
        "2015-10-06",
    ],
)
def test_full_dates_are_explicit_and_ignore_the_publication_date(phrase):
    assert window(phrase, SEED_000) == (D(2015, 10, 6), D(2015, 10, 6), 1, EXPLICIT)


def test_month_day_on_or_before_publication_takes_the_publication_year():
    assert window("Sept. 30", D(2015, 10, 10)) == (D(2015, 9, 30), D(2015, 9, 30), 1, EXPLICIT)
    assert window("May 21", SEED_000)[:2] == (D(2016, 5, 21), D(2016, 5, 21))


def test_month_day_after_publication_takes_the_previous_year():
    assert window("Sept. 30", SEED_000) == (D(2015, 9, 30), D(2015, 9, 30), 1, EXPLICIT)


def test_a_month_is_the_calendar_month_with_precision_3():
    assert window("in January", D(2019, 5, 11)) == (D(2019, 1, 1), D(2019, 1, 31), 3, EXPLICIT)
    assert window("in September", D(2019, 5, 11)) == (D(2018, 9, 1), D(2018, 9, 30), 3, EXPLICIT)
    assert window("January 2016", None) == (D(2016, 1, 1), D(2016, 1, 31), 3, EXPLICIT)


def test_the_current_month_is_cut_at_publication():
    assert window("in May", SEED_000) == (D(2016, 5, 1), D(2016, 5, 21), 3, EXPLICIT)


def test_a_month_without_year_or_publication_is_unresolved():
    assert window("in January", None)[3] is UNRESOLVED


def test_a_year_alone():
    assert window("in 2015", None) == (D(2015, 1, 1), D(2015, 12, 31), 3, EXPLICIT)


def test_numeric_dates_only_when_unambiguous():
    assert window("13/10/2015", SEED_000) == (D(2015, 10, 13), D(2015, 10, 13), 1, EXPLICIT)
    # 06/10/2015 is June or October: not guessed, and not replaced by the publication day
    assert window("06/10/2015", SEED_000) == (None, None, None, UNRESOLVED)


def test_lowercase_may_is_not_the_month():
    assert window("may have been", SEED_000)[3] is FALLBACK


def test_an_impossible_date_is_not_resolved_to_a_neighbour():
    assert window("February 30, 2016", None)[3] is UNRESOLVED


# --- relative to publication -----------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase", ["Saturday", "on Saturday", "early on Saturday", "Saturday night"]
)
def test_weekday_same_as_publication_is_publication_day(phrase):
    assert window(phrase, SEED_000) == (SEED_000, SEED_000, 1, RELATIVE)


def test_weekday_is_the_latest_such_day_on_or_before_publication():
    assert window("on Wednesday", SEED_000)[:3] == (D(2016, 5, 18), D(2016, 5, 18), 1)
    assert window("on Sunday", SEED_000)[:3] == (D(2016, 5, 15), D(2016, 5, 15), 1)


def test_last_weekday_is_strictly_before_publication():
    assert window("last Saturday", SEED_000)[:2] == (D(2016, 5, 14), D(2016, 5, 14))


@pytest.mark.parametrize(
    "phrase", ["today", "earlier today", "this morning", "tonight", "this evening"]
)
def test_today_phrases_are_the_publication_day(phrase):
    assert window(phrase, SEED_000) == (SEED_000, SEED_000, 1, RELATIVE)


def test_day_before_yesterday():
    assert window("the day before yesterday", SEED_000)[:2] == (D(2016, 5, 19), D(2016, 5, 19))


def test_overnight_spans_the_night_before_publication():
    assert window("overnight", SEED_000) == (D(2016, 5, 20), SEED_000, 2, RELATIVE)


def test_days_and_weeks_ago():
    assert window("two days ago", SEED_000)[:3] == (D(2016, 5, 19), D(2016, 5, 19), 1)
    assert window("3 days ago", SEED_000)[:3] == (D(2016, 5, 18), D(2016, 5, 18), 1)
    assert window("a week ago", SEED_000)[:3] == (D(2016, 5, 9), D(2016, 5, 15), 2)


def test_last_week_from_a_monday():
    assert window("last week", SEED_004) == (D(2018, 4, 9), D(2018, 4, 15), 2, RELATIVE)


def test_earlier_this_week_runs_from_monday_to_publication():
    assert window("earlier this week", SEED_000) == (D(2016, 5, 16), SEED_000, 2, RELATIVE)
    assert window("this week", SEED_004) == (SEED_004, SEED_004, 2, RELATIVE)


def test_weekend():
    # published Monday 16 April 2018: the weekend just gone
    assert window("over the weekend", SEED_004) == (D(2018, 4, 14), D(2018, 4, 15), 2, RELATIVE)
    # published on the Saturday itself: the window is cut at publication
    assert window("this weekend", SEED_000) == (SEED_000, SEED_000, 2, RELATIVE)


def test_this_weekend_said_on_a_weekday_is_the_future():
    assert window("this weekend", SEED_004)[3] is UNRESOLVED


def test_last_month_across_a_year_boundary():
    assert window("last month", D(2016, 1, 10)) == (D(2015, 12, 1), D(2015, 12, 31), 3, RELATIVE)


def test_earlier_this_year_and_last_year():
    assert window("earlier this year", SEED_004) == (D(2018, 1, 1), SEED_004, 3, RELATIVE)
    assert window("last year", SEED_004) == (D(2017, 1, 1), D(2017, 12, 31), 3, RELATIVE)


@pytest.mark.parametrize("phrase", ["tomorrow", "next week", "starting next week", "next Friday"])
def test_future_phrases_are_not_event_dates(phrase):
    assert window(phrase, SEED_000) == (None, None, None, UNRESOLVED)


def test_since_runs_to_publication():
    assert window("since late April", D(2019, 5, 11)) == (
        D(2019, 4, 1),
        D(2019, 5, 11),
        3,
        EXPLICIT,
    )
    assert window("since this morning", SEED_000) == (SEED_000, SEED_000, 1, RELATIVE)
    assert window("since Wednesday", SEED_000) == (D(2016, 5, 18), SEED_000, 2, RELATIVE)


# --- fallback and unresolved -----------------------------------------------------------------


@pytest.mark.parametrize("phrase", [None, "", "   "])
def test_no_phrase_falls_back_to_the_publication_day_with_precision_2(phrase):
    r = resolve_date(phrase, SEED_000)
    assert (r.phrase, r.start, r.end, r.time_precision, r.resolution) == (
        None,
        SEED_000,
        SEED_000,
        2,
        FALLBACK,
    )


def test_an_unrecognised_phrase_keeps_its_words_and_falls_back():
    r = resolve_date("recently", SEED_000)
    assert (r.phrase, r.start, r.time_precision, r.resolution) == (
        "recently",
        SEED_000,
        2,
        FALLBACK,
    )


def test_nothing_is_invented_without_a_publication_date():
    r = resolve_date(None, None)
    assert (r.start, r.end, r.time_precision, r.resolution) == (None, None, None, UNRESOLVED)
    assert resolve_date("recently", None).resolution is UNRESOLVED


def test_a_datetime_publication_is_read_as_its_date():
    r = resolve_date("yesterday", dt.datetime(2018, 4, 16, 14, 18))
    assert (r.start, r.end) == (D(2018, 4, 15), D(2018, 4, 15))
