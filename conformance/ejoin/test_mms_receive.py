"""Receiving MMS: the MMS push (gateway-2.4 §11) and what an MMS sent without attachments carries
(§6.3.1.3).

The MMS push is configured on the device's web page ('SMS/MMS Settings' > 'MMS Inbox': Enable and
URL, §11.1), not through the API.  On a real device, enable it and set its URL to
``<--callback-url>/push/mms`` before the run, then claim ``mms-receive`` in the declaration (that
claim states the page is set so).  On this project's emulator the suite sets the page itself
through the control API (``/_emu/config`` ``mms_url``, ``mms_enable``).

An MMS arrives when the device sends one to its own SIM: the module's one exchange sends, from the
sending port to a ``--phone-number`` that is the number (dev-status ``sn``) of another of the
device's SIMs, one MMS with a subject and no attachment (its text must travel as a TXT attachment)
and one without subject carrying a GIF and a TXT attachment, and waits for their pushes.  On the
emulator it first switches the push off, sends a third MMS, and switches it on again once that
one has left the queue: it must never be pushed.  Without such a phone number (or without
``mms-send``) the checks are SKIPPED: a received MMS cannot be caused otherwise.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from ejoin_support import SMS_TEXT, emulator_control, poll_interval, port_number, status_code, wait_until
from sms_exchange import own_numbers, same_number, utc_window

from smsgw.receiver import WaitTimeoutError
from smsgw.receiver.classify import MMS_HEADERS

MMS_PUSH = "ejoin/mms.push"
#: the device key of the MMS Inbox URL the suite asks for: ``<callback-url>/push/mms``
DEVICE_KEY = "mms"
#: a 1x1 GIF (a type §6.3.1.3 names)
GIF = base64.b64encode(
    bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
).decode("ascii")
#: Standard HTTP request header fields (IANA HTTP Field Name Registry, the ones a POST can carry)
#: and those proxies add: §11.2 "header fields starting with 'Emms-' are custom fields, while
#: others are standard HTTP fields".
STANDARD_FIELDS = frozenset(
    {
        "accept",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "authorization",
        "cache-control",
        "connection",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-type",
        "cookie",
        "date",
        "expect",
        "forwarded",
        "from",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "keep-alive",
        "max-forwards",
        "mime-version",
        "origin",
        "pragma",
        "proxy-authorization",
        "proxy-connection",
        "range",
        "referer",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "via",
        "warning",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-real-ip",
    }
)


def emulator(conformance: Any, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Set the MMS Inbox page of this project's emulator (POST ``/_emu/config``), or read its state
    (GET ``/_emu/state``); None on a real device."""
    data = emulator_control(conformance, "config" if body is not None else "state", body)
    return data if isinstance(data, dict) else None


@dataclass
class Reception:
    """The module's MMS exchange: what was sent and what the device pushed for it."""

    emulated: bool
    url: str
    recipient: str
    sender: str | None
    started: float
    titled: dict[str, Any]
    untitled: dict[str, Any]
    disabled: dict[str, Any] | None = None
    #: status code per tid (goip_post_sms)
    statuses: dict[int, int | None] = field(default_factory=dict)
    #: tid -> the push that carries it (None: none arrived)
    pushes: dict[int, Any] = field(default_factory=dict)
    #: pushes of the MMS sent while the push was disabled
    stray: list[Any] = field(default_factory=list)

    def push(self, check: Any, task: dict[str, Any]) -> Any:
        """The push of ``task``; SKIPPED when the device refused the MMS, FAIL when none came."""
        status = self.statuses.get(task["tid"])
        if status != 0:
            check.skip(f"the device did not take the MMS to its own SIM {self.recipient}: status {status!r}")
        push = self.pushes.get(task["tid"])
        if push is None:
            check.fail(
                f"no MMS push for the MMS (tid {task['tid']}) sent to the device's SIM {self.recipient}: "
                f"is the MMS Inbox push enabled with URL {self.url}?"
            )
            return None
        check.attach("MMS push", _render(push))
        return push


