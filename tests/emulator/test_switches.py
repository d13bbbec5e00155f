"""Quirks make the emulator NON-STRICT (never FAIL); schema-visible defects make it FAIL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device
from smsgw.emulator.faults import catalog
from smsgw.spec.registry import default_registry
from smsgw.verdicts import Verdict

from .conftest import call, send_sms


def _messages(device: Device, clock: VirtualClock) -> list[tuple[str, Any]]:
    """One of each message a device produces, as (schema name, payload)."""
    out: list[tuple[str, Any]] = []
    answer = call(device, "GET", "/goip_get_status.html").payload()
    out.append(("ejoin/goip_get_status.response", answer))
    body = send_sms([{"tid": 1, "to": "1,2,3", "sms": "x", "from": "1", "sdr": 1, "sr_cnt": 1}], sr_cnt=1)
    out.append(
        ("ejoin/goip_post_sms.response", call(device, "POST", "/goip_post_sms.html", body=body).payload())
    )
    query = "username=root&password=root&port=1&pos=0"
    out.append(
        ("ejoin/goip_get_tasks.response", call(device, "GET", "/goip_get_tasks.html", query).payload())
    )
    call(device, "POST", "/goip_send_cmd.html", body={"type": "command", "op": "lock", "ports": "2.01"})
    device.deliver(3, 1, "10010", device.bank.slot(3, 1).number, "hi there", clock.now())
    device.deliver(3, 1, "10011", device.bank.slot(3, 1).number, "ho", clock.now())
    for _ in range(12):
        clock.advance(1)
        out.extend((f"ejoin/{p.kind}.push", p.payload) for p in device.advance())
    out.append(("ejoin/goip_get_sms.response", call(device, "GET", "/goip_get_sms.html").payload()))
    if device.router is not None:
        out.append(("ejoin/router/ip_white_list.response", call(device, "GET", "/ip_white_list").payload()))
    return out


def _grades(device: Device, clock: VirtualClock) -> list[tuple[str, Verdict]]:
    registry = default_registry()
    return [(name, registry.grade(name, payload).verdict) for name, payload in _messages(device, clock)]


#: the Ejoin quirks (E-EJ- errata); the Dinstar ones are graded in tests/emulator/dinstar
QUIRKS = sorted(
    n for n, s in catalog().items() if s.kind == "quirk" and (s.erratum or "").startswith("E-EJ-")
)


@pytest.mark.parametrize("quirk", QUIRKS)
def test_each_quirk_is_non_strict_and_never_fails(
    make_device: Callable[..., Device], clock: VirtualClock, quirk: str
) -> None:
    profile = "router-2.2" if quirk == "quirk.enbale-typo" else "simple-v2"
    urls = {
        "status_url": "http://127.0.0.1:9/s",
        "sr_url": "http://127.0.0.1:9/r",
        "sms_url": "http://127.0.0.1:9/m",
    }
    device = make_device(profile=profile, sms_cnt=2, sms_prd=5.0, switches=(quirk,), **urls)
    grades = _grades(device, clock)
    assert not [g for g in grades if g[1] is Verdict.FAIL], grades
    assert any(v is Verdict.NON_STRICT for _, v in grades), grades


@pytest.mark.parametrize(
    "defect",
    [
        "defect.dev-status-missing-mac",
        "defect.tid-as-string",
        "defect.status-text-wrong",
        "defect.missing-reason",
        "defect.recv-sms-plain-text",
    ],
)
def test_schema_visible_defects_fail(
    make_device: Callable[..., Device], clock: VirtualClock, defect: str
) -> None:
    urls = {
        "status_url": "http://127.0.0.1:9/s",
        "sr_url": "http://127.0.0.1:9/r",
        "sms_url": "http://127.0.0.1:9/m",
    }
    device = make_device(sms_cnt=2, switches=(defect,), **urls)
    assert any(v is Verdict.FAIL for _, v in _grades(device, clock))


def test_without_switches_every_message_passes(
    make_device: Callable[..., Device], clock: VirtualClock
) -> None:
    urls = {
        "status_url": "http://127.0.0.1:9/s",
        "sr_url": "http://127.0.0.1:9/r",
        "sms_url": "http://127.0.0.1:9/m",
    }
    for profile in ("gateway-2.4", "simple-v2", "router-2.2"):
        grades = _grades(make_device(profile=profile, sms_cnt=2, sms_prd=5.0, **urls), clock)
        assert {v for _, v in grades} == {Verdict.PASS}, grades
