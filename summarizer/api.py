"""The Python API: one article or many, sync or async. The CLI is a thin layer over this.

>>> from summarizer import summarize, summarize_many, Settings
>>> s = summarize("seeds/000_7f59d95cd243b889.txt")          # doctest: +SKIP
>>> for result in summarize_many(["seeds/"], concurrency=4):  # doctest: +SKIP
...     print(result.source, result.ok, result.summary or result.failure.reason)
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from .assemble import build_summary
from .ingest import Article, IngestError, InputError, article_from_text, iter_articles, sha256_text
from .llm import Extractor, LLMError, Sleep
from .prompts import load_prompts
from .quotes import quote_constrained_model
from .schema import ArticleSummary, ExtractedSummary, Failure
from .settings import Settings

ArticleLike = Union[Article, Path, str]


class SummarizeError(Exception):
    """Raised by the single-article API; carries the same ``Failure`` a batch would yield."""

    def __init__(self, failure: Failure):
        super().__init__(f"{failure.source_path or failure.article_id}: {failure.reason}")
        self.failure = failure


@dataclass(frozen=True)
class Result:
    """One input's outcome: exactly one of ``summary`` and ``failure`` is set."""

    index: int
    summary: ArticleSummary | None = None
    failure: Failure | None = None

    @property
    def ok(self) -> bool:
        return self.summary is not None

    @property
    def source(self) -> str:
        record = self.summary or self.failure
        return (record.source_path or record.article_id) if record else "?"  # type: ignore[union-attr]


def _text_article(text: str) -> Article:
    return article_from_text(text, f"text-{sha256_text(text)[:12]}")


def iter_inputs(items: Iterable[ArticleLike]) -> Iterator[Article | IngestError]:
    """Articles pass through; paths, directories and globs are read; other strings are text."""
    for item in items:
        if isinstance(item, Article):
            yield item
        elif isinstance(item, Path) or (isinstance(item, str) and _looks_like_path(item)):
            yield from iter_articles([item])
        else:
            try:
                yield _text_article(item)
            except InputError as exc:
                yield IngestError("<text>", str(exc))


def _looks_like_path(item: str) -> bool:
    if "\n" in item or len(item) > 4096:
        return False
    path = Path(item)
    return path.exists() or path.suffix in (".txt", ".jsonl") or any(c in item for c in "*?[")


