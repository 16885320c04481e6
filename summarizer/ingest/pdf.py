"""``.pdf`` files: the text layer, page by page (pypdf, the optional ``pdf`` extra).

Pages are joined with a blank line, and where each starts is kept (``Article.pages``) so that an
event's evidence can say which page it is on. A PDF without a text layer (a scan) is one error
saying so: there is nothing to read without OCR, and nothing is guessed. The publication date is
read from a dateline in the text only; a PDF's creation date is when the file was made.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from summarizer.ingest.registry import Reader
from summarizer.ingest.text import article_from_text
from summarizer.types.article import Article, IngestError, InputError

PAGE_BREAK = "\n\n"


def pdf_text(data: bytes | Path) -> tuple[str, tuple[int, ...], str | None]:
    """(text, where each page starts in it, the document's title) of a PDF's text layer.
    Raises ``InputError`` for what cannot be read."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise InputError("reading PDF needs pypdf: pip install 'summarizer[pdf]'") from None
    import io

    try:
        reader = PdfReader(io.BytesIO(data) if isinstance(data, bytes) else data)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError("encrypted PDF (a password is needed to read it)")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = (reader.metadata.title or "").strip() if reader.metadata else ""
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise InputError(f"not a readable PDF ({type(exc).__name__}: {exc})") from None
    if not any(pages):
        raise InputError(
            f"no text layer in its {len(pages)} page(s): a scanned PDF? Run OCR on it first"
        )
    starts, text = [], ""
    for n, page in enumerate(pages):
        if n:
            text += PAGE_BREAK
        starts.append(len(text))
        text += page
    return text, tuple(starts), title or None


def article_from_pdf(data: bytes | Path, article_id: str, *, source_path: str | None) -> Article:
    text, pages, title = pdf_text(data)
    article = article_from_text(text, article_id, source_path=source_path, headline=title)
    return replace(article, pages=pages, keep_text=True)


def _read(path: Path) -> Iterator[Article | IngestError]:
    try:
        yield article_from_pdf(path, path.stem, source_path=str(path))
    except InputError as exc:
        yield IngestError(str(path), str(exc))
    except OSError as exc:
        yield IngestError(str(path), f"cannot read ({exc.strerror or exc})")


def _reopen(path: Path, locator: str | None) -> str:
    return pdf_text(path)[0]


PDF = Reader("PDF", (".pdf",), read=_read, reopen=_reopen)
