"""The sending-option defects (port choice, to_all, intvl, a full queue) and the st code defects
change what the conformance checks of test_sms_send_options.py observe, and nothing when off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device

from .conftest import call, send_sms

SR_URL = "http://127.0.0.1:9/sr"


def _records(device: Device, clock: VirtualClock, task: dict[str, Any], seconds: int = 60) -> list[list[Any]]:
    """Every sdr/fdr record the device reports for ``task`` (sent alone, sdr on) in ``seconds``."""
    body = send_sms([{"tid": 5, "sms": "hi", "sdr": 1, "sr_cnt": 1, **task}], sr_url=SR_URL, sr_cnt=1)
    answer = call(device, "POST", "/goip_post_sms.html", body=body).payload()
    assert answer["status"][0]["status"] == "0 OK"
    out: list[list[Any]] = []
    for _ in range(seconds):
        clock.advance(1.0)
        for push in device.advance():
            if push.kind == "status-report":
                for entry in push.payload["rpts"]:
                    out += entry.get("sdr", []) + entry.get("fdr", [])
    return out


def _pairs(records: list[list[Any]]) -> list[tuple[int, str]]:
    """(recipient index, port number) of each SMS."""
    return sorted((r[0], r[2].split(".")[0]) for r in records)


CASES: dict[
    str, tuple[dict[str, Any], Callable[[list[list[Any]]], Any], Callable[[list[list[Any]]], Any]]
] = {
    # defect: (task, what a conformant device reports, what the faulty one reports)
    "defect.no-from-every-port": (
        {"to": "1,2"},
        lambda r: sorted(i for i, _ in _pairs(r)) == [0, 1],
        lambda r: len(r) == 2 * 8,
    ),
    "defect.from-first-port-only": (
        {"to": "1", "from": "2,3"},
        lambda r: _pairs(r) == [(0, "2"), (0, "3")],
        lambda r: _pairs(r) == [(0, "2")],
    ),
    "defect.ports-first-recipient-only": (
        {"to": "1,2", "from": "2,3"},
        lambda r: _pairs(r) == [(0, "2"), (0, "3"), (1, "2"), (1, "3")],
        lambda r: _pairs(r) == [(0, "2"), (0, "3")],
    ),
    "defect.to-all-ignored": (
        {"to": "1", "to_all": "1"},
        lambda r: sorted(int(p) for _, p in _pairs(r)) == list(range(1, 9)),
        lambda r: len(r) == 1,
    ),
    "defect.intvl-ignored": (
        {"to": "1,2", "from": "4", "intvl": "20000"},
        lambda r: r[1][3] - r[0][3] >= 20,
        lambda r: r[1][3] - r[0][3] == 5,
    ),
}


@pytest.mark.parametrize("defect", sorted(CASES))
@pytest.mark.parametrize("on", [False, True], ids=["off", "on"])
def test_send_option_defect_changes_the_ports_and_times_reported(
    make_device: Callable[..., Device], clock: VirtualClock, defect: str, on: bool
) -> None:
    task, good, faulty = CASES[defect]
    device = make_device(ports=8, slots=1, switches=(defect,) if on else ())
    records = _records(device, clock, task)
    assert (faulty if on else good)(records), records


@pytest.mark.parametrize("on", [False, True], ids=["off", "on"])
def test_queue_full_status_7_defect_answers_7_instead_of_16(
    make_device: Callable[..., Device], on: bool
) -> None:
    device = make_device(max_tasks=2, switches=("defect.queue-full-status-7",) if on else ())
    tasks = [{"tid": tid, "to": "1", "sms": "hi", "from": "1"} for tid in (1, 2, 3)]
    answer = call(device, "POST", "/goip_post_sms.html", body=send_sms(tasks)).payload()
    got = [s["status"] for s in answer["status"]]
    assert got == ["0 OK", "0 OK", "7 Server Error" if on else "16 Too Many Task"]


def _st(device: Device, query: str = "") -> dict[str, Any]:
    answer = call(device, "GET", "/goip_get_status.html", f"username=root&password=root{query}").payload()
    return {e["port"]: e["st"] for e in answer["status"]}


@pytest.mark.parametrize("on", [False, True], ids=["off", "on"])
def test_empty_slot_st_1_defect_reports_an_empty_slot_as_idle(
    make_device: Callable[..., Device], on: bool
) -> None:
    device = make_device(ports=2, slots=2, switches=("defect.empty-slot-st-1",) if on else ())
    device.bank.eject(device.bank.slot(2, 2))
    states = _st(device, "&all_slots=1")
    assert states["2.02"] == ("1 Exist idel SIM card" if on else "0 No SIM card")
    assert states["1.01"] == "3 Registered"


@pytest.mark.parametrize("on", [False, True], ids=["off", "on"])
def test_registered_st_15_defect_reports_registered_cards_as_15(
    make_device: Callable[..., Device], on: bool
) -> None:
    device = make_device(ports=2, slots=1, switches=("defect.registered-st-15",) if on else ())
    assert set(_st(device).values()) == {"15 Access Mobile Network" if on else "3 Registered"}
    answer = call(device, "POST", "/goip_post_sms.html", body=send_sms([{"tid": 1, "to": "1", "sms": "x"}]))
    assert answer.payload()["status"][0]["status"] == "0 OK"  # the card still sends
