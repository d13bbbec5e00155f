"""smsgw.load.fanin: the fan-in gateway is the emulator's Device, driven by simulated events."""

from __future__ import annotations

import sys

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.load.fanin import FaninSettings, GatewayModel

URL = "http://127.0.0.1:9/push/gw0-1"


def _run(model: GatewayModel, clock: VirtualClock, seconds: float) -> list[tuple[float, str, object]]:
    """Step the model at each wake-up until ``seconds`` of device time have passed."""
    end = clock.now() + seconds
    seen = []
    while True:
        due = max(clock.now(), model.next_wakeup())
        if due > end:
            return seen
        clock.set(due)
        seen += [(clock.now(), p.kind, p.payload) for p in model.step()]


def test_dev_status_comes_every_period_with_increasing_seq() -> None:
    clock = VirtualClock()
    model = GatewayModel(FaninSettings(period=60, churn_interval=0), 1, URL, clock)
    pushes = _run(model, clock, 310)
    seqs = [payload["seq"] for _, kind, payload in pushes if kind == "dev-status"]  # type: ignore[index]
    assert seqs == [1, 2, 3, 4, 5]
    assert {kind for _, kind, _ in pushes} == {"dev-status"}


def test_churn_reports_port_status_and_the_other_events_their_pushes() -> None:
    clock = VirtualClock()
    settings = FaninSettings(
        ports=8, slots=1, period=60, churn_interval=20, report_interval=30, sms_interval=30
    )
    model = GatewayModel(settings, 2, URL, clock)
    kinds = [kind for _, kind, _ in _run(model, clock, 600)]
    assert kinds.count("port-status") > 5
    assert kinds.count("status-report") > 3
    assert kinds.count("sms-forward") > 3
    assert kinds.count("dev-status") == 10


def test_every_push_goes_to_the_push_url() -> None:
    clock = VirtualClock()
    model = GatewayModel(FaninSettings(period=10, churn_interval=5), 3, URL, clock)
    clock.advance(30)
    assert {p.url for p in model.step()} == {URL}


def test_devices_of_a_fleet_have_distinct_macs_and_staggered_events() -> None:
    clock = VirtualClock()
    settings = FaninSettings(churn_interval=60)
    a = GatewayModel(settings, 7, URL, clock)
    b = GatewayModel(settings, 7 + (1 << 16), URL, clock)
    assert a.name != b.name
    assert a.next_churn != b.next_churn


def test_a_quiet_device_sleeps_until_its_next_dev_status() -> None:
    clock = VirtualClock()
    model = GatewayModel(FaninSettings(period=60, churn_interval=0), 1, URL, clock)
    assert model.next_wakeup() == pytest.approx(clock.now() + 60)


def test_settings_refuse_negative_intervals() -> None:
    with pytest.raises(ValueError, match="intervals"):
        FaninSettings(churn_interval=-1)


def test_the_model_keeps_no_push_history() -> None:
    clock = VirtualClock()
    model = GatewayModel(FaninSettings(period=1, churn_interval=0), 1, URL, clock)
    _run(model, clock, 50)
    assert len(model.device.history) == 0


def test_importing_the_load_support_does_not_import_locust() -> None:
    import smsgw.load.capacity
    import smsgw.load.cli
    import smsgw.load.run  # noqa: F401

    assert "locust" not in sys.modules
