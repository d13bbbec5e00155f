"""Receiving SMS: recv-sms pushes and delivery reports (gateway-2.4 §7, router-2.2 §6, simple-v2 §4).

The checks read the run's one SMS exchange (``sms_exchange.py``): when the user's numbers are SIMs
of the device itself, the exchange's SMS come back to it and are pushed to the request's
``sms_url`` as recv-sms (``sms_cnt`` 2: the new mechanism); the task sent with ``dr=1`` also
brings a delivery report.  Without such a number the checks are SKIPPED.

The simple-v2 Receive SMS report switch (§3 "Reporting Control", §4) and remote SIM-pool cards
are device configuration, not API: against this project's emulator the checks set them through its
control API (``/_emu/``); on a real device they are SKIPPED, or read a pool card the user's numbers
name.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from ejoin_support import (
    SMS_TEXT,
    emulator_control,
    json_media_type,
    poll_interval,
    port_number,
    status_code,
    wait_until,
)
from sms_exchange import b64, same_number, utc_window

RECV_PUSH = "ejoin/recv-sms.push"
PORT_SLOT = re.compile(r"^[1-9][0-9]{0,2}\.[0-9]{2}$")
#: "1A", "2B": the request samples' form (erratum E-EJ-PORT-LETTER-FORM)
LETTER_PORT = re.compile(r"^[1-9][0-9]{0,2}[A-Z]$")


def _looped(check: Any, exchange: Any) -> None:
    if not exchange.accepted:
        check.skip(f"the device did not take the exchange's tasks: {exchange.statuses!r}")
    if not exchange.loopback:
        check.skip("no --phone-number is the number (dev-status sn) of one of the device's SIMs")


def _sim_numbers(device_status: dict[str, Any]) -> dict[str, int | None]:
    """``{sn: port}`` of the device's SIMs."""
    return {
        str(e["sn"]): port_number(e.get("port"))
        for e in device_status.get("status") or []
        if isinstance(e, dict) and e.get("sn")
    }


def _number_of_port(device_status: dict[str, Any], port: int) -> str | None:
    for number, p in _sim_numbers(device_status).items():
        if p == port:
            return number
    return None


@pytest.mark.requirement(
    "EJ-RECV-PUSH-POST",
    "EJ-RECV-URL-DEVICE-DEFAULT",
    "EJ-RECV-CONTENT-TYPE",
    "EJ-RECV-SCHEMA",
    "EJ-RECV-TYPE",
    "EJ-RECV-SMS-NUM",
    "EJ-RECV-SMS-ARRAY",
)
def test_received_sms_are_posted_as_recv_sms(check, sms_exchange):
    """gateway-2.4 §7: "Device will send SMS to server by POST request"; §7.2.1: "Default set by
    device, server can revise it in SMS sending quest message."; §7.2.3: "A JSON format string
    consisting of one or more short messages. The value of the HTTP header parameter
    "Content-Type" is "application/json; charset=utf-8"", "type ... Y (recv-sms)", "sms_num |
    String | Total SMS num", "sms | Array | SMS array".

    The exchange's request named sms_url: every SMS that came back must be POSTed there.
    """
    exchange = sms_exchange
    _looped(check, exchange)
    pushes = exchange.received
    mine = [t for task in exchange.tasks for t in exchange.sms_of(task)]
    check.expect(
        bool(pushes) and bool(mine) and all(p.method == "POST" for p in pushes),
        f"{len(pushes)} recv-sms pushes at the request's sms_url, {len(mine)} of the exchange's SMS in them",
        requirement=("EJ-RECV-PUSH-POST", "EJ-RECV-URL-DEVICE-DEFAULT"),
    )
    if not pushes:
        check.fail("no recv-sms push to grade")
        return
    for push in pushes[:6]:
        check.attach_push("recv-sms", push.body)
        data = push.parsed if isinstance(push.parsed, dict) else {}
        check.schema(RECV_PUSH, push.parsed, requirement="EJ-RECV-SCHEMA")
        check.expect(
            json_media_type(push.content_type),
            f"recv-sms Content-Type {push.content_type!r}",
            requirement="EJ-RECV-CONTENT-TYPE",
        )
        check.expect(data.get("type") == "recv-sms", f"type {data.get('type')!r}", requirement="EJ-RECV-TYPE")
        sms = data.get("sms")
        check.expect(
            isinstance(sms, list) and all(isinstance(t, list) and len(t) == 6 for t in sms),
            f"sms {str(sms)[:160]} (want an array of six-element arrays)",
            requirement="EJ-RECV-SMS-ARRAY",
        )
        n = len(sms) if isinstance(sms, list) else None
        check.expect(
            str(data.get("sms_num")) == str(n),
            f"sms_num {data.get('sms_num')!r} for {n} SMS",
            requirement="EJ-RECV-SMS-NUM",
        )


