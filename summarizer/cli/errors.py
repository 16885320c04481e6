"""Where the command line writes, how it ends (exit statuses), and its one-line errors."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from summarizer.cli.render import RecordTally, failures_table, footer

out = Console()
err = Console(stderr=True)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143


def finish(
    tally: RecordTally,
    out_file: Path | None,
    *,
    failures_fail: bool = True,
    nothing: str = "no articles found in the given paths",
) -> None:
    """End a command that showed records: the failures, the footer line, the exit status (1
    when some failed and ``failures_fail``; 2 when there was nothing at all)."""
    if tally.failures:
        err.print(failures_table(tally.failures))
    out.print(footer(tally), soft_wrap=True)  # one line, grepped from logs
    if out_file:
        out.print(f"results: {out_file}", highlight=False, soft_wrap=True)
    if tally.ok + tally.failed + tally.skipped == 0:
        raise usage_error(nothing)
    failed = (tally.failed or tally.skipped) and failures_fail
    raise typer.Exit(EXIT_SOME_FAILED if failed else EXIT_OK)


def usage_error(message: str) -> typer.Exit:
    """Print ``error: <message>`` on one line (never wrapped: it is grepped from logs) and give
    the exit to raise: status 2."""
    # Escaped: a message is text ("pip install 'summarizer[dask]'", a path with brackets).
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def cannot_write(path: Path | str, exc: OSError) -> str:
    """``<path>: cannot write (<why>[: <the path it was about>])``: the other path when the
    trouble is elsewhere (a directory that is a file, say)."""
    detail = exc.strerror or str(exc)
    if exc.filename and str(exc.filename) != str(path):
        detail += f": {exc.filename}"
    return f"{path}: cannot write ({detail})"
