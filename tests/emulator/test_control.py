from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from smsgw.emulator import control
from smsgw.emulator.app import RecordingSink
from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import HUGE_RESPONSE_BYTES, Device, DeviceConfig
from smsgw.emulator.serve import Fleet

from .conftest import call, check, run


def test_sim_control_changes_state_and_pushes_port_status(device: Device, clock: VirtualClock) -> None:
    status, answer = control.sim(device, {"port": 4, "code": 5, "balance": 0.5})
    assert status == 200
    assert answer["status"] == "5 no balance or alarm"
    pushes = [p for p in run(device, clock, 1) if p.kind == "port-status"]
    assert pushes[-1].payload["st"] == "5 no balance or alarm"
    assert pushes[-1].payload["bal"] == "0.50"


def test_sim_control_refuses_bad_values(device: Device) -> None:
    for body in ({"port": 99}, {"port": 1, "code": 10}, {"port": 1, "signal": "x"}, {"port": 1, "pool": [1]}):
        with pytest.raises(control.ControlError):
            control.sim(device, body)


def test_config_sets_urls_and_period(device: Device, clock: VirtualClock) -> None:
    control.config(device, {"status_url": "http://127.0.0.1:9/new", "period": 60, "send_time": 1})
    pushes = [p for p in run(device, clock, 61) if p.kind == "dev-status"]
    assert pushes[0].url == "http://127.0.0.1:9/new"
    assert device.tasks.send_time == 1.0


def test_faults_catalog_lists_switch_state(device: Device) -> None:
    _, answer = control.faults(device, {"on": ["quirk.max-slot-key"], "faults": {"latency_ms": 1}})
    by_name = {s["name"]: s for s in answer["switches"]}
    assert by_name["quirk.max-slot-key"]["on"] is True
    assert by_name["quirk.max-slot-key"]["erratum"] == "E-EJ-DEVSTATUS-MAXSLOT-KEY"
    assert answer["faults"]["latency_ms"] == 1


def test_outcomes_and_advance_need_a_network_and_a_virtual_clock(device: Device) -> None:
    _, answer = control.outcomes(device, {"rules": ["999:1"]})
    assert answer["rules"][0]["prefix"] == "999"
    _, answer = control.advance(device, {"seconds": 5})
    assert answer["time"] == device.clock.now()


@pytest.fixture(scope="module")
def noisy() -> Fleet:
    with Fleet(1, DeviceConfig(stall_seconds=0.3), clock=VirtualClock(), sink=RecordingSink()) as running:
        yield running


def _faults(url: str, body: dict) -> None:
    assert httpx.post(url + "/_emu/faults", json=body, timeout=5).status_code == 200


def test_error_rate_1_answers_503_and_control_api_stays_up(noisy: Fleet) -> None:
    url = noisy.urls[0]
    _faults(url, {"faults": {"error_rate": 1}})
    try:
        assert (
            httpx.get(
                url + "/goip_get_sms.html", params={"username": "root", "password": "root"}, timeout=5
            ).status_code
            == 503
        )
        assert httpx.get(url + "/_emu/state", timeout=5).status_code == 200
    finally:
        _faults(url, {"faults": {"error_rate": 0}})


def test_drop_rate_1_closes_the_connection(noisy: Fleet) -> None:
    url = noisy.urls[0]
    _faults(url, {"faults": {"drop_rate": 1}})
    try:
        with pytest.raises(httpx.TransportError):
            httpx.get(url + "/goip_get_sms.html", params={"username": "root", "password": "root"}, timeout=5)
    finally:
        _faults(url, {"faults": {"drop_rate": 0}})


def test_stall_and_truncation_defects(noisy: Fleet) -> None:
    url = noisy.urls[0]
    _faults(url, {"on": ["defect.stall-response"]})
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(
                url + "/goip_get_sms.html", params={"username": "root", "password": "root"}, timeout=0.1
            )
    finally:
        _faults(url, {"off": ["defect.stall-response"], "on": ["defect.truncated-json"]})
    try:
        text = httpx.get(
            url + "/goip_get_sms.html", params={"username": "root", "password": "root"}, timeout=5
        ).text
        with pytest.raises(ValueError, match=r".*"):
            httpx.Response(200, content=text).json()
    finally:
        _faults(url, {"off": ["defect.truncated-json"]})


def test_state_and_push_log_redact_passwords_in_push_urls(device: Device, clock: VirtualClock) -> None:
    control.config(device, {"status_url": "http://u:hunter2@127.0.0.1:9/s?password=hunter2"})
    control.sim(device, {"port": 1, "code": 6})
    run(device, clock, 1)
    text = str(control.state(device, {})) + str(control.pushes(device, {}))
    assert "hunter2" not in text
    assert "port-status" in text


def test_injected_calls_feed_call_statistics_and_tot_dur(device: Device, clock: VirtualClock) -> None:
    control.call(device, {"port": 1, "duration": 90, "pdd": 3000})
    control.call(device, {"port": 1, "connected": False, "pdd": 1000})
    answer = call(
        device, "GET", "/goip_get_call_stat.html", "username=root&password=root&ports=1&type=0"
    ).payload()
    check("ejoin/goip_get_call_stat.response", answer)
    stat = answer["stats"][0]
    assert (stat["calls"], stat["connected"], stat["nc"], stat["asr"], stat["acd"]) == (2, 1, "1/2", 50, 90)
    assert (stat["tcd"], stat["act_tcd"], stat["pdd"]) == (2, 90, 2000)
    pushes = [p for p in run(device, clock, 1) if p.kind == "port-status"]
    assert pushes[-1].payload["tot_dur"] == "2/-1"


def test_huge_response_defect_pads_a_valid_answer_past_any_read_limit(make_device: Any) -> None:
    device = make_device(switches=("defect.huge-response",))
    response = call(device, "GET", "/goip_get_sms.html")
    assert len(response.body) > HUGE_RESPONSE_BYTES
    assert orjson.loads(response.body)["code"] == 0  # still JSON: the padding is whitespace


def test_config_usage_report_switches_leave_their_counters_out(make_device: Any) -> None:
    device = make_device(profile="simple-v2")
    control.config(device, {"usage_reports": {"sms": False, "traffic": False}})
    entry = call(device, "GET", "/goip_get_status.html").payload()["status"][0]
    assert "mcn_tot" in entry
    assert "mtn_day" in entry
    assert not [k for k in entry if k.startswith(("smsctl_", "dataflow_"))]
    with pytest.raises(control.ControlError):
        control.config(device, {"usage_reports": {"cdr": False}})
    ignoring = make_device(profile="simple-v2", switches=("defect.usage-report-switches-ignored",))
    control.config(ignoring, {"usage_reports": {"sms": False}})
    assert "smsctl_tot" in call(ignoring, "GET", "/goip_get_status.html").payload()["status"][0]
