"""Receiving SMS: recv-sms pushes and delivery reports (gateway-2.4 §7, router-2.2 §6, simple-v2 §4).

The checks read the run's one SMS exchange (``sms_exchange.py``): when the user's numbers are SIMs
of the device itself, the exchange's SMS come back to it and are pushed to the request's
``sms_url`` as recv-sms (``sms_cnt`` 2: the new mechanism); the task sent with ``dr=1`` also
brings a delivery report.  Without such a number the checks are SKIPPED.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from ejoin_support import json_media_type, port_number
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
