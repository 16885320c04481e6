"""``summarizer`` command line: parses flags, calls the Python API, renders with rich."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from summarizer import __version__
from summarizer.cli.checks import endpoint_conflict, out_file_conflict
from summarizer.cli.progress import BatchProgress, summary_table
from summarizer.cli.render import RunTotals, article_view, failures_table, footer
from summarizer.cli.reports import RUN_HELP, LedgerOption, cannot_write, eval_command, export
from summarizer.config import NUMBERS, Settings
from summarizer.ingest import STDIN, count_articles
from summarizer.pipeline.normalise import Gazetteer
from summarizer.pricing import format_cost, load_prices
from summarizer.providers.local_models import CATALOGUE, LocalModelError, resolve_model_file
from summarizer.store.keys import config_key
from summarizer.store.ledger import Ledger, LedgerError, RunInfo, default_path
from summarizer.store.results_file import JsonlWriter
from summarizer.store.runs import RunNotFound, open_run
from summarizer.types.outcome import Result
from summarizer.types.records import ArticleSummary

app = typer.Typer(
    help="Summarise news articles into grounded, ACLED-style conflict-event records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: it joins a paragraph's source lines to the terminal's width, and its
    # two-column layout stays whole at 80 columns, where typer's rich panels (a column per
    # option name, negative flag and type) left the help text ~18 characters wide and cropped.
    rich_markup_mode=None,
)
out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
# The least value of each numeric setting: one bound for the flag and its environment variable.
LEAST = {name: least for name, (_, least) in NUMBERS.items()}


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
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def prepare_heap_for_batch() -> None:
    """Garbage-collector settings for a one-shot batch process (``summarizer run``).

    Whatever exists now (modules, schemas, tables) lives until exit: frozen, the cyclic GC need
    not walk it again and again during the batch (60-70 ms pauses). And a batch allocates many
    short-lived objects per article, almost none in cycles: collecting the youngest generation
    every 10,000 allocations instead of 700 cuts the collector's time about fourfold
    (~0.2 s -> ~0.05 s per 1,000 articles, bench/throughput.py)."""
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


@app.command()
def run(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="PATH",
            help="Article .txt files, directories, globs, or .jsonl files; - reads standard "
            "input (one article, or JSONL). Optional with --resume/--retry-failed: the run's own "
            "inputs.",
            show_default=False,
        ),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write results as JSON Lines here (failures beside it: results.jsonl -> results.failures.jsonl).",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="Model name at the endpoint (env SUMMARIZER_MODEL)."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="OpenAI-compatible base URL, e.g. http://localhost:11434/v1 (env OPENAI_BASE_URL).",
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help="Structured-output mode: auto, tools, json_schema, md_json (env SUMMARIZER_MODE).",
        ),
    ] = None,
    model_path: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Run this local GGUF file on the embedded runtime (env SUMMARIZER_MODEL_PATH).",
        ),
    ] = None,
    embedded_model: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help=f"Packaged embedded model: {', '.join(CATALOGUE)} (env SUMMARIZER_EMBEDDED_MODEL).",
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=LEAST["concurrency"],
            metavar="N",
            help="Articles in flight at once (remote endpoints; default 4).",
        ),
    ] = None,
    rpm: Annotated[
        float | None,
        typer.Option(
            "--rpm",
            min=0.001,
            metavar="N",
            help="Requests-per-minute limit (retries and re-asks count).",
        ),
    ] = None,
    tpm: Annotated[
        float | None,
        typer.Option(
            "--tpm",
            min=1,
            metavar="N",
            help="Tokens-per-minute limit (estimated before, settled after each request).",
        ),
    ] = None,
    token_budget: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="TOKENS",
            help="Most tokens one article may spend over all its requests (caps re-asks).",
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            min=LEAST["max_tokens"], metavar="TOKENS", help="Cap on generated tokens per request."
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=LEAST["timeout"],
            metavar="SECONDS",
            help="Seconds before one request times out (default 600; a connection not made within 10 s is given up sooner).",
        ),
    ] = None,
    reasks: Annotated[
        int | None,
        typer.Option(
            min=LEAST["reasks"], metavar="N", help="Re-asks after a schema-invalid answer."
        ),
    ] = None,
    transport_attempts: Annotated[
        int | None,
        typer.Option(
            min=LEAST["transport_attempts"],
            metavar="N",
            help="Attempts per request on 429/5xx/timeouts/connection errors.",
        ),
    ] = None,
    constrain_quotes: Annotated[
        bool | None,
        typer.Option(
            "--constrain-quotes/--free-quotes",
            help="Limit evidence quotes to the article's sentences in the decoding grammar "
            "(default: on for the embedded model; needs a server that enforces JSON schemas).",
            show_default=False,
        ),
    ] = None,
    gazetteer: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Resolve places with this GeoNames country dump (tab-separated, e.g. SY.txt) "
            "instead of the shipped snapshot of ~300 towns (env SUMMARIZER_GAZETTEER).",
        ),
    ] = None,
    ledger_path: LedgerOption = None,
    no_ledger: Annotated[
        bool, typer.Option("--no-ledger", help="Record nothing and use no cache.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Finish the latest unfinished run of these inputs (or --run): only what is missing.",
        ),
    ] = False,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Ask again for the failures of the latest run of these inputs (or --run).",
        ),
    ] = False,
    run_ref: Annotated[
        str | None,
        typer.Option(
            "--run",
            metavar="RUN",
            help="The run to --resume or --retry-failed (an id, a prefix, or 'last').",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No article panels and no retry warnings: only failures, the batch table and the footer.",
        ),
    ] = False,
) -> None:
    """Summarise articles and extract their events.

    Every run is recorded in the ledger: a re-run of the same articles with the same settings
    sends no request, and --resume after a crash or Ctrl-C finishes only what is missing.

    Exit status: 0 when every article succeeded, 1 when some failed (listed with reasons),
    2 on usage errors, 130 when interrupted (Ctrl-C), 143 when terminated (SIGTERM).
    """
    if mode not in (None, "auto", "tools", "json_schema", "md_json"):
        raise _usage_error(f"--mode must be auto, tools, json_schema or md_json, not {mode!r}")
    flags = dict(
        model=model,
        base_url=base_url,
        mode=mode,
        model_path=model_path,
        embedded_model=embedded_model,
        concurrency=concurrency,
        max_tokens=max_tokens,
        timeout=timeout,
        reasks=reasks,
        transport_attempts=transport_attempts,
        constrain_quotes=constrain_quotes,
        # absolute, like the inputs: a run resumed from another directory finds the same file
        gazetteer=str(gazetteer.expanduser().resolve()) if gazetteer else None,
    )
    if quiet:  # the retries' warnings too (failures are printed with their reasons anyway)
        logger = logging.getLogger("summarizer")
        ctx.call_on_close(functools.partial(logger.setLevel, logger.level))
        logger.setLevel(logging.ERROR)
    continuing = resume or retry_failed or run_ref is not None
    if continuing and no_ledger:
        raise _usage_error("--resume, --retry-failed and --run need the ledger (drop --no-ledger)")
    if not continuing and not paths:
        raise _usage_error("give the articles to summarise (files, directories, globs, .jsonl)")
    try:
        ledger = None if no_ledger else Ledger(ledger_path)
        settings = Settings.from_env(**flags)
        if base_url and not model_path:  # a server named now beats a model file in the env
            settings = settings.replace(model_path=None)
        previous = (
            _run_to_continue(ledger, paths, settings, run_ref, resume) if continuing else None
        )
        if previous is not None:
            settings = _settings_of(previous, flags)
            paths = paths or previous.inputs
            if not paths:
                raise _usage_error(
                    f"run {previous.id} was not started from paths: give its inputs again"
                )
        if STDIN in paths and sys.stdin.isatty():  # it would wait for typing, silently
            raise _usage_error(
                "- reads standard input, which is a terminal here: pipe the "
                "articles in (summarizer run - < articles.jsonl)"
            )
        if out_file and str(out_file) == "-":
            raise _usage_error(
                "--out takes a file (results, and failures beside them); for "
                "JSON Lines on standard output: summarizer export RUN -o -"
            )
        problem = endpoint_conflict(flags, settings) or (
            out_file_conflict(out_file, paths) if out_file else None
        )
        if problem:
            raise _usage_error(problem)
        # Bad tables stop the run before any request, not after the answers are paid for.
        Gazetteer.load(settings.gazetteer)
        load_prices()
    except (ValueError, LedgerError) as exc:
        raise _usage_error(str(exc)) from None
    if settings.uses_embedded:
        _announce_embedded(settings)

    from summarizer.api import (
        Limits,
        Summarizer,
    )  # the HTTP stack: imported by the commands that ask
    from summarizer.pipeline.assemble import warm_up

    warm_up(settings.gazetteer)  # the tables records need: at start-up, not at the first answer

    paths = _absolute(paths)  # a run's inputs must mean the same files when it is resumed
    summarizer = Summarizer(
        settings,
        ledger=ledger,
        limits=Limits(requests_per_minute=rpm, tokens_per_minute=tpm, token_budget=token_budget),
    )
    if previous is not None and previous.config_key != config_key(summarizer.config()):
        raise _usage_error(
            f"run {previous.id} was made with other decoding settings (model {previous.model} "
            f"at {previous.endpoint}, prompt {previous.prompt_version}); resume it with the same ones"
        )
    assert paths is not None
    totals = RunTotals()
    started = time.monotonic()
    try:
        writer = JsonlWriter(out_file) if out_file else None
    except OSError as exc:  # before any request: nothing asked would have nowhere to go
        raise _usage_error(cannot_write(out_file, exc)) from None
    # Standard input can be read only once: its articles are not counted ahead.
    total = count_articles(paths) if err.is_terminal and STDIN not in paths else None
    progress = BatchProgress(err, total)
    # Both streams on the terminal: panels go above the bar, through its console.
    panels = err if progress.enabled and out.is_terminal else out

    def handle(result: Result) -> None:
        record = result.summary or result.failure
        assert record is not None
        totals.add(record)
        progress.update(result, summarizer.throttle.rate_limited if summarizer.throttle else 0)
        if writer:
            writer.write_result(result)
        if result.summary and not quiet:
            panels.print(article_view(result.summary))
        elif result.failure:
            err.print(
                f"[red]{result.status}[/] {escape(result.source)}: {escape(result.failure.reason)}",
                highlight=False,
                soft_wrap=True,
            )

    terminated = asyncio.Event()

    async def batch() -> None:  # on this thread's event loop: no hand-over between threads
        # SIGTERM (kill, a batch scheduler's time limit) ends the run as Ctrl-C does: the
        # batch is cancelled at its next await, the run is left resumable, and we say so.
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGTERM, lambda: (terminated.set(), task.cancel())
        )
        run_id = previous.id if previous else None
        async for result in summarizer.asummarize_many(
            paths, run_id=run_id, retry_failed=retry_failed
        ):
            handle(result)

    def stopped(how: str, code: int) -> typer.Exit:
        finish = ""
        if ledger and summarizer.run_id:
            finish = f"; finish with {_resume_command(summarizer.run_id, ledger)}"
        err.print(
            f"[yellow]{how}[/] after {progress.stats.done} article(s){finish}",
            highlight=False,
            soft_wrap=True,
        )
        return typer.Exit(code)

    prepare_heap_for_batch()
    try:
        with progress:
            asyncio.run(batch())
    except KeyboardInterrupt:
        raise stopped("interrupted", EXIT_INTERRUPTED) from None
    except asyncio.CancelledError:
        if not terminated.is_set():
            raise
        raise stopped("terminated (SIGTERM)", EXIT_TERMINATED) from None
    except (ValueError, LedgerError) as exc:
        raise _usage_error(str(exc)) from None
    finally:
        if writer:
            writer.close()
    totals.seconds = time.monotonic() - started
    # What this batch spent, failed attempts included and cached answers not: as its table says.
    totals.prompt_tokens = progress.stats.prompt_tokens
    totals.completion_tokens = progress.stats.completion_tokens
    out.print(
        summary_table(
            progress.stats, run_id=summarizer.run_id, ledger=str(ledger.path) if ledger else None
        )
    )
    if progress.stats.skipped and ledger and summarizer.run_id:
        err.print(
            f"[yellow]stopped early[/]: {progress.stats.skipped} article(s) not attempted; once the "
            f"cause is fixed, finish with {_resume_command(summarizer.run_id, ledger, retry=True)}",
            highlight=False,
            soft_wrap=True,
        )
    _finish(totals, out_file)


def _run_to_continue(
    ledger: Ledger | None,
    paths: list[str] | None,
    settings: Settings,
    ref: str | None,
    resume: bool,
) -> RunInfo:
    assert ledger is not None
    if ref is not None:
        return ledger.run(ref)
    if paths:
        from summarizer.api import Summarizer

        probe = Summarizer(settings)
        inputs = _absolute(paths)
        found = ledger.find_resumable(inputs, config_key(probe.config())) if resume else None
        if found is None and not resume:  # --retry-failed: the latest run of these inputs
            found = next((r for r in ledger.list_runs(None) if r.inputs == inputs), None)
        if found is None:
            raise LedgerError(
                f"no {'unfinished ' if resume else ''}run of {' '.join(paths)} with these "
                f"settings in {ledger.path} (see `summarizer runs`)"
            )
        return found
    found = ledger.latest_unfinished() if resume else ledger.run("last")
    if found is None:
        raise LedgerError(f"no unfinished run in {ledger.path} (see `summarizer runs`)")
    return found


def _absolute(paths: list[str]) -> list[str]:
    """Existing files and directories as absolute paths; globs, ``-`` and the rest as given."""
    return [str(Path(p).resolve()) if p != STDIN and Path(p).exists() else p for p in paths]


def _settings_of(run: RunInfo, flags: dict) -> Settings:
    """The run's stored settings, with flags given now on top and the key from the environment."""
    stored = {k: v for k, v in run.settings.items() if k in Settings.model_fields}
    stored.update({k: v for k, v in flags.items() if v is not None})
    return Settings(api_key=Settings.from_env().api_key, **stored)


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
        style="yellow",
        highlight=False,
    )