def _render(push: Any) -> str:
    head = "\n".join(f"{k}: {v}" for k, v in push.headers)
    return f"{push.method} {push.path}\n{head}\n\n{push.body[:4000].decode('utf-8', 'replace')}"


def _headers(push: Any) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in push.headers}


def _value(raw: str) -> tuple[str, dict[str, str]]:
    """``'Kzg2MTM3; type=PLMN; charset=UTF-8'`` -> ``('Kzg2MTM3', {'type': 'PLMN', 'charset': 'UTF-8'})``."""
    token, *rest = raw.split(";")
    params = {}
    for item in rest:
        key, _, value = item.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return token.strip(), params


def _decode(raw: str) -> str | None:
    """The text of an ``Emms-*`` value (base64 in its charset), None when it is not."""
    token, params = _value(raw)
    try:
        return base64.b64decode(token, validate=True).decode(params.get("charset") or "utf-8")
    except (binascii.Error, ValueError, LookupError):
        return None


def _mentions(push: Any, token: str) -> bool:
    """The push carries ``token``: in its body, or in a header value (as is, or base64)."""
    if token.encode() in push.body:
        return True
    return any(token in value or token in (_decode(value) or "") for _, value in push.headers)


def _message(push: Any) -> EmailMessage:
    content_type = _headers(push).get("content-type", "")
    raw = b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + push.body
    message = BytesParser(policy=HTTP).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def _parts(push: Any) -> list[EmailMessage]:
    message = _message(push)
    return list(message.iter_parts()) if message.is_multipart() else []


def _instance(push: Any) -> dict[str, str]:
    """The push as the schema sees it: its five special headers, in the document's spelling."""
    headers = _headers(push)
    return {name: headers[name.lower()] for name in MMS_HEADERS if name.lower() in headers}


def _sim_number(device_status: dict[str, Any], port: int) -> str | None:
    for entry in device_status.get("status") or []:
        if isinstance(entry, dict) and entry.get("sn") and port_number(entry.get("port")) == port:
            return str(entry["sn"])
    return None


@pytest.fixture(scope="module")
def mms_reception(  # noqa: PLR0917 - pytest passes fixtures by name
    conformance: Any,
    ejoin: Any,
    receiver: Any,
    timers: Any,
    new_tid: Any,
    sending_port: int,
    phone_numbers: tuple[str, ...],
    device_status: dict[str, Any],
) -> Iterator[Reception]:
    """The module's MMS exchange (see the module docstring)."""
    if not conformance.declaration.claims("mms-send"):
        pytest.skip("an MMS arrives only when the device sends one to its own SIM: mms-send is not claimed")
    own = set(own_numbers(device_status, sending_port))
    looped = [n for n in phone_numbers if n in own]
    if not looped:
        pytest.skip(
            "no --phone-number is the number (dev-status sn) of another SIM of the device: "
            "an MMS sent to it would not come back"
        )
    url = receiver.push_url(DEVICE_KEY)
    state = emulator(conformance, {"mms_url": url, "mms_enable": False})
    emulated = state is not None and "mms_inbox" in state
    interval = poll_interval(timers)
    wait = timers.wait(timers.send_timeout * 4)  # an MMS goes through the MMSC: slower than an SMS

    def task(subject: str, **fields: Any) -> dict[str, Any]:
        tid = new_tid()
        title = f"{subject} {tid}" if subject else ""
        sms = f"{SMS_TEXT} {tid}"
        return {"tid": tid, "to": looped[0], "sms": sms, "from": str(sending_port), "smstype": 1,
                "smstitle": title, **fields}  # fmt: skip

    def submit(tasks: list[dict[str, Any]]) -> None:
        data = ejoin.post_sms(tasks).data
        entries = data.get("status") if isinstance(data, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("tid"), int):
                reception.statuses[entry["tid"]] = status_code(entry.get("status"))

    marker = task("")  # the untitled MMS: its TXT attachment names its tid
    marker["attachments"] = f"gif {GIF};txt {base64.b64encode(str(marker['tid']).encode()).decode()}"
    reception = Reception(
        emulated=emulated,
        url=url,
        recipient=looped[0],
        sender=_sim_number(device_status, sending_port),
        started=time.time(),
        titled=task("smsgw-suite", attachments=""),
        untitled=marker,
    )
    mark = receiver.mark()
    sent: list[int] = []
    try:
        if emulated:
            reception.disabled = task("smsgw-suite disabled", attachments="")
            submit([reception.disabled])
            tid = reception.disabled["tid"]
            sent.append(tid)
            if reception.statuses.get(tid) == 0:
                # the push is enabled again only once this MMS is in the emulator's MMS inbox (a
                # real device's inbox is seen on its web page only)
                title = reception.disabled["smstitle"]

                def arrived() -> bool:
                    now = emulator(conformance) or {}
                    return any(m.get("subject") == title for m in now.get("mms_inbox") or [])

                wait_until(arrived, wait, interval)
            emulator(conformance, {"mms_enable": True})
        submit([reception.titled, reception.untitled])
        deadline = time.monotonic() + wait
        for item in (reception.titled, reception.untitled):
            sent.append(item["tid"])
            if reception.statuses.get(item["tid"]) != 0:
                continue
            token = str(item["tid"])
            try:
                reception.pushes[item["tid"]] = receiver.wait_for(
                    lambda m, token=token: _mentions(m, token),
                    after=mark,
                    timeout=max(0.1, deadline - time.monotonic()),
                )
            except WaitTimeoutError:
                reception.pushes[item["tid"]] = None
        if reception.disabled is not None:
            token = str(reception.disabled["tid"])
            reception.stray = [m for m in receiver.messages(after=mark) if _mentions(m, token)]
        yield reception
    finally:
        if emulated:
            emulator(conformance, {"mms_enable": True})  # also when the exchange broke off
        if sent:
            ejoin.remove_sms(sent)


