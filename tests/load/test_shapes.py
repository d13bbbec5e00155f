"""smsgw.load.shapes: users over time of the steady, step and spike shapes; every run stops."""

from __future__ import annotations

import pytest

from smsgw.load.shapes import ShapeSettings, tick


def test_steady_keeps_its_users_until_the_limit() -> None:
    s = ShapeSettings(users=20, spawn_rate=5, limit=30)
    assert tick(s, 0) == (20, 5)
    assert tick(s, 29.9) == (20, 5)
    assert tick(s, 30) is None


def test_step_adds_users_each_step_then_stops() -> None:
    s = ShapeSettings(shape="step", step_users=10, step_time=20, steps=3)
    assert [tick(s, t) for t in (0, 19.9, 20, 45, 59.9)] == [(10, 10), (10, 10), (20, 10), (30, 10), (30, 10)]
    assert tick(s, 60) is None


def test_spike_jumps_for_its_duration_then_returns_to_the_base() -> None:
    s = ShapeSettings(
        shape="spike", users=10, spawn_rate=2, limit=40, spike_users=100, spike_at=10, spike_time=5
    )
    assert tick(s, 9) == (10, 2)
    assert tick(s, 10) == (100, 100)  # the spike is spawned at once
    assert tick(s, 15) == (10, 2)
    assert tick(s, 40) is None


def test_max_requests_stops_any_shape() -> None:
    for shape in ("steady", "step", "spike"):
        s = ShapeSettings(shape=shape, max_requests=1000)
        assert tick(s, 1, requests=999) is not None
        assert tick(s, 1, requests=1000) is None


def test_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        ShapeSettings(shape="sawtooth")
