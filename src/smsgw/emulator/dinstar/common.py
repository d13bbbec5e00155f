"""Parameter reading shared by the Dinstar handlers: every endpoint takes its parameters from the
query string (``port=1,2,3``) and, for a JSON object body, from the body (``"port": [1, 2, 3]``);
a value that cannot be read raises :class:`BadRequest` (``error_code`` 400, never a 5xx)."""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from typing import Any

from smsgw.emulator.faults import defect

D_TIME_ISO = defect(
    "defect.dinstar-time-iso-format", 'times are sent as "2025-01-01T00:00:00", not "YYYY-MM-DD HH:MM:SS"'
)

MAX_INT = 2**31 - 1


class BadRequest(ValueError):
    """A request the document calls 'not valid' (error_code 400) or another documented code."""

    def __init__(self, reason: str, code: int = 400) -> None:
        super().__init__(reason)
        self.code = code


def fmt_time(at: float, iso: bool = False) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S" if iso else "%Y-%m-%d %H:%M:%S", time.gmtime(at))


def parse_time(value: Any, key: str) -> float:
    """``"YYYY-MM-DD HH:MM:SS"`` (§3.2) -> Unix seconds (UTC)."""
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string like YYYY-MM-DD HH:MM:SS")
    try:
        return float(calendar.timegm(time.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")))
    except (ValueError, OverflowError):
        raise BadRequest(f"{key} must be a string like YYYY-MM-DD HH:MM:SS") from None


def as_int(value: Any, key: str, *, low: int = 0, high: int = MAX_INT) -> int:
    """An integer from JSON (``3`` or ``3.0``: JSON has one number type) or from a query string."""
    if isinstance(value, bool):
        raise BadRequest(f"{key} must be an integer")
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text or not text.lstrip("-").isdigit() or len(text) > 20:
            raise BadRequest(f"{key} must be an integer")
        value = int(text)
    if not isinstance(value, int):
        raise BadRequest(f"{key} must be an integer")
    if not low <= value <= high:
        raise BadRequest(f"{key} must be within {low}..{high}")
    return value


def as_int_list(value: Any, key: str, *, low: int = 0, high: int = MAX_INT, limit: int = 1024) -> list[int]:
    """``[1, 2]`` (JSON) or ``"1,2"`` (query string) -> [1, 2]."""
    if isinstance(value, str):
        items: list[Any] = [v for v in value.split(",") if v.strip()] if value.strip() else []
    elif isinstance(value, list):
        items = value
    elif isinstance(value, int) and not isinstance(value, bool):
        items = [value]
    else:
        raise BadRequest(f"{key} must be an array of integers")
    if len(items) > limit:
        raise BadRequest(f"{key} has more than {limit} items")
    return [as_int(v, key, low=low, high=high) for v in items]


def as_str_list(value: Any, key: str, *, limit: int = 1024) -> list[str]:
    if isinstance(value, str):
        items: list[Any] = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, list):
        items = value
    else:
        raise BadRequest(f"{key} must be an array of strings")
    if len(items) > limit or not all(isinstance(v, str) for v in items):
        raise BadRequest(f"{key} must be an array of strings")
    return list(items)


def opt_str(params: Mapping[str, Any], key: str) -> str | None:
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string")
    return value


def is_number(text: str) -> bool:
    """'a digit string no more than 24 bytes' (§2.2), a leading + allowed."""
    digits = text[1:] if text.startswith("+") else text
    return 0 < len(digits) <= 24 and digits.isascii() and digits.isdigit()


__all__ = [
    "BadRequest",
    "as_int",
    "as_int_list",
    "as_str_list",
    "fmt_time",
    "is_number",
    "opt_str",
    "parse_time",
]
