"""The async batch loop: bounded concurrency, rate limits, the ledger (cache, resume), live stats.

One batch is a set of worker tasks sharing one input iterator (so inputs are read lazily and
each is handed out once), plus one finisher task that turns the model's answers into stored
records. Per input, in order of preference:

1. resumed: the run already holds a final row for it (``ok``, or ``failed`` unless retrying
   failures): that row is handed back as it was stored, nothing is sent;
2. cached: the ledger holds an ``ok`` answer for its cache key (``store/keys.py``), or another
   worker is asking for the same key right now: no request is sent for it;
3. asked: the model is asked (the ``Provider``, behind the ``Throttle``). A document of several
   requests (``plan.py``) has each of them answered from the ledger or asked, and is assembled
   once all are in.

Workers never wait for assembly (grounding and normalisation, pure CPU work): they hand the answer
to the finisher and ask the next question at once, and the finisher yields to the event loop
between articles, so requests keep going out while earlier answers are assembled. A row is
committed to the ledger before its ``Result`` is handed on.

The ``Throttle`` (``throttle.py``) sits under every HTTP request.

Big batches move CPU work off the event loop into forked processes: assembly
(``assembly_workers.py``) and, at 16 requests in flight or more, the HTTP requests themselves
(``request_worker.py``; the throttle, retries and validation stay here).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from summarizer.config import Settings
from summarizer.pipeline.assemble import build_summary, combine_parts
from summarizer.pipeline.normalise import Gazetteer
from summarizer.plan import DocumentTooLong, Plan, Planner, Request
from summarizer.pricing import estimate_cost
from summarizer.prompts import PromptSet
from summarizer.providers.base import Extraction, LLMError, Provider
from summarizer.runtime.assembly_workers import (
    AssemblyPool,
    WorkerGone,
    article_fields,
    default_size,
)
from summarizer.runtime.processes import fork_possible
from summarizer.runtime.request_worker import RequestWorker
from summarizer.runtime.request_worker import wanted as relay_wanted
from summarizer.store.ledger import CachedAnswer, ItemRow, Ledger
from summarizer.store.runs import settled_without_asking
from summarizer.types.article import Article, IngestError
from summarizer.types.extraction import EVENTS_PER_ANSWER, DocumentSummary, ExtractedSummary
from summarizer.types.outcome import BatchStats, Result
from summarizer.types.records import SCHEMA_VERSION, ArticleSummary, Failure, Usage

log = logging.getLogger("summarizer.runtime.engine")


# ---------------------------------------------------------------------------------------------
# The batch
# ---------------------------------------------------------------------------------------------


@dataclass
class _Answer:
    """An answer waiting for the finisher: the model's extraction, or a cached one to re-stamp."""

    index: int
    article: Article
    key: str | None
    extraction: ExtractedSummary
    usage: Usage
    model: str
    cached: bool
    provenance: dict | None = None  # for a cached answer: the original provenance
    future: asyncio.Future | None = None
    extraction_json: str | None = None
    logged: asyncio.Future | None = None  # the answer's commit to the responses log
    requests: int = 1  # the requests the document took
    parts: list[ExtractedSummary] | None = None  # a document's several answers, in order
    overview: DocumentSummary | None = None  # a long document's summary, from its parts'
    warnings: list[str] = field(default_factory=list)
    # What this run paid, as billed (answers from a batch job, at the batch price); None:
    # estimated from ``usage`` at the online price.
    billed: float | None = None


@dataclass
class _Asked:
    """One request's answer: ``elsewhere`` when it was paid for by another run or input."""

    request: Request
    extraction: ExtractedSummary
    usage: Usage
    model: str
    elsewhere: bool
    billed: float | None = None  # as in ``_Answer.billed``


@dataclass
class _Parts:
    """A document's answers while its requests come in."""

    next_part: int  # the part number the next request asked again gets
    asked: int = 0  # requests answered or failed (answers from the ledger included)
    spent: list[Usage] = field(default_factory=list)  # what this run paid for them
    warnings: list[str] = field(default_factory=list)
    failures: list[LLMError] = field(default_factory=list)
    model: str | None = None
    answers: list[tuple[tuple[int, ...], ExtractedSummary]] = field(default_factory=list)
    # Of ``spent``: the parts billed otherwise than at the online price, and what they cost.
    billed: list[tuple[Usage, float]] = field(default_factory=list)

    def keep(self, asked: _Asked, place: tuple[int, ...]) -> None:
        self.answers.append((place, asked.extraction))
        if not asked.elsewhere:
            self.spent.append(asked.usage)
            if asked.billed is not None:
                self.billed.append((asked.usage, asked.billed))
            self.model = self.model or asked.model
        elif self.model is None:
            self.model = asked.model

    def cost(self, model: str) -> float | None:
        """What the parts cost when some were billed (batch lines), else None (estimate)."""
        if not self.billed:
            return None
        rest = _sum_usage(self.spent)
        for usage, _ in self.billed:
            rest = rest.model_copy(
                update={
                    "prompt_tokens": rest.prompt_tokens - usage.prompt_tokens,
                    "completion_tokens": rest.completion_tokens - usage.completion_tokens,
                }
            )
        online = estimate_cost(model, rest.prompt_tokens, rest.completion_tokens)
        return None if online is None else online + sum(b for _, b in self.billed)

    def ordered(self) -> list[ExtractedSummary]:
        """The answers in document order (a half after the part it halves)."""
        return [e for _, e in sorted(self.answers, key=lambda a: a[0])]


