"""SMS and call statistics per port and slot over the windows of gateway-2.4 §9-§10.

``type``: 0 the last hour, 1 the last two hours, 2 today (UTC day of device time), 3 cumulative.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

RECEIVED, SENT_OK, SENT_FAILED = 0, 1, 2
_KEEP = 2 * 86_400.0


def window_start(kind: int, now: float) -> float:
    if kind == 0:
        return now - 3600.0
    if kind == 1:
        return now - 7200.0
    if kind == 2:
        return now - (now % 86_400.0)
    return float("-inf")


@dataclass(slots=True)
class SlotStats:
    events: deque[tuple[float, int]] = field(default_factory=deque)
    totals: list[int] = field(default_factory=lambda: [0, 0, 0])
    con_failed: int = 0

    def add(self, at: float, kind: int) -> None:
        self.events.append((at, kind))
        self.totals[kind] += 1
        if kind == SENT_FAILED:
            self.con_failed += 1
        elif kind == SENT_OK:
            self.con_failed = 0
        while self.events and self.events[0][0] < at - _KEEP:
            self.events.popleft()

    def counts(self, kind: int, now: float) -> list[int]:
        if kind == 3:
            return list(self.totals)
        start = window_start(kind, now)
        out = [0, 0, 0]
        for at, what in reversed(self.events):
            if at < start:
                break
            out[what] += 1
        return out


class Statistics:
    def __init__(self, ports: int, slots: int) -> None:
        self.slots = slots
        self._stats = [SlotStats() for _ in range(ports * slots)]

    def of(self, port: int, slot: int) -> SlotStats:
        return self._stats[(port - 1) * self.slots + (slot - 1)]

    def add(self, port: int, slot: int, at: float, kind: int) -> None:
        self.of(port, slot).add(at, kind)


__all__ = ["RECEIVED", "SENT_FAILED", "SENT_OK", "SlotStats", "Statistics", "window_start"]
