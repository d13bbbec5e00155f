from __future__ import annotations

import pytest

from smsgw.emulator.faults import Faults, Switches, UnknownSwitchError, catalog, defect, quirk


def test_declaring_a_switch_twice_differently_is_refused() -> None:
    name = defect("defect.test-only-switch", "used by this test")
    assert defect(name, "used by this test") == name
    with pytest.raises(ValueError, match="duplicate"):
        defect(name, "another text")
    with pytest.raises(ValueError, match="starts with"):
        quirk("defect.wrong-kind", "x")


def test_switches_refuse_unknown_names() -> None:
    switches = Switches()
    with pytest.raises(UnknownSwitchError):
        switches.set("defect.does-not-exist", True)


def test_quirks_carry_their_erratum() -> None:
    quirks = [s for s in catalog().values() if s.kind == "quirk"]
    assert quirks
    assert all(s.erratum and s.erratum.startswith(("E-EJ-", "E-DS-")) for s in quirks)


def test_faults_are_seeded_and_validated() -> None:
    a, b = Faults(seed=3), Faults(seed=3)
    for f in (a, b):
        f.update({"drop_rate": 0.5, "latency_ms": 10, "jitter_ms": 5})
    assert [a.drop() for _ in range(50)] == [b.drop() for _ in range(50)]
    assert 0.005 <= a.delay() <= 0.015
    with pytest.raises(ValueError, match="within"):
        a.update({"error_rate": 2})
    with pytest.raises(ValueError, match="non-negative"):
        a.update({"latency_ms": "x"})


def test_switches_enabled_is_the_live_set_the_hot_paths_read() -> None:
    name = "defect.tid-not-echoed"
    assert name in catalog()
    switches = Switches()
    assert name not in switches.enabled
    assert not switches
    switches.set(name, True)
    assert name in switches.enabled
    assert switches.on(name)
    assert switches.active() == sorted(switches.enabled)
    switches.set(name, False)
    assert name not in switches.enabled
    assert not switches.on(name)
