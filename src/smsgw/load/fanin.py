"""The status fan-in profile's device: the emulator's :class:`~smsgw.emulator.device.Device`, driven
by a schedule of simulated events instead of by HTTP requests, free of Locust.

Each Locust user of ``load/status_fanin.py`` owns one :class:`GatewayModel`: a real emulated
device (same state machine as ``smsgw emulate``, not a second copy of its documents) whose pushes
the user POSTs to the SMS server under test. What makes it push (gateway-2.4 §4.1.3, §6.2.2, §7):

* ``dev-status`` every ``period`` device seconds, ``seq`` increasing (the device does this);
* ``port-status`` on churn: every ``churn_interval`` seconds on average a random port's SIM
  re-registers (the device pushes each status change);
* status reports: every ``report_interval`` seconds on average the device is asked (through its
  own ``goip_post_sms`` handler) to send one SMS; the status report follows when it is sent;
* received SMS: every ``sms_interval`` seconds on average an SMS arrives on a random port.

Intervals are exponential (Poisson arrivals) from a per-device seeded RNG, so a fleet does not
push in lockstep; 0 switches an event off. Time is the device's clock (``time_scale`` device
seconds per real second), so a 60 s period can be compressed for a short test.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:
    from smsgw.emulator.clock import Clock
    from smsgw.emulator.device import Device
    from smsgw.emulator.messages import Push

__all__ = ["FaninSettings", "GatewayModel"]

_INF = float("inf")


@dataclass(frozen=True, slots=True)
class FaninSettings:
    """One device's shape and event rates (device seconds)."""

    profile: str = "gateway-2.4"
    ports: int = 32
    slots: int = 4
    period: int = 60
    churn_interval: float = 300.0
    report_interval: float = 0.0
    sms_interval: float = 0.0
    send_time: float = 5.0
    register_time: float = 3.0
    #: wake-up granularity while something is in progress (SIM registering, batches pending)
    resolution: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.ports < 1 or self.slots < 1 or self.period < 1 or self.resolution <= 0:
            raise ValueError("ports, slots and period must be >= 1, resolution > 0")
        if min(self.churn_interval, self.report_interval, self.sms_interval) < 0:
            raise ValueError("event intervals must be >= 0 (0: off)")


class GatewayModel:
    """One emulated gateway pushing to ``push_url``: call :meth:`step` when :meth:`next_wakeup`
    is due and send the pushes it returns."""

    __slots__ = ("_rng", "clock", "device", "next_churn", "next_report", "next_sms", "settings", "tid")

    def __init__(self, settings: FaninSettings, index: int, push_url: str, clock: Clock) -> None:
        from smsgw.emulator.device import Device, DeviceConfig

        self.settings = settings
        self.clock = clock
        config = DeviceConfig(
            profile=settings.profile,
            ports=settings.ports,
            slots=settings.slots,
            seed=settings.seed,
            index=index,
            mac="00-30-" + "-".join(f"{(index >> shift) & 0xFF:02x}" for shift in (24, 16, 8, 0)),
            send_time=settings.send_time,
            register_time=settings.register_time,
            status_url=push_url,
            status_period=settings.period,
            sr_url=push_url,
            sms_url=push_url,
            sr_cnt=1,
            sr_prd=1.0,
            sms_cnt=1,
            sms_prd=1.0,
            password="",  # never asked over HTTP: the model calls the handler itself
        )
        self.device: Device = Device(config, clock)
        # the control API's push history is not needed here and would hold ~500 payloads per device
        self.device.history = deque(maxlen=0)
        self._rng = random.Random(settings.seed * 1_000_003 + index)  # noqa: S311 (emulation, not crypto)
        self.tid = 0
        now = clock.now()
        self.next_churn = self._after(now, settings.churn_interval)
        self.next_report = self._after(now, settings.report_interval)
        self.next_sms = self._after(now, settings.sms_interval)

    @property
    def name(self) -> str:
        return self.device.mac

    def _after(self, now: float, mean: float) -> float:
        return now + self._rng.expovariate(1.0 / mean) if mean > 0 else _INF

    def step(self, now: float | None = None) -> list[Push]:
        """Inject the simulated events due by ``now`` and return the device's pushes."""
        device = self.device
        now = self.clock.now() if now is None else now
        s = self.settings
        while now >= self.next_churn:
            device.bank.reset(self._rng.randint(1, device.n_ports), self.next_churn)
            self.next_churn = self._after(self.next_churn, s.churn_interval)
        while now >= self.next_sms:
            port = self._rng.randint(1, device.n_ports)
            slot = device.bank.port(port).active
            device.deliver(port, slot, "+15550000001", "", "smsgw fan-in load", self.next_sms)
            self.next_sms = self._after(self.next_sms, s.sms_interval)
        while now >= self.next_report:
            self._send_one()
            self.next_report = self._after(self.next_report, s.report_interval)
        return device.advance(now)

    def _send_one(self) -> None:
        """One SMS through the device's own goip_post_sms handler (its status report follows)."""
        from smsgw.emulator.messages import Request

        self.tid = (self.tid + 1) & 0xFFFFFFFF
        task = {"tid": self.tid, "to": "+15550000002", "sms": "fan-in"}
        body = orjson.dumps({"type": "send-sms", "task_num": 1, "tasks": [task]})
        query = {"username": self.device.config.username, "password": ""}
        self.device.handle(Request("POST", "/goip_post_sms.html", query, body))

    def next_wakeup(self) -> float:
        """Device time of the next :meth:`step` with something to do."""
        device = self.device
        nxt = min(device.next_due(), self.next_churn, self.next_report, self.next_sms)
        busy = (
            device.incoming
            or device.inbox.pending
            or device.tasks.cache
            or any(p.current.target is not None for p in device.bank.ports)
        )
        if busy:
            nxt = min(nxt, self.clock.now() + self.settings.resolution)
        return nxt
