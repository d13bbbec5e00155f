"""The durable message store: one SQLite database in WAL mode.

Durability: ``journal_mode=WAL`` with ``synchronous=FULL`` by default, so a committed batch has been
fsynced to the WAL before any push in it is acknowledged: an acknowledged push survives SIGKILL of
the receiver *and* an OS crash or power loss. ``synchronous=NORMAL`` (``--synchronous normal``) skips
the per-commit fsync: it still survives a process crash (the WAL pages are in the OS page cache when
``COMMIT`` returns) but not power loss. Group commit makes FULL cheap: one fsync per batch.

Rows: arrival time (UTC epoch seconds), a monotonic id (commit order), source address, method, path,
device key (the ``/push/<device>`` segment), the sender's own id (Dinstar ``sn``, Ejoin ``mac``),
redacted query and headers, raw body (redacted where it holds credentials), parsed form, family,
type, schema, verdict, errata, errors, the HTTP status answered and the reason of a rejection.
``type``, ``device``, ``port`` and ``tid`` are indexed; a message about several ports or tasks keeps
the first in ``port``/``tid`` and the others in ``message_keys``. A ``dev-status`` snapshot is not
indexed by port (its ``status[]`` lists every port; filter those with a predicate).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from itertools import compress
from pathlib import Path
from typing import Any, Literal

import orjson

from smsgw.verdicts import Verdict

Synchronous = Literal["full", "normal"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    received_at REAL NOT NULL,
    source TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    device TEXT NOT NULL,
    ident TEXT,
    headers TEXT NOT NULL,
    content_type TEXT,
    body BLOB NOT NULL,
    body_size INTEGER NOT NULL,
    parsed TEXT,
    family TEXT NOT NULL,
    type TEXT NOT NULL,
    schema TEXT,
    verdict TEXT NOT NULL,
    errata TEXT,
    errors TEXT,
    status INTEGER NOT NULL,
    problem TEXT,
    port TEXT,
    tid INTEGER
);
CREATE INDEX IF NOT EXISTS messages_type ON messages (type, id);
CREATE INDEX IF NOT EXISTS messages_device ON messages (device, id);
CREATE INDEX IF NOT EXISTS messages_port ON messages (port, id) WHERE port IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_tid ON messages (tid, id) WHERE tid IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_received_at ON messages (received_at);
CREATE TABLE IF NOT EXISTS message_keys (
    message_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS message_keys_lookup ON message_keys (key, value, message_id);
CREATE INDEX IF NOT EXISTS message_keys_message ON message_keys (message_id);
"""
_COLUMNS = (
    "id, received_at, source, method, path, query, device, ident, headers, content_type, body, body_size,"
    " parsed, family, type, schema, verdict, errata, errors, status, problem, port, tid"
)
_COLUMN_NAMES = tuple(c.strip() for c in _COLUMNS.split(","))
#: Row positions that may hold ``None``. Python's sqlite3 binds ``None`` and ``bytes`` through its
#: adaptation protocol (a registry lookup and a failed ``__adapt__`` lookup that formats and drops an
#: AttributeError): ~3,200 instructions per parameter, ~25,000 per stored push. So a row is inserted
#: with a statement naming only its non-NULL columns (the others are NULL by default), and the body
#: is bound as a ``bytearray`` (bound directly as the same BLOB; read back as ``bytes``).
_NOT_NULL = ("id", "received_at", "source", "method", "path", "query", "device", "headers", "body",
             "body_size", "family", "type", "verdict", "status")  # fmt: skip
_NULLABLE = tuple(i for i, c in enumerate(_COLUMN_NAMES) if c not in _NOT_NULL)
_INSERT_KEY = "INSERT INTO message_keys (message_id, key, value) VALUES (?, ?, ?)"
#: Group commits between WAL checkpoints (~500 7.8 KB pushes, ~4 MB of WAL at 32 connections). The
#: next batch waits for the checkpoint: 128 commits made that wait the p99 ack latency (25-50 ms vs
#: ~11 ms measured at 32 connections); fewer than this copies the index pages more often.
CHECKPOINT_EVERY = 32


