from __future__ import annotations

import base64
import gc
import tracemalloc
from collections.abc import Callable

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.faults import catalog
from smsgw.verdicts import Verdict

from .conftest import AUTH, call, check, check_pushes, run

STATUS = "/goip_get_status.html"
CMD = "/goip_send_cmd.html"


def test_get_status_answers_a_dev_status_and_sets_the_report_url(device: Device) -> None:
    payload = call(device, "GET", STATUS, "username=root&password=root&url=127.0.0.1:8/x&period=0").payload()
    check("ejoin/goip_get_status.response", payload)
    assert payload["type"] == "dev-status"
    assert payload["max-slots"] == "4"
    assert len(payload["status"]) == 32
    assert device.status_url == "http://127.0.0.1:8/x"


def test_dev_status_pushes_every_period_with_increasing_seq(device: Device, clock: VirtualClock) -> None:
    call(device, "GET", STATUS, "username=root&password=root&url=http://127.0.0.1:8/x&period=60")
    pushes = [p for p in run(device, clock, 200, step=10) if p.kind == "dev-status"]
    seqs = [p.payload["seq"] for p in pushes]
    assert len(seqs) == 3
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 3


def test_period_below_60_is_raised_to_60_and_0_cancels(device: Device, clock: VirtualClock) -> None:
    call(device, "GET", STATUS, "username=root&password=root&url=http://127.0.0.1:8/x&period=5")
    assert device.period == 60
    call(device, "GET", STATUS, "username=root&password=root&period=0")
    assert not [p for p in run(device, clock, 130, step=10) if p.kind == "dev-status"]


def test_all_slots_lists_every_slot(device: Device) -> None:
    payload = call(device, "GET", STATUS, "username=root&password=root&all_slots=1").payload()
    assert len(payload["status"]) == 128
    check("ejoin/goip_get_status.response", payload)


@pytest.mark.parametrize(
    "query", ["username=root&password=bad", "username=root", "", "Username=x&Password=y"]
)
def test_bad_credentials_are_refused_with_401(device: Device, query: str) -> None:
    assert call(device, "GET", STATUS, query).status == 401


def test_credentials_in_case_variant_keys_are_accepted(device: Device) -> None:
    assert call(device, "GET", STATUS, "Username=root&Password=root").status == 200


def test_post_credentials_may_travel_in_the_json_body(device: Device) -> None:
    body = {
        "username": "root",
        "password": "root",
        "type": "send-sms",
        "tasks": [{"tid": 1, "to": "1", "sms": "x"}],
    }
    assert call(device, "POST", "/goip_post_sms.html", "", body).payload()["status"][0]["status"] == "0 OK"


def test_auth_ignored_defect_accepts_anything(device: Device) -> None:
    device.switches.set("defect.auth-ignored", True)
    assert call(device, "GET", STATUS, "").status == 200


def test_lock_and_unlock_push_port_status_and_block_sending(device: Device, clock: VirtualClock) -> None:
    answer = call(device, "POST", CMD, body={"type": "command", "op": "lock", "ports": "2.01"}).payload()
    check("ejoin/goip_send_cmd.response", answer)
    assert answer == {"code": 0, "reason": "OK"}
    pushes = [p for p in run(device, clock, 1) if p.kind == "port-status"]
    assert [(p.payload["port"], p.payload["st"]) for p in pushes] == [("2.01", "12 User locked")]
    assert not device.bank.can_send(2)
    call(device, "POST", CMD, body={"type": "command", "op": "unlock", "ports": "2"})
    assert device.bank.can_send(2)


def test_switch_registers_the_new_slot_through_registering(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device(register_time=3.0, status_url="http://127.0.0.1:8/s")
    call(device, "GET", CMD, "username=root&password=root&op=switch&port=1.02")
    pushes = run(device, clock, 5)
    states = [(p.payload["port"], p.payload["st"]) for p in pushes if p.kind == "port-status"]
    assert ("1.02", "2 Registering") in states
    assert states[-1] == ("1.02", "3 Registered")
    assert device.bank.port(1).active == 2


def test_multiple_ops_and_port_ranges(device: Device) -> None:
    body = {
        "type": "command",
        "op": "multiple",
        "ops": [{"op": "lock", "ports": "1.01-64.01"}, {"op": "ledoff", "ports": "*"}],
    }
    assert call(device, "POST", CMD, body=body).payload()["code"] == 0
    assert all(p.current.user_locked for p in device.bank.ports)
    assert not any(p.led for p in device.bank.ports)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "command", "op": "explode", "ports": "1"}, 15),
        ({"type": "command", "op": "lock", "ports": "99"}, 2),
        ({"type": "command", "op": "lock"}, 2),
    ],
)
def test_bad_commands_answer_a_nonzero_code_and_change_nothing(device: Device, body: dict, code: int) -> None:
    assert call(device, "POST", CMD, body=body).payload()["code"] == code
    assert not any(p.current.user_locked for p in device.bank.ports)


