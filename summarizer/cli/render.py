"""Rich renderables for results. Presentation only: nothing here changes a record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Group
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from summarizer.export.labels import format_date, format_fatalities, format_place, format_type
from summarizer.types.records import (
    ArticleSummary,
    EventRecord,
    Failure,
    MatchStatus,
)

_STATUS_STYLE = {
    MatchStatus.EXACT: ("exact", "green"),
    MatchStatus.FUZZY: ("fuzzy", "yellow"),
    MatchStatus.UNMATCHED: ("NOT IN TEXT", "bold red"),
}


def _actor(event: EventRecord) -> str:
    a1 = event.actor1.normalised_name or event.actor1.name
    if event.actor2 is None:
        return a1
    return f"{a1} -> {event.actor2.normalised_name or event.actor2.name}"


def evidence_cell(event: EventRecord) -> Text:
    if event.suspect_source:  # its evidence is a planted instruction: never shown as fact
        return Text("SUSPECT SOURCE", style="bold magenta")
    best = min(event.evidence, key=lambda e: list(MatchStatus).index(e.status))
    label, style = _STATUS_STYLE[best.status]
    if best.status is MatchStatus.FUZZY:
        label += f" {best.score:.0f}"
    return Text(label, style=style)


# Below this width a row of seven columns leaves ~12 characters per cell: each event is shown as
# a block of labelled lines instead.
TABLE_MIN_WIDTH = 120


def _cells(event: EventRecord) -> tuple[str, str, str, str, str]:
    return (
        format_date(event.date),
        format_type(event),
        _actor(event),
        format_place(event),
        format_fatalities(event.fatalities),
    )


def _style(event: EventRecord) -> str:
    """Not supported by the text, or supported only by an instruction planted in it: shown,
    never as fact."""
    return "dim strike" if not event.grounded or event.suspect_source else ""


def events_table(summary: ArticleSummary) -> Table:
    table = Table(show_lines=False, expand=True, pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    for header in ("Date", "Type > sub-type", "Actor 1 -> Actor 2", "Place"):
        table.add_column(header, overflow="fold")  # a long date window wraps, never cropped
    table.add_column("Deaths", justify="right", overflow="fold")
    table.add_column("Evidence", no_wrap=True)
    for n, event in enumerate(summary.events, 1):
        # An event the text does not support is shown, but never as fact.
        style = _style(event) or None
        table.add_row(str(n), *map(escape, _cells(event)), evidence_cell(event), style=style)
    return table


def events_blocks(summary: ArticleSummary) -> Group:
    """One block per event: its type and evidence status, then when, who, where, deaths."""
    blocks = []
    for n, event in enumerate(summary.events, 1):
        style = _style(event)
        date, kind, actors, place, deaths = _cells(event)
        blocks.append(
            Text.assemble(f"{n:>2}. ", (kind, "bold"), "  ", evidence_cell(event), style=style)
        )
        fields = Table.grid(padding=(0, 1))
        fields.add_column(style="dim", no_wrap=True)
        fields.add_column(overflow="fold")
        for label, value in (("when", date), ("who", actors), ("where", place), ("deaths", deaths)):
            fields.add_row(label, Text(value), style=style)
        blocks.append(Padding(fields, (0, 0, 0, 4)))
    return Group(*blocks)


class EventsView:
    """The events of one article: a table where the console is wide enough, blocks elsewhere
    (a pipe or an 80-column terminal), so no value is cropped to '…'."""

    def __init__(self, summary: ArticleSummary):
        self.summary = summary

    def __rich_console__(self, console, options):
        if options.max_width >= TABLE_MIN_WIDTH:
            yield events_table(self.summary)
        else:
            yield events_blocks(self.summary)


class ArticleView:
    """One article: headline, summary, events, and outlet | date | id, in a panel. The headline
    and that line sit on the panel's border where they fit; where they do not (a long headline,
    an 80-column pipe) they go inside, wrapped, since a border crops them."""

    _BORDER = 6  # corners, the spaces around a title, and one border character to spare

    def __init__(self, summary: ArticleSummary):
        self.summary = summary

    def __rich_console__(self, console, options):
        summary = self.summary
        meta = [summary.outlet or "outlet not stated"]
        meta.append(summary.published.isoformat() if summary.published else "undated")
        meta.append(summary.article_id)
        if summary.chunks > 1:  # a long document, asked in parts
            meta.append(f"{summary.chunks} parts")
        meta_line = " | ".join(meta)
        room = options.max_width - self._BORDER
        headline = Text(summary.headline, style="bold")
        title_fits = cell_len(summary.headline) <= room  # cells: a wide script takes two each
        body: list = [] if title_fits else [headline]
        body.append(Text(summary.summary))
        if summary.summary_unverified:  # shown, but never as if checked
            body.append(Text(f"summary unverified: {summary.summary_unverified}", style="yellow"))
        if summary.events:
            body.append(EventsView(summary))
            suspect = sum(e.suspect_source for e in summary.events)
            if suspect:
                body.append(
                    Text(
                        f"{suspect} event(s) marked SUSPECT SOURCE: their only evidence is a "
                        "sentence written to instruct an AI model, not reporting.",
                        style="magenta",
                    )
                )
            ungrounded = len(summary.events) - summary.grounded_events
            if ungrounded:
                body.append(
                    Text(
                        f"{ungrounded} event(s) struck through: their evidence was not found "
                        "in the article, so they are not supported by it.",
                        style="red",
                    )
                )
        else:
            body.append(Text("No events extracted.", style="dim"))
        # what the reader must know: events may be missing
        body.extend(Text(f"warning: {w}", style="bold yellow") for w in summary.warnings)
        meta_fits = cell_len(meta_line) <= room
        if not meta_fits:
            body.append(Text(meta_line, style="dim"))
        yield Panel(
            Group(*body),
            title=headline if title_fits else None,
            subtitle=escape(meta_line) if meta_fits else None,
            title_align="left",
            subtitle_align="left",
        )


def article_view(summary: ArticleSummary) -> ArticleView:
    return ArticleView(summary)


def failures_table(failures: Iterable[Failure]) -> Table:
    table = Table(title="Failed", title_style="bold red", expand=True)
    table.add_column("Article", overflow="fold")  # a long path or URL wraps, never cropped
    table.add_column("Stage", no_wrap=True)
    table.add_column("Reason", overflow="fold")
    for f in failures:
        table.add_row(escape(f.source_path or f.article_id), f.stage, escape(f.reason))
    return table


@dataclass
class RecordTally:
    """What the footer line counts, tallied from the records shown. Tokens: what the records
    cost when they were made, unless the caller sets what a batch spent (``run`` does, from the
    batch's ``BatchStats``, so its footer agrees with its table)."""

    ok: int = 0
    failed: int = 0
    skipped: int = 0  # not attempted (a batch that stopped early); listed with the failures
    events: int = 0
    grounded: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    def add(self, record: ArticleSummary | Failure) -> None:
        if isinstance(record, Failure):
            if record.status == "skipped":
                self.skipped += 1
            else:
                self.failed += 1
            self.failures.append(record)
            return
        self.ok += 1
        self.events += len(record.events)
        self.grounded += record.grounded_events
        self.prompt_tokens += record.provenance.usage.prompt_tokens
        self.completion_tokens += record.provenance.usage.completion_tokens


def footer(totals: RecordTally) -> Text:
    style = "bold green" if not (totals.failed or totals.skipped) else "bold red"
    skipped = f", {totals.skipped} skipped" if totals.skipped else ""
    line = (
        f"{totals.ok} ok, {totals.failed} failed{skipped} | {totals.events} events, "
        f"{totals.grounded} grounded | tokens {totals.prompt_tokens:,} prompt + "
        f"{totals.completion_tokens:,} completion"
    )
    if totals.seconds:
        line += f" | {totals.seconds:.1f}s"
    return Text(line, style=style)
