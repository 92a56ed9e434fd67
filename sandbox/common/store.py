"""SQLite persistence every emulator builds on: one guarded connection and a job queue.

One connection guarded by a re-entrant lock: the server is threaded and the job thread
writes too, and serialising everything keeps read-modify-write sequences (check a
precondition, then update) atomic without any per-row locking. WAL lets external readers
(e.g. `sqlite3` in a shell) look at the file while the emulator runs.

Jobs (decisions, webhook attempts, expiry checks) are rows with an absolute due time, so a
restarted emulator carries on where it stopped; a job that was running when the process
died is run again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

_JOBS_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, due REAL NOT NULL,
    status TEXT NOT NULL, {subject} TEXT, payload TEXT NOT NULL,
    created REAL NOT NULL, finished REAL, error TEXT);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, due, id);
"""


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class SqliteStore:
    """Subclasses give their tables (`SCHEMA`, `TABLES`) and the jobs' subject column name."""

    SCHEMA: ClassVar[str] = ""
    TABLES: ClassVar[tuple[str, ...]] = ()
    # What a job is about (a customer id, a document id...), for claiming or cancelling.
    JOB_SUBJECT: ClassVar[str] = "subject"

    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        # Autocommit mode; `transaction()` issues BEGIN/COMMIT itself.
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(self.SCHEMA + _JOBS_SCHEMA.format(subject=self.JOB_SUBJECT))
        self._run("UPDATE jobs SET status='pending' WHERE status='running'")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Serialise and atomically commit a group of operations (re-entrant)."""
        with self._lock:
            outermost = self._depth == 0
            if outermost:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outermost:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outermost:
                self._db.execute("COMMIT")

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self.transaction():
            return self._db.execute(sql, params)

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def wipe(self) -> None:
        with self.transaction():
            for table in (*self.TABLES, "jobs"):
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    # --- jobs ------------------------------------------------------------------------------

    def add_job(
        self, kind: str, due: float, payload: dict[str, Any], subject: str | None = None
    ) -> int:
        cursor = self._run(
            f"INSERT INTO jobs (kind, due, status, {self.JOB_SUBJECT}, payload, created)"  # noqa: S608
            " VALUES (?, ?, 'pending', ?, ?, ?)",
            (kind, due, subject, dumps(payload), time.time()),
        )
        return int(cursor.lastrowid or 0)

    def claim_due_job(self, now: float) -> sqlite3.Row | None:
        """Mark the oldest due job running and return it; due order, then creation order."""
        with self.transaction():
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE status='pending' AND due<=? ORDER BY due, id LIMIT 1",
                (now,),
            ).fetchall()
            if not rows:
                return None
            self._db.execute("UPDATE jobs SET status='running' WHERE id=?", (rows[0]["id"],))
            return rows[0]

    def claim_jobs(self, kind: str, subject: str) -> list[dict[str, Any]]:
        """Claim every pending job of `kind` about `subject` (to run it now, out of turn)."""
        with self.transaction():
            rows = self._db.execute(
                f"SELECT * FROM jobs WHERE status='pending' AND kind=? AND {self.JOB_SUBJECT}=?"  # noqa: S608
                " ORDER BY id",
                (kind, subject),
            ).fetchall()
            for row in rows:
                self._db.execute("UPDATE jobs SET status='running' WHERE id=?", (row["id"],))
            return [_job_json(row) for row in rows]

    def next_due(self) -> float | None:
        rows = self._rows("SELECT MIN(due) AS due FROM jobs WHERE status='pending'")
        return rows[0]["due"] if rows and rows[0]["due"] is not None else None

    def finish_job(self, job_id: int, status: str, error: str | None = None) -> None:
        self._run(
            "UPDATE jobs SET status=?, finished=?, error=? WHERE id=?",
            (status, time.time(), error, job_id),
        )

    def cancel_jobs(self, kind: str, subject: str) -> int:
        cursor = self._run(
            "UPDATE jobs SET status='cancelled', finished=? WHERE status='pending'"  # noqa: S608
            f" AND kind=? AND {self.JOB_SUBJECT}=?",
            (time.time(), kind, subject),
        )
        return cursor.rowcount

    def jobs_for(self, subject: str) -> list[dict[str, Any]]:
        rows = self._rows(
            f"SELECT * FROM jobs WHERE {self.JOB_SUBJECT}=? ORDER BY id",  # noqa: S608
            (subject,),
        )
        return [_job_json(row) for row in rows]


def _job_json(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["payload"] = json.loads(data["payload"])
    return data
