"""Device status, SIP configuration, MMS, SOCKS5 and the DRP login (dinstar-uc-1.2 §16, §19-§26)."""

from __future__ import annotations

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.dinstar.device import DinstarDevice
from tests.emulator.dinstar.conftest import PASSWORD, USER, api, call, check

MMS_CONFIG = {
    "APN": "cmwap",
    "username": "",
    "password": "",
    "MMSC": "http://mmsc.monternet.com",
    "MMS_proxy": "10.0.0.172",
    "MMS_port": "80",
}


def post(device: DinstarDevice, path: str, body: object, schema: str | None = None) -> object:
    response = call(device, "POST", path, body=body)
    assert response.status == 200
    payload = response.payload()
    if schema:
        check(schema, payload)
    return payload


def test_get_status_reports_performance_as_strings(device: DinstarDevice) -> None:
    check("dinstar/get_status.request", ["performance"])
    answer = post(device, "/api/get_status", ["performance"], "dinstar/get_status.response")
    assert isinstance(answer, dict)
    assert answer["performance"]["flash_total"] == "27648"
    assert post(device, "/api/get_status", ["uptime"]) == {"error_code": 400, "sn": device.sn}


def test_config_round_trip(device: DinstarDevice) -> None:
    every = {
        "sip_proxy": [],
        "sip_trunk": [],
        "ip_to_tel_routing": [],
        "port_group": [],
        "tel_to_ip_routing": [],
    }
    check("dinstar/get_config.request", every)
    before = post(device, "/api/get_config", every, "dinstar/get_config.response")
    assert isinstance(before, dict)
    assert set(before) == set(every)
    assert before["port_group"][0]["port_map"] == "[0,1,2,3,4,5,6,7]"
    trunk = {
        "index": 31,
        "enable": "on",
        "domain": "172.18.110.110",
        "port": 9367,
        "description": "benji",
        "check_network_status": "on",
    }
    body = {"sip_proxy": [{"domain": "", "port": 2, "check_network_status": "off"}], "sip_trunk": [trunk]}
    check("dinstar/set_config.request", body)
    answer = post(device, "/api/set_config", body, "dinstar/set_config.response")
    assert answer == [{"sip_proxy": "success"}, {"sip_trunk": ["31_success"]}]
    after = post(
        device, "/api/get_config", {"sip_trunk": [31], "sip_proxy": []}, "dinstar/get_config.response"
    )
    assert isinstance(after, dict)
    assert after["sip_trunk"] == [trunk]
    assert after["sip_proxy"]["port"] == 2


@pytest.mark.parametrize("body", [{}, {"sip_trunk": "all"}, {"sip_proxy": [1]}, [1], {"sip_trunk": [99]}])
def test_get_config_refuses_bad_requests(device: DinstarDevice, body: object) -> None:
    assert post(device, "/api/get_config", body) == {"error_code": 400, "sn": device.sn}


@pytest.mark.parametrize(
    "body", [{}, {"sip_trunk": [1]}, {"sip_proxy": [{}, {}]}, {"port_group": [{"index": "x"}]}]
)
def test_set_config_refuses_bad_requests(device: DinstarDevice, body: object) -> None:
    assert post(device, "/api/set_config", body) == {"error_code": 400, "sn": device.sn}


def test_mms_configure_upload_send_and_status(device: DinstarDevice, clock: VirtualClock) -> None:
    config = {"port": 0, "configuration": MMS_CONFIG}
    check("dinstar/mms_configuration.request", config)
    assert api(device, "mms_configuration", config)["error_code"] == 200
    assert api(device, "mms_configuration", {"port": 40, "configuration": MMS_CONFIG})["error_code"] == 404
    assert api(device, "mms_configuration", {"port": 0, "configuration": {"APN": 1}})["error_code"] == 400
    send = {"port": 0, "title": "Test", "number": "12345", "file_id": 0}
    check("dinstar/send_mms.request", send)
    assert api(device, "send_mms", send)["error_code"] == 404  # no file uploaded yet
    upload = call(
        device, "POST", "/api/mms_file/file0", body=b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--"
    )
    assert upload.payload()["error_code"] == 200
    accepted = api(device, "send_mms", send)
    assert accepted["error_code"] == 202
    mms_id = accepted["mms_id"]
    assert api(device, "query_mms_sending_status", query=f"mms_id={mms_id}")["error_code"] == 202
    clock.advance(6)
    assert api(device, "query_mms_sending_status", query=f"mms_id={mms_id}")["error_code"] == 200
    assert api(device, "query_mms_sending_status", query="mms_id=99")["error_code"] == 404
    assert api(device, "query_mms_sending_status")["error_code"] == 400
    unconfigured = api(device, "send_mms", {**send, "port": 1})
    clock.advance(6)
    failed = api(device, "query_mms_sending_status", query=f"mms_id={unconfigured['mms_id']}")
    assert failed["error_code"] == 503


def test_socks5_proxy_on_and_off(device: DinstarDevice) -> None:
    check("dinstar/socks5_proxy.request", {"port": 0, "state": "on"})
    assert api(device, "socks5_proxy", {"port": 0, "state": "on"}) == {
        "error_code": 200,
        "sn": device.sn,
        "socks_port": 1080,
    }
    assert api(device, "socks5_proxy", {"port": 3, "state": "off"})["socks_port"] == 1083
    assert api(device, "socks5_proxy", {"port": 0, "state": "maybe"})["error_code"] == 400
    device.powered[2] = False
    assert api(device, "socks5_proxy", {"port": 1, "state": "on"}) == {"error_code": 503, "sn": device.sn}


def test_drp_login_then_remote_web_selects_the_gateway(device: DinstarDevice) -> None:
    no_auth: dict[str, str] = {}
    assert call(device, "GET", "/remoteWeb", f"Product_sns={device.sn}", headers=no_auth).status == 401
    bad = call(device, "GET", "/doLogin", f"Username={USER}&password=wrong", headers=no_auth)
    assert bad.status == 401
    assert PASSWORD not in bad.body.decode()
    ok = call(device, "GET", "/doLogin", f"Username={USER}&password={PASSWORD}", headers=no_auth)
    assert ok.status == 200
    check("dinstar/dologin.query", {"Username": USER, "password": PASSWORD})
    assert call(device, "GET", "/remoteWeb", f"Product_sns={device.sn}", headers=no_auth).status == 200
    assert call(device, "GET", "/remoteWeb", "Product_sns=0123-4567-890A-BCDE", headers=no_auth).status == 404
    assert device.auth.failed_logins == 1
