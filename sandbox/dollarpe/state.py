"""SQLite persistence: customers, bank accounts, webhook URLs, jobs, deliveries, request log.

The connection, its locking and the job queue are the shared `sandbox.common.store`; this
module adds DollarPe's tables (jobs are about a customer: their subject is `customer_id`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any

from sandbox.common.store import SqliteStore
from sandbox.common.store import dumps as _dumps
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


class Store(SqliteStore):
    SCHEMA = _SCHEMA
    TABLES = ("customers", "banks", "webhook_urls", "deliveries", "requests", "links")
    JOB_SUBJECT = "customer_id"

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