def place_label(place: tuple[int, ...]) -> str:
    """1, 2 ... for a document's parts; 2.1, 2.2 for the halves of part 2."""
    return ".".join(str(n + 1) for n in place)


_END = object()
# Slow start: worker n begins n x 3 ms after the first (the whole ramp at most 0.25 s). Started
# together, all workers' answers arrive together ever after, and each waits while the event loop
# handles the others (at 64 workers and ~1 ms of CPU per answer, 30 ms per round on average);
# staggered, answers arrive spread out and are handled as they come. It also spares a provider a
# burst of simultaneous requests at the start.
_RAMP_STEP_S = 0.003
_RAMP_S = 0.25
# Answers assembled in-process before the batch starts its assembly worker(s) (see
# runtime/assembly_workers.py): small batches never pay for starting a process. At high
# concurrency the workers start with the batch where they can be forked (~10 ms), else at the
# first answer to assemble (a batch answered from the ledger alone never pays ~0.8 s of CPU for
# a fresh interpreter).
_POOL_AFTER = 48
_POOL_EAGER = 16
# Answers waiting for a worker (or for the workers to start) before the finisher waits for
# them, and how long it waits for one to finish before assembling in-process after all.
_POOL_BACKLOG = 512
_POOL_STALL_S = 5.0


