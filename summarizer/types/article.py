"""What ingest hands on: an ``Article`` (or an ``IngestError`` naming the input and the problem)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    """One document to summarise. ``text`` is kept exactly as read (every stored offset indexes
    it); ``model_text`` is what the model is shown, with page furniture dropped."""

    id: str
    text: str
    headline: str
    sha256: str
    outlet: str | None = None
    published: dt.date | None = None
    url: str | None = None
    # Where it came from: a file, ``file.jsonl:LINE``, ``<stdin>``, a URL.
    source_path: str | None = None
    model_text: str = field(default="", repr=False)
    author: str | None = None
    # Where each page starts in ``text`` (a PDF's pages), so evidence can say its page.
    pages: tuple[int, ...] = ()
    # The text was made from the input (a page's main text, a PDF's text layer) or cannot be
    # read again (standard input, a URL): the record keeps it, so offsets can be checked later.
    keep_text: bool = False
    # Sentences addressed to a model reading the article (start, end in ``text``, why): planted
    # instructions, kept out of ``model_text`` (ingest/instructions.py).
    planted: tuple[tuple[int, int, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.model_text:
            object.__setattr__(self, "model_text", self.text)


@dataclass(frozen=True)
class IngestError:
    """An input that could not be read: a batch reports it as one failure and goes on."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass(frozen=True)
class Fetched:
    """What a URL gave: kept in the run ledger so that it is fetched once."""

    url: str  # as given
    final_url: str  # after redirects
    content_type: str
    body: bytes


class InputError(ValueError):
    """Raised only by ``article_from_text`` callers asking for one article; batches yield
    ``IngestError`` instead."""
