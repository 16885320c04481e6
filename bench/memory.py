"""Memory: a 100,000-article JSONL corpus streamed through ``summarizer run``; prints peak RSS
(target <= 300 MB).

Runs the real command line in a child process (ledger on, ``--out`` JSONL, ``--quiet``) against
the loopback server (0 ms latency) and reports the command's peak resident set size from the
kernel (``ru_maxrss`` via wait4, i.e. VmHWM), and, sampled every 0.2 s, the peak of the command
plus its worker processes together (assembly, and the request worker): as summed RSS, which
counts every page they share (forked, they share most) once per process, and as summed PSS, which
splits each shared page between its sharers. The server runs in its own process and is not
counted.

    python bench/memory.py                    # 100,000 articles, concurrency 64
    python bench/memory.py --n 20000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import ROOT, BenchServer, workdir, write_corpus


def _kb(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_kb(pid: int) -> int:
    return _kb(f"/proc/{pid}/status", "VmRSS:")


def pss_kb(pid: int) -> int:
    return _kb(f"/proc/{pid}/smaps_rollup", "Pss:")


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--keep", help="keep corpus, ledger and results in this directory")
    a = p.parse_args()

    with workdir(a.keep) as tmp, BenchServer(0) as server:
        t0 = time.perf_counter()
        corpus = write_corpus(tmp / "corpus.jsonl", a.n)
        size_mb = corpus.stat().st_size / 1e6
        print(
            f"corpus: {a.n:,} articles, {size_mb:,.0f} MB JSONL "
            f"({time.perf_counter() - t0:.1f}s to write)"
        )
        out, ledger = tmp / "out.jsonl", tmp / "ledger.sqlite3"
        cmd = [
            sys.executable,
            "-m",
            "summarizer.cli.app",
            "run",
            str(corpus),
            "--base-url",
            server.url,
            "--model",
            "bench",
            "--quiet",
            "--out",
            str(out),
            "--ledger",
            str(ledger),
            "--concurrency",
            str(a.concurrency),
        ]
        env = {
            **os.environ,
            "OPENAI_API_KEY": "sk-bench-not-a-key",
            "COLUMNS": "120",
            "PYTHONPATH": str(ROOT),
        }
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        peak_total = peak_pss = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_total, peak_pss
            while not done.wait(0.2):
                pids = [proc.pid, *children(proc.pid)]
                peak_total = max(peak_total, sum(rss_kb(pid) for pid in pids))
                peak_pss = max(peak_pss, sum(pss_kb(pid) for pid in pids))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        stdout_text, stderr_text = proc.communicate()  # drains the pipes while the run goes on
        done.set()
        sampler.join()
        # The kernel's peak (ru_maxrss) over this script's finished descendants: the command and
        # its workers (the server is still running, so not among them).
        wall = time.perf_counter() - started
        lines = sum(1 for _ in out.open("rb")) if out.exists() else 0
        peak_cli_kb = _peak_of_finished_children()
    tail = "\n".join(stdout_text.strip().splitlines()[-3:])
    print(tail)
    if proc.returncode != 0:
        print(stderr_text[-2000:], file=sys.stderr)
    print(
        f"memory: {a.n:,} articles streamed in {wall:.0f}s ({a.n / wall:,.0f}/s), "
        f"{lines:,} results written | peak RSS {peak_cli_kb / 1024:,.0f} MB "
        f"(largest process: summarizer run) | "
        f"with its worker processes (sampled): {peak_total / 1024:,.0f} MB summed RSS, "
        f"{peak_pss / 1024:,.0f} MB summed PSS | target <= 300 MB"
    )


def _peak_of_finished_children() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


if __name__ == "__main__":
    main()
