"""Evaluation against gold: the assignment, the gold file (old format, new fields, the
independent key's names), known errors moving exactly the figures they should, and what a strict
pair needs (grounded, non-suspect evidence, the toll in range, actors and places compared after
the project's normalisers)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random

import pytest

from summarizer.eval import (
    GoldError,
    GoldEvent,
    GoldSet,
    assign,
    evaluate,
    load_gold,
    report_tables,
)
from summarizer.types.records import (
    Actor,
    ArticleSummary,
    DateResolution,
    DisorderType,
    EventDate,
    EventRecord,
    EventType,
    Evidence,
    Fatalities,
    MatchStatus,
    Place,
    PloverType,
    SubEventType,
)
from tests.conftest import SEED_IDS, SEEDS
from tests.recorded_runs import GOLD, embedded_summaries, reference_summaries

# ----------------------------------------------------------------------------------------------
# the assignment
# ----------------------------------------------------------------------------------------------


def _brute_force(weights) -> float:
    rows, cols = len(weights), len(weights[0])
    best = 0.0
    if rows <= cols:
        for perm in itertools.permutations(range(cols), rows):
            best = max(best, sum(max(weights[i][j], 0) for i, j in enumerate(perm)))
    else:
        for perm in itertools.permutations(range(rows), cols):
            best = max(best, sum(max(weights[i][j], 0) for j, i in enumerate(perm)))
    return best


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 5), (5, 2), (4, 6), (6, 6)])
def test_assignment_is_optimal_and_one_to_one(shape):
    rng = random.Random(hash(shape))
    for _ in range(25):
        weights = [
            [rng.choice([0, 0, rng.random() * 10]) for _ in range(shape[1])]
            for _ in range(shape[0])
        ]
        pairs = assign(weights)
        assert len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs})
        assert all(weights[i][j] > 0 for i, j in pairs)
        assert sum(weights[i][j] for i, j in pairs) == pytest.approx(_brute_force(weights))


def test_assignment_of_nothing():
    assert assign([]) == [] and assign([[]]) == []
    assert assign([[0, 0], [0, 0]]) == []


# ----------------------------------------------------------------------------------------------
# the gold file
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold() -> GoldSet:
    return load_gold(GOLD)


def test_seed_gold_covers_every_seed_with_evidence_from_its_text(gold):
    assert set(gold.article_ids) == set(SEED_IDS)
    texts = {p.stem: " ".join(p.read_text(encoding="utf-8").split()) for p in SEEDS}
    for event in gold.events:
        assert event.evidence, event.gold_id
        # Verbatim up to whitespace (the seeds hold non-breaking spaces).
        assert " ".join(event.evidence.split()) in texts[event.article_id], event.gold_id
        assert event.notes, f"{event.gold_id}: say why it is coded so"
    assert len({e.gold_id for e in gold.events}) == len(gold.events)


def test_seed_gold_dates_nothing_the_text_cannot_date(gold):
    undated = {"001_99316f61b9136f9d", "002_4a63372d829b355a", "003_6b1604286af0b08a"}
    for event in gold.events:
        if event.article_id in undated:
            # Only the explicit "October 6, 2015" can be dated in an undated article.
            assert event.event_date is None or event.gold_id == "002-7", event.gold_id
        elif not event.optional:
            assert event.event_date is not None, event.gold_id


def test_gold_lines_are_checked_and_named(tmp_path):
    def load(*lines: str):
        path = tmp_path / "g.jsonl"
        path.write_text("\n".join(lines) + "\n")
        return load_gold(path)

    good = {
        "article_id": "a",
        "sub_event_type": "Armed clash",
        "plover_type": "ASSAULT",
        "actor1": "X",
    }
    gold = load(json.dumps(good), json.dumps({"article_id": "b", "no_events": True}))
    assert gold.events[0].event_type.value == "Battles"
    assert gold.events[0].disorder_type.value == "Political violence"
    assert gold.events[0].gold_id.startswith("a:")
    assert gold.article_ids == ["a", "b"]
    with pytest.raises(GoldError, match=r"g.jsonl:2: invalid JSON"):
        load(json.dumps(good), "{nope")
    with pytest.raises(GoldError, match=r":1: not a gold event \(sub_event_typ"):
        load(json.dumps({**good, "sub_event_typ": "Armed clash"}))
    with pytest.raises(GoldError, match="belongs to 'Battles'"):
        load(json.dumps({**good, "event_type": "Riots"}))
    with pytest.raises(GoldError, match="needs a plover_type"):
        load(json.dumps({"article_id": "a", "actor1": "X"}))
    with pytest.raises(GoldError, match="duplicate gold_id"):
        load(json.dumps({**good, "gold_id": "1"}), json.dumps({**good, "gold_id": "1"}))
    with pytest.raises(GoldError, match="before event_date"):
        load(json.dumps({**good, "event_date": "2020-01-02", "event_date_end": "2020-01-01"}))
    with pytest.raises(GoldError, match="cannot read"):
        load_gold(tmp_path / "missing.jsonl")


# ----------------------------------------------------------------------------------------------
# a perfect prediction, then known errors
# ----------------------------------------------------------------------------------------------


def _event(gold: GoldEvent, event_id: str) -> EventRecord:
    def actor(name, kind):
        return Actor(name=name, normalised_name=name, type=kind) if name else None

    return EventRecord(
        id=event_id,
        event_type=gold.event_type,
        sub_event_type=gold.sub_event_type,
        disorder_type=gold.disorder_type,
        plover_type=gold.plover_type or PloverType.ASSAULT,
        actor1=actor(gold.actor1, gold.inter1),
        actor2=actor(gold.actor2, gold.inter2),
        # A gold event that knows only the governorate is predicted as that governorate.
        place=Place(
            name=gold.location or gold.admin1,
            normalised_name=gold.location or gold.admin1,
            admin1=gold.admin1,
            geo_precision=gold.geo_precision if gold.location else 3,
        )
        if gold.location or gold.admin1
        else None,
        date=EventDate(
            start=gold.event_date,
            end=gold.event_date_end,
            time_precision=gold.time_precision,
            resolution=DateResolution.EXPLICIT if gold.event_date else DateResolution.UNRESOLVED,
        ),
        fatalities=Fatalities(acled=gold.fatalities, best=gold.fatalities, low=gold.fatalities),
        evidence=[
            Evidence(
                quote=gold.evidence or "no quote",
                start=0,
                end=1,
                status=MatchStatus.EXACT,
                score=100,
            )
        ],
        grounded=True,
    )


@pytest.fixture(scope="module")
def bases() -> dict[str, ArticleSummary]:
    return {s.article_id: s for s in reference_summaries()}


def _predict(gold: GoldSet, bases, *, skip=(), edit=None, extra=None) -> list[ArticleSummary]:
    """The gold coded as predictions, with the given events left out, edited or added."""
    out = []
    for article_id, base in bases.items():
        events = []
        for g in gold.for_article(article_id):
            if g.gold_id in skip:
                continue
            event = _event(g, f"{article_id}#{g.gold_id}")
            if edit and g.gold_id in edit:
                event = edit[g.gold_id](event)
            events.append(event)
        events.extend((extra or {}).get(article_id, []))
        out.append(base.model_copy(update={"events": events}))
    return out


def _counts(scores) -> tuple[int, int, int]:
    return (scores.matched, scores.predicted, scores.gold)


def _figures(report):
    return {
        "strict": _counts(report.strict),
        "type_place_date": _counts(report.type_place_date),
        "lenient": _counts(report.lenient),
        "fields": {k: (f.correct, f.total) for k, f in report.fields.items()},
        "match_fields": {k: (f.correct, f.total) for k, f in report.match_fields.items()},
        "fatalities": (report.fatalities.pairs, report.fatalities.mae, report.fatalities.bias),
    }


def test_a_perfect_prediction_scores_one(gold, bases):
    report = evaluate(_predict(gold, bases), gold)
    n = len(gold.events)
    assert report.gold_required == 30 and report.gold_optional == 15 and n == 45
    for scores in (report.strict, report.type_place_date, report.lenient):
        assert (scores.matched, scores.predicted, scores.gold) == (n, n, n)
        assert scores.precision == scores.recall == scores.f1 == 1.0
    for f in (*report.fields.values(), *report.match_fields.values()):
        assert f.accuracy == 1.0 and f.total == n
    assert report.fatalities.mae == 0 and report.fatalities.bias == 0
    assert report.evidence.grounded_share == 1.0
    assert all(not a.missed_strict and not a.extra_strict for a in report.per_article)


def test_optional_gold_events_count_when_matched_and_not_when_missed(gold, bases):
    optional = {g.gold_id for g in gold.events if g.optional}
    report = evaluate(_predict(gold, bases, skip=optional), gold)
    assert _counts(report.strict) == _counts(report.type_place_date) == (30, 30, 30)
    assert report.strict.f1 == report.type_place_date.f1 == report.lenient.f1 == 1.0


def _perfect_figures(gold, bases):
    return _figures(evaluate(_predict(gold, bases), gold))


def test_a_wrong_date_costs_one_strict_pair_and_date_accuracy(gold, bases):
    def shift(event: EventRecord) -> EventRecord:
        moved = event.date.model_copy(
            update={"start": dt.date(2016, 5, 24), "end": dt.date(2016, 5, 24)}
        )
        return event.model_copy(update={"date": moved})

    report = evaluate(_predict(gold, bases, edit={"000-1": shift}), gold)
    expected = _perfect_figures(gold, bases)
    # The shifted event is no strict (nor type+place+date) pair: one prediction too many,
    # required 000-1 missed.
    expected["strict"] = expected["type_place_date"] = (44, 45, 45)
    expected["fields"]["date"] = (44, 45)  # still a lenient pair, with the wrong date
    assert _figures(report) == expected
    assert report.strict.precision == report.strict.recall == pytest.approx(44 / 45)
    article = report.per_article[0]
    assert article.missed_strict == ["000-1"] and article.extra_strict == [
        f"{article.article_id}#000-1"
    ]
    assert article.missed_lenient == [] and report.lenient.f1 == 1.0


def test_a_missed_event_costs_recall_only(gold, bases):
    report = evaluate(_predict(gold, bases, skip={"004-7"}), gold)
    expected = _perfect_figures(gold, bases)
    expected["strict"] = expected["type_place_date"] = expected["lenient"] = (44, 44, 45)
    expected["fields"] = dict.fromkeys(expected["fields"], (44, 44))
    expected["match_fields"] = dict.fromkeys(expected["match_fields"], (44, 44))
    expected["fatalities"] = (44, 0.0, 0.0)
    assert _figures(report) == expected
    assert report.strict.precision == 1.0 and report.strict.recall == pytest.approx(44 / 45)
    assert report.per_article[4].missed_strict == ["004-7"]


def test_an_extra_event_costs_precision_only(gold, bases):
    article = SEED_IDS[0]
    protest = EventRecord(
        id=f"{article}#extra",
        event_type=EventType.PROTESTS,
        sub_event_type=SubEventType.PEACEFUL_PROTEST,
        disorder_type=DisorderType.DEMONSTRATIONS,
        plover_type=PloverType.PROTEST,
        actor1=Actor(name="Protesters (Syria)"),
        evidence=[Evidence(quote="invented", status=MatchStatus.UNMATCHED, score=0)],
        grounded=False,
    )
    report = evaluate(_predict(gold, bases, extra={article: [protest]}), gold)
    expected = _perfect_figures(gold, bases)
    expected["strict"] = expected["type_place_date"] = expected["lenient"] = (45, 46, 45)
    assert _figures(report) == expected
    assert report.strict.precision == pytest.approx(45 / 46) and report.strict.recall == 1.0
    assert report.per_article[0].extra_strict == [f"{article}#extra"]
    # Its invented quote is the one ungrounded quote.
    assert report.evidence.unmatched == 1 and report.evidence.quotes == 46


def test_an_inflated_death_toll_costs_the_strict_pair_only(gold, bases):
    def inflate(event: EventRecord) -> EventRecord:
        return event.model_copy(update={"fatalities": Fatalities(acled=190, best=190, low=190)})

    report = evaluate(_predict(gold, bases, edit={"000-4": inflate}), gold)
    expected = _perfect_figures(gold, bases)
    expected["strict"] = (44, 45, 45)  # 190 is outside the gold's 19..19
    expected["fields"]["fatalities"] = (44, 45)
    expected["match_fields"]["fatalities_range"] = (44, 45)
    expected["fatalities"] = (45, pytest.approx(171 / 45), pytest.approx(171 / 45))
    assert _figures(report) == expected
    assert report.type_place_date.f1 == report.lenient.f1 == 1.0
    pair = next(p for p in report.per_article[0].pairs if p.gold_id == "000-4")
    assert (pair.fatalities_gold, pair.fatalities_predicted, pair.wrong_fields) == (
        19,
        190,
        ["fatalities", "fatalities_range"],
    )
    assert (pair.strict, pair.type_place_date, pair.fatalities_gold_range) == (
        False,
        True,
        (19, 19),
    )


def test_articles_missing_on_either_side_are_reported(gold, bases):
    predictions = _predict(gold, bases)[1:]
    stranger = predictions[0].model_copy(update={"article_id": "not-in-gold"})
    report = evaluate([*predictions, stranger], gold)
    assert report.articles_without_prediction == [SEED_IDS[0]]
    assert report.articles_without_gold == ["not-in-gold"]
    required_0 = sum(not g.optional for g in gold.for_article(SEED_IDS[0]))
    assert report.strict.gold == 45 - len(gold.for_article(SEED_IDS[0])) + required_0


# ----------------------------------------------------------------------------------------------
# strict pairs (issue 18): evidence, toll range, actors and places through the normalisers
# ----------------------------------------------------------------------------------------------


def _all_counts(report) -> dict[str, tuple[int, int, int]]:
    return {k: _counts(getattr(report, k)) for k in ("strict", "type_place_date", "lenient")}


def test_an_ungrounded_prediction_is_never_a_true_positive(gold, bases):
    def unground(event: EventRecord) -> EventRecord:
        quote = Evidence(quote=event.evidence[0].quote, status=MatchStatus.UNMATCHED, score=0)
        return event.model_copy(update={"evidence": [quote], "grounded": False})

    # Every other field still agrees with 000-1: only the evidence is not in the text.
    report = evaluate(_predict(gold, bases, edit={"000-1": unground}), gold)
    assert _all_counts(report) == dict.fromkeys(_all_counts(report), (44, 45, 45))
    article = report.per_article[0]
    assert article.missed_lenient == ["000-1"] and article.missed_strict == ["000-1"]
    assert report.evidence.ungrounded_events == 1 and report.evidence.unmatched == 1


def test_a_suspect_source_prediction_is_never_a_true_positive(gold, bases):
    def planted(event: EventRecord) -> EventRecord:
        return event.model_copy(update={"suspect_source": True})

    # Grounded (the planted sentence is in the text) and otherwise a perfect copy of 000-4.
    report = evaluate(_predict(gold, bases, edit={"000-4": planted}), gold)
    assert _all_counts(report) == dict.fromkeys(_all_counts(report), (44, 45, 45))
    assert report.per_article[0].extra_lenient == [f"{SEED_IDS[0]}#000-4"]
    assert report.evidence.suspect_events == 1


def _gold_file(tmp_path, *events: dict) -> GoldSet:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return load_gold(path)


_CLASH = {
    "article_id": SEED_IDS[3],
    "gold_id": "g1",
    "sub_event_type": "Armed clash",
    "plover_type": "ASSAULT",
    "actor1": "Military Forces of Syria",
    "location": "Jibine",
    "admin1": "Hama",
    "geo_precision": 1,
}


def _scores_of(tmp_path, bases, gold_event: dict, edit) -> tuple[int, int, int]:
    """(strict, type+place+date, lenient) pairs of one gold event and its edited copy."""
    gold = _gold_file(tmp_path, gold_event)
    event = edit(_event(gold.events[0], f"{gold_event['article_id']}#1"))
    base = bases[gold_event["article_id"]]
    report = evaluate([base.model_copy(update={"events": [event]})], gold)
    return (
        report.strict.matched,
        report.type_place_date.matched,
        report.lenient.matched,
    )


def _toll(n: int | None):
    return lambda e: e.model_copy(update={"fatalities": Fatalities(acled=n, best=n, low=n)})


def test_a_toll_outside_the_gold_range_is_not_strict(tmp_path, bases):
    # One count only: that count is the range.
    counted = {**_CLASH, "fatalities": 9}
    assert _scores_of(tmp_path, bases, counted, _toll(9)) == (1, 1, 1)
    assert _scores_of(tmp_path, bases, counted, _toll(10)) == (0, 1, 1)
    ranged = {**_CLASH, "fatalities": 9, "fatalities_low": 9, "fatalities_high": 12}
    for n, strict in ((9, 1), (12, 1), (8, 0), (13, 0), (None, 0)):
        assert _scores_of(tmp_path, bases, ranged, _toll(n)) == (strict, 1, 1), n
    # No gold toll: no constraint.
    assert _scores_of(tmp_path, bases, _CLASH, _toll(40)) == (1, 1, 1)


def test_strict_needs_the_sub_event_type_and_actor1_too(tmp_path, bases):
    def retype(e: EventRecord) -> EventRecord:
        return e.model_copy(update={"sub_event_type": SubEventType.GOVERNMENT_REGAINS_TERRITORY})

    def other_actor(e: EventRecord) -> EventRecord:
        russia = Actor(name="Russian jets", normalised_name="Military Forces of Russia")
        return e.model_copy(update={"actor1": russia})

    assert _scores_of(tmp_path, bases, _CLASH, retype) == (0, 1, 1)  # same event type, Battles
    assert _scores_of(tmp_path, bases, _CLASH, other_actor) == (0, 1, 1)
    alternative = {**_CLASH, "sub_event_type_alt": ["Government regains territory"]}
    assert _scores_of(tmp_path, bases, alternative, retype) == (1, 1, 1)

    # A diplomatic gold event that may also be coded as an ACLED Agreement.
    def agreement(e: EventRecord) -> EventRecord:
        return e.model_copy(
            update={
                "event_type": EventType.STRATEGIC_DEVELOPMENTS,
                "sub_event_type": SubEventType.AGREEMENT,
                "disorder_type": DisorderType.STRATEGIC_DEVELOPMENTS,
                "plover_type": PloverType.AGREE,
            }
        )

    talks = {**_CLASH, "sub_event_type": None, "plover_type": "AGREE"}
    assert _scores_of(tmp_path, bases, talks, agreement) == (0, 0, 0)
    talks["sub_event_type_alt"] = ["Agreement"]
    assert _scores_of(tmp_path, bases, talks, agreement) == (1, 1, 1)


def test_actors_are_normalised_on_both_sides(tmp_path, bases):
    # Gold written as the article words it, or in ACLED's own spelling with its period suffix;
    # the prediction as written, with no normalised name: the alias table decides for both.
    for gold_name in ("Syrian regime forces", "Military Forces of Syria (2000-)"):
        event = {**_CLASH, "actor1": gold_name}

        def assad(e: EventRecord) -> EventRecord:
            return e.model_copy(update={"actor1": Actor(name="Assad's troops")})

        assert _scores_of(tmp_path, bases, event, assad) == (1, 1, 1), gold_name
    # An alternative is normalised too.
    event = {**_CLASH, "actor1": "Jaish al-Izza", "actor1_alt": ["the Syrian army"]}
    assert _scores_of(tmp_path, bases, event, lambda e: e) == (1, 1, 1)
    # A name already in ACLED style is final: the coalition is not re-read as "Daesh".
    from summarizer.eval import actor_key

    assert actor_key("Global Coalition Against Daesh") != actor_key("Islamic State (Syria)")


def _placed(name: str, normalised: str | None = None, admin1: str | None = None):
    def edit(e: EventRecord) -> EventRecord:
        place = Place(name=name, normalised_name=normalised, admin1=admin1, geo_precision=1)
        return e.model_copy(update={"place": place})

    return edit


def test_place_filler_words_are_stripped_before_the_skeleton():
    from summarizer.eval import place_key

    assert place_key("Hama province") == place_key("Province of Hama") == place_key("Hama")
    assert place_key("the village of Tal Maleh") == place_key("Tall Malah")
    assert place_key("Idlib city") == place_key("Idlib countryside") == place_key("Idlib")
    assert place_key("the city") != ""  # all filler: kept rather than emptied


def test_filler_words_in_a_gold_place_do_not_block_a_match(tmp_path, bases):
    event = {**_CLASH, "location": "the village of Tal Maleh"}
    assert _scores_of(tmp_path, bases, event, _placed("Tall Malah")) == (1, 1, 1)
    event = {**_CLASH, "location": "Sukayk village"}
    assert _scores_of(tmp_path, bases, event, _placed("Sukayk")) == (1, 1, 1)


def test_gold_places_pass_through_the_alias_table(tmp_path, bases):
    # "Kafr Nabl" and "Kafranbel" share no skeleton: only the alias table joins them.
    event = {**_CLASH, "location": "Kafr Nabl", "admin1": "Idlib"}
    predicted = _placed("Kafranbel", "Kafranbel", "Idleb")
    assert _scores_of(tmp_path, bases, event, predicted) == (1, 1, 1)
    event = {**_CLASH, "location": "Deir al-Zour", "admin1": "Deir al-Zour"}
    predicted = _placed("Deir ez-Zor", "Deir-ez-Zor", "Deir-ez-Zor")
    assert _scores_of(tmp_path, bases, event, predicted) == (1, 1, 1)
    # A region-only gold place compares governorates, spelt either way.
    region = {**_CLASH, "location": "Idlib", "admin1": "Idlib", "geo_precision": 3}
    assert _scores_of(tmp_path, bases, region, _placed("Idleb province", "Idleb", "Idleb")) == (
        1,
        1,
        1,
    )
    elsewhere = _placed("Kafranbel", "Kafranbel", "Idleb")
    assert _scores_of(tmp_path, bases, _CLASH, elsewhere) == (0, 0, 1)


def test_an_old_format_gold_file_still_loads_and_new_fields_are_optional(tmp_path):
    old = {  # every field the format had before fatalities_low/high and the alternatives
        "article_id": "a",
        "gold_id": "a-1",
        "optional": False,
        "sub_event_type": "Armed clash",
        "plover_type": "ASSAULT",
        "actor1": "Military Forces of Syria",
        "actor1_alt": ["Militia (Pro-Government)"],
        "inter1": "State forces",
        "actor2": "Opposition Rebels (Syria)",
        "actor2_alt": [],
        "inter2": "Rebel group",
        "location": "Jibine",
        "location_alt": ["Jubbayn"],
        "admin1": "Hama",
        "geo_precision": 1,
        "event_date": "2019-05-25",
        "event_date_end": "2019-05-26",
        "time_precision": 2,
        "fatalities": 9,
        "evidence": "quote",
        "notes": "why",
    }
    new = {
        "article_id": "a",
        "gold_id": "a-2",
        "sub_event_type": "Air/drone strike",
        "actor1": "Military Forces of Russia",
        "actor1_alternatives": ["Military Forces of Syria"],
        "fatalities_low": 3,
        "fatalities_high": 5,
        "optional": True,
        "evidence": "quote",
    }
    gold = _gold_file(tmp_path, old, new, {"article_id": "b", "no_events": True})
    first, second = gold.events
    assert first.toll_range == (9, 9) and first.event_date_end == dt.date(2019, 5, 26)
    assert second.actor1_alt == ["Military Forces of Syria"] and second.toll_range == (3, 5)
    assert second.optional and gold.empty_articles == ["b"]
    with pytest.raises(GoldError, match="low <= best <= high"):
        _gold_file(tmp_path, {**new, "fatalities_low": 6})
    with pytest.raises(GoldError, match="actor1_alt or actor1_alternatives"):
        _gold_file(tmp_path, {**new, "actor1_alt": ["x"]})
    # The seeds' gold is such a file: it loads and a perfect copy of it scores 1 (see above).
    assert len(load_gold(GOLD).events) == 45


def test_the_independent_key_loads_with_its_field_names():
    from tests.conftest import ROOT

    key = load_gold(ROOT / "tests" / "independent" / "articles" / "gold.jsonl")
    assert len(key.events) == 31 and len(key.article_ids) == 7
    by = {(e.article_id[:3], e.location, e.event_date): e for e in key.events}
    chlorine = by["a01", "Al-Lataminah", dt.date(2017, 3, 25)]
    assert chlorine.toll_range == (1, 2) and chlorine.fatalities == 1
    assert chlorine.sub_event_type is SubEventType.CHEMICAL_WEAPON
    window = next(e for e in key.events if e.article_id.startswith("a07") and e.fatalities == 41)
    assert (window.event_date, window.event_date_end) == (
        dt.date(2016, 8, 17),
        dt.date(2016, 8, 19),
    )
    # Their 0 with no low/best/high is "unknown": no toll constraint.
    unknown = by["a07", "Al-Hasakah", dt.date(2016, 8, 18)]
    assert unknown.fatalities is None and unknown.toll_range is None
    tafas = by["a02", "Tafas", dt.date(2019, 3, 9)]
    assert tafas.sub_event_type_alt == [SubEventType.ATTACK]
    assert all(e.gold_id for e in key.events)
    # Coded back as predictions (their spellings: "Idlib", "Deir ez-Zor", "(2000-)"), it is a
    # perfect score under all three kinds of pair.
    base = reference_summaries()[0]
    predictions = [
        base.model_copy(
            update={
                "article_id": article_id,
                "events": [_event(g, f"{article_id}#{i}") for i, g in enumerate(events)],
            }
        )
        for article_id in key.article_ids
        if (events := key.for_article(article_id))
    ]
    report = evaluate(predictions, key)
    for scores in (report.strict, report.type_place_date, report.lenient):
        assert (scores.matched, scores.predicted, scores.f1) == (31, 31, 1.0)


# ----------------------------------------------------------------------------------------------
# the recorded runs
# ----------------------------------------------------------------------------------------------


def test_recorded_runs_score_and_render(gold):
    from rich.console import Console

    reference = evaluate(reference_summaries(), gold)
    embedded = evaluate(embedded_summaries(), gold)
    for report in (reference, embedded):
        assert report.articles == 5 and not report.articles_without_prediction
        for s in (report.strict, report.lenient):
            assert 0 <= s.precision <= 1 and 0 <= s.recall <= 1
        assert report.strict.matched <= report.lenient.matched
        assert report.evidence.grounded_share == 1.0  # both runs' quotes are all located
        console = Console(width=150, record=True)
        for table in report_tables(report):
            console.print(table)
        text = console.export_text()
        # The three scores side by side: one header row, one row per figure.
        assert any(
            "strict" in line and "type+place+date" in line and "lenient" in line
            for line in text.splitlines()
        )
        assert "fatalities MAE" in text and "required by" in text
        assert EvalRoundTrip.ok(report)
        # Each kind of pair is a subset of the next.
        assert report.strict.matched <= report.type_place_date.matched <= report.lenient.matched
        assert report.evidence.ungrounded_events == report.evidence.suspect_events == 0
    # The hand-written references are far closer to the gold than a 1.5B model.
    assert reference.type_place_date.f1 > 0.8 > embedded.type_place_date.f1
    assert reference.strict.f1 > 0.5 > embedded.strict.f1


def test_per_article_table_keeps_article_ids_whole_at_80_columns(gold):
    from rich.console import Console

    console = Console(width=80, record=True)
    for table in report_tables(evaluate(reference_summaries(), gold)):
        console.print(table)
    text = console.export_text()
    for summary in reference_summaries():
        assert f"│ {summary.article_id} │" in text


class EvalRoundTrip:
    @staticmethod
    def ok(report) -> bool:
        return type(report).model_validate_json(report.model_dump_json()) == report


def test_the_independent_keys_alternatives_are_read_and_count(tmp_path, bases):
    # Fields an ACLED coder writes that the scorer reads: alternatives for admin1 (None: no
    # admin1 also counts), PLOVER type, day and toll (None: "no toll stated"); country, admin2
    # and inter alternatives are read and not scored.
    dated = {**_CLASH, "event_date": "2019-02-14", "country": "Syria", "admin2": "Mhardeh"}
    later = dt.date(2019, 2, 20)

    def moved(e: EventRecord) -> EventRecord:
        return e.model_copy(
            update={"date": e.date.model_copy(update={"start": later, "end": later})}
        )

    assert _scores_of(tmp_path, bases, dated, moved) == (0, 0, 1)
    assert _scores_of(tmp_path, bases, {**dated, "event_date_alt": ["2019-02-20"]}, moved) == (
        1,
        1,
        1,
    )
    counted = {
        **_CLASH,
        "fatalities": 9,
        "fatalities_alt": [12, None],
        "inter1_alt": ["Rebel group"],
    }
    assert _scores_of(tmp_path, bases, counted, _toll(12)) == (1, 1, 1)
    assert _scores_of(tmp_path, bases, counted, _toll(None)) == (1, 1, 1)  # None: 0 counts
    assert _scores_of(tmp_path, bases, counted, _toll(10)) == (0, 1, 1)

    def accused(e: EventRecord) -> EventRecord:
        return e.model_copy(
            update={
                "event_type": None,
                "sub_event_type": None,
                "disorder_type": DisorderType.STRATEGIC_DEVELOPMENTS,
                "plover_type": PloverType.ACCUSE,
            }
        )

    threat = {**_CLASH, "sub_event_type": None, "plover_type": "THREATEN"}
    assert _scores_of(tmp_path, bases, threat, accused)[:2] == (0, 0)
    assert _scores_of(tmp_path, bases, {**threat, "plover_type_alt": ["ACCUSE"]}, accused)[:2] == (
        1,
        1,
    )


def test_the_independent_staged_gold_loads():
    from pathlib import Path

    gold = load_gold(Path(__file__).parent / "independent" / "staged" / "gold.jsonl")
    assert len(gold.events) == 23 and len(gold.article_ids) == 8
