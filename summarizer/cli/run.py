"""``summarizer run``: read the flags, check everything that can be checked before anything is
paid for, run the batch through the Python API, and report it (panels, progress, the batch
table, the footer). Resume lookup, settings and the batch itself belong to the API."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from summarizer.cli.batches import BatchStatusLine, batch_footer
from summarizer.cli.checks import endpoint_conflict, out_file_conflict
from summarizer.cli.errors import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    cannot_write,
    err,
    finish,
    out,
    usage_error,
)
from summarizer.cli.progress import BatchProgress, summary_table
from summarizer.cli.render import RecordTally, article_view
from summarizer.cli.reports import LedgerOption
from summarizer.config import NUMBERS, Settings
from summarizer.ingest import STDIN, as_recorded, count_articles
from summarizer.pipeline.normalise import Gazetteer
from summarizer.pricing import load_prices
from summarizer.providers.local_models import CATALOGUE, LocalModelError, resolve_model_file
from summarizer.runtime.batch_options import FALLBACKS, MAX_BYTES, MAX_LINES, BatchOptions
from summarizer.runtime.heap import prepare_heap_for_batch
from summarizer.store.ledger import Ledger, LedgerError, RunInfo, default_path
from summarizer.store.results_file import JsonlWriter
from summarizer.store.runs import run_to_continue
from summarizer.types.outcome import Result

# The least value of each numeric setting: one bound for the flag and its environment variable.
LEAST = {name: least for name, (_, least) in NUMBERS.items()}


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
            help="Write results as JSON Lines here (failures beside it: results.jsonl -> "
            "results.failures.jsonl).",
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
            help="OpenAI-compatible base URL, e.g. http://localhost:11434/v1 "
            "(env OPENAI_BASE_URL).",
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
            help=f"Packaged embedded model: {', '.join(CATALOGUE)} "
            "(env SUMMARIZER_EMBEDDED_MODEL).",
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
            help="Seconds before one request times out (default 600; a connection not made "
            "within 10 s is given up sooner).",
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
    strategy: Annotated[
        str | None,
        typer.Option(
            metavar="STRATEGY",
            help="How an article is asked: staged (event sentences, then each event's fields, "
            "then the summary: smaller questions, for small models) or single (one request "
            "for everything). Default: staged on the embedded model, single on any other "
            "endpoint (env SUMMARIZER_STRATEGY).",
            show_default=False,
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
    chunk_tokens: Annotated[
        int | None,
        typer.Option(
            min=LEAST["chunk_tokens"],
            metavar="TOKENS",
            help="Text per request for long documents (default: from the model's context, at "
            "most 2,500); a longer document is asked in overlapping parts (env "
            "SUMMARIZER_CHUNK_TOKENS).",
        ),
    ] = None,
    chunk_overlap: Annotated[
        int | None,
        typer.Option(
            min=LEAST["chunk_overlap"],
            metavar="SENTENCES",
            help="Sentences each part repeats from the one before, so an event told across a "
            "boundary is seen whole (default 2).",
        ),
    ] = None,
    max_document_tokens: Annotated[
        int | None,
        typer.Option(
            min=LEAST["max_document_tokens"],
            metavar="TOKENS",
            help="Refuse, before anything is paid for, a document estimated over this "
            "(default 200,000, about 800 KB of text).",
        ),
    ] = None,
    context_tokens: Annotated[
        int | None,
        typer.Option(
            min=LEAST["context_tokens"],
            metavar="TOKENS",
            help="The model's context window (default 8,192 for the embedded model, else "
            "32,768): parts are sized to fit it.",
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
            help="Finish the latest unfinished run of these inputs (or --run): only what is "
            "missing.",
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
    batch_api: Annotated[
        bool,
        typer.Option(
            "--batch-api",
            help="Send the requests as provider batch jobs (OpenAI Batch API: /v1/files + "
            "/v1/batches) at the batch price, half the online one; answers come within 24 h. "
            "Ctrl-C and --resume poll the same jobs; `summarizer batches` lists them.",
        ),
    ] = False,
    batch_fallback: Annotated[
        str,
        typer.Option(
            metavar="batch|online",
            help="Lines a batch job did not answer (errors, an expired or cancelled job): "
            "'batch' submits them in a new job (3 submissions at most, then online), 'online' "
            "asks them online at once.",
        ),
    ] = "batch",
    batch_poll: Annotated[
        float,
        typer.Option(min=0, metavar="SECONDS", help="Seconds between batch status checks."),
    ] = 30.0,
    batch_max_lines: Annotated[
        int,
        typer.Option(
            min=1, metavar="N", help="Request lines per batch job (the provider's limit: 50,000)."
        ),
    ] = MAX_LINES,
    batch_max_mb: Annotated[
        float,
        typer.Option(
            min=0.01,
            metavar="MB",
            help="Megabytes per batch input file (the provider's limit: 200).",
        ),
    ] = MAX_BYTES / 2**20,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="SCHEDULER",
            help="Run on a Dask cluster: a scheduler address (tcp://host:8786), or local:N for N "
            "worker processes here. Each worker asks --concurrency requests at once; this "
            "process alone writes the ledger and --out. Needs summarizer[dask].",
        ),
    ] = None,
    partition_size: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="With --dask: articles per task (default 8 x --concurrency); a killed worker "
            "costs at most its partitions' answers again.",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No article panels and no retry warnings: only failures, the batch table and "
            "the footer.",
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
        raise usage_error(f"--mode must be auto, tools, json_schema or md_json, not {mode!r}")
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
        strategy=strategy,
        constrain_quotes=constrain_quotes,
        chunk_tokens=chunk_tokens,
        chunk_overlap=chunk_overlap,
        max_document_tokens=max_document_tokens,
        context_tokens=context_tokens,
        # absolute, like the inputs: a run resumed from another directory finds the same file
        gazetteer=str(gazetteer.expanduser().resolve()) if gazetteer else None,
    )
    if quiet:  # the retries' warnings too (failures are printed with their reasons anyway)
        logger = logging.getLogger("summarizer")
        ctx.call_on_close(functools.partial(logger.setLevel, logger.level))
        logger.setLevel(logging.ERROR)
    continuing = resume or retry_failed or run_ref is not None
    if continuing and no_ledger:
        raise usage_error("--resume, --retry-failed and --run need the ledger (drop --no-ledger)")
    if batch_fallback not in FALLBACKS:
        raise usage_error(f"--batch-fallback must be batch or online, not {batch_fallback!r}")
    if batch_api and no_ledger:
        raise usage_error("--batch-api records its jobs in the ledger: drop --no-ledger")
    batch = BatchOptions(
        fallback=batch_fallback,
        max_lines=batch_max_lines,
        max_bytes=max(1024, int(batch_max_mb * 2**20)),
        poll_s=batch_poll,
    )
    if not continuing and not paths:
        raise usage_error("give the articles to summarise (files, directories, globs, .jsonl)")
    if partition_size is not None and dask is None:
        raise usage_error("--partition-size goes with --dask")
    if dask is not None and batch_api:
        raise usage_error("--dask and --batch-api do not go together: a batch job needs no workers")
    if dask is not None:
        from summarizer.runtime.distributed import DistributedError, require_dask

        # Dask logs through handlers of its own (quietened to warnings for a local cluster);
        # passed on to ours too, its INFO lines (cluster up, workers joining) would bury the run.
        logging.getLogger("distributed").propagate = False

        try:
            require_dask()
        except DistributedError as exc:
            raise usage_error(str(exc)) from None
    try:
        ledger = None if no_ledger else Ledger(ledger_path)
        settings = Settings.from_env(**flags)
        if base_url and not model_path:  # a server named now beats a model file in the env
            settings = settings.replace(model_path=None)
        previous = None
        if continuing:
            assert ledger is not None
            previous = _previous_run(ledger, paths, settings, run_ref, resume)
            settings = Settings.from_record(previous.settings, **flags)
            paths = paths or previous.inputs
            if not paths:
                raise usage_error(
                    f"run {previous.id} was not started from paths: give its inputs again"
                )
        _check_before_asking(paths, out_file, flags, settings)
    except (ValueError, LedgerError) as exc:
        raise usage_error(str(exc)) from None
    if settings.uses_embedded:
        if batch_api:
            raise usage_error(
                "--batch-api needs an OpenAI-compatible endpoint (OPENAI_API_KEY or --base-url), "
                "not the embedded model"
            )
        _announce_embedded(settings)

    # The HTTP stack: imported by the commands that ask, not by the reading ones.
    from summarizer.api import Limits, Summarizer
    from summarizer.pipeline.assemble import warm_up

    warm_up(settings.gazetteer)  # the tables records need: at start-up, not at the first answer
    paths = as_recorded(paths)  # a run's inputs must mean the same files when it is resumed
    summarizer = Summarizer(
        settings,
        ledger=ledger,
        limits=Limits(requests_per_minute=rpm, tokens_per_minute=tpm, token_budget=token_budget),
        # A resumed run that has batch jobs goes on polling them with these options too.
        batch=batch if batch_api else None,
        batch_options=batch,
        batch_progress=None if quiet else BatchStatusLine(),
    )
    if previous is not None and previous.config_key != summarizer.config_key():
        raise usage_error(
            f"run {previous.id} was made with other decoding settings (model {previous.model} "
            f"at {previous.endpoint}, prompt {previous.prompt_version}); resume it with the "
            "same ones"
        )
    _announce_cost(paths, summarizer)
    try:
        writer = JsonlWriter(out_file) if out_file else None
    except OSError as exc:  # before any request: nothing asked would have nowhere to go
        raise usage_error(cannot_write(out_file, exc)) from None
    tally = RecordTally()  # what the batch's records hold (events, grounded, failures)
    _run_batch(
        summarizer,
        paths,
        writer,
        tally,
        run_id=previous.id if previous else None,
        retry_failed=retry_failed,
        quiet=quiet,
        dask=dask,
        partition_size=partition_size,
    )
    finish(tally, out_file)


def _previous_run(
    ledger: Ledger, paths: list[str] | None, settings: Settings, ref: str | None, resume: bool
) -> RunInfo:
    from summarizer.api import Summarizer

    return run_to_continue(
        ledger,
        ref=ref,
        inputs=as_recorded(paths) if paths else None,
        config_key=Summarizer(settings).config_key(),
        resume=resume,
    )


def _check_before_asking(
    paths: list[str], out_file: Path | None, flags: dict, settings: Settings
) -> None:
    """Everything that would fail later, after answers were paid for, refused now."""
    if STDIN in paths and sys.stdin.isatty():  # it would wait for typing, silently
        raise usage_error(
            "- reads standard input, which is a terminal here: pipe the "
            "articles in (summarizer run - < articles.jsonl)"
        )
    if out_file and str(out_file) == "-":
        raise usage_error(
            "--out takes a file (results, and failures beside them); for "
            "JSON Lines on standard output: summarizer export RUN -o -"
        )
    problem = endpoint_conflict(flags, settings) or (
        out_file_conflict(out_file, paths) if out_file else None
    )
    if problem:
        raise usage_error(problem)
    Gazetteer.load(settings.gazetteer)
    load_prices()


def _run_batch(
    summarizer,
    paths: list[str],
    writer: JsonlWriter | None,
    tally: RecordTally,
    *,
    run_id: str | None,
    retry_failed: bool,
    quiet: bool,
    dask: str | None = None,
    partition_size: int | None = None,
) -> None:
    """The batch on this thread's event loop (or, with ``dask``, on a Dask cluster's workers,
    results committed here), with live progress; Ctrl-C and SIGTERM leave the run resumable and
    say how to finish it."""
    ledger = summarizer.ledger
    started = time.monotonic()
    # Standard input can be read only once: its articles are not counted ahead.
    total = count_articles(paths) if err.is_terminal and STDIN not in paths else None
    progress = BatchProgress(err, total)
    # Both streams on the terminal: panels go above the bar, through its console.
    panels = err if progress.enabled and out.is_terminal else out

    def handle(result: Result) -> None:
        record = result.summary or result.failure
        assert record is not None
        tally.add(record)
        progress.update(summarizer.stats)
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
        async for result in summarizer.asummarize_many(
            paths, run_id=run_id, retry_failed=retry_failed
        ):
            handle(result)

    def stopped(how: str, code: int) -> typer.Exit:
        finish = ""
        if ledger and summarizer.run_id:
            finish = f"; finish with {_resume_command(summarizer.run_id, ledger)}"
        err.print(
            f"[yellow]{how}[/] after {summarizer.stats.done} article(s){finish}",
            highlight=False,
            soft_wrap=True,
        )
        return typer.Exit(code)

    from summarizer.runtime.distributed import DistributedError  # with the HTTP stack

    def on_dask() -> None:
        for result in summarizer.summarize_on_dask(
            paths,
            dask,
            run_id=run_id,
            retry_failed=retry_failed,
            partition_size=partition_size,
        ):
            handle(result)

    prepare_heap_for_batch()
    try:
        with progress:
            if dask is not None:
                on_dask()
            else:
                asyncio.run(batch())
    except DistributedError as exc:
        err.print(f"[red]the Dask cluster failed[/]: {escape(str(exc))}", soft_wrap=True)
        raise stopped("stopped", 1) from None
    except KeyboardInterrupt:
        raise stopped("interrupted", EXIT_INTERRUPTED) from None
    except asyncio.CancelledError:
        if not terminated.is_set():
            raise
        raise stopped("terminated (SIGTERM)", EXIT_TERMINATED) from None
    except (ValueError, LedgerError) as exc:
        raise usage_error(str(exc)) from None
    finally:
        if writer:
            writer.close()
    stats = summarizer.stats
    tally.seconds = time.monotonic() - started
    # What this batch spent, failed attempts included and cached answers not: as its table says.
    tally.prompt_tokens, tally.completion_tokens = stats.prompt_tokens, stats.completion_tokens
    out.print(
        summary_table(stats, run_id=summarizer.run_id, ledger=str(ledger.path) if ledger else None)
    )
    if summarizer.batch_report is not None:
        out.print(batch_footer(summarizer.batch_report, stats), highlight=False, soft_wrap=True)
    if stats.skipped and ledger and summarizer.run_id:
        err.print(
            f"[yellow]stopped early[/]: {stats.skipped} article(s) not attempted; once the "
            f"cause is fixed, finish with {_resume_command(summarizer.run_id, ledger, retry=True)}",
            highlight=False,
            soft_wrap=True,
        )


# A run estimated over this many prompt tokens says so, and what it may cost, before it starts.
LARGE_RUN_TOKENS = 1_000_000


def _announce_cost(paths: list[str], summarizer) -> None:
    """Before a large run: its size in tokens (from its files' sizes: a page's markup counts
    too, so this is an upper bound) and, where the model has a price, what that may cost."""
    from summarizer.chunking import CHARS_PER_TOKEN
    from summarizer.ingest import expand_inputs
    from summarizer.pricing import estimate_batch_cost, estimate_cost, format_cost

    size = files = 0
    for item in expand_inputs([p for p in paths if p != STDIN]):
        if isinstance(item, Path) and item.is_file():
            size += item.stat().st_size
            files += 1
    tokens = size // CHARS_PER_TOKEN
    if tokens < LARGE_RUN_TOKENS:
        return
    model = summarizer.model
    batch = summarizer.batch is not None
    cost = (estimate_batch_cost if batch else estimate_cost)(model, tokens, 0)
    which = "batch price" if batch else "price"
    price = f"; at {model}'s {which}, at least {format_cost(cost)}" if cost else ""
    err.print(
        f"about {tokens:,} prompt tokens in {files:,} file(s), from their size{price} (plus the "
        "instructions and the answers). Ctrl-C stops it; --resume finishes it later.",
        style="yellow",
        highlight=False,
        soft_wrap=True,
    )


def _announce_embedded(settings: Settings) -> None:
    try:
        model_file, name = resolve_model_file(settings.model_path, settings.embedded_model)
    except LocalModelError as exc:
        raise usage_error(str(exc)) from None
    size_gb = model_file.stat().st_size / 1e9
    staged = settings.extraction_strategy == "staged"
    how = "asked in stages (--strategy staged)" if staged else "in one request (--strategy single)"
    err.print(
        f"Using the embedded model {name} ({size_gb:.1f} GB) on this CPU, {how}: small, so "
        "expect about two minutes per article and limited accuracy. For a real endpoint set "
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
