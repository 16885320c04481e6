"""A self-contained HTML report of a run: one file, no network, no external assets.

Per article: headline and metadata, the summary, the article text with every located evidence
quote highlighted and linked to its event row, and the events table. On top, a run overview
(articles, events, evidence, tokens, cost, failures).

Highlights use the stored offsets, which index the *original* article text. The results hold
only the text's sha256 and ``source_path``, so the text is read back from there and checked
against the hash; when the file is missing or has changed, the page says so and shows the
quotes without highlighting: offsets into another text would mark the wrong words.

Safety: every piece of text (article, headline, quotes, model output) is HTML-escaped, so an
article containing ``<script>`` shows those characters and runs nothing. A Content-Security-
Policy allows only the report's own script and style (by hash), as a second wall.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from summarizer.export.labels import format_date, format_fatalities, format_place, format_type
from summarizer.ingest import SourceText, reopen, sha256_text
from summarizer.pricing import Price, estimate_cost
from summarizer.types.records import ArticleSummary, EventRecord, Failure, MatchStatus

__all__ = ["load_article_text", "render_html", "write_html"]


def load_article_text(summary: ArticleSummary, search_dirs: Sequence[Path] = ()) -> SourceText:
    """The article's text as the run read it: kept in the record (web pages, PDFs, URLs,
    standard input), else reopened through ingest, which knows every format."""
    if summary.text is not None and sha256_text(summary.text) == summary.sha256:
        return SourceText(summary.text, "the record", None)
    return reopen(summary.source_path, summary.sha256, search_dirs)


# ----------------------------------------------------------------------------------------------
# pieces
# ----------------------------------------------------------------------------------------------


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _event_anchor(a: int, e: int) -> str:
    return f"ev-{a}-{e}"


def _quote_anchor(a: int, e: int, q: int) -> str:
    return f"q-{a}-{e}-{q}"


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    event: str  # row anchor
    quote: str  # quote anchor
    fuzzy: bool


def _spans(a: int, summary: ArticleSummary, text: str) -> list[_Span]:
    spans = []
    for e, event in enumerate(summary.events, 1):
        for q, ev in enumerate(event.evidence, 1):
            if ev.status is MatchStatus.UNMATCHED or ev.start is None or ev.end is None:
                continue
            if not 0 <= ev.start < ev.end <= len(text):
                continue
            spans.append(
                _Span(
                    ev.start,
                    ev.end,
                    _event_anchor(a, e),
                    _quote_anchor(a, e, q),
                    ev.status is MatchStatus.FUZZY,
                )
            )
    return spans


def highlighted_text(a: int, summary: ArticleSummary, text: str) -> str:
    """The escaped text with each located quote in ``<mark>``s. Overlapping quotes are cut at
    every boundary, so each piece lists all the events whose quotes cover it."""
    spans = _spans(a, summary, text)
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    out: list[str] = []
    for lo, hi in itertools.pairwise(cuts):
        out.extend(f'<span class="qa" id="{s.quote}"></span>' for s in spans if s.start == lo)
        covering = [s for s in spans if s.start <= lo and hi <= s.end]
        piece = _e(text[lo:hi])
        if not covering:
            out.append(piece)
            continue
        events = list(dict.fromkeys(s.event for s in covering))
        quotes = " ".join(dict.fromkeys(s.quote for s in covering))
        kind = "fuzzy" if any(s.fuzzy for s in covering) else "exact"
        multi = " multi" if len(events) > 1 else ""
        numbers = ", ".join(ev.rsplit("-", 1)[1] for ev in events)
        label = f"event{'s' if len(events) > 1 else ''} {numbers}"
        out.append(
            f'<mark class="q {kind}{multi}" data-events="{" ".join(events)}" '
            f'data-quotes="{quotes}" title="{_e(label)}"><a href="#{events[0]}">{piece}</a></mark>'
        )
    return "".join(out)


def _actors(event: EventRecord) -> str:
    def one(actor) -> str:
        name = actor.normalised_name or actor.name
        html = f"<strong>{_e(name)}</strong>"
        if actor.normalised_name and actor.normalised_name != actor.name:
            html += f' <span class="dim">"{_e(actor.name)}"</span>'
        if actor.type:
            html += f' <span class="tag">{_e(actor.type.value)}</span>'
        return html

    html = one(event.actor1)
    if event.actor2:
        html += f'<br><span class="dim">&rarr;</span> {one(event.actor2)}'
    return html


def _evidence_cell(a: int, e: int, event: EventRecord, highlighted: bool) -> str:
    items = []
    for q, ev in enumerate(event.evidence, 1):
        if ev.status is MatchStatus.UNMATCHED:
            items.append(
                f'<li class="unmatched"><span class="badge bad">NOT IN TEXT</span> '
                f"<s>{_e(ev.quote)}</s></li>"
            )
            continue
        status = ev.status.value + (f" {ev.score:.0f}" if ev.status is MatchStatus.FUZZY else "")
        quote = _e(ev.quote)
        if highlighted:
            quote = f'<a href="#{_quote_anchor(a, e, q)}">{quote}</a>'
        items.append(
            f'<li class="{ev.status.value}"><span class="badge">{_e(status)}</span> '
            f'{quote} <span class="dim">[{ev.start}:{ev.end}]</span></li>'
        )
    return f'<ul class="evidence">{"".join(items)}</ul>'


def _event_label(n: int, event: EventRecord) -> str:
    actors = event.actor1.normalised_name or event.actor1.name
    if event.actor2:
        actors += f" vs {event.actor2.normalised_name or event.actor2.name}"
    return (
        f"Event {n}: {format_type(event)}; {actors}; {format_place(event)}; "
        f"{format_date(event.date)}"
    )


def events_table(a: int, summary: ArticleSummary, highlighted: bool) -> str:
    if not summary.events:
        return '<p class="dim">No events extracted.</p>'
    head = (
        "<tr><th>#</th><th>Date</th><th>Type</th><th>Actors</th><th>Place</th>"
        "<th>Deaths</th><th>Evidence</th></tr>"
    )
    body = []
    for e, event in enumerate(summary.events, 1):
        anchor = _event_anchor(a, e)
        # not supported by the text, or only by an instruction planted in it: never as fact
        cls = "event" + ("" if event.grounded and not event.suspect_source else " ungrounded")
        deaths = format_fatalities(event.fatalities)
        if event.fatalities.reported_by:
            deaths += f" (per {event.fatalities.reported_by})"
        body.append(
            f'<tr class="{cls}" id="{anchor}" data-event-id="{_e(event.id)}" '
            f'data-label="{_e(_event_label(e, event))}">'
            f"<td>{e}</td><td>{_e(format_date(event.date))}</td><td>{_e(format_type(event))}"
            f'<br><span class="tag">{_e(event.plover_type.value)}</span>'
            + (
                '<br><span class="tag suspect">SUSPECT SOURCE: its evidence is an instruction '
                "planted for AI models</span>"
                if event.suspect_source
                else ""
            )
            + "</td>"
            f"<td>{_actors(event)}</td><td>{_e(format_place(event))}</td><td>{_e(deaths)}</td>"
            f"<td>{_evidence_cell(a, e, event, highlighted)}</td></tr>"
        )
    return f'<table class="events"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def article_section(a: int, summary: ArticleSummary, text: SourceText) -> str:
    meta = [
        summary.outlet or "outlet not stated",
        summary.published.isoformat() if summary.published else "undated",
        summary.article_id,
    ]
    if summary.url:
        meta.append(summary.url)
    if summary.chunks > 1:
        meta.append(f"asked in {summary.chunks} parts")
    parts = [
        f'<section class="article" id="art-{a}" data-article-id="{_e(summary.article_id)}">',
        f"<h2>{_e(summary.headline)}</h2>",
        f'<p class="meta">{" | ".join(_e(m) for m in meta)}</p>',
        f'<div class="summary"><p>{_e(summary.summary)}</p>',
    ]
    if summary.summary_unverified:
        parts.append(
            f'<p class="text-status warn">Summary unverified: {_e(summary.summary_unverified)}</p>'
        )
    if summary.key_points:
        parts.append("<ul>" + "".join(f"<li>{_e(k)}</li>" for k in summary.key_points) + "</ul>")
    if summary.sources_cited:
        parts.append(f'<p class="dim">Sources cited: {_e("; ".join(summary.sources_cited))}</p>')
    parts.append("</div>")
    # events may be missing: said where the events are
    parts.extend(f'<p class="text-status warn">Warning: {_e(w)}</p>' for w in summary.warnings)
    highlighted = text.text is not None
    if highlighted:
        assert text.text is not None
        located = len(_spans(a, summary, text.text))
        total = sum(len(ev.evidence) for ev in summary.events)
        parts.append(
            f'<p class="text-status ok">Article text from {_e(text.path)} (sha256 verified); '
            f"{located} of {total} evidence quotes located and highlighted. "
            "Click a highlight to see its event.</p>"
        )
        parts.append(
            f'<div class="text" data-article="{a}">{highlighted_text(a, summary, text.text)}</div>'
        )
    else:
        parts.append(
            f'<p class="text-status warn">Article text not shown, so quotes are not highlighted: '
            f"{_e(text.problem)}.</p>"
        )
    parts.append(f'<p class="picked" id="picked-{a}" aria-live="polite"></p>')
    parts.append(events_table(a, summary, highlighted))
    parts.append("</section>")
    return "\n".join(parts)


def _table_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    try:
        return estimate_cost(model, prompt_tokens, completion_tokens)
    except ValueError:  # an unreadable price table: no price rather than no report
        return None


def _cost_line(
    summaries: list[ArticleSummary], prices: Price | None, costs: Mapping[str, float | None]
) -> str:
    """Total cost: the embedded model is free; otherwise the given prices, else the cost the
    source recorded, else the price table. A model without a price is said so, not guessed."""
    if not summaries:
        return "-"
    total, priced, unpriced = 0.0, 0, set()
    for s in summaries:
        u = s.provenance.usage
        if s.provenance.endpoint == "embedded":
            cost: float | None = 0.0
        elif prices is not None:
            cost = prices.cost(u.prompt_tokens, u.completion_tokens)
        elif costs.get(s.article_id) is not None:
            cost = costs[s.article_id]
        else:
            cost = _table_cost(s.provenance.model, u.prompt_tokens, u.completion_tokens)
        if cost is None:
            unpriced.add(s.provenance.model)
        else:
            total += cost
            priced += 1
    if all(s.provenance.endpoint == "embedded" for s in summaries):
        return "$0 (embedded local model)"
    how = (
        f" at ${prices.input:g} / ${prices.output:g} per million prompt / completion tokens"
        if prices is not None
        else " (estimated)"
    )
    if not unpriced:
        return f"${total:,.4f}{how}"
    missing = ", ".join(sorted(unpriced))
    hint = "give --price-prompt and --price-completion (USD per million tokens)"
    if not priced:
        return f"not priced: no price known for {missing}; {hint}"
    return f"${total:,.4f} for {priced} of {len(summaries)} articles{how}; no price for {missing}"


def _overview(
    summaries: list[ArticleSummary],
    failures: list[Failure],
    prices: Price | None,
    source: str | None,
    costs: Mapping[str, float | None],
) -> str:
    events = [e for s in summaries for e in s.events]
    quotes = [q for e in events for q in e.evidence]
    count = {st: sum(q.status is st for q in quotes) for st in MatchStatus}
    usage = [s.provenance.usage for s in summaries]
    prompt = sum(u.prompt_tokens for u in usage)
    completion = sum(u.completion_tokens for u in usage)
    requests = sum(u.attempts for u in usage)
    seconds = sum(u.latency_s for u in usage)
    endpoints = sorted({s.provenance.endpoint for s in summaries})
    cost = _cost_line(summaries, prices, costs)
    created = sorted(s.provenance.created_at for s in summaries)
    rows = [
        ("Results", source or "-"),
        ("Articles", f"{len(summaries)} ok, {len(failures)} failed"),
        (
            "Events",
            f"{len(events)}: {sum(e.grounded for e in events)} grounded, "
            f"{sum(not e.grounded for e in events)} not found in their article",
        ),
        (
            "Evidence quotes",
            f"{len(quotes)}: {count[MatchStatus.EXACT]} exact, "
            f"{count[MatchStatus.FUZZY]} fuzzy, "
            f"{count[MatchStatus.UNMATCHED]} not in the text",
        ),
        ("Tokens", f"{prompt:,} prompt + {completion:,} completion = {prompt + completion:,}"),
        ("Requests", f"{requests} ({seconds:.1f} s of model time)"),
        ("Cost", cost),
        ("Models", ", ".join(sorted({s.provenance.model for s in summaries})) or "-"),
        ("Endpoints", ", ".join(endpoints) or "-"),
        (
            "Prompt versions",
            ", ".join(sorted({s.provenance.prompt_version for s in summaries})) or "-",
        ),
        (
            "Created",
            f"{created[0]:%Y-%m-%d %H:%M} .. {created[-1]:%Y-%m-%d %H:%M} UTC" if created else "-",
        ),
    ]
    html = ['<section class="overview" id="overview"><h2>Run overview</h2><table class="kv">']
    html += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows]
    html.append("</table>")
    if summaries:
        html.append(
            '<table class="index"><thead><tr><th>Article</th><th>Published</th><th>Events</th>'
            "<th>Grounded</th><th>Tokens</th></tr></thead><tbody>"
        )
        for a, s in enumerate(summaries, 1):
            u = s.provenance.usage
            html.append(
                f'<tr><td><a href="#art-{a}">{_e(s.headline)}</a></td>'
                f"<td>{_e(s.published or 'undated')}</td><td>{len(s.events)}</td>"
                f"<td>{s.grounded_events}</td>"
                f"<td>{u.prompt_tokens + u.completion_tokens:,}</td></tr>"
            )
        html.append("</tbody></table>")
    if failures:
        html.append(
            '<h3 class="bad">Failed</h3><table class="failures"><thead><tr><th>Article</th>'
            "<th>Stage</th><th>Reason</th></tr></thead><tbody>"
        )
        for f in failures:
            html.append(
                f"<tr><td>{_e(f.source_path or f.article_id)}</td><td>{_e(f.stage)}</td>"
                f"<td>{_e(f.reason)}</td></tr>"
            )
        html.append("</tbody></table>")
    html.append("</section>")
    return "\n".join(html)


_STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;
max-width:1100px;padding:1rem 1.5rem;color:#1d1d1f;background:#fafafa}
h1{font-size:1.5rem}h2{font-size:1.25rem;margin:.2rem 0}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem 1.25rem;margin:1rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border-bottom:1px solid #e5e5e5;padding:.3rem .45rem;text-align:left;vertical-align:top}
table.kv th{width:11rem;color:#555;font-weight:600}
.meta,.dim{color:#666}.tag{font-size:.75rem;background:#eef;border-radius:3px;padding:0 .3rem}
.text{white-space:pre-wrap;font:14px/1.6 Georgia,"DejaVu Serif",serif;border:1px solid #e5e5e5;
background:#fcfcfc;padding:.75rem 1rem;max-height:32rem;overflow:auto}
mark.q{background:#fff1a8;border-radius:2px;padding:0}mark.q.fuzzy{background:#ffd9a8}
mark.q.multi{background:#ffe37a}mark.q a{color:inherit;text-decoration:none;cursor:pointer}
mark.q.active{background:#ffb300;outline:2px solid #c77700}
tr.event.active,tr.event:target{background:#fff4cc;outline:2px solid #e0a800}
tr.ungrounded td{color:#888}tr.ungrounded td:nth-child(-n+6){text-decoration:line-through}
.evidence{margin:0;padding-left:1rem}.evidence li{margin:.15rem 0}
.badge{font-size:.7rem;background:#e3f4e3;border-radius:3px;padding:0 .3rem;color:#225522}
.badge.bad,.bad{background:#fde2e2;color:#9b1c1c}
.text-status{padding:.4rem .6rem;border-radius:4px}.text-status.ok{background:#eef8ee}
.text-status.warn{background:#fdeaea;color:#8a1f1f}
.picked{min-height:1.2rem;font-weight:600;color:#7a4b00}
""".strip()

