"""The Dinstar client: digest round-trip against the emulator (loopback), request shapes, TLS with a CA
file or verify off, and no Authorization header or password in any evidence record."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from smsgw.client import DinstarClient, Exchange
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.serve import Fleet

PASSWORD = "dinstar-pw-Secret-42"


@pytest.fixture(scope="module")
def fleet() -> Iterator[Fleet]:
    with Fleet(1, DeviceConfig(profile="dinstar-uc", username="admin", password=PASSWORD)) as running:
        yield running


def _mock(seen: list[httpx.Request]) -> DinstarClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"error_code": 200, "sn": "x"})

    return DinstarClient("http://gw", "admin", PASSWORD, auth="none", transport=httpx.MockTransport(handler))


def test_request_shapes() -> None:
    seen: list[httpx.Request] = []
    client = _mock(seen)
    client.send_sms("hi #param#", [{"number": "10086", "text_param": ["x"], "user_id": 1}], port=[0, 1])
    client.get_port_info(["imei", "reg"], port=[0, 2])
    client.query_incoming_sms(flag="all", incoming_sms_id=0)
    client.get_status()
    send, info, incoming, status = seen
    assert send.method == "POST"
    assert send.url.path == "/api/send_sms"
    assert json.loads(send.content) == {
        "text": "hi #param#",
        "param": [{"number": "10086", "text_param": ["x"], "user_id": 1}],
        "port": [0, 1],
    }
    assert send.headers["content-type"].startswith("application/json")
    assert dict(info.url.params) == {"port": "0,2", "info_type": "imei,reg"}
    assert dict(incoming.url.params) == {"flag": "all", "incoming_sms_id": "0"}
    assert json.loads(status.content) == ["performance"]


def test_digest_round_trip_and_no_secret_in_evidence(fleet: Fleet) -> None:
    records: list[Exchange] = []
    with DinstarClient(fleet.urls[0], "admin", PASSWORD, timeout=10) as client:
        client.listeners.append(records.append)
        resp = client.query_sms_in_queue()
    assert resp.status == 200, resp.text
    assert resp.data["error_code"] == 200
    assert records
    text = "\n".join(r.render() for r in records)
    assert PASSWORD not in text
    assert "authorization" not in text.lower()
    assert "Digest username" not in text


def test_wrong_password_and_no_credentials_get_401(fleet: Fleet) -> None:
    with DinstarClient(fleet.urls[0], "admin", "not-the-password", timeout=10) as wrong:
        assert wrong.query_sms_in_queue().status == 401
    with DinstarClient(fleet.urls[0], "admin", PASSWORD, auth="none", timeout=10) as anonymous:
        resp = anonymous.query_sms_in_queue()
    assert resp.status == 401
    assert resp.headers.get("www-authenticate", "").lower().startswith("digest")


def test_https_with_the_ca_file_or_verify_off() -> None:
    config = DeviceConfig(profile="dinstar-uc", username="admin", password=PASSWORD)
    with Fleet(1, config, tls=True) as fleet:
        assert fleet.urls[0].startswith("https://")
        assert fleet.ca_file
        with DinstarClient(fleet.urls[0], "admin", PASSWORD, verify=fleet.ca_file, timeout=10) as client:
            assert client.query_sms_in_queue().status == 200
        with DinstarClient(fleet.urls[0], "admin", PASSWORD, verify=False, timeout=10) as client:
            assert client.query_sms_in_queue().status == 200
