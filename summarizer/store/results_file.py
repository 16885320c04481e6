"""Results on disk as JSON Lines: one ``ArticleSummary`` per line, failures in a sidecar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pydantic import ValidationError

from summarizer.types.records import ArticleSummary, Failure

if TYPE_CHECKING:
    from summarizer.types.outcome import Result


class ResultsFileError(ValueError):
    pass


def failures_path(out: Path) -> Path:
    """``results.jsonl`` -> ``results.failures.jsonl``."""
    return out.with_name(f"{out.stem}.failures{out.suffix or '.jsonl'}")


class JsonlWriter:
    """Appends one line per record and flushes it, so a crash loses nothing already done."""

    def __init__(self, out: Path):
        self.out = out
        self._summaries: IO[str] | None = None
        self._failures: IO[str] | None = None
        out.parent.mkdir(parents=True, exist_ok=True)
        # Truncate both now: a stale failures file from an earlier run would mislead.
        self._summaries = out.open("w", encoding="utf-8")
        failures_path(out).unlink(missing_ok=True)

    def write(self, record: ArticleSummary | Failure, line: str | None = None) -> None:
        """Append ``record`` (``line``: its JSON when the caller already has it)."""
        if isinstance(record, ArticleSummary):
            self._append(self._summaries, line or record.model_dump_json())
        else:
            if self._failures is None:
                self._failures = failures_path(self.out).open("w", encoding="utf-8")
            self._append(self._failures, line or record.model_dump_json())

    def write_result(self, result: Result) -> None:
        """Append a batch ``Result``'s record, from the JSON the engine already has (a record
        served from the ledger or a worker is not parsed just to be written back out)."""
        if result.summary_json is not None:
            self._append(self._summaries, result.summary_json)
        else:
            record = result.summary or result.failure
            assert record is not None
            self.write(record)

    @staticmethod
    def _append(handle: IO[str] | None, line: str) -> None:
        assert handle is not None
        handle.write(line + "\n")
        handle.flush()

    def close(self) -> None:
        for handle in (self._summaries, self._failures):
            if handle is not None:
                handle.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_results(path: Path) -> Iterator[ArticleSummary]:
    """Read a results file, naming the file and line of the first bad record."""
    try:
        handle = path.open("r", encoding="utf-8")
    except OSError as exc:
        raise ResultsFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                yield ArticleSummary.model_validate_json(line)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "record"
                raise ResultsFileError(
                    f"{path}:{lineno}: not a summarizer result ({where}: {first['msg']})"
                ) from None
            except UnicodeDecodeError:
                raise ResultsFileError(f"{path}: not UTF-8 text") from None


def read_failures(path: Path) -> list[Failure]:
    side = failures_path(path)
    if not side.is_file():
        return []
    return [Failure.model_validate(json.loads(line)) for line in side.open() if line.strip()]
