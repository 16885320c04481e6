"""What every provider offers the engine, and what it raises.

A provider turns one request (chat messages and the response model to fill) into a validated
extraction plus what it cost (``Extraction``), or raises ``LLMError`` with a one-line reason.
The engine never sees HTTP: it awaits ``extract`` behind its throttle (``RequestGate``), and
reads ``model``, ``mode`` and ``responses`` (whether the endpoint has answered at all).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from summarizer.types.extraction import ExtractedSummary
from summarizer.types.records import Usage

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
        cut_off: bool = False,
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
        # The answer stopped at max_tokens (finish_reason "length"): a smaller question (half
        # the text) may fit.
        self.cut_off = cut_off


@dataclass
class Extraction:
    summary: ExtractedSummary
    usage: Usage
    model: str


# A check of a valid answer ("the summary repeats the headline"): the reason, or None. A failed
# check costs one re-ask with the reason; an answer that still fails is returned all the same.
Check = Callable[[Any], "str | None"]


class Provider(Protocol):
    """One endpoint. ``extract`` is called concurrently from one event loop; ``aclose`` ends the
    batch's connections (each batch has its own loop)."""

    model: str  # the model name answers are recorded under
    responses: int  # HTTP responses received so far, errors included: the endpoint is reachable
    gate: RequestGate | None  # awaited before every HTTP request (the engine's throttle)

    @property
    def mode_name(self) -> str:
        """The structured-output mode, as part of the cache key."""

    def prepare(self, response_model: type) -> None:
        """Work out what does not change between requests for ``response_model`` now."""

    async def extract(
        self,
        messages: list[dict[str, str]],
        response_model: type[ExtractedSummary],
        check: Check | None = None,
    ) -> Extraction:
        """The validated answer to one request, or ``LLMError``."""

    async def aclose(self) -> None: ...
