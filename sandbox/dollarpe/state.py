"""SQLite persistence: customers, bank accounts, webhook URLs, jobs, deliveries, request log.

One connection guarded by a re-entrant lock: the server is threaded and the job thread
writes too, and serialising everything keeps read-modify-write sequences (check a
precondition, then update) atomic without any per-row locking. WAL lets external readers
(e.g. `sqlite3` in a shell) look at the file while the emulator runs.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sandbox.dollarpe.models import BankAccount, Customer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    id TEXT PRIMARY KEY, org TEXT NOT NULL, seq INTEGER NOT NULL,
    email TEXT, phone TEXT, client_reference_id TEXT,
    tax_number TEXT, document_number TEXT, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS banks (
    id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, seq INTEGER NOT NULL,
    account_number TEXT, vpa TEXT, status TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_urls (org TEXT PRIMARY KEY, url TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, due REAL NOT NULL,
    status TEXT NOT NULL, customer_id TEXT, payload TEXT NOT NULL,
    created REAL NOT NULL, finished REAL, error TEXT);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, due, id);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL, url TEXT,
    payload TEXT NOT NULL, status TEXT NOT NULL, source TEXT NOT NULL,
    copy INTEGER NOT NULL, created REAL NOT NULL, attempts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, method TEXT NOT NULL,
    path TEXT NOT NULL, query TEXT, status INTEGER, signature_style TEXT, org TEXT,
    customer_id TEXT, fault TEXT, body TEXT, response TEXT);
CREATE TABLE IF NOT EXISTS links (
    token TEXT PRIMARY KEY, customer_id TEXT NOT NULL, org TEXT NOT NULL,
    redirect_url TEXT NOT NULL, created REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
"""

