"""SMS segmentation as a Dinstar gateway does it (dinstar-uc-1.2 §1.4 3), §3.3 ``count``, §27.4).

* GSM 03.38 7-bit default alphabet: 160 septets in one SMS, 153 per part of a concatenated SMS
  (the 6-octet UDH takes 7 septets); characters of the extension table (``{ } [ ] ~ \\ | ^ €`` and
  form feed) take two septets and are never split across parts.
* UCS2: 70 UTF-16 code units in one SMS, 67 per part; a surrogate pair (emoji) is never split.

``encoding`` is the request's (``unicode``, the default, or ``gsm-7bit``); a ``gsm-7bit`` request
whose text has characters outside the GSM alphabet is sent with those characters as ``?``, as
the firmware does (the API has no error for it).
"""

from __future__ import annotations

from dataclasses import dataclass

#: GSM 03.38 default alphabet (one septet each)
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: GSM 03.38 extension table (escape + one septet)
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67
ENCODINGS = ("unicode", "gsm-7bit")


@dataclass(frozen=True, slots=True)
class Segments:
    encoding: str
    parts: tuple[str, ...]
    #: septets (gsm-7bit) or UTF-16 code units (unicode) of the whole text
    units: int

    @property
    def count(self) -> int:
        return len(self.parts)


def is_gsm(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def to_gsm(text: str) -> str:
    """``text`` with every character outside the GSM alphabet replaced by ``?``."""
    return "".join(ch if ch in GSM_BASIC or ch in GSM_EXTENSION else "?" for ch in text)


def _gsm_units(ch: str) -> int:
    return 2 if ch in GSM_EXTENSION else 1


def _ucs2_units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def split(text: str, encoding: str = "unicode", *, udh: bool = True) -> Segments:
    """The parts ``text`` is sent as. ``udh=False`` is the miscounting firmware: long messages are
    cut at 160/70 as if concatenation cost nothing."""
    if encoding == "gsm-7bit":
        text = to_gsm(text)
        single, part, width = GSM_SINGLE, GSM_PART, _gsm_units
    else:
        single, part, width = UCS2_SINGLE, UCS2_PART, _ucs2_units
    units = sum(width(ch) for ch in text)
    if units <= single:
        return Segments(encoding, (text,), units)
    limit = part if udh else single
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        w = width(ch)
        if used + w > limit:
            parts.append("".join(current))
            current, used = [], 0
        current.append(ch)
        used += w
    if current:
        parts.append("".join(current))
    return Segments(encoding, tuple(parts), units)


__all__ = ["ENCODINGS", "GSM_EXTENSION", "Segments", "is_gsm", "split", "to_gsm"]
