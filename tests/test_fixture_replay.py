"""End to end through the real openai/instructor/httpx2 stack, replayed from cassettes that
were recorded against the fixture server (tests/fixtures/server.py) and its hand-written
reference extractions."""

import datetime as dt
import json
from pathlib import Path

import pytest

from summarizer import Settings, Summarizer
from summarizer.pipeline.assemble import DIPLOMATIC_SUB_EVENT
from summarizer.prompts import load_prompts
from summarizer.types.extraction import EVENTS_PER_ANSWER, ExtractedSummary
from summarizer.types.records import DateResolution, MatchStatus
from tests.conftest import RECORDING_KEY, SEED_IDS

REFERENCE = Path(__file__).parent / "fixtures" / "reference"
UNDATED = {"001_99316f61b9136f9d", "002_4a63372d829b355a", "003_6b1604286af0b08a"}


def fixture_settings(url: str, model: str = "fixture", **kw) -> Settings:
    return Settings(base_url=url, api_key=RECORDING_KEY, model=model, mode="tools", **kw)


def reference(seed: str) -> ExtractedSummary:
    return ExtractedSummary.model_validate_json((REFERENCE / f"{seed}.json").read_text())


@pytest.mark.vcr
@pytest.mark.parametrize("seed", SEED_IDS)
def test_seed_end_to_end(seed, fixture_url, seed_articles):
    article = seed_articles[seed]
    summary = Summarizer(fixture_settings(fixture_url)).summarize(article)
    ref = reference(seed)

    assert summary.article_id == seed and summary.sha256 == article.sha256
    assert summary.summary == ref.summary.strip()
    assert len(summary.events) == len(ref.events) > 0
    for event, expected in zip(summary.events, ref.events, strict=True):
        # a diplomatic event ACLED codes (an agreement) gets its type in code
        derived = expected.sub_event_type or DIPLOMATIC_SUB_EVENT.get(expected.plover_type)
        assert event.sub_event_type == derived
        assert event.actor1.name == expected.actor1
        assert event.grounded
        for evidence in event.evidence:
            # The reference quotes are verbatim, so each must be found exactly, at the right place.
            assert evidence.status is MatchStatus.EXACT
            assert article.text[evidence.start : evidence.end] == evidence.quote
    usage = summary.provenance.usage
    # An answer that reaches the event limit may have left events out: the article is asked
    # again in two halves (their events are the same ones here, and are told once).
    requests = 1 if len(ref.events) < EVENTS_PER_ANSWER else 3
    assert summary.chunks == requests and not summary.warnings
    assert usage.attempts == requests and usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert summary.provenance.prompt_version == load_prompts().version
    assert summary.provenance.endpoint == fixture_url
    if seed in UNDATED:
        # No publication date: only an explicit date in the text may date an event.
        assert summary.published is None
        for e in summary.events:
            if e.date.resolution is not DateResolution.EXPLICIT:
                assert (e.date.start, e.date.end) == (None, None), e.date
                assert e.date.resolution is DateResolution.UNRESOLVED
        if seed == "002_4a63372d829b355a":
            explicit = [
                e.date for e in summary.events if e.date.resolution is DateResolution.EXPLICIT
            ]
            assert [(d.phrase, d.start) for d in explicit] == [
                ("October 6, 2015", dt.date(2015, 10, 6))
            ]


@pytest.mark.vcr
def test_batch_concurrent_replay_gives_each_article_its_own_answer(fixture_url):
    results = list(
        Summarizer(fixture_settings(fixture_url, concurrency=5)).summarize_many(["seeds/"])
    )
    assert sorted(r.index for r in results) == [0, 1, 2, 3, 4]
    assert all(r.ok for r in results), [r.failure for r in results if not r.ok]
    for r in results:
        assert r.summary.summary == reference(r.summary.article_id).summary.strip()


SEED = "003_6b1604286af0b08a"  # seven events: one answer holds them all


@pytest.mark.vcr
def test_429_waits_for_retry_after_then_succeeds(
    fixture_url, seed_articles, recorded_sleep, caplog
):
    s = Summarizer(fixture_settings(fixture_url, "fixture:429"), sleep=recorded_sleep)
    with caplog.at_level("DEBUG"):
        summary = s.summarize(seed_articles[SEED])
    assert recorded_sleep.waits == [2.0]  # the server's Retry-After, honoured exactly
    assert summary.provenance.usage.attempts == 2
    # the retry is visible in the log, and the key is in no log line nor in the result
    assert any(
        r.getMessage().startswith(f"transport retry in 2.0s after: HTTP 429 from {fixture_url}")
        for r in caplog.records
    )
    assert RECORDING_KEY not in caplog.text
    assert RECORDING_KEY not in summary.model_dump_json()


@pytest.mark.vcr
def test_500_is_retried_with_backoff(fixture_url, seed_articles, recorded_sleep):
    s = Summarizer(fixture_settings(fixture_url, "fixture:500"), sleep=recorded_sleep)
    summary = s.summarize(seed_articles[SEED])
    assert len(recorded_sleep.waits) == 1 and 0 < recorded_sleep.waits[0] <= 30
    assert summary.provenance.usage.attempts == 2
    assert len(summary.events) == len(reference(SEED).events)


@pytest.mark.vcr
@pytest.mark.parametrize("fault", ["malformed", "invalid"])
def test_bad_answer_is_reasked(fault, fixture_url, seed_articles, recorded_sleep):
    s = Summarizer(fixture_settings(fixture_url, f"fixture:{fault}"), sleep=recorded_sleep)
    summary = s.summarize(seed_articles[SEED])
    usage = summary.provenance.usage
    assert usage.attempts == 2  # one bad answer, one re-ask
    assert recorded_sleep.waits == []  # a re-ask is not a transport retry
    # tokens of the failed attempt are counted too
    assert usage.completion_tokens > len(json.dumps(reference(SEED).model_dump())) // 4


@pytest.mark.vcr
def test_persistent_failure_is_a_failure_record_and_others_succeed(
    fixture_url, seed_articles, recorded_sleep, tmp_path
):
    poisoned = tmp_path / "poisoned.txt"
    poisoned.write_text("Poisoned article\n\nFIXTURE-ALWAYS-500 a clash was reported.")
    s = Summarizer(fixture_settings(fixture_url, transport_attempts=3), sleep=recorded_sleep)
    results = sorted(
        s.summarize_many([seed_articles[SEED], poisoned, seed_articles["003_6b1604286af0b08a"]]),
        key=lambda r: r.index,
    )
    assert [r.ok for r in results] == [True, False, True]
    failure = results[1].failure
    assert failure.article_id == "poisoned" and failure.stage == "llm"
    assert failure.reason.startswith(f"HTTP 500 from {fixture_url}")
    assert len(recorded_sleep.waits) == 2  # 3 attempts, 2 waits