def test_set_sim_imei_and_sim_number_by_index(device: Device) -> None:
    body = b"sim_imei(21)=865847053403202&sim_number(51)=123456762221"
    answer = call(device, "POST", CMD, "username=root&password=root&op=set", body).payload()
    check("ejoin/goip_send_cmd.response", answer)
    assert answer["par_set"] == 2
    assert device.bank.slot(6, 2).imei == "865847053403202"
    assert device.bank.slot(13, 4).number == "123456762221"
    got = call(device, "GET", CMD, "username=root&password=root&op=get&sim_number(51)").payload()
    assert got["sim_number(51)"] == "123456762221"


def test_reboot_changes_ssrc_and_drops_tasks(device: Device) -> None:
    ssrc = device.inbox.ssrc
    call(device, "POST", "/goip_post_sms.html", body={"tasks": [{"tid": 1, "to": "1", "sms": "x"}]})
    call(device, "POST", CMD, body={"type": "command", "op": "reboot"})
    assert device.inbox.ssrc != ssrc
    assert not device.tasks.tasks


@pytest.mark.parametrize(
    ("switch", "verdict"),
    [
        ("quirk.max-slot-key", Verdict.NON_STRICT),
        ("quirk.st-int", Verdict.NON_STRICT),
        ("quirk.letter-ports", Verdict.NON_STRICT),
        ("quirk.bal-number", Verdict.NON_STRICT),
        ("defect.dev-status-missing-mac", Verdict.FAIL),
    ],
)
def test_switches_make_dev_status_non_strict_or_fail(device: Device, switch: str, verdict: Verdict) -> None:
    device.switches.set(switch, True)
    check("ejoin/goip_get_status.response", call(device, "GET", STATUS).payload(), verdict)


def test_port_status_key_quirk_is_non_strict(device: Device, clock: VirtualClock) -> None:
    device.switches.set("quirk.status-key", True)
    call(device, "POST", CMD, body={"type": "command", "op": "lock", "ports": "1.01"})
    pushes = run(device, clock, 1, step=1) if False else device.advance()
    assert pushes
    for push in pushes:
        check("ejoin/port-status.push", push.payload, Verdict.NON_STRICT)


def test_seq_not_increasing_defect_repeats_seq(device: Device) -> None:
    device.switches.set("defect.seq-not-increasing", True)
    seqs = {call(device, "GET", STATUS).payload()["seq"] for _ in range(3)}
    assert seqs == {1}


def test_every_switch_has_a_unique_prefixed_name_and_a_description() -> None:
    switches = catalog()
    assert len(switches) >= 30
    for name, switch in switches.items():
        assert name.startswith(f"{switch.kind}.")
        assert switch.description


def test_stats_count_sent_and_received_per_window(device: Device, clock: VirtualClock) -> None:
    call(
        device,
        "POST",
        "/goip_post_sms.html",
        body={"tasks": [{"tid": 1, "to": "1,2", "sms": "x", "from": "1"}]},
    )
    check_pushes(run(device, clock, 20))
    payload = call(
        device, "GET", "/goip_get_sms_stat.html", "username=root&password=root&ports=1&type=0"
    ).payload()
    check("ejoin/goip_get_sms_stat.response", payload)
    assert payload["stats"][0]["sent_ok"] == 2
    clock.advance(7200)
    payload = call(
        device, "GET", "/goip_get_sms_stat.html", "username=root&password=root&ports=1&type=1"
    ).payload()
    assert payload["stats"][0]["sent_ok"] == 0
    payload = call(
        device, "GET", "/goip_get_sms_stat.html", "username=root&password=root&ports=1&type=3"
    ).payload()
    assert payload["stats"][0]["sent_ok"] == 2
    calls = call(
        device, "GET", "/goip_get_call_stat.html", "username=root&password=root&ports=1-2&slots=all"
    ).payload()
    check("ejoin/goip_get_call_stat.response", calls)
    assert calls["count"] == 8


