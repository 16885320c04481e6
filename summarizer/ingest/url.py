"""``http://`` and ``https://`` inputs: a web page, a PDF or a text file fetched at run time.

Fetched with httpx2 (the openai client's HTTP library): a timeout, a size limit, the content type
checked (HTML, PDF or plain text), redirects capped. What a URL gave is kept in the run ledger's
``sources`` table (``SourceCache``), raw bytes and all, so a re-run or a resume never fetches it
again and reads exactly what the first run read. An unreachable URL, an HTTP error, a page too
big or of another type is one failure with its reason; the other inputs go on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Protocol
from urllib.parse import urlsplit

from summarizer.ingest.html import article_from_html
from summarizer.ingest.pdf import article_from_pdf
from summarizer.ingest.text import article_from_text, decode_text
from summarizer.types.article import Article, Fetched, IngestError, InputError

SCHEMES = ("http://", "https://")
TIMEOUT_S = 30.0
MAX_BYTES = 20_000_000
MAX_REDIRECTS = 5
_KINDS = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    "text/plain": "text",
}


def is_url(item: object) -> bool:
    return isinstance(item, str) and item.lower().startswith(SCHEMES)


class SourceCache(Protocol):
    """Where fetched sources are kept (the run ledger)."""

    def get(self, url: str) -> Fetched | None: ...

    def put(self, fetched: Fetched) -> None: ...


def fetch(url: str, *, timeout: float | None = None, max_bytes: int | None = None) -> Fetched:
    """GET ``url``; raises ``InputError`` with a one-line reason for what cannot be used."""
    import httpx2

    timeout = TIMEOUT_S if timeout is None else timeout
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes

    try:
        with (
            httpx2.Client(
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
                timeout=httpx2.Timeout(timeout, connect=min(timeout, 10.0)),
                headers={"User-Agent": "summarizer (news article summaries)"},
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise InputError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type not in _KINDS:
                shown = content_type or "none given"
                raise InputError(f"content type {shown}: not HTML, PDF or plain text")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise InputError(f"{declared:,} bytes, over the {max_bytes:,}-byte limit")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise InputError(f"over the {max_bytes:,}-byte limit")
            return Fetched(url, str(response.url), content_type, bytes(body))
    except httpx2.TooManyRedirects:
        raise InputError(f"more than {MAX_REDIRECTS} redirects") from None
    except httpx2.TimeoutException:
        raise InputError(f"no answer within {timeout:g}s") from None
    except httpx2.HTTPError as exc:
        raise InputError(f"cannot fetch ({type(exc).__name__}: {exc})") from None


def url_id(url: str) -> str:
    """A readable id: the last part of the path (or the host), e.g. ``syria-strikes``."""
    parts = urlsplit(url)
    segment = parts.path.rstrip("/").rsplit("/", 1)[-1]
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", segment) or parts.hostname or "page"
    return re.sub(r"[^\w.-]+", "-", stem).strip("-")[:60] or "page"


def article_from_fetched(fetched: Fetched) -> Article:
    kind = _KINDS[fetched.content_type]
    article_id = url_id(fetched.url)
    if kind == "html":
        return article_from_html(
            fetched.body, article_id, source_path=fetched.url, url=fetched.final_url
        )
    if kind == "pdf":
        article = article_from_pdf(fetched.body, article_id, source_path=fetched.url)
    else:
        text, problem = decode_text(fetched.body)
        if problem:
            raise InputError(problem)
        article = article_from_text(text, article_id, source_path=fetched.url)
    return replace(article, url=fetched.final_url, keep_text=True)


def articles_from_url(
    url: str, cache: SourceCache | None = None
) -> Iterator[Article | IngestError]:
    try:
        fetched = cache.get(url) if cache is not None else None
        if fetched is None:
            fetched = fetch(url)
            if cache is not None:
                cache.put(fetched)  # before it is read: a resume reads the same bytes
        yield article_from_fetched(fetched)
    except InputError as exc:
        yield IngestError(url, str(exc))
