"""The receiver: classification, grading, the durable store, live counters and the wait API.

:class:`Receiver` is transport-free: the ASGI app (:mod:`smsgw.receiver.app`) turns HTTP requests
into :class:`~smsgw.receiver.store.PendingMessage` and awaits :meth:`Receiver.submit`; tests and
tools query and wait on it directly (in-process) or through ``/_api`` (out of process).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smsgw.receiver.classify import TYPES, Classified, PushRejected, classify
from smsgw.receiver.grading import Grader
from smsgw.receiver.redaction import redact_body
from smsgw.receiver.store import Message, MessageFilter, MessageStore, PendingMessage, Synchronous
from smsgw.receiver.writer import GroupCommitWriter
from smsgw.spec.registry import SchemaRegistry
from smsgw.verdicts import Verdict

Predicate = Callable[[Message], bool]
DEFAULT_MAX_BODY = 8 * 1024 * 1024
_SCAN_CHUNK = 256


class WaitTimeoutError(TimeoutError):
    """No message matching the filter arrived before the timeout."""


@dataclass(frozen=True)
class ReceiverConfig:
    """How a receiver stores and which requests it takes as pushes.

    ``paths``: ``None`` takes a POST to any path outside ``/_api`` and ``/_ui`` as a push (devices
    push to whatever URL they were given); otherwise only ``/``, ``/push/<device>[/...]`` and the
    listed paths. ``path_devices`` maps an extra path to a device key (``/myweb/goip`` -> ``bench1``).
    """

    db: Path
    synchronous: Synchronous = "full"
    max_body: int = DEFAULT_MAX_BODY
    body_timeout: float = 10.0
    paths: tuple[str, ...] | None = None
    path_devices: Mapping[str, str] = field(default_factory=dict)
    max_batch: int = 512


class Receiver:
    """``Receiver(ReceiverConfig(db=...))``; ``start()`` before serving, ``close()`` after."""

    def __init__(self, config: ReceiverConfig, registry: SchemaRegistry | None = None) -> None:
        if registry is None:
            from smsgw.spec.registry import default_registry

            registry = default_registry()
        self.config = config
        self.grader = Grader(registry)
        self.store = MessageStore(config.db, config.synchronous)
        self.started_at = time.time()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._generation = 0
        self._async_waiters: set[asyncio.Future[None]] = set()
        self._counts: Counter[str] = Counter()
        self._since_start = 0
        self._last_id = self.store.next_id - 1
        for kind, verdict, accepted, count in self.store.tallies():
            self._count(kind, verdict, bool(accepted), count)
        self._writer = GroupCommitWriter(self.store, self._on_commit, config.max_batch)
        self._started = False
        self._closed = False
        self._closing = False

    def start(self) -> Receiver:
        self._started = True
        return self

    def stop_waiting(self) -> None:
        """Wake every waiter (thread or event loop) and make it give up: called before the HTTP
        server shuts down, so ``/_api/wait`` long-polls end now instead of holding the shutdown."""
        with self._changed:
            self._closing = True
            self._generation += 1
            self._changed.notify_all()
            waiters = list(self._async_waiters)
            self._async_waiters.clear()
        for waiter in waiters:
            try:
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)
            except RuntimeError:
                continue

    def close(self) -> None:
        """Commit what is queued, wake every waiter, close the database."""
        if self._closed:
            return
        self.stop_waiting()
        self._closed = True
        self._writer.close()
        with self._changed:
            self._generation += 1
            self._changed.notify_all()
        self.store.close()

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- ingestion --------------------------------------------------------------------------
    def build(
        self,
        *,
        received_at: float,
        source: str,
        method: str,
        path: str,
        query: str,
        query_pairs: Sequence[tuple[str, str]],
        device: str,
        headers: list[tuple[str, str]],
        content_type: str | None,
        body: bytes,
        body_size: int | None = None,
        rejection: PushRejected | None = None,
    ) -> PendingMessage:
        """Redact the body, classify and grade a push (query and headers already redacted), or
        record a rejection."""
        body = redact_body(body)
        classified: Classified | None = None
        if rejection is None:
            try:
                # Header names lower-cased for the MMS push only (no other format reads headers).
                multipart = content_type is not None and "multipart/" in content_type.lower()
                lowered = {k.lower(): v for k, v in headers} if multipart else {}
                classified = classify(content_type, body, query_pairs, lowered)
            except PushRejected as exc:
                rejection = exc
        pending = PendingMessage(
            received_at=received_at,
            source=source,
            method=method,
            path=path,
            query=query,
            device=device,
            headers=headers,
            content_type=content_type,
            body=body,
            body_size=len(body) if body_size is None else body_size,
            family="unknown",
            type="unknown",
            schema=None,
            verdict=Verdict.FAIL,
            status=200,
        )
        if rejection is not None:
            pending.status = rejection.status
            pending.problem = rejection.reason
            pending.errors = (rejection.reason,)
            classified = rejection.classified
        if classified is not None:
            pending.family = classified.family
            pending.type = classified.type
            pending.schema = classified.schema
            pending.parsed = classified.parsed
            pending.ident = classified.ident
            pending.ports = classified.ports
            pending.tids = classified.tids
            if rejection is None:
                grade = self.grader.grade(classified.schema, classified.instance)
                pending.verdict = grade.verdict
                pending.errata = grade.errata
                pending.errors = grade.errors
        return pending

    async def submit(self, pending: PendingMessage) -> int:
        """Store a message; returns its id once the batch holding it is committed."""
        return await self._writer.submit(pending, asyncio.get_running_loop())

    def enqueue(self, pending: PendingMessage, loop: asyncio.AbstractEventLoop) -> asyncio.Future[int]:
        """:meth:`submit` for callbacks: the future resolves to the id once the batch is committed
        (or fails with :class:`~smsgw.receiver.writer.StoreUnavailableError`)."""
        return self._writer.submit(pending, loop)

    def _on_commit(self, pending: Sequence[PendingMessage], ids: Sequence[int]) -> None:
        tally = Counter((m.type, m.verdict.value, 200 <= m.status < 300) for m in pending)
        with self._changed:
            for (kind, verdict, accepted), n in tally.items():
                self._count(kind, verdict, accepted, n)
            self._since_start += len(pending)
            self._last_id = ids[-1]
            self._generation += 1
            self._changed.notify_all()
            waiters = list(self._async_waiters)
            self._async_waiters.clear()
        for waiter in waiters:
            try:
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)
            except RuntimeError:
                continue

    def _count(self, kind: str, verdict: str, accepted: bool, n: int) -> None:
        self._counts["received"] += n
        self._counts["accepted" if accepted else "rejected"] += n
        if verdict == Verdict.FAIL.value:
            self._counts["invalid"] += n
        self._counts[f"type:{kind}"] += n
        self._counts[f"verdict:{verdict}"] += n

    # -- queries ----------------------------------------------------------------------------
    def counters(self) -> dict[str, Any]:
        """Live counters over the whole store: received, accepted/rejected, invalid, by type/verdict."""
        with self._lock:
            counts = dict(self._counts)
            since_start = self._since_start
            last_id = self._last_id
        return {
            "received": counts.get("received", 0),
            "accepted": counts.get("accepted", 0),
            "rejected": counts.get("rejected", 0),
            "invalid": counts.get("invalid", 0),
            "since_start": since_start,
            "last_id": last_id,
            "by_type": {k[5:]: v for k, v in sorted(counts.items()) if k.startswith("type:")},
            "by_verdict": {k[8:]: v for k, v in sorted(counts.items()) if k.startswith("verdict:")},
            "started_at": self.started_at,
        }

    def mark(self) -> int:
        """The id of the last committed message: ``wait_for(..., after=mark)`` ignores older ones."""
        with self._lock:
            return self._last_id

    def messages(
        self,
        flt: MessageFilter | None = None,
        *,
        limit: int | None = None,
        newest_first: bool = False,
        **kw: Any,
    ) -> list[Message]:
        """Stored messages matching a filter (or filter keyword arguments), oldest first."""
        return self.store.query(_filter(flt, kw), limit=limit, newest_first=newest_first)

    def wait_for(
        self,
        predicate: Predicate | MessageFilter | str | None = None,
        *,
        timeout: float = 10.0,
        **kw: Any,
    ) -> Message:
        """The first stored message matching, waiting up to ``timeout`` seconds for it to arrive.

        ``predicate`` is a callable, a :class:`MessageFilter`, or a type name (``"dev-status"``).
        Matches already stored messages too: pass ``after=receiver.mark()`` (taken before the
        action that makes the device push) to wait only for new ones. Woken by the writer after
        each commit, never by polling. Raises :class:`WaitTimeoutError`.
        """
        flt, check = _split(predicate, kw)
        return self.wait_for_count(1, flt, predicate=check, timeout=timeout)[0]

    def wait_for_count(
        self,
        count: int,
        flt: MessageFilter | None = None,
        *,
        predicate: Predicate | None = None,
        timeout: float = 10.0,
        **kw: Any,
    ) -> list[Message]:
        """The first ``count`` matching messages, waiting until that many have arrived."""
        flt = _filter(flt, kw)
        deadline = time.monotonic() + timeout
        scanner = _Scanner(self.store, flt, predicate, count)
        while True:
            with self._lock:
                generation = self._generation
            found = scanner.scan()
            if found is not None:
                return found
            with self._changed:
                while self._generation == generation and not self._closing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        got = len(scanner.matched)
                        raise WaitTimeoutError(
                            f"{got} of {count} message(s) matching {_describe(flt, predicate)}"
                            f" within {timeout:g} s"
                        )
                    self._changed.wait(remaining)
                if self._closing:
                    raise WaitTimeoutError("receiver closed while waiting")

    async def wait_for_async(
        self, flt: MessageFilter, *, timeout: float, predicate: Predicate | None = None, count: int = 1
    ) -> list[Message]:
        """:meth:`wait_for_count` for the event loop (the ``/_api/wait`` long-poll)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        scanner = _Scanner(self.store, flt, predicate, count)
        while True:
            waiter: asyncio.Future[None] = loop.create_future()
            with self._lock:
                self._async_waiters.add(waiter)
            found = scanner.scan()
            if found is not None:
                with self._lock:
                    self._async_waiters.discard(waiter)
                return found
            remaining = deadline - loop.time()
            try:
                if remaining <= 0 or self._closing:
                    raise TimeoutError
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                with self._lock:
                    self._async_waiters.discard(waiter)
                raise WaitTimeoutError(
                    f"{len(scanner.matched)} of {count} message(s) matching {_describe(flt, predicate)}"
                    f" within {timeout:g} s"
                ) from None


