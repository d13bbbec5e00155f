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
