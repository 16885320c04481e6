"""One structured LLM call: openai client + instructor, with two separate retry policies.

* Transport retries (ours, tenacity): HTTP 429 (honouring Retry-After), 5xx, timeouts and
  connection errors, with exponential backoff and jitter, ``Settings.transport_attempts`` in all.
  The openai client's own retries are off so that there is exactly one policy to reason about.
* Validation re-asks (instructor): when the answer is not valid JSON or fails the schema, the
  error is sent back to the model, at most ``Settings.reasks`` times.

Usage is counted per request through instructor's hooks, so tokens spent on failed attempts and
re-asks are never lost from the total.
"""

from __future__ import annotations

import contextvars
import email.utils
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from .schema import ExtractedSummary, Usage
from .settings import DEFAULT_REMOTE_MODEL, Settings

log = logging.getLogger("summarizer.llm")

MAX_RETRY_AFTER_S = 300.0  # a server asking for longer than this is treated as a failure

Sleep = Callable[[float], Awaitable[None]]


class LLMError(Exception):
    """A request that failed for good. ``reason`` is one line, fit for a table and a log."""

    def __init__(self, reason: str, usage: Usage | None = None, *, fatal: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.usage = usage or Usage()
        # Fatal: no later request can succeed either (bad key, unknown model).
        self.fatal = fatal


@dataclass
class _Meter:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    waits: list[float] = field(default_factory=list)

    def usage(self, started: float) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            attempts=self.attempts,
            latency_s=round(time.monotonic() - started, 3),
        )


_meter: contextvars.ContextVar[_Meter | None] = contextvars.ContextVar("meter", default=None)


def _on_request(*_args: Any, **_kwargs: Any) -> None:
    if (meter := _meter.get()) is not None:
        meter.attempts += 1


def _on_response(response: Any) -> None:
    meter, usage = _meter.get(), getattr(response, "usage", None)
    if meter is not None and usage is not None:
        meter.prompt_tokens += usage.prompt_tokens or 0
        meter.completion_tokens += usage.completion_tokens or 0


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
    url = (settings.base_url or "https://api.openai.com/v1").lower()
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
    if isinstance(root, openai.APITimeoutError):
        return f"request to {where} timed out after {settings.timeout:g}s", False
    if isinstance(root, openai.APIConnectionError):
        cause = root.__cause__
        detail = f": {type(cause).__name__}: {cause}" if cause else ""
        return f"cannot connect to {where}{detail}", False
    if isinstance(root, openai.APIStatusError):
        message = _status_message(root)
        fatal = root.status_code in (401, 403, 404)
        hint = " (check OPENAI_API_KEY)" if root.status_code in (401, 403) else ""
        return f"HTTP {root.status_code} from {where}{hint}: {message}", fatal
    if isinstance(exc, InstructorRetryException):
        first = str(exc.__cause__ or exc).strip().splitlines()
        detail = " ".join(first[:3])[:300]
        return f"model output invalid after {exc.n_attempts} attempt(s): {detail}", False
    return f"{type(exc).__name__}: {exc}"[:300], False


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


class Extractor:
    """Sends one article's messages and returns the validated ``ExtractedSummary``."""

    def __init__(self, settings: Settings, *, sleep: Sleep | None = None):
        self.settings = settings
        self._sleep = sleep
        self._client: instructor.AsyncInstructor | None = None
        self._raw: openai.AsyncOpenAI | None = None
        self._response_hooks: list[Callable[[Any], None]] = []
        self.model = settings.model or DEFAULT_REMOTE_MODEL
        self.mode = choose_mode(settings)

    def _connect(self) -> instructor.AsyncInstructor:
        if self._client is not None:
            return self._client
        settings = self.settings
        base_url, api_key = settings.base_url, settings.api_key
        if settings.uses_embedded:
            from . import local_model

            if settings.embedded_url:
                base_url = settings.embedded_url
                self.model = local_model.embedded_model_name(settings.model_path, settings.embedded_model)
            else:
                model_file, self.model = local_model.resolve_model_file(
                    settings.model_path, settings.embedded_model
                )
                base_url = local_model.embedded_base_url(model_file)
            api_key = "embedded"
        raw = openai.AsyncOpenAI(
            api_key=api_key or "not-needed",
            base_url=base_url,
            max_retries=0,  # transport retries are ours, see module docstring
            timeout=settings.timeout,
        )
        self._raw = raw
        client = instructor.from_openai(raw, mode=self.mode)
        client.on("completion:kwargs", _on_request)
        client.on("completion:response", _on_response)
        for hook in self._response_hooks:
            client.on("completion:response", hook)
        self._client = client
        return client

    def add_response_hook(self, hook: Callable[[Any], None]) -> None:
        """Call ``hook(raw_completion)`` for every response, re-asks included (benchmarks read
        llama.cpp's timings this way)."""
        self._response_hooks.append(hook)
        if self._client is not None:
            self._client.on("completion:response", hook)

    async def aclose(self) -> None:
        """Close the HTTP client. Its connections belong to the event loop that opened them,
        so each batch (each ``asyncio.run``) gets a fresh client."""
        raw, self._raw, self._client = self._raw, None, None
        if raw is not None:
            await raw.close()

    def _request_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
        }
        if self.settings.uses_embedded:
            # llama.cpp: a reused prompt cache changes the next answer; pin what differs
            # between runtimes so recordings replay the same.
            options["seed"] = self.settings.seed
            options["extra_body"] = {"cache_prompt": False, "repeat_penalty": 1.0}
        return options

    async def extract(
        self,
        messages: list[dict[str, str]],
        response_model: type[ExtractedSummary] = ExtractedSummary,
    ) -> Extraction:
        client = self._connect()
        meter = _Meter()
        token = _meter.set(meter)
        started = time.monotonic()
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, self.settings.transport_attempts)),
            wait=_TransportWait(),
            retry=retry_if_exception(is_transient),
            reraise=True,
            before_sleep=self._log_retry(meter),
            **({"sleep": self._sleep} if self._sleep else {}),
        )
        try:
            async for attempt in retrying:
                with attempt:
                    result = await client.chat.completions.create(
                        model=self.model,
                        response_model=response_model,
                        messages=messages,
                        max_retries=self.settings.reasks,
                        **self._request_options(),
                    )
            return Extraction(result, meter.usage(started), self.model)
        except Exception as exc:  # every failure leaves here as one LLMError with a reason
            reason, fatal = describe_error(exc, self.settings)
            raise LLMError(reason, meter.usage(started), fatal=fatal) from exc
        finally:
            _meter.reset(token)

    @staticmethod
    def _log_retry(meter: _Meter) -> Callable[[RetryCallState], None]:
        def before_sleep(state: RetryCallState) -> None:
            wait = state.next_action.sleep if state.next_action else 0.0
            meter.waits.append(wait)
            exc = state.outcome.exception() if state.outcome else None
            log.warning("transport retry in %.1fs after: %s", wait, _root(exc) if exc else "?")

        return before_sleep
