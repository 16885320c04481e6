"""The one place that knows input formats: a file suffix -> the ``Reader`` for it.

Everything that touches inputs goes through here: reading a batch (``iter_articles``), which
files a directory is read for, counting articles for a progress bar, and reopening an article's
source for an export. A new format is one ``Reader`` registered here (see ``txt.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from summarizer.types.article import Article, IngestError


@dataclass(frozen=True)
class Reader:
    """How one kind of file is read.

    ``read`` streams what the file holds (one article, or many); ``count`` says how many
    articles that is without building them (a progress bar's total); ``reopen`` gives back the
    exact text of one article, ``locator`` being what follows ``file:`` in its ``source_path``
    (a JSONL line number) or None.
    """

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[Path], Iterator[Article | IngestError]]
    reopen: Callable[[Path, str | None], str]
    count: Callable[[Path], int] = lambda path: 1


_READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    for suffix in reader.suffixes:
        _READERS[suffix.lower()] = reader
    return reader


def reader_for(path: Path) -> Reader | None:
    return _READERS.get(path.suffix.lower())


def suffixes() -> tuple[str, ...]:
    """The suffixes a directory given as input is read for, in the order they were registered."""
    return tuple(_READERS)


def kinds() -> str:
    """The suffixes in words: ".txt, .jsonl or .html"."""
    names = suffixes()
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def split_source(source: str) -> tuple[Path, str | None]:
    """``file.jsonl:12`` -> (file.jsonl, "12"); a plain path -> (path, None)."""
    m = re.match(r"^(?P<file>.+?(?P<suffix>\.[A-Za-z0-9]+)):(?P<loc>\d+)$", source)
    if m and m["suffix"].lower() in _READERS:
        return Path(m["file"]), m["loc"]
    return Path(source), None
