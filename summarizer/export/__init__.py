"""Saved results out to the formats people use: JSON Lines, ACLED-style CSV, an HTML report.

>>> from summarizer.export import load_run, export_run
>>> run = load_run("results.jsonl")                       # doctest: +SKIP
>>> export_run(run, "csv", Path("events.csv"))            # doctest: +SKIP

``load_run`` reads a results JSONL file written by ``summarizer run --out`` (failures from its
``.failures.jsonl`` sidecar), or a run from the SQLite run ledger by id, unique id prefix or
``last`` when the ledger is available.
"""

from __future__ import annotations

from pathlib import Path

from summarizer.export.csv import COLUMNS as CSV_COLUMNS
from summarizer.export.csv import write_csv
from summarizer.export.html import load_article_text, render_html, write_html
from summarizer.export.jsonl import write_jsonl
from summarizer.pricing import Price
from summarizer.store.runs import LoadedRun, RunNotFound, load_run

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "LoadedRun",
    "Price",
    "RunNotFound",
    "export_run",
    "load_article_text",
    "load_run",
    "render_html",
    "write_csv",
    "write_html",
    "write_jsonl",
]

FORMATS = ("jsonl", "csv", "html")


def export_run(
    run: LoadedRun,
    fmt: str,
    out: Path,
    *,
    text_dirs: list[Path] | None = None,
    prices: Price | None = None,
    title: str | None = None,
) -> int:
    """Write ``run`` as ``fmt`` (jsonl, csv or html); returns records written (summaries for
    jsonl and html, event rows for csv)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        return write_jsonl(run.summaries, out)
    if fmt == "csv":
        return write_csv(run.summaries, out)
    if fmt == "html":
        return write_html(
            run.summaries,
            out,
            run.failures,
            search_dirs=[*(text_dirs or []), *run.search_dirs],
            prices=prices,
            title=title,
            source=run.source,
            costs=run.costs,
        )
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
