"""The SMS-path defects (status reports, recv-sms, goip_get_sms, task operations) change what the
conformance checks of those areas observe, and nothing when switched off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device

from .conftest import call

Outcome = dict[str, Any]


def run(device: Device, clock: VirtualClock, seconds: float) -> list[Any]:
    """Every push of ``seconds`` of device time (not schema-checked: defects break the schemas)."""
    out: list[Any] = []
    for _ in range(int(seconds)):
        clock.advance(1.0)
        out.extend(device.advance())
    return out


def _exchange(make_device: Callable[..., Device], clock: VirtualClock, *switches: str) -> Outcome:
    """Device a sends a 2-recipient task (sdr, sr_cnt 1) and a dr=1 task to device b's SIMs."""
    a = make_device(switches=switches, sms_url="http://127.0.0.1:9/dr", sms_cnt=2, sms_prd=1.0)
    b = make_device(switches=switches)
    n1, n2 = b.bank.slot(1, 1).number, b.bank.slot(2, 1).number
    body = {
        "sr_url": "http://127.0.0.1:9/sr",
        "sr_cnt": 1,
        "tasks": [
            {
                "tid": 7,
                "to": f"{n1},{n2}",
                "sms": "aGk=",
                "chs": "base64",
                "from": "1",
                "sdr": 1,
                "sr_cnt": 1,
            },
            {"tid": 8, "to": n1, "sms": "yo", "from": "1", "dr": 1},
        ],
    }
    answer = call(a, "POST", "/goip_post_sms.html", body=body).payload()
    call(
        b,
        "POST",
        "/goip_post_sms.html",
        body={"tasks": [], "sms_url": "http://127.0.0.1:9/sms", "sms_cnt": 2},
    )
    a_pushes = run(a, clock, 40)
    b_pushes = run(b, clock, 40)
    return {
        "answer": answer,
        "reports": [p for p in a_pushes if p.kind == "status-report"],
        "received": [p for p in b_pushes + a_pushes if p.kind == "recv-sms"],
        "get_sms": call(b, "GET", "/goip_get_sms.html", "username=root&password=root&sms_num=1").payload(),
        "b": b,
    }


def _rpts(o: Outcome) -> list[Any]:
    return [
        e for p in o["reports"] for e in (p.payload["rpts"] if isinstance(p.payload["rpts"], list) else [])
    ]


def _sms(o: Outcome) -> list[list[Any]]:
    return [t for p in o["received"] for t in p.payload["sms"]]


CASES: dict[str, Callable[[Outcome], bool]] = {
    "defect.sdr-default-on": lambda o: any("sdr" in e for e in _rpts(o) if e["tid"] == 8),
    "defect.sdr-no-timestamp": lambda o: any(len(d) == 3 for e in _rpts(o) for d in e.get("sdr", [])),
    "defect.sdr-index-zero": lambda o: [d[0] for e in _rpts(o) for d in e.get("sdr", [])] == [0, 0],
    "defect.task-sr-cnt-ignored": lambda o: len([e for e in _rpts(o) if e["tid"] == 7]) == 1,
    "defect.sr-unsent-missing": lambda o: all("unsent" not in e for e in _rpts(o)),
    "defect.sr-tid-internal": lambda o: not {7, 8} & {e["tid"] for e in _rpts(o)},
    "defect.status-report-type-wrong": lambda o: o["reports"][0].payload["type"] == "status_report",
    "defect.rpts-object": lambda o: isinstance(o["reports"][0].payload["rpts"], dict),
    "defect.push-content-type-text": lambda o: o["reports"][0].content_type == "text/plain",
    "defect.dr-default-on": lambda o: len([t for t in _sms(o) if t[0] == 1]) == 3,
    "defect.recv-sms-type-wrong": lambda o: o["received"][0].payload["type"] == "recv_sms",
    "defect.recv-sms-num-wrong": lambda o: all(p.payload["sms_num"] == "1" for p in o["received"]),
    "defect.recv-sms-no-flag": lambda o: all(len(t) == 5 for t in _sms(o)),
    "defect.recv-sms-port-bare": lambda o: all("." not in t[1] for t in _sms(o)),
    "defect.chs-base64-ignored": lambda o: "YUdrPQ==" in [t[5] for t in _sms(o)],
    "defect.get-sms-num-total": lambda o: o["get_sms"]["sms_num"] != len(o["get_sms"]["data"]),
}


