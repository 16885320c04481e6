"""``.html`` / ``.htm`` pages (and JSONL records with an ``html`` field, and fetched web pages):
the main text, title, publication date, site name and author, with trafilatura.

Page furniture (navigation, cookie banners, related links, comments) never reaches the model:
trafilatura keeps the article body only. The publication date comes from the page's markup
(meta tags, JSON-LD, time elements), never from a date mentioned in the text: trafilatura's
"extensive" date search, which falls back to dates in the body, is off ("never guessed").
The text the model sees is the extracted text; the record keeps it, and its offsets index it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from summarizer.ingest.registry import Reader
from summarizer.ingest.text import article_from_text
from summarizer.types.article import Article, IngestError, InputError

# htmldate's options: markup only, the original publication date rather than the last update.
_DATE_OPTIONS = {"extensive_search": False, "original_date": True}
MIN_WORDS = 20  # less than this is no news article, whatever the page's markup says
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def article_from_html(
    html: str | bytes, article_id: str, *, source_path: str | None, url: str | None = None
) -> Article:
    """The page's article. Raises ``InputError`` when the page holds no article text."""
    import trafilatura  # ~0.3 s of imports: only when a page is read

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=_DATE_OPTIONS,
    )
    text = (doc.text or "").strip() if doc is not None else ""
    if len(text.split()) < MIN_WORDS:  # a menu, a login wall, a page of links
        raise InputError("no article text found in the page (not an article, or all markup)")
    published = None
    if doc.date and (m := _ISO.match(doc.date)):
        try:
            published = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            published = None
    headline = (doc.title or "").strip() or None
    article = article_from_text(
        text,
        article_id,
        source_path=source_path,
        headline=headline,
        outlet=(doc.sitename or "").strip() or None,
        published=published,
        url=url or doc.url,
    )
    return _with(article, author=(doc.author or "").strip() or None)


def _with(article: Article, **changes) -> Article:
    from dataclasses import replace

    return replace(article, keep_text=True, **changes)


def _read(path: Path) -> Iterator[Article | IngestError]:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield IngestError(name, f"cannot read ({exc.strerror or exc})")
        return
    if not raw.strip():
        yield IngestError(name, "empty file")
        return
    try:
        yield article_from_html(raw, path.stem, source_path=name)
    except InputError as exc:
        yield IngestError(name, str(exc))


def _reopen(path: Path, locator: str | None) -> str:
    return article_from_html(path.read_bytes(), path.stem, source_path=str(path)).text


HTML = Reader("HTML", (".html", ".htm"), read=_read, reopen=_reopen)
