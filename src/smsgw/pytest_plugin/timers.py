"""Every wait of a check comes from the profile's timers, never from a literal in the check.

The values are the documents' own: a real device needs the real 60 s.  ``--time-scale`` shrinks
them only for emulators that run their clocks faster (the embedded emulator); ``grace`` is the
network slack added to every wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Timers:
    #: dev-status/port-status report period: "the minimum value is 60, the unit is second"
    #: (gateway-2.4 §4.1.2, router-2.2 §3.1.2); the simple doc allows 30 s (simple-v2 §4).
    status_period: float = 60.0
    #: Default task status report period ``sr_prd`` (gateway-2.4 §6.3.1).
    status_report_period: float = 60.0
    #: Default ``tmo``, the device's wait for a sending result (gateway-2.4 §6.3.1).
    send_timeout: float = 30.0
    #: Life of a secure session, ``expires`` (gateway-2.4 §3.2).
    session_expires: float = 180.0
    #: Slack added to every wait for network and scheduling delays (not scaled).
    grace: float = 10.0
    #: Multiplier applied to the document timers (1.0 for real devices).
    scale: float = 1.0

    def wait(self, seconds: float) -> float:
        """How long to wait for something the documents promise within ``seconds``."""
        return seconds * self.scale + self.grace

    @property
    def status_push_wait(self) -> float:
        """How long to wait for the next periodic dev-status push."""
        return self.wait(self.status_period)


PROFILE_TIMERS: dict[str, Timers] = {
    "gateway-2.4": Timers(),
    "router-2.2": Timers(),
    "proxy-gateway": Timers(),
    "simple-v2": Timers(status_period=30.0),
    "dinstar-uc": Timers(status_period=60.0, send_timeout=60.0),
}


def timers_for(profile: str, scale: float = 1.0, grace: float | None = None) -> Timers:
    base = PROFILE_TIMERS.get(profile, Timers())
    return replace(base, scale=scale, grace=base.grace if grace is None else grace)


def poll_interval(timers: Timers) -> float:
    """How often a check polls the device: once a second on a real device, faster on a fast emulator."""
    return max(0.05, min(1.0, timers.scale))


def wait_until(predicate: Callable[[], T], timeout: float, interval: float) -> T | None:
    """Call ``predicate`` until it returns a truthy value or ``timeout`` seconds pass; the last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value
