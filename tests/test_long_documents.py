"""Long documents through the batch engine, against a scripted provider that answers each request
with the planted events whose sentences it shows (as a faithful model would): parts, overlaps,
answers that reach the model's limits, the size guard, and a crash between parts."""

from __future__ import annotations

import re

import pytest

from summarizer.api import Summarizer
from summarizer.config import Settings
from summarizer.ingest import article_from_text
from summarizer.providers.base import Extraction, LLMError
from summarizer.types.extraction import EVENTS_PER_ANSWER, DocumentSummary, ExtractedSummary
from summarizer.types.records import MatchStatus, Usage

PLANTED = re.compile(r"In incident (\d+), [^.]+\.")
TOWNS = ["Ariha", "Saraqeb", "Kafr Nabl", "Maarat al-Numan", "Jisr al-Shughur", "Khan Sheikhoun"]


def planted_sentence(n: int) -> str:
    town = TOWNS[n % len(TOWNS)]
    return f"In incident {n}, government aircraft struck a market in {town}, killing {n % 7 + 1}."


def report(events: int, filler: int = 3) -> str:
    """A long report: a planted event sentence every few sentences of filler."""
    lines = ["Daily conflict update: north-west Syria", "Geneva, 14 March 2018", ""]
    for n in range(events):
        lines.append(planted_sentence(n))
        lines += [
            f"Aid agencies said access to the area remained difficult for the {k + 1} day in a row."
            for k in range(filler)
        ]
    return "\n".join(lines)


class Crash(BaseException):
    """The process dying mid-run (SIGKILL), as far as the engine can tell."""


