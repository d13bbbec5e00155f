"""MMS on the virtual network and the MMS receiving push (gateway-2.4 §6.3.1.3, §11)."""

from __future__ import annotations

import base64
import email.utils
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest

from smsgw.emulator import control
from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device
from smsgw.emulator.faults import Switches
from smsgw.emulator.messages import Push
from smsgw.emulator.mms import Mms, build_push, compose
from tests.emulator.conftest import call, check, run, send_sms

GIF = base64.b64encode(
    bytes.fromhex("47494638396101000100800000000000ffffff2c00000000010001000002024401003b")
)
MMS_URL = "http://127.0.0.1:9/push/mms"


def parts(push: Push) -> list[Any]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + push.content_type.encode() + b"\r\n\r\n" + push.body
    )
    return list(message.iter_parts())


def header(push: Push, name: str) -> str | None:
    return dict(push.headers).get(name)


def decoded(value: str | None) -> str:
    assert value is not None
    return base64.b64decode(value.split(";", 1)[0], validate=True).decode()


def mms_pushes(pushes: list[Push]) -> list[Push]:
    return [p for p in pushes if p.kind == "mms"]


@pytest.fixture
def pair(make_device: Callable[..., Device], clock: VirtualClock) -> tuple[Device, str, str]:
    """A device pushing MMS to MMS_URL, the number of its port 1 SIM and of its port 2 SIM."""
    device = make_device(mms_url=MMS_URL, sms_url="http://127.0.0.1:9/sms")
    clock.advance(5)
    device.advance()
    return device, device.bank.slot(1, 1).number, device.bank.slot(2, 1).number


def post(device: Device, **task: Any) -> str:
    answer = call(
        device, "POST", "/goip_post_sms.html", body=send_sms([{"from": "1", "sms": "hello", **task}])
    )
    return str(answer.payload()["status"][0]["status"])


def test_an_mms_to_an_own_sim_is_pushed_as_multipart_with_its_text_as_txt(
    pair: tuple[Device, str, str], clock: VirtualClock
) -> None:
    device, sender, recipient = pair
    started = clock.now()
    assert post(device, tid=1, to=recipient, smstype=1, smstitle="subject00", attachments="") == "0 OK"
    pushes = run(device, clock, 30)  # every push is graded against its schema (ejoin/mms.push)
    [push] = mms_pushes(pushes)
    assert push.url == MMS_URL
    assert not [p for p in pushes if p.kind == "recv-sms"], "an MMS is not also received as an SMS"
    assert decoded(header(push, "Emms-Subject")) == "subject00"
    assert decoded(header(push, "Emms-From")) == sender
    assert "type=PLMN" in (header(push, "Emms-From") or "")
    assert decoded(header(push, "Emms-To")) == recipient
    sent_at = email.utils.parsedate_to_datetime(header(push, "Date") or "").timestamp()
    assert started <= sent_at <= clock.now()
    smil, text = parts(push)
    assert (smil.get_content_type(), smil["Content-ID"]) == ("application/smil", "<0.smil>")
    assert (text.get_content_type(), text["Content-Location"]) == ("text/plain", "text_1.txt")
    assert text.get_content() == "hello"
    assert device.mms_inbox.messages[-1].subject == "subject00"


def test_attachments_are_parts_and_smstype_2_takes_the_recipients_title(
    pair: tuple[Device, str, str], clock: VirtualClock
) -> None:
    device, _, recipient = pair
    task = {"smstype": 2, "to_title_array": [[recipient, "title 1"]], "attachments": f"gif {GIF.decode()}"}
    assert post(device, tid=2, to=recipient, **task) == "0 OK"
    [push] = mms_pushes(run(device, clock, 30))
    assert decoded(header(push, "Emms-Subject")) == "title 1"
    _, gif = parts(push)
    assert gif.get_content_type() == "image/gif"
    assert gif["Content-Location"] == "gif_1.gif"
    assert gif.get_content() == base64.b64decode(GIF)
    assert b"hello" not in push.body, "with attachments, the sms text is not an attachment"


def test_an_mms_without_subject_has_no_subject_header(
    pair: tuple[Device, str, str], clock: VirtualClock
) -> None:
    device, _, recipient = pair
    assert (
        post(device, tid=3, to=recipient, smstype=1, smstitle="", attachments=f"gif {GIF.decode()}") == "0 OK"
    )
    [push] = mms_pushes(run(device, clock, 30))
    assert header(push, "Emms-Subject") is None
    assert header(push, "Emms-From") is not None


