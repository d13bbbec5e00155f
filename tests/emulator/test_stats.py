from __future__ import annotations

import pytest

from smsgw.emulator.stats import (
    HISTORY_AGE,
    RECEIVED,
    SENT_FAILED,
    SENT_OK,
    Call,
    CallStats,
    SlotStats,
    Statistics,
)


def test_windows_last_hour_two_hours_today_and_cumulative() -> None:
    day = 86_400.0 * 20_000
    stats = SlotStats()
    stats.add(day + 100, SENT_OK)
    stats.add(day + 5000, SENT_FAILED)
    stats.add(day + 7000, RECEIVED)
    now = day + 8000
    assert stats.counts(0, now) == [1, 0, 1]
    assert stats.counts(1, now) == [1, 0, 1]
    assert stats.counts(2, now) == [1, 1, 1]
    assert stats.counts(3, now + 86_400) == [1, 1, 1]
    assert stats.counts(2, now + 86_400) == [0, 0, 0]


def test_consecutive_failures_reset_on_success() -> None:
    stats = SlotStats()
    for kind in (SENT_FAILED, SENT_FAILED, SENT_OK, SENT_FAILED):
        stats.add(1.0, kind)
    assert stats.con_failed == 1


def test_history_counts_in_the_cumulative_counters_only() -> None:
    sms, calls = SlotStats(), CallStats()
    for kind in (RECEIVED, SENT_FAILED, SENT_FAILED):
        sms.count(kind)
    calls.count(Call(0.0, alerted=True, connected=True, duration=90))
    now = 86_400.0 * 3
    assert sms.counts(3, now) == [1, 0, 2]
    assert sms.con_failed == 2
    assert [sms.counts(kind, now) for kind in (0, 1, 2)] == [[0, 0, 0]] * 3
    assert calls.summary(3, now)["calls"] == 1
    assert [calls.summary(kind, now)["calls"] for kind in (0, 1, 2)] == [0, 0, 0]
    sms.add(now, SENT_OK)  # a live event after the history: every window sees it
    assert sms.counts(0, now) == [0, 1, 0]
    assert sms.counts(3, now) == [1, 1, 2]
    assert sms.con_failed == 0


def test_a_slots_counters_are_made_on_first_use_and_kept() -> None:
    stats = Statistics(2, 2)
    first = stats.of(2, 2)
    first.add(10.0, SENT_OK)
    assert stats.of(2, 2) is first
    assert stats.of(2, 2).counts(3, 10.0) == [0, 1, 0]
    assert stats.of(1, 2).counts(3, 10.0) == [0, 0, 0]
    assert stats.calls(2, 1) is stats.calls(2, 1)
    with pytest.raises(IndexError):
        stats.of(3, 1)
    with pytest.raises(IndexError):
        stats.calls(1, 3 + 2)


def test_a_fresh_device_counts_its_history_like_a_device_in_service() -> None:
    stats = Statistics(4, 2)
    stats.seed_history(HISTORY_AGE + 10.0)
    # ports 2-4: 2-4 received, 1 failed then 1-4 sent (port % 4 + 1), so no consecutive failure
    assert [stats.of(port, 1).counts(3, HISTORY_AGE + 10.0) for port in (2, 3, 4)] == [
        [4, 3, 1],
        [2, 4, 1],
        [3, 1, 1],
    ]
    assert all(stats.of(port, 1).con_failed == 0 for port in (2, 3, 4))