def test_esim_write_progresses_asynchronously(device: Device, clock: VirtualClock) -> None:
    body = [{"port": 1, "slot": 1, "ac": "LPA:1$smdp.example.com$ABC", "cc": ""}]
    answer = call(device, "POST", "/goip_write_esims.html", body=body).payload()
    check("ejoin/goip_write_esims.response", answer)
    clock.advance(600)
    query = call(device, "GET", "/goip_get_esims.html", "username=root&password=root&ports=1").payload()
    check("ejoin/goip_get_esims.response", query)
    assert query["ports"][0]["profiles"][0]["exust"] == 1


def test_crypt_sess_session_authenticates_later_requests(device: Device) -> None:
    from smsgw.ejoin_security import request_auth, session_auth

    auth = session_auth("root", "root", "abc")
    answer = call(device, "GET", "/crypt_sess.json", f"username=root&cnonce=abc&auth={auth}")
    check("ejoin/crypt_sess.response", answer.payload())
    session = answer.payload()["session"]
    sig = request_auth("root", "root", session, 1, STATUS)
    ok = call(device, "GET", STATUS, f"session={session}&seq=1&auth={sig}")
    assert ok.status == 200
    assert call(device, "GET", STATUS, f"session={session}&seq=1&auth={sig}").status == 401, "replay refused"


@pytest.mark.parametrize(("ports", "slots", "budget_kb"), [(32, 4, 160), (8, 1, 48)])
def test_a_device_is_small_enough_for_a_fan_in_of_10000(ports: int, slots: int, budget_kb: int) -> None:
    """load/status_fanin.py holds one Device per Locust user: per-slot counters, send queues and
    the eSIM bank are made on first use (a 32 x 4 gateway was ~400 KB with them made up front)."""
    clock = VirtualClock()
    Device(DeviceConfig(ports=ports, slots=slots), clock)  # imports and caches outside the measure
    gc.collect()
    tracing = tracemalloc.is_tracing()  # python -X tracemalloc: leave it on
    if not tracing:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        devices = [Device(DeviceConfig(ports=ports, slots=slots, index=i), clock) for i in range(5)]
        gc.collect()
        per_device = (tracemalloc.get_traced_memory()[0] - before) / len(devices)
    finally:
        if not tracing:
            tracemalloc.stop()
    assert per_device < budget_kb * 1024


def test_the_esim_bank_made_on_first_use_answers_like_one_made_up_front(device: Device) -> None:
    device.advance()  # the ticker before any eSIM request
    answer = call(device, "GET", "/goip_get_esims.html", f"{AUTH}&ports=1-2").payload()
    assert [p["port"] for p in answer["ports"]] == [1, 2]
    assert device.esim is device.esim


def test_sent_sms_of_a_multi_line_text_is_base64_in_one_line_unless_the_defect_breaks_it(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    text = "\u00fcber die Stra\u00dfe\n\u4f60\u597d, \u4e16\u754c \u2014 a longer second line\nthird"
    for switches, lines in (((), 1), (("defect.sent-sms-base64-line-breaks",), 2)):
        device = make_device(profile="simple-v2", status_url="http://127.0.0.1:9/s", switches=switches)
        call(device, "POST", "/goip_post_sms.html", body={"tasks": [{"tid": 4, "to": "777", "sms": text}]})
        pushes = []
        for _ in range(6):  # not run(): the defect's data does not match the sent-sms schema
            clock.advance(1)
            pushes += device.advance()
        (sent,) = [p.payload for p in pushes if p.kind == "sent-sms"]
        assert sent["charset"] == "BASE64"
        assert len(sent["data"].splitlines()) == lines
        assert base64.b64decode("".join(sent["data"].split())).decode() == text


def test_sdr_letter_defect_names_slot_01_with_b(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device(
        sr_url="http://127.0.0.1:9/sr", sr_cnt=1, switches=("defect.sdr-port-letter-shifted",)
    )
    task = {"tid": 7, "to": "777", "sms": "hi", "from": "2", "sdr": 1}
    call(device, "POST", "/goip_post_sms.html", body={"tasks": [task]})
    pushes = []
    for _ in range(8):  # not run(): the defect's ports are graded by the suite, not here
        clock.advance(1)
        pushes += device.advance()
    records = [
        r for p in pushes if p.kind == "status-report" for e in p.payload["rpts"] for r in e.get("sdr", [])
    ]
    assert [r[2] for r in records] == ["2B"]
