from __future__ import annotations

from smsgw.emulator.stats import RECEIVED, SENT_FAILED, SENT_OK, SlotStats


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
