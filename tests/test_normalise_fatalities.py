"""parse_fatalities: one test per rule, plus the seed articles' tolls."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from summarizer.pipeline.normalise.fatalities import headline_restatement, parse_fatalities


def counts(phrase, **kw):
    f = parse_fatalities(phrase, **kw)
    return f.low, f.best, f.high, f.acled


# --- seeds -------------------------------------------------------------------------------------


def test_seed_000_killed_or_injured_is_not_a_death_toll():
    # "dozens" of casualties has no upper end, so it sets no ceiling on the dead either
    assert counts("Dozens of regime fighters were killed or injured") == (0, None, None, 0)


def test_seed_000_dozens_of_causalities_typo_is_a_casualty_count():
    assert counts("leaving dozens of causalities on the regime side") == (0, None, None, 0)


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
    [("dozens", 12), ("tens", 10), ("hundreds", 100), ("thousands", 1000)],
)
def test_vague_plurals_are_a_floor_without_a_ceiling(phrase, value):
    # ACLED's readings (12, 10, 100) are the least the word can mean; "dozens" may be 50
    assert counts(f"{phrase} killed") == (value, value, None, value)


@pytest.mark.parametrize(
    "phrase, value", [("a dozen", 12), ("two dozen", 24), ("tens of thousands", 10_000)]
)
def test_vague_quantities(phrase, value):
    high = None if phrase.startswith("tens") else value
    assert counts(f"{phrase} killed") == (value, value, high, value)


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
def test_upper_bound_qualifiers_give_a_ceiling_only(qualifier):
    # a ceiling says nothing of the most likely figure: best open (UCDP); ACLED has only 20
    assert counts(f"{qualifier} 20 killed") == (None, None, 20, 20)


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
    # a report of the wounded only says that no one died (independent line "Four people were
    # injured, two of them critically": 0/0/0/0); "killed or injured" may hide deaths
    assert counts("150 injured") == (0, 0, 0, 0)
    assert counts("killed or injured") == (0, None, None, 0)


def test_none_killed_is_zero():
    assert counts("no one was killed") == (0, 0, 0, 0)
    assert counts("no casualties") == (0, 0, 0, 0)


def test_a_phrase_without_a_figure_gives_no_count():
    assert counts("killed") == (None, None, None, None)
    assert counts("The group had no immediate tolls") == (None, None, None, None)


def test_several_groups_of_one_event_are_summed():
    # ACLED's fatalities are every death of the event, both sides together (this test used to
    # take the largest group, 26, which undercounts the event)
    assert counts("9 militants killed and 26 soldiers dead") == (35, 35, 35, 35)


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


# --- independent material: tests/independent/fatalities.jsonl ----------------------------------
#
# 50 phrases coded by someone who had not read this code. Each is read alone; every bound must
# equal the key or one of its listed "acceptable" alternatives. Where the key's call is a
# judgment rather than the codebook's rule it is followed, and said here:
# - "Up to 20 ... may have been killed": ACLED 20 (0 acceptable); best open (a ceiling only).
# - "A suicide bomber blew himself up ..., killing four others": 5, the bomber included, as ACLED
#   counts perpetrators' deaths (4 acceptable for ACLED, not for low/best/high).
# - "Four people were injured, two of them critically": best and high 0, a stated no-deaths
#   report; a casualty count ("dozens of casualties") keeps best and high open instead.
# - "Tens of thousands ... displaced" and "Syria's war has killed more than 370,000 ... since
#   2011" are no event's toll (event_toll false): no count at all.

INDEPENDENT = Path(__file__).parent / "independent" / "fatalities.jsonl"
_ROWS = [json.loads(line) for line in INDEPENDENT.read_text(encoding="utf-8").splitlines()]


def _allowed(row: dict, key: str) -> list:
    return [row[key], *row.get(f"{key}_acceptable", [])]


def test_the_independent_material_has_50_lines():
    assert len(_ROWS) == 50


@pytest.mark.parametrize("row", _ROWS, ids=[r["phrase"][:40] for r in _ROWS])
def test_independent_phrase(row):
    f = parse_fatalities(row["phrase"])
    got = {"low": f.low, "best": f.best, "high": f.high, "acled": f.acled}
    wrong = {k: (v, _allowed(row, k)) for k, v in got.items() if v not in _allowed(row, k)}
    assert not wrong, f"{row['phrase']!r}: {wrong} ({row['why']})"


# --- deaths and injuries in one breath (issue 18, "Deaths", item 1) ----------------------------


@pytest.mark.parametrize(
    "phrase, expected",
    [
        # each figure belongs to its own verb: 12 are the wounded
        ("The strike hit a busy market, killing 7 and wounding 12.", (7, 7, 7, 7)),
        ("A double car bomb killed two people and wounded at least 20.", (2, 2, 2, 2)),
        ("killing at least 12 people and wounding dozens", (12, 12, None, 12)),
        # one person in the singular is a count of one; "four others" were wounded
        ("A Turkish soldier was killed and four others were wounded.", (1, 1, 1, 1)),
        ("A child was killed and his mother seriously wounded.", (1, 1, 1, 1)),
        # a death toll next to a casualty count: the casualties are not added, nor do they
        # turn the death toll into a casualty count
        ("killing 5 and leaving 20 casualties", (5, 5, 5, 5)),
        # "killed and wounded 40" counts both together: not a death toll
        ("The shelling killed and wounded 40 people", (0, None, 40, 0)),
    ],
)
def test_deaths_and_injuries_in_one_breath(phrase, expected):
    assert counts(phrase) == expected


def test_killed_or_wounded_in_one_breath_is_not_a_death_toll():
    # "dozens" of casualties: at most some unknown number died
    assert counts("Dozens were killed or wounded in the raid") == (0, None, None, 0)


@pytest.mark.parametrize(
    "phrase, expected",
    [
        # groups of one event add up (ACLED counts both sides); summing stops at subsets
        ("The raid killed 5 civilians and 3 militants, according to the monitor.", (8, 8, 8, 8)),
        ("A woman and her three children were killed when the shell hit their home.", (4,) * 4),
        ("killing a mother and her two children", (3, 3, 3, 3)),
        # the attacker once, however often named
        ("A suicide bomber blew himself up, killing himself and four others", (5, 5, 5, 5)),
        # another source's figure for the same toll: disputed, not added
        ("Activists said 30 people were killed; state media said 4.", (4, None, 30, 4)),
        ("The Observatory put the toll at 18 while the White Helmets said 21.", (18, None, 21, 18)),
    ],
)
def test_counts_of_one_event_add_up_but_reports_of_it_do_not(phrase, expected):
    assert counts(phrase) == expected


def test_two_sources_in_one_phrase_make_the_toll_disputed():
    assert parse_fatalities(
        "Nine people were killed, according to SANA; the Observatory said 13."
    ).disputed


@pytest.mark.parametrize(
    "phrase, expected",
    [
        # who killed is not who died; who speaks neither
        ("Two gunmen killed three civilians", (3, 3, 3, 3)),
        ("A doctor at the hospital, Dr Hassan, said two people had died", (2, 2, 2, 2)),
        ("12 people were killed, two residents said", (12, 12, 12, 12)),
        (
            "Up to 20 people may have been killed in the strike, a doctor said.",
            (None, None, 20, 20),
        ),
        # dates, ages, times, things and other events are not counts of the dead
        ("killed 3 people on 12 March", (3, 3, 3, 3)),
        ("A woman and her three-year-old son were killed", (2, 2, 2, 2)),
        ("the blast at 5 pm killed 3", (3, 3, 3, 3)),
        ("7 people were killed in 3 air strikes", (7, 7, 7, 7)),
        ("killing two, a week after a similar attack killed 5", (2, 2, 2, 2)),
        ("killing five and three others were wounded", (5, 5, 5, 5)),
        # an update states the toll now; a subset after its noun is still a subset
        ("The death toll rose from 9 to 12", (12, 12, 12, 12)),
        ("killing 6 soldiers, 2 officers among them", (6, 6, 6, 6)),
        ("killing 9 militants and 26 soldiers, 35 in total", (35, 35, 35, 35)),
        # with no toll before it, "two of them" is the toll
        ("killing two of them, according to opposition sources", (2, 2, 2, 2)),
        # gas survivors are not the dead
        ("killed two people and left dozens struggling to breathe", (2, 2, 2, 2)),
    ],
)
def test_what_is_not_a_count_of_the_dead(phrase, expected):
    assert counts(phrase) == expected


# --- deaths counted once within one article (issue 18, "Deaths", item 2) -----------------------


def _event(sub_event_type, location, date_phrase, phrase, quote):
    return {
        "sub_event_type": sub_event_type,
        "plover_type": "ASSAULT",
        "actor1": "Government forces",
        "actor1_type": "State forces",
        "actor2": None,
        "actor2_type": None,
        "location": location,
        "date_phrase": date_phrase,
        "fatalities_phrase": phrase,
        "fatalities": None,
        "evidence": [quote],
    }


def _build(article, events):
    from summarizer.pipeline.assemble import build_summary
    from summarizer.types.extraction import ExtractedSummary
    from summarizer.types.records import Usage

    extraction = ExtractedSummary.model_validate(
        {"summary": "s", "key_points": [], "sources_cited": [], "events": events}
    )
    return build_summary(
        article, extraction, model="m", endpoint="e", prompt_version="v", usage=Usage()
    )


def _idlib(*sentences_and_events, published=dt.date(2017, 5, 3)):
    from summarizer.ingest import article_from_text

    text = "Deaths in Idlib\n\n" + " ".join(s for s, _ in sentences_and_events)
    article = article_from_text(text, "idlib", published=published)
    return _build(article, [e for _, e in sentences_and_events]).events


def _naive_sum(events):
    return sum(e.fatalities.acled or 0 for e in events)


def test_seed_003_a_toll_that_names_its_part_includes_it():
    from summarizer.pipeline.tolls import article_deaths

    article = _seed_article("003")
    clash_quote = (
        "Ensuing clashes in the north of Hama province left 26 pro-regime forces dead, including "
        "eight who were killed in a mine explosion, the observatory said."
    )
    clash = _event(
        "Armed clash",
        "Hama province",
        "Saturday",
        "left 26 pro-regime forces dead, including eight who were killed in a mine explosion",
        clash_quote,
    )
    mine = _event(
        "Remote explosive/landmine/IED",
        "Hama province",
        "Saturday",
        "eight who were killed in a mine explosion",
        clash_quote,
    )
    total, part = _build(article, [clash, mine]).events
    assert (total.fatalities.acled, part.fatalities.acled) == (26, 8)
    assert total.fatalities.includes == [part.id] and part.fatalities.includes == []
    # the article states 26 deaths; kept in full, the two tolls would make 34
    assert _naive_sum([total, part]) == 34
    assert article_deaths([total, part]) == 26


def test_a_day_total_across_a_province_includes_a_town_told_apart():
    from summarizer.pipeline.tolls import article_deaths

    s1 = "On Monday, 26 people were killed across Idlib province, the Observatory said."
    s2 = "In Saraqib, a landmine killed eight people on Monday."
    total, part = _idlib(
        (
            s1,
            _event(
                "Air/drone strike",
                "Idlib province",
                "On Monday",
                "26 people were killed across Idlib province",
                s1,
            ),
        ),
        (
            s2,
            _event(
                "Remote explosive/landmine/IED",
                "Saraqib",
                "on Monday",
                "a landmine killed eight people",
                s2,
            ),
        ),
    )
    assert total.fatalities.includes == [part.id]
    assert article_deaths([total, part]) == 26


def test_a_part_that_refers_back_to_the_toll_before_it():
    from summarizer.pipeline.tolls import article_deaths

    s1 = "Government air strikes killed 26 people in Idlib province on Monday."
    s2 = "Among them, eight were killed in Saraqib."
    total, part = _idlib(
        (
            s1,
            _event(
                "Air/drone strike",
                "Idlib province",
                "on Monday",
                "killed 26 people in Idlib province",
                s1,
            ),
        ),
        (s2, _event("Air/drone strike", "Saraqib", "on Monday", "eight were killed", s2)),
    )
    assert total.fatalities.includes == [part.id]
    assert article_deaths([total, part]) == 26


def test_a_total_over_several_kinds_of_violence_includes_each_kind():
    from summarizer.pipeline.tolls import article_deaths

    s1 = (
        "At least 35 fighters, including 26 pro-regime forces, were killed on Monday in clashes "
        "and air strikes in Idlib province."
    )
    s2 = "Clashes near Saraqib on Monday left 26 pro-regime forces dead."
    s3 = "Air strikes on Saraqib on Monday killed nine rebels."
    total, clash, strike = _idlib(
        (
            s1,
            _event(
                "Armed clash",
                "Idlib province",
                "on Monday",
                "At least 35 fighters, including 26 pro-regime forces, were killed",
                s1,
            ),
        ),
        (s2, _event("Armed clash", "Saraqib", "on Monday", "left 26 pro-regime forces dead", s2)),
        (s3, _event("Air/drone strike", "Saraqib", "on Monday", "killed nine rebels", s3)),
    )
    assert total.fatalities.includes == [clash.id, strike.id]
    assert article_deaths([total, clash, strike]) == 35


@pytest.mark.parametrize(
    "second_date, second_place, first",
    [
        # a larger toll at the same place and day, with no word that it is a total: another
        # event's as likely as not; not linked
        ("on Monday", "Saraqib", "Air strikes killed 26 people in Idlib province on Monday."),
        # another day
        ("on Tuesday", "Saraqib", "On Monday, 26 people were killed across Idlib province."),
        # another governorate
        ("on Monday", "Hama", "On Monday, 26 people were killed across Idlib province."),
    ],
)
def test_when_the_text_does_not_say_so_nothing_is_linked(second_date, second_place, first):
    s2 = f"In {second_place}, a landmine killed eight people {second_date}."
    total, part = _idlib(
        (first, _event("Air/drone strike", "Idlib province", "on Monday", first, first)),
        (s2, _event("Remote explosive/landmine/IED", second_place, second_date, s2, s2)),
    )
    assert total.fatalities.includes == [] and part.fatalities.includes == []


def test_parts_larger_than_their_total_are_not_its_parts():
    s1 = "In total, 10 people were killed across Idlib province on Monday."
    s2 = "In Saraqib, a landmine killed eight people on Monday."
    s3 = "In Binnish, shelling killed seven people on Monday."
    events = _idlib(
        (s1, _event("Air/drone strike", "Idlib province", "on Monday", s1, s1)),
        (s2, _event("Remote explosive/landmine/IED", "Saraqib", "on Monday", s2, s2)),
        (s3, _event("Shelling/artillery/missile attack", "Binnish", "on Monday", s3, s3)),
    )
    assert [e.fatalities.includes for e in events] == [[], [], []]


def test_the_csv_counts_each_death_once():
    from summarizer.export.csv import rows
    from summarizer.pipeline.tolls import article_deaths

    s1 = "On Monday, 26 people were killed across Idlib province, the Observatory said."
    s2 = "In Saraqib, a landmine killed eight people on Monday."
    events = _idlib(
        (
            s1,
            _event(
                "Air/drone strike",
                "Idlib province",
                "On Monday",
                "26 people were killed across Idlib province",
                s1,
            ),
        ),
        (
            s2,
            _event(
                "Remote explosive/landmine/IED",
                "Saraqib",
                "on Monday",
                "a landmine killed eight people",
                s2,
            ),
        ),
    )
    summary = _build_summary_of(events)
    table = list(rows([summary]))
    # ACLED's split of a total: the province row keeps the 18 deaths no other row carries
    assert [r["fatalities"] for r in table] == [18, 8]
    assert sum(r["fatalities"] for r in table) == article_deaths(events) == 26
    assert table[0]["fatalities_includes"] == events[1].id
    assert (table[0]["fatalities_low"], table[0]["fatalities_best"]) == (26, 26)  # as stated


def _build_summary_of(events):
    from summarizer.ingest import article_from_text

    article = article_from_text("Deaths in Idlib\n\ntext", "idlib")
    summary = _build(article, [])
    return summary.model_copy(update={"events": events})


def test_records_without_includes_still_parse():
    from summarizer.types.records import EventRecord, Fatalities

    old = {"phrase": "killing 7", "low": 7, "best": 7, "high": 7, "acled": 7, "disputed": False}
    assert Fatalities.model_validate(old).includes == []
    event = EventRecord.model_validate(
        {
            "id": "a#1",
            "plover_type": "ASSAULT",
            "actor1": {"name": "x"},
            "fatalities": old,
            "evidence": [{"quote": "q", "status": "unmatched", "score": 0}],
            "grounded": False,
        }
    )
    assert event.fatalities.own_deaths({"a#1": 7}) == 7
