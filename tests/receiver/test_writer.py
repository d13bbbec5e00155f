"""Group commit: a 2xx follows the commit, so acknowledged pushes survive SIGKILL, once each."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import orjson
import pytest

from smsgw.receiver import RunningReceiver, start_receiver
from smsgw.receiver.store import MessageStore

KILL_FRACTIONS = (0.17, 0.4, 0.63)
CLIENTS = 6


def test_acknowledged_push_is_already_visible_to_another_connection(rx: RunningReceiver) -> None:
    body = orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 OK"})
    for _ in range(20):
        message_id = httpx.post(rx.push_url("d"), content=body, headers={"Content-Type": "application/json"},
                                timeout=5).json()["id"]  # fmt: skip
        assert rx.db is not None
        other = MessageStore(rx.db)
        try:
            assert other.get(message_id) is not None
        finally:
            other.close()


@pytest.mark.slow
@pytest.mark.parametrize(("synchronous", "total"), [("full", 3000), ("normal", 2000)])
def test_every_acknowledged_push_survives_sigkill_exactly_once(
    tmp_path: Path, synchronous: str, total: int
) -> None:
    db = tmp_path / "kill.db"
    rx = start_receiver(db, mode="subprocess", synchronous=synchronous)  # type: ignore[arg-type]
    url = [rx.url]
    up = threading.Event()
    up.set()
    lock = threading.Lock()
    acked: set[int] = set()
    refused: list[int] = []
    failed: list[int] = []
    sequence = itertools.count(1)

    def client() -> None:
        with httpx.Client(timeout=10, trust_env=False) as http:
            while (seq := next(sequence)) <= total:
                body = orjson.dumps({"type": "port-status", "port": "1.01", "seq": seq, "st": "3 OK"})
                try:
                    response = http.post(
                        url[0] + "/push/kill", content=body, headers={"Content-Type": "application/json"}
                    )
                except httpx.HTTPError:
                    failed.append(seq)
                    up.wait(30)  # not acknowledged: allowed to be lost; wait for the restart
                    continue
                with lock:
                    (acked.add(seq) if response.status_code == 200 else refused.append(seq))

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        for threshold in (int(total * f) for f in KILL_FRACTIONS):
            deadline = time.monotonic() + 60
            while len(acked) < threshold and time.monotonic() < deadline:
                time.sleep(0.005)  # the test driver, not a caller of the wait API
            up.clear()
            assert rx.pid is not None
            os.kill(rx.pid, signal.SIGKILL)
            assert rx.process is not None
            rx.process.wait(10)
            rx.close()
            rx = start_receiver(db, mode="subprocess", synchronous=synchronous)  # type: ignore[arg-type]
            url[0] = rx.url
            up.set()
        for thread in threads:
            thread.join(120)
        stored = Counter(m.parsed["seq"] for m in rx.messages(type="port-status"))
    finally:
        rx.close()
    assert not refused
    assert failed, "the kills should have cut requests in flight"
    assert len(acked) > total * 0.9, f"only {len(acked)} acknowledged"
    missing = sorted(acked - set(stored))
    assert not missing, f"{len(missing)} acknowledged pushes lost, e.g. {missing[:10]}"
    twice = sorted(seq for seq, n in stored.items() if n > 1)
    assert not twice, f"stored more than once: {twice[:10]}"
