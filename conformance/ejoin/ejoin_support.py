"""Helpers shared by the Ejoin checks (plain functions; the fixtures are in conftest.py).

Every wait here has a deadline derived from the profile's timers; nothing loops forever.
"""

from __future__ import annotations

import re
from typing import Any

from smsgw.pytest_plugin.emulator import emulator_control  # noqa: F401 - the checks import it from here
from smsgw.pytest_plugin.timers import poll_interval, wait_until  # noqa: F401 - the checks import them from here

#: Text of every SMS the suite sends (the tid is appended so a recipient can tell them apart).
SMS_TEXT = "smsgw-suite conformance check"
#: "The status of the task, the format is "code text" (gateway-2.4 §6.3.1.4).
STATUS_RE = re.compile(r"^(\d+) (.+)$")


def status_code(status: Any) -> int | None:
    """The code of a ``"code text"`` task status, or None when it is not in that format."""
    if not isinstance(status, str):
        return None
    match = STATUS_RE.match(status)
    return int(match.group(1)) if match else None


def port_number(name: Any) -> int | None:
    """The port of a port name: ``"3.01"`` -> 3, ``"3"`` -> 3 (None when unreadable)."""
    match = re.match(r"^(\d+)", str(name))
    return int(match.group(1)) if match else None


def json_media_type(content_type: str | None) -> bool:
    """``application/json``, with ``charset=utf-8`` if it names a charset (the documents' header)."""
    media, _, params = (content_type or "").partition(";")
    charset = "utf-8"
    if "charset=" in params.lower():
        charset = params.lower().split("charset=", 1)[1].split(";")[0].strip().strip('"')
    return media.strip().lower() == "application/json" and charset == "utf-8"


def refused(resp: Any, success: int = 200) -> bool:
    """The device refused the request: an HTTP error status, or a result code other than success."""
    if resp.status >= 400:
        return True
    data = resp.data
    return not isinstance(data, dict) or data.get("code", data.get("code ")) != success


def queued_tids(ejoin: Any, port: int) -> dict[int, int] | None:
    """``{tid: state}`` of the tasks goip_get_tasks lists on ``port`` (every page), None if unreadable."""
    found: dict[int, int] = {}
    pos, page = 0, 50
    for _ in range(100):  # at most 5000 tasks: a deadline on the paging itself
        resp = ejoin.get_tasks(port, pos=pos, num=page)
        data = resp.data
        if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
            return None
        tasks = [t for t in data["tasks"] if isinstance(t, dict)]
        for task in tasks:
            if isinstance(task.get("tid"), int):
                found[task["tid"]] = task.get("state")  # type: ignore[assignment]
        if len(data["tasks"]) < page:
            return found
        pos += page
    return found


# -- router-2.2 /proxy* answers (test_router_proxy.py, test_router_proxy_enforcement.py) ----------
def router_data(resp: Any) -> dict[str, Any]:
    """A router answer's JSON object ({} when it is not one)."""
    return resp.data if isinstance(resp.data, dict) else {}


def router_ok(resp: Any) -> bool:
    """A router answer that is not an HTTP error and says ``code`` 0."""
    return bool(resp.status < 400 and router_data(resp).get("code") == 0)


def proxy_enabled(ejoin: Any, endpoint: str, mode: str) -> Any:
    """The ``enabled`` of a /proxy* endpoint's state (``state=1``)."""
    return router_data(ejoin.get(endpoint, mode=mode, state=1)).get("enabled")
