"""Saved results out to the formats people use: JSON Lines, ACLED-style CSV, an HTML report,
Parquet tables (a directory: ``articles.parquet`` and ``events.parquet``).

>>> from summarizer.export import load_run, export_run
>>> run = load_run("results.jsonl")                       # doctest: +SKIP
>>> export_run(run, "csv", Path("events.csv"))            # doctest: +SKIP

``load_run`` reads a results JSONL file written by ``summarizer run --out`` (failures from its
``.failures.jsonl`` sidecar), or a run from the SQLite run ledger by id, unique id prefix or
``last`` when the ledger is available.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from summarizer.export.csv import COLUMNS as CSV_COLUMNS
from summarizer.export.csv import write_csv
from summarizer.export.html import load_article_text, render_html, write_html
from summarizer.export.jsonl import write_jsonl
from summarizer.export.parquet import ParquetUnavailable, write_parquet
from summarizer.pricing import Price
from summarizer.store.runs import LoadedRun, RunNotFound, load_run, stream_run

__all__ = [
    "CSV_COLUMNS",
    "DIRECTORY_FORMATS",
    "FORMATS",
    "STREAMED_FORMATS",
    "LoadedRun",
    "ParquetUnavailable",
    "Price",
    "RunNotFound",
    "export_run",
    "load_article_text",
    "load_run",
    "render_html",
    "stream_run",
    "write_csv",
    "write_html",
    "write_jsonl",
    "write_parquet",
]


@dataclass(frozen=True)
class ExportOptions:
    """What some formats use: where article texts are looked for (html), prices, a title."""

    text_dirs: list[Path] = field(default_factory=list)
    prices: Price | None = None
    title: str | None = None
    include_suspect: bool = False  # csv: events whose only evidence is a planted instruction


def _jsonl(run: LoadedRun, out: Path, options: ExportOptions) -> int:
    return write_jsonl(run.summaries, out)


def _csv(run: LoadedRun, out: Path, options: ExportOptions) -> int:
    return write_csv(run.summaries, out, options.include_suspect)


def _html(run: LoadedRun, out: Path, options: ExportOptions) -> int:
    return write_html(
        run.summaries,
        out,
        run.failures,
        search_dirs=[*options.text_dirs, *run.search_dirs],
        prices=options.prices,
        title=options.title,
        source=run.source,
        costs=run.costs,
    )


def _parquet(run: LoadedRun, out: Path, options: ExportOptions) -> int:
    articles, _ = write_parquet(run.summaries, out, run.costs, options.include_suspect)
    return articles


# The formats: name -> writer (run, out, options) -> records written. A new format is one entry.
WRITERS: dict[str, Callable[[LoadedRun, Path, ExportOptions], int]] = {
    "jsonl": _jsonl,
    "csv": _csv,
    "html": _html,
    "parquet": _parquet,  # a directory, not a file
}
# Formats written as a directory of files (never to standard output).
DIRECTORY_FORMATS = ("parquet",)
# Formats written in one pass as the run is read (``stream_run``), never all in memory.
STREAMED_FORMATS = ("parquet",)
FORMATS = tuple(WRITERS)


def export_run(
    run: LoadedRun,
    fmt: str,
    out: Path,
    *,
    text_dirs: list[Path] | None = None,
    prices: Price | None = None,
    title: str | None = None,
    include_suspect: bool = False,
) -> int:
    """Write ``run`` as ``fmt`` (see ``FORMATS``); returns records written (summaries for jsonl,
    html and parquet, event rows for csv). Parquet writes ``out`` as a directory."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    return writer(run, out, ExportOptions(list(text_dirs or []), prices, title, include_suspect))
