"""The Dinstar device as a whole: routing, identity, device/register/exception pushes, the control
functions, seeded state and transport faults."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.control import ControlError
from smsgw.emulator.dinstar import control
from smsgw.emulator.dinstar.device import DinstarDevice
from tests.emulator.dinstar.conftest import PUSH_URL, api, call, check_pushes, events, run


def test_unknown_paths_are_404_with_the_serial(device: DinstarDevice) -> None:
    response = call(device, "GET", "/api/nothing")
    assert response.status == 404
    assert response.payload() == {"error_code": 404, "sn": device.sn}


def test_identity_is_seeded(make_device: Callable[..., DinstarDevice]) -> None:
    a, b = make_device(index=4, seed=9), make_device(index=4, seed=9)
    assert a.sn == b.sn
    assert [s.number for s in a.bank.all_slots()] == [s.number for s in b.bank.all_slots()]
    assert make_device(index=5, seed=9).sn != a.sn
    assert a.n_ports == 8
    assert a.n_slots == 4


def test_a_single_sim_gateway_reports_slot_255(make_device: Callable[..., DinstarDevice]) -> None:
    device = make_device(slots=1, ports=2)
    assert api(device, "get_port_info", query="info_type=slot")["info"] == [
        {"port": 0, "slot": 255},
        {"port": 1, "slot": 255},
    ]
    assert api(device, "set_port_info", query="port=0&action=slot&param=0")["error_code"] == 400


def test_boot_and_reboot_push_device_power_events(
    make_device: Callable[..., DinstarDevice], clock: VirtualClock
) -> None:
    device = make_device(register_time=3.0)
    assert device.history[0]["payload"]["device"]["status"] == "power_on"
    api(device, "send_sms", {"text": "x", "param": [{"number": "10086"}] * 3, "port": [0]})
    control.reboot(device, {})
    pushes = run(device, clock, 5)
    assert [d["status"] for d in events(pushes, "device")] == ["power_off", "power_on"]
    assert events(pushes, "device")[0]["port_number"] == 8
    registers = events(pushes, "register")
    assert {r["status"] for r in registers} == {"down", "up"}
    assert all("slot" in r for r in registers)
    assert api(device, "query_sms_in_queue")["in_queue"] == 0


def test_register_down_then_up_when_the_sim_is_ejected_and_inserted(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    control.sim(device, {"port": 5, "present": False})
    pushes = run(device, clock, 1)
    control.sim(device, {"port": 5, "present": True, "number": "13912345678"})
    pushes += run(device, clock, 2)
    registers = events(pushes, "register")
    assert [(r["port"], r["status"]) for r in registers] == [(5, "down"), (5, "up")]
    assert registers[0]["iccid"] == ""
    assert registers[1]["number"] == "13912345678"


def test_exception_events_are_pushed(device: DinstarDevice) -> None:
    control.exception(device, {"port": 1, "type": "call_fail", "action": "reset"})
    pushes = device.advance()
    check_pushes(pushes)
    assert events(pushes, "exception_info") == [{"port": 1, "type": "call_fail", "action": "reset"}]


def test_no_push_url_means_no_pushes(make_device: Callable[..., DinstarDevice], clock: VirtualClock) -> None:
    device = make_device(status_url=None)
    control.sms(device, {"port": 0, "text": "hi"})
    assert run(device, clock, 2) == []
    control.config(device, {"push_url": PUSH_URL})
    control.sms(device, {"port": 0, "text": "again"})
    assert [e["text"] for e in events(run(device, clock, 1), "sms")] == ["again"]


def test_the_start_up_device_event_waits_for_the_push_url(
    make_device: Callable[..., DinstarDevice], clock: VirtualClock
) -> None:
    device = make_device(status_url=None)
    control.sms(device, {"port": 0, "text": "lost"})
    assert run(device, clock, 2) == []
    control.config(device, {"push_url": PUSH_URL})
    pushes = run(device, clock, 1)
    assert [d["status"] for d in events(pushes, "device")] == ["power_on"]
    assert events(pushes, "sms") == []
    assert events(run(device, clock, 1), "device") == []


def test_control_functions_validate_their_input(device: DinstarDevice) -> None:
    for bad in ({"port": 8}, {"port": "0"}, {"port": 0, "slot": 4}, {"port": 0, "pin": "12"}):
        with pytest.raises(ControlError):
            control.sim(device, bad)
    with pytest.raises(ControlError):
        control.call(device, {"port": 0, "direction": "sideways"})
    with pytest.raises(ControlError):
        control.config(device, {"digest_algorithm": "SHA-1"})
    with pytest.raises(ControlError):
        control.faults(device, {"on": ["defect.nope"]})
    assert control.faults(device, {"on": ["defect.dinstar-sn-missing"]})[1]["faults"]["drop_rate"] == 0
    assert "sn" not in call(device, "GET", "/api/query_sms_in_queue").payload()


def test_reset_state_forgets_sms_and_inbox(device: DinstarDevice, clock: VirtualClock) -> None:
    api(device, "send_sms", {"text": "x", "param": [{"number": "10086"}]})
    control.sms(device, {"port": 0, "text": "hi"})
    run(device, clock, 1)
    control.reset(device, {})
    assert api(device, "query_sms_result", {})["result"] == []
    assert api(device, "query_incoming_sms", query="flag=all")["sms"] == []


def test_transport_faults_apply_to_api_answers(device: DinstarDevice) -> None:
    device.faults.update({"error_rate": 1.0})
    response = call(device, "GET", "/api/query_sms_in_queue")
    assert response.status == 503
    device.faults.update({"error_rate": 0.0, "drop_rate": 1.0})
    assert call(device, "GET", "/api/query_sms_in_queue").drop
