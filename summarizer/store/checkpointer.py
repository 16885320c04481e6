"""WAL checkpoints from a thread of their own while a batch writes the ledger.

SQLite checkpoints by itself inside the COMMIT that takes the WAL past ``wal_autocheckpoint``
pages, on the connection that commits: during a batch, the event loop's. The checkpoint copies
those pages into the database file and, with ``synchronous=NORMAL``, syncs both files: 20-30 ms
with the event loop stopped, while answers pile up behind it and go out again together.

So the ledger's connection checkpoints only past 10,000 pages (``ledger.AUTOCHECKPOINT_PAGES``,
~40 MB of WAL, once per ~1,300 articles), and while a batch runs a thread with its own connection
checkpoints a few times a second (``sqlite3`` releases the GIL while SQLite works, and a PASSIVE
checkpoint never blocks a writer). The thread has copied almost every page by the time the
ledger's connection checkpoints, so that checkpoint is short, and it is the one that lets the WAL
start over (a PASSIVE checkpoint from another connection cannot, with rows still being written).
Nothing waits for a checkpoint when a batch ends: what the thread had not copied yet is copied by
the next batch's thread, past the threshold, or when the ledger closes. Start the thread only once
the batch has forked its workers: ``pool.fork_possible`` wants no threads.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("summarizer.store.ledger")

_PERIOD_S = 0.25


class Checkpointer:
    def __init__(self, path: str, period_s: float = _PERIOD_S):
        self._path = path
        self._period_s = period_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
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
