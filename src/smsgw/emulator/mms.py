"""The MMS receiving push (gateway-2.4 §11): multipart/related with ``Emms-*`` headers."""

from __future__ import annotations

import base64
from email.utils import formatdate

from smsgw.emulator.messages import Push

BOUNDARY = "032817471092001110508"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def mms_push(  # noqa: PLR0917
    url: str,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    at: float,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> Push:
    """An MMS as the device posts it: ``attachments`` are (content type, file name, bytes)."""
    parts = [
        (
            b"Content-Type: application/smil\r\nContent-ID: <0.smil>\r\n\r\n"
            b'<smil><body><par><text src="text_1.txt"/></par></body></smil>'
        )
    ]
    for content_type, name, data in attachments or []:
        head = f'Content-Type: {content_type}; name="{name}"\r\nContent-Location: {name}\r\n\r\n'
        parts.append(head.encode() + data)
    parts.append(
        f"Content-Type: text/plain; charset=UTF-8\r\nContent-Location: text_1.txt\r\n\r\n{text}".encode()
    )
    body = b"".join(b"--" + BOUNDARY.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + BOUNDARY.encode() + b"--\r\n"
    content_type = f'multipart/related; boundary={BOUNDARY}; type="application/smil"; start="<0.smil>"'
    headers = {
        "Emms-Subject": f"{_b64(subject)}; charset=UTF-8",
        "Emms-From": f"{_b64(sender)}; type=PLMN; charset=UTF-8",
        "Emms-To": f"{_b64(recipient)}; type=PLMN; charset=UTF-8",
        "Date": formatdate(at, usegmt=True),
    }
    return Push(
        "mms",
        url,
        body,
        content_type,
        tuple(headers.items()),
        {**headers, "Content-Type": content_type},
    )


__all__ = ["mms_push"]
