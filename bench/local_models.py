"""Benchmark the packaged embedded models on the seed articles.

For each candidate model that is installed, in its own process (so peak RSS is that model's):
seconds per article, prompt and generation tokens/s (llama.cpp's own timings), peak RSS, events
found and the share grounded (exact or fuzzy). Prints a table and, with --json, the raw figures.

    python bench/local_models.py                      # every installed candidate
    python bench/local_models.py --models qwen2.5-coder-0.5b-instruct-q4 --seeds 000 004

Run it on a quiet machine: two llama.cpp processes on 2 cores slow each other ~50x.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Settings, Summarizer  # noqa: E402
from summarizer.ingest import read_article_file  # noqa: E402
from summarizer.providers.local_models import CATALOGUE, LocalModelError, resolve_model_file  # noqa: E402


def run_one(model: str, seeds: list[Path], save: Path | None = None) -> dict:
    """Runs in the child process: one model over the seeds (results saved as JSONL to
    ``save/<model>.jsonl`` for `summarizer show` / `summarizer eval`)."""
    started = time.monotonic()
    resolve_model_file(None, model)  # assemble + verify before timing anything else
    summarizer = Summarizer(Settings(embedded_model=model))
    timings: list[dict] = []
    summarizer.provider.add_response_hook(
        lambda response: timings.append(getattr(response, "timings", None) or {})
    )
    articles = []
    for path in seeds:
        article = read_article_file(path)
        t0 = time.monotonic()
        result = next(iter(summarizer.summarize_many([article])))
        seconds = time.monotonic() - t0
        events = result.summary.events if result.ok else []
        if save and result.ok:
            with (save / f"{model}.jsonl").open("a", encoding="utf-8") as out:
                out.write(result.summary.model_dump_json() + "\n")
        articles.append(
            {
                "seed": path.stem[:3],
                "ok": result.ok,
                "reason": None if result.ok else result.failure.reason,
                "seconds": round(seconds, 1),
                "events": len(events),
                "grounded": sum(e.grounded for e in events),
                "prompt_tokens": result.summary.provenance.usage.prompt_tokens if result.ok else 0,
                "completion_tokens": result.summary.provenance.usage.completion_tokens
                if result.ok
                else 0,
            }
        )
    prompt_tps = [t["prompt_per_second"] for t in timings if t.get("prompt_per_second")]
    gen_tps = [t["predicted_per_second"] for t in timings if t.get("predicted_per_second")]
    return {
        "model": model,
        "articles": articles,
        "prompt_tok_s": round(sum(prompt_tps) / len(prompt_tps), 1) if prompt_tps else None,
        "gen_tok_s": round(sum(gen_tps) / len(gen_tps), 1) if gen_tps else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "wall_s": round(time.monotonic() - started, 1),
    }


def summarise(r: dict) -> str:
    arts = r["articles"]
    n = len(arts)
    secs = sum(a["seconds"] for a in arts) / n
    events = sum(a["events"] for a in arts)
    grounded = sum(a["grounded"] for a in arts)
    ok = sum(a["ok"] for a in arts)
    share = f"{grounded / events:.0%}" if events else "-"
    eps = grounded / sum(a["seconds"] for a in arts)
    return (
        f"{r['model']:<38} {ok}/{n} ok  {secs:6.1f} s/article  "
        f"max {max(a['seconds'] for a in arts):6.1f} s  prompt {r['prompt_tok_s']} tok/s  "
        f"gen {r['gen_tok_s']} tok/s  RSS {r['peak_rss_mb']} MB  events {events}  "
        f"grounded {grounded} ({share})  grounded events/s {eps:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", default=list(CATALOGUE))
    parser.add_argument("--seeds", nargs="*", default=[], help="seed id prefixes, e.g. 000 004")
    parser.add_argument("--json", action="store_true", help="print raw figures as JSON lines")
    parser.add_argument("--save", type=Path, help="write each model's results to DIR/<model>.jsonl")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    if args.seeds:
        seeds = [p for p in seeds if p.stem[:3] in args.seeds]
    if args.child:
        print(json.dumps(run_one(args.child, seeds, args.save)))
        return
    for model in args.models:
        try:
            resolve_model_file(None, model)
        except LocalModelError as exc:
            print(f"{model:<38} skipped: {exc}")
            continue
        cmd = [sys.executable, __file__, "--child", model, "--seeds", *[p.stem[:3] for p in seeds]]
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{model}.jsonl").unlink(missing_ok=True)
            cmd += ["--save", str(args.save)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(f"{model:<38} crashed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(summarise(result), flush=True)
        for a in result["articles"]:
            print(
                f"    seed {a['seed']}: {a['seconds']:6.1f} s  events {a['events']}  "
                f"grounded {a['grounded']}  tokens {a['prompt_tokens']}+{a['completion_tokens']}"
                + (f"  FAILED: {a['reason']}" if not a["ok"] else "")
            )
        if args.json:
            print(json.dumps(result))


if __name__ == "__main__":
    main()
