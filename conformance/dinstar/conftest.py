"""Fixtures of the Dinstar UC checks: what the device says about its ports, the port the suite sends
from, fresh user ids, the push receiver wired to the device, and the run's one SMS exchange."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from dinstar.dinstar_support import INFO_TYPES, SMS_TEXT, entries
from smsgw.client.dinstar import DinstarClient
from smsgw.pytest_plugin.emulator import emulator_control as control
from smsgw.pytest_plugin.emulator import is_emulator  # noqa: F401 - the checks import it from here


class UserIds:
    """user_id values unique to this run and increasing ("it is recommended the user_id is an unique
    value for each SMS ... generally it is changed in an increasing order", dinstar-uc-1.2 §27.2)."""

    def __init__(self) -> None:
        self._next = itertools.count((int(time.time()) % 100_000) * 10_000 + 1)

    def __call__(self) -> int:
        return next(self._next)


@pytest.fixture(scope="session")
def new_user_id() -> UserIds:
    return UserIds()


@pytest.fixture(scope="session")
def port_table(dinstar: DinstarClient) -> list[dict[str, Any]]:
    """get_port_info of every port with the core info types (empty when unreadable: the get_port_info
    checks report that; the others fall back to port 0)."""
    return entries(dinstar.get_port_info(list(INFO_TYPES)), "info")


@pytest.fixture(scope="session")
def registered_ports(port_table: list[dict[str, Any]]) -> list[int]:
    return [e["port"] for e in port_table if e.get("reg") == "REGISTER_OK" and isinstance(e.get("port"), int)]


@pytest.fixture(scope="session")
def sending_port(port_table: list[dict[str, Any]], phone_numbers: tuple[str, ...]) -> int:
    """A registered port whose SIM is not one of the recipients (its SMS go out, not to itself)."""
    for entry in port_table:
        ok = entry.get("reg") == "REGISTER_OK" and entry.get("number") not in phone_numbers
        if ok and isinstance(entry.get("port"), int):
            return int(entry["port"])
    return 0


@pytest.fixture(scope="session")
def own_ports(port_table: list[dict[str, Any]], phone_numbers: tuple[str, ...]) -> dict[str, int]:
    """Recipient number -> the port of this device whose SIM has it (the user's numbers may be the
    device's own SIMs: then the SMS the suite sends come back as incoming SMS)."""
    return {
        e["number"]: e["port"]
        for e in port_table
        if e.get("number") in phone_numbers and isinstance(e.get("port"), int)
    }


@pytest.fixture(scope="session")
def own_port(own_ports: dict[str, int], registered_ports: list[int]) -> int:
    """A registered port whose SIM is one of the user's numbers: USSD and MMS go only through it."""
    for port in sorted(own_ports.values()):
        if port in registered_ports:
            return port
    pytest.skip("no registered port holds one of the --phone-number SIMs: USSD/MMS go only through those")


@pytest.fixture(scope="session")
def spare_port(port_table: list[dict[str, Any]], sending_port: int, own_ports: dict[str, int]) -> int:
    """A port neither the SMS exchange nor the user's SIMs use (destructive checks change it)."""
    busy = {sending_port, *own_ports.values()}
    spare = [e["port"] for e in port_table if isinstance(e.get("port"), int) and e["port"] not in busy]
    if not spare:
        pytest.skip("no spare port: every port sends the exchange's SMS or holds the user's SIMs")
    return int(spare[-1])


@pytest.fixture(scope="session")
def pushes(receiver: Any, conformance: Any, dinstar: DinstarClient) -> Any:
    """The push receiver, with the device pushing to it.

    A Dinstar gateway's push URL is device configuration (web UI, dinstar-uc-1.2 §17), not an API
    call: on a real device set it to the receiver's URL (``--callback-url``) before the run.  When the
    target is this project's emulator, the suite sets it through the emulator's control API."""
    emulator_control(conformance, "config", {"push_url": receiver.push_url()})
    return receiver


@pytest.fixture(scope="session")
def sms_exchange(  # noqa: PLR0917 - pytest passes fixtures by name
    request: pytest.FixtureRequest,
    conformance: Any,
    dinstar: DinstarClient,
    timers: Any,
    new_user_id: UserIds,
    sending_port: int,
    phone_numbers: tuple[str, ...],
    own_ports: dict[str, int],
) -> Any:
    """The run's one SMS exchange (sms_exchange.py): four send_sms tasks to the user's numbers from
    the sending port, their results and delivery statuses; pushes too when a receiver is given."""
    if not conformance.allow_destructive:
        pytest.skip("the SMS exchange sends SMS (destructive): --allow-destructive")
    try:
        receiver = request.getfixturevalue("pushes")
    except pytest.skip.Exception:
        receiver = None
    from dinstar.sms_exchange import run_exchange

    # A gateway's reference ids (0-255 per port, §3.3) continue from its past traffic, which the API
    # cannot set.  On this project's emulator the sending port's are placed as a busy gateway's could
    # be: the template SMS (one per number) come first, so the long SMS takes 255, 0, 1 and the
    # exchange shows the wrap (DS-RESULT-REF-ID-WRAPS); a real gateway shows it when its ids get there.
    emulator_control(conformance, "ref_id", {"port": sending_port, "next": max(0, 255 - len(phone_numbers))})
    return run_exchange(
        dinstar, receiver, timers, new_user_id, sending_port, phone_numbers, own_ports, SMS_TEXT
    )


@pytest.fixture
def sms_tasks(dinstar: DinstarClient) -> Iterator[list[int]]:
    """task_ids a check submitted: stopped again when the check ends (nothing left in the queue)."""
    tasks: list[int] = []
    yield tasks
    for task_id in tasks:
        dinstar.stop_sms(task_id)


def emulator_control(conformance: Any, path: str, body: dict[str, Any]) -> bool:
    """POST to the control API of this project's emulator (``/_emu/...``); False on a real device.

    Only for what a real device records by itself and the suite cannot cause through the API (calls
    for the CDR checks, the push URL): on a real device those checks read what the device has."""
    return control(conformance, path, body) is not None


@pytest.fixture(scope="session")
def call_history(
    request: pytest.FixtureRequest, conformance: Any, dinstar: DinstarClient, port_table: list[dict[str, Any]]
) -> Any:
    """The device's CDRs (get_cdr), with an answered and an unanswered call recorded first when the
    target is this project's emulator; SKIPPED when the device has no CDR at all."""
    ports = [e["port"] for e in port_table if isinstance(e.get("port"), int)] or [0, 1]
    try:  # the cdr push checks read the pushes after this mark
        mark = request.getfixturevalue("pushes").mark()
    except pytest.skip.Exception:
        mark = 0
    emulator_control(conformance, "call", {"port": ports[0], "duration": 42, "direction": "gsm->ip"})
    emulator_control(conformance, "call", {"port": ports[-1], "duration": 0, "direction": "ip->gsm"})
    resp = dinstar.get_cdr()
    if not entries(resp, "cdr") and isinstance(resp.data, dict) and resp.data.get("error_code") == 200:
        pytest.skip("the device has recorded no call (get_cdr answers no CDR)")
    return {"answer": resp, "mark": mark}
