"""The client against a hostile device: bad JSON, huge bodies, stalls, refused connections."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from smsgw._http import ServerThread, free_port, send_bytes
from smsgw._http.asgi import Receive, Scope, Send
from smsgw.client import EjoinClient, ProtocolViolation, TargetTimeout, TargetUnreachable

PASSWORD = "Hostile-Pw-4242"


async def _hostile(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope["path"]
    if path == "/goip_get_sms.html":  # bad JSON
        await send_bytes(send, 200, b'{"code": 0, "data": [1, 2,', b"application/json")
    elif path == "/goip_get_esims.html":  # 1 MB body, more than the client's 256 KiB limit
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        for _ in range(16):
            await send({"type": "http.response.body", "body": b"x" * 65536, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    elif path == "/goip_get_status.html":  # stall before answering
        await asyncio.sleep(1.5)
        await send_bytes(send, 200, b"{}")
    elif path == "/goip_get_tasks.html":  # trickle: a byte every 0.2 s, never done in time
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(8):
            await send({"type": "http.response.body", "body": b" ", "more_body": True})
            await asyncio.sleep(0.2)
        await send({"type": "http.response.body", "body": b"{}"})
    elif path == "/goip_get_sms_stat.html":  # not UTF-8
        await send_bytes(send, 200, b"\xff\xfe{}", b"application/json")
    else:
        await send_bytes(send, 200, b'{"code": 0, "reason": "OK"}', b"application/json")


@pytest.fixture(scope="module")
def device() -> Iterator[str]:
    with ServerThread(_hostile) as server:
        yield server.url


@pytest.fixture
def client(device: str) -> Iterator[EjoinClient]:
    with EjoinClient(device, "root", PASSWORD, timeout=0.5, max_body=256 * 1024) as c:
        yield c


def test_json_answer_parses(client: EjoinClient) -> None:
    resp = client.command("lock", "1.01")
    assert resp.status == 200
    assert resp.json() == {"code": 0, "reason": "OK"}
    assert resp.json_error is None


def test_bad_json_is_a_value_with_a_readable_reason(client: EjoinClient) -> None:
    resp = client.get_sms()
    assert resp.data is None
    assert resp.json_error is not None
    assert "not JSON" in resp.json_error
    with pytest.raises(ProtocolViolation, match="not JSON"):
        resp.json()


def test_non_utf8_body_is_reported_as_such(client: EjoinClient) -> None:
    assert "not UTF-8" in (client.get_sms_stat().json_error or "")


def test_huge_body_is_cut_at_the_limit_not_read_whole(client: EjoinClient) -> None:
    resp = client.get_esims()
    assert resp.truncated
    assert len(resp.raw) == 256 * 1024
    assert "larger than" in (resp.json_error or "")
    assert len(resp.exchange.response_body) < 20 * 1024


def test_stalled_device_times_out_with_a_redacted_message(client: EjoinClient) -> None:
    with pytest.raises(TargetTimeout) as info:
        client.get_status(url="http://receiver/push", period=60)
    text = str(info.value)
    assert "no response within 0.5 s" in text
    assert "password=***" in text
    assert PASSWORD not in text
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert client.exchanges[-1].error == text


def test_trickling_device_hits_the_overall_deadline(client: EjoinClient) -> None:
    with pytest.raises(TargetTimeout, match="no complete response within"):
        client.get_tasks(1)


def test_refused_connection_is_target_unreachable() -> None:
    with (
        EjoinClient(f"http://127.0.0.1:{free_port()}", "root", PASSWORD, timeout=1.0) as c,
        pytest.raises(TargetUnreachable) as info,
    ):
        c.get_sms()
    assert PASSWORD not in str(info.value)


def test_exchange_records_never_carry_the_password(client: EjoinClient) -> None:
    client.post_credentials = "both"
    client.pause_sms([1, 2])
    client.set_params([("sim_imei(0)", "123456789012345")])
    for exchange in client.exchanges:
        assert PASSWORD not in exchange.render()
    assert '"password": "***"' in client.exchanges[0].render()


def test_client_repr_hides_the_password(client: EjoinClient) -> None:
    assert PASSWORD not in repr(client)