@pytest.mark.requirement("EJ-MMS-RECV-CONFIG", "EJ-MMS-RECV-PUSH-POST")
def test_received_mms_is_posted_to_the_mms_inbox_url(check, mms_reception):
    """gateway-2.4 §11: "the main function is to push the received MMS content to the configured
    server address via HTTP"; §11.1: "the 'MMS Inbox' page allows you to configure the push
    receiving server address: Enable ... URL: The HTTP server address that receives MMS content
    push"; §11.2: "MMS content is pushed via HTTP POST"."""
    reception = mms_reception
    push = reception.push(check, reception.titled)
    if push is None:
        return
    check.expect(
        push.device == DEVICE_KEY,
        f"the MMS push arrived at {push.path!r}, not at the MMS Inbox URL {reception.url}",
        requirement="EJ-MMS-RECV-CONFIG",
    )
    check.expect(
        push.method == "POST", f"the MMS was pushed by {push.method}", requirement="EJ-MMS-RECV-PUSH-POST"
    )
    check.schema(MMS_PUSH, _instance(push), requirement="EJ-MMS-RECV-PUSH-POST")


@pytest.mark.requirement("EJ-MMS-RECV-NOT-WHEN-DISABLED")
def test_no_mms_is_pushed_while_mms_push_is_disabled(check, mms_reception):
    """gateway-2.4 §11.1: "Enable: Whether to enable the MMS content push function." An MMS received
    while the push is disabled is not pushed (nor later, once it is enabled again)."""
    reception = mms_reception
    disabled = reception.disabled
    if disabled is None:
        check.skip(
            "MMS push is switched on and off on the device's web page only: "
            "the suite does it on this project's emulator"
        )
    status = reception.statuses.get(disabled["tid"])
    if status != 0:
        check.fail(f"the MMS to send while push was disabled was refused: status {status!r}")
        return
    for push in reception.stray[:2]:
        check.attach("MMS pushed while disabled", _render(push))
    check.expect(
        not reception.stray,
        f"the MMS received while MMS push was disabled (tid {disabled['tid']}) was pushed "
        f"{len(reception.stray)} time(s)",
    )
    if reception.pushes.get(reception.titled["tid"]) is None:
        check.info("no MMS was pushed after the push was enabled again either: the absence proves little")