class _Scanner:
    """Scans new rows once: remembers the last id it looked at."""

    def __init__(
        self, store: MessageStore, flt: MessageFilter, predicate: Predicate | None, count: int
    ) -> None:
        self.store = store
        self.flt = flt
        self.predicate = predicate
        self.count = count
        self.cursor = flt.after or 0
        self.matched: list[Message] = []

    def scan(self) -> list[Message] | None:
        while True:
            if self.predicate is None and not self.matched:
                # Cheap path for filter-only waits: ask SQLite for exactly what is needed.
                rows = self.store.query(_with_after(self.flt, self.cursor), limit=self.count)
                if len(rows) >= self.count:
                    return rows
                self.matched = rows
                self.cursor = rows[-1].id if rows else self.cursor
                if rows:
                    continue
                return None
            rows = self.store.query(_with_after(self.flt, self.cursor), limit=_SCAN_CHUNK)
            for message in rows:
                self.cursor = message.id
                if self.predicate is None or self.predicate(message):
                    self.matched.append(message)
                    if len(self.matched) >= self.count:
                        return self.matched
            if len(rows) < _SCAN_CHUNK:
                return None


def _with_after(flt: MessageFilter, after: int) -> MessageFilter:
    from dataclasses import replace

    return replace(flt, after=after)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _filter(flt: MessageFilter | None, kw: Mapping[str, Any]) -> MessageFilter:
    if flt is not None and kw:
        from dataclasses import replace

        return replace(flt, **kw)
    return flt if flt is not None else MessageFilter(**kw)


def _split(
    predicate: Predicate | MessageFilter | str | None, kw: Mapping[str, Any]
) -> tuple[MessageFilter, Predicate | None]:
    if isinstance(predicate, str):
        return _filter(None, {"type": predicate, **kw}), None
    if isinstance(predicate, MessageFilter):
        return _filter(predicate, kw), None
    return _filter(None, kw), predicate


def _describe(flt: MessageFilter, predicate: Predicate | None) -> str:
    from dataclasses import asdict

    fields = {k: v for k, v in asdict(flt).items() if v is not None}
    text = ", ".join(f"{k}={v!r}" for k, v in fields.items()) or "anything"
    if predicate is not None:
        text += f" and {getattr(predicate, '__name__', 'predicate')}"
    return text


__all__ = ["DEFAULT_MAX_BODY", "TYPES", "Predicate", "Receiver", "ReceiverConfig", "WaitTimeoutError"]