@pytest.mark.requirement(
    "EJ-RECV-TUPLE-FLAG",
    "EJ-RECV-TUPLE-PORT",
    "EJ-RECV-TUPLE-TIMESTAMP",
    "EJ-RECV-TUPLE-SENDER",
    "EJ-RECV-TUPLE-RECIPIENT",
    "EJ-RECV-TUPLE-CONTENT-BASE64",
    "EJ-SMS-SEND-CHS-BASE64",
    "EJ-SMS-SEND-CHS-DEFAULT-UTF8",
)
def test_received_sms_tuple_describes_the_sms(check, sms_exchange, device_status, timers):
    """gateway-2.4 §7.2.3: "[0]: Delivery report flag,0:normal SMS", "[1]: Receive report('1.01',
    '1.02')", "[2]: timestamp while device got this SMS", "[3]: Sender", "[4]: Recipient", "[5]: SMS
    content (base64 encoded UTF-8)"; §6.3.1.3: "chs | string | Character coding set (utf8 base64)".

    The exchange's single task went from one of the device's SIMs to another: its tuple must say
    so.  The plain task was submitted with chs=base64: what arrives is the decoded text.
    """
    exchange = sms_exchange
    _looped(check, exchange)
    single = exchange.single
    got = exchange.sms_of(single)
    check.attach_json("tuples of the single task", got)
    if not got:
        check.fail(f"the SMS of tid {single['tid']} to {single['to']} was not pushed back")
        return
    item = got[0]
    check.expect(item[0] == 0, f"flag {item[0]!r} of an ordinary SMS", requirement="EJ-RECV-TUPLE-FLAG")
    check.expect(
        item[5] == b64(single["sms"]),
        f"content {item[5]!r}; the SMS was {single['sms']!r}",
        requirement="EJ-RECV-TUPLE-CONTENT-BASE64",
    )
    receiving = _sim_numbers(device_status).get(single["to"])
    port_ok = isinstance(item[1], str) and port_number(item[1]) == receiving
    if port_ok and LETTER_PORT.match(item[1]):
        check.non_strict(
            f"port {item[1]!r} in letter form",
            errata=["E-EJ-PORT-LETTER-FORM"],
            requirement="EJ-RECV-TUPLE-PORT",
        )
    else:
        check.expect(
            port_ok and PORT_SLOT.match(item[1]) is not None,
            f"port {item[1]!r}; {single['to']} is the SIM of port {receiving}",
            requirement="EJ-RECV-TUPLE-PORT",
        )
    sender = _number_of_port(device_status, exchange.port)
    if sender:
        check.expect(
            same_number(item[3], sender),
            f"sender {item[3]!r}; sent from {sender}",
            requirement="EJ-RECV-TUPLE-SENDER",
        )
    check.expect(
        same_number(item[4], single["to"]),
        f"recipient {item[4]!r}; sent to {single['to']}",
        requirement="EJ-RECV-TUPLE-RECIPIENT",
    )
    stamp = item[2]
    stamp = int(stamp) if isinstance(stamp, str) and stamp.isdigit() else stamp
    low, high = utc_window(exchange.started, timers)
    now = time.time()
    check.expect(
        isinstance(stamp, int) and low <= stamp <= high,
        f"received at {item[2]!r}, UTC now {now:.0f}",
        requirement="EJ-RECV-TUPLE-TIMESTAMP",
    )
    group = exchange.group
    check.expect(
        len(exchange.sms_of(group)) >= 1,
        f"the task without chs (utf8) carried {group['sms']!r}; received contents "
        f"{[t[5] for _, t in exchange.tuples() if len(t) >= 6]}",
        requirement="EJ-SMS-SEND-CHS-DEFAULT-UTF8",
    )
    plain = exchange.plain
    text = exchange.decoded(plain)
    coded = [t[5] for _, t in exchange.tuples() if len(t) >= 6]
    check.expect(
        b64(text) in coded,
        f"the chs=base64 task carried base64 of {text!r}; received contents {coded}",
        requirement="EJ-SMS-SEND-CHS-BASE64",
    )


