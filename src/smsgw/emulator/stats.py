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
    #: (time, kind) of the last two days, made on the first event (an empty deque costs ~0.6 KB)
    events: deque[tuple[float, int]] | None = None
    totals: list[int] = field(default_factory=lambda: [0, 0, 0])
    con_failed: int = 0

    def add(self, at: float, kind: int) -> None:
        events = self.events
        if events is None:
            events = self.events = deque()
        events.append((at, kind))
        self.count(kind)
        while events and events[0][0] < at - _KEEP:
            events.popleft()

    def count(self, kind: int) -> None:
        """Count an event in the cumulative counters only (type 3): the service history of
        :meth:`Statistics.seed_history`, older than every other window."""
        self.totals[kind] += 1
        if kind == SENT_FAILED:
            self.con_failed += 1
        elif kind == SENT_OK:
            self.con_failed = 0

    def counts(self, kind: int, now: float) -> list[int]:
        if kind == 3:
            return list(self.totals)
        start = window_start(kind, now)
        out = [0, 0, 0]
        for at, what in reversed(self.events or ()):
            if at < start:
                break
            out[what] += 1
        return out


@dataclass(frozen=True, slots=True)
class Call:
    """One emulated call (injected through the control API): post-dial delay (ms), whether the
    far end alerted and answered, and the talk time (s)."""

    at: float
    alerted: bool
    connected: bool
    duration: int = 0
    pdd: int = 0


@dataclass(slots=True)
class CallStats:
    #: the calls of the last two days, made on the first call (an empty deque costs ~0.6 KB)
    calls: deque[Call] | None = None
    total: list[Call] = field(default_factory=list)

    def add(self, call: Call) -> None:
        calls = self.calls
        if calls is None:
            calls = self.calls = deque()
        calls.append(call)
        self.total.append(call)
        while calls and calls[0].at < call.at - _KEEP:
            calls.popleft()

    def count(self, call: Call) -> None:
        """Count a call in the cumulative summary only (type 3): the service history of
        :meth:`Statistics.seed_history`, older than every other window."""
        self.total.append(call)

    def summary(self, kind: int, now: float) -> dict[str, int | str]:
        """The §10.1.3 counters over a window (``type`` 0-3)."""
        start = window_start(kind, now)
        chosen = self.total if kind == 3 else [c for c in self.calls or () if c.at >= start]
        calls = len(chosen)
        connected = [c for c in chosen if c.connected]
        talk = sum(c.duration for c in connected)
        return {
            "calls": calls,
            "alerted": sum(1 for c in chosen if c.alerted),
            "connected": len(connected),
            "con_failed": calls - len(connected),
            "nc": f"{len(connected)}/{calls}",
            "pdd": sum(c.pdd for c in chosen) // calls if calls else 0,
            "acd": talk // len(connected) if connected else 0,
            "asr": len(connected) * 100 // calls if calls else 0,
            "tcd": sum((c.duration + 59) // 60 for c in connected),
            "act_tcd": talk,
        }


#: How long before boot the service history of :meth:`Statistics.seed_history` lies: older than
#: "today" and the last two hours, so it shows only in the cumulative counters (type 3).
HISTORY_AGE = 3 * 86_400.0


class Statistics:
    """The counters of every slot, each made on first use: most slots of a 32 x 4 gateway never
    send, receive or call (an empty deque costs ~0.6 KB; a fan-in load run holds 10,000 devices)."""

    __slots__ = ("_calls", "_stats", "ports", "slots")

    def __init__(self, ports: int, slots: int) -> None:
        self.slots = slots
        self.ports = ports
        self._stats: dict[int, SlotStats] = {}
        self._calls: dict[int, CallStats] = {}

    def seed_history(self, now: float) -> None:
        """A device in service: a few SMS and calls on the first card of every port but port 1,
        three days before ``now`` (deterministic, so the counters of a fresh device are known).
        Older than "today" and than the two days of events kept, it is counted in the cumulative
        counters only: no per-event record is kept for it."""
        at = now - HISTORY_AGE
        for port in range(2, self.ports + 1):
            sms = self.of(port, 1)
            for _ in range(port % 3 + 2):
                sms.count(RECEIVED)
            sms.count(SENT_FAILED)
            for _ in range(port % 4 + 1):
                sms.count(SENT_OK)
            calls = self.calls(port, 1)
            for i in range(port % 5 + 2):
                connected = i % 3 != 2
                talk = 45 + 30 * i if connected else 0
                calls.count(Call(at + i, alerted=i % 4 != 3, connected=connected, duration=talk, pdd=1800))

    def calls(self, port: int, slot: int) -> CallStats:
        key = self._key(port, slot)
        found = self._calls.get(key)
        if found is None:
            found = self._calls[key] = CallStats()
        return found

    def of(self, port: int, slot: int) -> SlotStats:
        key = self._key(port, slot)
        found = self._stats.get(key)
        if found is None:
            found = self._stats[key] = SlotStats()
        return found

    def _key(self, port: int, slot: int) -> int:
        """The slot's index, as the list of every slot this was: negative counts from the end."""
        size = self.ports * self.slots
        key = (port - 1) * self.slots + (slot - 1)
        if key < 0:
            key += size
        if not 0 <= key < size:
            raise IndexError(f"no slot {port}.{slot}")
        return key

    def add(self, port: int, slot: int, at: float, kind: int) -> None:
        self.of(port, slot).add(at, kind)


__all__ = [
    "RECEIVED",
    "SENT_FAILED",
    "SENT_OK",
    "Call",
    "CallStats",
    "SlotStats",
    "Statistics",
    "window_start",
]
