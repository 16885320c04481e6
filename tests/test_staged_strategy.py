"""The staged strategy through the batch engine, against a scripted provider that answers stage
1 (event sentences), stage 2 (one event sentence's fields) and the brief, as a model would; and
what the staged questions themselves promise (numbers and phrases held to the article)."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from pydantic import ValidationError

from summarizer.api import Summarizer
from summarizer.config import Settings, SettingsError
from summarizer.ingest import article_from_text
from summarizer.plan import Planner
from summarizer.prompts import load_prompts
from summarizer.providers.base import Extraction, LLMError
from summarizer.store.ledger import Ledger
from summarizer.strategies.answers import Brief, EventFields, EventSentences, SentenceKind
from summarizer.strategies.sentences import article_sentences, in_sentence, spans
from summarizer.strategies.staged import StagedQuestions, events_of, not_in_sentence
from summarizer.types.records import MatchStatus, Usage

TEXT = (
    "Strikes hit Idlib\n\n"
    "The war in Syria is in its eighth year, and aid agencies say access is hard.\n"
    "Government aircraft struck a market in Ariha on Monday, killing four civilians.\n"
    "Residents said the market had been busy since the morning prayers ended.\n"
    "Rebels shelled the town of Mhardeh and the village of Suqaylabiyah on Tuesday.\n"
    "Turkey rejected a Russian call for talks on Wednesday, officials said."
)
URL = "http://127.0.0.1:9/v1"


def article():
    return article_from_text(TEXT, "strikes", source_path="mem/strikes.txt")


FIELDS = {
    "Ariha": {
        "sub_event_type": "Air/drone strike",
        "plover_type": "ASSAULT",
        "actor1": "Government aircraft",
        "actor1_type": "State forces",
        "actor2": "civilians",
        "actor2_type": "Civilians",
        "locations": ["Ariha"],
        "date_phrase": "on Monday",
        "fatalities_phrase": "killing four civilians",
    },
    "Mhardeh": {
        "sub_event_type": "Shelling/artillery/missile attack",
        "plover_type": "ASSAULT",
        "actor1": "Rebels",
        "actor1_type": "Rebel group",
        "actor2": None,
        "actor2_type": None,
        "locations": ["Mhardeh", "Suqaylabiyah"],
        "date_phrase": "on Tuesday",
        "fatalities_phrase": None,
    },
    "Turkey": {
        "sub_event_type": None,
        "plover_type": "REJECT",
        "actor1": "Turkey",
        "actor1_type": "External/Other forces",
        "actor2": "Russian",
        "actor2_type": "External/Other forces",
        "locations": [],
        "date_phrase": "on Wednesday",
        "fatalities_phrase": None,
    },
}


class Scripted:
    """A provider answering each stage as a careful model would; ``invent`` makes it name an
    actor its sentence does not (and keep doing so when asked again)."""

    def __init__(self, *, picks=(2, 4, 5), invent: str | None = None, fail_fields=False):
        self.model, self.mode_name, self.responses, self.gate, self.relay = (
            "scripted",
            "x",
            0,
            None,
            None,
        )
        self.picks = list(picks)
        self.invent = invent
        self.fail_fields = fail_fields
        self.sent: list[tuple[str, str]] = []  # (stage, user message)
        self.reasons: list[str] = []  # what a check found, on the answers it re-asked

    def prepare(self, response_model) -> None:
        pass

    async def aclose(self) -> None:
        pass

    async def extract(self, messages, response_model, check=None) -> Extraction:
        user = messages[-1]["content"]
        usage = Usage(prompt_tokens=len(user) // 4, completion_tokens=20, attempts=1)
        self.responses += 1
        if response_model is SentenceKind:
            self.sent.append(("events", user))
            sentence = re.search(r"^Sentence: (.*)$", user, re.M).group(1)
            number = article_sentences(article()).index(sentence) + 1
            answer = SentenceKind(kind="clash" if number in self.picks else "none")
        elif issubclass(response_model, Brief):
            self.sent.append(("brief", user))
            answer = response_model.model_validate(
                {
                    "summary": "Government aircraft and rebels attacked towns in Idlib.",
                    "key_points": [],
                    "sources_cited": [],
                }
            )
        else:
            self.sent.append(("fields", user))
            if self.fail_fields:
                raise LLMError("HTTP 500", usage)
            sentence = re.search(r"^Sentence: (.*)$", user, re.M).group(1)
            key = next(k for k in FIELDS if k in sentence)
            data = dict(FIELDS[key])
            if self.invent and key == "Ariha":
                data["actor2"] = self.invent
            answer = EventFields.model_validate(data)
        if check is not None and (reason := check(answer)) is not None:
            # The provider's one re-ask with the reason: this model answers the same again.
            self.reasons.append(reason)
            usage = usage.model_copy(update={"attempts": 2})
        return Extraction(answer, usage, "scripted")


def run(provider, ledger=None, run_id=None, **settings):
    s = Summarizer(Settings(base_url=URL, strategy="staged", **settings), ledger=ledger)
    s.provider = provider
    return s, list(s.summarize_many([article()], run_id=run_id))


def test_each_event_sentence_is_asked_on_its_own_and_the_record_keeps_the_usual_shape():
    provider = Scripted()
    _, [result] = run(provider)
    summary = result.summary
    stages = [stage for stage, _ in provider.sent]
    # Stage 1 asks only of the sentences with a word of an event (2, 4, 5): not of the war's
    # background (1) nor of what residents said of the market (3).
    assert stages == ["events"] * 3 + ["brief"] + ["fields"] * 3
    # Stage 1 shows one sentence at a time; the headline is not one.
    assert "Sentence: Government aircraft struck a market in Ariha" in provider.sent[0][1]
    assert not any("Strikes hit Idlib" in user for stage, user in provider.sent[:3])
    assert not any("eighth year" in user for stage, user in provider.sent[:3])
    # The brief shows the numbered sentences.
    assert "[2] Government aircraft struck a market in Ariha" in provider.sent[3][1]
    # Stage 2 shows its sentence; not stage 1's word for it (the 1.5B model's "attack on
    # civilians" for everything misled it).
    ariha = provider.sent[4][1]
    assert "Kind of event" not in ariha
    assert "Sentence: Government aircraft struck" in ariha
    # The sentence alone: every option is in it, and its neighbours cost prompt time.
    assert "The war in Syria" not in ariha and "Residents said" not in ariha
    assert "Turkey" not in ariha
    # Two places named in one sentence: two events; the four deaths on Ariha's alone.
    places = [e.place.name if e.place else None for e in summary.events]
    assert places == ["Ariha", "Mhardeh", "Suqaylabiyah", None]
    assert [e.fatalities.best for e in summary.events] == [4, None, None, None]
    assert summary.events[0].sub_event_type.value == "Air/drone strike"
    assert summary.events[3].plover_type.value == "REJECT"
    for event in summary.events:  # every event's evidence is its sentence, found verbatim
        [ev] = event.evidence
        assert ev.status is MatchStatus.EXACT and ev.quote in article_sentences(article())
    assert summary.summary.startswith("Government aircraft and rebels")
    assert summary.summary_unverified is None
    assert summary.provenance.prompt_version.startswith("staged:")
    assert not summary.warnings
    assert not provider.reasons


def test_an_actor_not_in_its_sentence_is_asked_again_with_the_reason_then_left_empty():
    provider = Scripted(invent="Hayat Tahrir al-Sham")
    _, [result] = run(provider)
    [reason] = provider.reasons
    assert "actor2 'Hayat Tahrir al-Sham'" in reason and "not written in the Sentence" in reason
    ariha = result.summary.events[0]
    assert ariha.actor2 is None and ariha.actor1.name == "Government aircraft"
    assert any("actor2 'Hayat Tahrir al-Sham' left empty" in w for w in result.summary.warnings)


def test_an_invented_place_is_not_kept_either():
    answer = EventFields.model_validate({**FIELDS["Mhardeh"], "locations": ["Hama", "Mhardeh"]})
    sentence = "Rebels shelled the town of Mhardeh and the village of Suqaylabiyah on Tuesday."
    assert "location 'Hama'" in not_in_sentence(answer, sentence)
    events, emptied = events_of(answer, sentence)
    assert [e.location for e in events] == ["Mhardeh"] and emptied == ["location 'Hama'"]


def test_sentence_numbers_outside_the_article_are_rejected():
    questions = StagedQuestions(constrained=True)
    a = article()
    assert len(article_sentences(a)) == 5
    # Stage 1 asks of each sentence in turn: the numbers are the article's by construction.
    plan = Planner(Settings(base_url=URL, strategy="staged"), load_prompts(), "ck").plan(a)
    assert [r.sentence for r in plan.requests if r.kind.startswith("events")] == [2, 4, 5]
    picked = questions.screened(
        [(2, SentenceKind(kind="air strike")), (4, SentenceKind(kind="none"))]
    )
    assert picked.sentences == [2]
    with pytest.raises(ValidationError):  # a kind outside the enum is invalid
        SentenceKind.model_validate({"kind": "picnic"})
    # Numbers read back from a log, or made anywhere else, are held to the article all the
    # same: in order, once each, none outside it.
    logged = EventSentences(events={5: "clash", 9: "clash", 2: "talks", 0: "clash"})
    assert questions.event_sentences(a, logged) == [2, 5]
    requests = Planner(Settings(base_url=URL, strategy="staged"), load_prompts(), "ck").fields(
        a, logged
    )
    assert [r.sentence for r in requests] == [2, 5]


def test_constrained_phrases_can_only_be_phrases_of_the_sentence():
    questions = StagedQuestions(constrained=True)
    model = questions.response_model(article(), "fields", 2)
    schema = json.dumps(model.model_json_schema())
    assert '"Government aircraft"' in schema and '"killing four civilians"' in schema
    assert model.model_validate(FIELDS["Ariha"]).actor1 == "Government aircraft"
    for wrong in (
        {"actor1": "Hayat Tahrir al-Sham"},  # not in the sentence
        {"actor1": "a market in Ariha"},  # in it, but no actor
        {"locations": ["Monday"]},  # a day, not a place
        {"sub_event_type": "Armed clash"},  # no word of a clash in it
        {"plover_type": "REJECT"},  # nor of a rejection
    ):
        with pytest.raises(ValidationError):
            model.model_validate({**FIELDS["Ariha"], **wrong})
    # Only the types its words allow ("struck": a strike; "killing civilians": an attack).
    options = model.model_json_schema()["properties"]["sub_event_type"]["anyOf"][0]["enum"]
    assert set(options) == {"Air/drone strike", "Attack"}
    # Unconstrained endpoints get free strings (held to the sentence by the check instead).
    assert StagedQuestions(constrained=False).response_model(article(), "fields", 2) is EventFields


def test_spans_and_in_sentence():
    found = spans('He said: "Rebels shelled Mhardeh, killing four."', most_words=3)
    assert "Rebels shelled Mhardeh" in found and "killing four" in found
    assert all(not p.startswith('"') and not p.endswith(",") for p in found)
    assert in_sentence("rebels", "Rebels shelled it.") and not in_sentence("Iran", "in Tehran")
    assert in_sentence(None, "anything")


def test_a_resumed_or_repeated_run_sends_nothing_twice(tmp_path):
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    first = Scripted()
    _, [done] = run(first, ledger=ledger)
    assert len(done.summary.events) == 4
    assert len(first.sent) == 7
    again = Scripted()
    _, [cached] = run(again, ledger=ledger)
    assert again.sent == [] and cached.cached
    assert cached.summary_json or cached.summary
    # A run that stopped after some requests: what was logged is not asked again.
    ledger2 = Ledger(tmp_path / "other.sqlite3")
    broken = Scripted(fail_fields=True)
    _, [partial] = run(broken, ledger=ledger2)
    assert len(broken.sent) == 7 and partial.summary.events == []
    assert sum("could not be read" in w for w in partial.summary.warnings) == 3
    mended = Scripted()
    s = Summarizer(Settings(base_url=URL, strategy="staged"), ledger=ledger2)
    s.provider = mended
    [redone] = list(s.summarize_many([article_from_text(TEXT, "other", source_path="mem/o.txt")]))
    assert [stage for stage, _ in mended.sent] == ["fields"] * 3  # stage 1 and brief: logged
    assert len(redone.summary.events) == 4


def test_strategy_defaults_and_checks():
    assert Settings().extraction_strategy == "staged"  # the embedded model: smaller questions
    assert Settings(embedded_url=URL).extraction_strategy == "staged"
    assert Settings(base_url=URL).extraction_strategy == "single"  # a real endpoint
    assert Settings(api_key="sk-test-not-a-key").extraction_strategy == "single"
    assert Settings(base_url=URL, strategy="staged").extraction_strategy == "staged"
    assert Settings(strategy="single").extraction_strategy == "single"
    with pytest.raises(SettingsError, match="not a strategy"):
        Settings(strategy="twostep")
    # Staged and single never share a cache key; single's keys are what they were.
    single = Planner(Settings(base_url=URL), load_prompts(), "ck").plan(article())
    staged = Planner(Settings(base_url=URL, strategy="staged"), load_prompts(), "ck").plan(
        article()
    )
    assert not single.staged and staged.staged
    assert single.key != staged.key
    assert [r.kind.split(":")[0] for r in staged.requests] == ["events"] * 3 + ["brief"]


def test_the_cli_takes_a_strategy(monkeypatch):
    monkeypatch.setenv("SUMMARIZER_STRATEGY", "single")
    assert Settings.from_env().extraction_strategy == "single"
    monkeypatch.setenv("SUMMARIZER_STRATEGY", "both")
    with pytest.raises(SettingsError, match="SUMMARIZER_STRATEGY='both': not a strategy"):
        Settings.from_env()


def test_staged_requests_run_concurrently_with_other_articles():
    # (Smoke: the engine's staged path under an event loop that runs several articles.)
    provider = Scripted()
    s = Summarizer(Settings(base_url=URL, strategy="staged", concurrency=3))
    s.provider = provider
    items = [article_from_text(TEXT, f"a{n}", source_path=f"mem/{n}.txt") for n in range(3)]

    async def go():
        return [r async for r in s.asummarize_many(items)]

    results = asyncio.run(go())
    assert len(results) == 3 and all(len(r.summary.events) == 4 for r in results)


def _event(sub, location, actor1="Russian jets"):
    from summarizer.types.extraction import ExtractedEvent

    return ExtractedEvent.model_construct(
        sub_event_type=sub, plover_type="ASSAULT", actor1=actor1, location=location
    )


def test_an_event_that_sums_up_others_of_its_article_is_not_one_more():
    from summarizer.strategies.staged import without_overviews

    lead = _event("Air/drone strike", "Hama province")  # "strikes on Hama province"
    nowhere = _event("Air/drone strike", None)  # "Russia's strikes in Syria"
    town = _event("Air/drone strike", "Kafr Zita")  # in Hama: the gazetteer knows it
    elsewhere = _event("Air/drone strike", "Latakia")  # another governorate, named alone
    clash = _event("Armed clash", "Hama")  # another type: an event of its own
    talks = _event(None, None, "Turkey")  # no ACLED type: never dropped
    kept = without_overviews([lead, nowhere, town, elsewhere, clash, talks])
    assert kept == [town, elsewhere, clash, talks]
    # A governorate-level event with no named place of its type in the article stays.
    assert without_overviews([lead, clash]) == [lead, clash]


def test_one_phrase_for_both_sides_or_civilians_as_the_doers_are_mended():
    sentence = "Government aircraft struck a market in Ariha on Monday, killing four civilians."
    both = EventFields.model_validate({**FIELDS["Ariha"], "actor2": "Government aircraft"})
    [event], _ = events_of(both, sentence)
    assert event.actor1 == "Government aircraft" and event.actor2 is None
    reversed_ = EventFields.model_validate(
        {**FIELDS["Ariha"], "actor1": "civilians", "actor2": "Government aircraft"}
    )
    [event], _ = events_of(reversed_, sentence)
    assert (event.actor1, event.actor2) == ("Government aircraft", "civilians")
