"""Assembly in a worker process gives exactly the in-process record, and a dead worker costs
nothing but time (the engine assembles the article itself)."""

import asyncio
import json
import time
from pathlib import Path

import pytest

from summarizer.ingest import article_from_text
from summarizer.runtime.assembly_workers import (
    AssemblyPool,
    WorkerGone,
    article_fields,
    assemble_job,
)
from tests.conftest import SEEDS, seed_requests

REFERENCE = SEEDS[0].parent.parent / "tests" / "fixtures" / "reference"


def job_for(seed_path):
    article = article_from_text(
        seed_path.read_text(encoding="utf-8"), seed_path.stem, source_path=str(seed_path)
    )
    return {
        "article": article_fields(article),
        "extraction": (REFERENCE / f"{seed_path.stem}.json").read_text(encoding="utf-8"),
        "model": "fixture",
        "endpoint": "http://127.0.0.1:9/v1",
        "prompt_version": "p1",
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "attempts": 1},
        "created_at": "2026-01-01T00:00:00+00:00",
    }


START_METHODS = pytest.mark.parametrize("start_method", ["fork", "spawn"])


@START_METHODS
async def test_a_worker_assembles_what_the_engine_would(start_method):
    pool = AssemblyPool(1, start_method)
    pool.start()
    try:
        jobs = [job_for(path) for path in SEEDS]
        answers = await asyncio.gather(*(pool.assemble(job) for job in jobs))
        for job, answer in zip(jobs, answers, strict=True):
            assert answer == assemble_job(job)  # byte for byte the same record
            assert json.loads(answer["result"])["events"]
        bad = {**jobs[0], "extraction": '{"summary": 3}'}
        assert "invalid" in await pool.assemble(bad)
        # A worker that dies: the caller is told, and assembles in-process.
        pool._workers[0].kill()
        await pool._workers[0].wait()
        with pytest.raises(WorkerGone):
            for _ in range(3):
                await pool.assemble(jobs[0])
                await asyncio.sleep(0.05)
    finally:
        await pool.close()
    assert not pool.ready


def test_a_batch_through_the_pool_matches_one_without(tmp_path, monkeypatch):
    from summarizer.api import Summarizer
    from summarizer.config import Settings
    from tests.conftest import RECORDING_KEY
    from tests.fixtures.server import start_fixture_server

    def run(workers: str, ledger):
        monkeypatch.setenv("SUMMARIZER_ASSEMBLY_WORKERS", workers)
        settings = Settings(
            base_url=server.base_url,
            api_key=RECORDING_KEY,
            model="fixture",
            mode="tools",
            concurrency=16,
        )
        results = Summarizer(settings, ledger=ledger).summarize_many(SEEDS * 4)
        return {r.index: r.summary.model_dump(exclude={"provenance"}) for r in results if r.ok}

    calls = []
    real = AssemblyPool.assemble

    async def counted(self, job):
        answer = await real(self, job)
        calls.append(job["article"]["id"])
        return answer

    monkeypatch.setattr(AssemblyPool, "assemble", counted)
    with start_fixture_server() as server:
        pooled = run("1", tmp_path / "a.sqlite3")
        assert len(calls) == 5  # each distinct article assembled once, in the worker
        inline = run("0", tmp_path / "b.sqlite3")
    assert len(calls) == 5 and len(pooled) == 20 and pooled == inline


@START_METHODS
async def test_a_worker_resolves_places_with_the_jobs_gazetteer(tmp_path, start_method):
    from tests.test_normalise_places import DUMP_ROWS

    dump = tmp_path / "SY.txt"
    dump.write_text("\n".join(DUMP_ROWS) + "\n", encoding="utf-8")
    job = {**job_for(SEEDS[1]), "gazetteer": str(dump)}  # seed 001 names al-Lataminah
    pool = AssemblyPool(1, start_method)
    pool.start()
    try:
        answer = await pool.assemble(job)
    finally:
        await pool.close()
    assert answer == assemble_job(job)
    record = json.loads(answer["result"])
    ids = {e["place"]["name"]: e["place"]["geonames_id"] for e in record["events"] if e["place"]}
    assert ids["al-Lataminah"] == 9000001
    assert record["provenance"]["gazetteer"].startswith("SY.txt sha256:")


