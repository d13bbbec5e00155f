"""The wait API and the counters (in-process receiver, pushes over HTTP)."""

from __future__ import annotations

import threading
import time

import httpx
import orjson
import pytest

from smsgw.receiver import MessageFilter, RunningReceiver, WaitTimeoutError

JSON = {"Content-Type": "application/json"}


def push_port_status(rx: RunningReceiver, device: str, port: str = "1.01", seq: int = 1) -> httpx.Response:
    body = orjson.dumps({"type": "port-status", "port": port, "seq": seq, "st": "3 Registered"})
    return httpx.post(rx.push_url(device), content=body, headers=JSON, timeout=5)


def later(delay: float, action: object) -> threading.Timer:
    timer = threading.Timer(delay, action)  # type: ignore[arg-type]
    timer.start()
    return timer


def test_wait_for_wakes_when_a_matching_push_is_committed(rx: RunningReceiver) -> None:
    push_port_status(rx, "other")
    timer = later(0.3, lambda: push_port_status(rx, "dev1", "2.02"))
    started = time.monotonic()
    message = rx.wait_for(type="port-status", device="dev1", timeout=10)
    elapsed = time.monotonic() - started
    timer.join()
    assert message.device == "dev1"
    assert message.ports == ("2.02",)
    assert 0.2 < elapsed < 5


def test_wait_for_returns_an_already_stored_message_unless_after_a_mark(rx: RunningReceiver) -> None:
    push_port_status(rx, "dev1", seq=1)
    assert rx.wait_for(device="dev1", timeout=0.1).parsed["seq"] == 1
    mark = rx.mark()
    timer = later(0.2, lambda: push_port_status(rx, "dev1", seq=2))
    assert rx.wait_for(device="dev1", after=mark, timeout=10).parsed["seq"] == 2
    timer.join()


def test_wait_for_with_a_predicate_skips_non_matching_messages(rx: RunningReceiver) -> None:
    timer = later(0.1, lambda: [push_port_status(rx, "d", seq=n) for n in range(1, 6)])
    message = rx.wait_for(lambda m: m.parsed["seq"] == 4, type="port-status", timeout=10)
    timer.join()
    assert message.parsed["seq"] == 4


def test_wait_for_times_out_cleanly_with_what_it_waited_for(rx: RunningReceiver) -> None:
    push_port_status(rx, "dev1")
    started = time.monotonic()
    with pytest.raises(WaitTimeoutError, match="device='nobody'"):
        rx.wait_for(MessageFilter(device="nobody"), timeout=0.3)
    assert 0.25 < time.monotonic() - started < 3


def test_wait_for_count_returns_the_first_n_matching(rx: RunningReceiver) -> None:
    timer = later(0.1, lambda: [push_port_status(rx, "d", seq=n) for n in range(1, 4)])
    messages = rx.wait_for_count(3, device="d", timeout=10)
    timer.join()
    assert [m.parsed["seq"] for m in messages] == [1, 2, 3]


def test_counters_count_received_by_type_and_invalid(rx: RunningReceiver) -> None:
    push_port_status(rx, "d")
    httpx.post(rx.push_url("d"), content=b"{oops", headers=JSON, timeout=5)
    httpx.post(
        rx.push_url("d"), content=orjson.dumps({"type": "port-status", "port": "2B"}), headers=JSON, timeout=5
    )
    counters = rx.counters()
    assert counters["received"] == 3
    assert counters["by_type"] == {"port-status": 2, "unknown": 1}
    assert counters["invalid"] == 2
    assert counters["rejected"] == 1
    assert counters["by_verdict"] == {"FAIL": 2, "PASS": 1}


def test_wait_for_takes_a_type_name_as_shorthand(rx: RunningReceiver) -> None:
    push_port_status(rx, "dev1")
    assert rx.wait_for("port-status", timeout=1).device == "dev1"
    with pytest.raises(WaitTimeoutError):
        rx.wait_for("dev-status", timeout=0.1)


def test_a_push_with_an_id_beyond_64_bits_is_stored_not_answered_5xx(rx: RunningReceiver) -> None:
    huge = 2**63
    body = orjson.dumps({"type": "status-report", "rpt_num": 1, "rpts": [{"tid": huge}, {"tid": 9}]})
    response = httpx.post(rx.push_url("big"), content=body, headers=JSON, timeout=5)
    assert 200 <= response.status_code < 300, response.text
    message = rx.wait_for(device="big", timeout=10)
    assert message.tids == (9,)  # the id SQLite cannot index is left out of the index ...
    assert str(huge).encode() in message.body  # ... and kept in the stored body
