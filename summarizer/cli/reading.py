"""The reading commands: ``show``, ``runs``, ``schema`` and ``merge``. They never ask a model
and never import the HTTP stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from summarizer.cli.errors import cannot_write, finish, out, usage_error
from summarizer.cli.render import RecordTally, article_view
from summarizer.cli.reports import RUN_HELP, LedgerOption
from summarizer.pricing import format_cost
from summarizer.store.ledger import Ledger, LedgerError, RunInfo, default_path
from summarizer.store.runs import RunNotFound, open_run
from summarizer.types.records import ArticleSummary


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
    totals = RecordTally()
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
        raise usage_error(str(exc)) from None
    if reader.info is not None:
        out.print(_runs_table([reader.info], title=f"Run {reader.info.id}"))
        nothing = f"run {reader.info.id} has no articles recorded"
    else:
        nothing = f"{target}: no results in it"
    finish(totals, None, failures_fail=False, nothing=nothing)


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
        raise usage_error(str(exc)) from None
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


def schema() -> None:
    """Print the JSON Schema of one results line (an ArticleSummary)."""
    print(json.dumps(ArticleSummary.model_json_schema(), indent=2))


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
        raise usage_error(str(exc)) from None
    merged = merge_events(run.summaries, max_distance_km=max_distance_km)
    lines = "".join(m.model_dump_json() + "\n" for m in merged)
    if out_file:
        try:
            out_file.write_text(lines, encoding="utf-8")
        except OSError as exc:
            raise usage_error(cannot_write(out_file, exc)) from None
        shared = sum(len(m.article_ids) > 1 for m in merged)
        out.print(
            f"{len(merged)} events, {shared} reported by more than one article: {out_file}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        print(lines, end="")


# `summarizer export` and `summarizer eval` live in cli/reports.py.
