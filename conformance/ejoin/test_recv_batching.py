"""Received-SMS batching: ``sms_cnt`` and ``sms_prd`` (gateway-2.4 §6.3.1.3, router-2.2 §5.3.1.3,
simple-v2 §1.3.1.3, first table).

The module sends four SMS to a ``--phone-number`` that is the number of one of the device's SIMs
(a *loopback*), in one goip_post_sms request that points ``sms_url`` at the push receiver and sets
``sms_cnt`` 3 but not ``sms_prd`` (the device keeps its own, 30 s unless configured: the suite's
SMS exchange writes 30 back).  The tasks leave up to four other registered ports at once, so the
SMS arrive about together (with fewer ports, one after the other):

- three of them are pushed in one recv-sms as soon as they are cached (count flush);
- the fourth one stays cached alone until ``sms_prd`` expires, then is pushed (period flush), about
  30 s after the first push.

``sms_url`` and ``sms_cnt`` are written back afterwards (``sms_url`` as read before, ``sms_cnt`` to
the documented 1).  Without a looped-back number the checks are SKIPPED.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from ejoin_support import SMS_TEXT, port_number, status_code, wait_until
from sms_exchange import b64

DEVICE = "recv-batch"
#: the batch size the module asks for (sms_cnt); the module sends one SMS more
BATCH = 3
#: documented default of sms_prd (gateway-2.4 §6.3.1.3)
DEFAULT_PRD = 30.0
#: the period flush must come at least this long (device seconds) after the count flush: half
#: the default, so a loaded machine that delays the first push cannot fail a good device
MIN_GAP = DEFAULT_PRD / 2


@dataclass
class Batching:
    texts: list[str]
    recipient: str
    statuses: list[Any] = field(default_factory=list)
    pushes: list[Any] = field(default_factory=list)
    refused: str = ""

    def ours(self, push: Any) -> list[str]:
        """The module's texts a push carries (base64 in a recv-sms, plain in a legacy forward)."""
        body = push.body
        return [t for t in self.texts if b64(t).encode() in body or t.encode() in body]

    def carrying(self) -> list[Any]:
        """The pushes carrying any of the module's SMS, in arrival order."""
        return [p for p in self.pushes if self.ours(p)]

    def complete(self) -> bool:
        return {t for p in self.carrying() for t in self.ours(p)} >= set(self.texts)


def _registered(device_status: dict[str, Any]) -> dict[int, str]:
    """``{port: sn}`` of the ports whose active SIM is registered (st 3)."""
    out: dict[int, str] = {}
    for entry in device_status.get("status") or []:
        if not isinstance(entry, dict):
            continue
        st = str(entry.get("st", entry.get("status", ""))).split(" ", maxsplit=1)[0]
        port = port_number(entry.get("port"))
        if st == "3" and port is not None:
            out[port] = str(entry.get("sn") or "")
    return out


@pytest.fixture(scope="module")
def batching(  # noqa: PLR0917 - pytest passes fixtures by name
    conformance, ejoin, receiver, timers, new_tid, phone_numbers, device_status
) -> Iterator[Batching]:
    if not conformance.allow_destructive:
        pytest.skip("sets sms_url and sms_cnt: --allow-destructive")
    ports = _registered(device_status)
    looped = [(p, sn) for p, sn in ports.items() if sn and sn in phone_numbers]
    if not looped:
        pytest.skip("no --phone-number is the number (dev-status sn) of one of the device's registered SIMs")
    target_port, recipient = looped[0]
    senders = [p for p in ports if p != target_port][: BATCH + 1] or [target_port]
    # BATCH + 1 SMS: one per sending port at once (fewer ports: the first ones send more, in turn)
    plan = [senders[i % len(senders)] for i in range(BATCH + 1)]
    tasks = []
    for port in dict.fromkeys(plan):  # one task per port; its text names the task
        tid = new_tid()
        to = ",".join([recipient] * plan.count(port))
        tasks.append({"tid": tid, "to": to, "sms": f"{SMS_TEXT} {tid} batch", "from": str(port)})
    feed = Batching([t["sms"] for t in tasks], recipient)
    before = ejoin.get_params("sms_url").data
    old_url = before.get("sms_url") if isinstance(before, dict) and before.get("code") == 0 else None
    mark = receiver.mark()
    try:
        data = ejoin.post_sms(tasks, sms_url=receiver.push_url(DEVICE), sms_cnt=BATCH).data
        feed.statuses = [s.get("status") for s in (data or {}).get("status") or [] if isinstance(s, dict)]
        if len(feed.statuses) != len(tasks) or any(status_code(s) != 0 for s in feed.statuses):
            feed.refused = f"the device did not take the tasks: {feed.statuses!r}"
        else:
            wanted = BATCH + 1

            def collect() -> bool:
                feed.pushes = receiver.messages(device=DEVICE, after=mark)
                return sum(len(_tuples_of(p, feed)) for p in feed.carrying()) >= wanted

            # two sends one after the other, then the cache period
            wait_until(
                collect,
                timers.wait(timers.send_timeout * 2 + DEFAULT_PRD),
                max(0.05, min(1.0, timers.scale)),
            )
        yield feed
    finally:
        ejoin.post_sms([], sms_cnt=1)
        if old_url is not None:
            ejoin.set_params([("sms_url", str(old_url))])


