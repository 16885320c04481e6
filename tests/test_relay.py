"""Requests sent by the request worker come back exactly as the openai client gives them
in-process: the same bodies, the same exceptions (status, headers, reasons), and a worker that
dies costs a retry, never a lost article."""

import asyncio
import socket

import openai
import pytest

from summarizer.config import Settings
from summarizer.ingest import article_from_text
from summarizer.prompts import load_prompts
from summarizer.providers import provider_for
from summarizer.providers.transport import (
    describe_error,
    is_transient,
    post_completion,
    retry_after_seconds,
)
from summarizer.runtime import request_worker as relay
from summarizer.runtime.request_worker import RequestWorker
from summarizer.types.extraction import ExtractedSummary
from tests.conftest import RECORDING_KEY, SEEDS, seed_requests


@pytest.fixture
def server():
    from tests.fixtures.server import start_fixture_server

    with start_fixture_server() as srv:
        yield srv


def request_for(base_url: str, model: str = "fixture", timeout: float = 10.0):
    """(openai client, request body) for the first seed, as the Extractor builds them."""
    settings = Settings(
        base_url=base_url, api_key=RECORDING_KEY, model=model, mode="tools", timeout=timeout
    )
    extractor = provider_for(settings)
    article = article_from_text(SEEDS[0].read_text(encoding="utf-8"), SEEDS[0].stem)
    _, request = extractor._prepare(ExtractedSummary, load_prompts().messages(article))
    return extractor._connect(), extractor._body(ExtractedSummary, request), settings


async def outcome(call):
    try:
        return await call
    except Exception as exc:
        return exc


async def started(base_url: str, timeout: float = 10.0) -> RequestWorker:
    worker = RequestWorker(base_url, RECORDING_KEY, timeout)
    worker.start()
    return worker


async def test_a_relayed_answer_is_the_in_process_answer(server):
    raw, body, _ = request_for(server.base_url)
    worker = await started(server.base_url)
    try:
        relayed = await asyncio.gather(*(worker.post(raw, body) for _ in range(3)))
        assert worker.usable and worker.sent == 3
    finally:
        await worker.close()
    direct = await post_completion(raw, body)
    await raw.close()
    assert relayed == [direct] * 3
    assert b"chat.completion" in direct
    assert not worker.usable


@pytest.mark.parametrize("fault", ["429", "always500"])
async def test_http_errors_come_back_as_the_clients_own(server, fault):
    raw, body, settings = request_for(server.base_url, model=f"fixture:{fault}")
    worker = await started(server.base_url)
    try:
        relayed = await outcome(worker.post(raw, body))
    finally:
        await worker.close()
    server.reset()  # the 429 is answered once per article: ask again as new
    direct = await outcome(post_completion(raw, body))
    await raw.close()
    assert isinstance(direct, openai.APIStatusError)
    assert type(relayed) is type(direct)  # RateLimitError, InternalServerError
    assert (relayed.status_code, relayed.body) == (direct.status_code, direct.body)
    assert retry_after_seconds(relayed) == retry_after_seconds(direct)
    assert is_transient(relayed)
    assert describe_error(relayed, settings) == describe_error(direct, settings)


async def test_timeouts_and_refused_connections_come_back_as_the_clients_own(unanswered_url):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    refused = socket.create_server(("127.0.0.1", 0))
    refused_url = f"http://127.0.0.1:{refused.getsockname()[1]}/v1"
    refused.close()
    try:
        # (A refused connection is no timeout, though openai's aiohttp transport says so.)
        for base_url, kind, said in [
            (
                f"http://127.0.0.1:{silent.getsockname()[1]}/v1",
                openai.APITimeoutError,
                "timed out after 0.3s",
            ),
            (refused_url, openai.APIConnectionError, "cannot connect to http://127.0.0.1:"),
            (
                unanswered_url,
                openai.APITimeoutError,
                f"cannot connect to {unanswered_url}: no connection within 0.3s",
            ),
        ]:
            raw, body, settings = request_for(base_url, timeout=0.3)
            worker = await started(base_url, timeout=0.3)
            try:
                relayed = await outcome(worker.post(raw, body))
            finally:
                await worker.close()
            direct = await outcome(post_completion(raw, body))
            await raw.close()
            assert type(direct) is kind and type(relayed) is kind
            assert is_transient(relayed)
            reason, fatal = describe_error(relayed, settings)
            assert said in reason and not fatal
            assert (reason, fatal) == describe_error(direct, settings)
    finally:
        silent.close()


