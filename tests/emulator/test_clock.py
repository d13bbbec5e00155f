from __future__ import annotations

import time

import pytest

from smsgw.emulator.clock import DEFAULT_EPOCH, ScaledClock, VirtualClock


def test_virtual_clock_moves_only_forward_by_hand() -> None:
    clock = VirtualClock()
    assert clock.now() == DEFAULT_EPOCH
    clock.advance(60)
    assert clock.now() == DEFAULT_EPOCH + 60
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_scaled_clock_runs_faster_than_wall_time() -> None:
    clock = ScaledClock(1000.0, start=0.0)
    time.sleep(0.02)
    assert clock.now() >= 15.0
    assert clock.real_seconds(60) == pytest.approx(0.06)
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(0)
