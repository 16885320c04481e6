"""parse_fatalities: one test per rule, plus the seed articles' tolls."""

from __future__ import annotations

import pytest

from summarizer.pipeline.normalise.fatalities import headline_restatement, parse_fatalities


def counts(phrase, **kw):
    f = parse_fatalities(phrase, **kw)
    return f.low, f.best, f.high, f.acled


# --- seeds -------------------------------------------------------------------------------------


def test_seed_000_killed_or_injured_is_not_a_death_toll():
    assert counts("Dozens of regime fighters were killed or injured") == (0, None, 12, 0)


def test_seed_000_dozens_of_causalities_typo_is_a_casualty_count():
    assert counts("leaving dozens of causalities on the regime side") == (0, None, 12, 0)


def test_seed_000_at_least_19_civilians():
    assert counts("killing at least 19 Alawite civilians") == (19, 19, None, 19)


def test_seed_003_subset_figure_is_not_the_toll():
    assert counts("At least 35 fighters, including 26 pro-regime forces, were killed") == (
        35,
        35,
        None,
        35,
    )


def test_seed_003_more_than_25_is_the_stated_figure():
    assert counts("More than 25 pro-regime forces were killed") == (25, 25, None, 25)


def test_seed_003_headline_and_body_disagree():
    f = parse_fatalities(
        "leave kill 36 people",
        other_phrases=["At least 35 fighters, including 26 pro-regime forces, were killed"],
    )
    assert (f.low, f.best, f.high, f.acled, f.disputed) == (35, 36, 36, 35, True)


def test_seed_003_nine_in_words():
    assert counts("killed nine militants and rebels") == (9, 9, 9, 9)


def test_seed_003_toll_with_a_subset_clause():
    phrase = "left 26 pro-regime forces dead, including eight who were killed in a mine explosion"
    assert counts(phrase) == (26, 26, 26, 26)


def test_seed_004_killing_or_wounding_some_20():
    assert counts("killing or wounding some 20 government troops") == (0, None, 20, 0)


def test_seed_004_dead_and_injured_in_one_phrase():
    assert counts("left 27 people dead and over 150 injured") == (27, 27, 27, 27)


def test_seed_004_of_whom_subset():
    assert counts("killed 20 people 16 of whom were children") == (20, 20, 20, 20)


def test_seed_004_three_including_one_child():
    assert counts("At least three civilians, including one child, were killed") == (3, 3, None, 3)


# --- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase, value",
    [
        ("dozens", 12),
        ("a dozen", 12),
        ("tens", 10),
        ("hundreds", 100),
        ("thousands", 1000),
        ("two dozen", 24),
    ],
)
def test_vague_quantities(phrase, value):
    assert counts(f"{phrase} killed") == (value, value, value, value)


@pytest.mark.parametrize(
    "phrase, value",
    [
        ("three", 3),
        ("nine", 9),
        ("twenty-six", 26),
        ("twenty six", 26),
        ("one hundred", 100),
        ("three hundred and ten", 310),
        ("1,600", 1600),
    ],
)
def test_number_words_and_digits(phrase, value):
    assert counts(f"{phrase} people were killed")[3] == value


@pytest.mark.parametrize("qualifier", ["at least", "more than", "over", "no fewer than"])
def test_lower_bound_qualifiers_leave_high_open(qualifier):
    assert counts(f"{qualifier} 19 killed") == (19, 19, None, 19)


@pytest.mark.parametrize("qualifier", ["up to", "as many as"])
def test_upper_bound_qualifiers_leave_low_open(qualifier):
    assert counts(f"{qualifier} 20 killed") == (None, 20, 20, 20)


@pytest.mark.parametrize("qualifier", ["about", "some", "around", "nearly", "an estimated"])
def test_approximate_figures_are_best_only(qualifier):
    assert counts(f"{qualifier} 30 dead") == (None, 30, None, 30)


@pytest.mark.parametrize(
    "phrase",
    ["between 10 and 15 killed", "10 to 15 killed", "10-15 killed", "killed ten or fifteen"],
)
def test_ranges_keep_both_ends_and_acled_takes_the_lower(phrase):
    assert counts(phrase) == (10, None, 15, 10)


@pytest.mark.parametrize(
    "phrase",
    ["killed or wounded 12", "12 killed or injured", "12 casualties", "12 dead or wounded"],
)
def test_killed_or_injured_figures_are_ranges_not_tolls(phrase):
    assert counts(phrase) == (0, None, 12, 0)


def test_injuries_alone_report_no_deaths():
    assert counts("150 injured") == (0, None, None, 0)
    assert counts("killed or injured") == (0, None, None, 0)


def test_none_killed_is_zero():
    assert counts("no one was killed") == (0, 0, 0, 0)
    assert counts("no casualties") == (0, 0, 0, 0)


def test_a_phrase_without_a_figure_gives_no_count():
    assert counts("killed") == (None, None, None, None)
    assert counts("The group had no immediate tolls") == (None, None, None, None)


def test_several_groups_take_the_largest_stated_figure_never_a_sum():
    # 9 + 26 = 35 is not in this phrase; 26 is
    assert counts("9 militants killed and 26 soldiers dead") == (26, 26, 26, 26)


def test_years_are_not_counts():
    assert counts("killed more than 360 civilians since 2015") == (360, 360, None, 360)


def test_agreeing_reports_are_not_disputed():
    f = parse_fatalities("at least 35", other_phrases=["35 killed"])
    assert (f.acled, f.disputed) == (35, False)


