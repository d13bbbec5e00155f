"""Defects only fuzzing finds: the conformance checks send well-formed requests and never see them.

Each is a realistic firmware bug on an input a well-behaved SMS server never sends; ``smsgw fuzz``
(``conformance/fuzz/``) must fail a device that has one (``conformance/kills/fuzz.yaml``).
:func:`before` runs ahead of the operation's handler, :func:`after` on its answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import orjson

from smsgw.emulator.faults import Switches, defect
from smsgw.emulator.messages import Request, Response

if TYPE_CHECKING:
    from smsgw.emulator.device import DeviceConfig

D_500_ON_UNEXPECTED_TYPE = defect(
    "defect.500-on-unexpected-type",
    "a JSON body member (top level or of a task/ops item) that is null or a boolean answers HTTP 500",
)
D_CRASH_ON_HUGE_FIELD = defect(
    "defect.crash-on-huge-field",
    "a query value or top-level JSON string longer than 1024 characters drops the connection",
)
D_CREDENTIALS_ECHOED = defect(
    "defect.credentials-echoed", "a 400 answer's reason quotes the request's query, password included"
)
D_AUTH_IGNORED_ON_SMS_STAT = defect(
    "defect.auth-ignored-on-sms-stat", "goip_get_sms_stat answers without checking username/password"
)
HUGE = 1024
_NAMES = (D_500_ON_UNEXPECTED_TYPE, D_CRASH_ON_HUGE_FIELD, D_CREDENTIALS_ECHOED, D_AUTH_IGNORED_ON_SMS_STAT)


def _json_object(body: bytes) -> dict[str, Any] | None:
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _odd_member(data: dict[str, Any]) -> bool:
    values: list[Any] = list(data.values())
    for value in data.values():
        if isinstance(value, list):
            values += [v for item in value if isinstance(item, dict) for v in item.values()]
    return any(v is None or isinstance(v, bool) for v in values)


def before(switches: Switches, request: Request, config: DeviceConfig) -> tuple[Request, Response | None]:
    """The request the handler sees, or the answer a defect gives instead of the handler's."""
    if not switches or not any(switches.on(n) for n in _NAMES):
        return request, None
    data = _json_object(request.body) if request.body else None
    if switches.on(D_CRASH_ON_HUGE_FIELD):
        strings = list(request.query.values()) + [v for v in (data or {}).values() if isinstance(v, str)]
        if any(len(s) > HUGE for s in strings):
            return request, Response(200, b"", drop=True)
    if switches.on(D_500_ON_UNEXPECTED_TYPE) and data is not None and _odd_member(data):
        return request, Response(500, b"Internal Server Error", "text/plain")
    if switches.on(D_AUTH_IGNORED_ON_SMS_STAT) and request.path == "/goip_get_sms_stat.html":
        own = {"username": config.username, "password": config.password}
        request = replace(request, query={**request.query, **own})
    return request, None


def after(switches: Switches, request: Request, response: Response) -> Response:
    if switches.on(D_CREDENTIALS_ECHOED) and response.status == 400 and response.body.startswith(b"{"):
        try:
            payload = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            return response
        if isinstance(payload, dict):
            query = "&".join(f"{k}={v}" for k, v in request.query.items())
            payload["reason"] = f"{payload.get('reason', '')} ({request.path}?{query})"
            response.body = orjson.dumps(payload)
    return response
