"""HTTP under the openai client: the client we build, one chat-completions POST with a ready
body, and how a failed request is classified (transient or not, Retry-After, a one-line
reason). Shared by the in-process path and the request worker process."""

from __future__ import annotations

import email.utils
import functools
import os
import ssl
import time
from typing import Any

import httpx2
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic_core import from_json
from tenacity import RetryCallState
from tenacity.wait import wait_exponential_jitter

from summarizer.config import OPENAI_URL, Settings, environment
from summarizer.providers.base import BudgetExceeded

MAX_RETRY_AFTER_S = 300.0  # a server asking for longer than this is treated as a failure


class RelayedError(Exception):
    """An error the request worker reported (``runtime/request_worker.py``); its text starts with
    the original exception's type name."""


def root_error(exc: BaseException) -> BaseException:
    """instructor wraps transport errors in InstructorRetryException; look through it."""
    if isinstance(exc, InstructorRetryException) and isinstance(exc.__cause__, openai.APIError):
        return exc.__cause__
    return exc


def is_transient(exc: BaseException) -> bool:
    root = root_error(exc)
    if isinstance(root, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(root, openai.APIStatusError):
        return root.status_code in (408, 409, 429) or root.status_code >= 500
    return False


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's Retry-After (seconds or HTTP date; also OpenAI's retry-after-ms), if any."""
    root = root_error(exc)
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


class TransportWait:
    """Retry-After when the server gives one, else exponential backoff with jitter."""

    def __init__(self) -> None:
        self._backoff = wait_exponential_jitter(initial=1, max=30)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(exc) if exc else None
        return min(hinted, MAX_RETRY_AFTER_S) if hinted is not None else self._backoff(state)


def describe_error(exc: BaseException, settings: Settings) -> tuple[str, bool]:
    """(one-line reason, fatal) for a request that failed for good."""
    root = root_error(exc)
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


class NotACompletion(ValueError):
    """A 200 whose body is not a JSON object (a proxy's HTML page, a truncated body...)."""


def completion_json(content: bytes) -> dict[str, Any]:
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
