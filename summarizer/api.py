"""The Python API: one article or many, sync or async. The CLI is a thin layer over this.

>>> from summarizer import summarize, summarize_many, Settings
>>> s = summarize("seeds/000_7f59d95cd243b889.txt")          # doctest: +SKIP
>>> for result in summarize_many(["seeds/"], concurrency=4):  # doctest: +SKIP
...     print(result.source, result.ok, result.summary or result.failure.reason)

Batches run on the engine in ``runtime/engine.py`` (bounded concurrency, rate limits, adaptive
slow-down on 429). Give a ``ledger`` (a path or a ``Ledger``) and every batch becomes a recorded
run: each article's outcome is stored as it completes, a re-run of the same articles is answered
from the ledger without a request, and ``run_id=`` resumes an interrupted run.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path

from summarizer.config import Settings
from summarizer.ingest import (
    STDIN,
    Article,
    IngestError,
    InputError,
    SourceCache,
    article_from_text,
    is_url,
    iter_articles,
    sha256_text,
    suffixes,
)
from summarizer.ingest.collections import is_collection, iter_collection
from summarizer.plan import Planner, Splitter, load_staged_version
from summarizer.prompts import load_prompts
from summarizer.providers import Provider, provider_for
from summarizer.providers.base import Sleep
from summarizer.runtime.batch_jobs import BatchRunner, Progress
from summarizer.runtime.batch_options import BatchOptions, BatchReport
from summarizer.runtime.distributed import DaskDriver, DaskOptions, dask_client
from summarizer.runtime.engine import Engine
from summarizer.runtime.throttle import Limits, Throttle
from summarizer.store.keys import config_key, decoding_config
from summarizer.store.ledger import Ledger
from summarizer.types.outcome import BatchStats, Result
from summarizer.types.records import ArticleSummary, Failure

__all__ = [
    "ArticleLike",
    "DaskOptions",
    "Limits",
    "Result",
    "SummarizeError",
    "Summarizer",
    "asummarize",
    "asummarize_many",
    "iter_inputs",
    "summarize",
    "summarize_many",
]

ArticleLike = Article | Path | str


class SummarizeError(Exception):
    """Raised by the single-article API; carries the same ``Failure`` a batch would yield."""

    def __init__(self, failure: Failure):
        super().__init__(f"{failure.source_path or failure.article_id}: {failure.reason}")
        self.failure = failure


def _text_article(text: str) -> Article:
    return article_from_text(text, f"text-{sha256_text(text)[:12]}")


def iter_inputs(
    items: Iterable[ArticleLike], sources: SourceCache | None = None
) -> Iterator[Article | IngestError]:
    """Articles pass through; paths (.txt, .jsonl, .html, .pdf), directories, globs, http(s)
    URLs and ``-`` (standard input) are read; other strings are text. ``sources`` keeps what
    URLs gave (the run ledger), so they are fetched once."""
    for item in items:
        if isinstance(item, Article):
            yield item
        elif isinstance(item, Path) or (isinstance(item, str) and _looks_like_path(item)):
            yield from iter_articles([item], sources)
        else:
            try:
                yield _text_article(item)
            except InputError as exc:
                yield IngestError("<text>", str(exc))


def _looks_like_path(item: str) -> bool:
    if item == STDIN or is_url(item):
        return True
    if "\n" in item or len(item) > 4096:
        return False
    path = Path(item)
    return path.exists() or path.suffix.lower() in suffixes() or any(c in item for c in "*?[")


class Summarizer:
    """Holds one endpoint's client and the prompts; reuse it across calls.

    ``sleep`` replaces the wait between transport retries (tests use it to observe waits).
    ``ledger`` (a path or a ``Ledger``) records every batch as a run and serves the cache;
    ``limits`` caps requests/tokens per minute and tokens per article; ``splitter`` says how a
    document is split into requests (default: a long one into overlapping windows of
    ``settings.window_tokens``, see ``plan.py``). After a batch,
    ``run_id`` names its run and ``stats`` holds its counts.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        sleep: Sleep | None = None,
        ledger: Ledger | str | Path | None = None,
        limits: Limits | None = None,
        splitter: Splitter | None = None,
        batch: BatchOptions | None = None,
        batch_options: BatchOptions | None = None,
        batch_progress: Progress | None = None,
    ):
        self.settings = settings or Settings.from_env()
        # Ask through the provider's Batch API first (``runtime/batch_jobs.py``); a run that has
        # batch jobs is resumed through it whether or not this is set.
        self.batch = batch
        # What a resumed run that has batch jobs polls them with, when ``batch`` is not given.
        self.batch_options = batch or batch_options or BatchOptions()
        self.batch_progress = batch_progress
        self.batch_report: BatchReport | None = None
        self.splitter = splitter
        self.prompts = load_prompts()
        self.limits = limits or Limits()
        self.provider: Provider = provider_for(
            self.settings, sleep=sleep, token_budget=self.limits.token_budget
        )
        self.ledger = ledger if ledger is None or isinstance(ledger, Ledger) else Ledger(ledger)
        self.stats = BatchStats()
        self.run_id: str | None = None
        self.throttle: Throttle | None = None
        self.dask_tasks: tuple[int, int] = (0, 0)  # a Dask batch's tasks: submitted, failed
        self.dask_answers_streamed = 0  # answers its workers streamed to the driver's ledger

    @property
    def model(self) -> str:
        return self.provider.model

    def config(self) -> dict:
        """What besides the article decides the answer (the ledger's cache key covers it)."""
        return decoding_config(
            self.settings,
            self.provider.model,
            self.provider.mode_name,
            self.prompts.version,
            load_staged_version() if self.settings.extraction_strategy == "staged" else "",
        )

    def config_key(self) -> str:
        """The key of ``config()``: runs, and their resumes, are matched by it."""
        return config_key(self.config())

    def start_run(self, inputs: list[str] | None = None) -> str:
        """Open a new run in the ledger (``asummarize_many`` does this when not given one)."""
        if self.ledger is None:
            raise ValueError("no ledger: pass Summarizer(ledger=...) to record runs")
        self.run_id = self.ledger.start_run(
            settings=self.settings,
            config=self.config(),
            endpoint=self.settings.endpoint_label,
            inputs=inputs,
        )
        return self.run_id

    async def asummarize(self, item: ArticleLike) -> ArticleSummary:
        """Summarise one article (an ``Article``, a path, or the text itself)."""
        return _the_one(item, [r async for r in self.asummarize_many([item], concurrency=1)])

    async def asummarize_many(
        self,
        items: Iterable[ArticleLike],
        concurrency: int | None = None,
        *,
        run_id: str | None = None,
        retry_failed: bool = False,
    ) -> AsyncIterator[Result]:
        """Yield one ``Result`` per input as each completes (``Result.index`` gives input
        order). Inputs are read lazily, so a huge corpus is never all in memory; one bad
        article never raises out of the batch.

        With a ledger: the batch is recorded as a new run, or continues ``run_id`` (inputs it
        already finished are handed back from the ledger, nothing is sent for them; with
        ``retry_failed`` its failures are asked again).
        """
        workers = max(1, concurrency or self.settings.concurrency)
        if self.settings.uses_embedded:
            workers = 1  # one llama.cpp decode at a time; parallel requests only queue
        ledger = self.ledger
        key = config_key(self.config()) if ledger is not None else None
        if ledger is not None:
            if run_id is None:
                listed = isinstance(items, (list, tuple)) and all(
                    isinstance(i, (str, Path)) for i in items
                )
                run_id = self.start_run([str(i) for i in items] if listed else None)  # type: ignore[union-attr]
            else:
                run_id = ledger.resolve(run_id)
                info = ledger.run(run_id)
                if info.config_key != key:
                    raise ValueError(
                        f"run {run_id} used other decoding settings ({info.model}, prompt "
                        f"{info.prompt_version}); resume it with the same settings"
                    )
                ledger.set_status(run_id, "running")
            self.run_id = run_id
        elif run_id is not None:
            raise ValueError("run_id needs a ledger: Summarizer(ledger=...)")
        self.stats = BatchStats()
        self.throttle = Throttle(
            workers, self.limits.requests_per_minute, self.limits.tokens_per_minute
        )
        # (the batch phase's online re-asks go through it too)
        self.provider.gate = self.throttle
        settled: dict[str, tuple[str, bool]] = {}
        planner = Planner(self.settings, self.prompts, key, self.splitter)
        source = lambda: iter_inputs(items, ledger)  # noqa: E731
        if (
            ledger is not None
            and run_id is not None
            and (self.batch is not None or ledger.batches.jobs(run_id))
        ):
            try:
                source = await self._batch_phase(items, run_id, planner, retry_failed=retry_failed)
            except BaseException:  # Ctrl-C while polling: --resume polls the same jobs
                self.provider.gate = None
                ledger.set_status(run_id, "interrupted")
                raise
            settled = {
                key: (reason, cut)
                for key, (reason, cut) in ledger.batches.settled(run_id).items()
                if cut or not retry_failed  # invalid ones, retried, are asked online
            }
        engine = Engine(
            settings=self.settings,
            provider=self.provider,
            prompts=self.prompts,
            stats=self.stats,
            ledger=ledger,
            run_id=run_id,
            config_key=key,
            retry_failed=retry_failed,
            planner=planner,
            settled=settled,
        )
        status = "interrupted"
        try:
            async for result in engine.run(source(), workers):
                self.stats.rate_limited = self.throttle.rate_limited  # live, for a progress bar
                yield result
            # Stopped early (a rejected key, an unreachable endpoint): what was not attempted is
            # left for --resume, as after Ctrl-C.
            status = "interrupted" if self.stats.skipped else "done"
        finally:
            self.stats.rate_limited = self.throttle.rate_limited
            self.provider.gate = None  # the throttle belongs to this batch's event loop
            if ledger is not None and run_id is not None:
                ledger.set_status(run_id, status)
            await self.provider.aclose()

    def finish_batch_jobs(self, run_id: str, inputs: list[str]) -> BatchReport:
        """Poll and collect a run's batch jobs until each is finished, submitting nothing new
        but the lines they failed to answer (``summarizer batches --wait``); resuming the run
        then makes its records from the stored answers."""
        planner = Planner(self.settings, self.prompts, self.config_key(), self.splitter)

        async def finish() -> None:
            await self._batch_phase(inputs, run_id, planner, submit=False)

        asyncio.run(finish())
        assert self.batch_report is not None
        return self.batch_report

    async def _batch_phase(
        self,
        items: Iterable[ArticleLike],
        run_id: str,
        planner: Planner,
        submit: bool = True,
        retry_failed: bool = False,
    ) -> Callable[[], Iterator[Article | IngestError]]:
        """Answer the run's requests through the Batch API (``runtime/batch_jobs.py``); the
        inputs for the engine, read again (or kept, when they can be read only once)."""
        from summarizer.providers.openai_batch import BatchEndpoint
        from summarizer.providers.openai_compat import OpenAICompatible

        if not isinstance(self.provider, OpenAICompatible):
            raise ValueError(
                "the Batch API needs an OpenAI-compatible endpoint, not the embedded model"
            )
        assert self.ledger is not None
        source = _replayable(items, self.ledger)
        endpoint = BatchEndpoint(self.settings)
        runner = BatchRunner(
            provider=self.provider,
            planner=planner,
            ledger=self.ledger,
            run_id=run_id,
            options=self.batch_options,
            endpoint=endpoint,
            progress=self.batch_progress,
        )
        try:
            await runner.run(source(), submit=submit, retry_failed=retry_failed)
        finally:
            self.batch_report = runner.report()
            await endpoint.aclose()
            await self.provider.aclose()  # its client belongs to this loop; the engine's may not
        return source

    def summarize(self, item: ArticleLike) -> ArticleSummary:
        """Sync twin of ``asummarize``, on summarize_many's private thread: it works inside a
        running event loop too (a notebook), where asyncio.run would refuse."""
        return _the_one(item, list(self.summarize_many([item], concurrency=1)))

    def summarize_many(
        self,
        items: Iterable[ArticleLike],
        concurrency: int | None = None,
        *,
        run_id: str | None = None,
        retry_failed: bool = False,
    ) -> Iterator[Result]:
        """Sync twin of ``asummarize_many``: runs the async engine on a private thread."""
        return _iterate_in_thread(
            lambda: self.asummarize_many(
                items, concurrency, run_id=run_id, retry_failed=retry_failed
            )
        )

    def summarize_on_dask(
        self,
        items,
        dask,
        concurrency: int | None = None,
        *,
        run_id: str | None = None,
        retry_failed: bool = False,
        partition_size: int | None = None,
        options: DaskOptions | None = None,
    ) -> Iterator[Result]:
        """Summarise a batch on a Dask cluster: ``dask`` is a ``distributed.Client``, a
        scheduler address (``tcp://host:8786``) or ``local:N`` (N worker processes here).
        ``items``: what ``summarize_many`` takes, or a Dask bag (of articles, records or paths)
        or dataframe (columns ``text``/``html``, ``id``, ``title``, ``outlet``, ``published``,
        ``url``). Each worker runs ``concurrency`` requests at once on partitions of
        ``partition_size`` articles; this process alone writes the ledger, exactly once per
        input, and yields each ``Result`` as its partition completes (see
        ``runtime/distributed.py``). Needs ``pip install 'summarizer[dask]'``."""
        if self.settings.uses_embedded:
            raise ValueError("--dask sends requests to an endpoint; the embedded model has none")
        if isinstance(dask, str):
            with dask_client(dask) as client:
                yield from self.summarize_on_dask(
                    items,
                    client,
                    concurrency,
                    run_id=run_id,
                    retry_failed=retry_failed,
                    partition_size=partition_size,
                    options=options,
                )
            return
        workers = max(1, concurrency or self.settings.concurrency)
        ledger = self.ledger
        key = self.config_key() if ledger is not None else None
        if ledger is not None:
            run_id = self._open_run(items, run_id, key)
        elif run_id is not None:
            raise ValueError("run_id needs a ledger: Summarizer(ledger=...)")
        self.run_id = run_id
        self.stats = BatchStats()
        options = options or DaskOptions()
        if partition_size is not None:
            options = dataclasses.replace(options, partition_size=partition_size)
        driver = DaskDriver(
            dask,
            settings=self.settings,
            prompt_version=self.prompts.version,
            planner=Planner(self.settings, self.prompts, key, self.splitter),
            stats=self.stats,
            concurrency=workers,
            limits=self.limits,
            ledger=ledger,
            run_id=run_id,
            config_key=key,
            retry_failed=retry_failed,
            splitter=self.splitter,
            options=options,
        )
        if is_collection(items):
            inputs = iter_collection(items, dask.compute, lambda paths: iter_inputs(paths, ledger))
        else:
            inputs = iter_inputs(items, ledger)
        status = "interrupted"
        try:
            yield from driver.run(inputs)
            status = "interrupted" if self.stats.skipped else "done"
        finally:
            self.dask_tasks = (driver.tasks_submitted, driver.tasks_failed)
            self.dask_answers_streamed = driver.answers_streamed
            if ledger is not None and run_id is not None:
                ledger.set_status(run_id, status)

    def _open_run(self, items, run_id: str | None, key: str | None) -> str:
        """A new run of ``items`` in the ledger, or ``run_id`` checked for resuming."""
        assert self.ledger is not None
        if run_id is None:
            listed = isinstance(items, (list, tuple)) and all(
                isinstance(i, (str, Path)) for i in items
            )
            return self.start_run([str(i) for i in items] if listed else None)
        run_id = self.ledger.resolve(run_id)
        info = self.ledger.run(run_id)
        if info.config_key != key:
            raise ValueError(
                f"run {run_id} used other decoding settings ({info.model}, prompt "
                f"{info.prompt_version}); resume it with the same settings"
            )
        self.ledger.set_status(run_id, "running")
        return run_id


