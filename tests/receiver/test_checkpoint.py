"""The group-commit writer checkpoints the WAL between batches, so the WAL stays bounded under load."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from smsgw.receiver.store import CHECKPOINT_EVERY, MessageStore, PendingMessage
from smsgw.receiver.writer import GroupCommitWriter
from tests.receiver.test_store import pending


@pytest.mark.parametrize("synchronous", ["full", "normal"])
def test_wal_restarts_after_checkpoints_under_steady_load(tmp_path: Path, synchronous: str) -> None:
    db = tmp_path / "w.db"
    store = MessageStore(db, synchronous)  # type: ignore[arg-type]
    committed: list[int] = []
    writer = GroupCommitWriter(store, lambda batch, ids: committed.extend(ids))
    body = b'{"x": "' + b"y" * 8000 + b'"}'
    waves, per_wave = 20 * CHECKPOINT_EVERY, 4

    async def load() -> list[int]:
        loop = asyncio.get_running_loop()
        got: list[int] = []
        previous: list[asyncio.Future[int]] = []
        for _ in range(waves):  # two waves in flight: one committing while the next queues
            wave = [writer.submit(pending(body=body), loop) for _ in range(per_wave)]
            got += await asyncio.gather(*previous)
            previous = wave
        got += await asyncio.gather(*previous)
        return got

    ids = asyncio.run(load())
    wal = db.with_name(db.name + "-wal").stat().st_size
    writer.close()
    store.close()
    assert sorted(ids) == list(range(1, waves * per_wave + 1))
    assert sorted(committed) == sorted(ids)
    stored = waves * per_wave * len(body)
    # Without checkpoints that complete, the WAL holds every push (> ``stored``); with them, about
    # one checkpoint interval of commits (at most max_batch pushes each).
    assert wal < stored / 4, (wal, stored)


def test_checkpoint_between_transactions_lets_the_next_commit_restart_the_wal(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store = MessageStore(db)
    big: PendingMessage = pending(body=b"z" * 100_000)
    store.insert_batch([big] * 10)
    size = db.with_name(db.name + "-wal").stat().st_size
    store.checkpoint()
    for _ in range(5):
        store.insert_batch([big])
    assert db.with_name(db.name + "-wal").stat().st_size == size  # rewritten from its start, not grown
    store.close()
