"""A Dinstar device served like an Ejoin one: Fleet/profile selection, digest over HTTP, HTTPS with a
generated certificate, the control API, the OpenAPI document, and pushes graded PASS by a receiver."""

from __future__ import annotations

import httpx
import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.serve import Fleet
from smsgw.receiver import start_receiver
from smsgw.verdicts import Verdict
from tests.emulator.dinstar.conftest import PASSWORD, USER

CONFIG = DeviceConfig(
    profile="dinstar-uc", username=USER, password=PASSWORD, register_time=0.0, send_time=2.0
)


def test_fleet_builds_a_dinstar_device_for_the_dinstar_profile() -> None:
    fleet = Fleet(2, CONFIG, clock=VirtualClock())
    other = Fleet(1, DeviceConfig(), clock=VirtualClock())
    assert all(isinstance(d, DinstarDevice) for d in fleet.devices)
    assert isinstance(other.devices[0], Device)
    assert fleet.devices[0].sn != fleet.devices[1].sn
    for f in (fleet, other):
        f.stop()


def test_digest_over_http_and_the_control_api() -> None:
    clock = VirtualClock()
    with Fleet(1, CONFIG, clock=clock) as fleet:
        url = fleet.urls[0]
        assert url.startswith("http://")
        with httpx.Client(base_url=url, auth=httpx.DigestAuth(USER, PASSWORD), timeout=10) as client:
            assert client.get("/api/query_sms_in_queue").json()["in_queue"] == 0
            plain = httpx.get(f"{url}/api/query_sms_in_queue", timeout=10)
            assert plain.status_code == 401
            assert plain.headers["www-authenticate"].startswith("Digest ")
            injected = client.post("/_emu/sms", json={"port": 3, "from": "10010", "text": "hello"})
            assert injected.status_code == 200
            inbox = client.get("/api/query_incoming_sms", params={"flag": "all"}).json()
            assert [(m["port"], m["text"]) for m in inbox["sms"]] == [(3, "hello")]
            state = client.get("/_emu/state").json()
            assert state["profile"] == "dinstar-uc"
            assert state["auth"]["failed_logins"] == 0
            assert PASSWORD not in str(state)
            assert client.post("/_emu/advance", json={"seconds": 5}).json()["time"] == clock.now()
            assert client.post("/_emu/sim", json={"port": 99}).status_code == 400
            assert client.get("/_emu/nope").status_code == 404
            assert "/_emu/exception" in client.get("/_emu/openapi.json").json()["paths"]
            document = client.get("/openapi.yaml")
            assert document.status_code == 200
            assert b"/api/send_sms" in document.content


def test_https_with_the_generated_certificate() -> None:
    with Fleet(1, CONFIG, clock=VirtualClock(), tls=True) as fleet:
        url = fleet.urls[0]
        assert url.startswith("https://127.0.0.1:")
        assert fleet.tls is not None
        context = fleet.tls.client_context()
        with httpx.Client(verify=context, auth=httpx.DigestAuth(USER, PASSWORD), timeout=10) as client:
            answer = client.get(f"{url}/api/get_port_info", params={"info_type": "reg", "port": "0"})
            assert answer.json()["info"] == [{"port": 0, "reg": "REGISTER_OK"}]
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/api/query_sms_in_queue", timeout=10)  # the system CAs do not know it
        ca = fleet.ca_file
        assert ca is not None
    assert fleet.tls is not None
    assert not fleet.tls.directory.exists(), "stopping the fleet removes the key material"


def test_pushes_reach_a_receiver_and_grade_pass() -> None:
    clock = VirtualClock()
    with start_receiver() as rx:
        config = DeviceConfig(
            profile="dinstar-uc",
            username=USER,
            password=PASSWORD,
            register_time=0.0,
            send_time=2.0,
            status_url=rx.push_url("gw"),
        )
        with Fleet(1, config, clock=clock) as fleet:
            url = fleet.urls[0]
            with httpx.Client(base_url=url, auth=httpx.DigestAuth(USER, PASSWORD), timeout=10) as client:
                own = fleet.devices[0].bank.port(2).current.number
                body = {"text": "x" * 200, "param": [{"number": own, "user_id": 1}], "port": [0]}
                assert client.post("/api/send_sms", json=body).json()["error_code"] == 202
                client.post("/api/send_ussd", json={"port": [1], "text": "*125#"})
                client.post("/_emu/call", json={"port": 0, "duration": 30})
                client.post("/_emu/exception", json={"port": 0, "type": "call_fail", "action": "reset"})
                client.get("/api/set_port_info", params={"port": 4, "action": "power", "param": "off"})
                for _ in range(10):
                    client.post("/_emu/advance", json={"seconds": 1})
                client.post("/_emu/reboot")
            kinds = {
                "device",
                "sms",
                "sms_result",
                "sms_deliver_status",
                "ussd",
                "register",
                "cdr",
                "exception_info",
            }
            for kind in sorted(kinds):
                rx.wait_for(
                    lambda m, kind=kind: m.type == kind or m.type.endswith(kind), device="gw", timeout=15
                )
        messages = rx.messages(device="gw")
    assert messages
    assert {m.verdict for m in messages} == {Verdict.PASS}, [(m.type, m.errors) for m in messages]
    assert all(m.family == "dinstar" for m in messages)