def _replayable(
    items: Iterable[ArticleLike], sources: SourceCache | None
) -> Callable[[], Iterator[Article | IngestError]]:
    """Inputs that can be read twice (the batch phase, then the engine): a list of paths is read
    again; anything else (a generator, standard input) is read once and kept."""
    if isinstance(items, (list, tuple)) and STDIN not in items:
        return lambda: iter_inputs(items, sources)
    kept = list(iter_inputs(items, sources))
    return lambda: iter(kept)


def _the_one(item: ArticleLike, results: list[Result]) -> ArticleSummary:
    """The summary of a single-article batch, or its failure raised."""
    if len(results) != 1:
        raise SummarizeError(
            Failure(
                article_id=str(item)[:40],
                stage="ingest",
                reason=f"expected one article, found {len(results)}",
            )
        )
    if results[0].failure:
        raise SummarizeError(results[0].failure)
    return results[0].summary  # type: ignore[return-value]


def _iterate_in_thread(make_agen) -> Iterator:
    """Drive an async generator on its own event loop in a thread; hand items over a queue.

    This lets sync callers (and code already inside an event loop, like notebooks) use the
    one async engine without nesting loops. Leaving the loop early cancels the engine.
    """
    handoff: queue.Queue = queue.Queue()
    loop = asyncio.new_event_loop()
    end = object()

    async def pump() -> None:
        agen = make_agen()
        try:
            async for item in agen:
                handoff.put(item)
        finally:
            await agen.aclose()  # run the engine's clean-up now, on this loop, not at GC

    task = loop.create_task(pump())

    def run() -> None:
        try:
            loop.run_until_complete(task)
            handoff.put((end, None))
        except asyncio.CancelledError:
            handoff.put((end, None))
        except BaseException as exc:  # re-raised in the caller's thread
            handoff.put((end, exc))
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="summarizer-engine", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if isinstance(item, tuple) and len(item) == 2 and item[0] is end:
                if item[1] is not None:
                    raise item[1]
                return
            yield item
    finally:
        if thread.is_alive():
            # The loop may close between the check and the call.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)
            thread.join()


