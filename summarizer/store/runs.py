"""A finished (or unfinished) run read back: from a results ``.jsonl`` file written by
``summarizer run --out`` (failures from its ``.failures.jsonl`` sidecar), or from the run ledger
by id, unique id prefix or ``last``. ``show``, ``export``, ``eval`` and ``merge`` all read runs
through here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from summarizer.store.ledger import ItemRow, Ledger, LedgerError, RunInfo, default_path
from summarizer.store.results_file import ResultsFileError, read_failures, read_results
from summarizer.types.article import Article, IngestError
from summarizer.types.outcome import Result
from summarizer.types.records import ArticleSummary, Failure, Usage


class RunNotFound(ValueError):
    """Neither a readable results file nor a run in the ledger."""


@dataclass
class LoadedRun:
    summaries: list[ArticleSummary]
    failures: list[Failure] = field(default_factory=list)  # failed and skipped, in input order
    source: str = ""
    # Where relative ``source_path``s are looked for (the results file's folder).
    search_dirs: list[Path] = field(default_factory=list)
    # Estimated cost per article id, when the source recorded one (the ledger does).
    costs: dict[str, float | None] = field(default_factory=dict)
    info: RunInfo | None = None  # the ledger's record of the run, when read from there


@dataclass
class RunReader:
    """A run opened for reading, its records streamed in input order (``records()``)."""

    source: str
    search_dirs: list[Path]
    info: RunInfo | None
    _path: Path | None = None
    _ledger: Ledger | None = None

    def records(self) -> Iterator[tuple[ArticleSummary | Failure, float | None]]:
        """(summary or failure, its estimated cost when known), one per input."""
        if self._path is not None:
            try:
                for summary in read_results(self._path):
                    yield summary, None
            except ResultsFileError as exc:
                raise RunNotFound(str(exc)) from None
            for failure in read_failures(self._path):
                yield failure, None
            return
        assert self._ledger is not None and self.info is not None
        for row in self._ledger.items(self.info.id):
            if row.status == "ok" and row.result:
                yield ArticleSummary.model_validate_json(row.result), row.cost_usd
            else:
                yield row.failure(), row.cost_usd

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()


def open_run(ref: str | Path, *, ledger_path: Path | None = None) -> RunReader:
    """A results ``.jsonl`` path, or a run id (or unique prefix, or ``last``) in the ledger."""
    path = Path(ref)
    if path.is_dir():
        raise RunNotFound(f"{ref}: a directory; give a results .jsonl file or a run id")
    if path.is_file() or path.suffix == ".jsonl":
        return RunReader(str(path), [path.resolve().parent], None, _path=path)
    db = ledger_path or default_path()
    if not db.is_file():
        raise RunNotFound(f"{ref}: no such results file, and no run ledger at {db}")
    try:
        ledger = Ledger(db)
    except LedgerError as exc:
        raise RunNotFound(f"{ref}: not a results file; {exc}") from None
    try:
        info = ledger.run(str(ref))
    except LedgerError as exc:
        ledger.close()
        raise RunNotFound(f"{ref}: not a results file; {exc}") from None
    return RunReader(f"run {info.id} ({db})", [], info, _ledger=ledger)


def run_to_continue(
    ledger: Ledger,
    *,
    ref: str | None,
    inputs: list[str] | None,
    config_key: str,
    resume: bool,
) -> RunInfo:
    """The run ``--resume`` (or, with ``resume`` False, ``--retry-failed``) continues: ``ref``
    when given; else the latest unfinished run of these ``inputs`` with this decoding config
    (for a retry: the latest run of these inputs); else, without inputs, the latest unfinished
    run (for a retry: the latest run). Raises ``LedgerError`` saying what was looked for."""
    if ref is not None:
        return ledger.run(ref)
    if inputs:
        found = ledger.find_resumable(inputs, config_key) if resume else None
        if found is None and not resume:  # --retry-failed: the latest run of these inputs
            found = next((r for r in ledger.list_runs(None) if r.inputs == inputs), None)
        if found is None:
            raise LedgerError(
                f"no {'unfinished ' if resume else ''}run of {' '.join(inputs)} with these "
                f"settings in {ledger.path} (see `summarizer runs`)"
            )
        return found
    found = ledger.latest_unfinished() if resume else ledger.run("last")
    if found is None:
        raise LedgerError(f"no unfinished run in {ledger.path} (see `summarizer runs`)")
    return found


def load_run(ref: str | Path, *, ledger_path: Path | None = None) -> LoadedRun:
    """The whole run in memory (exports that need every record at once)."""
    reader = open_run(ref, ledger_path=ledger_path)
    run = LoadedRun([], source=reader.source, search_dirs=reader.search_dirs, info=reader.info)
    try:
        for record, cost in reader.records():
            if isinstance(record, ArticleSummary):
                run.summaries.append(record)
                if reader.info is not None:
                    run.costs[record.article_id] = cost
            else:
                run.failures.append(record)
    finally:
        reader.close()
    return run


def stream_run(ref: str | Path, *, ledger_path: Path | None = None) -> LoadedRun:
    """The run with its summaries read as they are iterated, once (exports that write as they
    read: a run of a million articles is never in memory). ``costs`` fills as they come;
    ``failures`` are not kept. A results file that turns out unreadable raises ``RunNotFound``
    while being read."""
    reader = open_run(ref, ledger_path=ledger_path)
    run = LoadedRun([], source=reader.source, search_dirs=reader.search_dirs, info=reader.info)

    def summaries() -> Iterator[ArticleSummary]:
        try:
            for record, cost in reader.records():
                if isinstance(record, ArticleSummary):
                    if reader.info is not None:
                        run.costs[record.article_id] = cost
                    yield record
        finally:
            reader.close()

    run.summaries = summaries()  # type: ignore[assignment]
    return run


def resumed_result(
    ledger: Ledger, run_id: str, index: int, item: Article | IngestError, sha: str | None
) -> Result:
    """Input ``index`` that run ``run_id`` already finished, handed back as stored (a resume,
    locally or on Dask). Refused when the input has changed or can no longer be read."""
    if isinstance(item, Article) and sha and sha != item.sha256:
        raise LedgerError(
            f"input #{index} ({item.source_path or item.id}) has changed since run "
            f"{run_id} recorded it; start a new run instead of resuming"
        )
    if isinstance(item, IngestError) and sha:
        raise LedgerError(
            f"input #{index} of run {run_id} can no longer be read ({item}); run from "
            "the directory it was started in, or give its inputs again"
        )
    row = ledger.item(run_id, index)
    assert row is not None
    if row.status == "ok":
        return Result(index, summary_json=row.result, cached=True, resumed=True, usage=Usage())
    return Result(
        index,
        failure=row.failure(),
        status=row.status,
        cached=True,
        resumed=True,
        usage=Usage(),
    )


def settled_without_asking(
    ledger: Ledger | None,
    run_id: str | None,
    states: dict[int, tuple[str, str | None]],
    index: int,
    item: Article | IngestError,
    *,
    retry_failed: bool,
    fatal: str | None,
) -> tuple[Result, ItemRow | None] | None:
    """What input ``index`` comes to before anything is asked (locally or on Dask), with the
    row to record for it, or None when it is to be asked: finished by this run already
    (``states``, from ``Ledger.states``: handed back as stored, no new row), unreadable (a
    failed row), or not attempted because the endpoint refused earlier (``fatal``: a skipped
    row)."""
    state = states.get(index)
    if state is not None:
        status, sha = state
        if status == "ok" or (status == "failed" and not retry_failed):
            return resumed_result(ledger, run_id, index, item, sha), None  # type: ignore[arg-type]
    if isinstance(item, IngestError):
        failure = Failure(
            article_id=Path(item.source).stem,
            source_path=item.source,
            stage="ingest",
            reason=item.reason,
        )
        return Result(index, failure=failure, usage=Usage()), _failure_row(index, failure)
    if fatal:
        failure = Failure(
            article_id=item.id,
            source_path=item.source_path,
            stage="llm",
            reason=f"not attempted: {fatal}",
            status="skipped",
        )
        row = _failure_row(index, failure, item.sha256, "skipped")
        return Result(index, failure=failure, status="skipped", usage=Usage()), row
    return None


def _failure_row(
    index: int, failure: Failure, sha256: str | None = None, status: str = "failed"
) -> ItemRow:
    return ItemRow(
        seq=index,
        article_id=failure.article_id,
        source=failure.source_path,
        sha256=sha256,
        status=status,
        stage=failure.stage,
        reason=failure.reason,
    )
