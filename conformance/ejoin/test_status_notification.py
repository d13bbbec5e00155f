"""Status notification: goip_get_status.html, dev-status and port-status pushes (gateway-2.4 §4.1,
router-2.2 §3.1, proxy-gateway §3, simple-v2 §4).

The push checks point the device's report URL at the suite's receiver once per module (with a
period below the 60 s minimum, which the device must round up) and read the pushes that follow;
the period is set to 0 again at the end (the API cannot read back the URL it replaced).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from ejoin_support import json_media_type, port_number

from smsgw.receiver import WaitTimeoutError

#: The documents' minimum report period: "the minimum value is 60, the unit is second" (§4.1.2).
MINIMUM_PERIOD = 60
#: What the feed asks for: half the minimum, so a conformant device reports every 60 s anyway.
PERIOD_ASKED = 30
#: Delivery jitter tolerated on the 60 s gap, as a fraction of it: a device that used the 30 s it
#: was asked for stays far below 45 s.
PERIOD_TOLERANCE = 0.25
MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5}$")
DEVICE = "dut-status"


def _entries(data: Any) -> list[dict[str, Any]]:
    status = data.get("status") if isinstance(data, dict) else None
    return [e for e in status or [] if isinstance(e, dict)]


def _int(value: Any) -> int | None:
    try:
        return int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _st_code(entry: dict[str, Any]) -> int | None:
    st = entry.get("st", entry.get("status"))
    return _int(str(st).split(" ")[0]) if st is not None else None


# -- goip_get_status answers ----------------------------------------------------------------------
@pytest.mark.requirement(
    "EJ-STATUS-GET-STATUS-URL", "EJ-STATUS-GET-RESPONSE-IS-DEV-STATUS", "EJ-STATUS-URL-OPTIONAL"
)
def test_get_status_answers_a_dev_status(check, ejoin):
    """gateway-2.4 §4.1.1: "Server can send a GET request to get the status on device by below
    URL: http://host:port/goip_get_status.html?url=xxx&period=0"; §4.1.2: "Url | Specific the
    report URL | None | N"; the answer is a dev-status (§6.4.1, erratum E-EJ-GETSTATUS-RESPONSE).

    Sends goip_get_status with credentials only (no url, no period).
    """
    resp = ejoin.get_status()
    check.expect(resp.status == 200, f"HTTP {resp.status}", requirement="EJ-STATUS-GET-STATUS-URL")
    check.schema(
        "ejoin/goip_get_status.response", resp.data, requirement="EJ-STATUS-GET-RESPONSE-IS-DEV-STATUS"
    )
    check.expect(
        isinstance(resp.data, dict) and resp.data.get("type") == "dev-status",
        f"goip_get_status without url answered: {resp.json_error or resp.text[:200]}",
        requirement=("EJ-STATUS-URL-OPTIONAL", "EJ-STATUS-GET-STATUS-URL"),
    )


@pytest.mark.requirement(
    "EJ-STATUS-DEVSTATUS-TYPE",
    "EJ-STATUS-DEVSTATUS-MAC",
    "EJ-STATUS-DEVSTATUS-MAX-PORTS",
    "EJ-STATUS-DEVSTATUS-ONE-ENTRY-PER-PORT",
)
def test_dev_status_names_the_device_and_lists_every_port_once(check, ejoin, conformance):
    """gateway-2.4 §4.1.3: "Type | String | Message type. | None | Y (dev-status)", "mac | String |
    Device MAC. | None | Y" (sample "00-30-f1-01-02-03"), "max-ports | Int | Total ports of device.
    | None | Y", "Dev-status message ... is a JSON array string that comprised of ports status":
    without all_sims, one entry per port.
    """
    data = ejoin.get_status().data
    data = data if isinstance(data, dict) else {}
    check.expect(
        data.get("type") == "dev-status", f"type {data.get('type')!r}", requirement="EJ-STATUS-DEVSTATUS-TYPE"
    )
    mac = data.get("mac")
    check.expect(
        isinstance(mac, str) and bool(MAC_RE.match(mac)),
        f"mac {mac!r} (want six hyphen-separated hex bytes)",
        requirement="EJ-STATUS-DEVSTATUS-MAC",
    )
    ports = [port_number(e.get("port")) for e in _entries(data)]
    max_ports = data.get("max-ports")
    declared = conformance.declaration.ports
    want = declared if declared else len(set(ports))
    check.expect(
        isinstance(max_ports, int) and not isinstance(max_ports, bool) and max_ports == want,
        f"max-ports {max_ports!r}, the device has {want} ports"
        + (" (declared)" if declared else " (listed in status)"),
        requirement="EJ-STATUS-DEVSTATUS-MAX-PORTS",
    )
    expected = list(range(1, max_ports + 1)) if isinstance(max_ports, int) else []
    check.expect(
        sorted(p for p in ports if p is not None) == expected and len(ports) == len(expected),
        f"status lists ports {ports} (want each of 1..{max_ports} once)",
        requirement="EJ-STATUS-DEVSTATUS-ONE-ENTRY-PER-PORT",
    )


@pytest.mark.requirement("EJ-STATUS-ALL-SLOTS", "EJ-STATUS-ALL-SIMS")
def test_all_slots_and_all_sims_widen_the_report(check, ejoin):
    """gateway-2.4 §4.1.2: "all_sims | Get all the card status | 0 | N | 0: disable 1: enable" and
    "all_slots | Get the status of all card slots | 0 | N | 0: disable 1: enable".

    Asks goip_get_status with all_slots=1 (every port x slot once) and with all_sims=1 (every card
    present in a slot, i.e. the all_slots entries whose st is not 0 No SIM card).
    """
    plain = ejoin.get_status().data
    max_ports = _int(plain.get("max-ports")) if isinstance(plain, dict) else None
    max_slots = _int(plain.get("max-slots", plain.get("max-slot"))) if isinstance(plain, dict) else None
    slots_resp = ejoin.get_status(all_slots=1)
    check.schema("ejoin/goip_get_status.response", slots_resp.data, requirement="EJ-STATUS-ALL-SLOTS")
    every_slot = _entries(slots_resp.data)
    names = [str(e.get("port")) for e in every_slot]
    want = (max_ports or 0) * (max_slots or 1)
    check.expect(
        len(every_slot) == want and len(set(names)) == want,
        f"all_slots=1 listed {len(every_slot)} entries ({len(set(names))} distinct), want "
        f"max-ports x max-slots = {want}",
        requirement="EJ-STATUS-ALL-SLOTS",
    )
    sims_resp = ejoin.get_status(all_sims=1)
    check.schema("ejoin/goip_get_status.response", sims_resp.data, requirement="EJ-STATUS-ALL-SIMS")
    with_card = sorted(str(e.get("port")) for e in every_slot if _st_code(e) not in (0, None))
    listed = sorted(str(e.get("port")) for e in _entries(sims_resp.data))
    check.expect(
        listed == with_card,
        f"all_sims=1 listed {len(listed)} cards, the slots hold {len(with_card)}: "
        f"missing {sorted(set(with_card) - set(listed))[:8]}, "
        f"extra {sorted(set(listed) - set(with_card))[:8]}",
        requirement="EJ-STATUS-ALL-SIMS",
    )


# -- pushes ---------------------------------------------------------------------------------------
@dataclass
class StatusFeed:
    """The device's report URL set to the receiver, and the first dev-status pushes after that."""

    answer: Any
    pushes: list[Any] = field(default_factory=list)
    problem: str = ""


