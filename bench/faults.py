"""Faults: ``summarizer run`` against a misbehaving server, then the same run killed half-way with
SIGKILL and resumed. Prints ok / failed / lost / duplicated (target: lost 0, duplicated 0, every
failure with a reason), then duplicated and lost after the kill and resume (both 0).

The server (bench/fakeserver.py) draws a fault per request: 30% HTTP 429 (with ``Retry-After: 1``
and, as OpenAI sends it, ``retry-after-ms: 250``), 10% HTTP 500, 5% no answer at all (the
client's --timeout fires), 10% a 200 whose JSON is cut in half, and 5% of first answers valid
JSON that breaks the schema. The command runs with its defaults (4 transport attempts, 2
re-asks) and --timeout 1.

Counted from what the command wrote (--out JSONL and its .failures.jsonl sidecar), checked
against the ledger's rows: lost = an input article in neither; duplicated = an article in them
more than once. "answered twice" = articles the server gave a valid answer more than once (an
answer paid for twice); only answers in flight at the kill can be.

    python bench/faults.py                     # 500 articles
    python bench/faults.py --n 2000 --seed 7
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from common import ROOT, BenchServer, workdir, write_corpus

FAULTS = {"p429": 0.30, "p500": 0.10, "ptimeout": 0.05, "pmalformed": 0.10, "pinvalid": 0.05}


def command(
    corpus: Path, url: str, out: Path, ledger: Path, concurrency: int, timeout: float, *extra: str
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "summarizer.cli.app",
        "run",
        str(corpus),
        "--base-url",
        url,
        "--model",
        "bench",
        "--quiet",
        "--out",
        str(out),
        "--ledger",
        str(ledger),
        "--concurrency",
        str(concurrency),
        "--timeout",
        str(timeout),
        *extra,
    ]


ENV = {
    **os.environ,
    "OPENAI_API_KEY": "sk-bench-not-a-key",
    "COLUMNS": "120",
    "PYTHONPATH": str(ROOT),
}


def check(ids: list[str], out: Path, ledger: Path) -> dict:
    ok = [json.loads(line)["article_id"] for line in out.open()] if out.exists() else []
    side = out.with_name(f"{out.stem}.failures.jsonl")
    failures = [json.loads(line) for line in side.open()] if side.exists() else []
    seen = Counter(ok + [f["article_id"] for f in failures])
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    (run_id,) = db.execute("SELECT id FROM runs ORDER BY rowid DESC LIMIT 1").fetchone()
    rows = db.execute(
        "SELECT seq, status, reason FROM items WHERE run_id = ?", (run_id,)
    ).fetchall()
    db.close()
    reasons = Counter(_kind(f["reason"]) for f in failures)
    return {
        "ok": len(ok),
        "failed": len(failures),
        "lost": sum(1 for i in ids if i not in seen),
        "duplicated": sum(n - 1 for n in seen.values() if n > 1),
        "failures_without_reason": sum(1 for f in failures if not f["reason"].strip()),
        "ledger_rows": len(rows),
        "ledger_distinct_inputs": len({seq for seq, _, _ in rows}),
        "ledger_failed_without_reason": sum(
            1 for _, s, r in rows if s != "ok" and not (r or "").strip()
        ),
        "reasons": dict(reasons.most_common()),
        "run_id": run_id,
    }


def _kind(reason: str) -> str:
    """A failure reason without its details, for a histogram."""
    reason = re.sub(r"https?://[^\s]+?(?=:?(?:\s|$))", "<server>", reason)
    return reason.split(": ", 1)[0][:80]


def report(title: str, r: dict) -> None:
    print(
        f"{title}: ok {r['ok']} / failed {r['failed']} / lost {r['lost']} / duplicated "
        f"{r['duplicated']} | failures without a reason: {r['failures_without_reason']} | "
        f"ledger: {r['ledger_rows']} rows for {r['ledger_distinct_inputs']} distinct inputs, "
        f"{r['ledger_failed_without_reason']} failed rows without a reason"
    )
    for kind, n in r["reasons"].items():
        print(f"    {n:4d} x {kind}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--timeout", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kill-at", type=float, default=0.5, help="share of rows recorded at the kill")
    p.add_argument("--keep", help="keep corpus, ledgers and results in this directory")
    a = p.parse_args()

    with workdir(a.keep) as tmp:
        corpus = write_corpus(tmp / "corpus.jsonl", a.n)
        ids = [json.loads(line)["id"] for line in corpus.open()]

        # 1. One complete run through the faults.
        with BenchServer(0, seed=a.seed, **FAULTS) as server:
            out, ledger = tmp / "out.jsonl", tmp / "ledger.sqlite3"
            t0 = time.perf_counter()
            done = subprocess.run(
                command(corpus, server.url, out, ledger, a.concurrency, a.timeout),
                check=False,
                env=ENV,
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - t0
            stats = server.stats()
        print(
            f"run: {a.n} articles in {wall:.1f}s, exit status {done.returncode} | server: "
            + ", ".join(f"{k} {v}" for k, v in sorted(stats.items()))
        )
        report("faults", check(ids, out, ledger))

        # 2. The same run killed with SIGKILL about half-way, then resumed.
        with BenchServer(0, seed=a.seed + 1, **FAULTS) as server:
            out, ledger = tmp / "out2.jsonl", tmp / "ledger2.sqlite3"
            args = command(corpus, server.url, out, ledger, a.concurrency, a.timeout)
            victim = subprocess.Popen(
                args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            target, recorded = int(a.n * a.kill_at), 0
            while victim.poll() is None:
                recorded = _rows(ledger)
                if recorded >= target:
                    os.kill(victim.pid, signal.SIGKILL)
                    break
                time.sleep(0.02)
            victim.wait()
            killed = victim.returncode == -signal.SIGKILL
            print(f"killed: {killed} (SIGKILL with {recorded} of {a.n} articles recorded)")
            t0 = time.perf_counter()
            resumed = subprocess.run(
                [*args, "--resume"], env=ENV, capture_output=True, text=True, check=False
            )
            wall = time.perf_counter() - t0
            stats = server.stats()
        r = check(ids, out, ledger)
        print(
            f"resume: {wall:.1f}s, exit status {resumed.returncode}"
            + ("" if resumed.returncode in (0, 1) else f"\n{resumed.stderr[-1500:]}")
        )
        report("after kill + resume", r)
        print(
            f"kill + resume: duplicated {r['duplicated']}, lost {r['lost']} (targets 0, 0) | "
            f"answers paid twice (server: articles answered validly more than once): "
            f"{stats.get('articles_answered_more_than_once', 0)}"
        )


def _rows(ledger: Path) -> int:
    if not ledger.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


if __name__ == "__main__":
    main()
