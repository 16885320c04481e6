"""Assembly in worker processes: grounding and normalisation off the event loop.

Turning a model's answer into a stored record (``assemble.build_summary``: locating every quote,
resolving dates, places, actors, fatalities) is pure CPU work, ~0.5-1 ms per article. In the
engine's process it competes for the one interpreter lock with the HTTP client, so answers wait
while others are assembled; in worker processes it runs on the other cores, where there are
cores left (``default_size``: not on two cores with a request worker,
``runtime/request_worker.py``).

Workers are plain child processes speaking length-prefixed JSON over two pipes, read and written
by the event loop (no helper threads). An answer whose worker fails in any way is assembled
in-process instead, so the pool can only change where the work happens, never the result.

How a worker starts: on Linux, when this process runs no other thread, by ``os.fork()``: the
child has every module already imported (~10 ms of CPU instead of ~0.8 s for a fresh
interpreter to import pydantic, the schema and the normalisation tables: most of a 1,000-article
batch's assembly cost). Otherwise (other threads, whose locks a forked child could inherit held;
other systems) by starting a fresh interpreter.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import struct
import sys
from pathlib import Path
from typing import BinaryIO

from pydantic_core import from_json, to_json

from summarizer.config import environment
from summarizer.runtime.processes import (
    Worker,
    connect_forked,
    discard_forked,
    fork_possible,
    fork_worker,
)
from summarizer.types.article import Article

log = logging.getLogger("summarizer.runtime.assembly_workers")

_HEADER = struct.Struct("!I")
_READY = b"ready"
# A spawned worker imports only what assembly needs, from the very directory this process
# imported the package from (whatever the child's sys.path): the package module is registered by
# hand, and its __init__ skipped.
_BOOT = """\
import os, sys, types
os.nice(10)  # assembly is off the critical path: requests and answers go first
package = types.ModuleType("summarizer")
package.__path__ = [{package!r}]
sys.modules["summarizer"] = package
from summarizer.runtime.assembly_workers import _serve
_serve()
"""


class WorkerGone(RuntimeError):
    pass


def default_size(request_worker: bool = False) -> int:
    """``SUMMARIZER_ASSEMBLY_WORKERS``, else one per core left over, at most 4: a core is kept
    for the event loop, and one for the request worker when the batch has one
    (``runtime/request_worker.py``). On two cores with a request worker that leaves none: a
    third busy process on two cores costs more in hand-overs and waiting than the assembly it
    takes off the event loop (the throughput bench's ratio: ~1.09-1.10 without it, ~1.12-1.14
    with it)."""
    chosen = environment().assembly_workers
    if chosen is not None:
        return chosen
    return max(0, min(4, (os.cpu_count() or 1) - 1 - int(request_worker)))


def article_fields(article: Article) -> dict:
    return {
        "id": article.id,
        "text": article.text,
        "headline": article.headline,
        "sha256": article.sha256,
        "outlet": article.outlet,
        "published": article.published.isoformat() if article.published else None,
        "url": article.url,
        "source_path": article.source_path,
        "model_text": None if article.model_text == article.text else article.model_text,
        "author": article.author,
        "pages": list(article.pages),
        "keep_text": article.keep_text,
        "planted": [list(p) for p in article.planted],
    }


def article_from_fields(f: dict) -> Article:
    return Article(
        id=f["id"],
        text=f["text"],
        headline=f["headline"],
        sha256=f["sha256"],
        outlet=f["outlet"],
        published=dt.date.fromisoformat(f["published"]) if f["published"] else None,
        url=f["url"],
        source_path=f["source_path"],
        model_text=f["model_text"] or "",
        author=f.get("author"),
        pages=tuple(f.get("pages") or ()),
        keep_text=bool(f.get("keep_text")),
        planted=tuple(tuple(p) for p in f.get("planted") or ()),
    )


def assemble_job(job: dict) -> dict:
    """What a worker does with one job (also the in-process fallback's definition)."""
    from summarizer.pipeline.assemble import build_summary
    from summarizer.pipeline.normalise import Gazetteer
    from summarizer.types.extraction import DocumentSummary, ExtractedSummary
    from summarizer.types.records import Usage

    try:
        parts = job.get("parts")
        overview = job.get("overview")
        summary = build_summary(
            article_from_fields(job["article"]),
            [ExtractedSummary.model_validate_json(p) for p in parts]
            if parts
            else ExtractedSummary.model_validate_json(job["extraction"]),
            overview=DocumentSummary.model_validate_json(overview) if overview else None,
            warnings=job.get("warnings") or [],
            model=job["model"],
            endpoint=job["endpoint"],
            prompt_version=job["prompt_version"],
            usage=Usage.model_validate(job["usage"]),
            created_at=dt.datetime.fromisoformat(job["created_at"])
            if job.get("created_at")
            else None,
            gazetteer=Gazetteer.load(job.get("gazetteer")),
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        return {"invalid": " ".join(str(exc).splitlines()[:3])[:300]}
    return {"result": summary.model_dump_json()}


async def _spawn() -> Worker:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _BOOT.format(package=str(Path(__file__).resolve().parents[1])),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def kill() -> None:
        if proc.returncode is None:
            proc.kill()

    return Worker(proc.stdout, proc.stdin.write, kill, proc.wait)


def _fork() -> tuple[int, int, int]:
    return fork_worker(_serve_pipes, niceness=10)  # assembly is off the critical path


def _serve_pipes(jobs: int, answers: int) -> None:
    _work(os.fdopen(jobs, "rb"), os.fdopen(answers, "wb"))


class AssemblyPool:
    """``size`` worker processes, started in the background by ``start()``; ``assemble`` raises
    ``WorkerGone`` when no worker can take the job (the caller assembles it itself)."""

    def __init__(self, size: int, start_method: str = "auto"):
        """``start_method``: ``fork``, ``spawn``, or ``auto`` (fork where possible)."""
        self.size = size
        self.start_method = start_method
        self._procs: list[Worker] = []  # started, ready or not
        self._workers: list[Worker] = []
        self._starting: asyncio.Task | None = None

    @property
    def ready(self) -> bool:
        return any(w.alive for w in self._workers)

    @property
    def started(self) -> bool:
        """``start()`` has been called: whatever it forks is forked."""
        return self._starting is not None

    def start(self) -> None:
        """Start the workers in the background. Forked ones are forked here and now, before
        the caller's next step can start a thread (see ``fork_possible``)."""
        if self._starting is None and self.size > 0:
            forked: list[tuple[int, int, int]] = []
            if self.start_method == "fork" or (self.start_method == "auto" and fork_possible()):
                try:
                    for _ in range(self.size):
                        forked.append(_fork())  # noqa: PERF401 - kept even if a later fork fails
                except OSError as exc:  # out of processes or memory: the rest are spawned
                    log.warning("assembly worker not forked (%s)", exc)
            self._starting = asyncio.create_task(self._start(forked))

    async def _start(self, forked: list[tuple[int, int, int]]) -> None:
        pending = list(forked)  # forked, not yet connected: ours to end if we stop here
        try:
            for _ in range(self.size):
                try:
                    worker = await (connect_forked(*pending.pop(0)) if pending else _spawn())
                    self._procs.append(worker)
                    if await _read_frame(worker.answers) != _READY:
                        raise WorkerGone("worker did not start")
                except Exception as exc:
                    log.warning("assembly worker not started (%s); assembling in-process", exc)
                    return
                worker.reader = asyncio.create_task(self._read(worker))
                self._workers.append(worker)
        finally:
            for unconnected in pending:
                discard_forked(unconnected)

    async def _read(self, worker: Worker) -> None:
        try:
            while True:
                frame = await _read_frame(worker.answers)
                future = worker.pending.popleft()
                if not future.done():
                    future.set_result(_decode(frame))
        except Exception:
            worker.alive = False
            while worker.pending:
                future = worker.pending.popleft()
                if not future.done():
                    future.set_exception(WorkerGone("assembly worker exited"))

    @property
    def usable(self) -> bool:
        """Starting, or at least one worker alive."""
        starting = self._starting is not None and not self._starting.done()
        return starting or self.ready

    async def assemble(self, job: dict) -> dict:
        """One job's answer from the least busy worker (waiting for the workers to start)."""
        if self._starting is not None and not self._starting.done():
            await asyncio.shield(self._starting)
        live = [w for w in self._workers if w.alive]
        if not live:
            raise WorkerGone("no assembly worker")
        worker = min(live, key=lambda w: len(w.pending))
        data = to_json(job)  # pydantic-core's encoder: a quarter of json.dumps's CPU here
        future = asyncio.get_running_loop().create_future()
        worker.pending.append(future)
        try:
            worker.send(_HEADER.pack(len(data)) + data)
        except Exception as exc:  # a closed pipe: this worker is gone
            worker.alive = False
            raise WorkerGone(str(exc)) from exc
        return await future

    async def close(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        for proc in self._procs:
            # Every job's answer has been read (or abandoned): nothing is lost by not waiting
            # for the interpreter's orderly exit (~40 ms).
            await proc.end()
        self._procs.clear()
        for worker in self._workers:
            if worker.reader is not None:
                worker.reader.cancel()
                await asyncio.gather(worker.reader, return_exceptions=True)
        self._workers.clear()


def _encode(answer: dict) -> bytes:
    """An answer frame: one tag byte and the text as is (a record is JSON already: no second
    layer of escaping)."""
    [(kind, text)] = answer.items()
    return {"result": b"r", "invalid": b"i", "crash": b"c"}[kind] + text.encode("utf-8")


def _decode(frame: bytes) -> dict:
    kind = {b"r": "result", b"i": "invalid", b"c": "crash"}[frame[:1]]
    return {kind: frame[1:].decode("utf-8")}


async def _read_frame(stream: asyncio.StreamReader) -> bytes:
    (size,) = _HEADER.unpack(await stream.readexactly(_HEADER.size))
    return await stream.readexactly(size)


def _serve() -> None:
    """A spawned worker's loop: frames in on stdin, frames out on stdout, until stdin closes."""
    # The engine went away: so do we.
    with contextlib.suppress(BrokenPipeError, KeyboardInterrupt):
        _work(sys.stdin.buffer, sys.stdout.buffer)


def _work(inp: BinaryIO, out: BinaryIO) -> None:
    from summarizer.pipeline.assemble import warm_up

    warm_up()  # imports, gazetteer and other tables loaded before saying ready
    out.write(_HEADER.pack(len(_READY)) + _READY)
    out.flush()
    while True:
        head = inp.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return
        (size,) = _HEADER.unpack(head)
        job = from_json(inp.read(size))
        try:
            answer = assemble_job(job)
        except Exception as exc:
            answer = {"crash": f"{type(exc).__name__}: {exc}"[:300]}
        data = _encode(answer)
        out.write(_HEADER.pack(len(data)) + data)
        out.flush()


if __name__ == "__main__":
    _serve()
