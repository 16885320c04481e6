"""Batch progress on a terminal, and the summary table at the end of a batch.

The live bar (done / failed / cached, rate, ETA, tokens and cost so far) is drawn only when the
console is a terminal; redirected to a file or a pipe, a batch prints nothing until its summary.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from summarizer.pricing import format_cost
from summarizer.types.outcome import BatchStats


def _counts(stats: BatchStats) -> str:
    text = f"[green]{stats.ok} ok[/]"
    if stats.failed:
        text += f" [red]{stats.failed} failed[/]"
    if stats.skipped:
        text += f" [yellow]{stats.skipped} skipped[/]"
    if stats.cached or stats.resumed:
        text += f" [cyan]{stats.cached + stats.resumed} cached[/]"
    return text


def _usage(stats: BatchStats) -> str:
    rate = stats.done / stats.elapsed if stats.elapsed > 0 else 0.0
    text = f"{rate:,.1f}/s | {stats.tokens:,} tokens"
    if stats.parts:  # long documents are asked in parts: the bar counts documents, this parts
        text += f" | {stats.parts:,} parts"
    if stats.tokens:
        text += f" | {format_cost(stats.cost_usd if stats.priced else None)}"
    if stats.rate_limited:
        text += f" | {stats.rate_limited} x 429"
    return text


class BatchProgress:
    """Draws a batch's ``BatchStats`` (the engine's own counters) if the console is a terminal:
    call ``update(stats)`` after every result."""

    def __init__(self, console: Console, total: int | None = None, *, enabled: bool | None = None):
        self.console = console
        self.enabled = console.is_terminal if enabled is None else enabled
        self._progress: Progress | None = None
        self._task = None
        self._total = total

    def __enter__(self) -> BatchProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]summarising"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("{task.fields[usage]}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._progress.start()
            self._task = self._progress.add_task("batch", total=self._total, counts="", usage="")
        return self

    def update(self, stats: BatchStats) -> None:
        if self._progress is not None:
            self._progress.update(
                self._task,
                completed=stats.done,  # type: ignore[arg-type]
                counts=_counts(stats),
                usage=_usage(stats),
            )

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def summary_table(
    stats: BatchStats, *, run_id: str | None = None, ledger: str | None = None
) -> Table:
    """The closing table of a batch: what happened to every article, and what it cost."""
    table = Table(title="Batch", title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    if run_id:
        table.add_row("run", run_id)
    if ledger:
        table.add_row("ledger", ledger)
    table.add_row("articles", f"{stats.done:,}")
    table.add_row("ok", f"{stats.ok:,}")
    table.add_row("failed", f"{stats.failed:,}")
    if stats.skipped:
        table.add_row("skipped", f"{stats.skipped:,} (not attempted)")
    table.add_row("cached", f"{stats.cached:,} (no request sent)")
    if stats.resumed:
        table.add_row("resumed", f"{stats.resumed:,} (finished before this resume)")
    table.add_row(
        "requests",
        f"{stats.requests:,}"
        + (f" ({stats.rate_limited:,} answered 429)" if stats.rate_limited else ""),
    )
    table.add_row(
        "tokens", f"{stats.prompt_tokens:,} prompt + {stats.completion_tokens:,} completion"
    )
    if stats.tokens:
        cost = format_cost(stats.cost_usd if stats.priced else None)
        table.add_row(
            "cost", cost if stats.priced else "n/a (no price for this model; see prices.toml)"
        )
    seconds = stats.elapsed
    table.add_row("time", f"{seconds:,.1f}s ({_pace(stats.done, seconds)})")
    return table


def _pace(done: int, seconds: float) -> str:
    """Articles per second for fast batches, seconds per article for slow ones (a local model
    at one article a minute is not "0.0 articles/s")."""
    if done == 0 or seconds <= 0:
        return "no article finished"
    rate = done / seconds
    return f"{rate:,.1f} articles/s" if rate >= 1 else f"{seconds / done:,.1f} s/article"