@pytest.mark.requirement(
    "EJ-SMS-SEND-DR-ARRIVES-AS-RECV-SMS",
    "EJ-SMS-SEND-DR-DEFAULT-OFF",
    "EJ-RECV-DR-CONTENT",
    "EJ-RECV-TUPLE-FLAG",
    "EJ-RECV-TUPLE-RECIPIENT",
)
def test_delivery_report_only_for_the_task_that_asked(check, sms_exchange):
    """gateway-2.4 §6.3.1.3: "dr | Int | If enable SMS delivery report.1:enable,0:disable. |
    Disable"; §7.2.3: "[0]: ... 1:This is a delivery report", "[3]: Sender(If Delivery report flag
    set to 1, then sender should be SMCC)", "[4]: Recipient(If Delivery report flag set to 1,then
    recipient should be the original recipient. )", "[5]: ... delivery report: "code scts"".

    Of the exchange's four SMS only the single task's asked for a delivery report (and was sent
    last): exactly one report must arrive, for its recipient.
    """
    exchange = sms_exchange
    _looped(check, exchange)
    reports = exchange.delivery_reports()
    check.attach_json("delivery reports", reports)
    check.expect(
        len(reports) >= 1,
        "no delivery report for the task sent with dr=1",
        requirement="EJ-SMS-SEND-DR-ARRIVES-AS-RECV-SMS",
    )
    check.expect(
        len(reports) <= 1,
        f"{len(reports)} delivery reports for 4 SMS of which one asked (dr=1)",
        requirement="EJ-SMS-SEND-DR-DEFAULT-OFF",
    )
    if not reports:
        return
    report = reports[0]
    check.expect(report[0] == 1, f"flag {report[0]!r} of a delivery report", requirement="EJ-RECV-TUPLE-FLAG")
    check.expect(
        len(report) >= 5 and same_number(report[4], exchange.single["to"]),
        f"delivery report {report} for recipient {exchange.single['to']}",
        requirement="EJ-RECV-TUPLE-RECIPIENT",
    )
    content = report[5] if len(report) >= 6 else None
    code, _, scts = content.partition(" ") if isinstance(content, str) else ("", "", "")
    check.expect(
        code == "0" and scts.isdigit() and 12 <= len(scts) <= 14,
        f'content {content!r} (want "0 <scts>" for a delivered SMS)',
        requirement="EJ-RECV-DR-CONTENT",
    )


@pytest.mark.requirement("EJ-RECV-SIM-SRC")
def test_recv_sms_of_local_cards_says_sim_src_0(check, sms_exchange):
    """simple-v2 §4.3: "sim_src | Int | The source of SIM card: 0 – local card; 1 – remote card |
    0".

    The exchange's SMS came back to local cards of the device: sim_src, when present, is 0.
    """
    exchange = sms_exchange
    _looped(check, exchange)
    mine = {id(p) for p, t in exchange.tuples() if any(t in exchange.sms_of(task) for task in exchange.tasks)}
    pushes = [p for p in exchange.received if id(p) in mine]
    if not pushes:
        check.fail("no recv-sms push carried the exchange's SMS")
    for push in pushes:
        sim_src = push.parsed.get("sim_src")
        if sim_src is None:
            check.non_strict("recv-sms without sim_src", errata=["E-EJ-RECVSMS-SIMSRC"])
        else:
            check.expect(sim_src == 0 and sim_src.__class__ is int, f"sim_src {sim_src!r} of local cards")


@pytest.mark.requirement("EJ-RECV-VERSION-PARAM")
def test_recv_sms_url_carries_version_1_1(check, sms_exchange):
    """gateway-2.4 §7.2.2: "version | API version | 1.1 | Y | This document describes specification
    support only"."""
    exchange = sms_exchange
    _looped(check, exchange)
    if not exchange.received:
        check.fail("no recv-sms push")
    for push in exchange.received[:4]:
        version = parse_qs(push.query or "").get("version")
        check.expect(version == ["1.1"], f"recv-sms URL query {push.query!r}")


def _point_sms_url(ejoin: Any, restore: Any, url: str, **settings: Any) -> bool:
    """Point sms_url at ``url`` (with ``settings``); sms_url is written back at teardown."""
    before = ejoin.get_params("sms_url").data
    old = before.get("sms_url") if isinstance(before, dict) and before.get("code") == 0 else None
    if old is not None:
        restore.push("write sms_url back", lambda: ejoin.set_params([("sms_url", str(old))]))
    data = ejoin.post_sms([], sms_url=url, **settings).data
    return isinstance(data, dict) and data.get("code", 200) in (0, 200)


