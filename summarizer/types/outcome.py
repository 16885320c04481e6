"""What a batch hands back: one ``Result`` per input, and the batch's live ``BatchStats``.

Plain data, apart from the engine (``runtime/engine.py``), so that what only reads outcomes (the
progress display, writers, the CLI's reports) does not import the HTTP stack.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from summarizer.types.records import ArticleSummary, Failure, Usage


class Result:
    """One input's outcome: exactly one of ``summary`` and ``failure`` is set.

    ``status`` is ``ok``, ``failed``, or ``skipped`` (not attempted, e.g. after a fatal error);
    ``cached`` means no request was sent for it in this batch (served from the ledger, or
    resumed); ``usage`` and ``cost_usd`` are what this batch spent on it.

    ``summary_json`` is the record as one JSON line. A result made from it alone (by an assembly
    worker, or from the ledger) builds ``summary`` on first access: a caller that only writes
    the JSON out never pays for parsing and validating it again.
    """

    __slots__ = (
        "_summary",
        "cached",
        "cost_usd",
        "failure",
        "index",
        "resumed",
        "status",
        "summary_json",
        "usage",
    )

    def __init__(
        self,
        index: int,
        summary: ArticleSummary | None = None,
        failure: Failure | None = None,
        status: str = "",
        cached: bool = False,
        resumed: bool = False,
        usage: Usage | None = None,
        cost_usd: float | None = None,
        summary_json: str | None = None,
    ):
        self.index, self.failure, self.cached, self.resumed = index, failure, cached, resumed
        self.usage, self.cost_usd = usage, cost_usd
        self._summary, self.summary_json = summary, summary_json
        has_summary = summary is not None or summary_json is not None
        self.status = status or ("ok" if has_summary else "failed")

    @property
    def summary(self) -> ArticleSummary | None:
        if self._summary is None and self.summary_json is not None:
            self._summary = ArticleSummary.model_validate_json(self.summary_json)
        return self._summary

    @property
    def ok(self) -> bool:
        return self._summary is not None or self.summary_json is not None

    @property
    def source(self) -> str:
        record = self.failure or self.summary
        return (record.source_path or record.article_id) if record else "?"  # type: ignore[union-attr]

    def __repr__(self) -> str:
        what = f"failure={self.failure!r}" if self.failure else f"summary={self.source!r}"
        return f"Result({self.index}, {what}, status={self.status!r}, cached={self.cached})"


@dataclass
class BatchStats:
    """Live counters of a batch, read by the progress display (from any thread)."""

    started: float = field(default_factory=time.monotonic)
    done: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    cached: int = 0
    resumed: int = 0
    requests: int = 0
    parts: int = 0  # answers to the requests of documents of several (chunks), asked now
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    priced: bool = True  # False once an article's model had no known price
    rate_limited: int = 0
    assembled_in_worker: int = (
        0  # records assembled in a worker process (see runtime/assembly_workers.py)
    )
    assembled_here: int = 0  # ... and in this process
    relayed: int = 0  # requests sent by the request worker process (see runtime/request_worker.py)
    relay_cpu_s: float = 0.0  # that process's CPU time (user + system)

    def add(self, result: Result) -> None:
        self.done += 1
        if result.status == "ok":
            self.ok += 1
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
        self.cached += result.cached and not result.resumed
        self.resumed += result.resumed
        if result.usage is not None:
            self.requests += result.usage.attempts
            self.prompt_tokens += result.usage.prompt_tokens
            self.completion_tokens += result.usage.completion_tokens
            if result.usage.attempts:
                if result.cost_usd is None:
                    self.priced = False
                else:
                    self.cost_usd += result.cost_usd

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
