"""The run ledger: one SQLite file (stdlib ``sqlite3``, WAL) holding every run, one row per article
per run, and through those rows the cache.

* ``runs``: when, with which settings (never the key), over which inputs, and how it ended
  (``running`` while a process works on it or after it was killed, ``interrupted`` after Ctrl-C,
  ``done``).
* ``items``: one row per input per run, keyed by (run, input position): status (``ok``,
  ``failed`` with stage and reason, ``skipped`` = not attempted), the validated ``ArticleSummary``
  JSON, usage over all attempts (tokens, requests, latency), estimated cost, model, prompt
  version, the article's sha256 and its cache key. A row is written once, when the article is
  finished; an ``ok`` row is never overwritten, a ``failed`` or ``skipped`` one only by a retry.
* ``responses``: every validated answer a model gave, by cache key (zlib-compressed JSON, with
  the run and input it was asked for and what it cost), written the moment it arrives, before
  grounding and normalisation: an answer is never paid for twice, even when the process dies
  between the answer and its ``items`` row.
* The cache: a cache key covers everything that changes the model's answer: article text,
  headline and publication date (the prompt shows them), prompt version, schema version, model,
  structured-output mode, temperature, seed, max_tokens and quote constraint. An ``ok`` row made
  by a model answers a later identical article verbatim; a logged response is re-assembled for
  an article with the same text under another name (or one whose row a crash prevented).

Every write is its own transaction, committed before the result is handed on, so a crash (even
SIGKILL) loses at most the requests in flight, and a resume finishes exactly those.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import sqlite3
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.config import Settings, environment
from summarizer.store.batches import BatchBook
from summarizer.store.checkpointer import Checkpointer
from summarizer.store.keys import config_key
from summarizer.store.migrations import NewerLedger, migrate
from summarizer.types.article import Fetched
from summarizer.types.records import SCHEMA_VERSION, Failure

STATUSES = ("ok", "failed", "skipped")
# The WAL pages past which the ledger's own connection checkpoints, inside a COMMIT (SQLite's
# default is 1,000): 10x fewer, shorter stops of the event loop; see checkpointer.py.
AUTOCHECKPOINT_PAGES = 10_000

_ITEM_COLUMNS = (
    "run_id",
    "seq",
    "article_id",
    "source",
    "sha256",
    "cache_key",
    "status",
    "cached",
    "stage",
    "reason",
    "result",
    "prompt_tokens",
    "completion_tokens",
    "attempts",
    "latency_s",
    "cost_usd",
    "model",
    "prompt_version",
    "created_at",
    "gazetteer",
    "requests",
    "record_version",
)
_UPSERT = (
    f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _ITEM_COLUMNS)}) "
    "ON CONFLICT (run_id, seq) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ITEM_COLUMNS[2:])
    + " WHERE items.status != 'ok'"
)


class LedgerError(RuntimeError):
    pass


def default_path() -> Path:
    """``$SUMMARIZER_LEDGER``, else ``ledger.sqlite3`` in the user data directory."""
    override = environment().ledger
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("summarizer", appauthor=False)) / "ledger.sqlite3"


def _now() -> str:
    """The current UTC time to the second, ISO 8601 (made once per second: rows are written
    by the thousand per second)."""
    second = int(time.time())
    if second != _clock[0]:
        _clock[:] = [second, dt.datetime.fromtimestamp(second, dt.UTC).isoformat()]
    return _clock[1]


_clock: list = [None, ""]


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    """One article's outcome in one run."""

    seq: int
    article_id: str
    status: str
    source: str | None = None
    sha256: str | None = None
    cache_key: str | None = None
    cached: bool = False
    stage: str | None = None
    reason: str | None = None
    result: str | None = None  # ArticleSummary JSON
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    latency_s: float = 0.0
    cost_usd: float | None = None
    model: str | None = None
    prompt_version: str | None = None
    created_at: str = ""
    # The record's provenance.gazetteer ("" for the shipped snapshot; None: not known, a row
    # written before this column), so a cache hit can be checked without parsing the record.
    gazetteer: str | None = None
    requests: int = 1  # the requests its document took (several for a long one)
    # The shape of ``result`` (``SCHEMA_VERSION`` when written; None: a row from before the
    # column): a record of another shape is re-made from the logged answer, not served.
    record_version: str | None = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")

    def failure(self) -> Failure:
        """The ``Failure`` a failed or skipped row stands for (the one place a row becomes one)."""
        stage = self.stage if self.stage in ("ingest", "llm", "validate") else "llm"
        return Failure(
            article_id=self.article_id,
            source_path=self.source,
            stage=stage,
            reason=self.reason or self.status,
            status="skipped" if self.status == "skipped" else "failed",
        )


