from __future__ import annotations

import threading
import time

import httpx
import pytest

from smsgw._http import ServerThread, read_body, send_json
from smsgw._http.asgi import Receive, Scope, Send
from smsgw.emulator.app import RecordingSink
from smsgw.emulator.clock import ScaledClock, VirtualClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.serve import Fleet

AUTH = {"username": "root", "password": "root"}


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    with Fleet(2, DeviceConfig(register_time=0.0), clock=VirtualClock(), sink=RecordingSink()) as running:
        yield running


HOSTILE: list[tuple[str, str, dict[str, str], bytes]] = [
    ("POST", "/goip_post_sms.html", AUTH, b"{not json"),
    ("POST", "/goip_post_sms.html", AUTH, b"[]"),
    ("POST", "/goip_post_sms.html", AUTH, b'{"tasks": 5}'),
    ("POST", "/goip_post_sms.html", AUTH, b'{"tasks": [1, "x", null, {"tid": -1}, {"tid": 1e99}]}'),
    (
        "POST",
        "/goip_post_sms.html",
        AUTH,
        b'{"tasks": [{"tid": 1, "to": [1], "sms": {}, "from": [], "intvl": "x"}]}',
    ),
    ("POST", "/goip_post_sms.html", {}, b'{"tasks": [{"tid": 1}]}'),
    ("POST", "/goip_post_sms.html", AUTH, "\udcff".encode("utf-8", "surrogatepass")),
    ("POST", "/goip_pause_sms.html", AUTH, b'{"tids": "all"}'),
    ("POST", "/goip_remove_sms.html", AUTH, b'{"tids": [{"a": 1}, null, 1.5]}'),
    ("POST", "/goip_resume_sms.html", AUTH, b"\x00\x01"),
    ("GET", "/goip_get_tasks.html", {**AUTH, "port": "x", "pos": "-1"}, b""),
    ("POST", "/goip_send_cmd.html", AUTH, b'{"op": "multiple", "ops": [1, {"op": null}]}'),
    ("POST", "/goip_send_cmd.html", {**AUTH, "op": "set"}, b"sim_imei(99999)=1&sim_number(x)=2"),
    ("POST", "/goip_send_cmd.html", AUTH, b'{"op": "lock", "ports": "1-2-3,,-"}'),
    ("GET", "/goip_send_cmd.html", {**AUTH, "op": "get", "nonsense(1)": ""}, b""),
    ("GET", "/goip_get_status.html", {**AUTH, "period": "abc", "port": "0"}, b""),
    ("GET", "/goip_get_sms.html", {**AUTH, "sms_id": "-5", "sms_num": "z"}, b""),
    ("GET", "/goip_get_sms_stat.html", {**AUTH, "ports": "0-999", "type": "9"}, b""),
    ("POST", "/goip_write_esims.html", AUTH, b'{"port": "x"}'),
    ("GET", "/crypt_sess.json", {"username": "root", "cnonce": "a", "auth": "b", "expires": "-1"}, b""),
    ("GET", "/goip_get_status.html", {"session": "nope", "seq": "x", "auth": "y"}, b""),
    ("DELETE", "/goip_unknown.html", AUTH, b""),
    ("GET", "/../../etc/passwd", {}, b""),
]


@pytest.mark.parametrize(("method", "path", "params", "body"), HOSTILE)
def test_hostile_input_never_gets_a_5xx(
    fleet: Fleet, method: str, path: str, params: dict, body: bytes
) -> None:
    response = httpx.request(method, fleet.urls[0] + path, params=params, content=body, timeout=5)
    assert response.status_code < 500, response.text
    assert response.json(), "every answer is a JSON reason"


def test_huge_body_answers_413_with_a_json_reason(fleet: Fleet) -> None:
    response = httpx.post(
        fleet.urls[0] + "/goip_post_sms.html", params=AUTH, content=b"x" * (1 << 20 + 1), timeout=10
    )
    assert response.status_code == 413
    assert "bytes" in response.json()["reason"]


