"""Reopen an article's source after the run (for exports that show the text): the exact text
its offsets index, checked against the sha256 the run recorded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from summarizer.ingest.registry import reader_for, split_source
from summarizer.ingest.stdin import SOURCE as STDIN_SOURCE
from summarizer.types.article import sha256_text


@dataclass(frozen=True)
class SourceText:
    """The original text of an article, or why it is not available."""

    text: str | None
    path: str | None = None
    problem: str | None = None


def reopen(source: str | None, sha256: str, search_dirs: Sequence[Path] = ()) -> SourceText:
    """Read the article back from ``source`` (a file, or ``file.jsonl:LINE``) and verify it
    against ``sha256``. Relative paths, and files moved since the run, are also looked for in
    ``search_dirs`` (by their relative path, then by file name)."""
    if not source:
        return SourceText(None, None, "the result records no source file")
    given, locator = split_source(source)
    if given.name.startswith(STDIN_SOURCE):
        return SourceText(None, None, "it was read from standard input, which cannot be reread")
    candidates = [given]
    for folder in search_dirs:
        if not given.is_absolute():
            candidates.append(folder / given)
        candidates.append(folder / given.name)
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        return SourceText(None, None, f"the source file {source} was not found")
    reader = reader_for(found)
    if reader is None:
        return SourceText(None, str(found), f"{found}: not a kind of file articles are read from")
    try:
        text = reader.reopen(found, locator)
    except (OSError, UnicodeDecodeError, IndexError, KeyError, TypeError, ValueError) as exc:
        return SourceText(None, str(found), f"{found} could not be read ({exc})")
    if sha256_text(text) != sha256:
        return SourceText(
            None, str(found), f"{found} has changed since the run (its sha256 differs)"
        )
    return SourceText(text, str(found), None)
