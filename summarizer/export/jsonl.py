"""JSON Lines export: one ``ArticleSummary`` per line, the same format ``summarizer run --out``
writes, so the file reads back with ``summarizer show`` / ``eval`` / ``export``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from summarizer.types.records import ArticleSummary


def write_jsonl(summaries: Iterable[ArticleSummary], out: Path) -> int:
    """Write the summaries, one per line; returns the number written."""
    count = 0
    with out.open("w", encoding="utf-8") as handle:
        for summary in summaries:
            handle.write(summary.model_dump_json() + "\n")
            count += 1
    return count