def _resume_command(run_id: str, ledger: Ledger, *, retry: bool = False) -> str:
    """What finishes an unfinished run: ``--resume`` after an interruption; ``--retry-failed``
    after a batch that stopped early, whose last failures (cannot connect) are to be asked
    again with the articles it did not attempt. Names the ledger unless it is the default."""
    command = f"summarizer run {'--retry-failed' if retry else '--resume'} --run {run_id}"
    if ledger.path.resolve() != default_path().resolve():
        command += f" --ledger {ledger.path}"
    return f"`{command}`"


def _finish(
    totals: RunTotals,
    out_file: Path | None,
    *,
    failures_fail: bool = True,
    nothing: str = "no articles found in the given paths",
) -> None:
    if totals.failures:
        err.print(failures_table(totals.failures))
    out.print(footer(totals), soft_wrap=True)  # one line, grepped from logs
    if out_file:
        out.print(f"results: {out_file}", highlight=False, soft_wrap=True)
    if totals.ok + totals.failed + totals.skipped == 0:
        raise _usage_error(nothing)
    raise typer.Exit(
        EXIT_SOME_FAILED if (totals.failed or totals.skipped) and failures_fail else EXIT_OK
    )


@app.command()
def show(
    target: Annotated[
        str,
        typer.Argument(
            metavar="RESULTS",
            help="A run (id, prefix, or 'last') or a results .jsonl file written by --out.",
            show_default=False,
        ),
    ],
    ledger_path: LedgerOption = None,
) -> None:
    """Re-render a run or saved results without calling any model."""
    totals = RunTotals()
    try:
        reader = open_run(target, ledger_path=ledger_path)
        try:
            for record, _cost in reader.records():
                totals.add(record)
                if isinstance(record, ArticleSummary):
                    out.print(article_view(record))
        finally:
            reader.close()
    except RunNotFound as exc:
        raise _usage_error(str(exc)) from None
    if reader.info is not None:
        out.print(_runs_table([reader.info], title=f"Run {reader.info.id}"))
        nothing = f"run {reader.info.id} has no articles recorded"
    else:
        nothing = f"{target}: no results in it"
    _finish(totals, None, failures_fail=False, nothing=nothing)


