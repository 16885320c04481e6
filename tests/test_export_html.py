"""HTML report, without a browser: escaping, highlights at the stored offsets, and what the page
says when the article text cannot be verified. tests/test_html_browser.py loads it in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from summarizer.export import Price, load_article_text, render_html
from summarizer.ingest import SourceText, article_from_text
from summarizer.pipeline.assemble import build_summary
from summarizer.types.extraction import ExtractedEvent, ExtractedSummary
from summarizer.types.records import Usage
from tests.recorded_runs import embedded_summaries, reference_summaries

SCRIPT_TEXT = (
    "Headline <b>bold</b>\n\n"
    "Rebels shelled the town of Mhardeh on Monday <script>window.__pwned = 1</script> "
    "killing four.\n"
    '<img src=x onerror="window.__pwned = 2"> Gunmen attacked a checkpoint in Hama on Tuesday.\n'
)


def hostile_summary(tmp_path: Path):
    """An article whose text, headline and model output all carry markup."""
    path = tmp_path / "hostile.txt"
    path.write_text(SCRIPT_TEXT, encoding="utf-8")
    article = article_from_text(
        SCRIPT_TEXT,
        "hostile",
        source_path=str(path),
        headline="</title><script>window.__pwned = 3</script>",
    )
    extracted = ExtractedSummary(
        summary='Shelling <img src=x onerror="window.__pwned = 4">.',
        key_points=["<script>window.__pwned = 5</script>"],
        sources_cited=[],
        events=[
            ExtractedEvent(
                sub_event_type="Shelling/artillery/missile attack",
                plover_type="ASSAULT",
                actor1="Rebels <i>x</i>",
                actor1_type="Rebel group",
                actor2=None,
                actor2_type=None,
                location="Mhardeh",
                date_phrase="on Monday",
                fatalities_phrase=None,
                fatalities=None,
                evidence=[
                    "Rebels shelled the town of Mhardeh on Monday "
                    "<script>window.__pwned = 1</script> killing four."
                ],
            ),
            ExtractedEvent(
                sub_event_type="Attack",
                plover_type="ASSAULT",
                actor1="Gunmen",
                actor1_type=None,
                actor2=None,
                actor2_type=None,
                location="Hama",
                date_phrase="on Tuesday",
                fatalities_phrase=None,
                fatalities=None,
                evidence=[
                    '<img src=x onerror="window.__pwned = 2"> Gunmen attacked a checkpoint',
                    "A sentence the article does not contain at all.",
                ],
            ),
        ],
    )
    return build_summary(
        article, extracted, model="m", endpoint="http://x/v1", prompt_version="p", usage=Usage()
    )


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_markup_in_articles_and_answers_is_shown_never_parsed(tmp_path):
    html = render_html([hostile_summary(tmp_path)])
    found = tags(html)
    assert [t for t, _ in found].count("script") == 1  # ours, at the end
    assert not [t for t, _ in found if t in ("img", "b", "i")]
    assert not any(k.startswith("on") for _, attrs in found for k in attrs)
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "&lt;/title&gt;&lt;script&gt;window.__pwned = 3" in html
    csp = next(a["content"] for t, a in found if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp


def test_highlights_sit_at_the_stored_offsets(tmp_path):
    summary = hostile_summary(tmp_path)
    html = render_html([summary])
    text = re.search(r'<div class="text"[^>]*>(.*?)</div>', html, re.S).group(1)
    marks = re.findall(
        r'<mark class="q (\w+)[^"]*" data-events="([^"]+)" data-quotes="([^"]+)"[^>]*>'
        r'<a href="#([^"]+)">(.*?)</a></mark>',
        text,
        re.S,
    )
    assert marks, "no highlights"
    import html as htmllib

    by_quote: dict[str, str] = {}
    for _kind, events, quotes, href, piece in marks:
        assert href == events.split()[0]
        for q in quotes.split():
            by_quote[q] = by_quote.get(q, "") + htmllib.unescape(piece)
    for e, event in enumerate(summary.events, 1):
        for q, ev in enumerate(event.evidence, 1):
            key = f"q-1-{e}-{q}"
            if ev.start is None:
                assert key not in by_quote  # an unmatched quote marks no text
                continue
            assert by_quote[key] == SCRIPT_TEXT[ev.start : ev.end]
            assert f'id="{key}"' in html and f'href="#{key}"' in html
    # Outside the marks the text is the article, escaped, unchanged.
    plain = htmllib.unescape(re.sub(r"<[^>]+>", "", text))
    assert plain == SCRIPT_TEXT
    assert "NOT IN TEXT" in html and "A sentence the article does not contain at all." in html
    assert 'class="event ungrounded"' not in html  # event 2 has one located quote: grounded


def test_overlapping_quotes_of_several_events_are_split_and_list_all_events():
    summary = next(s for s in reference_summaries() if s.article_id.startswith("001"))
    html = render_html([summary])
    # Six strike events quote the same sentence: its marks name all six rows.
    assert 'data-events="ev-1-2 ev-1-3 ev-1-4 ev-1-5 ev-1-6 ev-1-7"' in html
    for e in range(1, len(summary.events) + 1):
        assert f'<tr class="event" id="ev-1-{e}"' in html
    assert "10 of 10 evidence quotes located and highlighted" in " ".join(html.split())


def test_missing_or_changed_text_shows_quotes_without_highlights(tmp_path):
    summary = hostile_summary(tmp_path)
    Path(summary.source_path).write_text(SCRIPT_TEXT + "edited\n", encoding="utf-8")
    changed = load_article_text(summary)
    assert changed.text is None and "has changed since the run" in changed.problem
    html = render_html([summary])
    assert "<mark" not in html and "has changed since the run (its sha256 differs)" in html
    assert "Rebels shelled the town" in html  # the quotes are still listed

    moved = summary.model_copy(update={"source_path": str(tmp_path / "gone" / "hostile.txt")})
    html = render_html([moved])
    assert "<mark" not in html and "was not found" in html
    # Found again by name in a folder given to the report, and verified.
    Path(summary.source_path).write_text(SCRIPT_TEXT, encoding="utf-8")
    assert load_article_text(moved, [tmp_path]).text == SCRIPT_TEXT
    assert render_html([moved], search_dirs=[tmp_path]).count("<mark") >= 2
    none = render_html([moved], texts=lambda s: SourceText(None, None, "no source"))
    assert "no source" in none


def test_jsonl_input_articles_are_read_back_from_their_line(tmp_path):
    import json

    from summarizer.ingest import iter_articles

    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "a"}) + "\n" + json.dumps({"id": "j", "text": SCRIPT_TEXT}) + "\n"
    )
    (article,) = [a for a in iter_articles([source]) if not hasattr(a, "reason")]
    summary = hostile_summary(tmp_path).model_copy(
        update={"source_path": article.source_path, "sha256": article.sha256}
    )
    assert load_article_text(summary).text == SCRIPT_TEXT


def test_run_overview_counts_tokens_cost_and_failures():
    from summarizer.types.records import Failure

    reference = reference_summaries()
    failure = Failure(article_id="x", source_path="x.txt", stage="llm", reason="HTTP 500 <oops>")
    html = " ".join(render_html(reference, [failure]).split())
    assert "5 ok, 1 failed" in html and "38: 38 grounded" in html
    assert "HTTP 500 &lt;oops&gt;" in html
    assert "not priced: no price known for fixture" in html
    priced = " ".join(render_html(reference, prices=Price(1.0, 2.0)).split())
    assert "$0.0000 at $1 / $2 per million" in priced  # the reference run records no tokens
    embedded = embedded_summaries()
    html = " ".join(render_html(embedded).split())
    assert "$0 (embedded local model)" in html
    prompt = sum(s.provenance.usage.prompt_tokens for s in embedded)
    assert f"{prompt:,} prompt" in html


@pytest.mark.parametrize("field", ["headline", "summary"])
def test_every_model_string_is_escaped(field, tmp_path):
    summary = hostile_summary(tmp_path)
    summary = summary.model_copy(update={field: "<svg onload=alert(1)>"})
    html = render_html([summary])
    assert "<svg" not in html and "&lt;svg onload=alert(1)&gt;" in html
