"""The ledger's schema as named steps, applied in order and recorded in ``migrations``.

A ledger file is never emptied or rebuilt: opening an older one applies the steps it lacks, in
one transaction, and a ledger that knows a step this version does not (made by a newer
summarizer) is refused rather than written to. A new column or table is a new step at the end;
a step, once released, is never edited.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001_initial",
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'interrupted', 'done')),
            inputs TEXT,
            settings TEXT NOT NULL,
            config_key TEXT NOT NULL,
            model TEXT,
            endpoint TEXT,
            prompt_version TEXT,
            schema_version TEXT
        );
        CREATE TABLE IF NOT EXISTS items (
            run_id TEXT NOT NULL REFERENCES runs(id),
            seq INTEGER NOT NULL,
            article_id TEXT NOT NULL,
            source TEXT,
            sha256 TEXT,
            cache_key TEXT,
            status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'skipped')),
            cached INTEGER NOT NULL DEFAULT 0,
            stage TEXT,
            reason TEXT,
            result TEXT,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            latency_s REAL NOT NULL DEFAULT 0,
            cost_usd REAL,
            model TEXT,
            prompt_version TEXT,
            created_at TEXT NOT NULL,
            PRIMARY KEY (run_id, seq)
        );
        CREATE INDEX IF NOT EXISTS items_cache ON items (cache_key)
            WHERE status = 'ok' AND cached = 0;
        CREATE TABLE IF NOT EXISTS responses (
            cache_key TEXT PRIMARY KEY,
            run_id TEXT,
            seq INTEGER,
            model TEXT,
            extraction BLOB NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            attempts INTEGER NOT NULL DEFAULT 0,
            latency_s REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        """,
    ),
    # The gazetteer a record's places were resolved with, so a cache hit is checked without
    # parsing the record ("" the shipped snapshot).
    Migration("0002_items_gazetteer", "ALTER TABLE items ADD COLUMN gazetteer TEXT;"),
    # A document may take several requests (chunks of a long document, a batch job's lines):
    # ``responses`` holds one row per request, ``part`` and ``kind`` saying which; ``items``
    # says how many requests its document took.
    Migration(
        "0003_requests",
        """
        ALTER TABLE responses ADD COLUMN part INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE responses ADD COLUMN kind TEXT NOT NULL DEFAULT 'extract';
        ALTER TABLE items ADD COLUMN requests INTEGER NOT NULL DEFAULT 1;
        """,
    ),
    # The stored record's shape, so that a record of an older shape is re-made from its logged
    # answer rather than served; and what URL inputs gave, so a resume never fetches again.
    Migration(
        "0004_record_version_and_sources",
        """
        ALTER TABLE items ADD COLUMN record_version TEXT;
        CREATE TABLE IF NOT EXISTS sources (
            url TEXT PRIMARY KEY,
            final_url TEXT NOT NULL,
            content_type TEXT NOT NULL,
            body BLOB NOT NULL,
            fetched_at TEXT NOT NULL
        );
        """,
    ),
    # Provider batch jobs (``summarizer run --batch-api``): each job and the request lines it
    # holds, written before the job is submitted, so a process that dies after submitting
    # resumes polling the same job instead of paying for its lines again. ``responses.cost_usd``
    # is what an answer cost as billed (a batch line at the batch price); NULL: priced from its
    # tokens at the online price, as before.
    Migration(
        "0005_batches",
        """
        CREATE TABLE IF NOT EXISTS batch_jobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            endpoint TEXT,
            model TEXT,
            file_id TEXT,
            batch_id TEXT,
            status TEXT NOT NULL,
            lines INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            completed INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            output_file_id TEXT,
            error_file_id TEXT,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL,
            online_cost_usd REAL,
            collected INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS batch_jobs_run ON batch_jobs (run_id);
        CREATE TABLE IF NOT EXISTS batch_lines (
            job INTEGER NOT NULL REFERENCES batch_jobs(id),
            custom_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            part INTEGER NOT NULL DEFAULT 0,
            kind TEXT NOT NULL DEFAULT 'extract',
            state TEXT NOT NULL DEFAULT 'sent'
                CHECK (state IN ('sent', 'answered', 'invalid', 'cut_off', 'failed')),
            reason TEXT,
            PRIMARY KEY (job, custom_id)
        );
        CREATE INDEX IF NOT EXISTS batch_lines_key ON batch_lines (custom_id);
        ALTER TABLE responses ADD COLUMN cost_usd REAL;
        """,
    ),
)


class NewerLedger(RuntimeError):
    """The ledger has steps this version does not know."""


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _tables(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _applied_before_migrations(db: sqlite3.Connection) -> list[str]:
    """The steps a ledger made before steps were recorded already has (by its tables)."""
    if "runs" not in _tables(db):
        return []
    applied = ["0001_initial"]
    if "gazetteer" in _columns(db, "items"):
        applied.append("0002_items_gazetteer")
    return applied


def migrate(db: sqlite3.Connection) -> list[str]:
    """Bring ``db`` (autocommit mode) up to date; returns the steps applied now."""
    known = [m.name for m in MIGRATIONS]
    db.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see it done
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        applied = [row[0] for row in db.execute("SELECT name FROM migrations ORDER BY name")]
        if not applied:
            applied = _applied_before_migrations(db)
            _record(db, applied)
        unknown = sorted(set(applied) - set(known))
        if unknown:
            raise NewerLedger(
                f"made by a newer summarizer (it has schema step {unknown[-1]}); upgrade "
                "summarizer to use it"
            )
        todo = [m for m in MIGRATIONS if m.name not in applied]
        for step in todo:
            for statement in _statements(step.sql):
                db.execute(statement)
            _record(db, [step.name])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return [m.name for m in todo]


def applied(db: sqlite3.Connection) -> list[str]:
    return [row[0] for row in db.execute("SELECT name FROM migrations ORDER BY name")]


def _record(db: sqlite3.Connection, names: list[str]) -> None:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    db.executemany(
        "INSERT OR IGNORE INTO migrations (name, applied_at) VALUES (?, ?)",
        [(name, now) for name in names],
    )


def _statements(sql: str) -> list[str]:
    # executescript would COMMIT the open transaction first; run the statements one by one.
    return [s.strip() for s in sql.split(";") if s.strip()]
