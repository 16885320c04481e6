"""Provider batch jobs (``--batch-api``): a run's requests answered through the Batch API at the
batch price, before the engine assembles the records.

The runner plans every input as the engine would (``plan.py``), writes each request the ledger
has no answer for as one request line (the exact body the online path would post, ``custom_id``
its cache key), splits the lines at the provider's limits, and submits the jobs: each job and its
lines are in the ledger before its file is uploaded, the file id before the batch is created, the
batch id the moment it is (``store/batches.py``). It then polls the run's jobs until each is
finished and collects it: every output line is parsed and validated as a first online answer
would be (re-asked online with the error when it fails, as today) and logged in ``responses``
under its cache key, with its cost at the batch price. The engine then runs as usual and finds
those answers in the ledger, as it finds cached ones; what is left (follow-up requests such as a
long document's summary, lines that no batch answered) it asks online.

Lines that a job did not answer (an error line, an expired, failed or cancelled job) are
submitted again in a new job (``fallback="batch"``, up to ``rounds`` submissions in all) or left
to the engine to ask online (``fallback="online"``). An answer cut off at max_tokens is not
submitted again: the engine asks its text in halves, as it does online. A line is never
submitted while a job that holds it is unfinished or after it was answered: resuming a run
(``--resume``, or ``summarizer batches --wait``) polls the jobs it already has, and a new run
over the same inputs polls another run's unfinished jobs that hold its lines.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import sqlite3
import tempfile
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import openai
from instructor.core import InstructorRetryException

from summarizer.plan import DocumentTooLong, Planner, Request
from summarizer.pricing import estimate_batch_cost, estimate_cost
from summarizer.providers.base import Extraction, LLMError
from summarizer.providers.openai_batch import (
    BatchEndpoint,
    JobStatus,
    ResultLine,
    parse_results,
    request_line,
)
from summarizer.providers.openai_compat import OpenAICompatible
from summarizer.runtime.batch_options import FALLBACKS, BatchOptions, BatchReport
from summarizer.store.batches import LOCAL, BatchJob, Line, LineOutcome
from summarizer.store.ledger import Ledger
from summarizer.types.article import Article, IngestError

log = logging.getLogger("summarizer.runtime.batch_jobs")

# Errors of a status check or a download worth another try at the next poll (the job goes on at
# the provider whatever happens here).
_PASSING = (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError)


class BatchAPIError(ValueError):
    """The endpoint refused the Batch API itself (no such route, a rejected key): one line."""


def _refusal(exc: openai.APIStatusError, where: str) -> BatchAPIError:
    what = "has no Batch API" if exc.status_code in (404, 405) else "refused the batch request"
    hint = " (check OPENAI_API_KEY)" if exc.status_code in (401, 403) else ""
    return BatchAPIError(f"{where} {what}: HTTP {exc.status_code}{hint}")


Progress = Callable[[list[BatchJob]], None]


@dataclass
class _Wanted:
    index: int
    article: Article
    request: Request


class _Spool:
    """The requests a run plans, by cache key, in a temporary SQLite file rather than in memory
    (a million articles' texts would be gigabytes): written once while planning, read back a
    line at a time to build a request line or to validate its answer."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="summarizer-batch-")
        self._db = sqlite3.connect(Path(self._dir.name) / "spool.sqlite3")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE wanted (key TEXT PRIMARY KEY, body BLOB NOT NULL)")
        self._db.execute("BEGIN")

    def add(self, key: str, wanted: _Wanted) -> None:
        body = pickle.dumps((wanted.index, wanted.article, wanted.request), protocol=5)
        self._db.execute("INSERT OR IGNORE INTO wanted VALUES (?, ?)", (key, body))

    def done(self) -> None:
        """Planning is over: commit (reads may start)."""
        self._db.execute("COMMIT")

    def get(self, key: str) -> _Wanted | None:
        row = self._db.execute("SELECT body FROM wanted WHERE key = ?", (key,)).fetchone()
        return None if row is None else _Wanted(*pickle.loads(row[0]))

    def __contains__(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM wanted WHERE key = ?", (key,)).fetchone() is not None

    def keys(self) -> list[str]:
        return [k for (k,) in self._db.execute("SELECT key FROM wanted ORDER BY rowid")]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


class BatchRunner:
    """The batch phase of one run (see the module docstring)."""

    def __init__(
        self,
        *,
        provider: OpenAICompatible,
        planner: Planner,
        ledger: Ledger,
        run_id: str,
        options: BatchOptions,
        endpoint: BatchEndpoint,
        progress: Progress | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.provider = provider
        self.planner = planner
        self.ledger = ledger
        self.book = ledger.batches
        self.run_id = run_id
        self.options = options
        self.endpoint = endpoint
        self.progress = progress
        self.sleep = sleep
        self._wanted = _Spool()
        self._keys: list[str] = []  # every request planned, once the phase is over
        # Unfinished jobs of other runs holding lines this run wants (a run killed, then
        # started again instead of resumed): polled and collected here, not paid for again.
        self._foreign: set[int] = set()
        self._not_ours: set[int] = set()  # other runs' jobs holding inputs this run lacks

    # -- the phase -----------------------------------------------------------------------------

    async def run(
        self,
        items: Iterable[Article | IngestError],
        *,
        submit: bool = True,
        retry_failed: bool = False,
    ) -> None:
        """Submit what the ledger lacks (unless ``submit`` is False: only finish the run's jobs),
        then poll and collect until every job of the run is collected. Inputs the run has
        finished are left out, as the engine leaves them: ``ok`` ones, and ``failed`` ones unless
        ``retry_failed``."""
        try:
            await self._run(items, submit, retry_failed)
        finally:
            self._keys = self._wanted.keys()  # for ``report``
            self._wanted.close()

    async def _run(
        self, items: Iterable[Article | IngestError], submit: bool, retry_failed: bool
    ) -> None:
        self._plan(items, retry_failed)
        if submit:
            await self._submit_or_say([k for k in self._wanted if self._needs(k)])
        while True:
            jobs = self.book.jobs(self.run_id, uncollected=True) + self._adopted()
            if not jobs:
                break
            retry: list[str] = []
            for job in jobs:
                try:
                    retry += await self._advance(job)
                except _PASSING as exc:
                    log.warning("batch job %d: %s; checked again at the next poll", job.id, exc)
                except openai.APIStatusError as exc:
                    raise _refusal(exc, self.provider.settings.endpoint_label) from None
            await self._submit_or_say([k for k in dict.fromkeys(retry) if self._needs(k)])
            if self.progress is not None:
                self.progress(self.book.jobs(self.run_id))
            if self.book.jobs(self.run_id, uncollected=True) or self._adopted():
                await self.sleep(self.options.poll_s)

    def report(self) -> BatchReport:
        """The run's batch figures, from the ledger."""
        jobs = self.book.jobs(self.run_id)
        report = BatchReport(jobs=len(jobs))
        report.submitted, report.distinct = self.book.submissions(self.run_id)
        costs: list[float | None] = []
        online: list[float | None] = []
        for job in jobs:
            report.statuses[job.status] = report.statuses.get(job.status, 0) + 1
            report.prompt_tokens += job.prompt_tokens
            report.completion_tokens += job.completion_tokens
            if job.collected:
                costs.append(job.cost_usd)
                online.append(job.online_cost_usd)
        report.cost_usd = None if None in costs else sum(c for c in costs if c is not None)
        report.online_cost_usd = None if None in online else sum(c for c in online if c)
        settled = self.book.settled(self.run_id)
        report.cut_off = sum(cut for _, cut in settled.values())
        report.invalid = len(settled) - report.cut_off
        for key in self._keys:
            if key in settled:
                continue
            if self.ledger.response(key) is not None:
                report.answered += 1
            else:
                report.left_online += 1
        return report

    def _plan(self, items: Iterable[Article | IngestError], retry_failed: bool) -> None:
        """Every request the run's inputs make now (not follow-ups: those need answers first)."""
        states = self.ledger.states(self.run_id)
        finished = ("ok",) if retry_failed else ("ok", "failed")
        for index, item in enumerate(items):
            if isinstance(item, IngestError) or states.get(index, ("",))[0] in finished:
                continue
            try:
                plan = self.planner.plan(item)
            except DocumentTooLong:
                continue  # the engine refuses it, with the reason
            for request in plan.requests:
                if request.key is not None:
                    self._wanted.add(request.key, _Wanted(index, item, request))
        self._wanted.done()

    def _needs(self, key: str) -> bool:
        """Whether ``key`` is to be submitted now: never while a job holds it unfinished, never
        once answered; again after a job failed to answer it, if the fallback says so."""
        if self.ledger.response(key) is not None:
            return False
        failures = 0
        for job, run_id, state, collected in self.book.history(key):
            if not collected and run_id != self.run_id and job not in self._not_ours:
                self._foreign.add(job)
            if not collected or state in ("answered", "invalid", "cut_off"):
                return False
            failures += state == "failed"
        if failures == 0:
            return True
        return self.options.fallback == "batch" and failures < self.options.rounds

    def _adopted(self) -> list[BatchJob]:
        """The other runs' unfinished jobs this run polls and collects: those whose every line
        it can validate (its inputs hold them all). The others' lines are asked online."""
        adopted = []
        for job_id in sorted(self._foreign):
            job = self.book.job(job_id)
            if job.collected:
                self._foreign.discard(job_id)
            elif all(line.custom_id in self._wanted for line in self.book.lines(job_id)):
                adopted.append(job)
            else:
                log.warning(
                    "batch job %d of run %s holds other inputs: not collected", job_id, job.run_id
                )
                self._foreign.discard(job_id)
                self._not_ours.add(job_id)
        return adopted

    # -- submitting ----------------------------------------------------------------------------

    async def _submit_or_say(self, keys: list[str]) -> None:
        """``_submit``, its failures one line each (what was prepared is sent on resume)."""
        where = self.provider.settings.endpoint_label
        try:
            await self._submit(keys)
        except openai.APIStatusError as exc:
            raise _refusal(exc, where) from None
        except openai.APIConnectionError as exc:
            cause = exc.__cause__
            detail = f": {type(cause).__name__}: {cause}" if cause else ""
            raise BatchAPIError(
                f"cannot connect to {where}{detail}; --resume sends the jobs prepared"
            ) from None

    def _line(self, key: str) -> bytes:
        wanted = self._wanted.get(key)
        assert wanted is not None
        article, request = wanted.article, wanted.request
        body = self.provider.request_body(
            self.planner.messages(article, request), self.planner.response_model(article, request)
        )
        return request_line(key, body)

    async def _submit(self, keys: list[str]) -> None:
        """``keys`` in jobs of at most ``max_lines`` lines and ``max_bytes`` bytes each."""
        lines: list[Line] = []
        chunk: list[bytes] = []
        size = 0
        for key in keys:
            data = self._line(key)
            if len(data) > self.options.max_bytes:
                log.warning("request %s is over the batch file limit: asked online", key[:12])
                continue
            if chunk and (
                len(chunk) >= self.options.max_lines or size + len(data) > self.options.max_bytes
            ):
                await self._start(lines, b"".join(chunk))
                lines, chunk, size = [], [], 0
            wanted = self._wanted.get(key)
            assert wanted is not None
            lines.append(Line(key, wanted.index, wanted.request.part, wanted.request.kind))
            chunk.append(data)
            size += len(data)
        if chunk:
            await self._start(lines, b"".join(chunk))

    async def _start(self, lines: list[Line], content: bytes) -> None:
        job = self.book.prepare(
            self.run_id,
            lines,
            len(content),
            endpoint=self.provider.settings.endpoint_label,
            model=self.provider.model,
        )
        await self._send(self.book.job(job), content)

    async def _send(self, job: BatchJob, content: bytes | None = None) -> None:
        """Upload a prepared job's file and create its batch; a job found ``uploaded`` (a
        process died around the create) is first looked for at the provider."""
        if job.file_id is None:
            if content is None:  # prepared by a process that died before uploading it
                keys = [line.custom_id for line in self.book.lines(job.id)]
                content = b"".join(self._line(k) for k in keys if k in self._wanted)
            name = f"summarizer-job-{job.id}.jsonl"
            file_id = await self.endpoint.upload(name, content)
            self.book.uploaded(job.id, file_id)
        else:
            file_id = job.file_id
            found = await self.endpoint.find(file_id)
            if found is not None:
                self.book.submitted(job.id, found.batch_id, found.status)
                return
        metadata = {"summarizer_job": str(job.id)}  # (the run id is in the ledger's row)
        try:
            created = await self.endpoint.create(file_id, metadata)
        except (openai.APIConnectionError, openai.InternalServerError) as exc:
            # The answer was lost, not necessarily the batch: look before creating another.
            found = await self.endpoint.find(file_id)
            if found is None:
                log.warning("job %d: batch not created (%s); tried again next poll", job.id, exc)
                return
            created = found
        self.book.submitted(job.id, created.batch_id, created.status)

    # -- polling and collecting ----------------------------------------------------------------

    async def _advance(self, job: BatchJob) -> list[str]:
        """Poll one job; collect it once finished. The keys it failed to answer."""
        if job.status in LOCAL:
            await self._send(job)
            return []
        if not job.finished:
            assert job.batch_id is not None
            status = await self.endpoint.status(job.batch_id)
            self.book.polled(
                job.id,
                status.status,
                completed=status.completed,
                failed=status.failed,
                output_file_id=status.output_file_id,
                error_file_id=status.error_file_id,
            )
            job = self.book.job(job.id)
            if not job.finished:
                return []
            if status.errors:
                log.warning("batch %s %s: %s", job.batch_id, job.status, status.errors)
        return await self._collect(job)

    async def _collect(self, job: BatchJob) -> list[str]:
        results: dict[str, ResultLine] = {}
        for file_id in (job.error_file_id, job.output_file_id):  # an answer beats an error
            if file_id:
                for line in parse_results(await self.endpoint.content(file_id)):
                    results[line.custom_id] = line
        lines = self.book.lines(job.id)
        gate = asyncio.Semaphore(self.options.concurrency)
        outcomes = await asyncio.gather(
            *(self._validate(job, line, results.get(line.custom_id), gate) for line in lines)
        )
        statements = []
        prompt = completion = 0
        for _, statement, tokens in outcomes:  # every answer the batch gave was billed
            if statement is not None:
                statements.append(statement)
            prompt += tokens[0]
            completion += tokens[1]
        self.book.collect(
            job.id,
            [o for o, _, _ in outcomes],
            log=statements,
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=estimate_batch_cost(job.model, prompt, completion),
            online_cost_usd=estimate_cost(job.model, prompt, completion),
        )
        return [o.custom_id for o, _, _ in outcomes if o.state == "failed"]

    async def _validate(
        self, job: BatchJob, line: Line, result: ResultLine | None, gate: asyncio.Semaphore
    ) -> tuple[LineOutcome, tuple[str, tuple] | None, tuple[int, int]]:
        """One line's outcome, the statement logging its answer, and its batch-priced tokens."""
        key = line.custom_id
        if result is None:
            why = f"no answer: batch {job.status}"
            return LineOutcome(key, "failed", why), None, (0, 0)
        if result.completion is None:
            return LineOutcome(key, "failed", result.error), None, (0, 0)
        wanted = self._wanted.get(key)
        if wanted is None:
            return LineOutcome(key, "failed", "its input is no longer in the run"), None, (0, 0)
        article, request = wanted.article, wanted.request
        usage = result.completion.get("usage") or {}
        batch_tokens = (usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0)
        async with gate:
            try:
                answer: Extraction = await self.provider.extract(
                    self.planner.messages(article, request),
                    self.planner.response_model(article, request),
                    self.planner.check(article, request),
                    answered=result.completion,
                )
            except LLMError as exc:
                # Cut off at max_tokens: the engine asks its text in halves (online: they need
                # this answer first). Still invalid after the re-asks: a failure, as online.
                # Anything else (the re-asks could not be sent): no answer yet.
                if exc.cut_off:
                    state = "cut_off"
                elif isinstance(exc.__cause__, InstructorRetryException):
                    state = "invalid"
                else:
                    state = "failed"
                return LineOutcome(key, state, exc.reason), None, batch_tokens
        spent = answer.usage
        extra = (spent.prompt_tokens - batch_tokens[0], spent.completion_tokens - batch_tokens[1])
        cost = _sum(
            estimate_batch_cost(answer.model, *batch_tokens),
            estimate_cost(answer.model, *extra) if any(extra) else 0.0,
        )
        statement = self.ledger.response_statement(
            key,
            answer.summary.model_dump_json(),
            run_id=job.run_id,
            seq=line.seq,
            model=answer.model,
            prompt_tokens=spent.prompt_tokens,
            completion_tokens=spent.completion_tokens,
            attempts=spent.attempts,
            latency_s=spent.latency_s,
            part=line.part,
            kind=line.kind,
            cost_usd=cost,
        )
        return LineOutcome(key, "answered"), statement, batch_tokens


def _sum(*costs: float | None) -> float | None:
    return None if None in costs else sum(c for c in costs if c is not None)


__all__ = ["FALLBACKS", "BatchOptions", "BatchReport", "BatchRunner", "JobStatus"]
