"""Port information, port settings, call forward, USSD, CDR and STK (dinstar-uc-1.2 §7-§8, §10-§15, §18)."""

from __future__ import annotations

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.dinstar import control
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.dinstar.ports_api import INFO_TYPES
from tests.emulator.dinstar.conftest import api, call, check, events, run


def info(device: DinstarDevice, port: int, types: str = ",".join(INFO_TYPES)) -> dict:
    answer = api(device, "get_port_info", query=f"port={port}&info_type={types}")
    assert answer["error_code"] == 200
    (entry,) = answer["info"]
    return entry


def set_port(device: DinstarDevice, query: str) -> int:
    check("dinstar/set_port_info.query", dict(p.split("=", 1) for p in query.split("&")))
    return api(device, "set_port_info", query=query)["error_code"]


def test_port_info_answers_every_info_type_asked(device: DinstarDevice) -> None:
    entry = info(device, 1)
    assert set(entry) == {"port", *INFO_TYPES}
    assert entry["port"] == 1
    assert entry["reg"] == "REGISTER_OK"
    assert entry["slot"] == 0
    assert entry["number"] == device.bank.port(2).current.number
    assert entry["remain_credit"].replace(".", "").isdigit()
    answer = api(device, "get_port_info", query="info_type=imei")
    assert [i["port"] for i in answer["info"]] == list(range(device.n_ports))
    assert api(device, "get_port_info", {"info_type": ["reg"], "port": [0, 1]})["info"] == [
        {"port": 0, "reg": "REGISTER_OK"},
        {"port": 1, "reg": "REGISTER_OK"},
    ]


@pytest.mark.parametrize(
    "query", ["port=1", "info_type=", "info_type=colour", "info_type=imei&port=8", "info_type=imei&port=x"]
)
def test_port_info_refuses_bad_queries(device: DinstarDevice, query: str) -> None:
    assert api(device, "get_port_info", query=query)["error_code"] == 400


def test_slot_power_and_reset_change_the_port(device: DinstarDevice, clock: VirtualClock) -> None:
    assert set_port(device, "port=2&action=slot&param=3") == 200
    pushes = run(device, clock, 1)
    assert info(device, 2, "slot,reg")["slot"] == 3
    assert set_port(device, "port=2&action=power&param=off") == 200
    assert info(device, 2, "reg")["reg"] == "POWER_OFF"
    pushes += run(device, clock, 1)
    assert set_port(device, "port=2&action=power&param=on") == 200
    pushes += run(device, clock, 1)
    assert info(device, 2, "reg")["reg"] == "REGISTER_OK"
    assert set_port(device, "port=2&action=reset") == 200
    registers = events(pushes, "register")
    assert [r["status"] for r in registers] == ["down", "up"]
    assert [r["sequence"] for r in registers] == [1, 2]
    assert registers[1]["slot"] == 3


def test_imei_number_lock_block(device: DinstarDevice, clock: VirtualClock) -> None:
    assert set_port(device, "port=0&action=imei&param=358967042917201") == 200
    assert set_port(device, "port=0&action=number&param=13900000000") == 200
    entry = info(device, 0, "imei,number")
    assert (entry["imei"], entry["number"]) == ("358967042917201", "13900000000")
    assert set_port(device, "port=0&action=lock&param=1234") == 200
    assert info(device, 0, "reg")["reg"] == "PIN_REQUIRE"
    assert set_port(device, "port=0&action=unlock&param=0000") == 500
    assert set_port(device, "port=0&action=unlock&param=1234") == 200
    assert info(device, 0, "reg")["reg"] == "REGISTER_OK"
    assert set_port(device, "port=0&action=block") == 200
    assert info(device, 0, "reg")["reg"] == "UNREGISTER"
    assert set_port(device, "port=0&action=unblock") == 200
    run(device, clock, 1)
    assert info(device, 0, "reg")["reg"] == "REGISTER_OK"


def test_lock_and_unlock_take_the_pin_the_sim_was_given(device: DinstarDevice, clock: VirtualClock) -> None:
    control.sim(device, {"port": 3, "pin": "2580"})
    assert set_port(device, "port=3&action=lock&param=1234") == 500
    assert info(device, 3, "reg")["reg"] == "REGISTER_OK"
    assert set_port(device, "port=3&action=lock&param=2580") == 200
    assert info(device, 3, "reg")["reg"] == "PIN_REQUIRE"
    assert set_port(device, "port=3&action=unlock&param=2580") == 200
    run(device, clock, 1)
    assert info(device, 3, "reg")["reg"] == "REGISTER_OK"


def test_a_port_without_sim_answers_no_sim_identity(device: DinstarDevice) -> None:
    assert info(device, 4, "imsi,iccid")["imsi"] != ""
    control.sim(device, {"port": 4, "present": False})
    entry = info(device, 4, "imsi,iccid,reg")
    assert (entry["imsi"], entry["iccid"], entry["reg"]) == ("", "", "NO_SIM")