@dataclass
class CachedAnswer:
    """What the ledger knows for a cache key: a finished record (``result``, for the article
    ``article_id``/``source``), or only the model's logged answer (``extraction``) to assemble."""

    article_id: str | None
    source: str | None
    result: str | None
    extraction: str | None
    model: str | None
    gazetteer: str | None = None  # of ``result``, as in ``ItemRow.gazetteer``
    record_version: str | None = None  # of ``result``, as in ``ItemRow.record_version``
    # For a logged answer: the run and input it was asked for, and what it cost.
    run_id: str | None = None
    seq: int | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    latency_s: float = 0.0
    created_at: str | None = None
    # What the answer cost as billed (a batch line at the batch price); None: price its tokens.
    cost_usd: float | None = None


@dataclass
class RunInfo:
    id: str
    created_at: str
    updated_at: str
    status: str
    inputs: list[str] | None
    settings: dict
    config_key: str
    model: str | None
    endpoint: str | None
    prompt_version: str | None
    schema_version: str | None
    # Filled by ``Ledger.run``/``list_runs`` from the items.
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    cost_usd: float | None = None

    @property
    def total(self) -> int:
        return self.ok + self.failed + self.skipped


class Ledger:
    """One SQLite ledger file. Safe for one thread at a time per instance; any number of
    processes may share the file (WAL, with a busy timeout)."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path).expanduser() if path else default_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            detail = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
            raise LedgerError(f"{self.path}: cannot create the ledger ({detail})") from None
        self._uncommitted: list[tuple[asyncio.Future, int]] = []
        self._commit_scheduled = False
        try:
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit survives a crash of this process (SIGKILL included);
            # only an OS crash or power loss can lose the last commits.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
            migrate(self._db)
        except NewerLedger as exc:
            raise LedgerError(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{self.path}: not a usable ledger ({exc})") from None

    def flush(self) -> None:
        """Commit writes made with ``*_soon`` now (a batch's end, or its cancellation)."""
        if self._uncommitted or self._db.in_transaction:
            self._commit()

    def close(self) -> None:
        self.flush()
        self._db.close()

    @property
    def batches(self) -> BatchBook:
        """The provider batch jobs recorded here (``store/batches.py``)."""
        return BatchBook(self._db)

    def checkpointer(self) -> Checkpointer:
        """WAL checkpoints moved to a thread for a batch's length (see ``checkpointer.py``)."""
        return Checkpointer(str(self.path))

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- runs ----------------------------------------------------------------------------------

    def start_run(
        self, *, settings: Settings, config: dict, endpoint: str, inputs: list[str] | None = None
    ) -> str:
        run_id = dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        now = _now()
        self._db.execute(
            "INSERT INTO runs (id, created_at, updated_at, status, inputs, settings, config_key,"
            " model, endpoint, prompt_version, schema_version)"
            " VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                now,
                now,
                json.dumps(inputs) if inputs is not None else None,
                json.dumps(settings.record()),
                config_key(config),
                config["model"],
                endpoint,
                config["prompt_version"],
                SCHEMA_VERSION,
            ),
        )
        return run_id

    def set_status(self, run_id: str, status: str) -> None:
        self.flush()
        self._db.execute(
            "UPDATE runs SET status = ?, updated_at = ? WHERE id = ?", (status, _now(), run_id)
        )

    def resolve(self, ref: str) -> str:
        """A run id from an id, a unique prefix of one, or ``last``."""
        if ref == "last":
            row = self._db.execute("SELECT id FROM runs ORDER BY rowid DESC LIMIT 1").fetchone()
            if row is None:
                raise LedgerError(f"{self.path}: no runs yet")
            return row[0]
        rows = self._db.execute(
            "SELECT id FROM runs WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY id",
            (ref, ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
        ).fetchall()
        ids = [r[0] for r in rows]
        if ref in ids:
            return ref
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise LedgerError(f"no run {ref!r} in {self.path} (see `summarizer runs`)")
        raise LedgerError(f"{ref!r} matches {len(ids)} runs: {', '.join(ids[:5])}")

    def run(self, ref: str) -> RunInfo:
        run_id = self.resolve(ref)
        row = self._db.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        info = _run_info(row)
        self._add_counts([info])
        return info

    def list_runs(self, limit: int | None = 20) -> list[RunInfo]:
        sql = f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY rowid DESC"
        rows = self._db.execute(
            sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ()
        ).fetchall()
        infos = [_run_info(r) for r in rows]
        self._add_counts(infos)
        return infos

    def find_resumable(self, inputs: list[str] | None, config_key_: str) -> RunInfo | None:
        """The latest unfinished run over the same inputs with the same decoding config."""
        rows = self._db.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE status != 'done' AND config_key = ?"
            " ORDER BY rowid DESC",
            (config_key_,),
        ).fetchall()
        for row in rows:
            info = _run_info(row)
            if inputs is None or info.inputs == inputs:
                self._add_counts([info])
                return info
        return None

    def latest_unfinished(self) -> RunInfo | None:
        row = self._db.execute(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE status != 'done' ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        info = _run_info(row)
        self._add_counts([info])
        return info

    def _add_counts(self, infos: list[RunInfo]) -> None:
        for info in infos:
            row = self._db.execute(
                "SELECT"
                " COALESCE(SUM(status = 'ok'), 0), COALESCE(SUM(status = 'failed'), 0),"
                " COALESCE(SUM(status = 'skipped'), 0), COALESCE(SUM(cached), 0),"
                " COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),"
                " COALESCE(SUM(attempts), 0),"
                # unknown (NULL) once an article that was asked has no price: never "$0"
                " CASE WHEN SUM(attempts > 0 AND cost_usd IS NULL) THEN NULL ELSE SUM(cost_usd) END"
                " FROM items WHERE run_id = ?",
                (info.id,),
            ).fetchone()
            (
                info.ok,
                info.failed,
                info.skipped,
                info.cached,
                info.prompt_tokens,
                info.completion_tokens,
                info.attempts,
                info.cost_usd,
            ) = row

    # -- items ---------------------------------------------------------------------------------

    def record(self, run_id: str, row: ItemRow) -> bool:
        """Write one article's outcome; False when the run already has an ``ok`` row for it
        (never overwritten: each result is written exactly once)."""
        return self._db.execute(_UPSERT, _item_values(run_id, row)).rowcount > 0

    def record_many(
        self,
        run_id: str,
        rows: list[ItemRow],
        responses: list[tuple[str, str, dict[str, Any]]] = (),  # type: ignore[assignment]
    ) -> list[bool]:
        """Rows (and the answers they were made from: ``(key, extraction, fields)`` as for
        ``log_response``) made elsewhere, a Dask worker's partition, in one transaction: all
        of them or none. Per row, whether it was written (an ``ok`` row is never overwritten)."""
        self.flush()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            for key, extraction, fields in responses:
                self._db.execute(_LOG_RESPONSE, _response_values(key, extraction, **fields))
            written = [
                self._db.execute(_UPSERT, _item_values(run_id, row)).rowcount > 0 for row in rows
            ]
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        return written

    # -- writes from the event loop ------------------------------------------------------------
    #
    # Group commit on the event loop's own thread: a write executes at once inside an open
    # transaction, and one COMMIT at the end of the loop iteration covers every write made in
    # it; each caller's future completes only after that COMMIT. Under load many rows share a
    # commit; no thread, no lock hand-over.

    def record_soon(self, run_id: str, row: ItemRow) -> asyncio.Future:
        """``record``, committed by the end of this loop iteration; the future gives whether
        the row was written."""
        return self._write_soon(_UPSERT, _item_values(run_id, row))

    def log_response_soon(self, key: str, extraction: str, **fields: Any) -> asyncio.Future:
        """``log_response``, committed by the end of this loop iteration."""
        return self._write_soon(_LOG_RESPONSE, _response_values(key, extraction, **fields))

    async def arecord(self, run_id: str, row: ItemRow) -> bool:
        return await self.record_soon(run_id, row) > 0

    def _write_soon(self, sql: str, params: tuple) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            count = self._db.execute(sql, params).rowcount
        except sqlite3.Error as exc:
            future.set_exception(LedgerError(f"ledger write failed: {exc}"))
            return future
        self._uncommitted.append((future, count))
        if not self._commit_scheduled:
            self._commit_scheduled = True
            loop.call_soon(self._commit)
        return future

    def _commit(self) -> None:
        self._commit_scheduled = False
        done, self._uncommitted = self._uncommitted, []
        error: Exception | None = None
        try:
            if self._db.in_transaction:
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            error = exc
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        for future, count in done:
            if future.done():
                continue
            if error is not None:
                future.set_exception(LedgerError(f"ledger write failed: {error}"))
            else:
                future.set_result(count)

    def states(self, run_id: str) -> dict[int, tuple[str, str | None]]:
        """Input position -> (status, sha256) for every row the run already has."""
        return {
            seq: (status, sha)
            for seq, status, sha in self._db.execute(
                "SELECT seq, status, sha256 FROM items WHERE run_id = ?", (run_id,)
            )
        }

    def item(self, run_id: str, seq: int) -> ItemRow | None:
        row = self._db.execute(
            f"SELECT {', '.join(_ITEM_COLUMNS[1:])} FROM items WHERE run_id = ? AND seq = ?",
            (run_id, seq),
        ).fetchone()
        return _item_row(row) if row else None

    def items(self, run_id: str) -> Iterator[ItemRow]:
        cursor = self._db.execute(
            f"SELECT {', '.join(_ITEM_COLUMNS[1:])} FROM items WHERE run_id = ? ORDER BY seq",
            (run_id,),
        )
        for row in cursor:
            yield _item_row(row)

    def log_response(self, key: str, extraction: str, **fields: Any) -> None:
        """Keep a model's validated answer to one request the moment it arrives (see the module
        docstring). Fields: run_id, seq, model, prompt_tokens, completion_tokens, attempts,
        latency_s, for a document of several requests its ``part`` and ``kind``, and
        ``cost_usd`` when it was billed otherwise than at the online price (a batch line)."""
        self._db.execute(_LOG_RESPONSE, _response_values(key, extraction, **fields))

    @staticmethod
    def response_statement(key: str, extraction: str, **fields: Any) -> tuple[str, tuple]:
        """``log_response`` as (SQL, parameters), for a caller writing many in one transaction
        (``BatchBook.collect``)."""
        return _LOG_RESPONSE, _response_values(key, extraction, **fields)

    def cached(self, key: str) -> CachedAnswer | None:
        """A finished record for this document key, else the logged answer, else None."""
        row = self._db.execute(
            "SELECT article_id, source, result, model, gazetteer, record_version FROM items"
            " WHERE cache_key = ? AND status = 'ok' AND cached = 0 LIMIT 1",
            (key,),
        ).fetchone()
        if row is not None:
            return CachedAnswer(
                row[0], row[1], row[2], None, row[3], gazetteer=row[4], record_version=row[5]
            )
        return self.response(key)

    # -- fetched sources (URL inputs) ----------------------------------------------------------

    def get(self, url: str) -> Fetched | None:
        """What ``url`` gave when first fetched (``ingest.SourceCache``)."""
        row = self._db.execute(
            "SELECT final_url, content_type, body FROM sources WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return None
        return Fetched(url, row[0], row[1], zlib.decompress(row[2]))

    def put(self, fetched: Fetched) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO sources (url, final_url, content_type, body, fetched_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                fetched.url,
                fetched.final_url,
                fetched.content_type,
                zlib.compress(fetched.body, 6),
                _now(),
            ),
        )

    def response(self, key: str) -> CachedAnswer | None:
        row = self._db.execute(
            "SELECT model, extraction, run_id, seq, prompt_tokens, completion_tokens, attempts,"
            " latency_s, created_at, cost_usd FROM responses WHERE cache_key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        model, blob, run_id, seq, prompt, completion, attempts, latency, created, cost = row
        return CachedAnswer(
            None,
            None,
            None,
            zlib.decompress(blob).decode("utf-8"),
            model,
            run_id=run_id,
            seq=seq,
            prompt_tokens=prompt,
            completion_tokens=completion,
            attempts=attempts,
            latency_s=latency,
            created_at=created,
            cost_usd=cost,
        )


_LOG_RESPONSE = (
    "INSERT OR REPLACE INTO responses (cache_key, run_id, seq, model, extraction,"
    " prompt_tokens, completion_tokens, attempts, latency_s, created_at, part, kind, cost_usd)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _item_values(run_id: str, row: ItemRow) -> tuple:
    return (
        run_id,
        row.seq,
        row.article_id,
        row.source,
        row.sha256,
        row.cache_key,
        row.status,
        int(row.cached),
        row.stage,
        row.reason,
        row.result,
        row.prompt_tokens,
        row.completion_tokens,
        row.attempts,
        row.latency_s,
        row.cost_usd,
        row.model,
        row.prompt_version,
        row.created_at or _now(),
        row.gazetteer,
        row.requests,
        row.record_version,
    )


def _response_values(
    key: str,
    extraction: str,
    *,
    run_id: str | None,
    seq: int | None,
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    attempts: int,
    latency_s: float,
    part: int = 0,
    kind: str = "extract",
    cost_usd: float | None = None,
) -> tuple:
    return (
        key,
        run_id,
        seq,
        model,
        zlib.compress(extraction.encode("utf-8"), 1),
        prompt_tokens,
        completion_tokens,
        attempts,
        latency_s,
        _now(),
        part,
        kind,
        cost_usd,
    )


_RUN_COLUMNS = (
    "id, created_at, updated_at, status, inputs, settings, config_key, model, endpoint,"
    " prompt_version, schema_version"
)


def _run_info(row: tuple) -> RunInfo:
    (
        run_id,
        created,
        updated,
        status,
        inputs,
        settings,
        key,
        model,
        endpoint,
        prompt_version,
        schema_version,
    ) = row
    return RunInfo(
        id=run_id,
        created_at=created,
        updated_at=updated,
        status=status,
        inputs=json.loads(inputs) if inputs else None,
        settings=json.loads(settings),
        config_key=key,
        model=model,
        endpoint=endpoint,
        prompt_version=prompt_version,
        schema_version=schema_version,
    )


def _item_row(row: tuple) -> ItemRow:
    values: dict[str, Any] = dict(zip(_ITEM_COLUMNS[1:], row, strict=True))
    values["cached"] = bool(values["cached"])
    return ItemRow(**values)