class Summarizer:
    """Holds one endpoint's client and the prompts; reuse it across calls.

    ``sleep`` replaces the wait between transport retries (tests use it to observe waits).
    """

    def __init__(self, settings: Settings | None = None, *, sleep: Sleep | None = None):
        self.settings = settings or Settings.from_env()
        self.prompts = load_prompts()
        self.extractor = Extractor(self.settings, sleep=sleep)
        self._fatal: str | None = None

    @property
    def model(self) -> str:
        return self.extractor.model

    async def _one(self, index: int, item: Article | IngestError) -> Result:
        if isinstance(item, IngestError):
            return Result(index, failure=Failure(
                article_id=Path(item.source).stem, source_path=item.source, stage="ingest",
                reason=item.reason,
            ))  # fmt: skip
        if self._fatal:
            return Result(index, failure=_llm_failure(item, f"not attempted: {self._fatal}"))
        try:
            response_model = (
                quote_constrained_model(item.model_text, item.headline)
                if self.settings.quotes_constrained
                else ExtractedSummary
            )
            extraction = await self.extractor.extract(self.prompts.messages(item), response_model)
        except LLMError as exc:
            if exc.fatal:
                self._fatal = exc.reason
            return Result(index, failure=_llm_failure(item, exc.reason))
        try:
            summary = build_summary(
                item,
                extraction.summary,
                model=extraction.model,
                endpoint=self.settings.endpoint_label,
                prompt_version=self.prompts.version,
                usage=extraction.usage,
            )
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            first = str(exc).splitlines()
            return Result(index, failure=Failure(
                article_id=item.id, source_path=item.source_path, stage="validate",
                reason=" ".join(first[:3])[:300],
            ))  # fmt: skip
        return Result(index, summary=summary)

    async def asummarize(self, item: ArticleLike) -> ArticleSummary:
        """Summarise one article (an ``Article``, a path, or the text itself)."""
        results = [r async for r in self.asummarize_many([item], concurrency=1)]
        if len(results) != 1:
            raise SummarizeError(Failure(
                article_id=str(item)[:40], stage="ingest",
                reason=f"expected one article, found {len(results)}",
            ))  # fmt: skip
        if results[0].failure:
            raise SummarizeError(results[0].failure)
        return results[0].summary  # type: ignore[return-value]

    async def asummarize_many(
        self, items: Iterable[ArticleLike], concurrency: int | None = None
    ) -> AsyncIterator[Result]:
        """Yield one ``Result`` per article as each completes (``Result.index`` gives input
        order). Inputs are read lazily, so a huge corpus is never all in memory; one bad
        article never raises out of the batch."""
        workers = max(1, concurrency or self.settings.concurrency)
        if self.settings.uses_embedded:
            workers = 1  # one llama.cpp decode at a time; parallel requests only queue
        source = enumerate(iter_inputs(items))
        done: asyncio.Queue[Result | None] = asyncio.Queue(maxsize=workers * 2)

        async def worker() -> None:
            try:
                for index, item in source:  # the shared iterator hands each input out once
                    await done.put(await self._one(index, item))
            finally:
                await done.put(None)

        tasks = [asyncio.create_task(worker()) for _ in range(workers)]
        try:
            finished = 0
            while finished < workers:
                result = await done.get()
                if result is None:
                    finished += 1
                else:
                    yield result
            for task in tasks:
                task.result()  # surface a bug in a worker instead of losing it
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.extractor.aclose()

    def summarize(self, item: ArticleLike) -> ArticleSummary:
        return asyncio.run(self.asummarize(item))

    def summarize_many(
        self, items: Iterable[ArticleLike], concurrency: int | None = None
    ) -> Iterator[Result]:
        """Sync twin of ``asummarize_many``: runs the async engine on a private thread."""
        return _iterate_in_thread(lambda: self.asummarize_many(items, concurrency))


def _llm_failure(article: Article, reason: str) -> Failure:
    return Failure(
        article_id=article.id, source_path=article.source_path, stage="llm", reason=reason
    )


def _iterate_in_thread(make_agen) -> Iterator:
    """Drive an async generator on its own event loop in a thread; hand items over a queue.

    This lets sync callers (and code already inside an event loop, like notebooks) use the
    one async engine without nesting loops. Leaving the loop early cancels the engine.
    """
    handoff: queue.Queue = queue.Queue()
    loop = asyncio.new_event_loop()
    end = object()

    async def pump() -> None:
        async for item in make_agen():
            handoff.put(item)

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
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop closed between the check and the call
                pass
            thread.join()


def summarize(item: ArticleLike, settings: Settings | None = None) -> ArticleSummary:
    """Summarise one article: an ``Article``, a ``.txt`` path, or the article's text.

    >>> summary = summarize("seeds/004_b7d2140178b5259b.txt")  # doctest: +SKIP
    >>> [e.sub_event_type for e in summary.events]              # doctest: +SKIP
    """
    return Summarizer(settings).summarize(item)


def summarize_many(
    items: Iterable[ArticleLike], settings: Settings | None = None, concurrency: int | None = None
) -> Iterator[Result]:
    """Summarise many articles; yields one ``Result`` (success or failure) per input."""
    return Summarizer(settings).summarize_many(items, concurrency)


async def asummarize(item: ArticleLike, settings: Settings | None = None) -> ArticleSummary:
    return await Summarizer(settings).asummarize(item)


async def asummarize_many(
    items: Iterable[ArticleLike], settings: Settings | None = None, concurrency: int | None = None
) -> AsyncIterator[Result]:
    async for result in Summarizer(settings).asummarize_many(items, concurrency):
        yield result