def test_500_on_bad_json_defect_is_switchable_by_the_control_api(fleet: Fleet) -> None:
    url = fleet.urls[1]
    assert (
        httpx.post(url + "/_emu/faults", json={"on": ["defect.500-on-bad-json"]}, timeout=5).status_code
        == 200
    )
    try:
        assert (
            httpx.post(url + "/goip_post_sms.html", params=AUTH, content=b"{", timeout=5).status_code == 500
        )
    finally:
        httpx.post(url + "/_emu/faults", json={"off": ["defect.500-on-bad-json"]}, timeout=5)
    assert httpx.post(url + "/goip_post_sms.html", params=AUTH, content=b"{", timeout=5).status_code == 400


def test_control_api_unknown_switch_is_a_400(fleet: Fleet) -> None:
    response = httpx.post(fleet.urls[1] + "/_emu/faults", json={"on": ["defect.nope"]}, timeout=5)
    assert response.status_code == 400


def test_control_api_injects_sms_and_sim_changes_and_reads_state(fleet: Fleet) -> None:
    url = fleet.urls[1]
    assert (
        httpx.post(url + "/_emu/sms", json={"port": 2, "from": "10010", "text": "hey"}, timeout=5).status_code
        == 200
    )
    data = httpx.get(url + "/goip_get_sms.html", params=AUTH, timeout=5).json()
    assert data["data"][-1][3] == "10010"
    answer = httpx.post(url + "/_emu/sim", json={"port": 3, "code": 6}, timeout=5).json()
    assert answer["status"] == "6 Register failed"
    state = httpx.get(url + "/_emu/state", timeout=5).json()
    assert state["port_state"][2]["slots"][0]["code"] == 6
    assert "password" not in str(state)
    assert httpx.post(url + "/_emu/advance", json={"seconds": 1}, timeout=5).status_code == 200


def test_sms_travels_between_devices_of_the_fleet(fleet: Fleet) -> None:
    a, b = fleet.urls
    number = fleet.devices[1].bank.slot(5, 1).number
    body = {"type": "send-sms", "tasks": [{"tid": 77, "to": number, "sms": "over the air"}]}
    assert (
        httpx.post(a + "/goip_post_sms.html", params=AUTH, json=body, timeout=5).json()["status"][0]["status"]
        == "0 OK"
    )
    httpx.post(a + "/_emu/advance", json={"seconds": 10}, timeout=5)
    httpx.post(b + "/_emu/advance", json={"seconds": 1}, timeout=5)
    data = httpx.get(b + "/goip_get_sms.html", params=AUTH, timeout=5).json()["data"]
    assert any(item[1] == "5.01" and item[4] == number for item in data)


def test_openapi_documents_are_served(fleet: Fleet) -> None:
    assert httpx.get(fleet.urls[0] + "/openapi.yaml", timeout=5).text.startswith("openapi")
    assert "/_emu/sim" in httpx.get(fleet.urls[0] + "/_emu/openapi.json", timeout=5).json()["paths"]


class _Collector:
    def __init__(self) -> None:
        self.bodies: list[tuple[str, bytes]] = []
        self.event = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await read_body(receive, 1 << 20)
        self.bodies.append((scope["path"], body))
        self.event.set()
        await send_json(send, 200, {"ok": True})


def test_pushes_go_out_over_http_and_a_dead_receiver_never_blocks() -> None:
    collector = _Collector()
    with ServerThread(collector) as receiver:
        config = DeviceConfig(status_url=receiver.url + "/status", register_time=0.0)
        with Fleet(1, config, clock=ScaledClock(1000.0)) as running:
            url = running.urls[0]
            httpx.post(
                url + "/goip_send_cmd.html", params=AUTH, json={"op": "lock", "ports": "1.01"}, timeout=5
            )
            assert collector.event.wait(5)
            assert collector.bodies[0][0] == "/status"
            httpx.get(
                url + "/goip_get_status.html", params={**AUTH, "url": "http://127.0.0.1:9/dead"}, timeout=5
            )
            started = time.monotonic()
            for _ in range(20):
                assert httpx.get(url + "/goip_get_status.html", params=AUTH, timeout=5).status_code == 200
            assert time.monotonic() - started < 5


def test_a_fleet_pushes_periodic_dev_status_without_any_request() -> None:
    collector = _Collector()
    with ServerThread(collector) as receiver:
        config = DeviceConfig(status_url=receiver.url + "/dev", status_period=60)
        with Fleet(1, config, clock=ScaledClock(3000.0)):
            assert collector.event.wait(5)
    assert b'"type":"dev-status"' in collector.bodies[0][1]
