"""A batch spread over a Dask cluster (``dask.distributed``): the driver plans, workers ask.

The driver (this process) reads the inputs lazily and, for each, does what needs the ledger:
an input the run already finished is handed back from it (resume), one whose cache key holds a
finished record is served from it, an unreadable one is recorded as failed. Only what is left is
sent: in partitions of ``partition_size`` articles, each one Dask task, with the answers the
ledger already holds for its requests (``seeds``: re-assembled on the worker, never asked again).

A task (``run_partition``, on a worker) runs its articles through the same async engine as a
local batch (bounded concurrency, throttle, re-asks, long documents, grounding, normalisation),
writing to an in-memory ledger (``store/partition.py``) and handing back its rows and answers.

The driver alone writes the SQLite ledger: each partition's rows and answers in one transaction
as its task completes, before its results are handed on (results stream in completion order).
That is what makes a run exactly-once whatever the workers do:

* a worker killed mid-task: nothing of that partition was committed, so nothing is lost and
  nothing is duplicated. Nor is it paid for twice: a task streams its answers to the driver as
  they come (Dask events, ``Worker.log_event``, a few answers each), and the driver logs them in
  the ledger at once and keeps them with their partition. When the scheduler runs the dead
  worker's task again elsewhere, that run sees (from the task-start events) that it is a rerun
  and stops before asking anything; the driver then submits the partition again with the
  streamed answers as seeds (up to ``resubmits`` times). Only answers in flight at the death
  (sent by the endpoint, not yet out of the worker: at most its concurrency, plus one batch
  not yet streamed) are asked again. A driver stopped mid-run (Ctrl-C) resumes with every
  answer that had reached it;
* a task's result arriving twice (a resubmission racing a task Dask had rescheduled): the
  partition is committed once, the second copy dropped;
* once committed, a partition's future is released, so a later worker death never recomputes it:
  nothing committed is paid for twice.

Memory stays bounded: at most ``inflight`` partitions are out at once (their articles kept for a
resubmission), results are handed on as they are committed, never gathered.

Two articles with the same cache key in different partitions are not both asked: the second
waits on the driver until the first's partition is committed, then is served from the ledger.

Dask is an optional dependency (``pip install 'summarizer[dask]'``), imported only here.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import secrets
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from summarizer.config import Settings
from summarizer.pipeline.normalise import Gazetteer
from summarizer.plan import DocumentTooLong, Planner, Splitter
from summarizer.prompts import load_prompts
from summarizer.providers import provider_for
from summarizer.runtime.engine import Engine
from summarizer.runtime.throttle import Limits, Throttle
from summarizer.store.ledger import CachedAnswer, ItemRow, Ledger
from summarizer.store.partition import PartitionLedger, PartitionOutcome, logged_answer
from summarizer.store.runs import settled_without_asking
from summarizer.types.article import Article, IngestError
from summarizer.types.outcome import BatchStats, Result
from summarizer.types.records import SCHEMA_VERSION, ArticleSummary, Usage

log = logging.getLogger("summarizer.runtime.distributed")

INSTALL_HINT = "Dask is not installed: pip install 'summarizer[dask]'"
# Articles per task, per unit of concurrency: 8 rounds of requests per task keeps the task's
# start-up (client, engine, the throttle's slow start: ~0.3 s) small beside its work, and bounds
# what a killed worker's partition costs again.
ROUNDS_PER_PARTITION = 8
# Answers per message a task streams to the driver, and the longest one waits to be sent.
STREAM_BATCH = 16
STREAM_DELAY_S = 0.25


class DistributedError(RuntimeError):
    """The cluster could not run a partition (after its resubmissions), or cannot be reached."""


class PartitionRerun(RuntimeError):
    """A task the scheduler started again after its worker died: it stops before asking
    anything, and the driver submits its partition again with the answers the dead worker
    streamed (the scheduler's copy of the task has only the seeds of its first submission)."""


def require_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise DistributedError(INSTALL_HINT) from None


# ---------------------------------------------------------------------------------------------
# On a worker
# ---------------------------------------------------------------------------------------------


@dataclass
class PartitionJob:
    """One task's work, pickled to a worker: the articles, their seeds, and how to ask."""

    settings: Settings
    run_id: str | None
    config_key: str | None
    prompt_version: str
    concurrency: int
    limits: Limits
    articles: list[Article]
    seeds: dict[str, CachedAnswer] = field(default_factory=dict)
    splitter: Splitter | None = None
    streaming: Streaming | None = None


@dataclass(frozen=True)
class Streaming:
    """Where a task reports to the driver, as Dask events: each answer as it comes (topic
    ``answers``), and that it has started (topic ``starts``, the task's key)."""

    answers: str
    starts: str
    task: str
    partition: int


def run_partition(job: PartitionJob) -> PartitionOutcome:
    """A Dask task: the partition through the async engine, on this worker thread's own event
    loop. Rows come back numbered by position in the partition."""
    return asyncio.run(_run_partition(job))


async def _run_partition(job: PartitionJob) -> PartitionOutcome:
    prompts = load_prompts()
    if prompts.version != job.prompt_version:
        # Its answers would be stored under keys that name other prompts.
        raise DistributedError(
            f"this worker has prompt version {prompts.version}, the driver {job.prompt_version}:"
            " install the same summarizer on the workers"
        )
    stream = _start_streaming(job.streaming) if job.streaming is not None else None
    on_answer = stream.add if stream is not None else None
    ledger = PartitionLedger(job.seeds, on_answer) if job.config_key is not None else None
    provider = provider_for(job.settings, token_budget=job.limits.token_budget)
    throttle = Throttle(
        job.concurrency, job.limits.requests_per_minute, job.limits.tokens_per_minute
    )
    provider.gate = throttle
    engine = Engine(
        settings=job.settings,
        provider=provider,
        prompts=prompts,
        stats=BatchStats(),
        ledger=ledger,  # type: ignore[arg-type]  # the subset of Ledger the engine uses
        run_id=job.run_id if ledger is not None else None,
        config_key=job.config_key,
        # The worker is the unit of parallelism here: no assembly processes of its own (a
        # worker has threads, so they could not be forked, and spawning one per task would cost
        # ~0.8 s of CPU each).
        assembly_workers=0,
        planner=Planner(job.settings, prompts, job.config_key, job.splitter),
    )
    outcome = ledger.outcome if ledger is not None else PartitionOutcome()
    try:
        async for result in engine.run(iter(job.articles), job.concurrency):
            if ledger is None:  # no keys, no rows: the driver builds its results from these
                outcome.rows.append(_row_of(result, job.articles[result.index]))
    finally:
        if stream is not None:
            stream.flush()  # whatever happens to the result, the answers reach the driver
        provider.gate = None
        await provider.aclose()
    return outcome


def _start_streaming(streaming: Streaming) -> _AnswerStream:
    """Say this task has started (or stop, if it had before: see ``PartitionRerun``), and
    return what streams its answers to the driver."""
    from distributed import get_client, get_worker

    worker = get_worker()
    # The scheduler keeps a topic's last events (distributed.admin.low-level-log-length, 1000):
    # a rerun follows its worker's death closely, so its first start is among them.
    if any(task == streaming.task for _, task in get_client().get_events(streaming.starts)):
        raise PartitionRerun(
            f"partition {streaming.partition}: its worker died; the driver sends it again"
        )
    worker.log_event(streaming.starts, streaming.task)
    return _AnswerStream(worker, streaming)


class _AnswerStream:
    """A task's answers to the driver, a few at a time: one Dask event per answer cost the
    workers ~0.8 ms of CPU per article and the driver ~0.5 (a message each through the
    scheduler); in batches of ``STREAM_BATCH``, sent at the latest ``STREAM_DELAY_S`` after
    the first, a death loses at most those (asked again, like the answers in flight)."""

    def __init__(self, worker, streaming: Streaming) -> None:
        self.worker, self.streaming = worker, streaming
        self.pending: list[list] = []
        self.timer: asyncio.TimerHandle | None = None

    def add(self, key: str, extraction: str, fields: dict) -> None:
        self.pending.append([key, extraction, fields])
        if len(self.pending) >= STREAM_BATCH:
            self.flush()
        elif self.timer is None:  # called on the task's event loop (the ledger's write)
            self.timer = asyncio.get_running_loop().call_later(STREAM_DELAY_S, self.flush)

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.pending:
            # Queued on the worker's batched stream to the scheduler (no wait here), ahead of
            # the task's own result: the driver has every answer before it learns the task
            # ended (the last few also come with the result).
            batch, self.pending = self.pending, []
            self.worker.log_event(
                self.streaming.answers, {"p": self.streaming.partition, "a": batch}
            )


def _row_of(result: Result, article: Article) -> ItemRow:
    usage = result.usage or Usage()
    failure = result.failure
    return ItemRow(
        seq=result.index,
        article_id=article.id,
        source=article.source_path,
        sha256=article.sha256,
        status=result.status,
        cached=result.cached,
        stage=failure.stage if failure else None,
        reason=failure.reason if failure else None,
        result=result.summary_json,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        attempts=usage.attempts,
        latency_s=usage.latency_s,
        cost_usd=result.cost_usd,
    )


# ---------------------------------------------------------------------------------------------
# The cluster
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def dask_client(address: str) -> Iterator:
    """A client of the scheduler at ``address`` (``tcp://host:8786``), or of a cluster of N
    worker processes on this machine for ``local:N`` (one thread each: a worker's concurrency is
    its engine's), closed on exit."""
    require_dask()
    from distributed import Client, LocalCluster

    if address.startswith("local:"):
        try:
            workers = int(address.removeprefix("local:"))
        except ValueError:
            workers = 0
        if workers < 1:
            raise DistributedError(f"--dask local:N needs N >= 1 workers, not {address!r}")
        import dask

        # No dashboard, so no one would see the workers' profiles: their sampling thread (every
        # 10 ms) is CPU the workers can spend on articles.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise DistributedError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client


def worker_threads(client) -> int:
    """The threads the cluster runs tasks on (one task each), at least 1."""
    return max(1, sum(client.nthreads().values()))


# ---------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------


@dataclass
class _Partition:
    number: int
    indexes: list[int] = field(default_factory=list)  # input positions, in partition order
    articles: list[Article] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)
    seeds: dict[str, CachedAnswer] = field(default_factory=dict)
    attempts: int = 0
    # Answers its tasks streamed (key -> answer, numbered as on the worker): logged already,
    # and seeds if it has to be submitted again.
    streamed: dict[str, CachedAnswer] = field(default_factory=dict)


