"""The OpenAI Batch API (any compatible ``/v1/files`` + ``/v1/batches`` endpoint), through the
openai client's public API: request lines in, a job's status and its output and error lines out.

A request line is ``{"custom_id", "method", "url", "body"}`` where ``body`` is exactly what the
online path posts (``OpenAICompatible.request_body``); ``custom_id`` is the request's cache key.
Output lines come in any order and are matched back by ``custom_id`` alone.

``batches.create`` is never retried blindly: a create whose answer was lost (a timeout, a
dropped connection, a process killed while waiting) may have made the batch all the same, so the
caller first asks ``find`` for a batch on the same input file (``runtime/batch_jobs.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import openai
from pydantic_core import to_json

from summarizer.config import OPENAI_URL, Settings

ENDPOINT = "/v1/chat/completions"
# Attempts of the read-only requests (status, file contents, listing), by the openai client's own
# retries: they can be repeated freely. Uploads and creates are not retried by the client.
READ_RETRIES = 4
# Batches looked through for one made on a given input file (``find``).
FIND_DEPTH = 1000


def request_line(custom_id: str, body: bytes) -> bytes:
    """One line of a batch input file, newline included."""
    return (
        b'{"custom_id":'
        + to_json(custom_id)
        + b',"method":"POST","url":"'
        + ENDPOINT.encode()
        + b'","body":'
        + body
        + b"}\n"
    )


@dataclass(frozen=True)
class ResultLine:
    """One line of a job's output or error file: the completion on success, else the reason."""

    custom_id: str
    completion: dict[str, Any] | None
    error: str | None


def parse_results(content: bytes) -> list[ResultLine]:
    """The lines of an output or error file (the same shape: ``response`` and/or ``error``)."""
    lines = []
    for raw in content.splitlines():
        if not raw.strip():
            continue
        item = json.loads(raw)
        custom_id = item.get("custom_id")
        if not isinstance(custom_id, str):
            continue  # nothing to match it to
        response = item.get("response") or {}
        error = item.get("error")
        status = response.get("status_code")
        body = response.get("body")
        if not error and status == 200 and isinstance(body, dict):
            lines.append(ResultLine(custom_id, body, None))
            continue
        lines.append(ResultLine(custom_id, None, _reason(error, status, body)))
    return lines


def _reason(error: Any, status: Any, body: Any) -> str:
    if isinstance(error, dict):
        return f"{error.get('code') or 'error'}: {error.get('message') or ''}".strip(": ")
    inner = body.get("error") if isinstance(body, dict) else None
    message = inner.get("message") if isinstance(inner, dict) else None
    return f"HTTP {status}" + (f": {message}" if message else "")


@dataclass(frozen=True)
class JobStatus:
    """What the provider says of one batch."""

    batch_id: str
    status: str
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None
    errors: str | None  # why a batch failed as a whole (its input file refused)


def _status(batch: Any) -> JobStatus:
    counts = batch.request_counts
    errors = None
    if batch.errors is not None and batch.errors.data:
        errors = "; ".join(f"{e.code}: {e.message}" for e in batch.errors.data[:3])
    return JobStatus(
        batch.id,
        batch.status,
        counts.completed if counts else 0,
        counts.failed if counts else 0,
        batch.output_file_id,
        batch.error_file_id,
        errors,
    )


class BatchEndpoint:
    """Files and batches at the settings' endpoint."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._client: openai.AsyncOpenAI | None = None

    def _connect(self) -> openai.AsyncOpenAI:
        if self._client is None:
            self._client = openai.AsyncOpenAI(
                api_key=self.settings.api_key or "not-needed",
                base_url=self.settings.base_url or OPENAI_URL,
                max_retries=READ_RETRIES,
                timeout=self.settings.timeout,
            )
        return self._client

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def upload(self, name: str, content: bytes) -> str:
        """Upload a batch input file; its file id."""
        client = self._connect().with_options(max_retries=0)
        uploaded = await client.files.create(file=(name, content), purpose="batch")
        return uploaded.id

    async def create(self, file_id: str, metadata: dict[str, str]) -> JobStatus:
        """Start a batch on an uploaded input file (sent once: see the module docstring)."""
        client = self._connect().with_options(max_retries=0)
        batch = await client.batches.create(
            input_file_id=file_id,
            endpoint=ENDPOINT,
            completion_window="24h",
            metadata=metadata,
        )
        return _status(batch)

    async def find(self, file_id: str) -> JobStatus | None:
        """The batch made on this input file, if any. The list is newest first, and the batch
        looked for was made moments before the crash that lost its id, so a few pages do."""
        seen = 0
        async for batch in self._connect().batches.list(limit=100):
            if batch.input_file_id == file_id:
                return _status(batch)
            seen += 1
            if seen >= FIND_DEPTH:
                break
        return None

    async def status(self, batch_id: str) -> JobStatus:
        return _status(await self._connect().batches.retrieve(batch_id))

    async def cancel(self, batch_id: str) -> JobStatus:
        return _status(await self._connect().batches.cancel(batch_id))

    async def content(self, file_id: str) -> bytes:
        response = await self._connect().files.content(file_id)
        return response.content
