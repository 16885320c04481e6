"""The embedded model, ``single`` vs ``staged`` (issue 20), on the sample articles and, where
present, on the independent articles in ``tests/independent/staged/`` (articles + gold written by
someone who had not seen the prompts).

For each strategy, in its own process (so its peak RSS is its own, the llama.cpp server
included): seconds per article, peak RSS, then ``summarizer eval`` against the gold: strict /
type+place+date / lenient precision, recall, F1 and per-field accuracy, and how many summaries
equal their headline. Prints the figures against the issue's targets:

* staged strict F1 at least double single's; staged lenient F1 >= 0.75;
* no summary equal to its headline;
* <= 120 s per article and peak RSS <= 2 GB (on the 2-core machine).

    python bench/staged_strategy.py                    # both strategies, from scratch
    python bench/staged_strategy.py --strategies staged --corpora independent --save /tmp/bench
    python bench/staged_strategy.py --score /tmp/bench  # re-score saved results, no model run

Run it on a quiet machine (``uptime``): two llama.cpp processes on 2 cores slow each other ~50x,
and other work on the cores shows in the seconds per article.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Settings, Summarizer  # noqa: E402
from summarizer.eval import evaluate, load_gold  # noqa: E402
from summarizer.ingest import read_article_file  # noqa: E402
from summarizer.pipeline.normalise.text import fold  # noqa: E402
from summarizer.types.records import ArticleSummary  # noqa: E402

SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
SEED_GOLD = ROOT / "tests" / "gold" / "seeds.jsonl"
INDEPENDENT = ROOT / "tests" / "independent" / "staged"
STRATEGIES = ("single", "staged")
TARGET_S_PER_ARTICLE = 120.0
TARGET_RSS_MB = 2048.0
TARGET_LENIENT_F1 = 0.75


def corpora() -> dict[str, tuple[list[Path], Path]]:
    """name -> (articles, gold): the seeds, and the independent set when it is there."""
    found = {"seeds": (SEEDS, SEED_GOLD)}
    gold = INDEPENDENT / "gold.jsonl"
    articles = sorted(INDEPENDENT.glob("**/*.txt"))
    if gold.is_file() and articles:
        found["independent"] = (articles, gold)
    return found


def run_one(strategy: str, corpus: str, out: Path) -> None:
    """In the child process: every article of ``corpus``, one at a time, into a fresh ledger
    (nothing cached; it keeps each request's time), results to ``out`` (JSONL) and timings to
    ``out.with_suffix('.json')``, with the model's seconds per stage."""
    articles, _ = corpora()[corpus]
    ledger = out.with_suffix(".sqlite3")
    for stale in out.parent.glob(ledger.name + "*"):
        stale.unlink()
    summarizer = Summarizer(Settings(strategy=strategy), ledger=ledger)  # the embedded model
    seconds: dict[str, float] = {}
    with out.open("w", encoding="utf-8") as sink:
        for path in articles:
            article = read_article_file(path)
            started = time.monotonic()
            result = next(iter(summarizer.summarize_many([article])))
            seconds[article.id] = round(time.monotonic() - started, 1)
            if result.ok:
                sink.write(result.summary.model_dump_json() + "\n")
            else:
                print(f"{article.id}: failed: {result.failure.reason}", file=sys.stderr)
            print(f"{strategy} {article.id}: {seconds[article.id]} s", file=sys.stderr, flush=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    with sqlite3.connect(ledger) as db:
        rows = db.execute("SELECT kind, latency_s FROM responses").fetchall()
    stages: dict[str, list[float]] = {}
    for kind, latency in rows:
        stages.setdefault((kind or "extract").split(":")[0], []).append(latency or 0.0)
    by_stage = {k: {"requests": len(v), "seconds": round(sum(v), 1)} for k, v in stages.items()}
    print(f"{strategy}: model seconds by stage: {by_stage}", file=sys.stderr, flush=True)
    out.with_suffix(".json").write_text(
        json.dumps({"seconds": seconds, "peak_rss_mb": rss_mb, "stages": by_stage})
    )


def measure(strategy: str, corpus: str, save: Path) -> None:
    out = save / f"{corpus}.{strategy}.jsonl"
    subprocess.run(
        [sys.executable, __file__, "--child", strategy, "--corpus", corpus, "--save", str(save)],
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.is_file()


def score(strategy: str, corpus: str, save: Path) -> dict | None:
    out = save / f"{corpus}.{strategy}.jsonl"
    if not out.is_file():
        return None
    _, gold_path = corpora()[corpus]
    summaries = [
        ArticleSummary.model_validate_json(line)
        for line in out.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    report = evaluate(summaries, load_gold(gold_path))
    timing_file = out.with_suffix(".json")
    timing = json.loads(timing_file.read_text()) if timing_file.is_file() else {}
    seconds = timing.get("seconds", {})
    copied = [
        s.article_id
        for s in summaries
        if fold(s.summary) == fold(s.headline) or (fold(s.headline) and not fold(s.summary))
    ]
    return {
        "strategy": strategy,
        "corpus": corpus,
        "articles": len(summaries),
        "events": report.predicted_events,
        "strict": report.strict.model_dump(),
        "type_place_date": report.type_place_date.model_dump(),
        "lenient": report.lenient.model_dump(),
        "fields": {k: v.accuracy for k, v in {**report.fields, **report.match_fields}.items()},
        "summaries_equal_to_headline": copied,
        "summaries_unverified": sum(1 for s in summaries if s.summary_unverified),
        "seconds_per_article": round(sum(seconds.values()) / len(seconds), 1) if seconds else None,
        "max_seconds": max(seconds.values(), default=None),
        "peak_rss_mb": round(timing["peak_rss_mb"]) if "peak_rss_mb" in timing else None,
    }


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def show(rows: list[dict]) -> None:
    for row in rows:
        print(
            f"\n== {row['corpus']} / {row['strategy']}: {row['articles']} articles, "
            f"{row['events']} events"
        )
        for name in ("strict", "type_place_date", "lenient"):
            s = row[name]
            print(
                f"  {name:16} P {_f(s['precision'])}  R {_f(s['recall'])}  F1 {_f(s['f1'])}"
                f"  ({s['matched']} of {s['predicted']} predicted, {s['gold']} gold)"
            )
        fields = ", ".join(f"{k} {_f(v)}" for k, v in row["fields"].items())
        print(f"  per-field accuracy (lenient pairs): {fields}")
        print(
            f"  summaries equal to their headline: {len(row['summaries_equal_to_headline'])}; "
            f"marked unverified: {row['summaries_unverified']}"
        )
        print(
            f"  seconds per article: {row['seconds_per_article']} (max {row['max_seconds']});"
            f" peak RSS: {row['peak_rss_mb']} MB"
        )


def targets(rows: list[dict]) -> bool:
    """The issue's targets, on the seeds; True when all are met."""
    by = {(r["corpus"], r["strategy"]): r for r in rows}
    staged, single = by.get(("seeds", "staged")), by.get(("seeds", "single"))
    if staged is None:
        print("\n(no staged run on the seeds: no targets to check)")
        return False
    checks = []
    if single is not None:
        base = single["strict"]["f1"] or 0.0
        checks.append(
            (
                f"staged strict F1 {_f(staged['strict']['f1'])} >= 2 x single's "
                f"{_f(base)} = {2 * base:.3f}",
                (staged["strict"]["f1"] or 0.0) >= 2 * base and base >= 0,
            )
        )
    checks += [
        (
            f"staged lenient F1 {_f(staged['lenient']['f1'])} >= {TARGET_LENIENT_F1}",
            (staged["lenient"]["f1"] or 0.0) >= TARGET_LENIENT_F1,
        ),
        (
            f"no summary equal to its headline ({len(staged['summaries_equal_to_headline'])})",
            not staged["summaries_equal_to_headline"],
        ),
        (
            f"{staged['seconds_per_article']} s per article <= {TARGET_S_PER_ARTICLE:g}",
            staged["seconds_per_article"] is not None
            and staged["seconds_per_article"] <= TARGET_S_PER_ARTICLE,
        ),
        (
            f"peak RSS {staged['peak_rss_mb']} MB <= {TARGET_RSS_MB:g}",
            staged["peak_rss_mb"] is not None and staged["peak_rss_mb"] <= TARGET_RSS_MB,
        ),
    ]
    print("\n== targets (seeds, staged)")
    for label, ok in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {label}")
    return all(ok for _, ok in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=list(STRATEGIES))
    parser.add_argument(
        "--corpora", nargs="+", choices=("seeds", "independent"), help="default: every one found"
    )
    parser.add_argument("--save", type=Path, help="keep results here (default: a temp dir)")
    parser.add_argument("--score", type=Path, help="only score the results saved here")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--child", choices=STRATEGIES, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", default="seeds", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.child, args.corpus, args.save / f"{args.corpus}.{args.child}.jsonl")
        return 0
    save = args.score or args.save or Path(tempfile.mkdtemp(prefix="staged-bench-"))
    save.mkdir(parents=True, exist_ok=True)
    names = {k: v for k, v in corpora().items() if not args.corpora or k in args.corpora}
    if "independent" not in corpora():
        print(f"(no independent articles in {INDEPENDENT}: the seeds only)")
    if args.score is None:
        print(f"load: {os.getloadavg()}; results in {save}", flush=True)
        for corpus in names:
            for strategy in args.strategies:
                measure(strategy, corpus, save)
    rows = [r for c in names for s in STRATEGIES if (r := score(s, c, save)) is not None]
    show(rows)
    met = targets(rows)
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
