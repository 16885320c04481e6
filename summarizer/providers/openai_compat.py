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
import email.utils
import functools
import json
import logging
import os
import ssl
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx2
import instructor
import openai
from instructor.core import (
    AsyncValidationError,
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from instructor.v2 import Provider, mode_registry
from openai.types.chat import ChatCompletion
from pydantic import ValidationError
from pydantic_core import from_json, to_json
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from summarizer.config import DEFAULT_REMOTE_MODEL, OPENAI_URL, Settings, environment
from summarizer.types.extraction import ExtractedSummary
from summarizer.types.records import Usage

log = logging.getLogger("summarizer.providers.openai_compat")

# Answers worth a re-ask with the error: not JSON, or JSON that breaks the schema (the errors
# instructor's own retry loop re-asks on, named through its public exception types).
PARSE_ERRORS = (ValidationError, json.JSONDecodeError, ResponseParsingError, AsyncValidationError)

MAX_RETRY_AFTER_S = 300.0  # a server asking for longer than this is treated as a failure

Sleep = Callable[[float], Awaitable[None]]


class RequestGate(Protocol):
    """What the batch engine's rate limiter offers the LLM layer (see ``engine.Throttle``)."""

    async def acquire(self, tokens: int, owner: object) -> None:
        """Wait until one more request of about ``tokens`` tokens may be sent."""

    def release(
        self,
        tokens: int,
        used: int | None,
        status: int | None,
        retry_after: float | None,
        owner: object,
    ) -> None:
        """The request ended: ``used`` tokens (None if unknown), HTTP ``status`` of an error
        response (None on success or without a response), the server's Retry-After."""


class BudgetExceeded(Exception):
    """The article's token budget is spent: no more re-asks or retries for it."""

    def __init__(self, used: int, attempts: int, budget: int):
        super().__init__(
            f"token budget exhausted: {used:,} tokens over {attempts} request(s) "
            f"(budget {budget:,})"
        )


class LLMError(Exception):
    """A request that failed for good. ``reason`` is one line, fit for a table and a log."""

    def __init__(
        self,
        reason: str,
        usage: Usage | None = None,
        *,
        fatal: bool = False,
        unreachable: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.usage = usage or Usage()
        # Fatal: no later request can succeed either (bad key, unknown model).
        self.fatal = fatal
        # No connection could be made at all, on the last attempt (refused, no route, no such
        # host, none within the connect timeout): not a slow answer, not an HTTP error. (A
        # request worker that died on that attempt reads the same; earlier attempts are
        # retried in-process.)
        self.unreachable = unreachable


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


def _root(exc: BaseException) -> BaseException:
    """instructor wraps transport errors in InstructorRetryException; look through it."""
    if isinstance(exc, InstructorRetryException) and isinstance(exc.__cause__, openai.APIError):
        return exc.__cause__
    return exc


def is_transient(exc: BaseException) -> bool:
    root = _root(exc)
    if isinstance(root, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(root, openai.APIStatusError):
        return root.status_code in (408, 409, 429) or root.status_code >= 500
    return False


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's Retry-After (seconds or HTTP date; also OpenAI's retry-after-ms), if any."""
    root = _root(exc)
    response = getattr(root, "response", None)
    if response is None:
        return None
    headers = response.headers
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None


class _TransportWait:
    """Retry-After when the server gives one, else exponential backoff with jitter."""

    def __init__(self) -> None:
        self._backoff = wait_exponential_jitter(initial=1, max=30)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(exc) if exc else None
        return min(hinted, MAX_RETRY_AFTER_S) if hinted is not None else self._backoff(state)


def describe_error(exc: BaseException, settings: Settings) -> tuple[str, bool]:
    """(one-line reason, fatal) for a request that failed for good."""
    root = _root(exc)
    where = settings.endpoint_label
    if isinstance(exc, IncompleteOutputException):
        return f"model output cut off at max_tokens={settings.max_tokens}", False
    if isinstance(exc, BudgetExceeded):
        return str(exc), False
    if isinstance(root, openai.APITimeoutError):
        if connect_timed_out(root):
            waited = connect_timeout(settings.timeout)
            return f"cannot connect to {where}: no connection within {waited:g}s", False
        return f"request to {where} timed out after {settings.timeout:g}s", False
    if isinstance(root, openai.APIConnectionError):
        cause = root.__cause__
        if isinstance(cause, RelayedError):  # already "Type: message"
            detail = f": {cause}"
        else:
            detail = f": {type(cause).__name__}: {cause}" if cause else ""
        return f"cannot connect to {where}{detail}", False
    if isinstance(root, openai.APIStatusError):
        message = _status_message(root)
        fatal = root.status_code in (401, 403, 404)
        hint = " (check OPENAI_API_KEY)" if root.status_code in (401, 403) else ""
        if settings.uses_embedded and "exceeds the available context size" in message:
            # llama.cpp says "try increasing it": the embedded model's context is fixed.
            message = message.split(", try increasing it")[0] + (
                "; the article is too long for the embedded model: use an endpoint with a "
                "longer context (--base-url, --model)"
            )
        return f"HTTP {root.status_code} from {where}{hint}: {message}", fatal
    if isinstance(exc, InstructorRetryException):
        first = str(exc.__cause__ or exc).strip().splitlines()
        detail = " ".join(first[:3])[:300]
        return f"model output invalid after {exc.n_attempts} attempt(s): {detail}", False
    return f"{type(exc).__name__}: {exc}"[:300], False


def connect_timed_out(exc: openai.APITimeoutError) -> bool:
    """Whether the time ran out before a connection was made (not while waiting for an answer)."""
    return isinstance(exc.__cause__, httpx2.ConnectTimeout)


def _status_message(err: openai.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
    return str(err.message)[:200]


@dataclass
class Extraction:
    summary: ExtractedSummary
    usage: Usage
    model: str


def _proxy_configured() -> bool:
    return any(
        os.environ.get(name)
        for name in (
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
        )
    )


def http_client(choice: str | None = None) -> httpx2.AsyncClient | None:
    """The HTTP client under the openai client: aiohttp's (openai's ``DefaultAioHttpClient``) when
    available, since it costs a third of the CPU per request of the default httpx2 pool at high
    concurrency; the default otherwise, and whenever a proxy is configured in the environment
    (aiohttp ignores those variables). ``SUMMARIZER_HTTP=httpx|aiohttp`` forces one."""
    choice = (choice or environment().http or "auto").lower()
    if choice == "httpx" or (choice == "auto" and _proxy_configured()):
        return None
    try:
        return openai.DefaultAioHttpClient(
            limits=httpx2.Limits(max_connections=1000, max_keepalive_connections=1000),
            verify=_tls_context(),
        )
    except RuntimeError:  # aiohttp not installed
        if choice == "aiohttp":
            raise
        return None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx2's default TLS context (certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR as set
    when first made), made once per process and shared by every client: making one costs ~50 ms
    of CPU, and every batch, every single ``summarize`` call included, opens a new client."""
    return httpx2.create_ssl_context()


# A connection not made within this is not coming (a host that is down, or a firewall dropping
# packets): without it, each attempt would wait the whole request timeout (600 s by default).
CONNECT_TIMEOUT_S = 10.0


def connect_timeout(timeout: float) -> float:
    """Seconds a request may wait for its connection, under a request timeout of ``timeout``."""
    return min(timeout, CONNECT_TIMEOUT_S)


def new_client(base_url: str | None, api_key: str | None, timeout: float) -> openai.AsyncOpenAI:
    """The openai client every request goes through (in this process or the request worker)."""
    return openai.AsyncOpenAI(
        api_key=api_key or "not-needed",
        # Never None: given None the client reads OPENAI_BASE_URL itself, past our settings'
        # checks (a blank value there would become the URL).
        base_url=base_url or OPENAI_URL,
        max_retries=0,  # transport retries are ours, see module docstring
        timeout=httpx2.Timeout(timeout, connect=connect_timeout(timeout)),
        http_client=http_client(),
    )


async def post_completion(raw: openai.AsyncOpenAI, body: bytes) -> bytes:
    """One chat completion request with a ready JSON body; the response body. Raises the
    openai client's errors (``APIStatusError``, ``APITimeoutError``, ``APIConnectionError``)."""
    try:
        response = await raw.post(
            "/chat/completions",
            cast_to=httpx2.Response,
            content=body,
            options={"headers": {"Content-Type": "application/json"}},
        )
    except openai.APITimeoutError as exc:
        failure = _not_a_timeout(exc)
        if failure is None:
            raise
        raise openai.APIConnectionError(request=exc.request) from failure
    return response.content


def _not_a_timeout(exc: BaseException) -> OSError | None:
    """The connection failure under a "timeout" that was none. openai's aiohttp transport maps
    every aiohttp connection error, a refused connection included, to a connect *timeout*; the
    OSError it came from (not itself a TimeoutError) says what happened."""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, OSError) and not isinstance(cause, TimeoutError):
            return cause
        cause = cause.__cause__
    return None


