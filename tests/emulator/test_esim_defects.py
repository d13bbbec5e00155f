"""The eSIM defects of the emulator (gateway-2.4 §12): each breaks exactly its rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smsgw.emulator.esim import EsimBank
from smsgw.emulator.faults import Switches

AC = "LPA:1$smdp.example.com$ABC"


def bank(*defects: str) -> EsimBank:
    return EsimBank(4, slots=2, switches=Switches(defects))


def query(sec: EsimBank, ports: str | None = None, now: float = 0.0) -> dict[str, Any]:
    return sec.handle_goip_get_esims({"ports": ports} if ports else {}, None, now)[1]


def write(sec: EsimBank, now: float = 0.0, port: int = 1, slot: int = 1) -> dict[str, Any]:
    body = json.dumps([{"port": port, "slot": slot, "ac": AC, "cc": ""}]).encode()
    return sec.handle_goip_write_esims({}, body, now)[1]


def test_conformant_bank() -> None:
    answer = query(bank(), "2")
    assert answer["count"] == 1
    assert [p["port"] for p in answer["ports"]] == [2]
    assert write(bank())["ports"][0]["status"] == 1


@pytest.mark.parametrize(
    ("defect", "broken"),
    [
        ("defect.esim-ports-from-0", lambda a: [p["port"] for p in a["ports"]] == [1]),
        ("defect.esim-ports-filter-ignored", lambda a: len(a["ports"]) == 4),
        ("defect.esim-count-wrong", lambda a: a["count"] == 2),
        ("defect.esim-eid-missing", lambda a: "eid" not in a["ports"][0]),
        ("defect.esim-iccid-missing", lambda a: "iccid" not in a["ports"][0]["profiles"][0]),
        ("defect.esim-idle-op-minus-1", lambda a: a["ports"][0]["profiles"][0]["op"] == -1),
    ],
)
def test_query_defects(defect: str, broken: Any) -> None:
    assert broken(query(bank(defect), "2"))


def test_operation_defects() -> None:
    sec = bank("defect.esim-op-swapped")
    write(sec)
    assert query(sec, "1")["ports"][0]["profiles"][0]["op"] == 2
    sec = bank("defect.esim-write-sync")
    assert write(sec)["ports"][0]["status"] == 0
    assert query(sec, "1")["ports"][0]["profiles"][0]["exust"] == 1
    sec = bank("defect.esim-busy-accepted")
    write(sec)
    assert write(sec, slot=2)["ports"][0]["status"] == 1
    sec = bank("defect.esim-status-stuck")
    write(sec)
    assert query(sec, "1", now=1000.0)["ports"][0]["profiles"][0]["status"] == 1
    sec = bank("defect.esim-exust-not-set")
    write(sec)
    assert query(sec, "1", now=1000.0)["ports"][0]["profiles"][0]["exust"] == 0
    assert "ports" not in write(bank("defect.esim-results-missing"))
    body = json.dumps([{"port": 1, "slot": 1}]).encode()
    assert (
        "ports" not in bank("defect.esim-delete-results-missing").handle_goip_delete_esims({}, body, 0.0)[1]
    )
    sec = bank("defect.esim-error-reason-empty")
    sec.handle_goip_delete_esims({}, body, 0.0)
    profile = query(sec, "1", now=1000.0)["ports"][0]["profiles"][0]
    assert profile["status"] == 3
    assert profile["reason"] == ""


def test_write_item_without_ac_is_refused_unless_the_ac_optional_defect() -> None:
    body = json.dumps([{"port": 1, "slot": 1, "cc": ""}]).encode()
    assert bank().handle_goip_write_esims({}, body, 0.0)[1]["ports"][0]["status"] == 3
    assert (
        bank("defect.esim-write-ac-optional").handle_goip_write_esims({}, body, 0.0)[1]["ports"][0]["status"]
        == 1
    )


def test_delete_item_without_slot_is_refused_unless_the_slot_default_defect() -> None:
    body = json.dumps([{"port": 2}]).encode()
    status, answer = bank().handle_goip_delete_esims({}, body, 0.0)
    assert (status, answer["ports"]) == (400, [])
    sec = bank("defect.esim-delete-slot-default-1")
    status, answer = sec.handle_goip_delete_esims({}, body, 0.0)
    assert (status, answer["ports"]) == (200, [{"port": 2, "slot": 1, "status": 1}])
    assert query(sec, "2")["ports"][0]["profiles"][0]["op"] == 2