@dataclass
class DaskOptions:
    """How the driver cuts and sends the work. ``partition_size``: articles per task (default
    ``ROUNDS_PER_PARTITION`` x concurrency); ``inflight``: partitions out at once (default two
    per worker thread, so a worker never waits for its next one); ``resubmits``: times a failed
    partition is submitted again before the run stops; ``task``: what runs a partition on a
    worker (``run_partition``; tests and benches wrap it, to fail a task or count them)."""

    partition_size: int | None = None
    inflight: int | None = None
    resubmits: int = 2
    task: Callable[[PartitionJob], PartitionOutcome] | None = None


class DaskDriver:
    """Runs one batch over a Dask client (see the module docstring). Built by
    ``Summarizer.summarize_on_dask``; ``run(items)`` yields one ``Result`` per input."""

    def __init__(
        self,
        client,
        *,
        settings: Settings,
        prompt_version: str,
        planner: Planner,
        stats: BatchStats,
        concurrency: int,
        limits: Limits,
        ledger: Ledger | None = None,
        run_id: str | None = None,
        config_key: str | None = None,
        retry_failed: bool = False,
        splitter: Splitter | None = None,
        options: DaskOptions | None = None,
    ):
        require_dask()
        self.client = client
        self.settings = settings
        self.prompt_version = prompt_version
        self.planner = planner
        self.stats = stats
        self.concurrency = concurrency
        self.ledger = ledger
        self.run_id = run_id
        self.config_key = config_key if ledger is not None else None
        self.retry_failed = retry_failed
        self.splitter = splitter
        options = options or DaskOptions()
        self.task = options.task or run_partition
        threads = worker_threads(client)
        self.partition_size = options.partition_size or ROUNDS_PER_PARTITION * concurrency
        self.inflight = options.inflight or 2 * threads
        self.resubmits = options.resubmits
        # Rate limits are the endpoint's: each of the threads gets its share.
        self.limits = Limits(
            requests_per_minute=_share(limits.requests_per_minute, threads),
            tokens_per_minute=_share(limits.tokens_per_minute, threads),
            token_budget=limits.token_budget,
        )
        self._states = ledger.states(run_id) if ledger is not None and run_id else {}
        self._gazetteer = (
            "" if settings.gazetteer is None else Gazetteer.load(settings.gazetteer).source or ""
        )
        self._tag = f"{run_id or 'batch'}-{secrets.token_hex(3)}"  # task keys unique per batch
        self._numbers = itertools.count()
        self._filling = _Partition(next(self._numbers))
        self._pending: dict[object, _Partition] = {}  # future -> its partition
        self._committed: set[int] = set()  # partition numbers
        self._keys_out: Counter[str] = Counter()  # cache keys in submitted, uncommitted work
        self._held: deque[tuple[int, Article, str]] = deque()  # waiting for a key that is out
        self._fatal: str | None = None
        self._out: dict[int, _Partition] = {}  # submitted, not committed: by number
        # Answers streamed by the tasks (see ``Streaming``), appended on the client's thread.
        self._streamed: deque[dict] = deque()
        self._topics = (f"summarizer-answers-{self._tag}", f"summarizer-starts-{self._tag}")
        self.tasks_submitted = 0
        self.tasks_failed = 0
        self.answers_streamed = 0

    # -- the loop ------------------------------------------------------------------------------

    def run(self, items: Iterable[Article | IngestError]) -> Iterator[Result]:
        streaming = self.config_key is not None  # without a ledger there is nothing to keep
        if streaming:
            self.client.subscribe_topic(self._topics[0], self._on_answer)
        try:
            for index, item in enumerate(items):
                yield from self._take(index, item)
                while len(self._pending) >= self.inflight:
                    yield from self._collect()
            self._submit()
            while self._pending or self._held:
                if self._pending:
                    yield from self._collect()
                else:  # cannot happen (an item is held only while its key is out); never spin
                    yield from self._release_held(everything=True)
                self._submit()
        finally:
            if self._pending:  # stopped early: what is queued is not run (running tasks end)
                self.client.cancel(list(self._pending))
            self._pending.clear()
            if streaming:
                self.client.unsubscribe_topic(self._topics[0])
                self._log_streamed()  # what reached us is in the ledger for a resume

    def _on_answer(self, event: tuple[float, dict]) -> None:
        self._streamed.append(event[1])

    def _take(self, index: int, item: Article | IngestError) -> Iterator[Result]:
        """Hand ``item`` back from the ledger, or put it in the partition being filled."""
        settled = settled_without_asking(
            self.ledger,
            self.run_id,
            self._states,
            index,
            item,
            retry_failed=self.retry_failed,
            fatal=self._fatal,
        )
        if settled is not None:
            result, row = settled
            if row is not None and self.ledger is not None and self.run_id is not None:
                self.ledger.record(self.run_id, row)
            yield self._emit(result)
            return
        assert isinstance(item, Article)  # an unreadable input is settled above
        key: str | None = None
        seeds: dict[str, CachedAnswer] = {}
        if self.config_key is not None:
            try:
                plan = self.planner.plan(item)
            except DocumentTooLong:
                plan = None  # the worker refuses it, saying why, before anything is paid for
            if plan is not None:
                key = plan.key
                if key is not None and self._keys_out[key] and key not in self._filling.keys:
                    self._held.append((index, item, key))  # asked elsewhere right now: wait for it
                    return
                if key is not None:
                    served = self._from_ledger(index, item, key)
                    if served is not None:
                        yield served
                        return
                for request in plan.requests:
                    logged = self.ledger.response(request.key) if request.key else None  # type: ignore[union-attr]
                    if logged is not None:
                        seeds[request.key] = logged  # type: ignore[index]
        self._add(index, item, key, seeds)

    def _add(
        self, index: int, item: Article, key: str | None, seeds: dict[str, CachedAnswer]
    ) -> None:
        part = self._filling
        position = len(part.indexes)
        part.indexes.append(index)
        part.articles.append(item)
        part.keys.append(key)
        if key is not None:
            self._keys_out[key] += 1
        for request_key, logged in seeds.items():
            # The engine counts an answer's cost to the input it was asked for in this run; on
            # the worker that input is numbered by its place in the partition.
            own = logged.run_id == self.run_id and logged.seq == index
            part.seeds[request_key] = dataclasses.replace(
                logged, run_id=self.run_id if own else None, seq=position if own else None
            )
        if len(part.indexes) >= self.partition_size:
            self._submit()

    def _submit(self, part: _Partition | None = None) -> None:
        if part is None:
            part, self._filling = self._filling, _Partition(next(self._numbers))
            if not part.indexes:
                return
        part.attempts += 1
        task = f"summarize-{self._tag}-{part.number}-{part.attempts}"
        part.seeds.update(part.streamed)  # a resubmission asks nothing already answered
        job = PartitionJob(
            settings=self.settings,
            run_id=self.run_id,
            config_key=self.config_key,
            prompt_version=self.prompt_version,
            concurrency=self.concurrency,
            limits=self.limits,
            articles=part.articles,
            seeds=part.seeds,
            splitter=self.splitter,
            streaming=(
                Streaming(*self._topics, task=task, partition=part.number)
                if self.config_key is not None
                else None
            ),
        )
        future = self.client.submit(self.task, job, key=task)
        self.tasks_submitted += 1
        self._pending[future] = part
        self._out[part.number] = part

    def _collect(self) -> Iterator[Result]:
        """Wait for a partition to complete; commit it and hand its results on (or submit it
        again when its task failed)."""
        from distributed import wait

        done, _ = wait(list(self._pending), return_when="FIRST_COMPLETED")
        # A task's answers reach us before its end does (one ordered stream from the scheduler).
        self._log_streamed()
        for future in done:
            part = self._pending.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:  # a worker lost too often (KilledWorker), a task error
                future.release()
                self.tasks_failed += 1
                if part.number in self._committed:
                    continue
                if part.attempts > self.resubmits:
                    raise DistributedError(
                        f"partition {part.number} ({len(part.indexes)} articles) failed "
                        f"{part.attempts} times; last: {type(exc).__name__}: {exc}"
                    ) from exc
                log.warning(
                    "partition %d failed (%s: %s); submitting it again, with the %d answers"
                    " its tasks streamed",
                    part.number,
                    type(exc).__name__,
                    exc,
                    len(part.streamed),
                )
                self._submit(part)
                continue
            future.release()  # committed below: nothing may make Dask compute it again
            if part.number in self._committed:
                continue  # a second copy of a partition already committed
            yield from self._commit(part, outcome)
        yield from self._release_held()

    def _release_held(self, everything: bool = False) -> Iterator[Result]:
        """Inputs that waited for a key now committed: served from the ledger, or sent."""
        waiting, self._held = self._held, deque()
        for index, item, key in waiting:
            if everything or not self._keys_out[key]:
                if everything:
                    self._keys_out.pop(key, None)
                yield from self._take(index, item)
            else:
                self._held.append((index, item, key))

    # -- writing -------------------------------------------------------------------------------

    def _log_streamed(self) -> None:
        """The answers streamed since the last call: logged in the ledger now (one transaction),
        and kept with their partition until it commits."""
        fresh = []
        while self._streamed:
            message = self._streamed.popleft()
            part = self._out.get(message["p"])
            if part is None:  # committed already
                continue
            for key, extraction, fields in message["a"]:
                if key in part.streamed:  # a copy
                    continue
                part.streamed[key] = logged_answer(extraction, fields)
                fresh.append((key, extraction, _renumbered(fields, part.indexes)))
        self.answers_streamed += len(fresh)
        if fresh and self.ledger is not None and self.run_id is not None:
            self.ledger.record_many(self.run_id, [], fresh)

    def _commit(self, part: _Partition, outcome: PartitionOutcome) -> Iterator[Result]:
        rows = [dataclasses.replace(r, seq=part.indexes[r.seq]) for r in outcome.rows]
        if len(rows) != len(part.indexes) or {r.seq for r in rows} != set(part.indexes):
            raise DistributedError(
                f"partition {part.number}: {len(part.indexes)} articles sent, {len(rows)} rows back"
            )
        responses = [
            (key, extraction, _renumbered(fields, part.indexes))
            for key, extraction, fields in outcome.responses
            if key not in part.streamed  # logged as it came
        ]
        if self.ledger is not None and self.run_id is not None:
            self.ledger.record_many(self.run_id, rows, responses)
        self._committed.add(part.number)
        self._out.pop(part.number, None)
        for key in part.keys:
            if key is not None:
                self._keys_out[key] -= 1
                if not self._keys_out[key]:
                    del self._keys_out[key]
        for row in rows:
            if row.status == "skipped" and self._fatal is None:
                # The endpoint refused (a bad key, unreachable): the rest are not sent either.
                self._fatal = (row.reason or "").removeprefix("not attempted: ")
            yield self._emit(_result_of(row))

    def _commit_here(self, row: ItemRow) -> Result:
        if self.ledger is not None and self.run_id is not None:
            self.ledger.record(self.run_id, row)
        return self._emit(_result_of(row))

    def _emit(self, result: Result) -> Result:
        self.stats.add(result)
        return result

    # -- answered by the ledger ----------------------------------------------------------------

    def _from_ledger(self, index: int, article: Article, key: str) -> Result | None:
        """The finished record the ledger holds for this very article under ``key``, if any
        (the same checks as the engine's: same id and source, places resolved alike, a record
        of today's shape); else None, and the article goes to a worker."""
        answer = self.ledger.cached(key)  # type: ignore[union-attr]
        if answer is None or answer.result is None:
            return None
        gazetteer = answer.gazetteer
        if gazetteer is None:  # a row from before the column
            stored = ArticleSummary.model_validate_json(answer.result)
            gazetteer = stored.provenance.gazetteer or ""
        if (
            answer.article_id != article.id
            or answer.source != article.source_path
            or gazetteer != self._gazetteer
            or answer.record_version != SCHEMA_VERSION
        ):
            return None
        row = ItemRow(
            seq=index,
            article_id=article.id,
            source=article.source_path,
            sha256=article.sha256,
            cache_key=key,
            status="ok",
            cached=True,
            result=answer.result,
            model=answer.model,
            prompt_version=self.prompt_version,
            gazetteer=gazetteer,
        )
        return self._commit_here(row)


def _share(limit: float | None, parts: int) -> float | None:
    return None if limit is None else limit / parts


def _renumbered(fields: dict, indexes: list[int]) -> dict:
    seq = fields.get("seq")
    return {**fields, "seq": indexes[seq] if isinstance(seq, int) else seq}


def _result_of(row: ItemRow) -> Result:
    usage = Usage(
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        attempts=row.attempts,
        latency_s=row.latency_s,
    )
    if row.status == "ok":
        return Result(
            row.seq,
            summary_json=row.result,
            cached=row.cached,
            usage=usage,
            cost_usd=row.cost_usd,
        )
    return Result(
        row.seq, failure=row.failure(), status=row.status, usage=usage, cost_usd=row.cost_usd
    )