@app.command()
def runs(
    ledger_path: LedgerOption = None,
    limit: Annotated[
        int, typer.Option(min=1, metavar="N", help="Show this many, newest first.")
    ] = 20,
) -> None:
    """List the runs in the ledger, newest first."""
    path = ledger_path or default_path()
    if not path.is_file():
        out.print(f"no runs yet (no ledger at {path})", highlight=False, soft_wrap=True)
        return
    try:
        ledger = Ledger(path)
    except LedgerError as exc:
        raise _usage_error(str(exc)) from None
    infos = ledger.list_runs(limit)
    if not infos:
        out.print(f"no runs yet in {ledger.path}", highlight=False, soft_wrap=True)
        return
    out.print(_runs_table(infos, title=f"Runs in {ledger.path}"))


def _existing_ledger(path: Path | None) -> Ledger:
    """Open a ledger to read it; looking never creates one."""
    path = path or default_path()
    if not path.is_file():
        raise LedgerError(f"no run ledger at {path}")
    return Ledger(path)


_RUN_STATUS_STYLE = {"done": "green", "running": "yellow", "interrupted": "red"}


def _run_counts(r: RunInfo) -> tuple[str, str, str, str, str]:
    """ok, failed (+ skipped), cached, tokens, cost: as the runs table shows them."""
    failed = f"{r.failed}" + (f" +{r.skipped} skipped" if r.skipped else "")
    tokens = r.prompt_tokens + r.completion_tokens
    cost = format_cost(r.cost_usd) if tokens else "-"
    return f"{r.ok:,}", failed, f"{r.cached:,}", f"{tokens:,}", cost


