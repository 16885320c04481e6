"""Saved results out to the formats people use: JSON Lines, ACLED-style CSV, an HTML report.

>>> from summarizer.export import load_run, export_run
>>> run = load_run("results.jsonl")                       # doctest: +SKIP
>>> export_run(run, "csv", Path("events.csv"))            # doctest: +SKIP

``load_run`` reads a results JSONL file written by ``summarizer run --out`` (failures from its
``.failures.jsonl`` sidecar), or a run from the SQLite run ledger by id, unique id prefix or
``last`` when the ledger is available.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from summarizer.export.csv import COLUMNS as CSV_COLUMNS
from summarizer.export.csv import write_csv
from summarizer.export.html import Prices, load_article_text, render_html, write_html
from summarizer.export.jsonl import write_jsonl
from summarizer.store.results_file import ResultsFileError, read_failures, read_results
from summarizer.types.records import ArticleSummary, Failure

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "LoadedRun",
    "Prices",
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


class RunNotFound(ValueError):
    """Neither a readable results file nor a run in the ledger."""


@dataclass
class LoadedRun:
    summaries: list[ArticleSummary]
    failures: list[Failure] = field(default_factory=list)
    source: str = ""
    # Where relative ``source_path``s are looked for (the results file's folder).
    search_dirs: list[Path] = field(default_factory=list)
    # Estimated cost per article id, when the source recorded one (the ledger does).
    costs: dict[str, float | None] = field(default_factory=dict)


def load_run(ref: str | Path, *, ledger_path: Path | None = None) -> LoadedRun:
    """A results ``.jsonl`` path, or a run id (or unique prefix, or ``last``) in the ledger."""
    path = Path(ref)
    if path.is_file() or path.suffix == ".jsonl":
        try:
            summaries = list(read_results(path))
        except ResultsFileError as exc:
            raise RunNotFound(str(exc)) from None
        return LoadedRun(
            summaries=summaries,
            failures=read_failures(path),
            source=str(path),
            search_dirs=[path.resolve().parent],
        )
    return _load_from_ledger(str(ref), ledger_path)


def _load_from_ledger(ref: str, ledger_path: Path | None) -> LoadedRun:
    try:
        from summarizer.store.ledger import Ledger, LedgerError, default_path
    except ImportError:  # pragma: no cover - checkouts from before the ledger
        raise RunNotFound(f"{ref}: no such results file") from None
    db = ledger_path or default_path()
    if not db.is_file():
        raise RunNotFound(f"{ref}: no such results file, and no run ledger at {db}")
    try:
        with Ledger(db) as ledger:
            run_id = ledger.resolve(ref)
            items = list(ledger.items(run_id))
    except LedgerError as exc:
        raise RunNotFound(f"{ref}: not a results file; {exc}") from None
    summaries, failures, costs = [], [], {}
    for item in items:
        if item.status == "ok" and item.result:
            summary = ArticleSummary.model_validate_json(item.result)
            summaries.append(summary)
            costs[summary.article_id] = item.cost_usd
        elif item.status == "failed":
            stage = item.stage if item.stage in ("ingest", "llm", "validate") else "llm"
            failures.append(
                Failure(
                    article_id=item.article_id,
                    source_path=item.source,
                    stage=stage,
                    reason=item.reason or "failed",
                )
            )
    return LoadedRun(
        summaries=summaries, failures=failures, source=f"run {run_id} ({db})", costs=costs
    )


def export_run(
    run: LoadedRun,
    fmt: str,
    out: Path,
    *,
    text_dirs: list[Path] | None = None,
    prices: Prices | None = None,
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