@pytest.mark.parametrize("defect", sorted(CASES))
def test_defect_changes_what_the_checks_observe(
    make_device: Callable[..., Device], clock: VirtualClock, defect: str
) -> None:
    assert not CASES[defect](_exchange(make_device, clock))
    assert CASES[defect](_exchange(make_device, clock, defect))


def test_get_sms_defects(make_device: Callable[..., Device], clock: VirtualClock) -> None:
    for switches, query, want in (
        ((), "sms_num=1", 1),
        (("defect.sms-num-limit-ignored",), "sms_num=1", 3),
        (("defect.get-sms-defaults-wrong",), "", 1),
    ):
        o = _exchange(make_device, clock, *switches)
        got = call(o["b"], "GET", "/goip_get_sms.html", f"username=root&password=root&{query}").payload()
        assert len(got["data"]) == want, switches
    o = _exchange(make_device, clock, "defect.get-sms-deletes", "defect.ssrc-per-query")
    again = call(o["b"], "GET", "/goip_get_sms.html").payload()
    assert o["get_sms"]["data"][0] not in again["data"]
    assert again["ssrc"] != o["get_sms"]["ssrc"]


def test_results_without_tids_defect(make_device: Callable[..., Device]) -> None:
    for switches, want in (((), False), (("defect.results-without-tids",), True)):
        device = make_device(switches=switches)
        answer = call(device, "POST", "/goip_pause_sms.html", body={}).payload()
        assert ("results" in answer) is want


def test_get_sms_html_defect(make_device: Callable[..., Device]) -> None:
    answer = call(make_device(switches=("defect.get-sms-html",)), "GET", "/goip_get_sms.html")
    assert answer.content_type == "text/html"
    assert call(make_device(), "GET", "/goip_get_sms.html").payload()["code"] == 0


def _post(device: Device, body: Any) -> Any:
    return call(device, "POST", "/goip_post_sms.html", body=body).payload()


TASK = {"tid": 1, "to": "10086", "sms": "hi", "from": "1"}


@pytest.mark.parametrize(
    ("defect", "body", "conformant", "faulty"),
    [
        ("defect.send-sms-type-required", {"tasks": [TASK]}, "0 OK", None),
        (
            "defect.task-num-string-refused",
            {"type": "send-sms", "task_num": "1", "tasks": [TASK]},
            "0 OK",
            None,
        ),
        ("defect.intvl-number-refused", {"tasks": [{**TASK, "intvl": 0}]}, "0 OK", "7 Server Error"),
        ("defect.refused-task-queued", {"tasks": [{k: v for k, v in TASK.items() if k != "sms"}]}, "8", "8"),
    ],
)
def test_send_sms_defects(
    make_device: Callable[..., Device], defect: str, body: Any, conformant: str, faulty: str | None
) -> None:
    def status(device: Device) -> str | None:
        statuses = _post(device, body).get("status") or []
        return statuses[0]["status"] if statuses else None

    assert str(status(make_device())).startswith(conformant)
    device = make_device(switches=(defect,))
    got = status(device)
    assert got == faulty if faulty is None or " " in faulty else str(got).startswith(faulty)
    if defect == "defect.refused-task-queued":
        assert device.tasks.tasks


def test_missing_tasks_defect(make_device: Callable[..., Device]) -> None:
    assert _post(make_device(), {"type": "send-sms"})["code"] != 200
    assert _post(make_device(switches=("defect.missing-tasks-ok",)), {"type": "send-sms"})["code"] == 200


