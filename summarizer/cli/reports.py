"""``summarizer export`` and ``summarizer eval``: plain typer command functions over
``summarizer.export`` and ``summarizer.eval``, registered on the app in ``cli/app.py``::

    app.command()(export)
    app.command(name="eval")(eval_command)

Exit status: 0 on success, 2 on usage errors (unknown format, unreadable results or gold file).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from summarizer.cli.errors import cannot_write, usage_error
from summarizer.eval import GoldError, evaluate, load_gold, report_tables
from summarizer.export import (
    DIRECTORY_FORMATS,
    FORMATS,
    STREAMED_FORMATS,
    ParquetUnavailable,
    Price,
    RunNotFound,
    export_run,
    load_run,
    stream_run,
)
from summarizer.export.parquet import ARTICLES_FILE, EVENTS_FILE

RUN_HELP = (
    "A results .jsonl file written by `summarizer run --out`, or a run id (or unique prefix, "
    "or 'last') in the run ledger."
)

# The one ``--ledger`` option, for every command that reads or writes the ledger.
LedgerOption = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        metavar="FILE",
        help="The run ledger (SQLite). Default: env SUMMARIZER_LEDGER, else ledger.sqlite3 in "
        "the user data directory.",
        show_default=False,
    ),
]


def _out() -> Console:
    return Console()


def export(
    run_or_jsonl: Annotated[
        str, typer.Argument(metavar="RESULTS", help=RUN_HELP, show_default=False)
    ],
    out_file: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="File to write; - for standard output. Parquet: a directory, given its two "
            "tables, articles.parquet and events.parquet.",
            show_default=False,
        ),
    ],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="jsonl (the results records), csv (ACLED-style, one row per event), html "
            "(a self-contained report) or parquet (a directory: articles.parquet and "
            "events.parquet, typed, for pandas, DuckDB, Dask; needs summarizer[parquet]).",
        ),
    ] = "jsonl",
    text_dir: Annotated[
        list[Path] | None,
        typer.Option(
            "--text-dir",
            metavar="DIR",
            help="HTML: also look for article files here (moved since the run). Repeatable.",
        ),
    ] = None,
    price_prompt: Annotated[
        float | None,
        typer.Option(
            min=0, metavar="USD", help="HTML: USD per million prompt tokens, to cost a remote run."
        ),
    ] = None,
    price_completion: Annotated[
        float | None,
        typer.Option(min=0, metavar="USD", help="HTML: USD per million completion tokens."),
    ] = None,
    title: Annotated[str | None, typer.Option(metavar="TEXT", help="HTML: page title.")] = None,
    include_suspect: Annotated[
        bool,
        typer.Option(
            "--include-suspect",
            help="CSV: also the events whose only evidence is an instruction planted for AI "
            "models (left out by default; marked in their notes).",
        ),
    ] = False,
    ledger: LedgerOption = None,
) -> None:
    """Export saved results as JSONL, ACLED-style CSV, an HTML report, or Parquet tables (a
    directory holding articles.parquet and events.parquet)."""
    fmt = format.lower()
    if fmt not in FORMATS:
        raise usage_error(f"--format must be one of {', '.join(FORMATS)}, not {format!r}")
    if (price_prompt is None) != (price_completion is None):
        raise usage_error("give both --price-prompt and --price-completion, or neither")
    prices = Price(price_prompt, price_completion) if price_prompt is not None else None  # type: ignore[arg-type]
    try:
        read = stream_run if fmt in STREAMED_FORMATS else load_run
        run = read(run_or_jsonl, ledger_path=ledger)
    except RunNotFound as exc:
        raise usage_error(str(exc)) from None
    what = "event rows" if fmt == "csv" else "articles"
    if fmt in DIRECTORY_FORMATS:
        what += f" ({ARTICLES_FILE}) and their events ({EVENTS_FILE})"
        if str(out_file) == "-":
            raise usage_error(f"--format {fmt} writes a directory of files: give -o DIR")
    if str(out_file) == "-":  # standard output: the export alone, the count on stderr
        with tempfile.TemporaryDirectory(prefix="summarizer-export-") as tmp:
            staged = Path(tmp) / f"export.{fmt}"
            written = export_run(
                run,
                fmt,
                staged,
                text_dirs=text_dir,
                prices=prices,
                title=title,
                include_suspect=include_suspect,
            )
            with staged.open("rb") as exported:
                shutil.copyfileobj(exported, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        Console(stderr=True).print(f"{written} {what} -> standard output", highlight=False)
        return
    try:
        written = export_run(
            run,
            fmt,
            out_file,
            text_dirs=text_dir,
            prices=prices,
            title=title,
            include_suspect=include_suspect,
        )
    except (ParquetUnavailable, RunNotFound) as exc:  # (a streamed run fails as it is read)
        raise usage_error(str(exc)) from None
    except OSError as exc:
        raise usage_error(cannot_write(out_file, exc)) from None
    _out().print(f"{written} {what} -> {out_file}", highlight=False, soft_wrap=True)


def eval_command(
    results: Annotated[str, typer.Argument(metavar="RESULTS", help=RUN_HELP, show_default=False)],
    gold: Annotated[
        Path,
        typer.Option(
            "--gold",
            "-g",
            metavar="FILE",
            help="Gold annotations, JSON Lines (one event per line).",
            show_default=False,
        ),
    ],
    json_out: Annotated[
        str | None,
        typer.Option(
            "--json",
            metavar="FILE",
            help="Also write the full report as JSON to this file; '-' prints only the JSON.",
        ),
    ] = None,
    ledger: LedgerOption = None,
) -> None:
    """Score results against gold annotations: precision, recall and F1 side by side for
    strict pairs (sub-event type, place, date, actor 1, toll in the gold range),
    type+place+date pairs and lenient pairs (disorder type); per-field accuracy, fatality
    error and bias, grounded evidence. Events whose evidence is not in the text, or rests on
    an instruction planted for AI models, are never a match."""
    try:
        gold_set = load_gold(gold)
    except GoldError as exc:
        raise usage_error(str(exc)) from None
    try:
        run = load_run(results, ledger_path=ledger)
    except RunNotFound as exc:
        raise usage_error(str(exc)) from None
    report = evaluate(run.summaries, gold_set, results_label=run.source, gold_label=str(gold))
    scored = len(run.summaries) - len(report.articles_without_gold)
    if run.summaries and scored == 0:  # a recall of 0 would read as a verdict on the model
        raise usage_error(
            f"{gold}: none of the {len(run.summaries)} article ids in {run.source} is in it "
            f"(e.g. {run.summaries[0].article_id!r}): is it the gold file of these articles?"
        )
    payload = report.model_dump_json(indent=2)
    if json_out == "-":
        print(payload)
        return
    console = _out()
    for renderable in report_tables(report):
        console.print(renderable)
    if json_out:
        try:
            Path(json_out).write_text(payload + "\n", encoding="utf-8")
        except OSError as exc:
            raise usage_error(cannot_write(json_out, exc)) from None
        console.print(f"report: {json_out}", highlight=False, soft_wrap=True)


__all__ = ["eval_command", "export"]