def test_no_mms_is_pushed_while_mms_push_is_disabled(
    pair: tuple[Device, str, str], clock: VirtualClock
) -> None:
    device, _, recipient = pair
    status, state = control.config(device, {"mms_enable": False})
    assert (status, state["mms_enable"]) == (200, False)
    post(device, tid=4, to=recipient, smstype=1, smstitle="off", attachments="")
    assert not mms_pushes(run(device, clock, 30))
    inbox = control.state(device, {})[1]
    assert (inbox["mms_received"], inbox["mms_inbox"][-1]["subject"]) == (1, "off"), "received, not pushed"
    control.config(device, {"mms_enable": True})
    assert not mms_pushes(run(device, clock, 30)), "an MMS received while disabled is not pushed later"
    post(device, tid=5, to=recipient, smstype=1, sms="again", attachments="")
    [push] = mms_pushes(run(device, clock, 30))
    assert b"again" in push.body


def test_an_mms_to_a_number_outside_the_network_is_not_pushed(
    pair: tuple[Device, str, str], clock: VirtualClock
) -> None:
    device, _, _ = pair
    assert post(device, tid=6, to="4915550999", smstype=1, attachments="") == "0 OK"
    assert not mms_pushes(run(device, clock, 30))


def test_compose_reads_the_attachment_types_and_skips_unreadable_ones() -> None:
    mms = compose(
        "1", "2", "s", f"txt {base64.b64encode(b'x').decode()};jpg !!;mp3 AAAA", "text", 5.0, Switches()
    )
    assert [(t, n) for t, n, _ in mms.parts] == [
        ("text/plain; charset=UTF-8", "text_1.txt"),
        ("audio/mpeg", "mp3_2.mp3"),
    ]
    assert compose("1", "2", "s", "", "", 5.0, Switches()).parts == ()
    dropped = compose("1", "2", "s", "", "text", 5.0, Switches(["defect.mms-text-dropped"]))
    assert dropped.parts == ()


MMS = Mms(
    "+8613751064129", "8613580256847", "subject00", 1_711_619_230.0, (("text/plain", "text_1.txt", b"hi"),)
)


@pytest.mark.parametrize(
    ("defect", "broken"),
    [
        ("defect.mms-url-path-dropped", lambda p: p.url == "http://127.0.0.1:9/"),
        ("defect.mms-subject-raw", lambda p: header(p, "Emms-Subject") == "subject00; charset=UTF-8"),
        ("defect.mms-from-type-missing", lambda p: "type=" not in (header(p, "Emms-From") or "type=")),
        ("defect.mms-to-is-sender", lambda p: decoded(header(p, "Emms-To")) == MMS.sender),
        ("defect.mms-date-epoch", lambda p: header(p, "Date") == "Thu, 01 Jan 1970 00:00:00 GMT"),
        ("defect.mms-x-headers", lambda p: header(p, "X-Mms-Subject") and not header(p, "Emms-Subject")),
        (
            "defect.mms-push-not-multipart",
            lambda p: (p.content_type, p.body) == ("application/octet-stream", b"hi"),
        ),
        (
            "defect.mms-part-headers-missing",
            lambda p: all(q["Content-ID"] is None and q["Content-Location"] is None for q in parts(p)),
        ),
    ],
)
def test_each_push_defect_breaks_its_rule(defect: str, broken: Callable[[Push], Any]) -> None:
    good = build_push(MMS_URL, MMS)
    check("ejoin/mms.push", good.payload)
    assert not broken(good)
    assert broken(build_push(MMS_URL, MMS, Switches([defect])))


def test_the_null_subject_defect_invents_a_subject() -> None:
    untitled = Mms("1", "2", "", 0.0)
    assert header(build_push(MMS_URL, untitled), "Emms-Subject") is None
    assert decoded(
        header(build_push(MMS_URL, untitled, Switches(["defect.mms-null-subject"])), "Emms-Subject")
    ) == ("(null)")


@pytest.mark.parametrize("defect", ["defect.mms-not-pushed", "defect.mms-push-ignores-enable"])
def test_the_inbox_defects(pair: tuple[Device, str, str], clock: VirtualClock, defect: str) -> None:
    device, _, recipient = pair
    device.switches.set(defect, True)
    device.mms_inbox.enabled = False
    post(device, tid=7, to=recipient, smstype=1, attachments="")
    pushed = [p for p in device.advance(clock.now() + 30) if p.kind == "mms"]
    assert bool(pushed) == (defect == "defect.mms-push-ignores-enable")
