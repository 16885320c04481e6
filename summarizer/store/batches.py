"""Provider batch jobs in the ledger (tables ``batch_jobs`` and ``batch_lines``, migration
``0005_batches``): one row per job, one per request line it holds, keyed by ``custom_id`` (the
request's cache key).

The order of writes is what makes a job exactly-once across crashes: the job and its lines are
written first (``prepared``), then the uploaded file's id (``uploaded``), then the provider's
batch id the moment ``batches.create`` returns. A job found ``uploaded`` on resume may have been
created by a process that died before writing the id: the provider is asked for a batch on that
input file before anything is created again (``runtime/batch_jobs.py``).

Every write here is its own committed transaction (the connection is in autocommit mode), except
``collect``, which stores a job's answers, its lines' states and its totals in one.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# The provider's statuses after which a job changes no more.
TERMINAL = ("completed", "failed", "expired", "cancelled")
# Ours before the provider has the job: lines written, nothing sent / its input file uploaded.
LOCAL = ("prepared", "uploaded")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class BatchJob:
    id: int
    run_id: str
    endpoint: str | None
    model: str | None
    file_id: str | None
    batch_id: str | None
    status: str
    lines: int
    bytes: int
    completed: int
    failed: int
    output_file_id: str | None
    error_file_id: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    online_cost_usd: float | None
    collected: bool
    created_at: str
    updated_at: str

    @property
    def finished(self) -> bool:
        """The provider will change nothing more (its answers may still be to collect)."""
        return self.status in TERMINAL


@dataclass(frozen=True)
class Line:
    """One request line of a job: its custom_id (the request's cache key) and where it belongs."""

    custom_id: str
    seq: int  # the input's position in the run
    part: int = 0
    kind: str = "extract"


@dataclass(frozen=True)
class LineOutcome:
    """What became of one line: ``answered`` (its answer is in ``responses``), ``invalid`` (it
    failed validation even after the online re-asks: not to be asked again), ``cut_off`` (its
    answer stopped at max_tokens: its text is to be asked in halves, online), or ``failed`` (no
    answer: an error line, or the job expired, failed or was cancelled before it)."""

    custom_id: str
    state: str
    reason: str | None = None


_JOB_COLUMNS = (
    "id, run_id, endpoint, model, file_id, batch_id, status, lines, bytes, completed, failed,"
    " output_file_id, error_file_id, prompt_tokens, completion_tokens, cost_usd,"
    " online_cost_usd, collected, created_at, updated_at"
)


def _job(row: tuple) -> BatchJob:
    job = BatchJob(*row)
    job.collected = bool(job.collected)
    return job


class BatchBook:
    """The batch tables of one ledger connection (``Ledger.batches``)."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- writes, in the order a job lives ------------------------------------------------------

    def prepare(
        self, run_id: str, lines: list[Line], size: int, *, endpoint: str, model: str
    ) -> int:
        """Record a job and its lines before anything is sent; its local id."""
        now = _now()
        with self._transaction():
            job = self._db.execute(
                "INSERT INTO batch_jobs (run_id, endpoint, model, status, lines, bytes,"
                " created_at, updated_at) VALUES (?, ?, ?, 'prepared', ?, ?, ?, ?)",
                (run_id, endpoint, model, len(lines), size, now, now),
            ).lastrowid
            self._db.executemany(
                "INSERT INTO batch_lines (job, custom_id, seq, part, kind) VALUES (?, ?, ?, ?, ?)",
                [(job, line.custom_id, line.seq, line.part, line.kind) for line in lines],
            )
        assert job is not None
        return job

    def uploaded(self, job: int, file_id: str) -> None:
        self._db.execute(
            "UPDATE batch_jobs SET file_id = ?, status = 'uploaded', updated_at = ? WHERE id = ?",
            (file_id, _now(), job),
        )

    def submitted(self, job: int, batch_id: str, status: str) -> None:
        self._db.execute(
            "UPDATE batch_jobs SET batch_id = ?, status = ?, updated_at = ? WHERE id = ?",
            (batch_id, status, _now(), job),
        )

    def polled(
        self,
        job: int,
        status: str,
        *,
        completed: int,
        failed: int,
        output_file_id: str | None,
        error_file_id: str | None,
    ) -> None:
        self._db.execute(
            "UPDATE batch_jobs SET status = ?, completed = ?, failed = ?, output_file_id = ?,"
            " error_file_id = ?, updated_at = ? WHERE id = ?",
            (status, completed, failed, output_file_id, error_file_id, _now(), job),
        )

    def collect(
        self,
        job: int,
        outcomes: Iterable[LineOutcome],
        *,
        log: list[tuple[str, tuple]],
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float | None,
        online_cost_usd: float | None,
    ) -> None:
        """Store a finished job's answers (``log``: the ledger's response-logging statements),
        its lines' outcomes and its totals, all or nothing: a crash half-way collects it again."""
        with self._transaction():
            for sql, params in log:
                self._db.execute(sql, params)
            self._db.executemany(
                "UPDATE batch_lines SET state = ?, reason = ? WHERE job = ? AND custom_id = ?",
                [(o.state, o.reason, job, o.custom_id) for o in outcomes],
            )
            self._db.execute(
                "UPDATE batch_jobs SET collected = 1, prompt_tokens = ?, completion_tokens = ?,"
                " cost_usd = ?, online_cost_usd = ?, updated_at = ? WHERE id = ?",
                (prompt_tokens, completion_tokens, cost_usd, online_cost_usd, _now(), job),
            )

    # -- reads ---------------------------------------------------------------------------------

    def job(self, job: int) -> BatchJob:
        row = self._db.execute(
            f"SELECT {_JOB_COLUMNS} FROM batch_jobs WHERE id = ?", (job,)
        ).fetchone()
        if row is None:
            raise KeyError(job)
        return _job(row)

    def jobs(self, run_id: str | None = None, *, uncollected: bool = False) -> list[BatchJob]:
        sql = f"SELECT {_JOB_COLUMNS} FROM batch_jobs"
        where, params = [], []
        if run_id is not None:
            where.append("run_id = ?")
            params.append(run_id)
        if uncollected:
            where.append("collected = 0")
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_job(r) for r in self._db.execute(sql + " ORDER BY id", params)]

    def lines(self, job: int) -> list[Line]:
        return [
            Line(*row)
            for row in self._db.execute(
                "SELECT custom_id, seq, part, kind FROM batch_lines WHERE job = ? ORDER BY rowid",
                (job,),
            )
        ]

    def history(self, custom_id: str) -> list[tuple[int, str, str, bool]]:
        """(job, its run, line state, job collected) for every job that held this line, oldest
        first."""
        return list(
            self._db.execute(
                "SELECT l.job, j.run_id, l.state, j.collected FROM batch_lines l"
                " JOIN batch_jobs j ON j.id = l.job WHERE l.custom_id = ? ORDER BY l.job",
                (custom_id,),
            )
        )

    def settled(self, run_id: str) -> dict[str, tuple[str, bool]]:
        """custom_id -> (reason, cut off), for this run's lines that an answer settled without
        a usable one: invalid even after the online re-asks (a failure, as it would be online,
        not asked again), or cut off at max_tokens (its text to be asked in halves)."""
        return {
            key: (reason or state, state == "cut_off")
            for key, state, reason in self._db.execute(
                "SELECT l.custom_id, l.state, l.reason FROM batch_lines l JOIN batch_jobs j"
                " ON j.id = l.job WHERE j.run_id = ? AND l.state IN ('invalid', 'cut_off')",
                (run_id,),
            )
        }

    def submissions(self, run_id: str | None = None) -> tuple[int, int]:
        """(lines submitted, distinct custom_ids among them) over jobs the provider has."""
        sql = (
            "SELECT COUNT(*), COUNT(DISTINCT l.custom_id) FROM batch_lines l JOIN batch_jobs j"
            " ON j.id = l.job WHERE j.status NOT IN ('prepared', 'uploaded')"
        )
        params: tuple = ()
        if run_id is not None:
            sql += " AND j.run_id = ?"
            params = (run_id,)
        total, distinct = self._db.execute(sql, params).fetchone()
        return total, distinct