@pytest.mark.requirement(
    "EJ-MMS-RECV-SUBJECT-HEADER",
    "EJ-MMS-RECV-FROM-HEADER",
    "EJ-MMS-RECV-TO-HEADER",
    "EJ-MMS-RECV-DATE-HEADER",
)
def test_mms_push_headers_carry_subject_sender_recipient_and_date(check, mms_reception, timers):
    """gateway-2.4 §11.2: "Emms-Subject BASE64 charset: Character set, such as UTF-8 MMS subject";
    "Emms-From BASE64 charset ... type: Sender address type, usually a phone number, known as PLMN
    MMS sending address"; "Emms-To ... MMS receiving address"; "Date None None MMS sending time";
    "(Note: header fields may not exist)" - a header left out is INFO, one present must be right."""
    reception = mms_reception
    push = reception.push(check, reception.titled)
    if push is None:
        return
    headers = _headers(push)
    instance = _instance(push)
    expected = {
        "EJ-MMS-RECV-SUBJECT-HEADER": ("Emms-Subject", reception.titled["smstitle"], None),
        "EJ-MMS-RECV-FROM-HEADER": ("Emms-From", reception.sender, "PLMN"),
        "EJ-MMS-RECV-TO-HEADER": ("Emms-To", reception.recipient, "PLMN"),
    }
    for requirement, (name, want, kind) in expected.items():
        raw = headers.get(name.lower())
        if raw is None:
            check.info(f"no {name} header (the document allows it)", requirement=requirement)
            continue
        check.schema(MMS_PUSH, {name: raw, "Content-Type": "multipart/related"}, requirement=requirement)
        _, params = _value(raw)
        text = _decode(raw)
        check.expect(
            text is not None, f"{name}: {raw!r} is not base64 text in its charset", requirement=requirement
        )
        check.expect(
            "charset" in params, f"{name}: {raw!r} has no charset parameter", requirement=requirement
        )
        if kind is not None:
            check.expect(
                params.get("type", "").upper() == kind,
                f"{name}: {raw!r}: the address is a phone number, its type is {kind}",
                requirement=requirement,
            )
        if text is not None and want:
            same = same_number(text, want) if kind else text == want
            check.expect(same, f"{name} decodes to {text!r}, the MMS had {want!r}", requirement=requirement)
    date = headers.get("date")
    if date is None:
        check.info("no Date header (the document allows it)", requirement="EJ-MMS-RECV-DATE-HEADER")
        return
    check.schema(MMS_PUSH, {"Date": date, **instance}, requirement="EJ-MMS-RECV-DATE-HEADER")
    try:
        sent = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        check.fail(f"Date {date!r} is not an HTTP date", requirement="EJ-MMS-RECV-DATE-HEADER")
        return
    low, high = utc_window(reception.started, timers)
    check.expect(
        low <= sent <= high,
        f"Date {date!r} is not the sending time of an MMS sent at about "
        f"{time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime(reception.started))}",
        requirement="EJ-MMS-RECV-DATE-HEADER",
    )


@pytest.mark.requirement("EJ-MMS-RECV-CUSTOM-PREFIX")
def test_mms_push_custom_headers_start_with_emms(check, mms_reception):
    """gateway-2.4 §11.2: "header fields starting with 'Emms-' are custom fields, while others are
    standard HTTP fields"."""
    reception = mms_reception
    pushes = [
        p
        for p in (reception.push(check, reception.titled), reception.pushes.get(reception.untitled["tid"]))
        if p
    ]
    for push in pushes:
        names = [str(k) for k, _ in push.headers]
        custom = [n for n in names if n.lower() not in STANDARD_FIELDS and not n.lower().startswith("emms-")]
        check.expect(not custom, f"headers {custom} are neither standard HTTP fields nor Emms- custom fields")