@pytest.fixture(scope="module")
def status_feed(ejoin, receiver, timers) -> Iterator[StatusFeed]:
    mark = receiver.mark()
    feed = StatusFeed(ejoin.get_status(url=receiver.push_url(DEVICE), period=PERIOD_ASKED))
    after = mark
    for _ in range(2):
        try:
            push = receiver.wait_for(
                "dev-status", device=DEVICE, after=after, timeout=timers.status_push_wait
            )
        except WaitTimeoutError:
            feed.problem = f"no dev-status push within {timers.status_push_wait:.1f} s"
            break
        feed.pushes.append(push)
        after = push.id
    yield feed
    ejoin.get_status(period=0)  # stop reporting to a receiver that goes away with the run


@pytest.mark.requirement(
    "EJ-STATUS-REPORT-URL-SET-BY-GET",
    "EJ-STATUS-DEVSTATUS-PERIODIC",
    "EJ-STATUS-PUSH-POST",
    "EJ-STATUS-DEVSTATUS-SCHEMA",
    "EJ-STATUS-DEVSTATUS-CONTENT-TYPE",
)
def test_dev_status_is_pushed_to_the_url_every_period(check, status_feed):
    """gateway-2.4 §4: "This device will send a HTTP POST request which include the device running
    status information to the SMS server when ... Community period expired"; §4.1.2: "Url |
    Specific the report URL"; §4.1.3: "Device send 'dev-status' to server periodically." and
    "Parameter Content-Type in HTTP head should set to "application/json; charset=utf-8"".

    Sets url (the suite's receiver) and period, then waits for two dev-status pushes.
    """
    check.expect(status_feed.answer.status == 200, f"setting the url: HTTP {status_feed.answer.status}")
    check.expect(
        len(status_feed.pushes) == 2,
        f"{len(status_feed.pushes)} of 2 dev-status pushes arrived: {status_feed.problem}",
        requirement=("EJ-STATUS-REPORT-URL-SET-BY-GET", "EJ-STATUS-DEVSTATUS-PERIODIC"),
    )
    if not status_feed.pushes:
        check.fail(
            "no dev-status push to grade",
            requirement=(
                "EJ-STATUS-PUSH-POST",
                "EJ-STATUS-DEVSTATUS-SCHEMA",
                "EJ-STATUS-DEVSTATUS-CONTENT-TYPE",
            ),
        )
    for push in status_feed.pushes:
        check.attach_push(f"dev-status #{push.id}", push.body)
        check.expect(push.method == "POST", f"pushed by {push.method}", requirement="EJ-STATUS-PUSH-POST")
        check.schema("ejoin/dev-status.push", push.parsed, requirement="EJ-STATUS-DEVSTATUS-SCHEMA")
        check.expect(
            json_media_type(push.content_type),
            f"dev-status pushed with Content-Type {push.content_type!r}",
            requirement="EJ-STATUS-DEVSTATUS-CONTENT-TYPE",
        )
        if isinstance(push.parsed, dict) and push.parsed.get("ver"):
            check.firmware(push.parsed["ver"])