def summarize(item: ArticleLike, settings: Settings | None = None) -> ArticleSummary:
    """Summarise one article: an ``Article``, a ``.txt`` path, or the article's text.

    >>> summary = summarize("seeds/004_b7d2140178b5259b.txt")  # doctest: +SKIP
    >>> [e.sub_event_type for e in summary.events]              # doctest: +SKIP
    """
    return Summarizer(settings).summarize(item)


def summarize_many(
    items: Iterable[ArticleLike],
    settings: Settings | None = None,
    concurrency: int | None = None,
    *,
    ledger: Ledger | str | Path | None = None,
    limits: Limits | None = None,
) -> Iterator[Result]:
    """Summarise many articles; yields one ``Result`` (success or failure) per input."""
    return Summarizer(settings, ledger=ledger, limits=limits).summarize_many(items, concurrency)


async def asummarize(item: ArticleLike, settings: Settings | None = None) -> ArticleSummary:
    return await Summarizer(settings).asummarize(item)


async def asummarize_many(
    items: Iterable[ArticleLike],
    settings: Settings | None = None,
    concurrency: int | None = None,
    *,
    ledger: Ledger | str | Path | None = None,
    limits: Limits | None = None,
) -> AsyncIterator[Result]:
    summarizer = Summarizer(settings, ledger=ledger, limits=limits)
    async for result in summarizer.asummarize_many(items, concurrency):
        yield result
