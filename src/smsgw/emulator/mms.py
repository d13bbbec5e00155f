"""MMS on the virtual network and the MMS receiving push (gateway-2.4 §6.3.1.3, §11).

An MMS task (``smstype`` 1 or 2) to a number owned by a SIM of an emulated Ejoin device arrives in
that device's MMS inbox (:class:`MmsInbox`) as an :class:`Mms`: its subject (``smstitle``, or the
recipient's title of ``to_title_array``), and one part per attachment; "Attachment is could be
empty, send the content of the SMS filed as a TXT attachment" (§6.3.1.3), so an MMS without
attachments carries its ``sms`` text as ``text_1.txt``.

The inbox pushes every arriving MMS to the device's MMS URL while MMS push is enabled, the two
settings of the 'MMS Inbox' page (§11.1; the control API's ``mms_url`` and ``mms_enable``), as
§11.2-§11.3 show it: an HTTP POST of ``multipart/related`` (a SMIL start part, then the parts, each
with its Content-Type and a Content-ID or Content-Location) with the headers ``Emms-Subject``,
``Emms-From``, ``Emms-To`` (base64 values with ``charset`` and, for addresses, ``type=PLMN``) and
``Date`` (the sending time). "Header fields may not exist": an MMS without subject has no
``Emms-Subject``.
"""

from __future__ import annotations

import base64
import binascii
from collections import deque
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from smsgw.emulator.faults import Switches, defect
from smsgw.emulator.messages import Push

BOUNDARY = "032817471092001110508"
TEXT_TYPE = "text/plain; charset=UTF-8"
#: Content types of the attachment types §6.3.1.3 supports ("jpg, gif, txt, mp3").
KIND_TYPES = {"txt": TEXT_TYPE, "jpg": "image/jpeg", "gif": "image/gif", "mp3": "audio/mpeg"}

D_MMS_NOT_PUSHED = defect(
    "defect.mms-not-pushed", "a received MMS stays in the MMS inbox and is never pushed"
)
D_MMS_PUSH_WHEN_DISABLED = defect(
    "defect.mms-push-ignores-enable", "a received MMS is pushed while MMS push is disabled (MMS Inbox page)"
)
D_MMS_URL_PATH_DROPPED = defect(
    "defect.mms-url-path-dropped", "the MMS push goes to / of the configured URL's host (its path is dropped)"
)
D_MMS_SUBJECT_RAW = defect(
    "defect.mms-subject-raw", "Emms-Subject carries the subject as plain text, not base64"
)
D_MMS_FROM_NO_TYPE = defect("defect.mms-from-type-missing", "Emms-From has no type=PLMN parameter")
D_MMS_TO_SENDER = defect(
    "defect.mms-to-is-sender", "Emms-To carries the sender's number, not the receiving SIM's"
)
D_MMS_DATE_EPOCH = defect(
    "defect.mms-date-epoch", "the Date of an MMS push is 1 Jan 1970 (the sending time is never filled in)"
)
D_MMS_X_HEADERS = defect("defect.mms-x-headers", "the MMS headers are X-Mms-Subject/-From/-To, not Emms-*")
D_MMS_NOT_MULTIPART = defect(
    "defect.mms-push-not-multipart", "an MMS is pushed as application/octet-stream holding its text only"
)
D_MMS_PART_HEADERS = defect(
    "defect.mms-part-headers-missing",
    "the parts of an MMS push carry neither Content-ID nor Content-Location",
)
D_MMS_TEXT_DROPPED = defect(
    "defect.mms-text-dropped", "an MMS sent with empty attachments carries no text (its sms field is dropped)"
)
D_MMS_NULL_SUBJECT = defect(
    "defect.mms-null-subject", 'an MMS without subject is pushed with Emms-Subject "(null)"'
)


@dataclass(frozen=True, slots=True)
class Mms:
    """A received MMS: ``parts`` are (content type, file name, bytes); ``at`` is the sending time."""

    sender: str
    recipient: str
    subject: str
    at: float
    parts: tuple[tuple[str, str, bytes], ...] = ()


