"""One structured LLM call: openai client + instructor, with two separate retry policies.

* Transport retries (ours, tenacity): HTTP 429 (honouring Retry-After), 5xx, timeouts and
  connection errors, with exponential backoff and jitter, ``Settings.transport_attempts`` in all.
  The openai client's own retries are off so that there is exactly one policy to reason about.
* Validation re-asks (instructor): when the answer is not valid JSON or fails the schema, the
  error is sent back to the model, at most ``Settings.reasks`` times.

Usage is counted per request, so tokens spent on failed attempts and re-asks are never lost from
the total; an optional token budget per article stops runaway re-asks.

The re-ask loop is ours too, built from instructor's own mode handlers (request preparation,
response parsing, re-ask messages), so requests are byte-for-byte what ``instructor``'s ``create``
sends, without its per-call cost (it regenerates the JSON schema and re-creates the response
model on every call: ~4 ms of CPU per article, more than everything else in a batch). The
schema part of each request is prepared once per response model.

An optional ``RequestGate`` (the batch engine's rate limiter) is awaited before every HTTP request,
retries and re-asks included, and told how each one ended.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import instructor
import openai
from instructor.core import (
    AsyncValidationError,
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from instructor.v2 import Provider as InstructorProvider
from instructor.v2 import mode_registry
from openai.types.chat import ChatCompletion
from pydantic import ValidationError
from pydantic_core import to_json
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from summarizer.config import DEFAULT_REMOTE_MODEL, OPENAI_URL, Settings
from summarizer.providers.base import (
    BudgetExceeded,
    Check,
    Extraction,
    LLMError,
    RequestGate,
    Sleep,
)
from summarizer.providers.transport import (
    TransportWait,
    completion_json,
    connect_timed_out,
    describe_error,
    is_transient,
    new_client,
    post_completion,
    retry_after_seconds,
    root_error,
)
from summarizer.types.extraction import ExtractedSummary
from summarizer.types.records import Usage

log = logging.getLogger("summarizer.providers.openai_compat")

# Answers worth a re-ask with the error: not JSON, or JSON that breaks the schema (the errors
# instructor's own retry loop re-asks on, named through its public exception types).
PARSE_ERRORS = (ValidationError, json.JSONDecodeError, ResponseParsingError, AsyncValidationError)


@dataclass
class _Meter:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    waits: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def usage(self, started: float) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            attempts=self.attempts,
            latency_s=round(time.monotonic() - started, 3),
        )


class _Attrs:
    """Attribute access over a decoded chat.completion, enough for instructor's parsers (which
    read ``choices[0].message.tool_calls[0].function.arguments`` and the like). Building the
    openai ``ChatCompletion`` model costs more than the rest of the parse, so it is built only
    when a re-ask or a response hook needs it."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def __getattr__(self, name: str) -> Any:
        value = self._data.get(name)
        if isinstance(value, dict):
            return _Attrs(value)
        if isinstance(value, list):
            return [_Attrs(v) if isinstance(v, dict) else v for v in value]
        return value


def choose_mode(settings: Settings) -> instructor.Mode:
    """Tool calls for OpenAI itself; JSON-schema constrained output for everything else.

    llama.cpp, Ollama (>= 0.5), vLLM, LM Studio and the embedded model all honour
    ``response_format: json_schema`` (llama.cpp only supports tools when started with
    ``--jinja``), so it is the safest default where we cannot tell the server apart.
    """
    explicit = {
        "tools": instructor.Mode.TOOLS,
        "json_schema": instructor.Mode.JSON_SCHEMA,
        "md_json": instructor.Mode.MD_JSON,
    }
    if settings.mode != "auto":
        return explicit[settings.mode]
    if settings.uses_embedded:
        return instructor.Mode.JSON_SCHEMA
    url = (settings.base_url or OPENAI_URL).lower()
    return instructor.Mode.TOOLS if "api.openai.com" in url else instructor.Mode.JSON_SCHEMA


class Relay(Protocol):
    """Sends requests from another process (``relay.RequestWorker``)."""

    @property
    def usable(self) -> bool: ...

    async def post(self, raw: openai.AsyncOpenAI, body: bytes) -> bytes:
        """What ``post_completion(raw, body)`` gives, or the same errors."""