@pytest.mark.requirement("EJ-STATUS-REPORT-URL-SET-BY-GET", "EJ-STATUS-DEVSTATUS-SEQ-INCREASES")
def test_dev_status_seq_increases(check, status_feed):
    """gateway-2.4 §4.1.3: "seq | Int | Device status message sequence number, start from 1." —
    each push has a larger seq than the one before."""
    seqs = [(p.parsed or {}).get("seq") if isinstance(p.parsed, dict) else None for p in status_feed.pushes]
    if len(seqs) < 2:
        check.fail(f"needs two dev-status pushes, got {len(seqs)}: {status_feed.problem}")
        return
    check.expect(
        all(isinstance(s, int) for s in seqs) and seqs[1] > seqs[0],
        f"consecutive dev-status seq {seqs[0]!r} then {seqs[1]!r}",
        requirement="EJ-STATUS-DEVSTATUS-SEQ-INCREASES",
    )


@pytest.mark.requirement("EJ-STATUS-PERIOD-MINIMUM-60")
def test_period_below_60_is_not_used(check, status_feed, timers):
    """gateway-2.4 §4.1.2: "Period | ... >0:Report status according to the specified report
    period,the minimum value is 60,the unit is second".

    The feed asked for a 30 s period: two consecutive pushes must be at least 60 s apart.
    """
    if len(status_feed.pushes) < 2:
        check.fail(f"needs two dev-status pushes, got {len(status_feed.pushes)}: {status_feed.problem}")
        return
    gap = status_feed.pushes[1].received_at - status_feed.pushes[0].received_at
    least = MINIMUM_PERIOD * timers.scale * (1 - PERIOD_TOLERANCE)
    check.expect(
        gap >= least,
        f"period={PERIOD_ASKED} gave dev-status pushes {gap:.2f} s apart (the minimum period makes it "
        f">= {least:.2f} s here)",
    )


