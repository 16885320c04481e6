"""Distributed runs on Dask (``runtime/distributed.py``): the driver alone writes the ledger,
exactly once; what the ledger holds is never sent to a worker; a failed or killed task's
partition is run again with nothing lost, duplicated, or paid twice once committed.

Offline, on loopback: the bench's fake server (``bench/fakeserver.py``, its own process) answers
every article with a valid extraction and counts, per article, the valid answers it sent. The
cluster is a scheduler and two single-thread worker processes started with Dask's own command
lines: a scheduler in this process would leave Dask's threads behind, and the tests after these
need a process with no thread but pytest's (they fork)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))

from common import BenchServer  # noqa: E402 - bench/ is on the path only now
from corpus import article, write_corpus  # noqa: E402

from summarizer import Settings, Summarizer  # noqa: E402
from summarizer.api import DaskOptions  # noqa: E402
from summarizer.runtime.distributed import (  # noqa: E402
    STREAM_BATCH,
    DistributedError,
    run_partition,
)


@pytest.fixture(scope="module")
def server():
    with BenchServer(latency_ms=20) as bench_server:
        yield bench_server


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, a client of it): two worker processes of one thread each."""
    where = tmp_path_factory.mktemp("dask")
    scheduler_file = where / "scheduler.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    log = (where / "cluster.log").open("w")
    started = []
    common = ["--no-dashboard", "--scheduler-file", str(scheduler_file)]
    for command in (
        ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0"],
        [
            "distributed.cli.dask_worker",
            "--nthreads",
            "1",
            "--nworkers",
            "2",
            "--host",
            "127.0.0.1",
        ],
    ):
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", *command, *common],
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # its own group: the nannies' workers end with it
            )
        )
        while command[0].endswith("scheduler") and not scheduler_file.exists():
            time.sleep(0.02)
    try:
        with distributed.Client(scheduler_file=str(scheduler_file)) as dask_client:
            dask_client.wait_for_workers(2, timeout=60)
            # Each worker imports the package now, not inside the first test's timing.
            dask_client.run(lambda: __import__("summarizer.runtime.distributed"))
            yield dask_client.scheduler.address, dask_client
    finally:
        for process in reversed(started):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
    # The tests after these fork worker processes, which wants no thread but pytest's.
    time.sleep(0.2)  # the client's event-loop thread ends just after it closes
    assert [t.name for t in threading.enumerate()] == [threading.current_thread().name]


@pytest.fixture
def client(cluster):
    return cluster[1]


@pytest.fixture
def fresh(server):
    server.reset()
    return server


def summarizer_for(server: BenchServer, ledger: Path | None) -> Summarizer:
    settings = Settings(base_url=server.url, api_key="sk-test-not-a-key", model="bench")
    return Summarizer(settings.replace(concurrency=8), ledger=ledger)


