"""SQLite state of the Qolo emulator: persons, tokens, idempotent answers, subscriptions,
deliveries, document bytes and the request log.

A person is one row: the fields the client sent (`details`, identifications unmasked), what
the emulator decided (status, level, per-check state) and the verification history, as one
JSON record beside a few indexed columns. The connection, its locking and the job queue are
the shared `sandbox.common.store`; jobs here are about a person (their subject).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sandbox.common.store import SqliteStore, dumps

_SCHEMA = """
CREATE TABLE IF NOT EXISTS persons (
    guid TEXT PRIMARY KEY, seq INTEGER NOT NULL, program_guid TEXT NOT NULL,
    client_reference_id TEXT, status TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS persons_by_seq ON persons (seq);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, login_id TEXT NOT NULL, issued REAL NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    scope TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    guid TEXT PRIMARY KEY, seq INTEGER NOT NULL, program_guid TEXT NOT NULL,
    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, notification_guid TEXT NOT NULL,
    event_type TEXT NOT NULL, event_guid TEXT NOT NULL, person_guid TEXT, copy INTEGER NOT NULL,
    status TEXT NOT NULL, created REAL NOT NULL, body TEXT NOT NULL, attempts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    ref TEXT NOT NULL, side TEXT NOT NULL, mime TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (ref, side));
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, method TEXT NOT NULL,
    path TEXT NOT NULL, query TEXT, status INTEGER, login_id TEXT, person_guid TEXT,
    idempotency_key TEXT, replayed INTEGER NOT NULL, fault TEXT, body TEXT, response TEXT);
