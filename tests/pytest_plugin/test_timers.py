from __future__ import annotations

import itertools
import time

from smsgw.pytest_plugin.timers import Timers, poll_interval, timers_for, wait_until


def test_waits_are_the_document_timer_scaled_plus_unscaled_grace() -> None:
    timers = timers_for("gateway-2.4", scale=0.1, grace=2.0)
    assert timers.status_push_wait == 60.0 * 0.1 + 2.0
    assert timers_for("simple-v2").status_period == 30.0


def test_poll_interval_is_a_second_on_a_real_device_and_shorter_on_a_fast_emulator() -> None:
    assert poll_interval(Timers()) == 1.0
    assert poll_interval(Timers(scale=0.1)) == 0.1
    assert poll_interval(Timers(scale=0.001)) == 0.05


def test_wait_until_returns_the_first_truthy_value() -> None:
    counter = itertools.count()
    assert wait_until(lambda: next(counter) >= 3 and "done", timeout=5.0, interval=0.001) == "done"


def test_wait_until_gives_up_at_the_deadline_with_the_last_value() -> None:
    calls: list[float] = []

    def never() -> list[str]:
        calls.append(time.monotonic())
        return []

    start = time.monotonic()
    assert wait_until(never, timeout=0.05, interval=0.01) == []
    assert calls[-1] - start >= 0.04  # polled until about the deadline, not given up at once
    assert len(calls) >= 2
