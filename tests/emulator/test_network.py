from __future__ import annotations

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.network import Network, OutcomeRule


def test_outcome_rule_parsing() -> None:
    assert OutcomeRule.parse("999:1:27 Absent subscriber") == OutcomeRule("999", 1.0, "27 Absent subscriber")
    assert OutcomeRule.parse(":0.5").prefix == ""
    with pytest.raises(ValueError, match="PROBABILITY"):
        OutcomeRule.parse("999")
    with pytest.raises(ValueError, match="outside"):
        OutcomeRule.parse("1:2")


def test_outcomes_are_seeded_and_follow_the_probability() -> None:
    def draw(seed: int) -> list[bool]:
        network = Network(seed=seed, rules=[OutcomeRule("", 0.3)])
        return [network.external_outcome("123")[0] for _ in range(1000)]

    assert draw(7) == draw(7)
    assert 600 < sum(draw(7)) < 800


def test_numbers_of_every_device_are_found_and_follow_changes() -> None:
    network = Network()
    clock = VirtualClock()
    a = Device(DeviceConfig(index=0), clock, network)
    b = Device(DeviceConfig(index=1), clock, network)
    route = network.lookup(b.bank.slot(3, 2).number)
    assert route is not None
    assert (route.device, route.port, route.slot) == (b, 3, 2)
    a.bank.slot(1, 1).number = "+4915550001"
    network.invalidate()
    found = network.lookup("4915550001")
    assert found is not None
    assert found.device is a
