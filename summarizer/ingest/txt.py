"""``.txt`` files: one article each, UTF-8."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from summarizer.ingest.registry import Reader
from summarizer.ingest.text import article_from_text, decode_text
from summarizer.types.article import Article, IngestError


def read_article_file(path: Path) -> Article | IngestError:
    """Read one ``.txt`` article; problems come back as an ``IngestError`` naming the file."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return IngestError(name, "no such file")
    except IsADirectoryError:
        return IngestError(name, "is a directory")
    except OSError as exc:
        return IngestError(name, f"cannot read ({exc.strerror or exc})")
    text, problem = decode_text(raw)
    if problem:
        return IngestError(name, problem)
    return article_from_text(text, path.stem, source_path=name)


def _read(path: Path) -> Iterator[Article | IngestError]:
    yield read_article_file(path)


def _reopen(path: Path, locator: str | None) -> str:
    return path.read_bytes().decode("utf-8-sig")  # exactly as it was read


TXT = Reader("text", (".txt",), read=_read, reopen=_reopen)
