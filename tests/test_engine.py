"""The batch engine's admission control (Throttle) on a fake clock, Result's status, and
when a batch ends early (a failing ledger, an endpoint nothing reaches)."""

import asyncio

import pytest

from summarizer.runtime.throttle import Throttle
from summarizer.types.outcome import Result
from summarizer.types.records import Failure


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds
        await asyncio.sleep(0)


def throttle(t: FakeTime, **kw) -> Throttle:
    return Throttle(kw.pop("max_in_flight", 8), clock=t.clock, sleep=t.sleep, **kw)


async def test_requests_per_minute_spaces_requests():
    t = FakeTime()
    gate = throttle(t, requests_per_minute=60)  # one a second, a burst of one
    for _ in range(3):
        await gate.acquire(100, None)
        gate.release(100, 100, None, None)
    assert t.sleeps == [1.0, 1.0] and t.now == 2.0


async def test_tokens_per_minute_waits_for_the_estimate_and_pays_back_the_difference():
    t = FakeTime()
    gate = throttle(t, tokens_per_minute=600)  # 10 tokens a second
    await gate.acquire(10, None)
    gate.release(10, 4, None, None)  # used fewer than estimated: 6 come back
    await gate.acquire(10, None)  # needs 10, has 6: waits 0.4 s
    assert t.sleeps == [0.4]
    gate.release(10, 10, None, None)
    await gate.acquire(30, None)  # bigger than a second's worth: waits for a full bucket only
    assert t.sleeps == [0.4, 1.0]


async def test_429_pauses_everyone_else_for_retry_after_and_halves_the_window():
    t = FakeTime()
    gate = throttle(t, max_in_flight=8)
    hit, other = object(), object()
    await gate.acquire(1, hit)
    gate.release(1, None, 429, 2.5, hit)
    assert gate.rate_limited == 1 and gate.window == 4
    await gate.acquire(1, hit)  # the request that was told to wait waits in its own retry loop
    assert t.sleeps == []
    gate.release(1, None, 429, 2.5, hit)  # same episode: the window is cut once
    assert gate.window == 4
    await gate.acquire(1, other)
    assert t.sleeps == [2.5]
    for _ in range(20):  # successes grow the window back, one per window's worth
        gate.release(1, 1, None, None)
        gate.in_flight += 1
    assert 6 < gate.window <= 8


async def test_window_bounds_requests_in_flight():
    t = FakeTime()
    gate = throttle(t, max_in_flight=1)
    await gate.acquire(1, None)
    second = asyncio.create_task(gate.acquire(1, None))
    await asyncio.sleep(0)
    assert not second.done() and gate.in_flight == 1
    gate.release(1, 1, None, None)
    await asyncio.wait_for(second, 1)
    assert gate.in_flight == 1


def test_result_status_follows_the_record():
    failure = Failure(article_id="a", stage="llm", reason="boom")
    assert Result(0, failure=failure).status == "failed"
    assert Result(0, failure=failure, status="skipped").status == "skipped"
    with pytest.raises(AttributeError):
        Result(0).summary.events  # noqa: B018 - no summary on an empty result


def test_a_result_made_from_json_parses_it_only_when_asked(monkeypatch):
    from summarizer.runtime.assembly_workers import assemble_job
    from summarizer.types.records import ArticleSummary
    from tests.conftest import SEEDS
    from tests.test_pool import job_for

    line = assemble_job(job_for(SEEDS[0]))["result"]  # a seed's record, as a worker sends it
    record = ArticleSummary.model_validate_json(line)
    parsed = []
    real = ArticleSummary.model_validate_json
    monkeypatch.setattr(
        ArticleSummary, "model_validate_json", lambda text: parsed.append(text) or real(text)
    )
    result = Result(0, summary_json=line)
    assert result.ok and result.status == "ok" and result.summary_json == line and not parsed
    assert result.summary == record and result.summary is result.summary  # parsed once
    assert parsed == [line] and result.source == str(SEEDS[0])


async def test_a_ledger_failure_ends_the_batch_with_the_error(tmp_path):
    """A write that fails (here: the ledger closed under the engine) surfaces to the caller
    instead of leaving the batch hanging."""
    from summarizer.api import Summarizer
    from summarizer.config import Settings
    from summarizer.ingest import article_from_text
    from summarizer.store.ledger import LedgerError
    from tests.conftest import RECORDING_KEY
    from tests.fixtures.server import start_fixture_server

    with start_fixture_server() as server:
        settings = Settings(
            base_url=server.base_url,
            api_key=RECORDING_KEY,
            model="fixture",
            mode="tools",
            concurrency=2,
        )
        s = Summarizer(settings, ledger=tmp_path / "l.sqlite3")
        s.ledger._db.execute(
            "CREATE TRIGGER no_items BEFORE INSERT ON items BEGIN "
            "SELECT RAISE(ABORT, 'disk full (simulated)'); END"
        )
        items = [
            article_from_text(f"Clash {i}\n\nFighters clashed in town {i}.", f"a{i}")
            for i in range(6)
        ]
        with pytest.raises(LedgerError, match="disk full"):
            async for _ in s.asummarize_many(items):
                pass


