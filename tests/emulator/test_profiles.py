"""The device profiles: the proxy gateway serves what its document defines (goip_get_status §3 and
goip_send_cmd §4, with version=1.1 and JSON command bodies) and no SMS endpoint."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smsgw.emulator.device import Device
from smsgw.emulator.profiles import PROFILES, get_profile

from .conftest import AUTH, call


def test_proxy_gateway_defines_only_status_and_commands_on_port_8080() -> None:
    proxy = get_profile("proxy-gateway")
    assert proxy.operations == {"goip_get_status", "goip_send_cmd"}
    assert proxy.http_port == 8080
    assert "redial" in proxy.extra_ops
    with pytest.raises(ValueError, match="unknown profile"):
        get_profile("proxy")
    assert set(PROFILES) >= {"gateway-2.4", "router-2.2", "proxy-gateway", "simple-v2"}


@pytest.mark.parametrize("endpoint", ["goip_get_tasks", "goip_remove_sms", "goip_post_sms", "goip_get_sms"])
def test_proxy_gateway_answers_404_for_sms_endpoints(
    make_device: Callable[..., Device], endpoint: str
) -> None:
    device = make_device(profile="proxy-gateway")
    assert call(device, "GET", f"/{endpoint}.html", f"{AUTH}&version=1.1&port=1&pos=0").status == 404


def test_proxy_gateway_answers_send_cmd_get_with_version_1_1(make_device: Callable[..., Device]) -> None:
    device = make_device(profile="proxy-gateway", sms_url="http://127.0.0.1:9/sms")
    resp = call(device, "GET", "/goip_send_cmd.html", f"{AUTH}&version=1.1&op=get&sms_url=")
    assert resp.status == 200
    assert resp.payload() == {"code": 0, "reason": "OK", "sms_url": "http://127.0.0.1:9/sms"}


def test_version_1_1_refused_on_send_cmd_with_the_defect(make_device: Callable[..., Device]) -> None:
    device = make_device(profile="proxy-gateway", switches=("defect.version-1-1-refused",))
    refused = call(device, "GET", "/goip_send_cmd.html", f"{AUTH}&version=1.1&op=get&sms_url=")
    assert refused.status == 400
    assert refused.payload()["code"] == 15
    without = call(device, "GET", "/goip_send_cmd.html", f"{AUTH}&op=get&sms_url=")
    assert without.status == 200
    assert without.payload()["code"] == 0


def test_proxy_gateway_reads_a_json_command_body(make_device: Callable[..., Device]) -> None:
    device = make_device(profile="proxy-gateway")
    no_port = call(
        device,
        "POST",
        "/goip_send_cmd.html",
        f"{AUTH}&version=1.1",
        {"type": "command", "op": "unlock", "ports": "999"},
    )
    assert no_port.status == 200
    assert no_port.payload() == {"code": 2, "reason": "Invalid Port"}
    not_json = call(device, "POST", "/goip_send_cmd.html", f"{AUTH}&version=1.1", b"tids=1")
    assert 400 <= not_json.status < 500
    locked = call(
        device,
        "POST",
        "/goip_send_cmd.html",
        f"{AUTH}&version=1.1",
        {"type": "command", "op": "lock", "ports": "2"},
    )
    assert locked.payload()["code"] == 0
    assert device.bank.slot(2, 1).user_locked