_SCRIPT = """
(function () {
  "use strict";
  function clear() {
    document.querySelectorAll(".active").forEach(function (el) { el.classList.remove("active"); });
  }
  function select(ids, scrollRow) {
    clear();
    var rows = ids.map(function (id) { return document.getElementById(id); }).filter(Boolean);
    rows.forEach(function (row) {
      row.classList.add("active");
      document.querySelectorAll('mark.q[data-events~="' + row.id + '"]').forEach(function (m) {
        m.classList.add("active");
      });
    });
    if (!rows.length) { return; }
    var section = rows[0].closest("section.article");
    var picked = section && section.querySelector(".picked");
    if (picked) {
      picked.textContent = rows
        .map(function (r) { return r.getAttribute("data-label"); })
        .join(" / ");
    }
    if (scrollRow) { rows[0].scrollIntoView({block: "center"}); }
  }
  document.addEventListener("click", function (event) {
    var mark = event.target.closest("mark.q");
    if (mark) {
      event.preventDefault();
      var ids = mark.getAttribute("data-events").split(" ");
      select(ids, true);
      try { history.replaceState(null, "", "#" + ids[0]); } catch (e) { /* file: URLs */ }
      return;
    }
    var row = event.target.closest("tr.event");
    if (row && !event.target.closest("a")) {
      select([row.id], false);
      var first = document.querySelector('mark.q[data-events~="' + row.id + '"]');
      if (first) { first.scrollIntoView({block: "center"}); }
    }
  });
  if (location.hash && /^#ev-\\d+-\\d+$/.test(location.hash)) {
    select([location.hash.slice(1)], true);
  }
})();
""".strip()