_TABLES = ("customers", "banks", "webhook_urls", "jobs", "deliveries", "requests", "links")


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class Store:
    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        # Autocommit mode; `transaction()` issues BEGIN/COMMIT itself.
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._recover_jobs()

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
            for table in _TABLES:
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    def _recover_jobs(self) -> None:
        # A job that was running when the process died is run again.
        self._run("UPDATE jobs SET status='pending' WHERE status='running'")

    # --- customers -------------------------------------------------------------------------

    def save_customer(self, customer: Customer) -> None:
        kyc = customer.kyc or {}
        details = kyc.get("document_details") or {}
        row = (
            customer.org,
            customer.email.lower(),  # uniqueness of e-mail addresses ignores case
            customer.phone,
            customer.client_reference_id,
            kyc.get("tax_number"),
            details.get("document_number"),
            _dumps(customer.to_record()),
            customer.id,
        )
        with self.transaction():
            updated = self._db.execute(
                "UPDATE customers SET org=?, email=?, phone=?, client_reference_id=?,"
                " tax_number=?, document_number=?, record=? WHERE id=?",
                row,
            ).rowcount
            if not updated:
                self._db.execute(
                    "INSERT INTO customers (org, email, phone, client_reference_id, tax_number,"
                    " document_number, record, id, seq)"
                    " VALUES (?,?,?,?,?,?,?,?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM customers))",
                    row,
                )

    def customer(self, customer_id: str) -> Customer | None:
        rows = self._rows("SELECT record FROM customers WHERE id=?", (customer_id,))
        return Customer.from_record(json.loads(rows[0]["record"])) if rows else None

    def customers(self, org: str, offset: int, limit: int) -> tuple[int, list[Customer]]:
        total = self._rows("SELECT COUNT(*) AS n FROM customers WHERE org=?", (org,))[0]["n"]
        rows = self._rows(
            "SELECT record FROM customers WHERE org=? ORDER BY seq LIMIT ? OFFSET ?",
            (org, limit, offset),
        )
        return total, [Customer.from_record(json.loads(r["record"])) for r in rows]

    def customer_clash(self, org: str, column: str, value: str, exclude_id: str = "") -> bool:
        """Another customer of `org` already has `column` = `value` (email, phone, ref id)."""
        assert column in ("email", "phone", "client_reference_id")
        rows = self._rows(
            f"SELECT 1 FROM customers WHERE org=? AND {column}=? AND id<>? LIMIT 1",  # noqa: S608
            (org, value, exclude_id),
        )
        return bool(rows)

    def kyc_in_use(self, column: str, value: str, exclude_id: str, org: str | None) -> bool:
        """Another customer's stored KYC has this tax or document number."""
        assert column in ("tax_number", "document_number")
        sql = f"SELECT 1 FROM customers WHERE {column}=? AND id<>?"  # noqa: S608
        params: tuple[Any, ...] = (value, exclude_id)
        if org is not None:
            sql += " AND org=?"
            params += (org,)
        return bool(self._rows(sql + " LIMIT 1", params))

    # --- bank accounts ---------------------------------------------------------------------

    def save_bank(self, bank: BankAccount) -> None:
        row = (
            bank.customer_id,
            bank.account_number,
            bank.vpa,
            bank.status,
            _dumps(bank.to_record()),
            bank.id,
        )
        with self.transaction():
            updated = self._db.execute(
                "UPDATE banks SET customer_id=?, account_number=?, vpa=?, status=?, record=?"
                " WHERE id=?",
                row,
            ).rowcount
            if not updated:
                self._db.execute(
                    "INSERT INTO banks (customer_id, account_number, vpa, status, record, id, seq)"
                    " VALUES (?,?,?,?,?,?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM banks))",
                    row,
                )

    def bank(self, bank_id: str) -> BankAccount | None:
        rows = self._rows("SELECT record FROM banks WHERE id=?", (bank_id,))
        return BankAccount.from_record(json.loads(rows[0]["record"])) if rows else None

    def banks(self, customer_id: str, offset: int = 0, limit: int = -1) -> list[BankAccount]:
        rows = self._rows(
            "SELECT record FROM banks WHERE customer_id=? ORDER BY seq LIMIT ? OFFSET ?",
            (customer_id, limit, offset),
        )
        return [BankAccount.from_record(json.loads(r["record"])) for r in rows]

    def bank_clash(self, column: str, value: str, include_failed: bool) -> bool:
        assert column in ("account_number", "vpa")
        sql = f"SELECT 1 FROM banks WHERE {column}=?"  # noqa: S608
        if not include_failed:
            sql += " AND status<>'FAILED'"
        return bool(self._rows(sql + " LIMIT 1", (value,)))

    # --- webhook URLs ----------------------------------------------------------------------

    def set_webhook_url(self, org: str, url: str) -> None:
        self._run("INSERT OR REPLACE INTO webhook_urls (org, url) VALUES (?, ?)", (org, url))

    def webhook_url(self, org: str) -> str | None:
        rows = self._rows("SELECT url FROM webhook_urls WHERE org=?", (org,))
        return str(rows[0]["url"]) if rows else None

    # --- jobs ------------------------------------------------------------------------------

    def add_job(
        self, kind: str, due: float, payload: dict[str, Any], customer_id: str | None = None
    ) -> int:
        cursor = self._run(
            "INSERT INTO jobs (kind, due, status, customer_id, payload, created)"
            " VALUES (?, ?, 'pending', ?, ?, ?)",
            (kind, due, customer_id, _dumps(payload), time.time()),
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

    def claim_jobs(self, kind: str, customer_id: str) -> list[dict[str, Any]]:
        """Claim every pending job of `kind` for a customer (the `/_sandbox/decide` shortcut)."""
        with self.transaction():
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE status='pending' AND kind=? AND customer_id=?"
                " ORDER BY id",
                (kind, customer_id),
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

    def cancel_jobs(self, kind: str, customer_id: str) -> int:
        cursor = self._run(
            "UPDATE jobs SET status='cancelled', finished=? WHERE status='pending'"
            " AND kind=? AND customer_id=?",
            (time.time(), kind, customer_id),
        )
        return cursor.rowcount

    def jobs_for(self, customer_id: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM jobs WHERE customer_id=? ORDER BY id", (customer_id,))
        return [_job_json(row) for row in rows]

    # --- webhook deliveries ----------------------------------------------------------------

    def add_delivery(
        self,
        org: str,
        url: str | None,
        payload: dict[str, Any],
        status: str,
        source: str,
        copy: int,
    ) -> int:
        cursor = self._run(
            "INSERT INTO deliveries (org, url, payload, status, source, copy, created, attempts)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '[]')",
            (org, url, _dumps(payload), status, source, copy, time.time()),
        )
        return int(cursor.lastrowid or 0)

    def delivery(self, delivery_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM deliveries WHERE id=?", (delivery_id,))
        return _delivery_json(rows[0]) if rows else None

    def deliveries(self, status: str | None = None) -> list[dict[str, Any]]:
        if status is None:
            rows = self._rows("SELECT * FROM deliveries ORDER BY id")
        else:
            rows = self._rows("SELECT * FROM deliveries WHERE status=? ORDER BY id", (status,))
        return [_delivery_json(row) for row in rows]

    def update_delivery(
        self, delivery_id: int, status: str, attempts: list[dict[str, Any]], url: str | None
    ) -> None:
        self._run(
            "UPDATE deliveries SET status=?, attempts=?, url=? WHERE id=?",
            (status, _dumps(attempts), url, delivery_id),
        )

    # --- request log -----------------------------------------------------------------------

    def log_request(self, entry: dict[str, Any]) -> None:
        self._run(
            "INSERT INTO requests (at, method, path, query, status, signature_style, org,"
            " customer_id, fault, body, response) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                entry["at"],
                entry["method"],
                entry["path"],
                entry.get("query"),
                entry.get("status"),
                entry.get("signature_style"),
                entry.get("org"),
                entry.get("customer_id"),
                entry.get("fault"),
                _dumps(entry.get("body")),
                _dumps(entry.get("response")),
            ),
        )

    def requests_log(self, path: str | None, customer_id: str | None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM requests WHERE 1=1", []
        if path:
            sql += " AND (path=? OR path LIKE ?)"
            params += [path, path.rstrip("/") + "/%"]
        if customer_id:
            sql += " AND customer_id=?"
            params.append(customer_id)
        return [_request_json(row) for row in self._rows(sql + " ORDER BY id", tuple(params))]

    # --- hosted KYC links ------------------------------------------------------------------

    def add_link(self, token: str, customer_id: str, org: str, redirect_url: str) -> None:
        self._run(
            "INSERT INTO links (token, customer_id, org, redirect_url, created) VALUES (?,?,?,?,?)",
            (token, customer_id, org, redirect_url, time.time()),
        )

    def link(self, token: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM links WHERE token=?", (token,))
        return dict(rows[0]) if rows else None

    def use_link(self, token: str) -> None:
        self._run("UPDATE links SET used=1 WHERE token=?", (token,))


def _job_json(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["payload"] = json.loads(data["payload"])
    return data


def _delivery_json(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["payload"] = json.loads(data["payload"])
    data["attempts"] = json.loads(data["attempts"])
    return data


def _request_json(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["body"] = json.loads(data["body"]) if data["body"] else None
    data["response"] = json.loads(data["response"]) if data["response"] else None
    return data
