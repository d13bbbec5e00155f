"""start_receiver / connect: the same object in-process and out of process."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import httpx
import orjson
import pytest

from smsgw.receiver import RunningReceiver, WaitTimeoutError, connect, start_receiver
from smsgw.receiver.samples import dev_status, port_status

JSON = {"Content-Type": "application/json"}


def test_push_url_uses_the_public_url_when_one_is_stated(rx: RunningReceiver) -> None:
    assert rx.push_url("bench 1") == f"{rx.url}/push/bench%201"
    assert rx.push_url() == f"{rx.url}/"
    rx.public_url = "http://192.0.2.10:8899/"
    assert rx.push_url("dev1") == "http://192.0.2.10:8899/push/dev1"
    rx.public_url = None
    assert rx.public_url == rx.url


@pytest.mark.slow
def test_subprocess_receiver_is_queried_and_waited_on_over_http(tmp_path: Path) -> None:
    with start_receiver(tmp_path / "sub.db", mode="subprocess", public_url="http://198.51.100.7:1/") as rx:
        assert rx.pid is not None
        assert rx.pid != os.getpid()
        assert rx.push_url("d") == "http://198.51.100.7:1/push/d"
        mark = rx.mark()

        def pushes() -> None:
            for seq in (1, 2, 3):
                body = orjson.dumps(port_status(seq=seq))
                httpx.post(f"{rx.url}/push/d", content=body, headers=JSON, timeout=10).raise_for_status()

        timer = threading.Timer(0.2, pushes)
        timer.start()
        message = rx.wait_for(lambda m: m.parsed["seq"] == 3, device="d", after=mark, timeout=20)
        timer.join()
        assert message.type == "port-status"
        assert [m.parsed["seq"] for m in rx.messages(device="d")] == [1, 2, 3]
        assert len(rx.wait_for_count(3, device="d", timeout=5)) == 3
        assert rx.counters()["by_type"] == {"port-status": 3}
        with pytest.raises(WaitTimeoutError):
            rx.wait_for(device="nobody", timeout=0.3)
        with connect(rx.url) as attached:
            httpx.post(
                f"{rx.url}/push/e", content=orjson.dumps(dev_status(ports=2)), headers=JSON, timeout=10
            )
            assert attached.wait_for(type="dev-status", timeout=10).device == "e"
        process = rx.process
    assert process is not None
    assert process.poll() is not None, "closing stops the subprocess"
