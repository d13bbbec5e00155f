"""The legacy SMS forward: one application/octet-stream POST per received SMS (simple-v2 §2), used
while ``sms_cnt`` is 1 (gateway-2.4 §6.3.1.3: "In order to be compatible with old customers, this
parameter must be set to a value greater than 1 ... to use the new sending mechanism").

The module sends one SMS from a registered port to a number of one of the device's SIMs, with
``sms_url`` pointing at the push receiver and ``sms_cnt`` left unset (its default is 1), and grades
the forward of it; when no forward comes, it sets ``sms_cnt`` 1 and sends another.  The device's
``sms_url`` is written back afterwards.  Without such a number the checks are SKIPPED.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pytest
from ejoin_support import SMS_TEXT, port_number, status_code, wait_until
from sms_exchange import b64, own_numbers, same_number

DEVICE = "sms-forward"
#: YYMMDDhhmmss and the time zone in quarter hours: "14072322113832" (simple-v2 §2.1.3)
SCTS = re.compile(r"^[0-9]{12}[0-9]{0,4}$")


@dataclass
class Forward:
    text: str
    recipient: str
    sender_port: int
    push: Any = None
    refused: str = ""
    #: what the device pushed for the first SMS, sent while no request of the run set sms_cnt
    default_push: Any = None
    #: the first SMS came as a legacy forward (sms_cnt at its default 1)
    default_legacy: bool = False


@pytest.fixture(scope="module")
def forward(  # noqa: PLR0917 - pytest passes fixtures by name
    conformance, ejoin, receiver, timers, new_tid, sending_port, phone_numbers, device_status
) -> Iterator[Forward]:
    if not conformance.allow_destructive:
        pytest.skip("sets sms_url and sms_cnt: --allow-destructive")
    own = own_numbers(device_status, sending_port)
    looped = [n for n in phone_numbers if n in own]
    if not looped:
        pytest.skip("no --phone-number is the number (dev-status sn) of one of the device's SIMs")
    before = ejoin.get_params("sms_url").data
    old_url = before.get("sms_url") if isinstance(before, dict) and before.get("code") == 0 else None
    mark = receiver.mark()
    feed = Forward("", looped[0], sending_port)

    def send(**settings: Any) -> Any:
        """One SMS (a non-ASCII text: the default charset must carry it as UTF-8); its forward."""
        tid = new_tid()
        feed.text = f"{SMS_TEXT} {tid} \u4f60\u597d"
        task = {"tid": tid, "to": feed.recipient, "sms": feed.text, "from": str(sending_port)}
        data = ejoin.post_sms([task], sms_url=receiver.push_url(DEVICE), **settings).data
        statuses = [s.get("status") for s in (data or {}).get("status") or [] if isinstance(s, dict)]
        if not statuses or status_code(statuses[0]) != 0:
            feed.refused = f"the device did not take the task: {statuses!r}"
            return None
        marks = (feed.text.encode()[-20:], b64(feed.text).encode())  # a forward's text, a recv-sms's

        def arrived() -> Any:
            found = [
                m for m in receiver.messages(device=DEVICE, after=mark) if any(k in m.body for k in marks)
            ]
            return found[0] if found else None

        return wait_until(arrived, timers.wait(timers.send_timeout), max(0.05, min(1.0, timers.scale)))

    try:
        # the module runs before any other sets sms_cnt: the device holds its default
        feed.default_push = send()
        feed.default_legacy = (
            feed.default_push is not None and feed.text.encode()[-20:] in feed.default_push.body
        )
        feed.push = feed.default_push if feed.default_legacy else None
        if feed.push is None and not feed.refused:
            feed.push = send(sms_cnt=1)
            if feed.push is not None and feed.text.encode()[-20:] not in feed.push.body:
                feed.push = None  # not a legacy forward even with sms_cnt 1: the checks say so
        yield feed
    finally:
        if old_url is not None:
            ejoin.set_params([("sms_url", str(old_url))])


def _push(check: Any, forward: Forward) -> Any:
    if forward.refused:
        check.skip(forward.refused)
    if forward.push is None:
        check.fail(f"no SMS forward of the SMS sent to {forward.recipient} reached the sms_url")
    return forward.push


def _query(push: Any) -> dict[str, str]:
    return {k.lower(): v[0] for k, v in parse_qs(push.query or "").items()}


def _parts(push: Any) -> tuple[dict[str, str], bytes]:
    """The header lines and the text after the empty line of a forward's body."""
    head, sep, text = push.body.replace(b"\r\n", b"\n").partition(b"\n\n")
    if not sep:
        return {}, push.body
    lines = [line.split(":", 1) for line in head.decode("utf-8", "replace").split("\n")]
    return {k.strip(): v.strip() for k, v in (line for line in lines if len(line) == 2)}, text


