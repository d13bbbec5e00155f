"""Helpers shared by the Dinstar UC checks (plain functions; the fixtures are in conftest.py).

Every wait here has a deadline derived from the profile's timers; nothing loops forever.
"""

from __future__ import annotations

import re
from typing import Any

from smsgw.pytest_plugin.timers import poll_interval, wait_until  # noqa: F401 - the checks import them from here

#: Text of every SMS the suite sends (a serial is appended so a recipient can tell them apart).
SMS_TEXT = "smsgw-suite conformance check"
#: "String like "YYYY-MM-DD HH:MM:SS"" (dinstar-uc-1.2 §3.2).
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
#: §3.3 status values.
RESULT_STATUSES = ("FAILED", "SENDING", "SENT_OK", "DELIVERED")
FINAL_STATUSES = ("FAILED", "SENT_OK", "DELIVERED")
#: §10.2 info_type names.
INFO_TYPES = (
    "type",
    "imei",
    "imsi",
    "iccid",
    "number",
    "reg",
    "slot",
    "callstate",
    "signal",
    "gprs",
)
REMAIN_TYPES = (
    "remain_credit",
    "remain_monthly_credit",
    "remain_daily_credit",
    "remain_daily_calltime",
    "remain_hourly_calltime",
    "remain_daily_connect",
)
MAX_PORTS = 32


def error_code(resp: Any) -> int | None:
    """The answer's ``error_code`` (§2.3), or None when the body has none."""
    data = resp.data
    code = data.get("error_code") if isinstance(data, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def outcome(resp: Any) -> int:
    """The API's verdict on a request: the body's error_code, else the HTTP status
    (E-DS-ERROR-CODE-IN-BODY: an HTTP status mirroring the error_code is tolerated)."""
    code = error_code(resp)
    return code if code is not None else resp.status


def answered(resp: Any, code: int) -> bool:
    """The device answered ``code``: in the body's error_code, with HTTP 200 or the same status."""
    return error_code(resp) == code and resp.status in (200, code)


def describe(resp: Any) -> str:
    return f"HTTP {resp.status} {resp.text[:300]}"


def entries(resp: Any, key: str) -> list[dict[str, Any]]:
    """The object entries of the answer's ``key`` array (empty when absent or not an array)."""
    data = resp.data
    value = data.get(key) if isinstance(data, dict) else None
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []
