"""Requests sent from a worker process: the openai client's CPU off the batch's event loop.

At high concurrency the batch's event loop is CPU-bound, and the openai client takes most of it:
building each request, the httpx2 and aiohttp layers under it, reading the response (~1.5 ms per
request on a slow 2-core host, against ~0.1 ms to hand a request body to another process and read
back the answer). So a big batch that can fork (see ``pool.fork_possible``) also forks one
*request worker*: a child with its own event loop and its own openai client, made from the same
settings, which sends every body it is handed and hands back what came of it.

Everything that decides stays in the engine's process: the rate limiter (a body is handed over
only when the gate lets its request go), retries and their waits, re-asks, validation, usage,
the ledger. The worker only moves bytes. It reports each outcome as its client saw it (the
response body, an HTTP error with its status, headers and body, a timeout, a connection failure),
and ``post`` raises the very openai exceptions the client raises in-process, so retries,
Retry-After and failure reasons work alike. If the worker dies, its pending requests fail as
connection errors (retried under the usual policy) and later ones are sent in-process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import struct
import time

import httpx2
import openai
from pydantic_core import from_json, to_json

from summarizer.config import environment
from summarizer.providers.transport import (
    RelayedError,
    connect_timed_out,
    new_client,
    post_completion,
)
from summarizer.runtime.processes import (
    Worker,
    connect_forked,
    discard_forked,
    fork_possible,
    fork_worker,
)

log = logging.getLogger("summarizer.runtime.request_worker")

_FRAME = struct.Struct("!II")  # request id, payload size
_ANSWER = struct.Struct("!IId")  # request id, payload size, the worker's CPU seconds so far
# What an answer's first byte says the rest is.
_OK, _STATUS, _TIMEOUT, _CONNECT_TIMEOUT, _CONNECTION, _ERROR = b"o", b"s", b"t", b"k", b"c", b"e"
_MIN_CONCURRENCY = 16  # below this the event loop has time to spare: not worth a process


def wanted(concurrency: int, uses_embedded: bool) -> bool:
    """Whether a batch should send its requests through a request worker.
    ``SUMMARIZER_REQUEST_WORKER=0`` turns it off."""
    if environment().request_worker is False:
        return False
    return (
        not uses_embedded  # the embedded server's own process does the work already
        and concurrency >= _MIN_CONCURRENCY
        and (os.cpu_count() or 1) >= 2
        and fork_possible()
    )


class RequestWorker:
    """One forked process sending requests for this one. ``start()`` forks (synchronously, so
    no thread can start in between); ``post`` hands a body over; ``close()`` ends it."""

    def __init__(self, base_url: str | None, api_key: str | None, timeout: float):
        self._config = (base_url, api_key, timeout)
        self._starting: asyncio.Task | None = None
        self._worker: Worker | None = None
        self._reader: asyncio.Task | None = None
        self._pending: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self._alive = False
        self.sent = 0  # request bodies handed to the worker
        self.cpu_s = 0.0  # the worker's CPU time (user + system) up to its latest answer

    def start(self) -> None:
        base_url, api_key, timeout = self._config
        engine = os.getpid()

        def serve(requests: int, answers: int) -> None:
            asyncio.run(_serve(requests, answers, engine, base_url, api_key, timeout))

        try:
            forked = fork_worker(serve, niceness=0)  # it is on every request's path
        except OSError as exc:
            log.warning("request worker not forked (%s); sending in-process", exc)
            return
        self._alive = True
        self._starting = asyncio.create_task(self._connect(forked))

    async def _connect(self, forked: tuple[int, int, int]) -> None:
        try:
            self._worker = await connect_forked(*forked)
        except Exception as exc:
            self._alive = False
            discard_forked(forked)
            log.warning("request worker not connected (%s); sending in-process", exc)
            return
        self._reader = asyncio.create_task(self._read(self._worker))

    @property
    def usable(self) -> bool:
        return self._alive

    async def _read(self, worker: Worker) -> None:
        try:
            while True:
                header = await worker.answers.readexactly(_ANSWER.size)
                request_id, size, self.cpu_s = _ANSWER.unpack(header)
                answer = await worker.answers.readexactly(size)
                future = self._pending.pop(request_id, None)
                if future is not None and not future.done():
                    future.set_result(answer)
        except Exception:
            self._gone()

    def _gone(self) -> None:
        self._alive = False
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(RelayedError("WorkerGone: the request worker exited"))

    async def post(self, raw: openai.AsyncOpenAI, body: bytes) -> bytes:
        """``llm.post_completion(raw, body)``, sent by the worker: the response body, or the
        openai exception the client raised there (rebuilt here on ``raw``)."""
        if self._starting is not None and not self._starting.done():
            await asyncio.shield(self._starting)
        worker = self._worker
        if not self._alive or worker is None:
            return await post_completion(raw, body)  # it died while we waited
        self._next_id += 1
        request_id = self._next_id
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            worker.send(_FRAME.pack(request_id, len(body)) + body)
            self.sent += 1
            answer = await future
        except RelayedError as exc:  # gone mid-request: may or may not have been sent
            raise openai.APIConnectionError(request=_request(raw)) from exc
        except (OSError, RuntimeError) as exc:  # the pipe is closed: gone
            self._gone()
            raise openai.APIConnectionError(request=_request(raw)) from RelayedError(
                f"{type(exc).__name__}: {exc}"
            )
        finally:
            self._pending.pop(request_id, None)
        return _outcome(raw, answer)

    async def close(self) -> None:
        self._alive = False
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        worker, self._worker = self._worker, None
        if worker is not None:
            # Nothing is pending at the end of a batch; an abandoned batch's requests are
            # abandoned here as they would be in-process. Its CPU time came with its answers.
            await worker.end()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        self._gone()


def _request(raw: openai.AsyncOpenAI) -> httpx2.Request:
    return httpx2.Request("POST", raw.base_url.join("chat/completions"))


# The exception the openai client raises for each status (its documented error classes).
_STATUS_ERRORS: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


def status_error(response: httpx2.Response) -> openai.APIStatusError:
    """The error the openai client raises for an HTTP error response, built as it builds it:
    its class by status, its body the decoded JSON (the ``error`` object inside), its message
    ``Error code: <status> - <body>``."""
    text = response.text.strip()
    try:
        body: object = json.loads(text)
        message = f"Error code: {response.status_code} - {body}"
    except ValueError:
        body, message = text, text or f"Error code: {response.status_code}"
    if isinstance(body, dict):
        body = body.get("error", body)
    status = response.status_code
    kind = _STATUS_ERRORS.get(status, openai.InternalServerError if status >= 500 else None)
    return (kind or openai.APIStatusError)(message, response=response, body=body)


def _outcome(raw: openai.AsyncOpenAI, answer: bytes) -> bytes:
    """The response body, or the worker's report raised as the openai client raised it."""
    kind, rest = answer[:1], answer[1:]
    if kind == _OK:
        return rest
    if kind == _STATUS:
        report = from_json(rest)
        response = httpx2.Response(
            report["status"],
            headers=report["headers"],
            content=report["body"].encode(),
            request=_request(raw),
        )
        raise status_error(response)  # RateLimitError for a 429, ...
    if kind == _TIMEOUT:
        raise openai.APITimeoutError(request=_request(raw))
    if kind == _CONNECT_TIMEOUT:
        request = _request(raw)
        cause = httpx2.ConnectTimeout(rest.decode(), request=request)
        raise openai.APITimeoutError(request=request) from cause
    if kind == _CONNECTION:
        raise openai.APIConnectionError(request=_request(raw)) from RelayedError(rest.decode())
    raise RelayedError(rest.decode())