@functools.lru_cache(maxsize=64)
def _response_schema(response_model: type) -> type:
    """``response_model`` as instructor sends it (``instructor.response_schema``, its public
    wrapper), made once per model class: instructor's own ``create`` remakes it on every call."""
    return instructor.response_schema(response_model)


_PREPARED_CACHE = (
    16  # response models whose prepared request is kept (quote models are per article)
)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class OpenAICompatible:
    """Any OpenAI-compatible chat-completions endpoint (the ``Provider`` the engine uses): sends
    one request's messages and returns the validated ``ExtractedSummary``.

    ``gate`` (optional) is awaited before every HTTP request; ``token_budget`` (optional) caps
    the tokens one article may spend over all its attempts, re-asks and transport retries.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Sleep | None = None,
        gate: RequestGate | None = None,
        token_budget: int | None = None,
    ):
        self.settings = settings
        self.gate = gate
        self.token_budget = token_budget
        self._sleep = sleep
        self._raw: openai.AsyncOpenAI | None = None
        # Set by the batch engine for a batch's duration: requests go out through it while it
        # is usable (see runtime/request_worker.py); in-process otherwise.
        self.relay: Relay | None = None
        self.responses = 0  # HTTP responses received, errors included: the endpoint is reachable
        self._response_hooks: list[Callable[[Any], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.model = settings.model or DEFAULT_REMOTE_MODEL
        self.mode = choose_mode(settings)
        self._handlers = mode_registry.get_handlers(InstructorProvider.OPENAI, self.mode)
        # response model -> (model to parse with, request without messages, its JSON body part)
        self._prepared: OrderedDict[type, tuple[Any, dict[str, Any], bytes]] = OrderedDict()

    def _connect(self) -> openai.AsyncOpenAI:
        loop = _running_loop()
        if self._raw is not None and self._loop is loop:
            return self._raw
        # A client's connections belong to the loop that opened them; a batch abandoned
        # mid-way (its loop closed before ``aclose``) must not poison the next one.
        self._loop = loop
        model = self.model
        base_url, api_key = self._endpoint()
        if self.model != model:
            self._prepared.clear()  # the model name is part of each prepared request
        self._raw = new_client(base_url, api_key, self.settings.timeout)
        return self._raw

    def _endpoint(self) -> tuple[str | None, str | None]:
        """(base URL, API key) requests go to; may settle ``self.model``."""
        return self.settings.base_url, self.settings.api_key

    @property
    def mode_name(self) -> str:
        return self.mode.value

    def add_response_hook(self, hook: Callable[[Any], None]) -> None:
        """Call ``hook(raw_completion)`` for every response, re-asks included (benchmarks read
        llama.cpp's timings this way)."""
        self._response_hooks.append(hook)

    async def aclose(self) -> None:
        """Close the HTTP client. Its connections belong to the event loop that opened them,
        so each batch (each ``asyncio.run``) gets a fresh client."""
        raw, self._raw = self._raw, None
        if raw is not None:
            await raw.close()

    def _request_options(self) -> dict[str, Any]:
        return {"temperature": self.settings.temperature, "max_tokens": self.settings.max_tokens}

    # -- one request ------------------------------------------------------------------------

    def request_body(self, messages: list[dict[str, str]], response_model: type) -> bytes:
        """The JSON body ``extract`` would send first for these messages: what a Batch API
        request line carries (``runtime/batch_jobs.py``), byte for byte."""
        _, request = self._prepare(response_model, messages)
        return self._body(response_model, request)

    def prepare(self, response_model: type) -> None:
        """Work out the request for ``response_model`` now rather than at the first article
        (~5 ms: its JSON schema). The batch engine does it before it forks its request worker:
        right after a fork every page this process writes is copied first, which doubles it."""
        self._prepare(response_model, [])

    def _prepare(self, response_model: type, messages: list[dict[str, str]]) -> tuple[Any, dict]:
        """What instructor's ``create`` would send: (model to parse with, request kwargs)."""
        hit = self._prepared.get(response_model)
        if hit is not None:
            self._prepared.move_to_end(response_model)
            return hit[0], {**hit[1], "messages": list(messages)}
        kwargs = {"model": self.model, "messages": list(messages), **self._request_options()}
        handlers = self._handlers
        parse_model, request = handlers.request_handler(
            response_model=_response_schema(response_model), kwargs=kwargs
        )
        request.pop("autodetect_images", None)
        if handlers.message_converter and "messages" in request:
            request["messages"] = handlers.message_converter(
                request["messages"], autodetect_images=False
            )
        if request.get("messages") == messages:  # the mode leaves messages alone: reusable
            static = {k: v for k, v in request.items() if k != "messages"}
            self._prepared[response_model] = (parse_model, static, _static_json(static))
            if len(self._prepared) > _PREPARED_CACHE:
                self._prepared.popitem(last=False)
        return parse_model, request

    def _body(self, response_model: type, request: dict[str, Any]) -> bytes:
        """The JSON body openai's ``create(**request)`` would send (extra_body merged in), as
        compact UTF-8 JSON (pydantic-core's encoder: 4x faster than ``json.dumps`` on an
        article's messages)."""
        hit = self._prepared.get(response_model)
        if hit is not None and len(request) == len(hit[1]) + 1:
            return b'{"messages":' + to_json(request["messages"]) + hit[2] + b"}"
        body = {k: v for k, v in request.items() if k != "extra_body"}
        body.update(request.get("extra_body") or {})
        return to_json(body)

    async def _post(self, raw: openai.AsyncOpenAI, body: bytes, meter: _Meter) -> dict[str, Any]:
        gate = self.gate
        charge = len(body) // 4 + self.settings.max_tokens
        if gate is not None:
            await gate.acquire(charge, meter)
        meter.attempts += 1
        used: int | None = None
        status: int | None = None
        hinted: float | None = None
        try:
            relay = self.relay
            if relay is not None and relay.usable:
                content = await relay.post(raw, body)
            else:
                content = await post_completion(raw, body)
            self.responses += 1
            data = completion_json(content)
            usage = data.get("usage") or {}
            meter.prompt_tokens += usage.get("prompt_tokens") or 0
            meter.completion_tokens += usage.get("completion_tokens") or 0
            used = (usage.get("prompt_tokens") or 0) + (usage.get("completion_tokens") or 0)
        except openai.APIStatusError as exc:
            self.responses += 1
            status, hinted = exc.status_code, retry_after_seconds(exc)
            raise
        finally:
            if gate is not None:
                gate.release(charge, used, status, hinted, meter)
        if self._response_hooks:
            completion = ChatCompletion.construct(**data)
            for hook in self._response_hooks:
                hook(completion)
        return data

    async def _ask(
        self,
        raw: openai.AsyncOpenAI,
        messages: list[dict[str, str]],
        response_model: type,
        meter: _Meter,
        check: Check | None = None,
        answered: dict[str, Any] | None = None,
    ) -> ExtractedSummary:
        """One transport attempt: a request, then up to ``reasks`` re-asks while the answer is
        not valid JSON or breaks the schema (instructor's loop, with instructor's handlers), and
        one more, with the reason, when ``check`` finds fault with a valid answer (a summary that
        copies the headline). A valid answer that still fails its check is returned: the caller
        marks it, it does not fail the request. ``answered``: the first request's answer is
        already here (a Batch API output line); only the re-asks are sent."""
        handlers = self._handlers
        parse_model, request = self._prepare(response_model, messages)
        budget = self.token_budget
        attempts = max(0, self.settings.reasks) + 1
        checked = check is None
        n = 0
        while True:
            n += 1
            if answered is not None and n == 1:
                data = answered
            else:
                data = await self._post(raw, self._body(response_model, request), meter)
            try:
                parsed = handlers.response_parser(
                    response=_Attrs(data),
                    response_model=parse_model,
                    validation_context=None,
                    strict=True,
                    stream=False,
                    is_async=True,
                )
                problem = None if checked else check(parsed)  # type: ignore[misc]
                checked = True
                if problem is None or (budget is not None and meter.total >= budget):
                    return parsed
                request = handlers.reask_handler(
                    kwargs={**request, "messages": list(request["messages"])},
                    response=ChatCompletion.construct(**data),
                    exception=ValueError(problem),
                )
                n -= 1  # the check's one re-ask is not one of the validation re-asks
                continue
            except IncompleteOutputException:
                raise
            except PARSE_ERRORS as exc:
                if budget is not None and meter.total >= budget:
                    raise BudgetExceeded(meter.total, meter.attempts, budget) from exc
                if n >= attempts:
                    raise InstructorRetryException(
                        str(exc),
                        n_attempts=n,
                        total_usage=meter.total,
                        messages=request["messages"],
                    ) from exc
                completion = ChatCompletion.construct(**data)
                request = handlers.reask_handler(
                    kwargs={**request, "messages": list(request["messages"])},
                    response=completion,
                    exception=exc,
                )

    async def extract(
        self,
        messages: list[dict[str, str]],
        response_model: type[ExtractedSummary] = ExtractedSummary,
        check: Check | None = None,
        *,
        answered: dict[str, Any] | None = None,
    ) -> Extraction:
        """The validated answer, or ``LLMError``. ``answered``: a chat completion already
        received for these messages (a Batch API output line, its tokens counted here): it is
        parsed and checked as a first answer would be, and re-asked online with the error."""
        raw = self._connect()
        meter = _Meter()
        if answered is not None:
            usage = answered.get("usage") or {}
            meter.prompt_tokens = usage.get("prompt_tokens") or 0
            meter.completion_tokens = usage.get("completion_tokens") or 0
            meter.attempts = 1
        started = time.monotonic()
        budget = self.token_budget

        def retryable(exc: BaseException) -> bool:
            return is_transient(exc) and not (budget is not None and meter.total >= budget)

        try:
            # The first attempt runs bare: most requests succeed at once, and building the
            # retry machinery for each of them costs more CPU than the rest of the LLM layer.
            try:
                result = await self._ask(raw, messages, response_model, meter, check, answered)
            except Exception as first:
                if not retryable(first):
                    raise
                result = await self._retry(
                    raw, messages, response_model, meter, first, retryable, check, answered
                )
            return Extraction(result, meter.usage(started), self.model)
        except Exception as exc:  # every failure leaves here as one LLMError with a reason
            reason, fatal = describe_error(exc, self.settings)
            root = root_error(exc)
            unreachable = isinstance(root, openai.APIConnectionError) and (
                not isinstance(root, openai.APITimeoutError) or connect_timed_out(root)
            )
            usage = meter.usage(started)
            cut_off = isinstance(exc, IncompleteOutputException)
            raise LLMError(
                reason, usage, fatal=fatal, unreachable=unreachable, cut_off=cut_off
            ) from exc

    async def _retry(
        self,
        raw: openai.AsyncOpenAI,
        messages: list[dict[str, str]],
        response_model: type,
        meter: _Meter,
        first: BaseException,
        retryable: Callable[[BaseException], bool],
        check: Check | None = None,
        answered: dict[str, Any] | None = None,
    ) -> ExtractedSummary:
        """Attempts 2.. under tenacity, after ``first`` failed attempt 1 with a transient error:
        tenacity sees that failure as its own first attempt (same waits, Retry-After, logs)."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, self.settings.transport_attempts)),
            wait=TransportWait(),
            retry=retry_if_exception(retryable),
            reraise=True,
            before_sleep=self._log_retry(meter, self.settings),
            **({"sleep": self._sleep} if self._sleep else {}),
        )
        failed: list[BaseException] = [first]
        async for attempt in retrying:
            with attempt:
                if failed:
                    raise failed.pop()
                return await self._ask(raw, messages, response_model, meter, check, answered)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _log_retry(meter: _Meter, settings: Settings) -> Callable[[RetryCallState], None]:
        def before_sleep(state: RetryCallState) -> None:
            wait = state.next_action.sleep if state.next_action else 0.0
            meter.waits.append(wait)
            exc = state.outcome.exception() if state.outcome else None
            # (openai's own text for a connection error is just "Connection error.")
            why = describe_error(exc, settings)[0] if exc else "?"
            log.warning("transport retry in %.1fs after: %s", wait, why)

        return before_sleep


def _static_json(static: dict[str, Any]) -> bytes:
    """``,"k":v,...`` for the request fields other than messages, extra_body merged in."""
    body = {k: v for k, v in static.items() if k != "extra_body"}
    body.update(static.get("extra_body") or {})
    text = to_json(body)
    return b"" if text == b"{}" else b"," + text[1:-1]