def test_a_worker_is_forked_only_while_this_process_runs_no_other_thread():
    import threading

    from summarizer.runtime.processes import fork_possible

    # A spawned worker an earlier test ended is waited for, but asyncio's thread that reaped
    # it may still be finishing (under load, for a moment after the wait returned).
    for thread in threading.enumerate():
        if thread.name.startswith("asyncio-waitpid"):
            thread.join(timeout=10)
    assert fork_possible()  # pytest's own thread only
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not fork_possible()  # its locks could be inherited held
    finally:
        release.set()
        thread.join()


def test_a_stuck_worker_costs_time_not_results(tmp_path, monkeypatch):
    """Far behind, the engine waits for the pool; a pool that stops answering altogether is
    given up on after a while, and the engine assembles the articles itself."""
    from summarizer.api import Summarizer
    from summarizer.config import Settings
    from summarizer.runtime import engine
    from tests.conftest import RECORDING_KEY
    from tests.fixtures.server import start_fixture_server

    monkeypatch.setenv("SUMMARIZER_ASSEMBLY_WORKERS", "1")
    monkeypatch.setattr(engine, "_POOL_BACKLOG", 2)
    monkeypatch.setattr(engine, "_POOL_STALL_S", 0.05)

    async def stuck(self, job):
        await asyncio.sleep(0.5)
        raise WorkerGone("stuck")

    monkeypatch.setattr(AssemblyPool, "assemble", stuck)
    with start_fixture_server() as server:
        settings = Settings(
            base_url=server.base_url,
            api_key=RECORDING_KEY,
            model="fixture",
            mode="tools",
            concurrency=16,
        )
        summarizer = Summarizer(settings, ledger=tmp_path / "l.sqlite3")
        results = list(summarizer.summarize_many(SEEDS * 2))
    assert sorted(r.index for r in results) == list(range(10)) and all(r.ok for r in results)
    assert summarizer.stats.assembled_here == 5  # each distinct article once (the rest: cache)


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
async def test_a_forked_worker_keeps_none_of_the_engines_files(tmp_path):
    """Sockets, the ledger and the event loop's epoll stay the engine's alone: a copy held in
    the worker would keep connections open after the engine closes them."""
    import os

    held = (tmp_path / "ledger-like.sqlite3").open("wb")
    pool = AssemblyPool(1, "fork")
    pool.start()
    try:
        assert await pool.assemble(job_for(SEEDS[0]))  # started and serving
        pid = next(
            int(p)
            for p in os.listdir("/proc")
            if p.isdigit() and _parent(int(p)) == os.getpid() and _is_forked_worker(int(p))
        )
        targets = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        assert str(tmp_path / "ledger-like.sqlite3") not in targets
        assert not any(t.startswith(("socket:", "anon_inode:[eventpoll]")) for t in targets)
        assert sum(t.startswith("pipe:") for t in targets) == 2  # its jobs and its answers
    finally:
        await pool.close()
        held.close()


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def _is_forked_worker(pid: int) -> bool:
    try:  # a fork runs this interpreter's own command line; a spawned one would say "-c"
        return Path(f"/proc/{pid}/cmdline").read_bytes() == Path("/proc/self/cmdline").read_bytes()
    except OSError:
        return False


