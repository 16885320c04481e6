"""``summarizer batches``: the provider batch jobs in the ledger, with status, counts and cost
(``--wait``: poll a run's unfinished jobs until each is collected); and what ``run --batch-api``
prints while it waits and when it ends."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from summarizer.cli.errors import err, out, usage_error
from summarizer.cli.reports import LedgerOption
from summarizer.config import Settings
from summarizer.pricing import format_cost
from summarizer.runtime.batch_options import BatchOptions, BatchReport
from summarizer.store.batches import BatchJob
from summarizer.store.ledger import Ledger, LedgerError, default_path
from summarizer.types.outcome import BatchStats

_STATUS_STYLE = {
    "completed": "green",
    "expired": "red",
    "failed": "red",
    "cancelled": "red",
    "prepared": "yellow",
    "uploaded": "yellow",
}


class BatchStatusLine:
    """One line on standard error each time the run's jobs change, while ``run --batch-api``
    waits for them."""

    def __init__(self) -> None:
        self._last = ""

    def __call__(self, jobs: list[BatchJob]) -> None:
        statuses: dict[str, int] = {}
        for job in jobs:
            statuses[job.status] = statuses.get(job.status, 0) + 1
        lines = sum(j.lines for j in jobs)
        answered = sum(j.completed for j in jobs)
        text = (
            f"batch jobs: {', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))}; "
            f"{answered:,} of {lines:,} lines answered"
        )
        if text != self._last:
            self._last = text
            err.print(text, highlight=False, soft_wrap=True)


def batch_footer(report: BatchReport, stats: BatchStats) -> str:
    """What the batch phase did and cost, beside what the same run would have cost online."""
    text = (
        f"batch API: {report.jobs} job(s), {report.submitted:,} line(s) submitted "
        f"({report.distinct:,} distinct), {report.answered:,} answered"
    )
    if report.invalid:
        text += f", {report.invalid:,} invalid after re-asks"
    if report.cut_off:
        text += f", {report.cut_off:,} cut off at max_tokens (asked in halves)"
    if report.left_online:
        text += f", {report.left_online:,} asked online"
    if report.cost_usd is not None and report.online_cost_usd is not None and stats.priced:
        # The run's cost holds the batch lines at the batch price; online they would have cost
        # their online price instead.
        online = stats.cost_usd - report.cost_usd + report.online_cost_usd
        text += (
            f"; run cost {format_cost(stats.cost_usd)} with batch prices "
            f"(online: {format_cost(online)})"
        )
    return text


def batches(
    ledger_path: LedgerOption = None,
    run_ref: Annotated[
        str | None,
        typer.Option(
            "--run", metavar="RUN", help="Only this run's jobs (an id, a prefix, or 'last')."
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="Poll the unfinished jobs (of --run, else of every run that has some) until "
            "each is finished, and store their answers; `summarizer run --resume` then makes "
            "the records without asking again.",
        ),
    ] = False,
    poll: Annotated[
        float,
        typer.Option(min=0, metavar="SECONDS", help="Seconds between status checks (--wait)."),
    ] = 30.0,
    cancel: Annotated[
        bool,
        typer.Option(
            "--cancel",
            help="Cancel the unfinished jobs of --run at the provider (lines it answered before "
            "stopping are still stored by --wait or run --resume, which submit the rest again).",
        ),
    ] = False,
) -> None:
    """List the provider batch jobs of `run --batch-api`: status, lines, answers, cost."""
    path = ledger_path or default_path()
    if not path.is_file():
        raise usage_error(f"no run ledger at {path}")
    try:
        ledger = Ledger(path)
        run_id = ledger.resolve(run_ref) if run_ref else None
    except LedgerError as exc:
        raise usage_error(str(exc)) from None
    if cancel:
        if run_id is None:
            raise usage_error("--cancel needs --run RUN (the run whose jobs to cancel)")
        _cancel(ledger, run_id)
    if wait:
        runs = [run_id] if run_id else sorted({j.run_id for j in ledger.batches.jobs()})
        for run in runs:
            if ledger.batches.jobs(run, uncollected=True):
                _wait(ledger, run, poll)
    jobs = ledger.batches.jobs(run_id)
    if not jobs:
        where = f"run {run_id}" if run_id else str(ledger.path)
        out.print(f"no batch jobs in {where}", highlight=False, soft_wrap=True)
        return
    out.print(_table(jobs, title=f"Batch jobs in {ledger.path}"))


def _cancel(ledger: Ledger, run_id: str) -> None:
    import asyncio

    import openai

    from summarizer.providers.openai_batch import BatchEndpoint

    settings = Settings.from_record(ledger.run(run_id).settings)
    jobs = [j for j in ledger.batches.jobs(run_id, uncollected=True) if j.batch_id]

    async def cancel_all() -> list[str]:
        endpoint = BatchEndpoint(settings)
        done = []
        try:
            for job in jobs:
                if job.finished:
                    continue
                status = await endpoint.cancel(job.batch_id)  # type: ignore[arg-type]
                ledger.batches.polled(
                    job.id,
                    status.status,
                    completed=status.completed,
                    failed=status.failed,
                    output_file_id=status.output_file_id,
                    error_file_id=status.error_file_id,
                )
                done.append(f"{job.batch_id} {status.status}")
        finally:
            await endpoint.aclose()
        return done

    try:
        done = asyncio.run(cancel_all())
    except openai.APIError as exc:
        raise usage_error(f"cannot cancel at {settings.endpoint_label}: {exc}") from None
    err.print(
        f"run {run_id}: " + ("; ".join(done) if done else "no unfinished job to cancel"),
        highlight=False,
        soft_wrap=True,
    )


def _wait(ledger: Ledger, run_id: str, poll: float) -> None:
    from summarizer.api import Summarizer

    info = ledger.run(run_id)
    if not info.inputs:
        raise usage_error(f"run {run_id} was not started from paths: finish it with run --resume")
    settings = Settings.from_record(info.settings)
    summarizer = Summarizer(
        settings,
        ledger=ledger,
        batch_options=BatchOptions(poll_s=poll),
        batch_progress=BatchStatusLine(),
    )
    if summarizer.config_key() != info.config_key:
        raise usage_error(f"run {run_id} was made with other settings than these can rebuild")
    try:
        summarizer.finish_batch_jobs(run_id, info.inputs)
    except KeyboardInterrupt:
        err.print(f"[yellow]interrupted[/]: the jobs of run {run_id} go on at the provider")
        raise typer.Exit(130) from None
    err.print(
        f"run {run_id}: every batch job collected; make its records with "
        f"`summarizer run --resume --run {run_id}"
        + ("" if ledger.path.resolve() == default_path().resolve() else f" --ledger {ledger.path}")
        + "`",
        highlight=False,
        soft_wrap=True,
    )


def _table(jobs: list[BatchJob], title: str) -> Table:
    runs = sorted({job.run_id for job in jobs})
    if len(runs) == 1:
        title += f", run {runs[0]}"
    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("job", justify="right", no_wrap=True)
    if len(runs) > 1:
        table.add_column("run", no_wrap=True)
    table.add_column("batch", overflow="fold", min_width=8)
    table.add_column("status", no_wrap=True)
    for name in ("lines", "answered", "failed", "cost", "online"):
        table.add_column(name, justify="right", no_wrap=True)
    for job in jobs:
        style = _STATUS_STYLE.get(job.status, "")
        status = job.status + ("" if job.collected or not job.finished else " (to collect)")
        table.add_row(
            str(job.id),
            *([job.run_id] if len(runs) > 1 else []),
            escape(job.batch_id or "-"),
            f"[{style}]{status}[/]" if style else status,
            f"{job.lines:,}",
            f"{job.completed:,}",
            f"{job.failed:,}",
            format_cost(job.cost_usd) if job.collected else "-",
            format_cost(job.online_cost_usd) if job.collected else "-",
        )
    return table
