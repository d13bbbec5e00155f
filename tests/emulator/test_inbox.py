from __future__ import annotations

import base64
from collections.abc import Callable

from smsgw.emulator import control
from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device
from smsgw.emulator.inbox import CHUNKED, INBOX_LIMIT, Received

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


def test_inbox_keeps_the_newest_inbox_limit_sms_and_counts_the_dropped(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device()
    for n in range(INBOX_LIMIT + 5):
        device.inbox.add(
            Received(False, "1.01", clock.now(), "10010", "8613800000001", f"sms {n}"), clock.now()
        )
    assert len(device.inbox.messages) == INBOX_LIMIT
    assert device.inbox.dropped == 5
    assert device.state()["inbox_dropped"] == 5
    first = call(device, "GET", "/goip_get_sms.html", "username=root&password=root&sms_id=1&sms_num=1")
    assert base64.b64decode(first.payload()["data"][0][5]).decode() == "sms 5"


def _three_then_one(device: Device, clock: VirtualClock) -> list[list[int]]:
    """Three SMS at once, a fourth 5 s later; the recv-sms batch sizes pushed over 40 s."""
    for _ in range(3):
        device.deliver(2, 1, "10010", "8613800000001", "hi", clock.now())
    pushes = run(device, clock, 5)
    device.deliver(2, 1, "10010", "8613800000001", "hi", clock.now())
    pushes += run(device, clock, 40)
    return [[len(p.payload["sms"])] for p in pushes if p.kind == "recv-sms"]


def test_sms_cnt_flushes_a_full_cache_at_once_and_sms_prd_the_rest(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device(sms_url="http://127.0.0.1:9/a", sms_cnt=3)
    assert _three_then_one(device, clock) == [[3], [1]]


def test_batching_defects_push_one_by_one_or_never_flush_by_period(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    unbuffered = make_device(
        sms_url="http://127.0.0.1:9/a", sms_cnt=3, switches=("defect.recv-sms-not-buffered",)
    )
    assert _three_then_one(unbuffered, clock) == [[1], [1], [1], [1]]
    stuck = make_device(sms_url="http://127.0.0.1:9/b", sms_cnt=3, switches=("defect.sms-prd-ignored",))
    assert _three_then_one(stuck, clock) == [[3]]


def test_default_defects_change_the_batching_a_device_starts_with(make_device: Callable[..., Device]) -> None:
    assert (make_device().sms_cnt, make_device().sms_prd) == (1, 30.0)
    assert make_device(switches=("defect.sms-cnt-default-10",)).sms_cnt == 10
    assert make_device(switches=("defect.sms-prd-default-5",)).sms_prd == 5.0


def test_receive_sms_report_switch_off_drops_received_sms_unless_the_defect_ignores_it(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    for switches, expected in (((), 0), (("defect.recv-report-switch-ignored",), 1)):
        device = make_device(profile="simple-v2", sms_url="http://127.0.0.1:9/a", switches=switches)
        control.config(device, {"recv_sms_report": False})
        device.deliver(2, 1, "10010", "8613800000001", "quiet", clock.now())
        assert len([p for p in run(device, clock, 2) if p.kind == "sms-forward"]) == expected
        control.config(device, {"recv_sms_report": True})
        device.deliver(2, 1, "10010", "8613800000001", "loud", clock.now())
        assert [p.payload["text"] for p in run(device, clock, 2) if p.kind == "sms-forward"] == ["loud"]


def test_forward_defect_marks_the_push_chunked(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device(sms_url="http://127.0.0.1:9/a", switches=("defect.forward-no-content-length",))
    device.deliver(2, 1, "10010", "8613800000001", "hi", clock.now())
    (push,) = run(device, clock, 2)
    assert CHUNKED in push.headers


def test_pool_port_defect_names_a_pool_card_like_a_local_slot(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    device = make_device(
        sms_url="http://127.0.0.1:9/a", sms_cnt=2, sms_prd=1.0, switches=("defect.recv-sms-pool-port-local",)
    )
    device.bank.slot(1, 1).pool = (128, 16)
    device.deliver(1, 1, "10010", "8613800000001", "pool", clock.now())
    pushes = []
    for _ in range(3):  # not run(): the defect's push does not match the recv-sms schema
        clock.advance(1)
        pushes += [p for p in device.advance() if p.kind == "recv-sms"]
    assert pushes[0].payload["sim_src"] == 1
    assert pushes[0].payload["sms"][0][1] == "1.01"
