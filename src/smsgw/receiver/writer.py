"""Group commit: one writer thread drains a queue, commits a batch in one transaction, then acks.

A push handler puts its :class:`~smsgw.receiver.store.PendingMessage` and an asyncio future on the
queue and awaits the future; the writer takes everything queued (up to ``max_batch``), inserts it in
one ``BEGIN … COMMIT`` (one fsync with ``synchronous=FULL``), and only then resolves the futures,
with one ``call_soon_threadsafe`` per event loop and batch. So the 2xx is sent strictly after the
commit, and while one batch is being written the next one fills up.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence

from smsgw.receiver.store import MessageStore, PendingMessage

log = logging.getLogger(__name__)

Item = tuple[PendingMessage, "asyncio.Future[int]"]
OnCommit = Callable[[Sequence[PendingMessage], Sequence[int]], None]


class StoreUnavailableError(Exception):
    """The batch holding this push could not be committed (disk full, I/O error, closed store)."""


class GroupCommitWriter:
    def __init__(self, store: MessageStore, on_commit: OnCommit, max_batch: int = 512) -> None:
        self.store = store
        self.on_commit = on_commit
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="receiver-writer", daemon=True)
        self._closed = False
        self.batches = 0
        self.committed = 0

    def start(self) -> None:
        self._thread.start()

    def submit(self, pending: PendingMessage, loop: asyncio.AbstractEventLoop) -> asyncio.Future[int]:
        """Queue a message; the future resolves to its id once committed."""
        future: asyncio.Future[int] = loop.create_future()
        if self._closed:
            future.set_exception(StoreUnavailableError("receiver is shutting down"))
        else:
            self._queue.put((pending, future))
        return future

    def close(self, timeout: float = 30.0) -> None:
        """Commit everything queued so far, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    following = self._queue.get_nowait()
                except queue.Empty:
                    break
                if following is None:
                    stop = True
                    break
                batch.append(following)
            self._commit(batch)

    def _commit(self, batch: list[Item]) -> None:
        pending = [p for p, _ in batch]
        try:
            ids = self.store.insert_batch(pending)
        except Exception as exc:
            log.exception("receiver: commit of %d messages failed", len(batch))
            error = StoreUnavailableError(f"store commit failed: {exc}")
            self._resolve(batch, None, error)
            return
        self.batches += 1
        self.committed += len(batch)
        try:
            self.on_commit(pending, ids)
        finally:
            self._resolve(batch, ids, None)

    @staticmethod
    def _resolve(batch: list[Item], ids: Sequence[int] | None, error: Exception | None) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[int], int]]] = {}
        for index, (_, future) in enumerate(batch):
            by_loop.setdefault(future.get_loop(), []).append((future, ids[index] if ids else -1))
        for loop, pairs in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, pairs, error)
            except RuntimeError:  # loop closed: nobody is waiting any more
                continue


def _settle(pairs: list[tuple[asyncio.Future[int], int]], error: Exception | None) -> None:
    for future, message_id in pairs:
        if future.done():
            continue
        if error is None:
            future.set_result(message_id)
        else:
            future.set_exception(error)