@dataclass(slots=True)
class PendingMessage:
    """A push as the app hands it to the writer (no id yet)."""

    received_at: float
    source: str
    method: str
    path: str
    query: str
    device: str
    headers: list[tuple[str, str]]
    content_type: str | None
    body: bytes
    body_size: int
    family: str
    type: str
    schema: str | None
    verdict: Verdict
    status: int
    ident: str | None = None
    parsed: Any = None
    errata: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    problem: str | None = None
    ports: tuple[str, ...] = ()
    tids: tuple[int, ...] = ()

    def row(self, message_id: int) -> tuple[Any, ...]:
        """The values of the ``messages`` columns, in order (the body as a ``bytearray``: see
        :data:`_NULLABLE`)."""
        return (
            message_id,
            self.received_at,
            self.source,
            self.method,
            self.path,
            self.query,
            self.device,
            self.ident,
            orjson.dumps(self.headers).decode(),
            self.content_type,
            bytearray(self.body),
            self.body_size,
            None if self.parsed is None else orjson.dumps(self.parsed).decode(),
            self.family,
            self.type,
            self.schema,
            self.verdict.value,
            orjson.dumps(self.errata).decode() if self.errata else None,
            orjson.dumps(self.errors).decode() if self.errors else None,
            self.status,
            self.problem,
            self.ports[0] if self.ports else None,
            self.tids[0] if self.tids else None,
        )

    def key_rows(self, message_id: int) -> list[tuple[int, str, str]]:
        rows = [(message_id, "port", p) for p in self.ports[1:]]
        rows += [(message_id, "tid", str(t)) for t in self.tids[1:]]
        return rows


