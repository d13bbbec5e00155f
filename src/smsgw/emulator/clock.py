"""Time sources for the emulator: a virtual clock tests move by hand, a scaled real clock for servers.

Device time is Unix seconds (float); timestamps in messages are ``int(now)``.  ``--time-scale 1000``
makes a 60 s dev-status period last 60 ms of wall time.
"""

from __future__ import annotations

import time
from typing import Protocol

#: 2025-01-01T00:00:00Z, the default start of virtual time (reproducible timestamps).
DEFAULT_EPOCH = 1_735_689_600.0


class Clock(Protocol):
    def now(self) -> float: ...


class VirtualClock:
    """A clock that moves only when told to."""

    __slots__ = ("_now",)

    def __init__(self, start: float = DEFAULT_EPOCH) -> None:
        self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("time does not go backwards")
        self._now += seconds
        return self._now

    def set(self, now: float) -> None:
        if now < self._now:
            raise ValueError("time does not go backwards")
        self._now = now


class ScaledClock:
    """Wall-clock time running ``scale`` times faster, starting at ``start`` (default: now)."""

    __slots__ = ("_origin", "_scale", "_start")

    def __init__(self, scale: float = 1.0, start: float | None = None) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self._scale = scale
        self._start = time.time() if start is None else start
        self._origin = time.monotonic()

    @property
    def scale(self) -> float:
        return self._scale

    def now(self) -> float:
        return self._start + (time.monotonic() - self._origin) * self._scale

    def real_seconds(self, device_seconds: float) -> float:
        """Wall-clock seconds that ``device_seconds`` of device time take."""
        return device_seconds / self._scale


__all__ = ["DEFAULT_EPOCH", "Clock", "ScaledClock", "VirtualClock"]
