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
import threading
from collections.abc import Callable, Sequence
from queue import SimpleQueue

from smsgw.receiver.store import MessageStore, PendingMessage

log = logging.getLogger(__name__)

Item = tuple[PendingMessage, "asyncio.Future[int]"]
OnCommit = Callable[[Sequence[PendingMessage], Sequence[int]], None]


class StoreUnavailableError(Exception):
    """The batch holding this push could not be committed (disk full, I/O error, closed store)."""


Done = Callable[[BaseException | None], None]


class _CommitThread:
    """One thread running the jobs it is handed (``COMMIT``, checkpoint) in order, each followed by
    ``done(error)`` on the job's event loop.

    What ``ThreadPoolExecutor(1)`` did, without its per-job ``Future`` (a ``Condition`` each), work
    item, idle-semaphore check and done-callback chain (~30,000 fewer instructions per batch).
    """

    def __init__(self) -> None:
        self._jobs: SimpleQueue[tuple[Callable[[], None], asyncio.AbstractEventLoop, Done] | None] = (
            SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._stopped = False

    def submit(self, job: Callable[[], None], loop: asyncio.AbstractEventLoop, done: Done) -> None:
        """Run ``job`` in the thread; raises :class:`RuntimeError` once stopped."""
        if self._stopped:
            raise RuntimeError("the commit thread is stopped")
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="receiver-commit", daemon=True)
            self._thread.start()
        self._jobs.put((job, loop, done))

    def stop(self) -> None:
        """Finish the jobs already handed over, then end the thread."""
        self._stopped = True
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, loop, done = item
            error: BaseException | None = None
            try:
                job()
            except BaseException as exc:  # handed to the loop, which fails the batch
                error = exc
            try:
                loop.call_soon_threadsafe(done, error)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                log.warning("receiver: event loop closed before a commit-thread job was handed back")
            except Exception:  # keep serving the next jobs whatever happens
                log.exception("receiver: handing a commit-thread job back failed")


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
        self._thread = _CommitThread()
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
        self._thread.stop()
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
                self._thread.submit(
                    self.store.commit, loop, functools.partial(self._committed, loop, batch, ids)
                )
            except RuntimeError as exc:  # thread stopped
                self._inflight = False
                self._finish(batch, ids, exc)
                continue

    def _committed(
        self, loop: asyncio.AbstractEventLoop, batch: list[Item], ids: list[int], error: BaseException | None
    ) -> None:
        self._inflight = False
        self._finish(batch, ids, error, committed=True)
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
            self._thread.submit(self.store.checkpoint, loop, functools.partial(self._checkpointed, loop))
        except RuntimeError:  # thread stopped
            self._inflight = self._checkpointing = False

    def _checkpointed(self, loop: asyncio.AbstractEventLoop, error: BaseException | None) -> None:
        if error is not None:
            log.error("receiver: WAL checkpoint failed: %s", error)
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