def compose(  # noqa: PLR0917
    sender: str, recipient: str, subject: str, attachments: str, text: str, at: float, switches: Switches
) -> Mms:
    """The MMS a task sends: its attachments (``"txt zsSxvg==;jpg 4AAQ"``), or its text as a TXT
    attachment when it has none. An attachment the device could not read is left out."""
    parts: list[tuple[str, str, bytes]] = []
    for item in (a.strip() for a in attachments.split(";")):
        kind, _, data = item.partition(" ")
        kind = kind.lower()
        if kind not in KIND_TYPES:
            continue
        try:
            raw = base64.b64decode(data.strip(), validate=True)
        except (binascii.Error, ValueError):
            continue
        name = f"text_{len(parts) + 1}.txt" if kind == "txt" else f"{kind}_{len(parts) + 1}.{kind}"
        parts.append((KIND_TYPES[kind], name, raw))
    if not parts and text and not switches.on(D_MMS_TEXT_DROPPED):
        parts.append((TEXT_TYPE, "text_1.txt", text.encode("utf-8")))
    return Mms(sender, recipient, subject, at, tuple(parts))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _headers(mms: Mms, switches: Switches) -> dict[str, str]:
    on = switches.on
    prefix = "X-Mms-" if on(D_MMS_X_HEADERS) else "Emms-"
    headers: dict[str, str] = {}
    subject = "(null)" if not mms.subject and on(D_MMS_NULL_SUBJECT) else mms.subject
    if subject:
        value = subject if on(D_MMS_SUBJECT_RAW) else _b64(subject)
        headers[prefix + "Subject"] = f"{value}; charset=UTF-8"
    sender_type = "" if on(D_MMS_FROM_NO_TYPE) else " type=PLMN;"
    headers[prefix + "From"] = f"{_b64(mms.sender)};{sender_type} charset=UTF-8"
    recipient = mms.sender if on(D_MMS_TO_SENDER) else mms.recipient
    headers[prefix + "To"] = f"{_b64(recipient)}; type=PLMN; charset=UTF-8"
    headers["Date"] = formatdate(0.0 if on(D_MMS_DATE_EPOCH) else mms.at, usegmt=True)
    return headers


def build_push(url: str, mms: Mms, switches: Switches | None = None) -> Push:
    """The HTTP POST of ``mms`` to ``url`` (§11.2-§11.3)."""
    switches = switches if switches is not None else Switches()
    on = switches.on
    if on(D_MMS_URL_PATH_DROPPED):
        scheme, netloc, *_ = urlsplit(url)
        url = urlunsplit((scheme, netloc, "/", "", ""))
    headers = _headers(mms, switches)
    if on(D_MMS_NOT_MULTIPART):
        body = b"\n".join(data for content_type, _, data in mms.parts if content_type.startswith("text/"))
        content_type = "application/octet-stream"
    else:
        smil = "".join(
            f'<par><{"text" if t.startswith("text/") else "img"} src="{name}"/></par>'
            for t, name, _ in mms.parts
        )
        sections = [
            b"Content-Type: application/smil\r\n"
            + (b"" if on(D_MMS_PART_HEADERS) else b"Content-ID: <0.smil>\r\n")
            + f"\r\n<smil><body>{smil}</body></smil>".encode()
        ]
        for part_type, name, data in mms.parts:
            head = part_type if part_type.startswith("text/") else f'{part_type}; name="{name}"'
            location = "" if on(D_MMS_PART_HEADERS) else f"Content-Location: {name}\r\n"
            sections.append(f"Content-Type: {head}\r\n{location}\r\n".encode() + data)
        body = b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + section + b"\r\n" for section in sections)
        body += b"--" + BOUNDARY.encode() + b"--\r\n"
        content_type = f'multipart/related; boundary={BOUNDARY}; type="application/smil"; start="<0.smil>"'
    return Push(
        "mms", url, body, content_type, tuple(headers.items()), {**headers, "Content-Type": content_type}
    )


def mms_push(  # noqa: PLR0917
    url: str,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    at: float,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> Push:
    """An MMS as the device posts it: ``attachments`` are (content type, file name, bytes), followed
    by ``text`` as ``text_1.txt``."""
    parts = (*(attachments or []), (TEXT_TYPE, "text_1.txt", text.encode("utf-8")))
    return build_push(url, Mms(sender, recipient, subject, at, parts))


class MmsInbox:
    """The device's MMS inbox: MMS arrive from the network (``deliver``, any thread) and are pushed
    by :meth:`take_pushes` while ``enabled`` (the 'MMS Inbox' page's Enable, §11.1)."""

    def __init__(self, enabled: bool = True, keep: int = 100) -> None:
        self.enabled = enabled
        self.arrived: deque[Mms] = deque()
        #: MMS received since the device started, pushed or not
        self.received = 0
        #: the last ``keep`` MMS received, pushed or not
        self.messages: deque[Mms] = deque(maxlen=keep)

    def deliver(self, mms: Mms) -> None:
        self.arrived.append(mms)

    def recent(self, count: int = 10) -> list[dict[str, Any]]:
        """The last ``count`` MMS received (sender, recipient, subject, time), oldest first."""
        kept = list(self.messages)[-count:]
        return [{"from": m.sender, "to": m.recipient, "subject": m.subject, "at": m.at} for m in kept]

    def take_pushes(self, now: float, url: str | None, switches: Switches) -> list[Push]:
        """The pushes of the MMS that arrived up to ``now`` (none without a URL or while disabled)."""
        pushes: list[Push] = []
        arrived = self.arrived
        while arrived and arrived[0].at <= now:
            mms = arrived.popleft()
            self.received += 1
            self.messages.append(mms)
            enabled = self.enabled or switches.on(D_MMS_PUSH_WHEN_DISABLED)
            if url and enabled and not switches.on(D_MMS_NOT_PUSHED):
                pushes.append(build_push(url, mms, switches))
        return pushes


__all__ = ["Mms", "MmsInbox", "build_push", "compose", "mms_push"]
