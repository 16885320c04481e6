"""WAL checkpoints from a thread of their own while a batch writes the ledger.

SQLite checkpoints by itself inside the COMMIT that takes the WAL past 1,000 pages, on the
connection that commits: during a batch, the event loop's. The checkpoint copies those pages into
the database file and, with ``synchronous=NORMAL``, syncs both files: 20-30 ms with the event
loop stopped, several times per 1,000 articles (``bench/throughput.py``), while answers pile up
behind it and go out again together.

So while a batch runs, a thread with its own connection checkpoints a few times a second
(``sqlite3`` releases the GIL while SQLite works, and a PASSIVE checkpoint never blocks a
writer), and the ledger's own connection checkpoints only past 10,000 pages (~40 MB of WAL, once
per ~1,300 articles): the thread has copied almost every page by then, so that checkpoint is
short, and it is the one that lets the WAL start over (a PASSIVE checkpoint from another
connection cannot, with rows still being written). ``stop()`` restores SQLite's default. Start
it only once the batch has forked its workers: ``pool.fork_possible`` wants no threads.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("summarizer.ledger")

_PERIOD_S = 0.25
_BATCH_AUTOCHECKPOINT_PAGES = 10_000
_DEFAULT_AUTOCHECKPOINT_PAGES = 1_000  # SQLite's


class Checkpointer:
    def __init__(self, connection: sqlite3.Connection, path: str, period_s: float = _PERIOD_S):
        self._connection = connection  # the ledger's (the event loop's thread)
        self._path = path
        self._period_s = period_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._connection.execute(f"PRAGMA wal_autocheckpoint={_BATCH_AUTOCHECKPOINT_PAGES}")
        self._thread = threading.Thread(
            target=self._run, name="summarizer-ledger-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        thread.join()
        self._connection.execute(f"PRAGMA wal_autocheckpoint={_DEFAULT_AUTOCHECKPOINT_PAGES}")

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self._path, isolation_level=None, timeout=30.0)
        except sqlite3.Error as exc:  # the ledger's connection checkpoints, later and longer
            log.warning("ledger checkpoints: cannot open %s (%s)", self._path, exc)
            return
        warned = False
        try:
            while not self._stopping.wait(self._period_s):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:
                    if not warned:
                        log.warning("ledger checkpoint failed (%s); retrying", exc)
                        warned = True
        finally:
            db.close()
