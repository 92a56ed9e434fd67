"""SQLite state of the Rebilly emulator: resources, file contents, events, deliveries, logs.

Every API resource (customer, KYC request, KYC document, file, credential, webhook) is one
row of `resources`: its public JSON (`body`) plus what only the emulator knows (`meta`: the
gatherer token, a pending decision...). The connection, its locking and the job queue are
the shared `sandbox.common.store`; jobs here are about a resource id (their `subject`).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.common.store import SqliteStore, dumps

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    kind TEXT NOT NULL, id TEXT NOT NULL, org TEXT NOT NULL, seq INTEGER NOT NULL,
    body TEXT NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE INDEX IF NOT EXISTS resources_by_org ON resources (kind, org, seq);
CREATE TABLE IF NOT EXISTS blobs (file_id TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, request_id TEXT NOT NULL, org TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, org TEXT NOT NULL,
    event_type TEXT NOT NULL, entity_id TEXT NOT NULL, webhooks TEXT NOT NULL,
    payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL, webhook_id TEXT NOT NULL,
    event_id INTEGER NOT NULL, event_type TEXT NOT NULL, entity_id TEXT NOT NULL,
    copy INTEGER NOT NULL, status TEXT NOT NULL, created REAL NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tracking (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, org TEXT NOT NULL,
    delivery_id INTEGER NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, entry TEXT NOT NULL);
"""


@dataclass
class Resource:
    kind: str
    id: str
    org: str
    body: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)


class Store(SqliteStore):
    SCHEMA = _SCHEMA
    TABLES = ("resources", "blobs", "tokens", "events", "deliveries", "tracking", "api_log")

    # --- resources -------------------------------------------------------------------------

    def save(self, resource: Resource) -> None:
        # Insertion order kept (not sorted): answers read in the order fields are built.
        values = (resource.org, json.dumps(resource.body), json.dumps(resource.meta))
        with self.transaction():
            changed = self._db.execute(
                "UPDATE resources SET org=?, body=?, meta=? WHERE kind=? AND id=?",
                (*values, resource.kind, resource.id),
            ).rowcount
            if not changed:
                self._db.execute(
                    "INSERT INTO resources (org, body, meta, kind, id, seq) VALUES (?,?,?,?,?,"
                    " (SELECT COALESCE(MAX(seq), 0) + 1 FROM resources))",
                    (*values, resource.kind, resource.id),
                )

    def load(self, kind: str, resource_id: str) -> Resource | None:
        rows = self._rows("SELECT * FROM resources WHERE kind=? AND id=?", (kind, resource_id))
        return _resource(rows[0]) if rows else None

    def all(self, kind: str, org: str) -> list[Resource]:
        rows = self._rows(
            "SELECT * FROM resources WHERE kind=? AND org=? ORDER BY seq", (kind, org)
        )
        return [_resource(row) for row in rows]

    def remove(self, kind: str, resource_id: str) -> None:
        self._run("DELETE FROM resources WHERE kind=? AND id=?", (kind, resource_id))

    # --- file contents and gatherer tokens -------------------------------------------------

    def put_blob(self, file_id: str, data: bytes) -> None:
        self._run("INSERT OR REPLACE INTO blobs (file_id, data) VALUES (?, ?)", (file_id, data))

    def blob(self, file_id: str) -> bytes | None:
        rows = self._rows("SELECT data FROM blobs WHERE file_id=?", (file_id,))
        return bytes(rows[0]["data"]) if rows else None

    def add_token(self, token: str, request_id: str, org: str) -> None:
        self._run(
            "INSERT INTO tokens (token, request_id, org) VALUES (?,?,?)", (token, request_id, org)
        )

    def token_request(self, token: str) -> str | None:
        rows = self._rows("SELECT request_id FROM tokens WHERE token=?", (token,))
        return str(rows[0]["request_id"]) if rows else None

    # --- events and deliveries ------------------------------------------------------------

    def add_event(
        self, org: str, event_type: str, entity_id: str, payload: Any, webhooks: list[str]
    ) -> int:
        cursor = self._run(
            "INSERT INTO events (at, org, event_type, entity_id, webhooks, payload)"
            " VALUES (?,?,?,?,?,?)",
            (time.time(), org, event_type, entity_id, dumps(webhooks), dumps(payload)),
        )
        return int(cursor.lastrowid or 0)

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM events", tuple[str, ...]()
        if event_type:
            sql, params = sql + " WHERE event_type=?", (event_type,)
        return [
            _decoded(row, "webhooks", "payload") for row in self._rows(sql + " ORDER BY id", params)
        ]

    def add_delivery(self, org: str, webhook_id: str, event_id: int, copy: int, status: str) -> int:
        cursor = self._run(
            "INSERT INTO deliveries (org, webhook_id, event_id, event_type, entity_id, copy,"
            " status, created, payload) SELECT org, ?, id, event_type, entity_id, ?, ?, ?,"
            " payload FROM events WHERE id=?",
            (webhook_id, copy, status, time.time(), event_id),
        )
        return int(cursor.lastrowid or 0)

    def delivery(self, delivery_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM deliveries WHERE id=?", (delivery_id,))
        return _decoded(rows[0], "payload") if rows else None

    def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        """Deliveries in creation order, filtered on columns (status, event_type, ...)."""
        columns = {"status", "event_type", "entity_id", "webhook_id", "org"}
        wanted = {key: value for key, value in filters.items() if key in columns}
        where = " AND ".join(f"{key}=?" for key in wanted) or "1=1"
        rows = self._rows(
            f"SELECT * FROM deliveries WHERE {where} ORDER BY id",  # noqa: S608 - fixed names
            tuple(wanted.values()),
        )
        return [_decoded(row, "payload") for row in rows]

    def set_delivery_status(self, delivery_id: int, status: str) -> None:
        self._run("UPDATE deliveries SET status=? WHERE id=?", (status, delivery_id))

    def add_tracking(self, org: str, delivery_id: int, record: dict[str, Any]) -> None:
        self._run(
            "INSERT INTO tracking (id, org, delivery_id, record, seq)"
            " VALUES (?,?,?,?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM tracking))",
            (record["id"], org, delivery_id, dumps(record)),
        )

    def tracking(self, org: str) -> list[dict[str, Any]]:
        rows = self._rows("SELECT record FROM tracking WHERE org=? ORDER BY seq", (org,))
        return [json.loads(row["record"]) for row in rows]

    def tracking_of(self, delivery_id: int) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT record FROM tracking WHERE delivery_id=? ORDER BY seq", (delivery_id,)
        )
        return [json.loads(row["record"]) for row in rows]

    def tracking_entry(self, log_id: str) -> tuple[int, dict[str, Any]] | None:
        rows = self._rows("SELECT delivery_id, record FROM tracking WHERE id=?", (log_id,))
        return (int(rows[0]["delivery_id"]), json.loads(rows[0]["record"])) if rows else None

    # --- API request log ------------------------------------------------------------------

    def log_request(self, entry: dict[str, Any]) -> None:
        self._run("INSERT INTO api_log (entry) VALUES (?)", (dumps(entry),))

    def request_log(self) -> list[dict[str, Any]]:
        return [
            json.loads(row["entry"]) for row in self._rows("SELECT entry FROM api_log ORDER BY id")
        ]


def _resource(row: sqlite3.Row) -> Resource:
    return Resource(
        row["kind"], row["id"], row["org"], json.loads(row["body"]), json.loads(row["meta"])
    )


def _decoded(row: sqlite3.Row, *json_columns: str) -> dict[str, Any]:
    data = dict(row)
    for column in json_columns:
        data[column] = json.loads(data[column])
    return data