@pytest.mark.requirement("EJ-RECV-REPORT-SWITCH", "EJ-STATUS-REPORT-CONTROL-SWITCHES")
def test_received_sms_are_not_pushed_while_their_report_is_disabled(  # noqa: PLR0917
    check, conformance, ejoin, receiver, timers, restore, sending_port, device_status, phone_numbers, new_tid
):
    """simple-v2 §4: "Status notification content is controlled by reporting control switch and
    related function switch. ... 2. SMS receive: need enable received sms report."; §3 "Reporting
    Control ... Receive SMS: Disabled".

    With the Receive SMS report disabled, an SMS the device receives must not be pushed; enabled
    again, the next one is.  The switch is on the device's web page: this project's emulator lets
    the suite change it; a real device is checked when its declaration says ``settings:
    {recv-sms-report: false}`` (an SMS to one of its SIMs must not be pushed), SKIPPED otherwise.
    """
    if not conformance.allow_destructive:
        check.skip("changes the Receive SMS report switch and sms_url: --allow-destructive")
    state = emulator_control(conformance, "state")
    if not isinstance(state, dict) or "recv_sms_report" not in state:
        _declared_recv_switch(
            check,
            conformance,
            ejoin,
            receiver,
            timers,
            restore,
            sending_port,
            device_status,
            phone_numbers,
            new_tid,
        )
        return
    device = "recv-switch"
    restore.push(
        "enable the Receive SMS report",
        lambda: emulator_control(conformance, "config", {"recv_sms_report": True}),
    )
    if not _point_sms_url(ejoin, restore, receiver.push_url(device), sms_cnt=1):
        check.fail("the device refused a send-sms request that only sets sms_url and sms_cnt")
        return
    mark = receiver.mark()

    def stored() -> int:
        now = emulator_control(conformance, "state") or {}
        return int(now.get("inbox", 0)) + int(now.get("inbox_dropped", 0))

    quiet, loud = f"{SMS_TEXT} report disabled", f"{SMS_TEXT} report enabled"
    emulator_control(conformance, "config", {"recv_sms_report": False})
    before = stored()
    emulator_control(conformance, "sms", {"port": sending_port, "from": "10010", "text": quiet})
    interval = poll_interval(timers)
    wait_until(lambda: stored() > before, timers.wait(5), interval)
    emulator_control(conformance, "config", {"recv_sms_report": True})
    emulator_control(conformance, "sms", {"port": sending_port, "from": "10010", "text": loud})

    def bodies() -> list[bytes]:
        return [m.body for m in receiver.messages(device=device, after=mark)]

    wait_until(
        lambda: any(loud.encode() in b or b64(loud).encode() in b for b in bodies()), timers.wait(5), interval
    )
    got = bodies()
    check.attach("pushes to the sms_url", "\n---\n".join(b.decode("utf-8", "replace") for b in got)[:4000])
    check.expect(
        any(loud.encode() in b or b64(loud).encode() in b for b in got),
        "the SMS received after the Receive SMS report was enabled again was not pushed",
    )
    check.expect(
        not any(quiet.encode() in b or b64(quiet).encode() in b for b in got),
        "the SMS received while the Receive SMS report was disabled was pushed",
    )


def _declared_recv_switch(  # noqa: PLR0917
    check, conformance, ejoin, receiver, timers, restore, sending_port, device_status, phone_numbers, new_tid
):
    """A real device: what its declaration says of the Receive SMS report."""
    declared = conformance.declaration.setting("recv-sms-report")
    if declared is None:
        check.skip(
            "the Receive SMS report is switched on the device's web page (simple-v2 §3), which the suite "
            "cannot read: declare it (settings: {recv-sms-report: false}) to have it checked"
        )
    if declared:
        check.skip(
            "the declaration says the Receive SMS report is enabled: the recv-sms checks show its pushes"
        )
    own = [n for n in _sim_numbers(device_status) if n in phone_numbers]
    if not own:
        check.skip("no --phone-number is the number (dev-status sn) of one of the device's SIMs")
    device = "recv-switch"
    if not _point_sms_url(ejoin, restore, receiver.push_url(device), sms_cnt=1):
        check.fail("the device refused a send-sms request that only sets sms_url and sms_cnt")
        return
    mark = receiver.mark()
    tid = new_tid()
    text = f"{SMS_TEXT} {tid} report disabled"
    data = ejoin.post_sms([{"tid": tid, "to": own[0], "sms": text, "from": str(sending_port)}]).data or {}
    statuses = [x.get("status") for x in data.get("status") or [] if isinstance(x, dict)]
    if not statuses or status_code(statuses[0]) != 0:
        check.skip(f"the device did not take the task: {statuses!r}")
    marks = (text.encode(), b64(text).encode())

    def pushed() -> bool:
        return any(k in m.body for m in receiver.messages(device=device, after=mark) for k in marks)

    def stored() -> bool:  # goip_get_sms answers the newest SMS without sms_id
        return b64(text).encode() in ejoin.get_sms().raw

    # the SMS is sent and received within the send timeout; a push would follow at once (sms_cnt 1)
    wait_until(pushed, timers.wait(timers.send_timeout), poll_interval(timers))
    if pushed():
        check.fail("an SMS received while the declaration says the Receive SMS report is disabled was pushed")
    elif stored():
        check.ok("received (goip_get_sms shows it) and not pushed")
    else:
        check.skip("the SMS did not show in goip_get_sms either: whether it arrived is unknown")


