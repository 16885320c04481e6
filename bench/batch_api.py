"""Provider batch jobs at scale, exactly once: ``summarizer run --batch-api`` over 10,000
synthetic articles against the loopback fake batch server (``fake_batch_server.py``, in its own
process), then the same with the client SIGKILLed right after submitting, and resumed.

Part 1: batches complete after a short simulated delay; 2% of lines fail (HTTP 500 in the error
file) and one batch expires (half its lines unanswered); the unanswered lines go into new jobs.
Printed: lines submitted (target 10,000 distinct, none sent while a job holding it could still
answer it), lines resubmitted after their job failed them, results (10,000), lost 0, duplicated 0,
online requests (validation re-asks and fallbacks), and the cost at the batch price beside the
online price.

Part 2: the client is killed (SIGKILL) twice, each time while ``batches.create`` has made the
batch but not yet told the client its id (the server holds the answer); each time the run is
resumed with ``summarizer run --resume``. Printed: lines submitted twice (target 0), results,
lost, duplicated.

    python bench/batch_api.py [--articles 10000] [--max-lines 2500] [--delay-s 2]

Figures, not a timed unit test.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import BENCH, ROOT, workdir, write_corpus

MODEL = "gpt-4o-mini"


class Server:
    """``fake_batch_server.py`` in a child process."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH / "fake_batch_server.py"), *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"fake batch server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}/v1"

    def stats(self) -> dict:
        with urllib.request.urlopen(self.url + "/stats") as response:
            return json.loads(response.read())

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def command(corpus: Path, server: Server, ledger: Path, args: argparse.Namespace) -> list[str]:
    return [
        sys.executable,
        "-m",
        "summarizer",
        "run",
        str(corpus),
        "--batch-api",
        "--batch-poll",
        str(args.poll_s),
        "--batch-max-lines",
        str(args.max_lines),
        "--base-url",
        server.url,
        "--model",
        MODEL,
        "--ledger",
        str(ledger),
        "--concurrency",
        "16",
        "-q",
    ]


def env() -> dict[str, str]:
    return {**os.environ, "OPENAI_API_KEY": "sk-bench", "PYTHONPATH": str(ROOT), "COLUMNS": "200"}


def outcome(ledger: Path, n: int) -> dict:
    """Results the ledger holds for the (one) run: ok rows, lost and duplicated inputs."""
    with sqlite3.connect(ledger) as db:
        (run_id,) = db.execute("SELECT id FROM runs ORDER BY rowid DESC LIMIT 1").fetchone()
        rows = db.execute("SELECT seq, status FROM items WHERE run_id = ?", (run_id,)).fetchall()
        cost, online = db.execute(
            "SELECT SUM(cost_usd), SUM(online_cost_usd) FROM batch_jobs WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        run_cost = db.execute(
            "SELECT SUM(cost_usd) FROM items WHERE run_id = ?", (run_id,)
        ).fetchone()[0]
    ok = {seq for seq, status in rows if status == "ok"}
    return {
        "results": len(ok),
        "lost": n - len(ok & set(range(n))),
        "duplicated": len(rows) - len({seq for seq, _ in rows}),
        "batch_cost": cost,
        "online_cost": online,
        "run_cost": run_cost,
    }


def part1(corpus: Path, tmp: Path, args: argparse.Namespace) -> None:
    ledger = tmp / "part1.sqlite3"
    server = Server(
        "--delay-s", str(args.delay_s), "--p-error", "0.02", "--expire", "2", "--p-invalid", "0.001"
    )
    try:
        started = time.monotonic()
        done = subprocess.run(
            command(corpus, server, ledger, args), env=env(), capture_output=True, text=True
        )
        seconds = time.monotonic() - started
        stats = server.stats()
    finally:
        server.close()
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:])
        raise SystemExit(f"part 1: summarizer run exited {done.returncode}")
    figures = outcome(ledger, args.articles)
    resubmitted = stats["lines_submitted"] - stats["distinct_lines"]
    print("part 1: 2% of lines failed, one batch expired, unanswered lines resubmitted")
    print(f"  batches                 {stats['batches']} {stats['statuses']}")
    print(
        f"  lines submitted         {stats['distinct_lines']:,} distinct (target {args.articles:,})"
    )
    print(
        f"  submitted twice         {stats['submitted_while_pending']} (target 0: a line sent "
        "again while a job holding it could still answer it)"
    )
    print(f"  resubmitted after fail  {resubmitted:,} (their job failed or expired them)")
    print(f"  online requests         {stats['online_requests']:,} (validation re-asks)")
    print(f"  results                 {figures['results']:,} (target {args.articles:,})")
    print(f"  lost                    {figures['lost']}")
    print(f"  duplicated              {figures['duplicated']}")
    print(
        f"  cost                    ${figures['run_cost']:.4f} at batch prices; the batch lines "
        f"${figures['batch_cost']:.4f}, online ${figures['online_cost']:.4f}"
    )
    print(f"  wall time               {seconds:.1f}s")


def part2(corpus: Path, tmp: Path, args: argparse.Namespace) -> None:
    ledger = tmp / "part2.sqlite3"
    # Creates 1 and 3 are held 2 s: the batch exists, the client has not heard of it yet.
    server = Server(
        "--delay-s", str(args.delay_s), "--create-hold-s", "2",
        "--hold-create", "1", "--hold-create", "3",
    )  # fmt: skip
    kills = 0
    try:
        run = command(corpus, server, ledger, args)
        for target in (1, 3):
            proc = subprocess.Popen(
                run, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
            deadline = time.monotonic() + 300
            while server.stats()["batches"] < target and time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise SystemExit(f"part 2: the client ended before create {target}")
                time.sleep(0.05)
            os.killpg(proc.pid, signal.SIGKILL)  # right after submitting
            proc.wait()
            kills += 1
            with sqlite3.connect(ledger) as db:
                (run_id,) = db.execute("SELECT id FROM runs ORDER BY rowid DESC LIMIT 1").fetchone()
            run = [*command(corpus, server, ledger, args), "--resume", "--run", run_id]
        done = subprocess.run(run, env=env(), capture_output=True, text=True)
        stats = server.stats()
    finally:
        server.close()
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:])
        raise SystemExit(f"part 2: the resumed run exited {done.returncode}")
    figures = outcome(ledger, args.articles)
    print(f"part 2: SIGKILL right after submitting, {kills} times, then --resume")
    print(f"  batches                 {stats['batches']} {stats['statuses']}")
    print(
        f"  lines submitted         {stats['lines_submitted']:,} "
        f"({stats['distinct_lines']:,} distinct)"
    )
    print(f"  lines submitted twice   {stats['lines_submitted_more_than_once']} (target 0)")
    print(f"  results                 {figures['results']:,} (target {args.articles:,})")
    print(f"  lost                    {figures['lost']}")
    print(f"  duplicated              {figures['duplicated']}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=10_000)
    p.add_argument("--max-lines", type=int, default=2_500, help="lines per job (several jobs)")
    p.add_argument("--delay-s", type=float, default=2.0, help="simulated time to complete")
    p.add_argument("--poll-s", type=float, default=0.5)
    p.add_argument("--keep", metavar="DIR", help="keep the corpus and ledgers here")
    p.add_argument("--part", type=int, choices=(1, 2))
    args = p.parse_args()
    with workdir(args.keep) as tmp:
        corpus = write_corpus(tmp / "corpus.jsonl", args.articles)
        if args.part in (None, 1):
            part1(corpus, tmp, args)
        if args.part in (None, 2):
            part2(corpus, tmp, args)


if __name__ == "__main__":
    main()
