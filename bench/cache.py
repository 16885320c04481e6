"""Cache: a re-run of the same corpus is answered from the run ledger. Prints the LLM requests the
re-run sent (target 0) and its articles/s (target >= 2,000).

The first run fills the ledger (0 ms server latency, not timed); the second, timed, is a new
run of the same corpus with the same settings, driven as ``summarizer run --out`` drives it:
every article is read, hashed, looked up, and recorded as a row of the new run, and its result is
written to the JSONL output. The request count is the server's own.

    python bench/cache.py                  # 1,000 articles
    python bench/cache.py --n 10000
"""

from __future__ import annotations

import argparse

from common import BenchServer, prepare_process, workdir, write_corpus
from throughput import run_batch


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--keep", help="keep corpus, ledger and results in this directory")
    a = p.parse_args()
    prepare_process()  # start-up (imports, TLS context, tables) is not part of the timing

    with workdir(a.keep) as tmp, BenchServer(0) as server:
        corpus = write_corpus(tmp / "corpus.jsonl", a.n)
        ledger = tmp / "ledger.sqlite3"
        first_wall, _, ok, failed = run_batch(
            server.url, corpus, ledger, tmp / "first.jsonl", a.concurrency
        )
        first_requests = server.stats().get("requests", 0)
        server.reset()
        wall, cpu, ok2, failed2 = run_batch(
            server.url, corpus, ledger, tmp / "again.jsonl", a.concurrency
        )
        requests = server.stats().get("requests", 0)
        same = (tmp / "first.jsonl").stat().st_size == (tmp / "again.jsonl").stat().st_size
    print(f"first run: {ok} ok, {failed} failed, {first_requests} requests, {first_wall:.2f}s")
    print(
        f"cache: re-run of {a.n} articles: {requests} LLM requests (target 0) | {ok2} ok, "
        f"{failed2} failed | {wall:.3f}s = {a.n / wall:,.0f} articles/s (target >= 2,000) | "
        f"CPU {cpu / a.n * 1000:.2f} ms/article | same output size: {same}"
    )


if __name__ == "__main__":
    main()