async def test_a_dead_worker_fails_its_pending_requests_as_retryable_and_is_not_used_again():
    silent = socket.create_server(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
    raw, body, settings = request_for(base_url, timeout=30)
    worker = await started(base_url, timeout=30)
    try:
        pending = asyncio.ensure_future(worker.post(raw, body))
        await asyncio.sleep(0.3)  # handed over, waiting on the silent server
        assert not pending.done()
        worker._worker.kill()
        exc = await outcome(pending)
        assert isinstance(exc, openai.APIConnectionError) and is_transient(exc)
        assert "request worker exited" in describe_error(exc, settings)[0]
        assert not worker.usable  # the Extractor sends in-process from now on
    finally:
        await worker.close()
        await raw.close()
        silent.close()


async def test_closing_the_worker_does_not_wait_for_its_exit(server, monkeypatch):
    """A forked process takes the kernel ~5-10 ms to tear down: the batch's end does not wait
    for it; its CPU time came with its answers, and it is reaped later."""
    import os
    import signal

    from summarizer.runtime import processes as pool

    raw, body, _ = request_for(server.base_url)
    worker = await started(server.base_url)
    try:
        await worker.post(raw, body)
        assert worker.cpu_s > 0
        pid = worker._worker.pid
        os.kill(pid, signal.SIGSTOP)  # a worker that cannot exit before we look
        killed = []
        monkeypatch.setattr(os, "kill", lambda p, sig: killed.append((p, sig)))
        await asyncio.wait_for(worker.close(), timeout=5)  # returns with it still there
        monkeypatch.undo()
        assert killed == [(pid, signal.SIGKILL)] and pid in pool._ended
        os.kill(pid, signal.SIGKILL)
        pool.reap_ended_workers(wait=True)
        assert pid not in pool._ended
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    finally:
        await raw.close()


def test_a_batch_through_the_request_worker_matches_one_without(tmp_path, monkeypatch, server):
    from summarizer.api import Summarizer

    def run(relayed: bool, ledger):
        # The fixture server's thread makes fork_possible() false: force the choice.
        monkeypatch.setattr(relay, "fork_possible", lambda: relayed)
        settings = Settings(
            base_url=server.base_url,
            api_key=RECORDING_KEY,
            model="fixture",
            mode="tools",
            concurrency=16,
        )
        summarizer = Summarizer(settings, ledger=ledger)
        results = list(summarizer.summarize_many(SEEDS * 4))
        assert all(r.ok for r in results)
        records = {r.index: r.summary.model_dump(exclude={"provenance"}) for r in results}
        return records, summarizer.stats

    via_worker, stats = run(True, tmp_path / "a.sqlite3")
    # Each distinct article asked once, all through the worker, whose CPU is counted.
    asked = seed_requests(SEEDS)
    assert stats.relayed == stats.requests == asked and stats.relay_cpu_s > 0
    in_process, stats = run(False, tmp_path / "b.sqlite3")
    assert stats.relayed == 0 and stats.requests == asked
    assert len(via_worker) == 20 and via_worker == in_process


def test_the_request_is_worked_out_before_the_request_worker_is_forked(server, monkeypatch):
    """After a fork every page this process writes is copied first: the response model's
    request (its JSON schema, ~5 ms) is worked out before, and kept when the client connects."""
    from summarizer.api import Summarizer

    monkeypatch.setattr(relay, "fork_possible", lambda: True)
    seen = []  # what the Extractor had prepared when the worker was forked
    real_start = RequestWorker.start

    def start(self) -> None:
        seen.append(dict(summarizer.provider._prepared))
        real_start(self)

    monkeypatch.setattr(RequestWorker, "start", start)
    settings = Settings(
        base_url=server.base_url,
        api_key=RECORDING_KEY,
        model="fixture",
        mode="tools",
        concurrency=16,
    )
    summarizer = Summarizer(settings)
    assert all(r.ok for r in summarizer.summarize_many(SEEDS[:2]))
    assert len(seen) == 1 and ExtractedSummary in seen[0]
    assert summarizer.stats.relayed == seed_requests(SEEDS[:2])
    # Not worked out again when the client connected.
    assert summarizer.provider._prepared[ExtractedSummary] is seen[0][ExtractedSummary]


def test_when_a_batch_uses_a_request_worker(monkeypatch):
    monkeypatch.setattr(relay, "fork_possible", lambda: True)
    monkeypatch.delenv("SUMMARIZER_REQUEST_WORKER", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert relay.wanted(64, uses_embedded=False)
    assert not relay.wanted(8, uses_embedded=False)  # the loop has time to spare
    assert not relay.wanted(64, uses_embedded=True)
    monkeypatch.setenv("SUMMARIZER_REQUEST_WORKER", "0")
    assert not relay.wanted(64, uses_embedded=False)
    monkeypatch.delenv("SUMMARIZER_REQUEST_WORKER")
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert not relay.wanted(64, uses_embedded=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setattr(relay, "fork_possible", lambda: False)
    assert not relay.wanted(64, uses_embedded=False)


async def test_nothing_more_is_sent_once_the_engines_process_is_gone(server):
    """A request still in the pipe when the engine is killed would be paid for, and its answer
    lost: the worker stops sending as soon as its parent is not the engine any more."""
    import os

    raw, body, _ = request_for(server.base_url)
    await raw.close()
    requests_r, requests_w = os.pipe()
    answers_r, answers_w = os.pipe()
    os.write(requests_w, relay._FRAME.pack(1, len(body)) + body)  # written, then "killed"
    not_the_parent = os.getppid() + 1 if os.getppid() + 1 != os.getpid() else os.getppid() + 2
    await asyncio.wait_for(
        relay._serve(requests_r, answers_w, not_the_parent, server.base_url, RECORDING_KEY, 5.0), 5
    )
    assert server.history == []  # returned without sending the request it had read
    for fd in (requests_w, answers_r):
        os.close(fd)


@pytest.mark.parametrize(
    ("status", "content"),
    [
        (400, b'{"error": {"message": "bad request", "type": "invalid_request_error"}}'),
        (401, b'{"error": {"message": "Incorrect API key provided"}}'),
        (403, b'{"error": "forbidden"}'),
        (404, b'{"error": {"message": "The model `x` does not exist"}}'),
        (409, b"{}"),
        (422, b'{"detail": [{"loc": ["body"], "msg": "field required"}]}'),
        (429, b'{"error": {"message": "Rate limit reached"}}'),
        (500, b"<html>Internal Server Error</html>"),
        (503, b""),
        (418, b'"teapot"'),
    ],
)
async def test_status_errors_are_built_as_the_client_builds_them(status, content):
    """The worker's report of an HTTP error becomes the very exception the openai client raises
    in-process (class, message, body, status), made with openai's public error classes."""
    import httpx2

    from summarizer.runtime.request_worker import status_error

    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, content=content, headers={"retry-after": "2"})

    raw = openai.AsyncOpenAI(
        api_key="k",
        base_url="http://127.0.0.1:9/v1",
        max_retries=0,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(answer)),
    )
    direct = await outcome(post_completion(raw, b"{}"))
    await raw.close()
    assert isinstance(direct, openai.APIStatusError)
    rebuilt = status_error(direct.response)
    assert type(rebuilt) is type(direct)
    assert (str(rebuilt), rebuilt.body, rebuilt.status_code) == (
        str(direct),
        direct.body,
        direct.status_code,
    )
    assert retry_after_seconds(rebuilt) == retry_after_seconds(direct) == 2.0
