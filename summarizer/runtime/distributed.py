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

* a worker killed mid-task: the scheduler runs the task again elsewhere (Dask marks it
  suspicious; after ``distributed.scheduler.allowed-failures`` deaths it fails with
  ``KilledWorker``, and the driver submits it again, up to ``resubmits`` times). Nothing of that
  partition was committed, so nothing is lost and nothing is duplicated; what the dead worker had
  already been answered for that partition is asked again (at most one partition per death);
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
from pathlib import Path

from summarizer.config import Settings
from summarizer.pipeline.normalise import Gazetteer
from summarizer.plan import DocumentTooLong, Planner, Splitter
from summarizer.prompts import load_prompts
from summarizer.providers import provider_for
from summarizer.runtime.engine import Engine
from summarizer.runtime.throttle import Limits, Throttle
from summarizer.store.ledger import CachedAnswer, ItemRow, Ledger
from summarizer.store.partition import PartitionLedger, PartitionOutcome
from summarizer.store.runs import resumed_result
from summarizer.types.article import Article, IngestError
from summarizer.types.outcome import BatchStats, Result
from summarizer.types.records import SCHEMA_VERSION, ArticleSummary, Failure, Usage

log = logging.getLogger("summarizer.runtime.distributed")

INSTALL_HINT = "Dask is not installed: pip install 'summarizer[dask]'"
# Articles per task, per unit of concurrency: 8 rounds of requests per task keeps the task's
# start-up (client, engine, the throttle's slow start: ~0.3 s) small beside its work, and bounds
# what a killed worker's partition costs again.
ROUNDS_PER_PARTITION = 8


class DistributedError(RuntimeError):
    """The cluster could not run a partition (after its resubmissions), or cannot be reached."""


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
    ledger = PartitionLedger(job.seeds) if job.config_key is not None else None
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
        provider.gate = None
        await provider.aclose()
    return outcome


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
        self.tasks_submitted = 0
        self.tasks_failed = 0

    # -- the loop ------------------------------------------------------------------------------

    def run(self, items: Iterable[Article | IngestError]) -> Iterator[Result]:
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

    def _take(self, index: int, item: Article | IngestError) -> Iterator[Result]:
        """Hand ``item`` back from the ledger, or put it in the partition being filled."""
        state = self._states.get(index)
        if state is not None:
            status, sha = state
            if status == "ok" or (status == "failed" and not self.retry_failed):
                yield self._resumed(index, item, sha)
                return
        if isinstance(item, IngestError):
            failure = Failure(
                article_id=_stem(item.source),
                source_path=item.source,
                stage="ingest",
                reason=item.reason,
            )
            yield self._commit_here(_failure_row(index, failure))
            return
        if self._fatal:
            failure = Failure(
                article_id=item.id,
                source_path=item.source_path,
                stage="llm",
                reason=f"not attempted: {self._fatal}",
                status="skipped",
            )
            yield self._commit_here(_failure_row(index, failure, item, status="skipped"))
            return
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
        )
        part.attempts += 1
        future = self.client.submit(
            self.task, job, key=f"summarize-{self._tag}-{part.number}-{part.attempts}"
        )
        self.tasks_submitted += 1
        self._pending[future] = part

    def _collect(self) -> Iterator[Result]:
        """Wait for a partition to complete; commit it and hand its results on (or submit it
        again when its task failed)."""
        from distributed import wait

        done, _ = wait(list(self._pending), return_when="FIRST_COMPLETED")
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
                    "partition %d failed (%s: %s); submitting it again",
                    part.number,
                    type(exc).__name__,
                    exc,
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

    def _commit(self, part: _Partition, outcome: PartitionOutcome) -> Iterator[Result]:
        rows = [dataclasses.replace(r, seq=part.indexes[r.seq]) for r in outcome.rows]
        if len(rows) != len(part.indexes) or {r.seq for r in rows} != set(part.indexes):
            raise DistributedError(
                f"partition {part.number}: {len(part.indexes)} articles sent, {len(rows)} rows back"
            )
        responses = [
            (key, extraction, _renumbered(fields, part.indexes))
            for key, extraction, fields in outcome.responses
        ]
        if self.ledger is not None and self.run_id is not None:
            self.ledger.record_many(self.run_id, rows, responses)
        self._committed.add(part.number)
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

    def _resumed(self, index: int, item: Article | IngestError, sha: str | None) -> Result:
        """An input this run already finished, handed back as stored (as the engine does)."""
        return self._emit(resumed_result(self.ledger, self.run_id, index, item, sha))  # type: ignore[arg-type]

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


def _stem(source: str) -> str:
    return Path(source).stem


def _renumbered(fields: dict, indexes: list[int]) -> dict:
    seq = fields.get("seq")
    return {**fields, "seq": indexes[seq] if isinstance(seq, int) else seq}


def _failure_row(
    index: int, failure: Failure, article: Article | None = None, status: str = "failed"
) -> ItemRow:
    return ItemRow(
        seq=index,
        article_id=failure.article_id,
        source=failure.source_path,
        sha256=article.sha256 if article else None,
        status=status,
        stage=failure.stage,
        reason=failure.reason,
    )


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