class Engine:
    """Runs one batch. Built by ``Summarizer.asummarize_many``; see the module docstring."""

    def __init__(
        self,
        *,
        settings: Settings,
        provider: Provider,
        prompts: PromptSet,
        stats: BatchStats,
        ledger: Ledger | None = None,
        run_id: str | None = None,
        config_key: str | None = None,
        retry_failed: bool = False,
        assembly_workers: int | None = None,
        planner: Planner | None = None,
        settled: dict[str, tuple[str, bool]] | None = None,
    ):
        self.settings = settings
        self.planner = planner or Planner(settings, prompts, config_key if ledger else None)
        self.provider = provider
        self.prompts = prompts
        self.stats = stats
        self.ledger = ledger
        self.run_id = run_id
        self.config_key = config_key
        self.retry_failed = retry_failed
        # Requests an answer already settled, by key: (reason, cut off). A batch line whose
        # answer stayed invalid after the online re-asks fails with that reason, never asked
        # again; one cut off at max_tokens is asked in halves, as a cut-off online answer is.
        self._settled = settled or {}
        self._states = ledger.states(run_id) if ledger is not None and run_id else {}
        self._inflight: dict[str, asyncio.Future] = {}
        self._fatal: str | None = None
        self._responses_before = provider.responses
        self._assembly_workers = assembly_workers
        self._pool: AssemblyPool | None = None  # sized in run(), once the request worker is known
        # A --gazetteer file is loaded before the first request, so a bad one costs nothing. The
        # shipped snapshot is loaded only if this process assembles a record itself (~0.2 s).
        # What a record made now names as its gazetteer, as the ledger stores it ("": the
        # shipped snapshot, a record's provenance.gazetteer None).
        self._gazetteer_label = (
            "" if settings.gazetteer is None else Gazetteer.load(settings.gazetteer).source or ""
        )

    # -- plumbing ------------------------------------------------------------------------------

    async def run(
        self, items: Iterable[Article | IngestError], workers: int
    ) -> AsyncIterator[Result]:
        self._out: asyncio.Queue = asyncio.Queue(maxsize=workers * 2)
        self._answers: asyncio.Queue = asyncio.Queue(maxsize=workers)
        source = enumerate(items)

        async def worker(n: int) -> None:
            if n:  # slow start, see _RAMP_S
                await asyncio.sleep(n * min(_RAMP_STEP_S, _RAMP_S / workers))
            for index, item in source:  # the shared iterator hands each input out once
                await self._handle(index, item)

        async def finisher() -> None:
            assembling: set[asyncio.Task] = set()
            failed: list[BaseException] = []
            freed: list[asyncio.Future] = []  # set while waiting for a place in the backlog

            def done(task: asyncio.Task) -> None:
                assembling.discard(task)
                if not task.cancelled() and task.exception() is not None:
                    failed.append(task.exception())  # type: ignore[arg-type]
                if freed and not freed[0].done():
                    freed[0].set_result(None)

            answered = 0
            start_after = 1 if workers >= _POOL_EAGER else _POOL_AFTER
            try:
                while (answer := await self._answers.get()) is not _END:
                    answered += 1
                    if self._pool is not None and answered == start_after:
                        self._pool.start()  # a batch big enough to be worth a worker
                        checkpoints_start()  # forked: threads may start now
                    if self._pool is not None and len(assembling) >= _POOL_BACKLOG:
                        # Far behind: wait for it (the answers queue fills, and the workers
                        # ask more slowly), rather than assemble here, which would slow the
                        # requests more and cost this process the tables' load. Unless it is
                        # stuck.
                        # (One future to wait on: asyncio.wait over the backlog would
                        # subscribe to all 512 tasks, and unsubscribe, every time.)
                        freed[:] = [asyncio.get_running_loop().create_future()]
                        await asyncio.wait(freed, timeout=_POOL_STALL_S)
                        freed.clear()
                    pooling = self._pool is not None and self._pool.usable
                    if pooling and len(assembling) < _POOL_BACKLOG:
                        task = asyncio.create_task(self._finish_answer(answer, pooled=True))
                        assembling.add(task)
                        task.add_done_callback(done)
                    else:  # no pool, or it is stuck: assemble here, between other work
                        await self._finish_answer(answer)
                        await asyncio.sleep(0)  # let responses and new requests go first
                    if failed:
                        raise failed[0]
                await asyncio.gather(*assembling)
            finally:
                for task in assembling:
                    task.cancel()
                if self._pool is not None:
                    await self._pool.close()

        async def supervise() -> None:
            try:
                working = asyncio.gather(*workers_)
                working.add_done_callback(_retrieve)  # its error, if any, is raised below
                # A finisher that fails must not leave workers blocked on a full queue.
                await asyncio.wait({working, finishing}, return_when=asyncio.FIRST_COMPLETED)
                if finishing.done():  # before the end of the input: it failed
                    finishing.result()
                await working
                if relay is not None:  # nothing more is sent: end it while the last are assembled
                    relay_closed.append(asyncio.ensure_future(relay.close()))
                await self._answers.put(_END)
                await finishing
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # a bug, the ledger failing: raised to the consumer,
                await self._out.put(exc)  # never left waiting for a result that cannot come
                return
            await self._out.put(_END)

        relay: RequestWorker | None = None
        relay_closed: list[asyncio.Future] = []
        if relay_wanted(workers, self.settings.uses_embedded):
            settings = self.settings
            relay = RequestWorker(settings.base_url, settings.api_key, settings.timeout)
            if not settings.quotes_constrained:  # (else a response model per article)
                self.provider.prepare(ExtractedSummary)
            relay.start()  # forked first: the first request waits for it
            self.provider.relay = relay
        size = self._assembly_workers
        if size is None:
            size = default_size(request_worker=relay is not None and relay.usable)
        if size > 0 and not self.settings.uses_embedded:
            self._pool = AssemblyPool(size)
        if self._pool is not None and workers >= _POOL_EAGER and fork_possible():
            self._pool.start()  # before the first request: the HTTP client may start threads
        checkpointer = self.ledger.checkpointer() if self.ledger is not None else None

        def checkpoints_start() -> None:
            if checkpointer is not None:
                checkpointer.start()

        if self._pool is None or self._pool.started:
            checkpoints_start()  # no fork to come (else once the pool has started)
        workers_ = [asyncio.create_task(worker(n)) for n in range(workers)]
        finishing = asyncio.create_task(finisher())
        supervisor = asyncio.create_task(supervise())
        tasks = [*workers_, finishing, supervisor]
        try:
            while (item := await self._out.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if checkpointer is not None:
                checkpointer.stop()
            if relay is not None:
                self.provider.relay = None
                await (relay_closed[0] if relay_closed else relay.close())
                self.stats.relayed, self.stats.relay_cpu_s = relay.sent, relay.cpu_s

    async def _emit(self, result: Result, row: ItemRow | None) -> None:
        if row is not None and self.ledger is not None and self.run_id is not None:
            await self.ledger.arecord(self.run_id, row)
        self.stats.add(result)
        await self._out.put(result)

    # -- one input -----------------------------------------------------------------------------

    async def _handle(self, index: int, item: Article | IngestError) -> None:
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
            await self._emit(*settled)
            return
        assert isinstance(item, Article)  # an unreadable input is settled above
        try:
            plan = self.planner.plan(item)
        except DocumentTooLong as exc:  # refused before anything is paid for
            failure = Failure(
                article_id=item.id, source_path=item.source_path, stage="ingest", reason=str(exc)
            )
            row = _failure_row(index, failure, item)
            await self._emit(Result(index, failure=failure, usage=Usage()), row)
            return
        if plan.staged:
            await self._handle_staged(index, item, plan)
            return
        if len(plan.requests) > 1:
            await self._handle_parts(index, item, plan)
            return
        key = plan.key
        if key is not None:
            if key in self._inflight:  # the same article is being asked right now: wait for it
                answer = await asyncio.shield(self._inflight[key])
            else:
                answer = self.ledger.cached(key)  # type: ignore[union-attr]
            if answer is not None and await self._from_cache(index, item, key, answer):
                return
        await self._ask(index, item, plan.requests[0])

    async def _finished_in_ledger(self, index: int, article: Article, plan: Plan) -> bool:
        """A document of several requests whose finished record the ledger holds under its key:
        served from there (True), nothing asked."""
        if plan.key is None or self.ledger is None:
            return False
        stored = self.ledger.cached(plan.key)
        if stored is None or stored.result is None:
            return False
        return await self._from_cache(index, article, plan.key, stored)

    async def _from_cache(
        self, index: int, article: Article, key: str, answer: CachedAnswer
    ) -> bool:
        """Serve the article from the ledger; False when what is there cannot serve it."""
        stored: ArticleSummary | None = None
        gazetteer = answer.gazetteer
        if answer.result is not None and gazetteer is None:  # a row from before the column
            stored = ArticleSummary.model_validate_json(answer.result)
            gazetteer = stored.provenance.gazetteer or ""
        if (
            answer.result is not None
            and answer.article_id == article.id
            and answer.source == article.source_path
            and gazetteer == self._gazetteer_label
            and answer.record_version == SCHEMA_VERSION
        ):
            # The same article as stored, normalised alike: the stored record is this one's,
            # handed on as stored (parsed only if the caller asks for the object).
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
                prompt_version=self.prompts.version,
                gazetteer=gazetteer,
            )
            await self._emit(
                Result(
                    index,
                    summary=stored,
                    cached=True,
                    usage=Usage(),
                    cost_usd=0.0,
                    summary_json=answer.result,
                ),
                row,
            )
            return True
        if answer.result is not None and stored is None:
            stored = ArticleSummary.model_validate_json(answer.result)
        # The same text under another name (file, id, URL), places resolved with another
        # gazetteer, a record of an older shape, or an answer whose record a crash prevented:
        # assemble this article's record from the logged answer.
        logged = answer if answer.extraction is not None else self.ledger.response(key)  # type: ignore[union-attr]
        if logged is None or logged.extraction is None:
            return False
        extraction = ExtractedSummary.model_validate_json(logged.extraction)
        if stored is not None:
            provenance = stored.provenance.model_dump(exclude={"schema_version"})
        else:
            provenance = (
                {"created_at": dt.datetime.fromisoformat(logged.created_at)}
                if logged.created_at
                else {}
            )
        usage = Usage(
            prompt_tokens=logged.prompt_tokens,
            completion_tokens=logged.completion_tokens,
            attempts=logged.attempts,
            latency_s=logged.latency_s,
        )
        provenance.setdefault("usage", usage.model_dump())
        # Asked for this very input of this run (by a process that died before its row): its cost
        # belongs to this run. Otherwise it was paid for elsewhere.
        own = logged.run_id is not None and logged.run_id == self.run_id and logged.seq == index
        await self._answers.put(
            _Answer(
                index,
                article,
                key,
                extraction,
                usage if own else Usage(),
                logged.model or provenance.get("model") or self.provider.model,
                cached=not own,
                provenance=provenance,
                billed=logged.cost_usd if own else None,
            )
        )
        return True

    def _note_failure(self, exc: LLMError) -> None:
        if exc.fatal:
            self._fatal = exc.reason
        elif exc.unreachable and self.provider.responses == self._responses_before:
            # Nothing in this batch has reached the endpoint, and this article could not
            # connect in all its attempts: the rest would only wait out the same retries (~9 s
            # each by default, ~50 s when no connection is answered at all). They are skipped;
            # --resume asks them.
            self._fatal = exc.reason

    async def _ask(self, index: int, article: Article, request: Request) -> None:
        key = request.key
        future = None
        if key is not None:
            future = asyncio.get_running_loop().create_future()
            self._inflight[key] = future
        try:
            try:
                extraction: Extraction = await self._extract(article, request)
            except LLMError as exc:
                self._note_failure(exc)
                halves = self.planner.split(article, request, 1) if exc.cut_off else None
                if halves:  # too long an answer: the article asked again in two halves
                    pending, future = future, None  # settled with the record, or with nothing
                    await self._handle_parts(
                        index, article, Plan(tuple(halves), key), spent=[exc.usage], future=pending
                    )
                    return
                failure = _llm_failure(article, exc.reason)
                cost = estimate_cost(
                    self.provider.model, exc.usage.prompt_tokens, exc.usage.completion_tokens
                )
                row = _failure_row(
                    index,
                    failure,
                    article,
                    key=key,
                    usage=exc.usage,
                    cost=cost,
                    model=self.provider.model,
                    prompt_version=self.prompts.version,
                )
                await self._emit(
                    Result(index, failure=failure, usage=exc.usage, cost_usd=cost), row
                )
                self._settle(key, future, None)
                return
            extraction_json = extraction.summary.model_dump_json()
            logged = None
            if key is not None and self.ledger is not None:
                # Not awaited here: the next request goes out first; the row waits for it.
                usage = extraction.usage
                logged = self.ledger.log_response_soon(
                    key,
                    extraction_json,
                    run_id=self.run_id,
                    seq=index,
                    model=extraction.model,
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                    attempts=usage.attempts,
                    latency_s=usage.latency_s,
                )
            if len(extraction.summary.events) >= EVENTS_PER_ANSWER:
                # As many events as one answer holds: there may be more. Its halves are asked
                # too, and their events added (the record waits for them).
                if logged is not None:
                    await logged
                pending, future = future, None  # settled with the record, or with nothing
                seed = _Asked(
                    request, extraction.summary, extraction.usage, extraction.model, False
                )
                await self._handle_parts(
                    index, article, Plan((request,), key), seed=seed, future=pending
                )
                return
            await self._answers.put(
                _Answer(
                    index,
                    article,
                    key,
                    extraction.summary,
                    extraction.usage,
                    extraction.model,
                    cached=False,
                    future=future,
                    extraction_json=extraction_json,
                    logged=logged,
                )
            )
            future = None  # the finisher settles it
        finally:
            if future is not None:
                self._settle(key, future, None)

    async def _handle_parts(
        self,
        index: int,
        article: Article,
        plan: Plan,
        seed: _Asked | None = None,
        spent: list[Usage] | None = None,
        future: asyncio.Future | None = None,
    ) -> None:
        """A document of several requests: each answered from the ledger if it holds one (a
        crash between parts loses none), else asked; a part whose answer reached the model's
        limits (the most events one answer holds, or max_tokens) asked again in two halves;
        a long document's summary written from its parts'; the record once all are in.
        ``seed``: an answer already in (a whole article's, which reached the event limit);
        ``spent``: what was paid already (a whole article's answer that was cut off)."""
        if seed is None and not spent and await self._finished_in_ledger(index, article, plan):
            return
        state = _Parts(next_part=max(r.part for r in plan.requests) + 1, spent=list(spent or []))
        state.asked = len(state.spent)
        todo = [(request, (n,)) for n, request in enumerate(plan.requests)]
        if seed is not None:
            todo = self._follow_up(article, seed, (0,), state) or []
            state.keep(seed, (0,))
            state.asked += 1
        await self._collect(index, article, todo, state)
        usage = _sum_usage(state.spent)
        if state.failures:
            await self._fail_document(index, article, plan, state, usage)
            self._settle(plan.key, future, None)
            return
        parts = state.ordered()
        overview = None
        if seed is not None:  # the whole article's own summary stands for it
            overview = DocumentSummary.model_construct(
                summary=seed.extraction.summary, key_points=seed.extraction.key_points
            )
        elif len(parts) > 1:
            overview = await self._overview(index, article, parts, state)
            usage = _sum_usage(state.spent)
        await self._answers.put(
            _Answer(
                index,
                article,
                plan.key,
                combine_parts(parts) if len(parts) == 1 else parts[0],
                usage,
                state.model or self.provider.model,
                cached=not state.spent,
                requests=state.asked,
                parts=parts if len(parts) > 1 else None,
                overview=overview,
                warnings=state.warnings,
                future=future,
                billed=state.cost(state.model or self.provider.model),
            )
        )

    async def _fail_document(
        self, index: int, article: Article, plan: Plan, state: _Parts, usage: Usage
    ) -> None:
        first = state.failures[0]
        reason = f"{len(state.failures)} of {state.asked} requests failed; first: {first.reason}"
        failure = _llm_failure(article, reason)
        cost = estimate_cost(self.provider.model, usage.prompt_tokens, usage.completion_tokens)
        row = _failure_row(
            index,
            failure,
            article,
            key=plan.key,
            usage=usage,
            cost=cost,
            model=self.provider.model,
            prompt_version=self.prompts.version,
            requests=state.asked,
        )
        await self._emit(Result(index, failure=failure, usage=usage, cost_usd=cost), row)

    async def _handle_staged(self, index: int, article: Article, plan: Plan) -> None:
        """An article asked in stages (``strategies/staged.py``): each sentence (does it report
        an event?) and the summary, then each event sentence's fields; every request answered
        from the ledger if it holds one (so a resume pays for nothing twice), else asked. An
        unanswered sentence fails the article (any event could be in it); an unanswered event
        sentence's fields lose that event, with a warning; an unwritten summary is a warning."""
        if await self._finished_in_ledger(index, article, plan):
            return
        state = _Parts(next_part=len(plan.requests))
        screens = plan.requests[:-1]  # and the brief, last
        # The sentences first (short requests sharing one cached prefix), then the summary.
        outcomes = await asyncio.gather(
            *(self._part(index, article, r) for r in plan.requests), return_exceptions=True
        )
        for outcome in outcomes:
            state.asked += 1
            if isinstance(outcome, LLMError):
                state.spent.append(outcome.usage)
            elif isinstance(outcome, BaseException):
                raise outcome
            elif not outcome.elsewhere:
                state.spent.append(outcome.usage)
                state.model = state.model or outcome.model
            elif state.model is None:
                state.model = outcome.model
        *screened, summary = outcomes
        failed = [o for o in screened if isinstance(o, LLMError)]
        if failed:  # an unread sentence could hold any event: the article is not complete
            state.failures += failed
            await self._fail_document(index, article, plan, state, _sum_usage(state.spent))
            return
        if isinstance(summary, LLMError):
            state.warnings.append(f"the summary could not be written ({summary.reason})")
        staged = self.planner.staged
        assert staged is not None
        picked = staged.screened(
            [(r.sentence, o.extraction) for r, o in zip(screens, screened, strict=True)]  # type: ignore[union-attr, misc]
        )
        requests = self.planner.fields(article, picked)
        answers = await asyncio.gather(
            *(self._part(index, article, r) for r in requests), return_exceptions=True
        )
        fields = []
        for request, outcome in zip(requests, answers, strict=True):
            state.asked += 1
            if isinstance(outcome, LLMError):
                state.spent.append(outcome.usage)
                state.warnings.append(
                    f"sentence {request.sentence}: its event could not be read ({outcome.reason})"
                )
                continue
            if isinstance(outcome, BaseException):
                raise outcome
            if not outcome.elsewhere:
                state.spent.append(outcome.usage)
            fields.append((request.sentence, outcome.extraction))
        extraction, warnings = staged.combine(
            article, fields, None if isinstance(summary, LLMError) else summary.extraction
        )
        usage = _sum_usage(state.spent)
        await self._answers.put(
            _Answer(
                index,
                article,
                plan.key,
                extraction,  # type: ignore[arg-type]
                usage,
                state.model or self.provider.model,
                cached=not state.spent,
                provenance={"prompt_version": f"staged:{self.planner.staged_version}"},
                requests=state.asked,
                warnings=[*state.warnings, *warnings],
            )
        )

    async def _collect(
        self,
        index: int,
        article: Article,
        todo: list[tuple[Request, tuple[int, ...]]],
        state: _Parts,
    ) -> None:
        """Answer ``todo`` (requests with their place in the document), then what they left to
        ask again."""
        while todo:
            outcomes = await asyncio.gather(
                *(self._part(index, article, request) for request, _ in todo),
                return_exceptions=True,
            )
            follow: list[tuple[Request, tuple[int, ...]]] = []
            for (request, place), outcome in zip(todo, outcomes, strict=True):
                state.asked += 1
                if isinstance(outcome, LLMError):
                    state.spent.append(outcome.usage)
                    if outcome.cut_off:
                        halves = self._split(article, request, place, state)
                        if halves:
                            follow += halves
                        else:
                            state.warnings.append(
                                f"part {place_label(place)}: the answer was cut off at "
                                f"max_tokens={self.settings.max_tokens} and cannot be split "
                                "further; the events it held are missing"
                            )
                        continue
                    state.failures.append(outcome)
                    continue
                if isinstance(outcome, BaseException):
                    raise outcome
                state.keep(outcome, place)
                follow += self._follow_up(article, outcome, place, state) or []
            todo = follow

    def _follow_up(
        self, article: Article, asked: _Asked, place: tuple[int, ...], state: _Parts
    ) -> list[tuple[Request, tuple[int, ...]]] | None:
        """An answer holding the most events one answer may: its text asked again in halves
        (their events are added to its own), or a warning where it cannot be split."""
        if len(asked.extraction.events) < EVENTS_PER_ANSWER:
            return None
        halves = self._split(article, asked.request, place, state)
        if not halves:
            state.warnings.append(
                f"part {place_label(place)}: the answer holds the most events one answer may "
                f"({EVENTS_PER_ANSWER}) and its text cannot be split further; more may be missing"
            )
        return halves

    def _split(
        self, article: Article, request: Request, place: tuple[int, ...], state: _Parts
    ) -> list[tuple[Request, tuple[int, ...]]] | None:
        halves = self.planner.split(article, request, state.next_part)
        if not halves:
            return None
        state.next_part += len(halves)
        return [(half, (*place, n)) for n, half in enumerate(halves)]

    async def _overview(
        self, index: int, article: Article, parts: list[ExtractedSummary], state: _Parts
    ) -> DocumentSummary | None:
        """A long document's summary, asked from its parts' summaries (and cached as any part);
        if it cannot be had, the parts' summaries are joined, with a warning saying so."""
        summaries = [p.summary for p in parts if p.summary.strip()]
        request = self.planner.summary(article, summaries, state.next_part)
        try:
            asked = await self._part(index, article, request)
        except LLMError as exc:
            state.spent.append(exc.usage)
            state.warnings.append(
                f"the document's summary could not be written ({exc.reason}); its parts' "
                "summaries are joined instead"
            )
            return None
        state.asked += 1
        if not asked.elsewhere:
            state.spent.append(asked.usage)
        return asked.extraction  # type: ignore[return-value]

    async def _part(self, index: int, article: Article, request: Request) -> _Asked:
        """One request of a document: its logged answer, else asked (and logged)."""
        parse = self.planner.parse_model(request)
        if request.key is not None and self.ledger is not None:
            logged = self.ledger.response(request.key)
            if logged is not None and logged.extraction is not None:
                own = logged.run_id == self.run_id and logged.seq == index
                usage = Usage(
                    prompt_tokens=logged.prompt_tokens,
                    completion_tokens=logged.completion_tokens,
                    attempts=logged.attempts,
                    latency_s=logged.latency_s,
                )
                return _Asked(
                    request,
                    parse.model_validate_json(logged.extraction),  # type: ignore[arg-type]
                    usage,
                    logged.model or self.provider.model,
                    elsewhere=not own,
                    billed=logged.cost_usd if own else None,
                )
        if self._fatal:
            raise LLMError(f"not attempted: {self._fatal}")
        try:
            answer = await self._extract(article, request)
        except LLMError as exc:
            self._note_failure(exc)
            raise
        self.stats.parts += 1
        if request.key is not None and self.ledger is not None:
            usage = answer.usage
            await self.ledger.log_response_soon(
                request.key,
                answer.summary.model_dump_json(),
                run_id=self.run_id,
                seq=index,
                model=answer.model,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                attempts=usage.attempts,
                latency_s=usage.latency_s,
                part=request.part,
                kind=request.kind,
            )
        return _Asked(request, answer.summary, answer.usage, answer.model, elsewhere=False)

    async def _extract(self, article: Article, request: Request) -> Extraction:
        settled = self._settled.get(request.key) if request.key is not None else None
        if settled is not None:
            raise LLMError(settled[0], cut_off=settled[1])
        return await self.provider.extract(
            self.planner.messages(article, request),
            self.planner.response_model(article, request),
            self.planner.check(article, request),
        )

    def _settle(
        self, key: str | None, future: asyncio.Future | None, answer: CachedAnswer | None
    ) -> None:
        if key is not None and future is not None and self._inflight.get(key) is future:
            del self._inflight[key]
        if future is not None and not future.done():
            future.set_result(answer)

    # -- the finisher --------------------------------------------------------------------------

    async def _finish_answer(self, a: _Answer, pooled: bool = False) -> None:
        """Assemble the record (in a worker process when ``pooled``), record it, hand it on."""
        article, usage = a.article, a.usage
        prov = a.provenance or {}
        if a.cached:
            cost: float | None = 0.0
        elif a.billed is not None:
            cost = a.billed
        else:
            cost = estimate_cost(a.model, usage.prompt_tokens, usage.completion_tokens)
        model = prov.get("model", a.model)
        record_usage = Usage.model_validate(prov["usage"]) if "usage" in prov else usage
        endpoint = prov.get("endpoint", self.settings.endpoint_label)
        prompt_version = prov.get("prompt_version", self.prompts.version)
        summary: ArticleSummary | None = None
        result_json: str | None = None
        invalid: str | None = None
        if pooled and self._pool is not None:
            created = prov.get("created_at")
            job = {
                "article": article_fields(article),
                "extraction": a.extraction_json or a.extraction.model_dump_json(),
                "parts": [p.model_dump_json() for p in a.parts] if a.parts else None,
                "overview": a.overview.model_dump_json() if a.overview else None,
                "warnings": a.warnings,
                "model": model,
                "endpoint": endpoint,
                "prompt_version": prompt_version,
                "usage": record_usage.model_dump(),
                "created_at": created.isoformat() if created else None,
                "gazetteer": self.settings.gazetteer,
            }
            try:
                answer = await self._pool.assemble(job)
            except WorkerGone:
                answer = {}
            if "result" in answer:
                result_json = answer["result"]  # parsed here only if the caller asks for it
            elif "invalid" in answer:
                invalid = answer["invalid"]
            if result_json is not None or invalid is not None:
                self.stats.assembled_in_worker += 1
        if result_json is None and invalid is None:  # in-process (also whenever a worker failed)
            self.stats.assembled_here += 1
            try:
                summary = build_summary(
                    article,
                    a.parts or a.extraction,
                    model=model,
                    endpoint=endpoint,
                    prompt_version=prompt_version,
                    usage=record_usage,
                    created_at=prov.get("created_at"),
                    gazetteer=Gazetteer.load(self.settings.gazetteer),
                    overview=a.overview,
                    warnings=a.warnings,
                )
                result_json = summary.model_dump_json()
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                invalid = " ".join(str(exc).splitlines()[:3])[:300]
        if a.logged is not None:
            await a.logged  # the answer is safe before its record is
        if invalid is not None or result_json is None:
            failure = Failure(
                article_id=article.id,
                source_path=article.source_path,
                stage="validate",
                reason=invalid or "assembly failed",
            )
            row = _failure_row(
                a.index,
                failure,
                article,
                key=a.key,
                usage=usage,
                cost=cost,
                model=a.model,
                prompt_version=self.prompts.version,
                requests=a.requests,
            )
            await self._emit(Result(a.index, failure=failure, usage=usage, cost_usd=cost), row)
            self._settle(a.key, a.future, None)
            return
        row = ItemRow(
            seq=a.index,
            article_id=article.id,
            source=article.source_path,
            sha256=article.sha256,
            cache_key=a.key,
            status="ok",
            cached=a.cached,
            result=result_json,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            attempts=usage.attempts,
            latency_s=usage.latency_s,
            cost_usd=cost,
            model=a.model,
            prompt_version=prompt_version,
            gazetteer=self._gazetteer_label,
            requests=a.requests,
        )
        await self._emit(
            Result(
                a.index,
                summary=summary,
                cached=a.cached,
                usage=usage,
                cost_usd=cost,
                summary_json=result_json,
            ),
            row,
        )
        if a.future is not None:
            self._settle(
                a.key,
                a.future,
                CachedAnswer(
                    article.id,
                    article.source_path,
                    result_json,
                    a.extraction_json,
                    a.model,
                    gazetteer=self._gazetteer_label,
                    record_version=SCHEMA_VERSION,
                ),
            )


