"""Throughput: N synthetic articles through the batch engine against a loopback server that
answers after a fixed latency. Prints wall time, the ideal ceil(N/C) x latency, and their ratio
(target <= 1.10).

What is timed: one batch as ``summarizer run --out`` drives it (ledger on, results streamed to a
JSONL file as they complete), from the call to the last result: client and connection set-up,
starting the worker processes (the request worker that sends the HTTP requests, and assembly
workers where cores are left for them), requests, validation, grounding and normalisation,
ledger writes. Not timed: what ``summarizer run`` does once at start-up (Python's start-up,
imports, the normalisation tables, ~0.1 s: ``assemble.warm_up``), writing the corpus, starting
the server (a separate process). "our CPU" is this process's CPU time (all threads) per article;
the workers' CPU is not in it (see bench/overhead.py for the full count).
``SUMMARIZER_REQUEST_WORKER=0`` sends the requests from this process instead, and
``SUMMARIZER_ASSEMBLY_WORKERS=1`` assembles records in a worker, for comparison.

    python bench/throughput.py                       # 1,000 articles, 200 ms, concurrency 64
    python bench/throughput.py --n 5000 --concurrency 128 --latency-ms 500
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time

from common import BenchServer, bench_settings, cpu_seconds, prepare_process, workdir, write_corpus


def run_batch(url: str, corpus, ledger, out, concurrency: int) -> tuple[float, float, int, int]:
    """One batch the way ``summarizer run --out --quiet`` drives it, less its terminal output:
    the async engine on this thread's event loop, every result appended to a JSONL file as it
    completes. (The command's footer counts each record's events, which parses the record:
    ~0.1 ms per article more.)"""
    from summarizer import Summarizer
    from summarizer.runtime.heap import prepare_heap_for_batch
    from summarizer.store.results_file import JsonlWriter

    summarizer = Summarizer(bench_settings(url, concurrency), ledger=ledger)
    counts = {"ok": 0, "failed": 0}

    async def batch() -> None:
        with JsonlWriter(out) as writer:
            async for result in summarizer.asummarize_many([str(corpus)]):
                writer.write_result(result)
                counts["ok" if result.ok else "failed"] += 1

    prepare_heap_for_batch()  # as `summarizer run` does before its batch
    c0, t0 = cpu_seconds(), time.perf_counter()
    asyncio.run(batch())
    run_batch.last_stats = summarizer.stats  # type: ignore[attr-defined]
    return time.perf_counter() - t0, cpu_seconds() - c0, counts["ok"], counts["failed"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--latency-ms", type=float, default=200.0)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs, each with a fresh ledger; the median is reported",
    )
    p.add_argument("--keep", help="keep corpus, ledger and results in this directory")
    a = p.parse_args()
    prepare_process()  # start-up (imports, TLS context, tables) is not part of the timing

    ideal = math.ceil(a.n / a.concurrency) * a.latency_ms / 1000
    with workdir(a.keep) as tmp, BenchServer(a.latency_ms) as server:
        corpus = write_corpus(tmp / "corpus.jsonl", a.n)
        walls = []
        for i in range(a.repeat):
            ledger = tmp / f"ledger-{i}.sqlite3"
            wall, cpu, ok, failed = run_batch(
                server.url, corpus, ledger, tmp / f"out-{i}.jsonl", a.concurrency
            )
            walls.append(wall)
            print(
                f"run {i + 1}: {a.n} articles, {ok} ok, {failed} failed | wall {wall:.3f}s | "
                f"ratio {wall / ideal:.3f} | our CPU {cpu / a.n * 1000:.2f} ms/article"
            )
        wall = statistics.median(walls)
        print(
            f"throughput: N={a.n} C={a.concurrency} latency={a.latency_ms:g}ms | "
            f"wall {wall:.3f}s (median of {len(walls)}) | "
            f"ideal ceil(N/C) x latency = {ideal:.3f}s | "
            f"ratio {wall / ideal:.3f} (target <= 1.10; worst {max(walls) / ideal:.3f}) | "
            f"{a.n / wall:,.0f} articles/s"
        )


if __name__ == "__main__":
    main()
