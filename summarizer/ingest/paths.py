"""Input arguments -> the files to read: directories (their readable files, sorted), globs,
files as given, ``-``; each file once."""

from __future__ import annotations

import glob
from collections.abc import Iterable, Iterator
from pathlib import Path

from summarizer.ingest.registry import kinds, suffixes
from summarizer.ingest.stdin import STDIN
from summarizer.ingest.url import is_url
from summarizer.types.article import IngestError

STDIN_PATH = Path(STDIN)


def expand_inputs(inputs: Iterable[str | Path]) -> Iterator[Path | str | IngestError]:
    """Directories -> their readable files (sorted), globs -> matches, files as given. Each file
    (by resolved path) and ``-`` comes once, where first named: overlapping inputs such as
    ``tree tree/c3.jsonl`` or ``- -`` would otherwise be read, and paid for, twice."""
    seen: set[object] = set()
    for path in _expand_all(inputs):
        if isinstance(path, IngestError):
            yield path
            continue
        if isinstance(path, str):  # a URL
            key: object = path
        else:
            key = STDIN if path is STDIN_PATH else _resolved(path)
        if key not in seen:
            seen.add(key)
            yield path


def as_recorded(inputs: Iterable[str]) -> list[str]:
    """Inputs as a run records them: existing files and directories absolute (a resume from
    another directory must read the same files); globs, ``-`` and the rest as given."""
    return [
        str(Path(p).resolve()) if p != STDIN and not is_url(p) and Path(p).exists() else p
        for p in inputs
    ]


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop; reading it will report the problem
        return path.absolute()


def _expand_all(inputs: Iterable[str | Path]) -> Iterator[Path | str | IngestError]:
    readable = suffixes()
    for item in inputs:
        if is_url(item):
            yield str(item)  # fetched when read
            continue
        path = Path(item)
        if str(item) == STDIN:
            yield STDIN_PATH
        elif path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in readable)
            if not found:
                yield IngestError(str(path), f"directory holds no {kinds()} files")
            yield from found
        elif not path.exists() and glob.has_magic(str(item)):
            matches = sorted(glob.glob(str(item), recursive=True))
            if not matches:
                yield IngestError(str(item), "pattern matches no files")
            yield from (_not_stdin(Path(m)) for m in matches)
        else:
            yield _not_stdin(path)


def _not_stdin(path: Path) -> Path:
    # Path("./-") prints as "-", which iter_articles would take for standard input
    return path.absolute() if str(path) == STDIN else path
