from __future__ import annotations

import base64
from collections.abc import Callable

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device

from .conftest import call, check, run


def _pair(make_device: Callable[..., Device], **b: object) -> tuple[Device, Device]:
    a = make_device(status_url="http://127.0.0.1:9/a", sr_url="http://127.0.0.1:9/sr")
    return a, make_device(sms_url="http://127.0.0.1:9/b", **b)


def test_sms_to_another_emulated_sim_arrives_as_recv_sms_batch(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    a, b = _pair(make_device, sms_cnt=2, sms_prd=30.0)
    to = f"{b.bank.slot(1, 1).number},{b.bank.slot(2, 1).number}"
    call(
        a, "POST", "/goip_post_sms.html", body={"tasks": [{"tid": 1, "to": to, "sms": "héllo", "from": "1"}]}
    )
    run(a, clock, 12)
    pushes = [p for p in run(b, clock, 1) if p.kind == "recv-sms"]
    assert len(pushes) == 1
    assert pushes[0].payload["sms_num"] == "2"
    first = pushes[0].payload["sms"][0]
    assert first[1] == "1.01"
    assert base64.b64decode(first[5]).decode() == "héllo"
    assert first[3] == a.bank.slot(1, 1).number


def test_default_sms_cnt_1_uses_the_legacy_octet_stream_forward(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    a, b = _pair(make_device)
    call(
        a,
        "POST",
        "/goip_post_sms.html",
        body={"tasks": [{"tid": 1, "to": b.bank.slot(3, 1).number, "sms": "hi"}]},
    )
    run(a, clock, 6)
    pushes = run(b, clock, 1)
    assert [p.kind for p in pushes] == ["sms-forward"]
    assert pushes[0].content_type.startswith("application/octet-stream")
    assert pushes[0].body.endswith(b"\r\n\r\nhi")
    check("ejoin/sms-forward.push", pushes[0].payload)


def test_dr_1_produces_a_delivery_report_on_the_sending_port(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    a = make_device(sms_url="http://127.0.0.1:9/a", sms_cnt=5, sms_prd=10.0)
    call(
        a,
        "POST",
        "/goip_post_sms.html",
        body={"tasks": [{"tid": 1, "to": "55501", "sms": "x", "from": "4", "dr": 1}]},
    )
    reports = [p for p in run(a, clock, 30) if p.kind == "recv-sms"]
    entry = reports[0].payload["sms"][0]
    assert entry[0] == 1
    assert entry[1] == "4.01"
    assert entry[4] == "55501"
    assert entry[5].startswith("0 ")


def test_get_sms_pages_with_next_sms_and_deletes(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device()
    for i in range(3):
        device.deliver(1, 1, "10010", "x", f"m{i}", clock.now())
    device.advance()
    first = call(device, "GET", "/goip_get_sms.html", "username=root&password=root&sms_num=2").payload()
    check("ejoin/goip_get_sms.response", first)
    assert (first["sms_num"], first["next_sms"]) == (2, 3)
    rest = call(
        device, "GET", "/goip_get_sms.html", "username=root&password=root&sms_id=3&sms_del=1"
    ).payload()
    assert rest["sms_num"] == 1
    assert (
        call(device, "GET", "/goip_get_sms.html", "username=root&password=root&sms_id=3").payload()["sms_num"]
        == 0
    )


def test_sim_pool_ports_use_the_pool_name_and_sim_src_1(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device(sms_url="http://127.0.0.1:9/a", sms_cnt=2, sms_prd=1.0)
    device.bank.slot(1, 1).pool = (128, 16)
    device.deliver(1, 1, "10010", "x", "pool", clock.now())
    pushes = [p for p in run(device, clock, 2) if p.kind == "recv-sms"]
    assert pushes[0].payload["sim_src"] == 1
    assert pushes[0].payload["sms"][0][1] == "1.sp128.016"


def test_sent_sms_push_in_the_simple_v2_profile(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device(profile="simple-v2", status_url="http://127.0.0.1:9/s")
    call(device, "POST", "/goip_post_sms.html", body={"tasks": [{"tid": 4, "to": "777", "sms": "yo"}]})
    sent = [p for p in run(device, clock, 6) if p.kind == "sent-sms"]
    assert sent[0].payload["sms_tid"] == 4
    assert sent[0].payload["status"] == "0 OK"
