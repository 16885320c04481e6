"""The ledger a Dask worker's task writes to: in memory, handed back to the driver.

On a distributed run (``runtime/distributed.py``) only the driver writes the SQLite ledger, so
that each result is committed exactly once whatever the workers do (die, run a task twice). A
worker's engine still needs what it asks a ledger for: answers already paid for (the driver
seeds those of the partition's requests, so they are re-assembled, not asked again), and a place
for its rows and the answers it gets. This is that place: the subset of ``Ledger`` the engine
calls, kept in memory and returned with the task's result, for the driver to commit in one
transaction (``Ledger.record_many``). Each answer is also handed to ``on_answer`` as it comes
(the task streams it to the driver), so a worker that dies has not taken its answers with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from summarizer.store.ledger import CachedAnswer, ItemRow


@dataclass
class PartitionOutcome:
    """What one partition's task hands back: its rows (``seq`` = position in the partition) and
    the answers they were made from (``(key, extraction JSON, log_response fields)``)."""

    rows: list[ItemRow] = field(default_factory=list)
    responses: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


class _NoCheckpoints:
    """No WAL here: the engine's checkpointer has nothing to do."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class PartitionLedger:
    """In-memory stand-in for ``Ledger`` on a worker: ``seeds`` (cache key -> a logged answer
    from the driver's ledger) answer requests; everything written lands in ``outcome``."""

    def __init__(
        self,
        seeds: dict[str, CachedAnswer] | None = None,
        on_answer: Callable[[str, str, dict[str, Any]], None] | None = None,
    ):
        self._answers: dict[str, CachedAnswer] = dict(seeds or {})
        self._on_answer = on_answer
        self.outcome = PartitionOutcome()

    # -- read by the engine --------------------------------------------------------------------

    def states(self, run_id: str) -> dict[int, tuple[str, str | None]]:
        return {}  # resuming is the driver's business: it sends only what is left to do

    def cached(self, key: str) -> CachedAnswer | None:
        return self._answers.get(key)

    def response(self, key: str) -> CachedAnswer | None:
        return self._answers.get(key)

    def checkpointer(self) -> _NoCheckpoints:
        return _NoCheckpoints()

    # -- written by the engine -----------------------------------------------------------------

    def log_response_soon(self, key: str, extraction: str, **fields: Any) -> asyncio.Future:
        self.outcome.responses.append((key, extraction, fields))
        self._answers[key] = logged_answer(extraction, fields)
        if self._on_answer is not None:
            self._on_answer(key, extraction, fields)
        return _done(1)

    async def arecord(self, run_id: str, row: ItemRow) -> bool:
        self.outcome.rows.append(row)
        return True


def logged_answer(extraction: str, fields: dict[str, Any]) -> CachedAnswer:
    """A logged answer as the ledger would read it back: ``fields`` as for ``log_response``."""
    return CachedAnswer(
        None,
        None,
        None,
        extraction,
        fields.get("model"),
        run_id=fields.get("run_id"),
        seq=fields.get("seq"),
        prompt_tokens=fields.get("prompt_tokens", 0),
        completion_tokens=fields.get("completion_tokens", 0),
        attempts=fields.get("attempts", 0),
        latency_s=fields.get("latency_s", 0.0),
    )


def _done(value: object) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future