@pytest.mark.requirement("EJ-RECV-SIM-POOL-PORT")
def test_recv_sms_of_a_sim_pool_card_names_port_simpool_slot(  # noqa: PLR0917
    check, conformance, ejoin, receiver, timers, restore, device_status, phone_numbers, new_tid, sending_port
):
    """simple-v2 §4.3: "[1]: receive port and slot: values are related to the sim_src field ...
    When sim_src is remote card, value is "port.simpool.slot", example "1.sp128.016"".

    An SMS to a remote SIM-pool card: a ``--phone-number`` that dev-status shows on a pool card,
    or, on this project's emulator, a card the suite moves into a pool.  Its recv-sms must say
    sim_src 1 and name the port ``port.spNNN.slot``.
    """
    if not conformance.allow_destructive:
        check.skip("sets sms_url and sends an SMS: --allow-destructive")
    pool_name = re.compile(r"^([1-9][0-9]{0,2})\.sp[0-9]{1,3}\.[0-9]{3}$")
    pooled = [
        e for e in device_status.get("status") or []
        if isinstance(e, dict) and pool_name.match(str(e.get("port"))) and e.get("sn") in phone_numbers
    ]  # fmt: skip
    device = "recv-pool"
    text = f"{SMS_TEXT} {new_tid()} pool"
    if pooled:  # a real pool card of the user's
        port = port_number(pooled[0]["port"])
    else:  # this project's emulator: move a spare card into a pool
        spare = [p for sn, p in _sim_numbers(device_status).items() if p and sn not in phone_numbers]
        port = max((p for p in spare if p != sending_port), default=None)
        answer = emulator_control(conformance, "sim", {"port": port, "pool": [128, 16]}) if port else None
        if answer is None:
            check.skip("no --phone-number is on a remote SIM-pool card (dev-status port like 1.sp128.016)")
        restore.push(
            "take the card out of the pool",
            lambda: emulator_control(conformance, "sim", {"port": port, "pool": None}),
        )
    if not _point_sms_url(ejoin, restore, receiver.push_url(device), sms_cnt=2, sms_prd=1):
        check.fail("the device refused a send-sms request that only sets sms_url and the cache")
        return
    restore.push("sms_cnt/sms_prd back to the defaults", lambda: ejoin.post_sms([], sms_cnt=1, sms_prd=30))
    mark = receiver.mark()
    if pooled:  # send it an SMS
        task = {"tid": new_tid(), "to": pooled[0]["sn"], "sms": text, "from": str(sending_port)}
        data = ejoin.post_sms([task]).data or {}
        statuses = [x.get("status") for x in data.get("status") or [] if isinstance(x, dict)]
        if not statuses or status_code(statuses[0]) != 0:
            check.skip(f"the device did not take the task to the pool card: {statuses!r}")
        wait = timers.wait(timers.send_timeout)
    else:  # the network delivers one to it
        emulator_control(conformance, "sms", {"port": port, "from": "10010", "text": text})
        wait = timers.wait(5)

    def found() -> list[Any]:
        pushes = receiver.messages(device=device, after=mark)
        return [p for p in pushes if b64(text).encode() in p.body or text.encode() in p.body]

    pushes = wait_until(found, wait, poll_interval(timers)) or []
    if not pushes:
        check.fail(f"the SMS to the pool card of port {port} was not pushed")
        return
    check.attach_push("recv-sms of the pool card", pushes[0].body)
    data = pushes[0].parsed if isinstance(pushes[0].parsed, dict) else {}
    items = [t for t in data.get("sms") or [] if isinstance(t, list) and len(t) >= 6 and t[5] == b64(text)]
    name = items[0][1] if items else None
    match = pool_name.match(str(name))
    check.expect(
        data.get("sim_src") == 1 and match is not None and int(match.group(1)) == port,
        f"sim_src {data.get('sim_src')!r}, port {name!r} for an SMS to the SIM-pool card of port {port}",
    )