"""

_DELIVERY_FILTERS = ("status", "event_type", "person_guid", "notification_guid", "event_guid")
_REQUEST_FILTERS = ("method", "login_id", "person_guid")


@dataclass
class Person:
    guid: str
    program_guid: str
    mode: str
    # What the client sent (PersonDTO fields), identifications unmasked.
    details: dict[str, Any]
    status: str
    level: str | None = None
    # Per check: screening (clear or a restricted status), identity (passed, failed,
    # challenge, missing), document (passed, failed), client (True once attested).
    checks: dict[str, Any] = field(default_factory=dict)
    # PersonVerificationResultDetail entries, oldest first, with the emulator's `_seq`.
    history: list[dict[str, Any]] = field(default_factory=list)
    # The open challenge: {"seq": entry, "answers": {key: correct option}}.
    challenge: dict[str, Any] | None = None
    # A status the control API forced; the next KYC action recomputes it.
    override: str | None = None
    notes: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    def entry(self, seq: int) -> dict[str, Any] | None:
        return next((e for e in self.history if e["_seq"] == seq), None)

    @property
    def pending(self) -> bool:
        return any(e.get("_pending") for e in self.history)


class Store(SqliteStore):
    SCHEMA = _SCHEMA
    TABLES = (
        "persons",
        "tokens",
        "idempotency",
        "subscriptions",
        "deliveries",
        "documents",
        "requests",
    )
    JOB_SUBJECT = "person_guid"

    # --- persons ---------------------------------------------------------------------------

    def save_person(self, person: Person) -> None:
        person.updated = time.time()
        values = (
            person.program_guid,
            person.details.get("client_reference_id"),
            person.status,
            json.dumps(asdict(person)),
        )
        with self.transaction():
            changed = self._db.execute(
                "UPDATE persons SET program_guid=?, client_reference_id=?, status=?, record=?"
                " WHERE guid=?",
                (*values, person.guid),
            ).rowcount
            if not changed:
                self._db.execute(
                    "INSERT INTO persons (program_guid, client_reference_id, status, record, guid,"
                    " seq) VALUES (?,?,?,?,?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM persons))",
                    (*values, person.guid),
                )

    def person(self, guid: str) -> Person | None:
        rows = self._rows("SELECT record FROM persons WHERE guid=?", (guid.lower(),))
        return Person(**json.loads(rows[0]["record"])) if rows else None

    def persons(self) -> list[Person]:
        rows = self._rows("SELECT record FROM persons ORDER BY seq")
        return [Person(**json.loads(row["record"])) for row in rows]

    # --- access tokens ---------------------------------------------------------------------

    def add_token(self, token: str, login_id: str, expires: float) -> None:
        self._run(
            "INSERT INTO tokens (token, login_id, issued, expires) VALUES (?,?,?,?)",
            (token, login_id, time.time(), expires),
        )

    def token(self, token: str) -> sqlite3.Row | None:
        rows = self._rows("SELECT * FROM tokens WHERE token=?", (token,))
        return rows[0] if rows else None

    def expire_tokens(self) -> int:
        now = time.time()
        return self._run("UPDATE tokens SET expires=? WHERE expires>?", (now, now)).rowcount

    # --- idempotent answers ----------------------------------------------------------------

    def idempotent_answer(self, scope: str, since: float) -> tuple[int, Any] | None:
        rows = self._rows(
            "SELECT status, body FROM idempotency WHERE scope=? AND created>=?", (scope, since)
        )
        if not rows:
            return None
        body = rows[0]["body"]
        return int(rows[0]["status"]), None if body is None else json.loads(body)

    def keep_answer(self, scope: str, status: int, body: Any) -> None:
        self._run(
            "INSERT OR REPLACE INTO idempotency (scope, status, body, created) VALUES (?,?,?,?)",
            (scope, status, None if body is None else json.dumps(body), time.time()),
        )

    # --- webhook subscriptions -------------------------------------------------------------

    def save_subscription(self, record: dict[str, Any]) -> None:
        values = (record["program_guid"], json.dumps(record), record["notification_guid"])
        with self.transaction():
            changed = self._db.execute(
                "UPDATE subscriptions SET program_guid=?, record=? WHERE guid=?", values
            ).rowcount
            if not changed:
                self._db.execute(
                    "INSERT INTO subscriptions (program_guid, record, guid, seq) VALUES (?,?,?,"
                    " (SELECT COALESCE(MAX(seq), 0) + 1 FROM subscriptions))",
                    values,
                )

    def subscription(self, guid: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT record FROM subscriptions WHERE guid=?", (guid.lower(),))
        return dict(json.loads(rows[0]["record"])) if rows else None

    def subscriptions(self, program_guid: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT record FROM subscriptions", tuple[str, ...]()
        if program_guid is not None:
            sql, params = sql + " WHERE program_guid=?", (program_guid,)
        rows = self._rows(sql + " ORDER BY seq", params)
        return [dict(json.loads(row["record"])) for row in rows]

    # --- deliveries ------------------------------------------------------------------------

    def add_delivery(
        self,
        notification_guid: str,
        event_type: str,
        event_guid: str,
        person_guid: str | None,
        *,
        copy: int,
        status: str,
        body: str,
    ) -> int:
        cursor = self._run(
            "INSERT INTO deliveries (notification_guid, event_type, event_guid, person_guid, copy,"
            " status, created, body, attempts) VALUES (?,?,?,?,?,?,?,?,'[]')",
            (
                notification_guid,
                event_type,
                event_guid,
                person_guid,
                copy,
                status,
                time.time(),
                body,
            ),
        )
        return int(cursor.lastrowid or 0)

    def delivery(self, delivery_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM deliveries WHERE id=?", (delivery_id,))
        return _delivery(rows[0]) if rows else None

    def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        """Deliveries in creation order, filtered on columns (status, event_type, ...)."""
        wanted = {key: value for key, value in filters.items() if key in _DELIVERY_FILTERS}
        where = " AND ".join(f"{key}=?" for key in wanted) or "1=1"
        rows = self._rows(
            f"SELECT * FROM deliveries WHERE {where} ORDER BY id",  # noqa: S608 - fixed names
            tuple(wanted.values()),
        )
        return [_delivery(row) for row in rows]

    def update_delivery(
        self, delivery_id: int, status: str, attempt: dict[str, Any] | None = None
    ) -> None:
        with self.transaction():
            if attempt is not None:
                found = self.delivery(delivery_id)
                attempts = [*(found["attempts"] if found else []), attempt]
                self._db.execute(
                    "UPDATE deliveries SET attempts=? WHERE id=?", (dumps(attempts), delivery_id)
                )
            self._db.execute("UPDATE deliveries SET status=? WHERE id=?", (status, delivery_id))

    # --- document bytes --------------------------------------------------------------------

    def put_document(self, ref: str, side: str, mime: str, data: bytes) -> None:
        self._run(
            "INSERT OR REPLACE INTO documents (ref, side, mime, data) VALUES (?,?,?,?)",
            (ref, side, mime, data),
        )

    def document(self, ref: str, side: str) -> tuple[str, bytes] | None:
        rows = self._rows("SELECT mime, data FROM documents WHERE ref=? AND side=?", (ref, side))
        return (str(rows[0]["mime"]), bytes(rows[0]["data"])) if rows else None

    # --- the API request log ---------------------------------------------------------------

    def log_request(self, entry: dict[str, Any]) -> None:
        self._run(
            "INSERT INTO requests (at, method, path, query, status, login_id, person_guid,"
            " idempotency_key, replayed, fault, body, response) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                entry["at"],
                entry["method"],
                entry["path"],
                entry["query"],
                entry["status"],
                entry["login_id"],
                entry["person_guid"],
                entry["idempotency_key"],
                int(entry["replayed"]),
                entry["fault"],
                json.dumps(entry["body"]),
                json.dumps(entry["response"]),
            ),
        )

    def request_log(self, path: str | None = None, **filters: str) -> list[dict[str, Any]]:
        """The log in call order; `path` matches exactly or as a prefix, the rest exactly."""
        wanted = {key: value for key, value in filters.items() if key in _REQUEST_FILTERS}
        if "method" in wanted:
            wanted["method"] = wanted["method"].upper()
        clauses = [f"{key}=?" for key in wanted]
        params: list[Any] = list(wanted.values())
        if path:
            clauses.append("(path=? OR substr(path, 1, ?)=?)")
            params += [path, len(path), path]
        where = " AND ".join(clauses) or "1=1"
        rows = self._rows(
            f"SELECT * FROM requests WHERE {where} ORDER BY id",  # noqa: S608 - fixed names
            tuple(params),
        )
        return [_request(row) for row in rows]


def _delivery(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["attempts"] = json.loads(data["attempts"])
    return data


def _request(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data.pop("id")
    data["replayed"] = bool(data["replayed"])
    data["body"] = json.loads(data["body"]) if data["body"] is not None else None
    data["response"] = json.loads(data["response"]) if data["response"] is not None else None
    return data
