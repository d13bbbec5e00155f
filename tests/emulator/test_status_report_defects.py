"""The status-report batching and failure-detail defects (per-task sr_prd/sr_cnt, the device-level
cache period, timeouts, fdr) and the wrong-password task operations change what the checks of
conformance/ejoin/test_status_report_batching.py observe, and nothing while switched off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device

from .conftest import call, send_sms

POST = "/goip_post_sms.html"


def _device(make_device: Callable[..., Device], *switches: str) -> Device:
    return make_device(switches=switches, sr_url="http://127.0.0.1:9/sr")


def _post(device: Device, *tasks: dict[str, Any], **top: Any) -> None:
    answer = call(device, "POST", POST, body=send_sms(list(tasks), **top)).payload()
    assert all(s["status"] == "0 OK" for s in answer["status"]), answer


def _rpts(device: Device, clock: VirtualClock, seconds: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(int(seconds)):
        clock.advance(1.0)
        out += [r for p in device.advance() if p.kind == "status-report" for r in p.payload["rpts"]]
    return out


def _early(rpts: list[dict[str, Any]], tid: int, total: int) -> list[dict[str, Any]]:
    """Reports of ``tid`` made before every one of its ``total`` SMS had a result."""
    return [r for r in rpts if r["tid"] == tid and r["sent"] + r["failed"] < total]


GROUP = {"to": "1,2", "sms": "x", "from": "1", "intvl": "4000"}


@pytest.mark.parametrize(("switch", "early"), [(None, True), ("defect.task-sr-prd-ignored", False)])
def test_task_sr_prd_ignored_leaves_a_group_task_unreported_until_done(
    make_device: Callable[..., Device], clock: VirtualClock, switch: str | None, early: bool
) -> None:
    device = _device(make_device, *([switch] if switch else []))
    _post(device, {"tid": 1, **GROUP, "sr_prd": 1, "sr_cnt": 100}, sr_cnt=1)
    rpts = _rpts(device, clock, 20)
    assert bool(_early(rpts, 1, 2)) is early
    assert rpts[-1]["sent"] == 2


@pytest.mark.parametrize(("switch", "early"), [(None, False), ("defect.task-sr-prd-0-every-second", True)])
def test_task_sr_prd_0_every_second_reports_a_task_that_asked_for_none(
    make_device: Callable[..., Device], clock: VirtualClock, switch: str | None, early: bool
) -> None:
    device = _device(make_device, *([switch] if switch else []))
    _post(device, {"tid": 1, **GROUP, "sr_prd": 0, "sr_cnt": 100}, sr_cnt=1)
    assert bool(_early(_rpts(device, clock, 20), 1, 2)) is early


@pytest.mark.parametrize(("switch", "first"), [(None, 60), ("defect.task-sr-prd-default-30", 30)])
def test_task_sr_prd_default_30_reports_a_task_without_sr_prd_after_30_s(
    make_device: Callable[..., Device], clock: VirtualClock, switch: str | None, first: int
) -> None:
    device = _device(make_device, *([switch] if switch else []))
    _post(device, {"tid": 1, **GROUP, "intvl": "70000", "sr_cnt": 100}, sr_cnt=1)
    times = []
    for second in range(1, 75):
        clock.advance(1.0)
        if any(p.kind == "status-report" for p in device.advance()):
            times.append(second)
    assert times[0] == first


@pytest.mark.parametrize(("switch", "early"), [(None, False), ("defect.task-sr-cnt-below-1-kept", True)])
def test_task_sr_cnt_below_1_kept_reports_every_result(
    make_device: Callable[..., Device], clock: VirtualClock, switch: str | None, early: bool
) -> None:
    device = _device(make_device, *([switch] if switch else []))
    _post(device, {"tid": 1, **GROUP, "sr_cnt": 0}, sr_cnt=1)
    rpts = _rpts(device, clock, 20)
    assert bool(_early(rpts, 1, 2)) is early
    assert rpts[-1]["sent"] == 2


@pytest.mark.parametrize(("switch", "pushed"), [(None, True), ("defect.sr-cache-period-ignored", False)])
def test_sr_cache_period_ignored_keeps_fewer_than_sr_cnt_reports_cached(
    make_device: Callable[..., Device], clock: VirtualClock, switch: str | None, pushed: bool
) -> None:
    device = _device(make_device, *([switch] if switch else []))
    _post(device, {"tid": 1, "to": "1", "sms": "x", "from": "1"}, sr_cnt="100", sr_prd=1)
    assert bool(_rpts(device, clock, 30)) is pushed


def _lock_port_1(device: Device) -> None:
    call(device, "POST", "/goip_send_cmd.html", body={"type": "command", "op": "lock", "ports": "1"})


@pytest.mark.parametrize(("switch", "failed"), [(None, 2), ("defect.timeout-not-reported", 0)])
def test_timeout_not_reported_drops_the_sms_that_timed_out(
    make_device: Callable[..., Device], clock: VirtualClock, switch: str | None, failed: int
) -> None:
    device = _device(make_device, *([switch] if switch else []))
    _post(device, {"tid": 1, "to": "1,2", "sms": "x", "from": "1", "tmo": 1}, sr_cnt=1)
    _lock_port_1(device)
    rpts = _rpts(device, clock, 20)
    assert rpts[-1]["failed"] == failed
    assert rpts[-1]["sent"] == 0


@pytest.mark.parametrize(
    ("switch", "records", "width"),
    [(None, 2, 6), ("defect.fdr-default-off", 0, 0), ("defect.fdr-no-carrier-reason", 2, 5)],
)
def test_fdr_defects_drop_the_failure_records_or_their_carrier_reason(
    make_device: Callable[..., Device], clock: VirtualClock, switch: str | None, records: int, width: int
) -> None:
    device = _device(make_device, *([switch] if switch else []))
    _post(device, {"tid": 1, "to": "1,2", "sms": "x", "from": "1", "tmo": 1}, sr_cnt=1)
    _lock_port_1(device)
    fdr = [rec for r in _rpts(device, clock, 20) for rec in r.get("fdr") or []]
    assert len(fdr) == records
    assert {len(rec) for rec in fdr} == ({width} if records else set())


@pytest.mark.parametrize(("switch", "sent"), [(None, 1), ("defect.denied-task-op-applied", 0)])
def test_denied_task_op_applied_removes_a_task_despite_1_invalid_user(
    make_device: Callable[..., Device], clock: VirtualClock, switch: str | None, sent: int
) -> None:
    device = _device(make_device, *([switch] if switch else []))
    _post(
        device,
        {"tid": 1, "to": "1", "sms": "x", "from": "1", "intvl": "9000"},
        {"tid": 2, "to": "1", "sms": "y", "from": "1"},
        sr_cnt=1,
    )
    wrong = "username=root&password=wrong"
    for op in ("/goip_pause_sms.html", "/goip_remove_sms.html"):
        answer = call(device, "POST", op, query=wrong, body={"tids": [2]}).payload()
        assert answer["results"] == [{"tid": 2, "status": "1 Invalid User"}]
    last = [r for r in _rpts(device, clock, 30) if r["tid"] == 2][-1]
    assert last["sent"] == sent