class Planted:
    """A provider answering each request with the planted events its text shows."""

    def __init__(self, *, cut_off_over: int | None = None, crash_after: int | None = None):
        self.model, self.mode_name, self.responses, self.gate, self.relay = (
            "planted",
            "x",
            0,
            None,
            None,
        )
        self.requests: list[str] = []
        self.cut_off_over = cut_off_over
        self.crash_after = crash_after

    def prepare(self, response_model) -> None:
        pass

    async def aclose(self) -> None:
        pass

    async def extract(self, messages, response_model, check=None) -> Extraction:
        text = messages[-1]["content"]
        if self.crash_after is not None and len(self.requests) >= self.crash_after:
            raise Crash()
        self.requests.append(text)
        self.responses += 1
        usage = Usage(prompt_tokens=len(text) // 4, completion_tokens=100, attempts=1)
        if response_model is DocumentSummary:
            return Extraction(
                DocumentSummary(summary="The whole report.", key_points=[]), usage, "planted"
            )
        body = text.split("<<<", 1)[-1]
        if self.cut_off_over is not None and len(body) > self.cut_off_over:
            raise LLMError("model output cut off at max_tokens=64", usage, cut_off=True)
        events = [
            {
                "sub_event_type": "Air/drone strike",
                "plover_type": "ASSAULT",
                "actor1": "government aircraft",
                "actor1_type": "State forces",
                "actor2": None,
                "actor2_type": None,
                "location": m.group(0).split(" in ")[-1].split(",")[0],
                "date_phrase": None,
                "fatalities_phrase": None,
                "fatalities": None,
                "evidence": [m.group(0)],
            }
            for m in PLANTED.finditer(body)
        ][:EVENTS_PER_ANSWER]
        summary = ExtractedSummary(
            summary=f"{len(events)} strikes.", key_points=[], sources_cited=[], events=events
        )
        return Extraction(summary, usage, "planted")


def run(text: str, provider: Planted, ledger=None, **settings):
    s = Summarizer(Settings(base_url="http://127.0.0.1:9/v1", **settings), ledger=ledger)
    s.provider = provider
    article = article_from_text(text, "report", source_path="mem/report.txt")
    return s, list(s.summarize_many([article]))


def planted_found(summary, text: str) -> set[int]:
    found = set()
    for event in summary.events:
        for ev in event.evidence:
            assert ev.status is MatchStatus.EXACT and text[ev.start : ev.end] == ev.quote
            found.add(int(PLANTED.match(ev.quote).group(1)))
    return found


def test_a_long_document_is_asked_in_overlapping_parts_and_told_once():
    text = report(40)
    provider = Planted()
    _, [result] = run(text, provider, chunk_tokens=400, chunk_overlap=2)
    summary = result.summary
    parts = len(provider.requests) - 1  # and one for the summary
    assert parts > 5 and summary.chunks == parts
    assert planted_found(summary, text) == set(range(40))  # none lost at a boundary
    assert len(summary.events) == 40  # none twice, though overlaps showed some twice
    assert summary.summary == "The whole report."  # written from the parts' summaries
    assert not summary.warnings


def test_an_answer_with_the_most_events_one_may_hold_is_asked_again_in_halves():
    text = report(12, filler=0)  # one part, twelve events: the first answer holds eight
    provider = Planted()
    _, [result] = run(text, provider)
    assert planted_found(result.summary, text) == set(range(12))
    assert len(provider.requests) == 3 and result.summary.chunks == 3
    assert not result.summary.warnings


def test_where_a_text_cannot_be_split_the_record_says_events_may_be_missing():
    many = ", ".join(f"in incident {n} a strike hit {TOWNS[n % 6]}" for n in range(4))
    text = f"Strikes\n\nIn incident 99, {many}."  # one sentence, many events
    provider = Planted()

    class TenInOne(Planted):
        async def extract(self, messages, response_model, check=None):
            answer = await super().extract(messages, response_model, check)
            event = answer.summary.events[0] if answer.summary.events else None
            if event is not None:
                answer.summary.events[:] = [event] * EVENTS_PER_ANSWER
            return answer

    provider = TenInOne()
    _, [result] = run(text, provider)
    assert result.ok
    [warning] = result.summary.warnings
    assert "holds the most events one answer may (8)" in warning and "may be missing" in warning


def test_an_answer_cut_off_at_max_tokens_is_asked_again_in_smaller_parts():
    text = report(6, filler=2)
    provider = Planted(cut_off_over=600)
    _, [result] = run(text, provider)
    assert result.ok and planted_found(result.summary, text) == set(range(6))
    assert result.summary.chunks > 2 and not result.summary.warnings


def test_an_answer_cut_off_that_cannot_be_split_is_a_warning_not_a_silent_gap():
    text = report(3, filler=1) + "\n" + "word " * 400 + "end."
    provider = Planted(cut_off_over=1500)
    _, [result] = run(text, provider, chunk_tokens=2000)
    assert result.ok, result.failure
    assert any("cut off at max_tokens" in w and "missing" in w for w in result.summary.warnings)
    assert planted_found(result.summary, text) == {0, 1, 2}


def test_a_document_over_the_size_limit_is_refused_before_anything_is_asked():
    text = report(400)
    provider = Planted()
    _, [result] = run(text, provider, max_document_tokens=5000)
    assert not result.ok and provider.requests == []
    assert result.failure.stage == "ingest"
    assert (
        "over the --max-document-tokens limit of 5,000: nothing was asked" in result.failure.reason
    )


def test_a_crash_between_parts_resumes_at_the_next_part(tmp_path):
    text = report(30)
    db = tmp_path / "ledger.sqlite3"
    crashing = Planted(crash_after=3)
    s = Summarizer(Settings(base_url="http://127.0.0.1:9/v1", chunk_tokens=400), ledger=db)
    s.provider = crashing
    article = article_from_text(text, "report", source_path="mem/report.txt")
    with pytest.raises(Crash):
        list(s.summarize_many([article]))
    assert len(crashing.requests) == 3
    resumed = Planted()
    again = Summarizer(Settings(base_url="http://127.0.0.1:9/v1", chunk_tokens=400), ledger=db)
    again.provider = resumed
    [result] = list(again.summarize_many([article], run_id=s.run_id))
    assert result.ok and planted_found(result.summary, text) == set(range(30))
    parts = result.summary.chunks
    # the three answered before the crash were not asked again: the rest, and the summary
    assert len(resumed.requests) == parts - 3 + 1


def test_a_real_cut_off_answer_is_seen_and_the_article_asked_again_in_parts():
    """Through the real openai client and instructor: a model whose answers stop at max_tokens
    (finish_reason "length") on texts longer than it can answer gets smaller texts, and every
    event the article reports is still found."""
    import json

    from summarizer.ingest import read_article_file
    from tests.conftest import RECORDING_KEY, SEEDS
    from tests.fixtures.server import LENGTH_LIMIT_CHARS, start_fixture_server

    article = read_article_file(SEEDS[0])
    assert len(article.model_text) > LENGTH_LIMIT_CHARS
    reference = json.loads(
        (
            SEEDS[0].parent.parent / "tests" / "fixtures" / "reference" / f"{SEEDS[0].stem}.json"
        ).read_text()
    )
    with start_fixture_server() as server:
        settings = Settings(
            base_url=server.base_url, api_key=RECORDING_KEY, model="fixture:length", mode="tools"
        )
        [result] = list(Summarizer(settings).summarize_many([article]))
        cut = [h for h in server.history if h["outcome"] == "length"]
    assert result.ok and cut, result.failure
    assert result.summary.chunks > 2
    # The summary-of-summaries is too long for this model too: said, and the parts' joined.
    assert [w.split(" (")[0] for w in result.summary.warnings] == [
        "the document's summary could not be written"
    ]
    found = {q for e in result.summary.events for q in (ev.quote for ev in e.evidence)}
    assert found == {q for e in reference["events"] for q in e["evidence"]}