def _batch_settings(base_url: str, concurrency: int, timeout: float = 600.0):
    from summarizer.config import Settings
    from tests.conftest import RECORDING_KEY

    return Settings(
        base_url=base_url,
        api_key=RECORDING_KEY,
        model="fixture",
        mode="tools",
        concurrency=concurrency,
        transport_attempts=1,
        timeout=timeout,
    )


def _nothing_listening() -> str:
    """A loopback base URL whose port was just freed: every connection to it is refused."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


def _articles(n: int):
    from summarizer.ingest import article_from_text

    return [
        article_from_text(f"Clash {i}\n\nFighters clashed in town {i}.", f"a{i}") for i in range(n)
    ]


@pytest.mark.parametrize("how", ["refused", "never answered"])
async def test_an_endpoint_nothing_reaches_stops_the_batch_at_its_first_failure(how, request):
    """Refused, or no connection answered, from the start: the articles in flight fail, the rest
    are skipped (not each left to wait out its retries); --resume asks them later."""
    from summarizer.api import Summarizer

    base_url = (
        _nothing_listening() if how == "refused" else request.getfixturevalue("unanswered_url")
    )
    s = Summarizer(_batch_settings(base_url, concurrency=2, timeout=1.0), ledger=None)
    results = [r async for r in s.asummarize_many(_articles(8))]
    by_status = {
        status: [r for r in results if r.status == status] for status in ("failed", "skipped")
    }
    assert len(results) == 8 and 1 <= len(by_status["failed"]) <= 2
    assert len(by_status["skipped"]) == 8 - len(by_status["failed"])
    assert all(
        r.failure.reason.startswith(f"cannot connect to {base_url}") for r in by_status["failed"]
    )
    assert all(
        r.failure.reason.startswith(f"not attempted: cannot connect to {base_url}")
        for r in by_status["skipped"]
    )
    assert s.provider.responses == 0


async def test_a_connection_lost_after_the_endpoint_answered_fails_articles_one_by_one(monkeypatch):
    """Once the endpoint has answered, a refused connection may be a restart: every article is
    still asked (and fails with its own reason), none is skipped."""
    import httpx2
    import openai

    from summarizer.api import Summarizer
    from summarizer.providers import openai_compat as llm
    from tests.fixtures.server import start_fixture_server

    real, calls = llm.post_completion, []

    async def answers_once(raw, body):
        calls.append(body)
        if len(calls) == 1:
            return await real(raw, body)
        request = httpx2.Request("POST", raw.base_url.join("chat/completions"))
        raise openai.APIConnectionError(request=request) from ConnectionRefusedError("refused")

    monkeypatch.setattr(llm, "post_completion", answers_once)
    with start_fixture_server() as server:
        s = Summarizer(_batch_settings(server.base_url, concurrency=1), ledger=None)
        results = sorted([r async for r in s.asummarize_many(_articles(4))], key=lambda r: r.index)
    assert [r.status for r in results] == ["ok", "failed", "failed", "failed"]
    assert all("ConnectionRefusedError: refused" in r.failure.reason for r in results[1:])
    assert len(calls) == 4 and s.provider.responses == 1


async def test_a_batch_that_stopped_early_is_left_for_resume(tmp_path):
    """Skipped articles leave the run unfinished: resuming it once the endpoint is back asks
    them (and, with retry_failed, the ones that failed), and then the run is done."""
    from summarizer.api import Summarizer
    from tests.fixtures.server import start_fixture_server

    down = _nothing_listening()
    articles, ledger = _articles(5), tmp_path / "ledger.sqlite3"
    first = Summarizer(_batch_settings(down, concurrency=1), ledger=ledger)
    stopped = [r async for r in first.asummarize_many(articles)]
    assert sorted(r.status for r in stopped) == ["failed"] + ["skipped"] * 4
    assert first.ledger.run(first.run_id).status == "interrupted"
    assert first.ledger.latest_unfinished().id == first.run_id
    first.ledger.close()
    port = int(down.rsplit(":", 1)[1].split("/")[0])
    with start_fixture_server(port) as server:  # back where it was: same endpoint, same run
        again = Summarizer(_batch_settings(server.base_url, concurrency=1), ledger=ledger)
        resumed = [
            r async for r in again.asummarize_many(articles, run_id=first.run_id, retry_failed=True)
        ]
    assert [r.status for r in resumed] == ["ok"] * 5 and again.run_id == first.run_id
    assert again.ledger.run(first.run_id).status == "done"


def test_summarize_works_inside_a_running_event_loop(seed_articles):
    """As in a notebook cell: asyncio.run would refuse, so summarize runs on its own thread."""
    from summarizer.api import Summarizer
    from tests.fixtures.server import start_fixture_server

    article = next(iter(seed_articles.values()))

    async def in_a_notebook():
        return Summarizer(_batch_settings(server.base_url, concurrency=1)).summarize(article)

    with start_fixture_server() as server:
        summary = asyncio.run(in_a_notebook())
    assert summary.article_id == article.id and summary.events