class RelayedError(Exception):
    """An error the request worker reported (``relay.py``); its text starts with the original
    exception's type name."""


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


class Extractor:
    """Sends one article's messages and returns the validated ``ExtractedSummary``.

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
        # is usable (see relay.py); in-process otherwise.
        self.relay: Relay | None = None
        self.responses = 0  # HTTP responses received, errors included: the endpoint is reachable
        self._response_hooks: list[Callable[[Any], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.model = settings.model or DEFAULT_REMOTE_MODEL
        self.mode = choose_mode(settings)
        self._handlers = mode_registry.get_handlers(Provider.OPENAI, self.mode)
        # response model -> (model to parse with, request without messages, its JSON body part)
        self._prepared: OrderedDict[type, tuple[Any, dict[str, Any], bytes]] = OrderedDict()

    def _connect(self) -> openai.AsyncOpenAI:
        loop = _running_loop()
        if self._raw is not None and self._loop is loop:
            return self._raw
        # A client's connections belong to the loop that opened them; a batch abandoned
        # mid-way (its loop closed before ``aclose``) must not poison the next one.
        self._loop = loop
        settings = self.settings
        base_url, api_key = settings.base_url, settings.api_key
        model = self.model
        if settings.uses_embedded:
            from summarizer.providers import embedded as local_model

            if settings.embedded_url:
                base_url = settings.embedded_url
                self.model = local_model.embedded_model_name(
                    settings.model_path, settings.embedded_model
                )
            else:
                model_file, self.model = local_model.resolve_model_file(
                    settings.model_path, settings.embedded_model
                )
                base_url = local_model.embedded_base_url(model_file)
            api_key = "embedded"
        if self.model != model:
            self._prepared.clear()  # the model name is part of each prepared request
        self._raw = new_client(base_url, api_key, settings.timeout)
        return self._raw

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
        options: dict[str, Any] = {
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
        }
        if self.settings.uses_embedded:
            # llama.cpp: reusing the cached system prompt saves ~15 s of prompt processing per
            # article on 2 cores. The price: an answer may differ slightly with what was decoded
            # before it (batch-size float noise); the run ledger, not the model, gives
            # repeatability. Pin what differs between runtimes' defaults.
            options["seed"] = self.settings.seed
            options["extra_body"] = {"cache_prompt": True, "repeat_penalty": 1.0}
        return options

    # -- one request ------------------------------------------------------------------------

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
            data = _completion_json(content)
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
    ) -> ExtractedSummary:
        """One transport attempt: a request, then up to ``reasks`` re-asks while the answer is
        not valid JSON or breaks the schema (instructor's loop, with instructor's handlers)."""
        handlers = self._handlers
        parse_model, request = self._prepare(response_model, messages)
        budget = self.token_budget
        attempts = max(0, self.settings.reasks) + 1
        for n in range(1, attempts + 1):
            data = await self._post(raw, self._body(response_model, request), meter)
            try:
                return handlers.response_parser(
                    response=_Attrs(data),
                    response_model=parse_model,
                    validation_context=None,
                    strict=True,
                    stream=False,
                    is_async=True,
                )
            except IncompleteOutputException:
                raise
            except PARSE_ERRORS as exc:
                if budget is not None and meter.total >= budget:
                    raise BudgetExceeded(meter.total, meter.attempts, budget) from exc
                if n == attempts:
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
        raise AssertionError("unreachable")  # pragma: no cover

    async def extract(
        self,
        messages: list[dict[str, str]],
        response_model: type[ExtractedSummary] = ExtractedSummary,
    ) -> Extraction:
        raw = self._connect()
        meter = _Meter()
        started = time.monotonic()
        budget = self.token_budget

        def retryable(exc: BaseException) -> bool:
            return is_transient(exc) and not (budget is not None and meter.total >= budget)

        try:
            # The first attempt runs bare: most requests succeed at once, and building the
            # retry machinery for each of them costs more CPU than the rest of the LLM layer.
            try:
                result = await self._ask(raw, messages, response_model, meter)
            except Exception as first:
                if not retryable(first):
                    raise
                result = await self._retry(raw, messages, response_model, meter, first, retryable)
            return Extraction(result, meter.usage(started), self.model)
        except Exception as exc:  # every failure leaves here as one LLMError with a reason
            reason, fatal = describe_error(exc, self.settings)
            root = _root(exc)
            unreachable = isinstance(root, openai.APIConnectionError) and (
                not isinstance(root, openai.APITimeoutError) or connect_timed_out(root)
            )
            usage = meter.usage(started)
            raise LLMError(reason, usage, fatal=fatal, unreachable=unreachable) from exc

    async def _retry(
        self,
        raw: openai.AsyncOpenAI,
        messages: list[dict[str, str]],
        response_model: type,
        meter: _Meter,
        first: BaseException,
        retryable: Callable[[BaseException], bool],
    ) -> ExtractedSummary:
        """Attempts 2.. under tenacity, after ``first`` failed attempt 1 with a transient error:
        tenacity sees that failure as its own first attempt (same waits, Retry-After, logs)."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, self.settings.transport_attempts)),
            wait=_TransportWait(),
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
                return await self._ask(raw, messages, response_model, meter)
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


class NotACompletion(ValueError):
    """A 200 whose body is not a JSON object (a proxy's HTML page, a truncated body...)."""


def _completion_json(content: bytes) -> dict[str, Any]:
    """A chat completion's body, decoded (pydantic-core's decoder: ~2.5x ``json.loads``)."""
    try:
        data = from_json(content)
    except ValueError as exc:
        data, problem = None, str(exc)
    else:
        problem = f"a JSON {type(data).__name__}, not an object"
    if not isinstance(data, dict):
        raise NotACompletion(
            f"the endpoint's answer is not a chat completion ({problem}): {content[:80]!r}"
        )
    return data


def _static_json(static: dict[str, Any]) -> bytes:
    """``,"k":v,...`` for the request fields other than messages, extra_body merged in."""
    body = {k: v for k, v in static.items() if k != "extra_body"}
    body.update(static.get("extra_body") or {})
    text = to_json(body)
    return b"" if text == b"{}" else b"," + text[1:-1]