@pytest.mark.requirement(
    "EJ-STATUS-REPORT-URL-SET-BY-GET",
    "EJ-STATUS-PORTSTATUS-ON-CHANGE",
    "EJ-STATUS-PORTSTATUS-TYPE",
    "EJ-STATUS-PORTSTATUS-SCHEMA",
    "EJ-STATUS-PORTSTATUS-CONTENT-TYPE",
)
def test_port_status_is_pushed_when_a_port_changes(  # noqa: PLR0917 (pytest fixtures)
    check, ejoin, conformance, receiver, timers, status_feed, restore
):
    """gateway-2.4 §4.1.4: "Any one port status changed, device will send 'port-status' message to
    server immediately." (sample: "type": "port-status"), "Parameter Content-Type in HTTP head
    should set to "application/json; charset=utf-8"".

    Locks a registered port that neither sends the suite's SMS nor owns a user's number (unlocked
    again at the end) and waits, for no longer than the network grace, for its port-status.
    """
    data = ejoin.get_status().data
    numbers = set(conformance.phone_numbers)
    candidates = [
        port_number(e.get("port")) for e in _entries(data) if _st_code(e) == 3 and e.get("sn") not in numbers
    ]
    candidates = [p for p in candidates if p is not None]
    if len(candidates) < 2:
        check.skip("needs two registered ports (one to lock that the SMS checks do not use)")
    port = candidates[-1]
    mark = receiver.mark()
    restore.push(f"unlock port {port}", lambda: ejoin.command("unlock", str(port)))
    ejoin.command("lock", str(port))
    try:
        push = receiver.wait_for(
            lambda m: (
                port_number((m.parsed or {}).get("port") if isinstance(m.parsed, dict) else None) == port
            ),
            type="port-status",
            device=DEVICE,
            after=mark,
            timeout=timers.wait(0),
        )
    except WaitTimeoutError:
        check.fail(f"no port-status push for port {port} within {timers.wait(0):.1f} s of locking it")
        return
    check.attach_push(f"port-status #{push.id}", push.body)
    check.expect(
        isinstance(push.parsed, dict) and push.parsed.get("type") == "port-status",
        f"type {(push.parsed or {}).get('type') if isinstance(push.parsed, dict) else push.parsed!r}",
        requirement="EJ-STATUS-PORTSTATUS-TYPE",
    )
    check.schema("ejoin/port-status.push", push.parsed, requirement="EJ-STATUS-PORTSTATUS-SCHEMA")
    check.expect(
        json_media_type(push.content_type),
        f"port-status pushed with Content-Type {push.content_type!r}",
        requirement="EJ-STATUS-PORTSTATUS-CONTENT-TYPE",
    )


@pytest.mark.requirement("EJ-STATUS-PERIOD-ZERO-CANCELS")
def test_period_zero_cancels_the_reports(check, ejoin, receiver, timers, status_feed):
    """gateway-2.4 §4.1.2: "Period | ... 0:cancel status report".

    Sets period=0 and watches the receiver for one and a half report periods: no dev-status may
    arrive.
    """
    resp = ejoin.get_status(period=0)
    mark = receiver.mark()
    window = MINIMUM_PERIOD * timers.scale * 1.5
    try:
        push = receiver.wait_for("dev-status", device=DEVICE, after=mark, timeout=window)
    except WaitTimeoutError:
        check.expect(resp.status == 200, f"period=0 answered HTTP {resp.status}")
        return
    check.attach_push(f"dev-status #{push.id}", push.body)
    check.fail(f"a dev-status arrived within {window:.1f} s of period=0")
