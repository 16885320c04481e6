"""``summarizer`` command line: parses flags, calls the Python API, renders with rich."""

from __future__ import annotations

import json
import logging
from contextlib import nullcontext
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from . import __version__
from .api import Summarizer
from .local_model import CATALOGUE, LocalModelError, resolve_model_file
from .render import RunTotals, article_view, failures_table, footer
from .schema import ArticleSummary
from .settings import Settings
from .store import JsonlWriter, ResultsFileError, read_failures, read_results

app = typer.Typer(
    help="Summarise news articles into grounded, ACLED-style conflict-event records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def _version(value: bool) -> None:
    if value:
        out.print(f"summarizer {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    """Summarise news articles into grounded, ACLED-style conflict-event records.

    With no OPENAI_API_KEY and no --base-url, runs on the embedded local model (no key, no
    network). Results are printed as tables and, with --out, saved as JSON Lines.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _usage_error(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(EXIT_USAGE)


@app.command()
def run(
    paths: Annotated[
        list[str],
        typer.Argument(help="Article .txt files, directories, globs, or .jsonl files.", show_default=False),
    ],
    out_file: Annotated[
        Optional[Path],
        typer.Option("--out", "-o", help="Write results as JSON Lines here (failures go to <name>.failures.jsonl)."),
    ] = None,
    model: Annotated[Optional[str], typer.Option(help="Model name at the endpoint (env SUMMARIZER_MODEL).")] = None,
    base_url: Annotated[
        Optional[str],
        typer.Option(help="OpenAI-compatible base URL, e.g. http://localhost:11434/v1 (env OPENAI_BASE_URL)."),
    ] = None,
    mode: Annotated[
        Optional[str],
        typer.Option(help="Structured-output mode: auto, tools, json_schema, md_json (env SUMMARIZER_MODE)."),
    ] = None,
    model_path: Annotated[
        Optional[str],
        typer.Option(help="Run this local GGUF file on the embedded runtime (env SUMMARIZER_MODEL_PATH)."),
    ] = None,
    embedded_model: Annotated[
        Optional[str],
        typer.Option(help=f"Packaged embedded model: {', '.join(CATALOGUE)} (env SUMMARIZER_EMBEDDED_MODEL)."),
    ] = None,
    concurrency: Annotated[Optional[int], typer.Option(min=1, help="Articles in flight at once (remote endpoints).")] = None,
    max_tokens: Annotated[Optional[int], typer.Option(min=64, help="Cap on generated tokens per request.")] = None,
    timeout: Annotated[Optional[float], typer.Option(min=1, help="Seconds before one request times out.")] = None,
    reasks: Annotated[Optional[int], typer.Option(min=0, help="Re-asks after a schema-invalid answer.")] = None,
    transport_attempts: Annotated[
        Optional[int], typer.Option(min=1, help="Attempts per request on 429/5xx/timeouts/connection errors.")
    ] = None,
    constrain_quotes: Annotated[
        Optional[bool],
        typer.Option(
            "--constrain-quotes/--free-quotes",
            help="Limit evidence quotes to the article's sentences in the decoding grammar "
            "(default: on for the embedded model; needs a server that enforces JSON schemas).",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the footer and failures.")] = False,
) -> None:
    """Summarise articles and extract their events.

    Exit status: 0 when every article succeeded, 1 when some failed (listed with reasons),
    2 on usage errors.
    """
    if mode not in (None, "auto", "tools", "json_schema", "md_json"):
        raise _usage_error(f"--mode must be auto, tools, json_schema or md_json, not {mode!r}")
    try:
        settings = Settings.from_env(
            model=model, base_url=base_url, mode=mode, model_path=model_path,
            embedded_model=embedded_model, concurrency=concurrency, max_tokens=max_tokens,
            timeout=timeout, reasks=reasks, transport_attempts=transport_attempts,
            constrain_quotes=constrain_quotes,
        )  # fmt: skip
    except ValueError as exc:
        raise _usage_error(str(exc)) from None
    if settings.uses_embedded:
        _announce_embedded(settings)

    summarizer = Summarizer(settings)
    totals = RunTotals()
    started = time.monotonic()
    writer = JsonlWriter(out_file) if out_file else None
    try:
        with err.status("working...", spinner="dots") if err.is_terminal else nullcontext():
            for result in summarizer.summarize_many(paths):
                record = result.summary or result.failure
                assert record is not None
                totals.add(record)
                if writer:
                    writer.write(record)
                if result.summary and not quiet:
                    out.print(article_view(result.summary))
                elif result.failure:
                    err.print(f"[red]failed[/] {result.source}: {result.failure.reason}", highlight=False)
    finally:
        if writer:
            writer.close()
    totals.seconds = time.monotonic() - started
    _finish(totals, out_file)


def _announce_embedded(settings: Settings) -> None:
    try:
        model_file, name = resolve_model_file(settings.model_path, settings.embedded_model)
    except LocalModelError as exc:
        raise _usage_error(str(exc)) from None
    size_gb = model_file.stat().st_size / 1e9
    err.print(
        f"Using the embedded model {name} ({size_gb:.1f} GB) on this CPU: small, so expect "
        "about a minute per article and limited accuracy. For a real endpoint set "
        "OPENAI_API_KEY, or --base-url/--model (Ollama, vLLM, llama.cpp).",
        style="yellow", highlight=False,
    )  # fmt: skip


def _finish(totals: RunTotals, out_file: Path | None, *, failures_fail: bool = True) -> None:
    if totals.failures:
        err.print(failures_table(totals.failures))
    out.print(footer(totals))
    if out_file:
        out.print(f"results: {out_file}", highlight=False)
    if totals.ok + totals.failed == 0:
        raise _usage_error("no articles found in the given paths")
    raise typer.Exit(EXIT_SOME_FAILED if totals.failed and failures_fail else EXIT_OK)


@app.command()
def show(
    results: Annotated[Path, typer.Argument(help="A results .jsonl file written by `summarizer run --out`.")],
) -> None:
    """Re-render saved results without calling any model."""
    totals = RunTotals()
    try:
        for summary in read_results(results):
            totals.add(summary)
            out.print(article_view(summary))
    except ResultsFileError as exc:
        raise _usage_error(str(exc)) from None
    for failure in read_failures(results):
        totals.add(failure)
    _finish(totals, None, failures_fail=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of one results line (an ArticleSummary)."""
    print(json.dumps(ArticleSummary.model_json_schema(), indent=2))


if __name__ == "__main__":  # pragma: no cover
    app()
