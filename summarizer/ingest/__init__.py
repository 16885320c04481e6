"""Ingest: inputs (files, directories, globs, JSONL, standard input) -> ``Article``.

Ingest never raises for one bad input: it yields an ``IngestError`` naming the file and the
problem, and the caller carries on with the others. Formats are known in ``registry.py`` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from summarizer.ingest import html, jsonl, pdf, txt
from summarizer.ingest.datelines import parse_dateline
from summarizer.ingest.paths import as_recorded, expand_inputs
from summarizer.ingest.registry import Reader, reader_for, register, suffixes
from summarizer.ingest.sources import SourceText, reopen
from summarizer.ingest.stdin import STDIN, articles_from_stdin
from summarizer.ingest.text import article_from_text
from summarizer.ingest.txt import read_article_file
from summarizer.ingest.url import Fetched, SourceCache, articles_from_url, is_url
from summarizer.types.article import Article, IngestError, InputError, sha256_text

# The formats, in the order a directory's kinds are named in messages.
register(txt.TXT)
register(jsonl.JSONL)
register(html.HTML)
register(pdf.PDF)

__all__ = [
    "STDIN",
    "Article",
    "Fetched",
    "IngestError",
    "InputError",
    "Reader",
    "SourceCache",
    "SourceText",
    "article_from_text",
    "as_recorded",
    "count_articles",
    "expand_inputs",
    "is_url",
    "iter_articles",
    "parse_dateline",
    "read_article_file",
    "reader_for",
    "register",
    "reopen",
    "sha256_text",
    "suffixes",
]


def iter_articles(
    inputs: Iterable[str | Path], sources: SourceCache | None = None
) -> Iterator[Article | IngestError]:
    """Stream articles from paths, directories, globs, URLs and ``-``, in order (URLs fetched
    once: ``sources``, the run ledger's, keeps what they gave).

    Ids are unique within one call: an id already given (two JSONL lines with one id, or
    ``a/report.txt`` and ``b/report.txt``) becomes ``id~2``, ``id~3``..., so that event ids
    (``id#1``) and everything keyed on them stay distinct; ``source_path`` still says where
    each came from."""
    seen: dict[str, int] = {}
    for item in _read_all(inputs, sources):
        if isinstance(item, Article):
            count = seen.get(item.id, 0)
            seen[item.id] = count + 1
            if count:
                n = count + 1
                while f"{item.id}~{n}" in seen:
                    n += 1
                item = replace(item, id=f"{item.id}~{n}")
                seen[item.id] = 1
        yield item


def _read_all(
    inputs: Iterable[str | Path], sources: SourceCache | None
) -> Iterator[Article | IngestError]:
    for item in expand_inputs(inputs):
        if isinstance(item, IngestError):
            yield item
        elif is_url(item):
            yield from articles_from_url(item, sources)  # type: ignore[arg-type]
        elif str(item) == STDIN:
            yield from articles_from_stdin()
        else:
            reader = reader_for(item)
            yield from (reader or txt.TXT).read(item)  # a named file is read as text


def count_articles(inputs: Iterable[str | Path]) -> int:
    """How many articles the inputs hold (a progress bar's total), without reading them whole."""
    total = 0
    for item in expand_inputs(inputs):
        reader = reader_for(item) if isinstance(item, Path) and item.is_file() else None
        total += reader.count(item) if reader else 1
    return total
