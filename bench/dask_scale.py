"""Dask scale: N synthetic articles against the loopback fake server (200 ms, concurrency 64 per
worker), on a local cluster of 2 worker processes and in one process; then once more on the
cluster with one worker SIGKILLed mid-run. Prints each run's wall time, their ratio, and the
exactly-once checks: lost (inputs with no result), duplicated (results or ledger rows for an
input given twice), re-asked (articles the server answered more than once).

What is timed: one batch as ``summarizer run --out`` drives it (ledger on, results streamed to a
JSONL file as they come), from the call to the last result. The cluster is the one ``--dask
local:N`` makes; its start-up (spawning the worker processes, ~2-8 s) is printed apart, not
timed; so is the fake server (its own process).
"CPU" is per article: this process (the driver, or the whole one-process batch) and, for the
cluster, its workers. The machine's load average is printed before and after: on a shared
machine the figures move with it.

    python bench/dask_scale.py                         # 20,000 articles, 2 workers
    python bench/dask_scale.py --n 2000 --workers 2 --skip-single
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

from common import BenchServer, bench_settings, cpu_seconds, prepare_process, workdir, write_corpus


def process_cpu() -> float:
    times = os.times()
    return times.user + times.system


def check(out: Path, ledger: Path, n: int, server: BenchServer) -> dict:
    ids = [json.loads(line)["article_id"] for line in out.read_text().splitlines()]
    with sqlite3.connect(ledger) as db:
        seqs = [s for (s,) in db.execute("SELECT seq FROM items WHERE status = 'ok'")]
    stats = server.stats()
    return {
        "results": len(ids),
        "lost": n - len(set(ids)),
        "duplicated": len(ids) - len(set(ids)) + len(seqs) - len(set(seqs)),
        "ledger_rows": len(seqs),
        "re_asked": stats.get("articles_answered_more_than_once", 0),
        "requests": stats.get("requests", 0),
    }


def single(url: str, corpus: Path, tmp: Path, concurrency: int) -> tuple[float, float, float]:
    """Wall, the batch process's CPU, and its request worker's (the HTTP requests' process)."""
    from throughput import run_batch

    wall, cpu, _ok, _failed = run_batch(
        url, corpus, tmp / "single.sqlite3", tmp / "single.jsonl", concurrency
    )
    return wall, cpu, run_batch.last_stats.relay_cpu_s  # type: ignore[attr-defined]


def on_dask(
    client, url: str, corpus: Path, tmp: Path, name: str, concurrency: int, kill_at: int | None
) -> tuple[float, float, float | None, tuple[int, int, int], bool]:
    from summarizer import Summarizer
    from summarizer.store.results_file import JsonlWriter

    summarizer = Summarizer(bench_settings(url, concurrency), ledger=tmp / f"{name}.sqlite3")
    worker_cpu0 = sum(client.run(process_cpu).values())
    pids = client.run(os.getpid)
    killed = False
    c0, t0 = cpu_seconds(), time.perf_counter()
    with JsonlWriter(tmp / f"{name}.jsonl") as writer:
        for count, result in enumerate(summarizer.summarize_on_dask([str(corpus)], client), 1):
            writer.write_result(result)
            if kill_at is not None and count == kill_at and not killed:
                os.kill(next(iter(pids.values())), signal.SIGKILL)
                killed = True
    wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    tasks = (*summarizer.dask_tasks, summarizer.dask_answers_streamed)
    if killed:  # its CPU died with it: not counted (and the nanny is starting a new one)
        client.wait_for_workers(len(pids), timeout=120)
        return wall, cpu, None, tasks, killed
    workers_cpu = sum(client.run(process_cpu).values()) - worker_cpu0
    return wall, cpu, workers_cpu, tasks, killed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=20_000)
    p.add_argument("--latency-ms", type=float, default=200.0)
    p.add_argument("--concurrency", type=int, default=64, help="requests in flight per worker")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--skip-single", action="store_true", help="only the cluster runs")
    p.add_argument("--keep", help="keep corpus, ledgers and results in this directory")
    a = p.parse_args()
    prepare_process()
    from summarizer.runtime.distributed import STREAM_BATCH, dask_client

    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"({os.cpu_count()} cores)"
    )
    with workdir(a.keep) as tmp, BenchServer(a.latency_ms) as server:
        corpus = write_corpus(tmp / "corpus.jsonl", a.n)
        rows = []
        if not a.skip_single:
            server.reset()
            wall, cpu, relay_cpu = single(server.url, corpus, tmp, a.concurrency)
            checked = check(tmp / "single.jsonl", tmp / "single.sqlite3", a.n, server)
            rows.append(("one process", wall, cpu, relay_cpu, checked))
            print(
                f"one process: wall {wall:.1f}s | CPU {cpu / a.n * 1000:.2f} ms/article + its "
                f"request worker {relay_cpu / a.n * 1000:.2f} | {checked}",
                flush=True,
            )
        t0 = time.perf_counter()
        # The cluster `summarizer run --dask local:N` makes.
        with dask_client(f"local:{a.workers}") as client:
            # Each worker imports the package once (its first task would otherwise).
            client.run(lambda: __import__("summarizer.runtime.distributed"))
            print(f"cluster start-up (not timed): {time.perf_counter() - t0:.1f}s", flush=True)
            for name, kill_at in (("dask", None), ("dask-killed", a.n // 3)):
                server.reset()
                wall, cpu, wcpu, tasks, killed = on_dask(
                    client, server.url, corpus, tmp, name, a.concurrency, kill_at
                )
                checked = check(tmp / f"{name}.jsonl", tmp / f"{name}.sqlite3", a.n, server)
                rows.append((name, wall, cpu, wcpu, checked))
                what = "one worker SIGKILLed" if killed else "no fault"
                workers = "n/a" if wcpu is None else f"{wcpu / a.n * 1000:.2f} ms/article"
                print(
                    f"{name} ({a.workers} workers, {what}): wall {wall:.1f}s | driver CPU "
                    f"{cpu / a.n * 1000:.2f} ms/article | workers CPU {workers} | tasks "
                    f"{tasks[0]} submitted, {tasks[1]} failed | answers streamed {tasks[2]}"
                    f" | {checked}",
                    flush=True,
                )
    ideal_one = a.n / a.concurrency * a.latency_ms / 1000
    ideal_dask = ideal_one / a.workers
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"ideal (N/C x latency): one process {ideal_one:.1f}s, {a.workers} workers "
        f"{ideal_dask:.1f}s"
    )
    # In flight at the kill (its concurrency) and one batch of answers not streamed yet.
    bound = a.concurrency + STREAM_BATCH - 1
    walls = {name: wall for name, wall, *_ in rows}
    if "one process" in walls:
        print(f"ratio one process / dask: {walls['one process'] / walls['dask']:.2f}x")
    for name, wall, _, _, checked in rows:
        verdict = "met" if checked["lost"] == 0 and checked["duplicated"] == 0 else "MISSED"
        print(
            f"{name}: {a.n / wall:,.0f} articles/s, {wall / a.n * 1000:.2f} ms wall/article | "
            f"lost {checked['lost']}, duplicated {checked['duplicated']} (target 0/0: {verdict})"
            f" | re-asked {checked['re_asked']}"
            + (
                f" (target: only what was in flight at the kill or not yet streamed, at most"
                f" {bound}: {'met' if checked['re_asked'] <= bound else 'MISSED'})"
                if name == "dask-killed"
                else f" (target 0: {'met' if checked['re_asked'] == 0 else 'MISSED'})"
            )
        )


if __name__ == "__main__":  # the cluster's worker processes are spawned and re-import this
    main()