@pytest.mark.parametrize(
    ("defect", "query", "faulty"),
    [
        ("defect.get-tasks-port-default-1", "pos=0", lambda a: a["code"] == 200),
        ("defect.get-tasks-num-default-all", "port=1&pos=0", lambda a: a["task_num"] == 12),
        ("defect.get-tasks-content-always", "port=1&pos=0", lambda a: "sms" in a["tasks"][0]),
        ("defect.get-tasks-state-text", "port=1&pos=0", lambda a: a["tasks"][0]["state"] == "normal"),
        ("defect.get-tasks-coding-lost", "port=1&pos=0", lambda a: a["tasks"][0]["coding"] == 0),
    ],
)
def test_get_tasks_defects(
    make_device: Callable[..., Device], defect: str, query: str, faulty: Callable[[Any], bool]
) -> None:
    def listing(device: Device) -> Any:
        tasks = [
            {**TASK, "tid": tid, "coding": 1, "intvl": "5000", "to": "10086,10010"} for tid in range(1, 13)
        ]
        _post(device, {"tasks": tasks})
        return call(device, "GET", "/goip_get_tasks.html", f"username=root&password=root&{query}").payload()

    assert not faulty(listing(make_device()))
    assert faulty(listing(make_device(switches=(defect,))))


def _simple_v2(make_device: Callable[..., Device], clock: VirtualClock, *switches: str) -> dict[str, Any]:
    """A simple-v2 device sends one SMS to its own port-2 SIM: its sent-sms and forward pushes."""
    device = make_device(profile="simple-v2", switches=switches, status_url="http://127.0.0.1:9/st")
    number = device.bank.slot(2, 1).number
    body = {
        "tasks": [{**TASK, "to": number, "sms": "你好"}],
        "sms_url": "http://127.0.0.1:9/fwd",
        "sms_cnt": 1,
    }
    _post(device, body)
    pushes = run(device, clock, 20)
    sent = [p for p in pushes if p.kind == "sent-sms"]
    forwards = [p for p in pushes if p.kind == "sms-forward"]
    received = [p for p in pushes if p.kind == "recv-sms"]
    return {"sent": sent[0] if sent else None, "forward": forwards[0] if forwards else None, "recv": received}


SIMPLE_CASES: dict[str, Callable[[dict[str, Any]], bool]] = {
    "defect.sent-sms-not-pushed": lambda o: o["sent"] is None,
    "defect.sent-sms-numbers-as-strings": lambda o: o["sent"].payload["seq"] == "1",
    "defect.sent-sms-local-time": lambda o: o["sent"].payload["time"] > 1735689600 + 8 * 3600,
    "defect.sent-sms-src-type-web": lambda o: o["sent"].payload["src_type"] == 2,
    "defect.sent-sms-content-type-text": lambda o: o["sent"].content_type == "text/plain",
    "defect.sent-sms-type-wrong": lambda o: o["sent"].payload["type"] == "sent_sms",
    "defect.sent-sms-status-word": lambda o: o["sent"].payload["status"] == "SENT",
    "defect.sent-sms-receiver-missing": lambda o: "receiver" not in o["sent"].payload,
    "defect.sent-sms-port-bare": lambda o: o["sent"].payload["port"] == "1",
    "defect.sent-sms-charset-lowercase": lambda o: o["sent"].payload["charset"] == "utf8",
    "defect.sent-sms-data-base64": lambda o: o["sent"].payload["data"] == "5L2g5aW9",
    "defect.sent-sms-smc-null": lambda o: o["sent"].payload["smc"] is None,
    "defect.forward-query-missing": lambda o: "?" not in o["forward"].url,
    "defect.forward-gbk": lambda o: "你好".encode() not in o["forward"].body,
    "defect.forward-content-type-json": lambda o: o["forward"].content_type.startswith("application/json"),
    "defect.forward-text-only": lambda o: b"SCTS" not in o["forward"].body,
    "defect.forward-scts-iso": lambda o: b"SCTS: 2025-" in o["forward"].body,
    "defect.forward-user-agent-missing": lambda o: o["forward"].headers == (),
}


@pytest.mark.parametrize("defect", sorted(SIMPLE_CASES))
def test_simple_v2_defects(make_device: Callable[..., Device], clock: VirtualClock, defect: str) -> None:
    assert not SIMPLE_CASES[defect](_simple_v2(make_device, clock))
    assert SIMPLE_CASES[defect](_simple_v2(make_device, clock, defect))