def test_a_casualty_count_elsewhere_does_not_dispute_a_death_toll():
    f = parse_fatalities("at least 35 killed", other_phrases=["dozens killed or wounded"])
    assert (f.low, f.best, f.high, f.acled, f.disputed) == (35, 35, None, 35, False)


def test_disputed_range_spans_all_reports():
    f = parse_fatalities("20 killed", other_phrases=["at least 18 dead", "22 people killed"])
    assert (f.low, f.best, f.high, f.acled, f.disputed) == (18, 20, 22, 18, True)


def test_phrase_and_reporter_are_kept_as_written():
    f = parse_fatalities(
        "killing at least 19 Alawite civilians", reported_by="Syrian Observatory for Human Rights"
    )
    assert f.phrase == "killing at least 19 Alawite civilians"
    assert f.reported_by == "Syrian Observatory for Human Rights"


@pytest.mark.parametrize("phrase", [None, "", "  "])
def test_no_phrase_no_count(phrase):
    f = parse_fatalities(phrase, reported_by="SOHR")
    assert (f.phrase, f.low, f.best, f.high, f.acled, f.reported_by) == (
        None,
        None,
        None,
        None,
        None,
        "SOHR",
    )


def test_every_stored_number_comes_from_the_phrase():
    phrase = "At least 35 fighters, including 26 pro-regime forces, were killed"
    f = parse_fatalities(phrase)
    stored = {v for v in (f.low, f.best, f.high, f.acled) if v is not None}
    assert stored <= {35, 26}


# --- the headline restating the article's main toll -------------------------------------------


def _seed_article(prefix: str):
    from summarizer.ingest import read_article_file
    from tests.conftest import SEEDS

    (path,) = [seed for seed in SEEDS if seed.name.startswith(f"{prefix}_")]
    return read_article_file(path)


@pytest.mark.parametrize(
    "prefix, phrase, disputed, low, high, acled",
    [
        # "... leave kill 36 people in Syria" vs the lede's 35: one toll, two figures
        (
            "003",
            "At least 35 fighters, including 26 pro-regime forces, were killed",
            True,
            35,
            36,
            35,
        ),
        # "3 dead as Syria regime launches assault ..." agrees with the lede
        ("004", "At least three civilians, including one child, were killed", False, 3, None, 3),
    ],
)
def test_the_headline_restates_the_ledes_toll(prefix, phrase, disputed, low, high, acled):
    article = _seed_article(prefix)
    others = headline_restatement(phrase, article.headline, article.text)
    assert others == [article.headline]
    f = parse_fatalities(phrase, other_phrases=others)
    assert (f.disputed, f.low, f.high, f.acled) == (disputed, low, high, acled)


def test_seed_003_a_subset_toll_in_the_standfirst_is_not_the_headlines():
    article = _seed_article("003")
    for phrase in (
        "More than 25 pro-regime forces were killed",
        "killed nine militants and rebels",
    ):
        assert headline_restatement(phrase, article.headline, article.text) == []


def test_seed_004_a_toll_beyond_the_opening_is_another_event():
    article = _seed_article("004")
    assert headline_restatement("left 27 people dead", article.headline, article.text) == []


def test_a_headline_without_a_death_toll_restates_nothing():
    text = "Rebels shell city\n\nShelling killed 12 people on Monday."
    assert headline_restatement("killed 12 people", "Rebels shell city", text) == []
    # dates and years in the headline are not tolls
    text2 = "Raid on 5 March 2018\n\nA raid killed 4 people."
    assert headline_restatement("killed 4 people", "Raid on 5 March 2018", text2) == []


def test_a_headline_and_lede_that_differ_are_disputed_in_the_assembled_record():
    from summarizer.pipeline.assemble import build_summary
    from summarizer.types.extraction import ExtractedSummary
    from summarizer.types.records import Usage

    article = _seed_article("003")
    extraction = ExtractedSummary.model_validate(
        {
            "summary": "s",
            "key_points": [],
            "sources_cited": [],
            "events": [
                {
                    "sub_event_type": "Armed clash",
                    "plover_type": "ASSAULT",
                    "actor1": "regime forces",
                    "actor1_type": "State forces",
                    "actor2": "rebels",
                    "actor2_type": "Rebel group",
                    "location": "Hama province",
                    "date_phrase": "Saturday",
                    "fatalities_phrase": (
                        "At least 35 fighters, including 26 pro-regime forces, were killed"
                    ),
                    "fatalities": 35,
                    "evidence": [
                        "At least 35 fighters, including 26 pro-regime forces, were killed Saturday"
                    ],
                }
            ],
        }
    )
    (event,) = build_summary(
        article, extraction, model="m", endpoint="e", prompt_version="v", usage=Usage()
    ).events
    assert (
        event.fatalities.disputed and event.fatalities.acled == 35 and event.fatalities.high == 36
    )


def test_a_number_word_inside_another_word_is_no_figure():
    assert counts("often attacked, killing them") == (None, None, None, None)
    assert counts("Moreover 5 were killed") == (5, 5, 5, 5)  # not "over 5"


def test_a_figure_before_a_comma_is_read():
    assert counts("killed 12, activists said") == (12, 12, 12, 12)
    assert counts("killing four, officials said") == (4, 4, 4, 4)
    assert counts("killed 1,200 people") == (1200, 1200, 1200, 1200)