@pytest.mark.parametrize(
    "query",
    [
        "action=reset",
        "port=0",
        "port=0&action=Reset",
        "port=0&action=POWER&param=on",
        "port=0&action=checkcallforward",
        "port=40&action=reset",
        "port=0&action=slot",
        "port=0&action=slot&param=4",
        "port=0&action=power&param=maybe",
        "port=0&action=imei&param=12",
        "port=0&action=number&param=abc",
        "port=0&action=CallForward&param=Sometimes&number=1",
        "port=0&action=CallForward&param=Busy",
    ],
)
def test_set_port_info_refuses_bad_requests(device: DinstarDevice, query: str) -> None:
    assert api(device, "set_port_info", query=query)["error_code"] == 400


def test_call_forward_is_set_checked_then_read(device: DinstarDevice) -> None:
    assert set_port(device, "port=3&action=CallForward&param=Unconditional&number=15013828917") == 200
    assert info(device, 3, "CallForward") == {"port": 3, "CallForwarding": {}}
    assert set_port(device, "port=3&action=CheckCallForward") == 200
    assert info(device, 3, "CallForward") == {"port": 3, "CallForwarding": {"Unconditional": "15013828917"}}
    assert set_port(device, "port=3&action=CallForward&param=CancelAll") == 200
    assert set_port(device, "port=3&action=CheckCallForward") == 200
    assert info(device, 3, "CallForward")["CallForwarding"] == {}


def test_ussd_answers_per_port_and_the_reply_is_queried_and_pushed(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    device.powered[device.bank_port(2)] = False
    api(device, "send_sms", {"text": "x", "param": [{"number": "10086"}], "port": [1]})
    device.advance()
    body = {"port": [0, 1, 2], "command": "send", "text": "*125#"}
    check("dinstar/send_ussd.request", body)
    answer = api(device, "send_ussd", body)
    assert answer["error_code"] == 202
    assert answer["result"] == [
        {"port": 0, "status": 200},
        {"port": 1, "status": 486},
        {"port": 2, "status": 503},
    ]
    pushes = run(device, clock, 3)
    assert [u["port"] for u in events(pushes, "ussd")] == [0]
    reply = api(device, "query_ussd_reply", query="port=0,1")["reply"]
    assert reply[0]["text"].startswith("*125#: your balance is")
    assert reply[1] == {"port": 1, "text": ""}
    assert api(device, "send_ussd", {"port": [0], "command": "cancel"})["result"] == [
        {"port": 0, "status": 200}
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"port": [0]},
        {"port": [0], "text": "x" * 61},
        {"text": "*1#"},
        {"port": [0], "text": "*1#", "command": "stop"},
        {"port": "zero", "text": "*1#"},
    ],
)
def test_send_ussd_refuses_bad_requests(device: DinstarDevice, body: dict) -> None:
    assert api(device, "send_ussd", body)["error_code"] == 400


def test_query_ussd_reply_needs_ports(device: DinstarDevice) -> None:
    assert api(device, "query_ussd_reply")["error_code"] == 400
    assert api(device, "query_ussd_reply", query="port=1,x")["error_code"] == 400


def test_cdr_lists_calls_by_port_and_time_and_pushes_answered_ones(device: DinstarDevice) -> None:
    control.call(device, {"port": 2, "duration": 3, "destination_number": "6717"})
    control.call(device, {"port": 3, "duration": 0})
    pushes = device.advance()
    assert [c["port"] for c in events(pushes, "cdr")] == [2]
    check("dinstar/get_cdr.request", {"port": [2, 3]})
    assert [c["port"] for c in api(device, "get_cdr", {"port": [2, 3]})["cdr"]] == [2, 3]
    assert api(device, "get_cdr", {"port": [2]})["cdr"][0]["destination_number"] == "6717"
    assert api(device, "get_cdr", {"time_after": "2030-01-01 00:00:00"})["cdr"] == []
    assert api(device, "get_cdr", {"port": "x"})["error_code"] == 400


def test_stk_menu_select_and_go_home(device: DinstarDevice) -> None:
    view = call(device, "GET", "/GetSTKView", "port=0").payload()
    check("dinstar/getstkview.response", view)
    assert view["input_type"] == 2
    assert [i["item_id"] for i in view["item"]] == [1, 2, 3]
    frame = call(device, "GET", "/GetSTKCurrFrameIndex", "port=0").payload()
    check("dinstar/getstkcurrframeindex.response", frame)
    check("dinstar/stkgo.request", {"port": 0, "item": 2})
    assert call(device, "POST", "/STKGo", body={"port": 0, "item": 2}).status == 200
    selected = call(device, "GET", "/GetSTKView", "port=0").payload()
    assert selected["input_type"] == 0
    assert device.bank.port(1).current.number in selected["text"]
    assert selected["frame_id"] == frame["frame_id"] + 1
    assert call(device, "POST", "/STKGo", body={"port": 0, "action": "home"}).status == 200
    assert call(device, "GET", "/GetSTKView", "port=0").payload()["input_type"] == 2
    assert call(device, "POST", "/STKGo", body={"port": 0, "action": "cancle"}).payload()["error_code"] == 400
    assert call(device, "GET", "/GetSTKView", "port=77").payload()["error_code"] == 400