def test_status_report_and_recv_sms_urls_carry_version_1_1(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    o = _exchange(make_device, clock)
    assert all(p.url.endswith("?version=1.1") for p in o["reports"] + o["received"])
    o = _exchange(make_device, clock, "defect.push-version-missing")
    assert not any("version" in p.url for p in o["reports"] + o["received"])


def test_sr_cnt_string_ignored_defect_batches_the_reports(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    def sizes(*switches: str) -> list[int]:
        device = make_device(switches=switches)
        tasks = [{**TASK, "tid": tid} for tid in (1, 2, 3)]
        _post(device, {"tasks": tasks, "sr_url": "http://127.0.0.1:9/sr", "sr_cnt": "1"})
        return [len(p.payload["rpts"]) for p in run(device, clock, 60) if p.kind == "status-report"]

    assert sizes() == [1, 1, 1]
    assert max(sizes("defect.sr-cnt-string-ignored")) > 1


@pytest.mark.parametrize(
    ("defect", "task", "conformant", "faulty"),
    [
        ("defect.long-sms-refused", {**TASK, "sms": "x" * 320}, "0 OK", "7 Server Error"),
        ("defect.smstype-ignored", {**TASK, "smstype": 9}, "15 Invalid CMD", "0 OK"),
    ],
)
def test_task_defects(
    make_device: Callable[..., Device], defect: str, task: dict[str, Any], conformant: str, faulty: str
) -> None:
    assert _post(make_device(), {"tasks": [task]})["status"][0]["status"] == conformant
    assert _post(make_device(switches=(defect,)), {"tasks": [task]})["status"][0]["status"] == faulty


def test_get_send_refused_defect(make_device: Callable[..., Device]) -> None:
    query = "username=root&password=root&tid=5&to=10086&sms=hi&from=1"
    assert call(make_device(), "GET", "/goip_post_sms.html", query).payload()["code"] == 200
    refused = call(make_device(switches=("defect.get-send-refused",)), "GET", "/goip_post_sms.html", query)
    assert refused.payload()["code"] != 200


def test_recv_sms_sim_src_1_defect(make_device: Callable[..., Device], clock: VirtualClock) -> None:
    def sim_src(*switches: str) -> Any:
        device = make_device(profile="simple-v2", switches=switches)
        number = device.bank.slot(2, 1).number
        _post(device, {"tasks": [{**TASK, "to": number}], "sms_url": "http://127.0.0.1:9/m", "sms_cnt": 2})
        return [p.payload.get("sim_src") for p in run(device, clock, 60) if p.kind == "recv-sms"]

    assert sim_src() == [0]
    assert sim_src("defect.recv-sms-sim-src-1") == [1]


def test_unregistered_port_accepted_defect(make_device: Callable[..., Device]) -> None:
    def status(*switches: str) -> str:
        device = make_device(switches=switches)
        call(device, "POST", "/goip_send_cmd.html", body={"type": "command", "op": "lock", "ports": "30"})
        return str(_post(device, {"tasks": [{**TASK, "from": "30"}]})["status"][0]["status"])

    assert status() == "5 SIM Unregistered"
    assert status("defect.unregistered-port-accepted") == "0 OK"


def test_get_tasks_tids_lists_sent_and_latin1_defects(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    def listing(device: Device, body: Any = b"") -> list[Any]:
        query = "username=root&password=root&port=1&pos=0&has_content=1"
        return call(device, "GET", "/goip_get_tasks.html", query, body).payload()["tasks"]

    def queued(*switches: str) -> Device:
        device = make_device(switches=switches)
        tasks = [{**TASK, "tid": tid, "sms": "ü", "intvl": "9000", "to": "10086,10010"} for tid in (1, 2, 3)]
        _post(device, {"tasks": tasks})
        return device

    assert [t["tid"] for t in listing(queued(), {"tids": [2]})] == [2]
    assert len(listing(queued("defect.get-tasks-tids-ignored"), {"tids": [2]})) == 3
    assert listing(queued())[0]["sms"] == "ü"
    assert listing(queued("defect.utf8-as-latin1"))[0]["sms"] == "Ã¼"
    for switches, want in (((), []), (("defect.get-tasks-lists-sent",), [1, 2, 3])):
        device = queued(*switches)
        run(device, clock, 200)
        assert [t["tid"] for t in listing(device)] == want