def _runs_table(infos: list[RunInfo], title: str) -> Table | Group:
    """Runs, newest first. A run's id is its start time (local), so no separate column."""
    if out.width < 110:
        return _runs_lines(infos, title)
    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("run", no_wrap=True, min_width=20)
    table.add_column("status", no_wrap=True)
    table.add_column("model", overflow="fold", min_width=6)
    for name in ("ok", "failed", "cached", "tokens", "cost"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("inputs", overflow="ellipsis", no_wrap=True, max_width=40)
    for r in infos:
        table.add_row(
            r.id,
            f"[{_RUN_STATUS_STYLE.get(r.status, '')}]{r.status}[/]",
            escape(r.model or "-"),
            *_run_counts(r),
            escape(" ".join(r.inputs)) if r.inputs else "-",
        )
    return table


def _runs_lines(infos: list[RunInfo], title: str) -> Group:
    """The runs table in a narrow terminal: a model name such as the embedded model's (34
    characters) would be folded into a 6-character column, so each run takes two lines."""
    lines = [Text(title)]
    for r in infos:
        ok, failed, cached, tokens, cost = _run_counts(r)
        lines.append(
            Text.assemble(
                (r.id, "bold"),
                "  ",
                (r.status, _RUN_STATUS_STYLE.get(r.status, "")),
                f"  {ok} ok, {failed} failed, {cached} cached | {tokens} tokens | {cost}",
            )
        )
        inputs = f" | {' '.join(r.inputs)}" if r.inputs else ""
        lines.append(
            Text(f"    {r.model or '-'}{inputs}", style="dim", no_wrap=True, overflow="ellipsis")
        )
    return Group(*lines)


@app.command()
def schema() -> None:
    """Print the JSON Schema of one results line (an ArticleSummary)."""
    print(json.dumps(ArticleSummary.model_json_schema(), indent=2))


@app.command()
def merge(
    results: Annotated[str, typer.Argument(metavar="RESULTS", help=RUN_HELP, show_default=False)],
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write merged events as JSON Lines here (default: stdout).",
        ),
    ] = None,
    max_distance_km: Annotated[
        float, typer.Option(min=0, metavar="KM", help="Places closer than this may be one place.")
    ] = 10.0,
    ledger_path: LedgerOption = None,
) -> None:
    """Merge events that several articles report about the same happening (never two events
    of one article)."""
    from summarizer.export import RunNotFound, load_run
    from summarizer.pipeline.merge import merge_events

    try:  # a results file or a run in the ledger, as export and eval take them
        run = load_run(results, ledger_path=ledger_path)
    except RunNotFound as exc:
        raise _usage_error(str(exc)) from None
    merged = merge_events(run.summaries, max_distance_km=max_distance_km)
    lines = "".join(m.model_dump_json() + "\n" for m in merged)
    if out_file:
        try:
            out_file.write_text(lines, encoding="utf-8")
        except OSError as exc:
            raise _usage_error(cannot_write(out_file, exc)) from None
        shared = sum(len(m.article_ids) > 1 for m in merged)
        out.print(
            f"{len(merged)} events, {shared} reported by more than one article: {out_file}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        print(lines, end="")


# `summarizer export` and `summarizer eval` live in cli/reports.py.
app.command()(export)
app.command(name="eval")(eval_command)


if __name__ == "__main__":  # pragma: no cover
    app()