@pytest.mark.requirement("EJ-MMS-RECV-MULTIPART", "EJ-MMS-RECV-PART-HEADERS")
def test_mms_push_body_is_multipart_with_described_parts(check, mms_reception):
    """gateway-2.4 §11.2: "Content-Type ... attention should be paid to the processing of multipart
    related types"; §11.3: "Content-Type: multipart/related; boundary=...; type="application/smil";
    start="<0.smil>"", each part "Content-Type: application/smil / Content-ID: <0.smil>", "Content-Type:
    image/jpeg; name="IMG_3337.jpg" / Content-Location: IMG_3337.jpg"."""
    reception = mms_reception
    titled = reception.push(check, reception.titled)
    pushes = [p for p in (titled, reception.pushes.get(reception.untitled["tid"])) if p]
    for push in pushes:
        content_type = _headers(push).get("content-type", "")
        message = _message(push)
        parts = _parts(push)
        ok = (
            message.get_content_maintype() == "multipart"
            and bool(message.get_param("boundary"))
            and bool(parts)
        )
        check.expect(
            ok and push.type == "mms",
            f"the MMS push is {content_type!r} with {len(parts)} parts ({push.problem or 'not an MMS push'})",
            requirement="EJ-MMS-RECV-MULTIPART",
        )
        check.schema(MMS_PUSH, _instance(push), requirement="EJ-MMS-RECV-MULTIPART")
        start = message.get_param("start")
        if ok and message.get_content_subtype() == "related" and isinstance(start, str):
            ids = [p.get("Content-ID") for p in parts]
            check.expect(
                start in ids,
                f"start {start!r} names none of the parts {ids}",
                requirement="EJ-MMS-RECV-MULTIPART",
            )
        bare = [
            i
            for i, part in enumerate(parts)
            if part.get("Content-Type") is None
            or not (part.get("Content-ID") or part.get("Content-Location"))
        ]
        check.expect(
            not bare,
            f"parts {bare} of {len(parts)} lack a Content-Type or both Content-ID and Content-Location",
            requirement="EJ-MMS-RECV-PART-HEADERS",
        )


@pytest.mark.requirement("EJ-MMS-RECV-HEADERS-OPTIONAL")
def test_mms_without_subject_is_pushed_without_an_invented_subject(check, mms_reception):
    """gateway-2.4 §11.2: "Only special HTTP header fields are explained below (Note: header fields
    may not exist)" - an MMS without subject (§6.3.1.3 "smstitle ... could be empty") is pushed
    without Emms-Subject or with an empty one, never with a subject of the device's making."""
    reception = mms_reception
    push = reception.push(check, reception.untitled)
    if push is None:
        return
    raw = _headers(push).get("emms-subject")
    if raw is None:
        check.ok("Emms-Subject left out")
        return
    check.expect(
        _decode(raw) == "", f"an MMS without subject is pushed with Emms-Subject {raw!r} ({_decode(raw)!r})"
    )


@pytest.mark.requirement("EJ-MMS-SEND-EMPTY-ATTACHMENTS-TEXT")
def test_mms_without_attachments_carries_its_text_as_txt(check, request, conformance):
    """gateway-2.4 §6.3.1.3 attachments: "Attachment is could be empty, send the content of the SMS
    filed as a TXT attachment". The MMS is sent to the device's own SIM and read in its push."""
    if not conformance.declaration.claims("mms-receive"):
        check.skip("the MMS's parts are seen only in its push: claim mms-receive (MMS Inbox push set up)")
    reception = request.getfixturevalue("mms_reception")
    push = reception.push(check, reception.titled)
    if push is None:
        return
    want = reception.titled["sms"]
    texts = []
    for part in _parts(push) or [_message(push)]:
        if part.get_content_type() == "text/plain":
            try:
                texts.append(str(part.get_content()).strip())
            except (LookupError, ValueError) as exc:
                texts.append(f"<{exc}>")
    check.expect(
        want in texts,
        f"the MMS sent with empty attachments and sms {want!r} carries the text parts {texts!r}",
    )