@pytest.mark.requirement(
    "EJ-FWD-URL-CONFIGURED",
    "EJ-FWD-POST",
    "EJ-FWD-CONTENT-TYPE",
    "EJ-FWD-QUERY-PARAMS",
    "EJ-FWD-RECEIVER-DEFAULT-SIM-NUMBER",
    "EJ-FWD-PORT-ORIGINAL",
    "EJ-FWD-USER-AGENT",
)
def test_received_sms_is_forwarded_as_one_post(check, forward, device_status):
    """simple-v2 §2.1.1: "Configured and specified on the device SMS forwarding page"; §2.1.2:
    "Sender | Telephone number of SMS sender", "Receiver | telephone number of SMS receiver ; if
    not specified, it will carry the SIM card number that received the SMS", "Port | The original
    port number that receives SMS."; §2.1.3: "POST /myweb/goip?username=root&password=root&port=4&
    sender=13510956503 HTTP/1.1", "User-Agent: Ejoin SMSC/1.0", "Content-Type:
    application/octet-stream; charset=utf-8".
    """
    push = _push(check, forward)
    check.attach("SMS forward", push.body.decode("utf-8", "replace"))
    check.expect(
        push.method == "POST",
        f"{push.method} to the sms_url",
        requirement=("EJ-FWD-URL-CONFIGURED", "EJ-FWD-POST"),
    )
    media, _, params = (push.content_type or "").partition(";")
    check.expect(
        media.strip().lower() == "application/octet-stream" and "utf-8" in params.lower(),
        f"Content-Type {push.content_type!r}",
        requirement="EJ-FWD-CONTENT-TYPE",
    )
    query = _query(push)
    check.expect(
        {"port", "sender", "receiver"} <= set(query),
        f"query parameters {sorted(query)}",
        requirement="EJ-FWD-QUERY-PARAMS",
    )
    check.expect(
        same_number(query.get("receiver"), forward.recipient),
        f"receiver {query.get('receiver')!r}; the SMS went to the SIM {forward.recipient}",
        requirement="EJ-FWD-RECEIVER-DEFAULT-SIM-NUMBER",
    )
    receiving = {
        str(e.get("sn")): port_number(e.get("port"))
        for e in device_status.get("status") or []
        if isinstance(e, dict)
    }
    where = receiving.get(forward.recipient)
    check.expect(
        where is not None and port_number(query.get("port")) == where,
        f"port {query.get('port')!r}; the SIM {forward.recipient} is on port {where}",
        requirement="EJ-FWD-PORT-ORIGINAL",
    )
    agent = {k.lower(): v for k, v in push.headers}.get("user-agent")
    check.expect(agent == "Ejoin SMSC/1.0", f"User-Agent {agent!r}", requirement="EJ-FWD-USER-AGENT")


@pytest.mark.requirement(
    "EJ-FWD-BODY-HEADERS", "EJ-FWD-SCTS-FORMAT", "EJ-FWD-BODY-CONTENT", "EJ-FWD-CHARSET-DEFAULT-UTF8"
)
def test_forward_body_is_header_lines_then_the_text(check, forward, device_status):
    """simple-v2 §2.1.3: "Sender: 13510956503 / SMSC: 8613010888500 / SCTS: 14072322113832 / (empty
    line) / Hello, world!", "SCTS: Timestamp when the device received this SMS.", "The string
    following an empty line is the original SMS content.", "If the Charset parameter is not
    configured, the content defaults to UTF-8 text."
    """
    push = _push(check, forward)
    headers, text = _parts(push)
    check.expect(
        {"Sender", "SMSC", "SCTS"} <= set(headers),
        f"header lines {sorted(headers)}",
        requirement="EJ-FWD-BODY-HEADERS",
    )
    scts = headers.get("SCTS", "")
    check.expect(
        SCTS.match(scts) is not None,
        f"SCTS {scts!r} (want digits YYMMDDhhmmss + zone)",
        requirement="EJ-FWD-SCTS-FORMAT",
    )
    check.expect(
        text.decode("utf-8", "replace") == forward.text,
        f"text {text[:80]!r}; the SMS was {forward.text!r}",
        requirement=("EJ-FWD-BODY-CONTENT", "EJ-FWD-CHARSET-DEFAULT-UTF8"),
    )


@pytest.mark.requirement("EJ-RECV-BATCH-COUNT-DEFAULT-1")
def test_sms_cnt_default_1_forwards_each_sms_the_old_way(check, forward):
    """gateway-2.4 §6.3.1.3: "sms_cnt | Int | Max num of SMS can keep in cache | 1 | N | ... In
    order to be compatible with old customers, this parameter must be set to a value greater than
    1, in order to buffer the received SMS and use the new sending mechanism."

    The module's first SMS was sent with sms_url but no sms_cnt, before any request of the run set
    one: at the default 1 it must come at once, on its own, as the legacy forward (simple-v2 §2), not
    cached into a recv-sms.  A device whose sms_cnt was configured before the run shows that value.
    """
    if forward.refused and forward.default_push is None:
        check.skip(forward.refused)
    push = forward.default_push
    if push is None:
        check.fail(f"nothing was pushed for the SMS to {forward.recipient} while sms_cnt was at its default")
        return
    check.attach("push of the first SMS", push.body.decode("utf-8", "replace")[:2000])
    data = push.parsed if isinstance(push.parsed, dict) else {}
    check.expect(
        forward.default_legacy,
        f"the SMS came as {data.get('type') or push.content_type!r} with {len(data.get('sms') or [])} SMS: "
        "the new (cached) mechanism although no request set sms_cnt (default 1)",
    )


@pytest.mark.requirement("EJ-FWD-CONTENT-LENGTH")
def test_forward_content_length_is_the_body_length(check, forward):
    """simple-v2 §2.1.3: "Content-Type: application/octet-stream; charset=utf-8 / Content-Length:
    78 / (empty line) / Sender: 13510956503 / SMSC: 8613010888500 / SCTS: 14072322113832 / (empty
    line) / Hello, world!": the length counts the bytes of the body (the header lines and the text).
    """
    push = _push(check, forward)
    headers = {k.lower(): v for k, v in push.headers}
    length = headers.get("content-length")
    check.attach_json("forward headers", dict(headers))
    check.expect(
        length is not None and length.strip().isdigit() and int(length) == len(push.body),
        f"Content-Length {length!r} (transfer-encoding {headers.get('transfer-encoding')!r}) for a body of "
        f"{len(push.body)} bytes",
    )
