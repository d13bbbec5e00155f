"""One SMS exchange shared by the status-report, recv-sms and goip_get_sms checks.

The run submits, in one goip_post_sms request, three tasks from one registered port to the user's
numbers (``--phone-number``; on the embedded emulator, the device's own SIMs):

- ``plain``: one SMS, neither ``sdr`` nor ``dr`` (the defaults), its text given with ``chs=base64``;
- ``group``: one SMS (with non-ASCII text, default chs utf8) to two recipients, ``sdr=1`` and a
  per-task ``sr_cnt`` of 1 (a report per result: the counters must accumulate, the details must not
  repeat);
- ``single``: one SMS, ``sdr=1`` and ``dr=1`` (a delivery report, queued last so that every other
  received SMS or report arrives before it).

The request also sets the device's report settings (gateway-2.4 §6.3.1.3, first table): ``sr_url``
and ``sms_url`` to the push receiver, ``sr_cnt`` "1" (every result is reported at once), ``sms_cnt``
2 with ``sms_prd`` 1 (the recv-sms mechanism: "this parameter must be set to a value greater than
1").  When the exchange is over they are written back: ``sms_url`` to what goip_send_cmd read
before, the others to the documents' defaults (``sr_url`` cannot be read back, so it stays).

When a recipient is the number of one of the device's SIMs (``sn`` of dev-status), the SMS come
back to the device: recv-sms pushes and goip_get_sms then show them (a *loopback*).
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass, field
from typing import Any

from ejoin_support import port_number, status_code, wait_until

#: Documented defaults the exchange restores (gateway-2.4 §6.3.1.3, first table).
REPORT_DEFAULTS = {"sr_cnt": 100, "sr_prd": 30, "sms_cnt": 1, "sms_prd": 30}
#: A UTC timestamp is within this many seconds of the suite's clock: less than any time-zone
#: offset but UTC's own, more than a device clock's usual error.
UTC_TOLERANCE = 1800.0
#: About when the run (and an embedded emulator's clock) started.
RUN_STARTED = time.time()


def utc_window(since: float, timers: Any) -> tuple[float, float]:
    """The device timestamps that are UTC for something that happened after ``since``: the
    tolerance either side, and above it what a clock running ``1 / timers.scale`` times faster (the
    embedded emulator's) gained since the run started."""
    now = time.time()
    gained = (now - RUN_STARTED) * max(0.0, 1.0 / timers.scale - 1.0)
    return since - UTC_TOLERANCE, now + UTC_TOLERANCE + gained


def same_number(a: Any, b: Any) -> bool:
    """Two renderings of one phone number ("+8613800000000", "13800000000"): equal digits, or one
    ending with the other's (at least 7 digits)."""
    x, y = re.sub(r"\D", "", str(a)), re.sub(r"\D", "", str(b))
    short, long_ = sorted((x, y), key=len)
    return bool(x) and (x == y or (len(short) >= 7 and long_.endswith(short)))


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass
class Exchange:
    """What the device answered and pushed for the exchange's tasks."""

    port: int
    recipients: tuple[str, ...]
    plain: dict[str, Any]
    group: dict[str, Any]
    single: dict[str, Any]
    #: the recipients are SIMs of the device: their SMS come back as recv-sms
    loopback: bool
    answer: Any = None
    statuses: list[Any] = field(default_factory=list)
    reports: list[Any] = field(default_factory=list)
    received: list[Any] = field(default_factory=list)
    #: UTC epoch seconds around the exchange (the device's clock may run faster: see ``scale``)
    started: float = 0.0
    finished: float = 0.0

    @property
    def tasks(self) -> tuple[dict[str, Any], ...]:
        return (self.plain, self.group, self.single)

    @property
    def accepted(self) -> bool:
        return len(self.statuses) == 3 and all(status_code(s) == 0 for s in self.statuses)

    def recipients_of(self, task: dict[str, Any]) -> list[str]:
        return str(task.get("to", "")).split(",")

    def entries(self, tid: int) -> list[dict[str, Any]]:
        """The rpts entries of ``tid``, in the order they were pushed."""
        out = []
        for push in self.reports:
            data = push.parsed if isinstance(push.parsed, dict) else {}
            for entry in data.get("rpts") or []:
                if isinstance(entry, dict) and entry.get("tid") == tid:
                    out.append(entry)
        return out

    def done(self, task: dict[str, Any]) -> bool:
        """The task's last report accounts for every recipient."""
        entries = self.entries(task["tid"])
        if not entries:
            return False
        last = entries[-1]
        sent, failed = last.get("sent"), last.get("failed")
        total = len(self.recipients_of(task))
        return isinstance(sent, int) and isinstance(failed, int) and sent + failed >= total

    def tuples(self) -> list[tuple[Any, list[Any]]]:
        """``(push, sms tuple)`` of every received SMS and delivery report pushed."""
        out = []
        for push in self.received:
            data = push.parsed if isinstance(push.parsed, dict) else {}
            for item in data.get("sms") or []:
                if isinstance(item, list):
                    out.append((push, item))
        return out

    @staticmethod
    def decoded(task: dict[str, Any]) -> str:
        """The text of ``task``'s SMS (its ``sms`` decoded when ``chs`` is base64)."""
        if task.get("chs") == "base64":
            return base64.b64decode(task["sms"]).decode()
        return str(task["sms"])

    def sms_of(self, task: dict[str, Any]) -> list[list[Any]]:
        """The received tuples carrying ``task``'s text (base64, or plain on a faulty device)."""
        text = self.decoded(task)
        return [t for _, t in self.tuples() if len(t) >= 6 and t[5] in (b64(text), text)]

    def delivery_reports(self) -> list[list[Any]]:
        return [t for _, t in self.tuples() if t and t[0] in (1, "1")]

    def complete(self) -> bool:
        """Everything a conformant device pushes for the exchange has arrived."""
        if not all(self.done(t) for t in self.tasks):
            return False
        if not self.loopback:
            return True
        arrived = all(len(self.sms_of(t)) >= len(self.recipients_of(t)) for t in self.tasks)
        return arrived and bool(self.delivery_reports())


def own_numbers(device_status: dict[str, Any], port: int) -> list[str]:
    """Numbers of the device's SIMs (dev-status ``sn``) other than those of ``port``."""
    numbers = []
    for entry in device_status.get("status") or []:
        if isinstance(entry, dict) and entry.get("sn") and port_number(entry.get("port")) != port:
            numbers.append(str(entry["sn"]))
    return numbers


def run_exchange(  # noqa: PLR0917 - the fixtures it needs
    ejoin: Any,
    receiver: Any,
    timers: Any,
    new_tid: Any,
    port: int,
    phone_numbers: tuple[str, ...],
    device_status: dict[str, Any],
    text: str,
) -> Exchange:
    own = set(own_numbers(device_status, port))
    looped = [n for n in phone_numbers if n in own]
    numbers = tuple(looped or phone_numbers)
    second = numbers[1 % len(numbers)]

    def task(to: str, **fields: Any) -> dict[str, Any]:
        tid = new_tid()
        return {"tid": tid, "to": to, "sms": f"{text} {tid}", "from": str(port), **fields}

    def accented(task: dict[str, Any]) -> dict[str, Any]:
        return {**task, "sms": task["sms"] + " \u00fc\u4f60\u597d"}  # utf8, the default chs

    def coded(task: dict[str, Any]) -> dict[str, Any]:
        return {**task, "sms": b64(task["sms"]), "chs": "base64"}

    exchange = Exchange(
        port=port,
        recipients=numbers,
        plain=coded(task(second)),
        group=accented(task(f"{numbers[0]},{second}", sdr=1, sr_cnt=1)),
        single=task(numbers[0], sdr=1, dr=1),
        loopback=bool(looped),
    )
    before = ejoin.get_params("sms_url").data
    old_sms_url = before.get("sms_url") if isinstance(before, dict) and before.get("code") == 0 else None
    mark = receiver.mark()
    exchange.started = time.time()
    try:
        resp = ejoin.post_sms(
            list(exchange.tasks),
            sr_url=receiver.push_url("sr"),
            sms_url=receiver.push_url("sms"),
            sr_cnt="1",  # typed string by the table (E-EJ-SENDSMS-SRCNT-INT: numbers tolerated)
            sms_cnt=2,
            sms_prd=1,
        )
        exchange.answer = resp
        data = resp.data if isinstance(resp.data, dict) else {}
        exchange.statuses = [s.get("status") for s in data.get("status") or [] if isinstance(s, dict)]
        if exchange.accepted:

            def collect() -> bool:
                exchange.reports = receiver.messages(type="status-report", device="sr", after=mark)
                exchange.received = receiver.messages(type="recv-sms", device="sms", after=mark)
                return exchange.complete()

            # four SMS leave one port, one after the other, each within the send timeout; the
            # reports and received SMS follow within the device-level cache periods
            wait_until(collect, timers.wait(timers.send_timeout * 4 + 2), max(0.05, min(1.0, timers.scale)))
    finally:
        exchange.finished = time.time()
        ejoin.post_sms([], **REPORT_DEFAULTS)
        if old_sms_url is not None:
            ejoin.set_params([("sms_url", str(old_sms_url))])
    return exchange