def _retrieve(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()


def _llm_failure(article: Article, reason: str, status: str = "failed") -> Failure:
    return Failure(
        article_id=article.id,
        source_path=article.source_path,
        stage="llm",
        reason=reason,
        status=status,
    )


def _sum_usage(usages: list[Usage]) -> Usage:
    return Usage(
        prompt_tokens=sum(u.prompt_tokens for u in usages),
        completion_tokens=sum(u.completion_tokens for u in usages),
        attempts=sum(u.attempts for u in usages),
        latency_s=round(max((u.latency_s for u in usages), default=0.0), 3),
    )


def _failure_row(
    index: int,
    failure: Failure,
    article: Article | None = None,
    *,
    status: str = "failed",
    key: str | None = None,
    usage: Usage | None = None,
    cost: float | None = None,
    model: str | None = None,
    prompt_version: str | None = None,
    requests: int = 1,
) -> ItemRow:
    usage = usage or Usage()
    return ItemRow(
        seq=index,
        article_id=failure.article_id,
        source=failure.source_path,
        sha256=article.sha256 if article else None,
        cache_key=key,
        status=status,
        stage=failure.stage,
        reason=failure.reason,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        attempts=usage.attempts,
        latency_s=usage.latency_s,
        cost_usd=cost if usage.attempts else None,
        model=model,
        prompt_version=prompt_version,
        requests=requests,
    )
