"""Long document: a synthetic 300 KB report with 150 planted events, one sentence each, some at
the very edge of a part (a part boundary falls on or right after them), through the loopback
fake server, which answers each request with the planted events whose sentences it shows (as a
faithful model would, at most 8 per answer).

Prints: the requests sent, events found (target 150/150), duplicates (target 0), evidence
offsets that index the planted sentence exactly (target 150/150), and our CPU per 100 KB of
text (this process: splitting, requests, grounding, assembling, the ledger).

    python bench/long_document.py                 # 300 KB, 150 events, the default part size
    python bench/long_document.py --kb 600 --events 300 --chunk-tokens 1200
"""

from __future__ import annotations

import argparse
import random
import re
import time

from common import BenchServer, bench_settings, cpu_seconds, prepare_process, workdir

ACTORS = ["Government forces", "Russian aircraft", "Rebel fighters", "Islamic State militants"]
VERBS = ["shelled", "struck", "attacked"]
TOWNS = [
    "Ariha", "Saraqeb", "Kafr Nabl", "Maarat al-Numan", "Jisr al-Shughur", "Khan Sheikhoun",
    "Morek", "Latamneh", "Kafr Zita", "Douma", "Harasta", "Busra al-Harir", "Tafas", "Jasim",
]  # fmt: skip
FILLER = [
    "Aid agencies said access to the area remained difficult because of damaged roads.",
    "Residents described long queues for bread and fuel in the days that followed.",
    "The monitoring group said it could not independently verify every account it received.",
    "Local councils reported that schools in the district had been closed for a second week.",
    "Humanitarian convoys waited at the crossing point for permission to enter the area.",
    "Medical staff said the hospital was running short of blood and anaesthetics.",
]
PLANTED = re.compile(r"In incident IR-(\d{4}), [^.]+\.")


def planted(n: int, rng: random.Random) -> str:
    actor, verb, town = rng.choice(ACTORS), rng.choice(VERBS), rng.choice(TOWNS)
    return f"In incident IR-{n:04d}, {actor} {verb} {town}, killing {rng.randint(1, 30)} people."


def make_report(kb: int, events: int, seed: int = 7) -> tuple[str, dict[int, str]]:
    """A report of about ``kb`` KB with ``events`` planted sentences spread through it."""
    rng = random.Random(seed)
    sentences = {n: planted(n, rng) for n in range(events)}
    target = kb * 1000
    filler_per_event = max(1, (target // events - 90) // 80)
    parts = [
        "Civilian Protection Update: north-west Syria, March 2018",
        "Geneva, 14 March 2018",
        "",
    ]
    for n in range(events):
        parts.append(sentences[n])
        parts += [rng.choice(FILLER) for _ in range(filler_per_event + rng.randint(-1, 1))]
        if n % 10 == 9:
            parts.append("")  # a paragraph break now and then
    return "\n".join(parts), sentences


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kb", type=int, default=300)
    p.add_argument("--events", type=int, default=150)
    p.add_argument("--chunk-tokens", type=int, default=None)
    p.add_argument("--chunk-overlap", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--keep", help="keep the report, ledger and results in this directory")
    a = p.parse_args()
    prepare_process()

    from summarizer.api import Summarizer
    from summarizer.chunking import windows
    from summarizer.ingest import article_from_text

    text, sentences = make_report(a.kb, a.events)
    with workdir(a.keep) as tmp, BenchServer(0, planted=1) as server:
        (tmp / "report.txt").write_text(text)
        settings = bench_settings(
            server.url,
            a.concurrency,
            chunk_tokens=a.chunk_tokens,
            chunk_overlap=a.chunk_overlap,
            mode="json_schema",
        )
        article = article_from_text(text, "report", source_path=str(tmp / "report.txt"))
        parts = windows(article.model_text, settings.window_tokens, settings.chunk_overlap)
        # the planted sentences a part boundary falls on or right after: seen by two parts
        edges = sum(1 for w in parts[1:] for m in PLANTED.finditer(w.text[:400]))
        cpu0, t0 = cpu_seconds(), time.monotonic()
        summarizer = Summarizer(settings, ledger=tmp / "ledger.sqlite3")
        [result] = list(summarizer.summarize_many([article]))
        cpu, wall = cpu_seconds() - cpu0, time.monotonic() - t0
        requests = server.stats().get("requests", 0)
    if not result.ok:
        raise SystemExit(f"failed: {result.failure.reason}")
    summary = result.summary
    found: dict[int, int] = {}
    exact = 0
    for event in summary.events:
        for ev in event.evidence:
            m = PLANTED.fullmatch(ev.quote)
            if m is None:
                continue
            n = int(m.group(1))
            found[n] = found.get(n, 0) + 1
            if ev.start is not None and text[ev.start : ev.end] == sentences[n]:
                exact += 1
    duplicates = sum(c - 1 for c in found.values())
    size_kb = len(text) / 1000
    print(
        f"long document: {size_kb:,.0f} KB, {a.events} planted events, {len(parts)} parts of "
        f"<= {settings.window_tokens:,} tokens, {a.chunk_overlap}-sentence overlaps; {edges} "
        "planted sentences fall in an overlap (shown to two parts)"
    )
    print(
        f"requests: {requests} ({summary.chunks} answers in the record, 1 summary) | "
        f"wall {wall:.2f}s | warnings: {len(summary.warnings)}"
    )
    print(
        f"events found: {len(found)}/{a.events} (target {a.events}/{a.events}) | duplicates: "
        f"{duplicates} (target 0) | offsets exact: {exact}/{a.events} (target {a.events}/"
        f"{a.events}) | our CPU: {cpu * 1000 / (size_kb / 100):,.0f} ms per 100 KB"
    )


if __name__ == "__main__":
    main()
