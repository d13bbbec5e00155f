"""Fixtures of the Ejoin checks: fresh task ids, what the device says about its ports, the port to
send from, and the SMS tasks a check queued (removed again at teardown)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest
from ejoin_support import SMS_TEXT, port_number


class TidSource:
    """Task ids unique to this run: a device still holding a tid answers "13 Duplicated TaskId"."""

    def __init__(self) -> None:
        self._next = itertools.count((int(time.time()) % 100_000) * 10_000 + 1)

    def __call__(self) -> int:
        return next(self._next)


@pytest.fixture(scope="session")
def new_tid() -> TidSource:
    return TidSource()


@pytest.fixture(scope="session")
def device_status(ejoin: Any) -> dict[str, Any]:
    """The device's dev-status answer to goip_get_status (empty when it is unreadable: the checks of
    goip_get_status report that; the others fall back to port 1)."""
    data = ejoin.get_status().data
    return data if isinstance(data, dict) else {}


@pytest.fixture(scope="session")
def sending_port(device_status: dict[str, Any], phone_numbers: tuple[str, ...]) -> int:
    """A port whose SIM is registered (st 3) and whose number is not one of the recipients."""
    for entry in device_status.get("status") or []:
        if not isinstance(entry, dict):
            continue
        st = str(entry.get("st", entry.get("status", "")))
        if st.split(" ", maxsplit=1)[0] == "3" and entry.get("sn") not in phone_numbers:
            port = port_number(entry.get("port"))
            if port is not None:
                return port
    return 1


class SmsTasks:
    """Builds tasks to the user's numbers from the sending port, and remembers their tids."""

    def __init__(self, new_tid: TidSource, numbers: tuple[str, ...], port: int) -> None:
        self._new_tid, self.numbers, self.port = new_tid, numbers, port
        self.tids: list[int] = []

    def task(self, recipients: int = 1, **fields: Any) -> dict[str, Any]:
        """One task: ``recipients`` SMS (cycling over the user's numbers) from :attr:`port`."""
        tid = self._new_tid()
        self.tids.append(tid)
        to = ",".join(itertools.islice(itertools.cycle(self.numbers), recipients))
        return {"tid": tid, "to": to, "sms": f"{SMS_TEXT} {tid}", "from": str(self.port), **fields}


@pytest.fixture
def sms_tasks(
    new_tid: TidSource, phone_numbers: tuple[str, ...], sending_port: int, ejoin: Any
) -> Iterator[SmsTasks]:
    """Tasks a check submits; whatever of them is still queued is removed when the check ends."""
    tasks = SmsTasks(new_tid, phone_numbers, sending_port)
    yield tasks
    if tasks.tids:
        ejoin.remove_sms(tasks.tids)


@pytest.fixture(scope="session")
def sms_exchange(  # noqa: PLR0917 - pytest passes fixtures by name
    conformance: Any,
    ejoin: Any,
    receiver: Any,
    timers: Any,
    new_tid: TidSource,
    sending_port: int,
    phone_numbers: tuple[str, ...],
    device_status: dict[str, Any],
) -> Any:
    """The run's one SMS exchange (sms_exchange.py): three tasks to the user's numbers, their
    status reports and, when the numbers are the device's own SIMs, the SMS coming back."""
    if not conformance.allow_destructive:
        pytest.skip("the SMS exchange sets sr_url, sms_url and the report caches: --allow-destructive")
    from sms_exchange import run_exchange

    return run_exchange(
        ejoin, receiver, timers, new_tid, sending_port, phone_numbers, device_status, SMS_TEXT
    )
