"""Sent-SMS reports: the sent-sms push of the simple-v2 document (§3 "Reporting Control: Sent SMS",
§4.4), sent to the status notification URL for every SMS the device sends.

The module sets the status URL to the push receiver (goip_get_status url=...), sends one task to two
of the user's numbers and, from another port at the same time, one SMS of several non-ASCII lines
(which a device may report with charset BASE64), and grades the sent-sms pushes; reporting stops
(period=0) at the end.

The other reporting-control switches of §3 (call, SMS and traffic control data) are set on the
device's web page: the check of them runs only against this project's emulator, whose control API
(``/_emu/config``) sets them, and is SKIPPED on a real device.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from ejoin_support import SMS_TEXT, emulator_control, json_media_type, port_number, status_code, wait_until
from sms_exchange import same_number, utc_window

SENT_PUSH = "ejoin/sent-sms.push"
DEVICE = "sent-sms"
PORT_SLOT = re.compile(r"^[1-9][0-9]{0,2}\.[0-9]{2}$")
#: "1A", "2B": the request samples' form (erratum E-EJ-PORT-LETTER-FORM)
LETTER_PORT = re.compile(r"^[1-9][0-9]{0,2}[A-Z]$")


#: more than 57 bytes of UTF-8 over two lines: base64 of it is longer than one MIME line (76)
MULTILINE = "\u00fcber die Stra\u00dfe\n\u4f60\u597d, \u4e16\u754c \u2014 {tid}\nsmsgw-suite"


@dataclass
class SentFeed:
    task: dict[str, Any]
    port: int
    started: float
    statuses: list[Any] = field(default_factory=list)
    pushes: list[Any] = field(default_factory=list)
    #: the multi-line non-ASCII SMS, sent from another port beside the task
    lines: dict[str, Any] = field(default_factory=dict)

    def of_task(self, task: dict[str, Any] | None = None) -> list[Any]:
        """The pushes naming the task (sms_tid, or the table's sms_time), whatever their type says."""
        tid = (task or self.task)["tid"]
        return [
            p
            for p in self.pushes
            if isinstance(p.parsed, dict)
            and str(p.parsed.get("sms_tid", p.parsed.get("sms_time"))) == str(tid)
        ]


def _other_port(device_status: dict[str, Any], phone_numbers: tuple[str, ...], port: int) -> int:
    """Another registered port whose SIM is not a recipient (``port`` itself when there is none)."""
    for entry in device_status.get("status") or []:
        if not isinstance(entry, dict):
            continue
        st = str(entry.get("st", entry.get("status", ""))).split(" ", maxsplit=1)[0]
        other = port_number(entry.get("port"))
        if st == "3" and entry.get("sn") not in phone_numbers and other not in (None, port):
            return other  # type: ignore[return-value]
    return port


@pytest.fixture(scope="module")
def sent_feed(  # noqa: PLR0917 - pytest passes fixtures by name
    conformance, ejoin, receiver, timers, new_tid, sending_port, phone_numbers, device_status
) -> Iterator[SentFeed]:
    if not conformance.allow_destructive:
        pytest.skip("sets the status notification URL: --allow-destructive")
    numbers = [phone_numbers[0], phone_numbers[1 % len(phone_numbers)]]
    tid = new_tid()
    task = {"tid": tid, "to": ",".join(numbers), "sms": f"{SMS_TEXT} {tid}", "from": str(sending_port)}
    feed = SentFeed(task, sending_port, time.time())
    other = new_tid()
    feed.lines = {
        "tid": other,
        "to": numbers[0],
        "sms": MULTILINE.format(tid=other),
        "from": str(_other_port(device_status, phone_numbers, sending_port)),
    }
    mark = receiver.mark()
    ejoin.get_status(url=receiver.push_url(DEVICE))
    try:
        data = ejoin.post_sms([task, feed.lines]).data
        feed.statuses = [s.get("status") for s in (data or {}).get("status") or [] if isinstance(s, dict)]
        if feed.statuses and status_code(feed.statuses[0]) == 0:

            def collect() -> bool:
                feed.pushes = receiver.messages(device=DEVICE, after=mark)
                return len(feed.of_task()) >= 2 and len(feed.of_task(feed.lines)) >= 1

            wait_until(collect, timers.wait(timers.send_timeout * 2), max(0.05, min(1.0, timers.scale)))
        yield feed
    finally:
        ejoin.get_status(period=0)  # stop reporting to a receiver that goes away with the run


def _sent(check: Any, feed: SentFeed) -> list[Any]:
    if not feed.statuses or status_code(feed.statuses[0]) != 0:
        check.skip(f"the device did not take the task: {feed.statuses!r}")
    return feed.of_task()


@pytest.mark.requirement(
    "EJ-SENT-PUSH-ON-SEND",
    "EJ-SENT-CONTENT-TYPE",
    "EJ-SENT-TYPE",
    "EJ-SENT-SEQ",
    "EJ-SENT-SEQ-INCREASES",
    "EJ-SENT-TASK-ID",
    "EJ-SENT-SRC-TYPE",
    "EJ-SENT-SRC-TYPE-HTTP",
    "EJ-SENT-SRC-ADDRESS",
)
def test_each_sms_sent_is_pushed_as_sent_sms(check, sent_feed):
    """simple-v2 §4.4: "When the device send SMS, it will send a report with type reve-sms to the
    server ... Content-Type in HTTP head should set to "application/json;charset=utf-8"", "type |
    string | Message type, Values is sent-sms", "seq | Int | ... Sequence number start from 1",
    "sms_time | Int" (sms_tid in the example), "src_type | Int | SMS submitter type 0: ETMS 1:
    EIMS 2: WEB 3: HTTP 4: SMPP 5: SIP", "src_ip | String | SMS submitter IP | "" | N", "src_port |
    Int | SMS submitter port | | N".

    The task's two SMS must bring two sent-sms pushes, in increasing seq, naming the task and
    the HTTP API as their submitter.
    """
    pushes = _sent(check, sent_feed)
    check.expect(
        len(pushes) >= 2,
        f"{len(pushes)} sent-sms pushes for the task's 2 SMS",
        requirement="EJ-SENT-PUSH-ON-SEND",
    )
    if not pushes:
        return
    seqs = []
    for push in pushes[:4]:
        data = push.parsed
        check.attach_push("sent-sms", push.body)
        check.schema(SENT_PUSH, data, requirement=("EJ-SENT-TYPE", "EJ-SENT-SEQ", "EJ-SENT-TASK-ID"))
        check.expect(
            json_media_type(push.content_type),
            f"sent-sms Content-Type {push.content_type!r}",
            requirement="EJ-SENT-CONTENT-TYPE",
        )
        check.expect(data.get("type") == "sent-sms", f"type {data.get('type')!r}", requirement="EJ-SENT-TYPE")
        seq = data.get("seq")
        check.expect(seq.__class__ is int and seq >= 1, f"seq {seq!r}", requirement="EJ-SENT-SEQ")
        seqs.append(seq)
        tid = data.get("sms_tid", data.get("sms_time"))
        check.expect(tid == sent_feed.task["tid"], f"sms_tid {tid!r}", requirement="EJ-SENT-TASK-ID")
        src = data.get("src_type")
        check.expect(
            src.__class__ is int and 0 <= src <= 5, f"src_type {src!r}", requirement="EJ-SENT-SRC-TYPE"
        )
        check.expect(
            src == 3,
            f"src_type {src!r} for an SMS sent through goip_post_sms",
            requirement="EJ-SENT-SRC-TYPE-HTTP",
        )
        ip, port = data.get("src_ip", ""), data.get("src_port", 0)
        check.expect(
            isinstance(ip, str) and port.__class__ is int,
            f"src_ip {ip!r}, src_port {port!r}",
            requirement="EJ-SENT-SRC-ADDRESS",
        )
    check.expect(
        all(isinstance(s, int) for s in seqs) and seqs == sorted(seqs) and len(set(seqs)) == len(seqs),
        f"seq over the pushes: {seqs}",
        requirement="EJ-SENT-SEQ-INCREASES",
    )


@pytest.mark.requirement(
    "EJ-SENT-SIM-SRC",
    "EJ-SENT-PORT",
    "EJ-SENT-STATUS",
    "EJ-SENT-TIME-UTC",
    "EJ-SENT-DUR-MS",
    "EJ-SENT-RECEIVER",
    "EJ-SENT-SMC",
    "EJ-SENT-CHARSET",
    "EJ-SENT-DATA",
)
def test_sent_sms_describes_the_sms(check, sent_feed, timers):
    """simple-v2 §4.4: "sim_src | Int | 0 – local card; 1 – remote card | 0", "port | ... When the
    sim_src is local card, value is "port." local slot", For example 1.01", "status | String | The
    status code and describe to send SMS "code desc" code=0: succeed", "time | Int | The time stamp
    to send SMS (UTC)", "dur | Int | The time it consume to send SMS(ms) | 0", "receiver | String |
    Receiver", "smc | String | SMS service center number | ''", "charset | String | SMS unicode
    UTF-8 BASE64 | UTF-8", "data | String | SMS content".
    """
    feed = sent_feed
    pushes = _sent(check, feed)
    if not pushes:
        check.fail("no sent-sms push for the task")
        return
    recipients = feed.task["to"].split(",")
    for push in pushes[:2]:
        data = push.parsed
        sim_src = data.get("sim_src")
        if sim_src is None:
            check.non_strict(
                "sim_src absent (the example)",
                errata=["E-EJ-SENTSMS-SIM-SRC-ABSENT"],
                requirement="EJ-SENT-SIM-SRC",
            )
        else:
            check.expect(
                sim_src.__class__ is int and sim_src == 0,
                f"sim_src {sim_src!r} of a local card",
                requirement="EJ-SENT-SIM-SRC",
            )
        port = data.get("port")
        ours = isinstance(port, str) and port_number(port) == feed.port
        if ours and LETTER_PORT.match(port):
            check.non_strict(
                f"port {port!r} in letter form", errata=["E-EJ-PORT-LETTER-FORM"], requirement="EJ-SENT-PORT"
            )
        else:
            check.expect(
                ours and PORT_SLOT.match(port) is not None,
                f"port {port!r}; sent from port {feed.port}",
                requirement="EJ-SENT-PORT",
            )
        status = data.get("status")
        if status == "0":
            check.non_strict(
                'status "0" (the example)',
                errata=["E-EJ-SENTSMS-STATUS-CODE-ONLY"],
                requirement="EJ-SENT-STATUS",
            )
        else:
            check.expect(
                isinstance(status, str) and status_code(status) == 0,
                f'status {status!r} (want "0 <desc>")',
                requirement="EJ-SENT-STATUS",
            )
        low, high = utc_window(feed.started, timers)
        stamp, now = data.get("time"), time.time()
        check.expect(
            stamp.__class__ is int and low <= stamp <= high,
            f"time {stamp!r}, UTC now {now:.0f}",
            requirement="EJ-SENT-TIME-UTC",
        )
        dur = data.get("dur", 0)
        check.expect(dur.__class__ is int and dur >= 0, f"dur {dur!r}", requirement="EJ-SENT-DUR-MS")
        if "receiver" in data:
            check.expect(
                any(same_number(data["receiver"], n) for n in recipients),
                f"receiver {data['receiver']!r}",
                requirement="EJ-SENT-RECEIVER",
            )
        elif "recver" in data and any(same_number(data["recver"], n) for n in recipients):
            check.non_strict(
                '"recver" (the example)', errata=["E-EJ-SENTSMS-RECVER-KEY"], requirement="EJ-SENT-RECEIVER"
            )
        else:
            check.fail(f"no receiver among {sorted(data)}", requirement="EJ-SENT-RECEIVER")
        smc = data.get("smc", "")
        check.expect(isinstance(smc, str), f"smc {smc!r}", requirement="EJ-SENT-SMC")
        charset = data.get("charset", "UTF-8")
        check.expect(charset in ("UTF-8", "BASE64"), f"charset {charset!r}", requirement="EJ-SENT-CHARSET")
        if charset == "UTF-8":
            check.expect(
                data.get("data") == feed.task["sms"],
                f"data {data.get('data')!r}; the SMS was {feed.task['sms']!r}",
                requirement="EJ-SENT-DATA",
            )


@pytest.mark.requirement("EJ-SENT-DATA-BASE64")
def test_sent_sms_base64_data_is_the_text_without_line_breaks(check, sent_feed):
    """simple-v2 §4.4: "charset | String | SMS unicode UTF-8 BASE64 | UTF-8 | N | BASE64: Base64
    encodes the Unicode source and removes the newline", "data | String | SMS content".

    The module's multi-line non-ASCII SMS: when its sent-sms says BASE64, data must be the base64
    of the text in one line (no MIME line breaks); a UTF-8 report does not exercise BASE64 (INFO).
    """
    feed = sent_feed
    _sent(check, feed)
    if len(feed.statuses) < 2 or status_code(feed.statuses[1]) != 0:
        check.skip(f"the device did not take the multi-line task: {feed.statuses!r}")
    pushes = feed.of_task(feed.lines)
    if not pushes:
        check.fail(f"no sent-sms push for the multi-line SMS (tid {feed.lines['tid']})")
        return
    data = pushes[0].parsed
    check.attach_push("sent-sms of the multi-line SMS", pushes[0].body)
    charset, content = data.get("charset", "UTF-8"), data.get("data")
    if charset != "BASE64":
        check.info(f"the device reported the multi-line SMS with charset {charset!r}: BASE64 not exercised")
        return
    text = feed.lines["sms"]
    try:
        decoded = base64.b64decode(str(content), validate=True).decode()
    except (binascii.Error, ValueError) as exc:
        decoded = f"<not base64 in one line: {exc}>"
    check.expect(
        isinstance(content, str) and "\n" not in content and "\r" not in content and decoded == text,
        f"BASE64 data {content!r} decodes to {decoded!r}; the SMS was {text!r}",
    )


#: usage-counter keys of simple-v2 §4.1 by the reporting switch that controls them (§4: "Call control
#: data ... SMS control data ... Traffic control data")
USAGE_KEYS = {"call": ("mcn_", "mtn_"), "sms": ("smsctl_",), "traffic": ("dataflow_",)}


def _emulator_config(conformance: Any, body: dict[str, Any]) -> dict[str, Any] | None:
    """POST to this project's emulator's ``/_emu/config`` (web-page settings): its state, None on a
    real device."""
    data = emulator_control(conformance, "config", body)
    return data if isinstance(data, dict) else None


def _usage_keys(ejoin: Any) -> set[str]:
    """The usage-counter keys of the ports goip_get_status reports (the dev-status message, §4.2)."""
    data = ejoin.get_status().data
    entries = data.get("status") if isinstance(data, dict) else None
    keys = {k for e in entries or [] if isinstance(e, dict) for k in e}
    return {k for k in keys if k.startswith(tuple(p for ps in USAGE_KEYS.values() for p in ps))}


@pytest.mark.requirement("EJ-STATUS-USAGE-REPORTING-SWITCHES")
def test_usage_counters_are_reported_only_with_their_report_switch_on(check, conformance, ejoin, restore):
    """simple-v2 §4: "4. Call control data: need enable call control data report(default enable),
    also need enable related function ... 5. SMS control data: need enable SMS control data report,
    and enable SMS control function; Traffic control data: need enable traffic control data report".

    With the SMS and traffic control data reports off (call control data on, its default), the
    port entries must carry no smsctl_* or dataflow_* counters.  The switches are on the device's
    web page: this project's emulator lets the suite change them; a real device is checked against
    its declaration (``settings: {sms-control-report: false, ...}``: no counters of a report
    declared off), SKIPPED when it declares none off.
    """
    state = _emulator_config(conformance, {}) if conformance.allow_destructive else None
    if state is None or "usage_reports" not in state:
        declared = {g: conformance.declaration.setting(f"{g}-control-report") for g in USAGE_KEYS}
        off = sorted(g for g, on in declared.items() if on is False)
        if not off:
            check.skip(
                "the usage-data reports are switched on the device's web page (simple-v2 §3), which the "
                "suite cannot read: declare one off (settings: {sms-control-report: false}) to check it"
            )
        reported = _usage_keys(ejoin)
        check.attach_json("usage keys reported", {"declared off": off, "reported": sorted(reported)})
        shown = sorted(k for k in reported if k.startswith(tuple(p for g in off for p in USAGE_KEYS[g])))
        check.expect(
            not shown,
            f"the declaration says the {', '.join(off)} control data reports are off; ports report {shown}",
        )
        return
    old = dict(state["usage_reports"])
    restore.push(
        "usage-data report switches back", lambda: _emulator_config(conformance, {"usage_reports": old})
    )
    _emulator_config(conformance, {"usage_reports": {"call": True, "sms": True, "traffic": True}})
    every = _usage_keys(ejoin)
    _emulator_config(conformance, {"usage_reports": {"call": True, "sms": False, "traffic": False}})
    some = _usage_keys(ejoin)
    check.attach_json(
        "usage keys: every report on / SMS and traffic off", {"on": sorted(every), "off": sorted(some)}
    )
    if not every:
        check.unimplemented("the device reports no usage counters with every report switch on")
    switched_off = sorted(k for k in some if k.startswith(USAGE_KEYS["sms"] + USAGE_KEYS["traffic"]))
    check.expect(
        not switched_off, f"with the SMS and traffic control data reports off the ports report {switched_off}"
    )
    call_keys = {k for k in every if k.startswith(USAGE_KEYS["call"])}
    check.expect(
        call_keys <= some,
        f"the call control data report stayed on but {sorted(call_keys - some)} disappeared",
    )


def _slot_of(name: Any) -> tuple[int, int] | None:
    """``(port, slot)`` of ``"3.01"`` (dotted) or ``"3A"`` (letter: A is .01, B .02 ...)."""
    text = str(name)
    dotted = re.match(r"^([1-9][0-9]{0,2})\.([0-9]{2})$", text)
    if dotted:
        return int(dotted.group(1)), int(dotted.group(2))
    letter = LETTER_PORT.match(text)
    if letter:
        return int(text[:-1]), ord(text[-1]) - ord("A") + 1
    return None


@pytest.mark.requirement("EJ-STATUS-PORT-SLOT-LETTER-MAPPING")
def test_letter_and_dotted_port_names_agree_on_the_slot(check, sent_feed, sms_exchange):
    """simple-v2 §4.3, §4.4: "For example 1.01, 2.02, ..., 32.04, among 1.01 .02 .03 .04 each
    represent A B C D"; §1.3.2.3: "sdr ... [2]: SMS sending port(1A,2B,...)".

    The sending port's SIM sent the module's task (its sent-sms says ``port.slot``) and the SMS
    exchange's tasks with sdr=1 (their status reports name the port, in letter form by §1.3.2.3):
    both must name the same slot, A being .01.
    """
    feed, exchange = sent_feed, sms_exchange
    pushes = _sent(check, feed)
    if not exchange.accepted:
        check.skip(f"the device did not take the SMS exchange's tasks: {exchange.statuses!r}")
    sent_names = sorted({str(p.parsed.get("port")) for p in pushes if isinstance(p.parsed, dict)})
    sdr_names = sorted(
        {
            str(record[2])
            for task in exchange.tasks
            if task.get("sdr") == 1
            for entry in exchange.entries(task["tid"])
            for record in entry.get("sdr") or []
            if isinstance(record, list) and len(record) > 2
        }
    )
    check.attach_json(
        "port names of the sending SIM", {"sent-sms": sent_names, "status-report sdr": sdr_names}
    )
    if not sent_names or not sdr_names:
        check.fail(f"nothing to compare: sent-sms ports {sent_names}, sdr ports {sdr_names}")
        return
    slots = {name: _slot_of(name) for name in sent_names + sdr_names}
    mine = {s for s in slots.values() if s is not None and s[0] == feed.port}
    check.expect(
        len(mine) == 1 and all(s is not None for s in slots.values()),
        f"the SIM of port {feed.port} is named {sent_names} in sent-sms and {sdr_names} in status reports "
        f"(slots {sorted(s for s in mine if s)}): .01 .02 .03 .04 are A B C D",
    )