def ledger_rows(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT seq, status FROM items ORDER BY seq").fetchall()


def test_every_article_once_in_results_ledger_and_server(fresh, client, tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl", 60)
    ledger = tmp_path / "ledger.sqlite3"
    summarizer = summarizer_for(fresh, ledger)
    results = list(summarizer.summarize_on_dask([str(corpus)], client, partition_size=8))

    assert sorted(r.index for r in results) == list(range(60))
    assert all(r.ok for r in results), [r.failure for r in results if not r.ok]
    assert summarizer.dask_tasks == (8, 0)  # 60 articles in partitions of 8
    assert ledger_rows(ledger) == [(i, "ok") for i in range(60)]
    stats = fresh.stats()
    assert stats["articles_answered"] == 60
    assert stats["articles_answered_more_than_once"] == 0
    # The records are those a local batch makes: the same article, the same fields.
    first = next(r for r in results if r.index == 0).summary
    assert first.article_id == "bench-000000"
    assert [e.sub_event_type.value for e in first.events] == [
        "Shelling/artillery/missile attack",
        "Armed clash",
    ]
    assert summarizer.ledger.run(summarizer.run_id).status == "done"


def test_what_the_ledger_holds_is_not_sent_to_workers(fresh, client, tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl", 20)
    ledger = tmp_path / "ledger.sqlite3"
    list(summarizer_for(fresh, ledger).summarize_on_dask([str(corpus)], client, partition_size=8))
    assert fresh.stats()["requests"] == 20

    again = summarizer_for(fresh, ledger)
    results = list(again.summarize_on_dask([str(corpus)], client, partition_size=8))
    assert len(results) == 20 and all(r.ok and r.cached for r in results)
    assert again.dask_tasks == (0, 0)  # served by the driver: no task at all
    assert fresh.stats()["requests"] == 20

    # The answers were logged on the driver too: a local batch of the same articles under
    # other names re-assembles them (on the workers, from the seeds), asking nothing.
    renamed = tmp_path / "renamed.jsonl"
    lines = corpus.read_text().splitlines()
    renamed.write_text(
        "".join(line.replace('"bench-', '"renamed-') + "\n" for line in lines), encoding="utf-8"
    )
    third = summarizer_for(fresh, ledger)
    results = list(third.summarize_on_dask([str(renamed)], client, partition_size=8))
    assert sorted(r.summary.article_id for r in results)[0] == "renamed-000000"
    assert all(r.ok and r.cached for r in results)
    assert third.dask_tasks[0] == 3
    assert fresh.stats()["requests"] == 20
    # And the local engine reads what the driver wrote: nothing asked.
    local = list(summarizer_for(fresh, ledger).summarize_many([str(corpus)]))
    assert len(local) == 20 and all(r.cached for r in local)
    assert fresh.stats()["requests"] == 20


class Counted:
    """Runs the partition, noting its articles in ``log`` (one line per call: tasks run in the
    worker processes); with ``fail_call`` n, the n-th call fails after its answers were paid
    for: as a worker dying after asking, before its result reached the driver."""

    def __init__(self, log: Path, fail_call: int | None = None) -> None:
        self.log, self.fail_call = str(log), fail_call

    def __call__(self, job):
        outcome = run_partition(job)
        # A call of its own (a partition run again sends the same articles): a nonce.
        line = json.dumps([secrets.token_hex(4), [a.id for a in job.articles]]) + "\n"
        with open(self.log, "a", encoding="utf-8") as handle:  # one write: appended whole
            handle.write(line)
        if self.fail_call is not None:
            calls = Path(self.log).read_text(encoding="utf-8").splitlines()
            if calls.index(line.strip()) + 1 == self.fail_call:
                raise OSError("worker lost (test)")
        return outcome

    def calls(self) -> list[list[str]]:
        return [json.loads(line)[1] for line in Path(self.log).read_text().splitlines()]


def test_a_failed_task_is_run_again_nothing_lost_duplicated_or_paid_twice(fresh, client, tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl", 48)
    ledger = tmp_path / "ledger.sqlite3"
    out = tmp_path / "results.jsonl"
    summarizer = summarizer_for(fresh, ledger)
    counted = Counted(tmp_path / "calls.log", fail_call=3)
    options = DaskOptions(partition_size=8, inflight=2, task=counted)
    with out.open("w") as handle:
        for result in summarizer.summarize_on_dask([str(corpus)], client, options=options):
            handle.write(result.summary_json + "\n")
    lines = out.read_text().splitlines()
    ids = [json.loads(line)["article_id"] for line in lines]
    assert len(ids) == 48 and len(set(ids)) == 48  # lost 0, duplicated 0
    assert ledger_rows(ledger) == [(i, "ok") for i in range(48)]
    assert summarizer.dask_tasks == (7, 1)  # 6 partitions, one of them twice
    stats = fresh.stats()
    # Nothing paid twice: the failed attempt's answers had streamed to the driver, and its
    # partition went out again with them as seeds (re-assembled, not asked).
    assert stats["articles_answered_more_than_once"] == 0
    assert len(counted.calls()) == 7
    assert stats["requests"] == 48
    assert summarizer.dask_answers_streamed == 48


def test_a_partition_that_keeps_failing_stops_the_run_and_resume_finishes_it(
    fresh, client, tmp_path
):
    corpus = write_corpus(tmp_path / "corpus.jsonl", 40)
    ledger = tmp_path / "ledger.sqlite3"
    summarizer = summarizer_for(fresh, ledger)

    def broken(job):
        if any(a.id == "bench-000020" for a in job.articles):
            raise RuntimeError("this partition always fails (test)")
        return run_partition(job)

    got = []
    options = DaskOptions(partition_size=5, inflight=2, resubmits=1, task=broken)
    with pytest.raises(DistributedError, match="failed 2 times"):
        got.extend(
            r.index for r in summarizer.summarize_on_dask([str(corpus)], client, options=options)
        )
    run_id = summarizer.run_id
    assert summarizer.ledger.run(run_id).status == "interrupted"
    committed = [seq for seq, _ in ledger_rows(ledger)]
    assert sorted(got) == committed and 20 not in committed
    resumed = summarizer_for(fresh, ledger)
    counted = Counted(tmp_path / "calls.log")
    options = DaskOptions(task=counted)
    results = list(resumed.summarize_on_dask([str(corpus)], client, run_id=run_id, options=options))
    assert sorted(r.index for r in results) == list(range(40))
    assert sum(r.resumed for r in results) == len(committed)
    # Only what was missing went to the workers.
    sent = sorted(i for call in counted.calls() for i in call)
    assert sent == [f"bench-{n:06d}" for n in range(40) if n not in committed]
    assert ledger_rows(ledger) == [(i, "ok") for i in range(40)]
    assert resumed.ledger.run(run_id).status == "done"


def test_the_same_article_in_two_partitions_is_asked_once(fresh, client, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    records = [article(n) for n in range(12)]
    records.append(dict(records[1]))  # the same article again, in another partition
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite3"
    summarizer = summarizer_for(fresh, ledger)
    results = list(summarizer.summarize_on_dask([str(corpus)], client, partition_size=4))
    assert sorted(r.index for r in results) == list(range(13))
    assert all(r.ok for r in results)
    assert fresh.stats()["requests"] == 12
    again = next(r for r in results if r.index == 12)
    assert again.cached and again.summary.article_id.startswith("bench-000001")


def test_a_bag_and_a_dataframe_of_articles(fresh, client, tmp_path):
    import dask.bag as db

    records = [article(n) for n in range(10)]
    bag = db.from_sequence(records, npartitions=3)
    summarizer = summarizer_for(fresh, None)  # no ledger: nothing recorded, all asked
    results = list(summarizer.summarize_on_dask(bag, client, partition_size=4))
    assert sorted(r.index for r in results) == list(range(10))
    assert sorted(r.summary.article_id for r in results) == [r["id"] for r in records]

    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    frame = pd.DataFrame(records)
    frame["published"] = pd.to_datetime(frame["published"])  # a date column, as people have
    frame.loc[3, "outlet"] = None
    ledger = tmp_path / "ledger.sqlite3"
    results = list(
        summarizer_for(fresh, ledger).summarize_on_dask(
            dd.from_pandas(frame, npartitions=2), client, partition_size=4
        )
    )
    by_index = {r.index: r.summary for r in results}
    assert sorted(by_index) == list(range(10))
    assert str(by_index[0].published) == "2019-05-18"
    assert by_index[3].outlet is None and by_index[4].outlet == "Bench Wire"


def test_the_command_line_runs_on_a_scheduler_address(fresh, cluster, tmp_path):
    from typer.testing import CliRunner

    from summarizer.cli import app

    corpus = write_corpus(tmp_path / "corpus.jsonl", 24)
    out = tmp_path / "results.jsonl"
    env = {
        "OPENAI_API_KEY": "sk-test-not-a-key",
        "OPENAI_BASE_URL": "",
        "SUMMARIZER_LEDGER": str(tmp_path / "ledger.sqlite3"),
        "COLUMNS": "200",
    }
    args = ["run", str(corpus), "--base-url", fresh.url, "--model", "bench", "-q"]
    ran = CliRunner().invoke(
        app,
        [*args, "--dask", cluster[0], "--partition-size", "5", "-o", str(out)],
        env=env,
        catch_exceptions=False,
    )
    assert ran.exit_code == 0, ran.output
    ids = [json.loads(line)["article_id"] for line in out.read_text().splitlines()]
    assert sorted(ids) == [f"bench-{n:06d}" for n in range(24)]
    assert fresh.stats()["requests"] == 24

    refused = CliRunner().invoke(app, [*args, "--partition-size", "5"], env=env)
    assert refused.exit_code == 2 and "--partition-size goes with --dask" in refused.output


def test_a_killed_worker_process_loses_and_duplicates_nothing(fresh, client, tmp_path):
    """One of the two worker processes is SIGKILLed once the first partitions are committed:
    Dask runs its tasks again on the other (its nanny starts a new one)."""
    corpus = write_corpus(tmp_path / "corpus.jsonl", 160)
    ledger = tmp_path / "ledger.sqlite3"
    pids = client.run(os.getpid)
    summarizer = summarizer_for(fresh, ledger)
    seen: list[int] = []
    options = DaskOptions(partition_size=16, inflight=4)
    for result in summarizer.summarize_on_dask([str(corpus)], client, options=options):
        seen.append(result.index)
        if len(seen) == 16:
            os.kill(next(iter(pids.values())), signal.SIGKILL)
    assert len(seen) == 160 and sorted(seen) == list(range(160))  # lost 0, duplicated 0
    assert ledger_rows(ledger) == [(i, "ok") for i in range(160)]
    stats = fresh.stats()
    assert stats["articles_answered"] == 160
    assert summarizer.dask_answers_streamed == 160  # each answer reached the driver once
    # What was asked again is at most what the dead worker had in flight (its concurrency, 8)
    # and one batch of answers it had not streamed yet: the rest had reached the driver, and
    # its partition went out again with them.
    assert stats["articles_answered_more_than_once"] <= 8 + STREAM_BATCH - 1


def test_without_dask_the_command_says_what_to_install(monkeypatch, tmp_path):
    import builtins

    from typer.testing import CliRunner

    from summarizer.cli import app

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    article_file = tmp_path / "a.txt"
    article_file.write_text("Headline\n\nSome text of an article.\n", encoding="utf-8")
    ran = CliRunner().invoke(
        app,
        ["run", str(article_file), "--dask", "local:2", "--base-url", "http://127.0.0.1:9/v1"],
        env={"OPENAI_API_KEY": "sk-test-not-a-key", "SUMMARIZER_LEDGER": str(tmp_path / "l")},
    )
    assert ran.exit_code == 2
    assert "pip install 'summarizer[dask]'" in ran.output


class Tracked:
    """Runs the partition, noting in ``log`` when each task starts and ends (the tasks run in
    the worker processes): a test can wait for what a stopped driver left running."""

    def __init__(self, log: Path) -> None:
        self.log = str(log)

    def __call__(self, job):
        self._note("start")
        try:
            return run_partition(job)
        finally:
            self._note("end")

    def _note(self, what: str) -> None:
        with open(self.log, "a", encoding="utf-8") as handle:  # one write: appended whole
            handle.write(what + "\n")

    def counts(self) -> tuple[int, int]:
        lines = (
            Path(self.log).read_text(encoding="utf-8").split() if Path(self.log).exists() else []
        )
        return lines.count("start"), lines.count("end")

    def wait(self, ended: int | None = None, most_s: float = 60.0) -> None:
        """Until ``ended`` tasks have ended (default: every one started)."""
        deadline = time.monotonic() + most_s
        while time.monotonic() < deadline:
            started, done = self.counts()
            if done >= (started if ended is None else ended):
                return
            time.sleep(0.05)
        raise AssertionError(f"tasks started, ended: {self.counts()} after {most_s} s")


def test_a_driver_stopped_mid_run_resumes_with_every_answer_that_reached_it(
    fresh, client, tmp_path
):
    """Ctrl-C on the driver: the results loop stops after the first partition's results. The
    answers its tasks had streamed, the next partition's too, are in the ledger, so a resume
    asks only for the others."""
    corpus = write_corpus(tmp_path / "corpus.jsonl", 48)
    ledger = tmp_path / "ledger.sqlite3"
    summarizer = summarizer_for(fresh, ledger)
    # Two partitions out at once: the second is sent before the first's results come, the
    # third only after them; so once stopped there, nothing is left to start.
    tracked = Tracked(tmp_path / "tasks.log")
    options = DaskOptions(partition_size=8, inflight=2, task=tracked)
    for count, _result in enumerate(
        summarizer.summarize_on_dask([str(corpus)], client, options=options), 1
    ):
        if count == 8:
            tracked.wait(ended=2)  # the second partition's task ends, its answers streamed
            time.sleep(0.5)  # and they reach the driver (worker -> scheduler -> client)
            break  # what a KeyboardInterrupt does to the loop
    run_id = summarizer.run_id
    # More than the one committed partition's: answers of a partition never committed too.
    assert summarizer.dask_answers_streamed > 8
    tracked.wait()  # nothing the stopped driver left running asks after this
    with sqlite3.connect(ledger) as db:
        logged = {key for (key,) in db.execute("SELECT cache_key FROM responses")}
    assert len(logged) == summarizer.dask_answers_streamed
    before = fresh.stats()["requests"]
    resumed = summarizer_for(fresh, ledger)
    results = list(resumed.summarize_on_dask([str(corpus)], client, run_id=run_id))
    assert sorted(r.index for r in results) == list(range(48))
    assert ledger_rows(ledger) == [(i, "ok") for i in range(48)]
    # Asked on resume: exactly the articles whose answers had not reached the driver.
    assert fresh.stats()["requests"] - before == 48 - len(logged)


def test_unreadable_inputs_and_those_after_a_refusing_endpoint_are_settled_on_the_driver(
    fresh, client, tmp_path
):
    """What needs no request never goes to a worker: an unreadable input is recorded failed
    (stage ingest), and once the endpoint refuses (it cannot be reached), the inputs read after
    are recorded skipped, "not attempted", without a task."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(6):
        (corpus / f"a{n}.txt").write_text(f"Headline {n}\n\nRebels shelled a town.\n")
    (corpus / "a2.txt").write_text("")  # unreadable: empty
    ledger = tmp_path / "ledger.sqlite3"
    settings = Settings(base_url="http://127.0.0.1:9/v1", api_key="sk-test-not-a-key")
    summarizer = Summarizer(settings.replace(concurrency=1, transport_attempts=1), ledger=ledger)
    options = DaskOptions(partition_size=2, inflight=1)
    results = {
        r.index: r for r in summarizer.summarize_on_dask([str(corpus)], client, options=options)
    }
    assert sorted(results) == list(range(6))
    assert results[2].failure.stage == "ingest" and results[2].failure.reason == "empty file"
    assert results[2].status == "failed"
    # The first partition (inputs 0 and 1) reached the endpoint and found it refusing; 3-5
    # were never sent: the driver settled them.
    assert summarizer.dask_tasks == (1, 0)
    for n in (3, 4, 5):
        assert results[n].status == "skipped"
        assert results[n].failure.reason.startswith("not attempted: ")
    assert [status for _, status in ledger_rows(ledger)] == [results[n].status for n in range(6)]