def _sha256_source(code: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"
    )


def render_html(
    summaries: Iterable[ArticleSummary],
    failures: Iterable[Failure] = (),
    *,
    texts: Callable[[ArticleSummary], SourceText] | None = None,
    search_dirs: Sequence[Path] = (),
    prices: Price | None = None,
    title: str | None = None,
    source: str | None = None,
    costs: Mapping[str, float | None] | None = None,
) -> str:
    """The whole report as one HTML string. ``texts`` supplies each article's original text
    (default: ``load_article_text`` with ``search_dirs``)."""
    summaries = list(summaries)
    failures = list(failures)
    get_text = texts or (lambda s: load_article_text(s, search_dirs))
    title = title or f"summarizer report: {len(summaries)} articles"
    csp = (
        f"default-src 'none'; script-src {_sha256_source(_SCRIPT)}; "
        f"style-src {_sha256_source(_STYLE)}; img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    sections = [article_section(a, s, get_text(s)) for a, s in enumerate(summaries, 1)]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="summarizer">',
            f"<title>{_e(title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head><body>",
            f"<header><h1>{_e(title)}</h1></header>",
            _overview(summaries, failures, prices, source, costs or {}),
            *sections,
            f"<script>{_SCRIPT}</script>",
            "</body></html>",
            "",
        ]
    )


def write_html(
    summaries: Iterable[ArticleSummary], out: Path, failures: Iterable[Failure] = (), **options
) -> int:
    """Write the report; returns the number of articles in it."""
    summaries = list(summaries)
    out.write_text(render_html(summaries, failures, **options), encoding="utf-8")
    return len(summaries)
