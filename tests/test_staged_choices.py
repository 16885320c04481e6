"""The staged strategy's choices (``strategies/cues.py``, ``strategies/candidates.py``) against
sentences and answers written by someone who had not read the code
(``tests/independent/staged_sentences/``: 60 sentences in news wording, with what an ACLED coder
would answer). The model can only choose among the options these give, so the right answer
must be among them; a few the rules do not reach are listed, each with why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer.pipeline.normalise.text import fold
from summarizer.strategies.answers import fields_model
from summarizer.strategies.candidates import (
    actor_phrases,
    date_phrases,
    place_phrases,
    toll_phrases,
)
from summarizer.strategies.cues import allowed_types, may_report_event, territory_type
from summarizer.types.records import ActorType, SubEventType

SENTENCES = Path(__file__).parent / "independent" / "staged_sentences" / "sentences.jsonl"
ROWS = [json.loads(line) for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line]
EVENTS = [r for r in ROWS if r["event"]]

# (sentence id, field): why the rules do not offer the coder's answer.
KNOWN_MISSES = {
    ("s14", "toll"): "'shot dead a village chief and two of his sons': the count follows the "
    "victim, and phrases ending in a bare count ('and two') are cut",
    ("s24", "actor2"): "'Damascus' as the government accused: a city name, offered as a place",
    # Persons and bodies the alias table does not know are offered only by a word for what
    # they are ("Houthi leader", "Government"): offered every capitalised name, the model took
    # the villages of a list of strikes for actors, and lost the places (seed 001).
    ("s25", "actor1"): "'Abdul Malik al-Houthi': offered as 'Houthi leader'",
    ("s26", "actor1"): "'Antonio Guterres': a person the alias table does not know",
    ("s29", "actor1"): "'Government of National Accord': offered as 'UN-recognised Government'",
    ("s44", "actor1"): "'France and Britain': France is not in the alias table",
    ("s47", "actor1"): "'Arab League': not in the alias table",
    ("s47", "actor2"): "'Saudi-led coalition': offered with its possessive only",
}


def offered(options: tuple[str, ...], value: str | None) -> bool:
    return value is None or any(fold(o) == fold(value) for o in options)


def test_every_event_sentence_is_asked_about():
    missed = [r["id"] for r in EVENTS if not may_report_event(r["sentence"])]
    assert missed == []
    # Six of the ten non-events have no word of an event and are never asked about; the four
    # that do ("have been killed since the war began", "expected to launch an offensive",
    # "due to meet") are left to the model's stage-1 answer.
    asked = [r["id"] for r in ROWS if not r["event"] and may_report_event(r["sentence"])]
    assert len(asked) <= 4


@pytest.mark.parametrize("row", EVENTS, ids=[r["id"] for r in EVENTS])
def test_the_coders_answer_is_among_the_options(row):
    sentence = row["sentence"]
    sub, plover = allowed_types(sentence)
    options = {
        "sub": (tuple(t.value for t in sub), row["sub_event_type"]),
        # PLOVER codes arrests COERCE, which the staged questions do not offer (ASSAULT is).
        "plover": (
            tuple(t.value for t in plover),
            None if row["plover_type"] == "COERCE" else row["plover_type"],
        ),
        "actor1": (actor_phrases(sentence), row["actor1"]),
        "actor2": (actor_phrases(sentence), row["actor2"]),
        "date": (date_phrases(sentence), row["date_phrase"]),
        "toll": (toll_phrases(sentence), row["fatalities_phrase"]),
    }
    wrong = [
        field
        for field, (choices, answer) in options.items()
        if not offered(choices, answer) and (row["id"], field) not in KNOWN_MISSES
    ]
    places = place_phrases(sentence)
    wrong += [f"place {p!r}" for p in row["locations"] if not offered(places, p)]
    # A country named beside the place ("in Baghouz, Syria") is not offered: the model is to
    # pick the town, and the country follows from it.
    wrong = [w for w in wrong if w not in ("place 'Syria'", "place 'Yemen'", "place 'Mali'")]
    assert wrong == [], {f: options[f] for f in wrong if f in options} or places
    # What is sent accepts the coder's answer (phrases and types), as one of its choices.
    model = fields_model(sentence)
    answer = {
        "sub_event_type": row["sub_event_type"] if options["sub"][1] else None,
        "plover_type": options["plover"][1] or "ASSAULT",
        "actor1": _as_offered(options["actor1"]),
        "actor2": _as_offered(options["actor2"]),
        "locations": [p for p in (_as_offered((places, p)) for p in row["locations"]) if p],
        "date_phrase": _as_offered(options["date"]),
        "fatalities_phrase": _as_offered(options["toll"]),
    }
    model.model_validate(answer)


def _as_offered(pair: tuple[tuple[str, ...], str | None]) -> str | None:
    choices, value = pair
    if value is None:
        return None
    return next((c for c in choices if fold(c) == fold(value)), None)


def test_the_known_misses_are_still_misses():
    # When a rule starts to reach one, take it off the list (so the list stays true).
    by_id = {r["id"]: r for r in ROWS}
    for sid, field in KNOWN_MISSES:
        row = by_id[sid]
        choices = {
            "actor1": actor_phrases,
            "actor2": actor_phrases,
            "toll": toll_phrases,
        }[field](row["sentence"])
        answer = row["fatalities_phrase"] if field == "toll" else row[field]
        assert not offered(choices, answer), (sid, field)


def test_who_took_a_place_decides_the_territory_type():
    regains, overtakes = (
        SubEventType.GOVERNMENT_REGAINS_TERRITORY,
        SubEventType.NON_STATE_ACTOR_OVERTAKES_TERRITORY,
    )
    assert territory_type(overtakes, ActorType.STATE_FORCES) is regains
    assert territory_type(regains, ActorType.EXTERNAL_OTHER) is regains
    assert territory_type(regains, ActorType.REBEL_GROUP) is overtakes
    assert territory_type(regains, None) is regains  # an unknown taker: as the model chose
    assert territory_type(SubEventType.ARMED_CLASH, ActorType.REBEL_GROUP) is (
        SubEventType.ARMED_CLASH
    )