@dataclass(frozen=True)
class Message:
    """A stored push."""

    id: int
    received_at: float
    source: str
    method: str
    path: str
    query: str
    device: str
    ident: str | None
    headers: tuple[tuple[str, str], ...]
    content_type: str | None
    body: bytes
    body_size: int
    parsed: Any
    family: str
    type: str
    schema: str | None
    verdict: Verdict
    errata: tuple[str, ...]
    errors: tuple[str, ...]
    status: int
    problem: str | None
    ports: tuple[str, ...] = field(default=())
    tids: tuple[int, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        """The push was acknowledged with a 2xx."""
        return 200 <= self.status < 300

    @property
    def received_iso(self) -> str:
        return datetime.fromtimestamp(self.received_at, UTC).isoformat(timespec="milliseconds")

    @property
    def url(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def to_json(self, *, body: bool = True) -> dict[str, Any]:
        """A JSON-able dict (the ``/_api`` form); the body as text, or base64 when it is not UTF-8."""
        data: dict[str, Any] = {
            "id": self.id,
            "received_at": self.received_iso,
            "received_ts": self.received_at,
            "source": self.source,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "device": self.device,
            "ident": self.ident,
            "family": self.family,
            "type": self.type,
            "schema": self.schema,
            "verdict": self.verdict.value,
            "errata": list(self.errata),
            "errors": list(self.errors),
            "status": self.status,
            "problem": self.problem,
            "ports": list(self.ports),
            "tids": list(self.tids),
            "content_type": self.content_type,
            "headers": [list(h) for h in self.headers],
            "body_size": self.body_size,
            "parsed": self.parsed,
        }
        if body:
            try:
                data["body"] = self.body.decode("utf-8")
            except UnicodeDecodeError:
                import base64

                data["body_base64"] = base64.b64encode(self.body).decode("ascii")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        """Inverse of :meth:`to_json` (used by the HTTP client of an out-of-process receiver)."""
        if "body" in data:
            raw = data["body"].encode("utf-8")
        elif "body_base64" in data:
            import base64

            raw = base64.b64decode(data["body_base64"])
        else:
            raw = b""
        return cls(
            id=data["id"],
            received_at=data["received_ts"],
            source=data["source"],
            method=data["method"],
            path=data["path"],
            query=data["query"],
            device=data["device"],
            ident=data["ident"],
            headers=tuple((k, v) for k, v in data["headers"]),
            content_type=data["content_type"],
            body=raw,
            body_size=data["body_size"],
            parsed=data["parsed"],
            family=data["family"],
            type=data["type"],
            schema=data["schema"],
            verdict=Verdict(data["verdict"]),
            errata=tuple(data["errata"]),
            errors=tuple(data["errors"]),
            status=data["status"],
            problem=data["problem"],
            ports=tuple(data["ports"]),
            tids=tuple(data["tids"]),
        )


@dataclass(frozen=True)
class MessageFilter:
    """Which messages a query or a wait is about; every field is optional and they combine with AND.

    ``since``/``until`` bound the arrival time (UTC epoch seconds, inclusive/exclusive); ``after``
    takes only ids greater than it (see :meth:`smsgw.receiver.Receiver.mark`).
    """

    type: str | tuple[str, ...] | None = None
    device: str | None = None
    port: str | None = None
    tid: int | None = None
    ident: str | None = None
    family: str | None = None
    verdict: Verdict | str | None = None
    since: float | None = None
    until: float | None = None
    after: int | None = None

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.type is not None:
            types = (self.type,) if isinstance(self.type, str) else tuple(self.type)
            clauses.append(f"type IN ({', '.join('?' * len(types))})")
            params += types
        for column, value in (("device", self.device), ("ident", self.ident), ("family", self.family)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if self.verdict is not None:
            clauses.append("verdict = ?")
            params.append(Verdict(self.verdict).value)
        if self.port is not None:
            clauses.append(
                "(port = ? OR id IN (SELECT message_id FROM message_keys WHERE key = 'port' AND value = ?))"
            )
            params += [str(self.port), str(self.port)]
        if self.tid is not None:
            clauses.append(
                "(tid = ? OR id IN (SELECT message_id FROM message_keys WHERE key = 'tid' AND value = ?))"
            )
            params += [int(self.tid), str(int(self.tid))]
        if self.since is not None:
            clauses.append("received_at >= ?")
            params.append(float(self.since))
        if self.until is not None:
            clauses.append("received_at < ?")
            params.append(float(self.until))
        if self.after is not None:
            clauses.append("id > ?")
            params.append(int(self.after))
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


@cache
def _selector(nulls: tuple[bool, ...]) -> tuple[bool, ...]:
    """Which row positions to bind, given which nullable ones are ``None``."""
    null_at = {n for n, null in zip(_NULLABLE, nulls, strict=True) if null}
    return tuple(i not in null_at for i in range(len(_COLUMN_NAMES)))


@cache
def _insert_sql(nulls: tuple[bool, ...]) -> str:
    """``INSERT`` naming only the columns :func:`_selector` binds."""
    names = list(compress(_COLUMN_NAMES, _selector(nulls)))
    return f"INSERT INTO messages ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608


def connect(path: Path, synchronous: Synchronous = "full", *, readonly: bool = False) -> sqlite3.Connection:
    """A connection in WAL mode; autocommit (transactions are explicit ``BEGIN``/``COMMIT``)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA busy_timeout = 30000")
    if not readonly:
        # Only takes effect on a new database: a 7.8 KB push then fits a 16 KB page instead of a 4 KB
        # page and two overflow pages (measured: ~40 -> ~23 us per stored push).
        conn.execute("PRAGMA page_size = 16384")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"{path}: cannot switch to WAL (journal_mode={mode})")
    conn.execute(f"PRAGMA synchronous = {'FULL' if synchronous == 'full' else 'NORMAL'}")
    return conn


class MessageStore:
    """Reads and writes of the message database. Writes come from one thread (the writer)."""

    def __init__(self, path: Path | str, synchronous: Synchronous = "full") -> None:
        self.path = Path(path)
        self.synchronous: Synchronous = synchronous
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = connect(self.path, synchronous)
        self._writer.executescript(_SCHEMA)
        # Checkpoints are the writer's (:meth:`checkpoint`, off the event loop), not inside a COMMIT.
        self._writer.execute("PRAGMA wal_autocheckpoint = 0")
        self._uncheckpointed = 0
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.next_id = (
            int(self._writer.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]) + 1
        )

    # -- writing (writer thread only) -------------------------------------------------------
    def insert_batch(self, pending: Sequence[PendingMessage]) -> list[int]:
        """Insert and commit in one transaction; returns the ids, in order."""
        ids = self.insert(pending)
        try:
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return ids

    def insert(self, pending: Sequence[PendingMessage]) -> list[int]:
        """``BEGIN`` and insert (not committed yet: :meth:`commit` or :meth:`rollback` follows)."""
        first = self.next_id
        ids = list(range(first, first + len(pending)))
        groups: dict[tuple[bool, ...], list[tuple[Any, ...]]] = {}
        keys: list[tuple[int, str, str]] = []
        for p, i in zip(pending, ids, strict=True):
            row = p.row(i)
            nulls = tuple(row[n] is None for n in _NULLABLE)
            groups.setdefault(nulls, []).append(tuple(compress(row, _selector(nulls))))
            if p.ports[1:] or p.tids[1:]:
                keys += p.key_rows(i)
        conn = self._writer
        conn.execute("BEGIN IMMEDIATE")
        try:
            for nulls, rows in groups.items():
                conn.executemany(_insert_sql(nulls), rows)
            if keys:
                conn.executemany(_INSERT_KEY, keys)
        except BaseException:
            self.rollback()
            raise
        self.next_id = first + len(pending)
        return ids

    def commit(self) -> None:
        """``COMMIT`` (with ``synchronous=FULL`` this is where the fsync happens; may run in a thread)."""
        self._writer.execute("COMMIT")
        self._uncheckpointed += 1

    @property
    def checkpoint_due(self) -> bool:
        """Enough commits since the last :meth:`checkpoint` (about :data:`CHECKPOINT_EVERY` of them)."""
        return self._uncheckpointed >= CHECKPOINT_EVERY

    def checkpoint(self) -> None:
        """Copy the WAL into the database (``PASSIVE``; writer thread, between transactions).

        Run by the writer while no write transaction is open, it copies every frame (unless a
        reader still uses an old snapshot), so the next transaction starts the WAL again from its
        beginning: the WAL stays at the size of one checkpoint interval. (Checkpoints from another
        connection racing the writer never caught up under steady load: the WAL grew without bound,
        ~470 MB after 30,000 pushes.) Errors are ignored: the next checkpoint catches up.
        """
        self._uncheckpointed = 0
        try:
            self._writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error:
            return

    def rollback(self) -> None:
        if self._writer.in_transaction:
            self._writer.execute("ROLLBACK")
        self.next_id = (
            int(self._writer.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]) + 1
        )

    # -- reading (any thread) ---------------------------------------------------------------
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, self.synchronous, readonly=True)
            self._local.conn = conn
            with self._lock:
                self._readers.append(conn)
        return conn

    def query(
        self, flt: MessageFilter | None = None, *, limit: int | None = None, newest_first: bool = False
    ) -> list[Message]:
        where, params = (flt or MessageFilter()).where()
        # Only placeholders are interpolated: values travel as parameters.
        sql = f"SELECT {_COLUMNS} FROM messages{where} ORDER BY id {'DESC' if newest_first else 'ASC'}"  # noqa: S608
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        conn = self._reader()
        rows = conn.execute(sql, params).fetchall()
        return self._hydrate(conn, rows)

    def get(self, message_id: int) -> Message | None:
        found = self.query(MessageFilter(after=message_id - 1), limit=1)
        return found[0] if found and found[0].id == message_id else None

    def last_id(self) -> int:
        return int(self._reader().execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0])

    def count(self, flt: MessageFilter | None = None) -> int:
        where, params = (flt or MessageFilter()).where()
        sql = f"SELECT count(*) FROM messages{where}"  # noqa: S608 - placeholders only
        return int(self._reader().execute(sql, params).fetchone()[0])

    def tallies(self) -> list[tuple[str, str, int, int]]:
        """``(type, verdict, accepted 0/1, count)`` over the whole store (counters at start-up)."""
        sql = (
            "SELECT type, verdict, status BETWEEN 200 AND 299, count(*) FROM messages"
            " GROUP BY type, verdict, status BETWEEN 200 AND 299"
        )
        return [(str(t), str(v), int(a), int(n)) for t, v, a, n in self._reader().execute(sql)]

    def _hydrate(self, conn: sqlite3.Connection, rows: Iterable[tuple[Any, ...]]) -> list[Message]:
        rows = list(rows)
        extra: dict[int, dict[str, list[str]]] = {}
        if rows:
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                sql = (
                    "SELECT message_id, key, value FROM message_keys"  # noqa: S608 - placeholders only
                    f" WHERE message_id IN ({', '.join('?' * len(chunk))}) ORDER BY rowid"
                )
                for mid, key, value in conn.execute(sql, chunk):
                    extra.setdefault(mid, {}).setdefault(key, []).append(value)
        return [_message(r, extra.get(r[0], {})) for r in rows]

    def close(self) -> None:
        with self._lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._writer.close()


def _message(row: tuple[Any, ...], extra: dict[str, list[str]]) -> Message:
    (mid, received_at, source, method, path, query, device, ident, headers, content_type, body, body_size,
     parsed, family, kind, schema, verdict, errata, errors, status, problem, port, tid) = row  # fmt: skip
    body = bytes(body)
    if parsed is not None:
        parsed_value = orjson.loads(parsed)
    else:
        try:
            parsed_value = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            parsed_value = None
    ports = ((port,) if port is not None else ()) + tuple(extra.get("port", ()))
    tids = ((int(tid),) if tid is not None else ()) + tuple(int(t) for t in extra.get("tid", ()))
    return Message(
        id=int(mid),
        received_at=float(received_at),
        source=source,
        method=method,
        path=path,
        query=query,
        device=device,
        ident=ident,
        headers=tuple((k, v) for k, v in orjson.loads(headers)),
        content_type=content_type,
        body=body,
        body_size=int(body_size),
        parsed=parsed_value,
        family=family,
        type=kind,
        schema=schema,
        verdict=Verdict(verdict),
        errata=tuple(orjson.loads(errata)) if errata else (),
        errors=tuple(orjson.loads(errors)) if errors else (),
        status=int(status),
        problem=problem,
        ports=ports,
        tids=tids,
    )
