"""``-``: standard input, either JSONL records (when it starts with ``{``) or one article."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import BinaryIO

from summarizer.ingest.jsonl import articles_from_lines
from summarizer.ingest.text import article_from_text
from summarizer.types.article import Article, IngestError, sha256_text

STDIN = "-"  # as an input: standard input, one article's text or JSONL records
SOURCE = "<stdin>"


def articles_from_stdin(stream: BinaryIO | None = None) -> Iterator[Article | IngestError]:
    """JSONL records when the first thing on standard input is ``{``, streamed line by line;
    otherwise the whole of it is one article's text."""
    stream = stream or sys.stdin.buffer
    head: list[bytes] = []  # up to the first line that is not blank, kept as lines: line
    while not (head and head[-1].strip()):  # numbers in errors count the blank ones too
        line = stream.readline()
        if not line:
            yield IngestError(SOURCE, "empty input")
            return
        head.append(line)
    if head[-1].strip().removeprefix(b"\xef\xbb\xbf").startswith(b"{"):
        yield from articles_from_lines(itertools.chain(head, stream), SOURCE, "stdin")
        return
    raw = b"".join(head) + stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield IngestError(SOURCE, f"not UTF-8 text (bad byte at offset {exc.start})")
        return
    article = article_from_text(text, f"stdin-{sha256_text(text)[:12]}", source_path=SOURCE)
    yield replace(article, keep_text=True)  # standard input cannot be read again