def test_far_behind_the_engine_waits_for_the_pool_instead_of_assembling_itself(
    tmp_path, monkeypatch
):
    from summarizer.api import Summarizer
    from summarizer.config import Settings
    from summarizer.runtime import engine
    from tests.conftest import RECORDING_KEY
    from tests.fixtures.server import start_fixture_server

    monkeypatch.setenv("SUMMARIZER_ASSEMBLY_WORKERS", "1")
    monkeypatch.setattr(engine, "_POOL_BACKLOG", 1)
    # Each wait ends when the assembly ahead of it does; a wait that ran to this time-out
    # instead would take the batch past it (a functional check, not a speed target).
    monkeypatch.setattr(engine, "_POOL_STALL_S", 10.0)
    real = AssemblyPool.assemble

    async def slow(self, job):
        await asyncio.sleep(0.05)  # every answer arrives while the previous one is assembled
        return await real(self, job)

    monkeypatch.setattr(AssemblyPool, "assemble", slow)
    with start_fixture_server() as server:
        settings = Settings(
            base_url=server.base_url,
            api_key=RECORDING_KEY,
            model="fixture",
            mode="tools",
            concurrency=16,
        )
        summarizer = Summarizer(settings, ledger=tmp_path / "l.sqlite3")
        started = time.monotonic()
        results = list(summarizer.summarize_many(SEEDS))
        waited = time.monotonic() - started
    assert len(results) == 5 and all(r.ok for r in results)
    assert summarizer.stats.assembled_in_worker == 5 and summarizer.stats.assembled_here == 0
    assert waited < 10.0


async def test_forked_workers_that_cannot_be_reached_are_ended(monkeypatch):
    """Two workers forked, the first cannot be connected to: no worker, and neither child is
    left behind (the engine assembles in-process)."""
    import os

    from summarizer.runtime import assembly_workers as pool

    forked = []
    real_fork = pool._fork

    def recording_fork():
        forked.append(real_fork())
        return forked[-1]

    async def unreachable(pid, answers_r, jobs_w):
        os.close(answers_r)
        os.close(jobs_w)
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        raise OSError("cannot connect")

    monkeypatch.setattr(pool, "_fork", recording_fork)
    monkeypatch.setattr(pool, "connect_forked", unreachable)
    workers = AssemblyPool(2, "fork")
    workers.start()
    await workers._starting
    assert len(forked) == 2 and not workers.ready
    for pid, _, _ in forked:
        with pytest.raises(ProcessLookupError):  # reaped, not a zombie
            os.kill(pid, 0)
    await workers.close()


def test_assembly_workers_get_the_cores_left_over(monkeypatch):
    """One core for the event loop, one for the request worker when there is one; the rest,
    up to 4, assemble. (On two cores a third busy process costs more than it saves.)"""
    from summarizer.runtime.assembly_workers import default_size

    monkeypatch.delenv("SUMMARIZER_ASSEMBLY_WORKERS", raising=False)
    for cores, alone, with_request_worker in ((1, 0, 0), (2, 1, 0), (4, 3, 2), (16, 4, 4)):
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert default_size() == alone
        assert default_size(request_worker=True) == with_request_worker
    monkeypatch.setenv("SUMMARIZER_ASSEMBLY_WORKERS", "3")
    assert default_size(request_worker=True) == 3


def test_a_batch_with_a_request_worker_on_two_cores_assembles_here(tmp_path, monkeypatch):
    from summarizer.api import Summarizer
    from summarizer.config import Settings
    from summarizer.runtime import request_worker as relay
    from tests.conftest import RECORDING_KEY
    from tests.fixtures.server import start_fixture_server

    monkeypatch.delenv("SUMMARIZER_ASSEMBLY_WORKERS", raising=False)
    monkeypatch.setattr(relay, "fork_possible", lambda: True)  # the fixture server is a thread

    def stats(cores: int):
        monkeypatch.setattr("os.cpu_count", lambda: cores)
        settings = Settings(
            base_url=server.base_url,
            api_key=RECORDING_KEY,
            model="fixture",
            mode="tools",
            concurrency=16,
        )
        summarizer = Summarizer(settings, ledger=tmp_path / f"{cores}.sqlite3")
        assert all(r.ok for r in summarizer.summarize_many(SEEDS))
        return summarizer.stats

    with start_fixture_server() as server:
        two, four = stats(2), stats(4)
    asked = seed_requests(SEEDS)
    assert two.relayed == asked and (two.assembled_here, two.assembled_in_worker) == (5, 0)
    assert four.relayed == asked and (four.assembled_here, four.assembled_in_worker) == (0, 5)
