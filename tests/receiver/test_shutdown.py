"""A receiver stopped by SIGTERM closes its store: the WAL is checkpointed into the database."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
import pytest

from smsgw.receiver import start_receiver
from smsgw.receiver.store import MessageStore


@pytest.mark.slow
def test_sigterm_closes_the_store(tmp_path: Path) -> None:
    db = tmp_path / "term.db"
    rx = start_receiver(db, mode="subprocess")
    try:
        body = orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 OK"})
        for _ in range(5):
            answer = httpx.post(rx.push_url("d"), content=body, headers={"Content-Type": "application/json"},
                                timeout=5)  # fmt: skip
            assert answer.status_code == 200
    finally:
        rx.close()  # SIGTERM
    assert rx.process is not None
    assert not db.with_name(db.name + "-wal").exists()  # removed by the last connection's close
    store = MessageStore(db)
    try:
        assert store.count() == 5
    finally:
        store.close()
