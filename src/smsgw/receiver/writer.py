"""Group commit: a single writer commits every queued push in one transaction, then acks them.

A push handler appends its :class:`~smsgw.receiver.store.PendingMessage` and a future, and awaits
the future. The first append schedules a flush with ``loop.call_soon``, so it runs after every
handler that is already runnable has queued its message. The flush inserts the batch (``BEGIN`` +
``executemany``) on the event loop and then commits it; only after ``COMMIT`` has returned are the
futures resolved, so the 2xx always follows the commit. One batch is in flight at a time: what
arrives meanwhile queues up and becomes the next, bigger batch.

Where the ``COMMIT`` runs:

* ``synchronous=NORMAL``: on the loop (it is a ``write()`` of the WAL frames, no fsync);
* ``synchronous=FULL``: in one helper thread, so the loop keeps parsing and validating during the
  fsync. Only ``COMMIT`` goes there: Python's sqlite3 releases the GIL around every row it steps,
  and a thread inserting rows while a busy event loop holds the GIL waits up to the switch interval
  for each row (measured: ~1,000 pushes/s). The thread takes the GIL back once per batch.

Every :data:`~smsgw.receiver.store.CHECKPOINT_EVERY` commits the same thread checkpoints the WAL
into the database, after the acks of the last batch and before the next batch begins: with no write
transaction racing it, the checkpoint copies the whole WAL and the next commit writes the WAL from
its start again (bounded WAL, file pages reused).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

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
        self._queue: list[Item] = []
        self._scheduled = False
        self._inflight = False
        self._checkpointing = False
        self._closed = False
        # One helper thread: every COMMIT with synchronous=FULL, and the WAL checkpoints.
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="receiver-commit")
        self._commit_in_thread = store.synchronous == "full"
        self.batches = 0
        self.committed = 0

    def submit(self, pending: PendingMessage, loop: asyncio.AbstractEventLoop) -> asyncio.Future[int]:
        """Queue a message; the future resolves to its id once committed."""
        future: asyncio.Future[int] = loop.create_future()
        if self._closed:
            future.set_exception(StoreUnavailableError("receiver is shutting down"))
            return future
        self._queue.append((pending, future))
        if not self._scheduled and not self._inflight:
            self._scheduled = True
            loop.call_soon(self._flush, loop)
        return future

    def close(self) -> None:
        """Commit whatever is still queued (normally nothing: handlers await their commit)."""
        self._closed = True
        self._executor.shutdown(wait=True)
        if self._checkpointing:  # finished in the thread; its hand-back may never run now
            self._inflight = self._checkpointing = False
        while self._queue and not self._inflight:
            batch = self._take()
            try:
                ids = self.store.insert_batch([p for p, _ in batch])
            except Exception as exc:
                _settle(batch, None, StoreUnavailableError(f"store commit failed: {exc}"))
            else:
                self._done(batch, ids)

    def _take(self) -> list[Item]:
        batch = self._queue[: self.max_batch]
        del self._queue[: self.max_batch]
        return batch

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        self._scheduled = False
        while self._queue and not self._inflight:
            batch = self._take()
            try:
                ids = self.store.insert([p for p, _ in batch])
            except Exception as exc:
                log.exception("receiver: insert of %d messages failed", len(batch))
                _settle(batch, None, StoreUnavailableError(f"store insert failed: {exc}"))
                continue
            if not self._commit_in_thread:
                self._finish(batch, ids, None)
                self._checkpoint(loop)
                continue
            self._inflight = True
            try:
                commit = self._executor.submit(self.store.commit)
            except RuntimeError as exc:  # executor shut down
                self._inflight = False
                self._finish(batch, ids, exc)
                continue
            commit.add_done_callback(functools.partial(_hand_back, loop, self._committed, batch, ids))

    def _committed(
        self, loop: asyncio.AbstractEventLoop, batch: list[Item], ids: list[int], done: Future[None]
    ) -> None:
        self._inflight = False
        self._finish(batch, ids, done.exception(), committed=True)
        self._checkpoint(loop)
        self._schedule(loop)

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        """Flush the queue soon: after the handlers just acknowledged have sent their answers (their
        wake-ups are already scheduled), so the answers do not wait for the next batch's inserts."""
        if self._queue and not self._scheduled and not self._inflight:
            self._scheduled = True
            loop.call_soon(self._flush, loop)

    def _checkpoint(self, loop: asyncio.AbstractEventLoop) -> None:
        """When due, checkpoint in the helper thread, after the acks of the batch just committed and
        before the next batch begins (so no write transaction races it and the WAL restarts)."""
        if not self.store.checkpoint_due or self._inflight:
            return
        self._inflight = self._checkpointing = True
        try:
            job = self._executor.submit(self.store.checkpoint)
        except RuntimeError:  # executor shut down
            self._inflight = self._checkpointing = False
            return
        job.add_done_callback(functools.partial(_hand_back_checkpoint, loop, self._checkpointed))

    def _checkpointed(self, loop: asyncio.AbstractEventLoop) -> None:
        self._inflight = self._checkpointing = False
        self._schedule(loop)

    def _finish(
        self, batch: list[Item], ids: list[int], error: BaseException | None, *, committed: bool = False
    ) -> None:
        if error is None and not committed:
            try:
                self.store.commit()
            except Exception as exc:
                error = exc
        if error is not None:
            log.error("receiver: commit of %d messages failed: %s", len(batch), error)
            self.store.rollback()
            _settle(batch, None, StoreUnavailableError(f"store commit failed: {error}"))
            return
        self._done(batch, ids)

    def _done(self, batch: list[Item], ids: Sequence[int]) -> None:
        self.batches += 1
        self.committed += len(batch)
        try:
            self.on_commit([p for p, _ in batch], ids)
        finally:
            _settle(batch, ids, None)


def _hand_back(
    loop: asyncio.AbstractEventLoop,
    callback: Callable[[asyncio.AbstractEventLoop, list[Item], list[int], Future[None]], None],
    batch: list[Item],
    ids: list[int],
    done: Future[None],
) -> None:
    """In the commit thread: continue on the loop (unless it is gone: nobody is waiting then)."""
    try:
        loop.call_soon_threadsafe(callback, loop, batch, ids, done)
    except RuntimeError:
        log.warning("receiver: event loop closed before %d committed messages were acknowledged", len(batch))


def _hand_back_checkpoint(
    loop: asyncio.AbstractEventLoop, callback: Callable[[asyncio.AbstractEventLoop], None], done: Future[None]
) -> None:
    if done.exception() is not None:
        log.error("receiver: WAL checkpoint failed: %s", done.exception())
    try:
        loop.call_soon_threadsafe(callback, loop)
    except RuntimeError:
        return  # the loop is gone: nothing is waiting


def _settle(batch: list[Item], ids: Sequence[int] | None, error: Exception | None) -> None:
    for index, (_, future) in enumerate(batch):
        if future.done():
            continue
        try:
            if error is not None or ids is None:
                future.set_exception(error or StoreUnavailableError("not committed"))
            else:
                future.set_result(ids[index])
        except RuntimeError:  # its event loop is closed: nobody is waiting any more
            continue
