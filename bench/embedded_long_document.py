"""The embedded model on a document longer than its context: about 40 KB of distinct reports as
one document (the five sample articles, seven more written for the tests, the start of a UN
update, which comes last). Prints the parts it took, the seconds, peak RSS, and whether events
came from its last part; no context error is the point.

It takes a while on a 2-core CPU (a part is ~1.5-3 minutes): the run is recorded in a ledger,
so an interrupted one resumes where it stopped with ``--ledger`` given again.

    python bench/embedded_long_document.py --ledger /tmp/embedded-long.sqlite3
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import SEEDS  # noqa: E402 - the repository root is on the path now
from tests.test_embedded_replay import long_document  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ledger", type=Path, default=Path("/tmp/summarizer-embedded-long.sqlite3"))
    a = p.parse_args()
    from summarizer import Settings, Summarizer
    from summarizer.ingest import read_article_file

    article, last_part = long_document({s.stem: read_article_file(s) for s in SEEDS})
    settings = Settings()
    started = time.monotonic()
    summarizer = Summarizer(settings, ledger=a.ledger)
    [result] = list(summarizer.summarize_many([article]))
    seconds = time.monotonic() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # llama.cpp runs here
    if not result.ok:
        raise SystemExit(f"failed: {result.failure.reason}")
    summary = result.summary
    starts = [ev.start for e in summary.events for ev in e.evidence if ev.start is not None]
    from_last = sum(1 for s in starts if s >= last_part)
    print(
        f"embedded long document: {len(article.text):,} characters, {summary.chunks} answers "
        f"(parts of <= {settings.window_tokens:,} tokens), {result.usage.attempts} requests, "
        f"{seconds:,.0f}s ({summary.provenance.usage.prompt_tokens:,} prompt + "
        f"{summary.provenance.usage.completion_tokens:,} completion tokens)"
    )
    print(
        f"events: {len(summary.events)}, {from_last} quote(s) from the last part (the UN update) | "
        f"warnings: {len(summary.warnings)} | peak RSS (this process, llama.cpp included): "
        f"{rss_mb:,.0f} MB"
    )
    for warning in summary.warnings:
        print(f"  warning: {warning}")


if __name__ == "__main__":
    main()