def _tuples_of(push: Any, feed: Batching) -> list[Any]:
    """The module's SMS in a push: the recv-sms tuples carrying them, or the one legacy forward."""
    data = push.parsed if isinstance(push.parsed, dict) else None
    if data is None:
        return [push.body] if feed.ours(push) else []
    coded = {b64(t) for t in feed.texts}
    return [t for t in data.get("sms") or [] if isinstance(t, list) and len(t) >= 6 and t[5] in coded]


def _ready(check: Any, feed: Batching) -> list[Any]:
    if feed.refused:
        check.skip(feed.refused)
    pushes = feed.carrying()
    check.attach_json(
        "pushes carrying the module's SMS",
        [
            {
                "type": (p.parsed or {}).get("type") if isinstance(p.parsed, dict) else p.content_type,
                "sms": len(_tuples_of(p, feed)),
                "received_at": round(p.received_at, 3),
            }
            for p in pushes
        ],
    )
    return pushes


@pytest.mark.requirement("EJ-RECV-BATCH-COUNT-FLUSH", "EJ-RECV-BATCHING-NEEDS-CNT-ABOVE-1")
def test_sms_cnt_received_sms_are_pushed_together(check, batching):
    """gateway-2.4 §6.3.1.3: "sms_cnt | Int | Max num of SMS can keep in cache | 1 | N | 1. When the
    buffer number reaches this value, the buffered SMS is sent immediately and the timer is reset.
    2. In order to be compatible with old customers, this parameter must be set to a value greater
    than 1, in order to buffer the received SMS and use the new sending mechanism."

    With sms_cnt 3, the three SMS that arrive together must come in one recv-sms of three.
    """
    pushes = _ready(check, batching)
    if not pushes:
        check.fail(f"none of the {BATCH + 1} SMS sent to {batching.recipient} was pushed to the sms_url")
        return
    first = pushes[0]
    data = first.parsed if isinstance(first.parsed, dict) else {}
    check.attach_push("first recv-sms", first.body)
    sms = data.get("sms") if isinstance(data.get("sms"), list) else []
    check.expect(
        data.get("type") == "recv-sms" and len(sms) > 1,
        f"the first push is {data.get('type') or first.content_type!r} with {len(sms)} SMS "
        f"(sms_cnt {BATCH}: buffered recv-sms, the new mechanism)",
        requirement="EJ-RECV-BATCHING-NEEDS-CNT-ABOVE-1",
    )
    check.expect(
        len(sms) == BATCH,
        f"the first recv-sms carries {len(sms)} SMS; {BATCH} arrived together and sms_cnt is {BATCH}",
        requirement="EJ-RECV-BATCH-COUNT-FLUSH",
    )


@pytest.mark.requirement("EJ-RECV-BATCH-PERIOD-FLUSH", "EJ-RECV-BATCH-PERIOD-DEFAULT-30")
def test_sms_prd_pushes_what_is_cached(check, batching, timers):
    """gateway-2.4 §6.3.1.3: "sms_prd | Int | Max time SMS can keep in cache | 30 | N | 1. The time
    expired, even if not enough SMS is received, it is sent immediately, then the timer is reset."

    The fourth SMS, alone in the cache (fewer than sms_cnt 3), must be pushed when the period the
    request left unset (the default 30 s) expires: not much before 30 s after the first push.
    """
    pushes = _ready(check, batching)
    later = pushes[1:]
    lone = [p for p in later if 0 < len(_tuples_of(p, batching)) < BATCH]
    wait = timers.wait(timers.send_timeout * 2 + DEFAULT_PRD)
    if not pushes:
        check.fail("none of the module's SMS was pushed")
        return
    if not lone:
        check.fail(
            f"the SMS left alone in the cache (1 < sms_cnt {BATCH}) was not pushed within {wait:.0f} s",
            requirement="EJ-RECV-BATCH-PERIOD-FLUSH",
        )
        check.fail("no period flush to time", requirement="EJ-RECV-BATCH-PERIOD-DEFAULT-30")
        return
    check.attach_push("recv-sms of the period flush", lone[0].body)
    check.ok(requirement="EJ-RECV-BATCH-PERIOD-FLUSH")
    gap = (lone[0].received_at - pushes[0].received_at) / timers.scale
    check.expect(
        gap >= MIN_GAP,
        f"the period flush came {gap:.1f} device seconds after the count flush; sms_prd was not set, "
        f"its default is {DEFAULT_PRD:.0f} s (a device configured with another sms_prd before the run "
        "shows that value)",
        requirement="EJ-RECV-BATCH-PERIOD-DEFAULT-30",
    )