# -- the worker's side ---------------------------------------------------------------------------


async def _serve(
    requests_fd: int,
    answers_fd: int,
    engine: int,
    base_url: str | None,
    api_key: str | None,
    timeout: float,
) -> None:
    """Read (id, body) frames until EOF; send each at once; write (id, outcome) frames. Once the
    engine's process (pid ``engine``) is gone, nothing more is sent: a request still in the pipe
    would be paid for and its answer lost (a resume asks again)."""
    loop = asyncio.get_running_loop()
    requests = asyncio.StreamReader()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(requests), os.fdopen(requests_fd, "rb", buffering=0)
    )
    answers, _ = await loop.connect_write_pipe(
        asyncio.Protocol, os.fdopen(answers_fd, "wb", buffering=0)
    )
    raw = new_client(base_url, api_key, timeout)
    sending: set[asyncio.Task] = set()

    async def send(request_id: int, body: bytes) -> None:
        outcome = await _send(raw, body)
        if not answers.is_closing():
            answers.write(_ANSWER.pack(request_id, len(outcome), time.process_time()) + outcome)

    while True:
        try:
            request_id, size = _FRAME.unpack(await requests.readexactly(_FRAME.size))
            body = await requests.readexactly(size)
        except asyncio.IncompleteReadError:
            return  # the engine closed its end (or went away): leave, abandoning what is left
        if os.getppid() != engine:  # killed (its pipe's EOF comes after the frames it sent)
            return
        task = asyncio.create_task(send(request_id, body))
        sending.add(task)
        task.add_done_callback(sending.discard)


async def _send(raw: openai.AsyncOpenAI, body: bytes) -> bytes:
    try:
        return _OK + await post_completion(raw, body)
    except openai.APIStatusError as exc:
        response = exc.response
        return _STATUS + to_json(
            {
                "status": response.status_code,
                "headers": list(response.headers.multi_items()),
                "body": response.text,
            }
        )
    except openai.APITimeoutError as exc:
        if connect_timed_out(exc):
            return _CONNECT_TIMEOUT + str(exc.__cause__).encode()
        return _TIMEOUT
    except openai.APIConnectionError as exc:
        cause = exc.__cause__
        return _CONNECTION + (f"{type(cause).__name__}: {cause}" if cause else str(exc)).encode()
    except Exception as exc:
        return _ERROR + f"{type(exc).__name__}: {exc}"[:300].encode()
