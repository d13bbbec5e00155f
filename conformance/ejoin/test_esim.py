"""eSIM: goip_get_esims, goip_write_esims, goip_delete_esims (gateway-2.4 §12).

The write check downloads one profile into an empty slot of an eUICC the device reads and deletes
it again (the undo is registered before the write); it is destructive. The activation code is the
suite's own (``SMSGW_ESIM_AC`` may name a real one): a device that cannot reach its SM-DP+ ends the
write with status 3, and what needs a successful write is then SKIPPED.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from ejoin_support import json_media_type, poll_interval, wait_until

ACTIVATION_CODE = os.environ.get("SMSGW_ESIM_AC", "LPA:1$smdp.smsgw-suite.invalid$SMSGW-CONFORMANCE")
#: How long an eSIM download or deletion may take (the document gives no bound): two minutes.
ESIM_OPERATION = 120.0


def _items(data: Any) -> list[dict[str, Any]]:
    """The result array: ``ports`` (the tables) or ``stats`` (the samples, E-EJ-ESIM-STATS-KEY)."""
    if not isinstance(data, dict):
        return []
    items = data.get("ports", data.get("stats"))
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _profile(ejoin: Any, port: int, slot: int) -> dict[str, Any] | None:
    for item in _items(ejoin.get_esims(str(port)).data):
        if item.get("port") == port:
            for profile in item.get("profiles") or []:
                if isinstance(profile, dict) and profile.get("slot") == slot:
                    return profile
    return None


@pytest.fixture(scope="module")
def esims(ejoin: Any) -> Any:
    return ejoin.get_esims()


def _empty_slots(esims: Any) -> list[tuple[int, int]]:
    """(port, slot) of empty slots, without an operation, on eUICCs the device reads."""
    found = []
    for item in _items(esims.data):
        if item.get("esim_state") != 1 or not isinstance(item.get("port"), int):
            continue
        for profile in item.get("profiles") or []:
            if (
                isinstance(profile, dict)
                and profile.get("exust", profile.get("exist")) == 0
                and profile.get("op") == 0
                and isinstance(profile.get("slot"), int)
            ):
                found.append((item["port"], profile["slot"]))
    return found


@pytest.mark.requirement(
    "EJ-ESIM-QUERY-URL",
    "EJ-ESIM-QUERY-RESPONSE",
    "EJ-ESIM-QUERY-PORT-ITEM",
    "EJ-ESIM-PROFILE-ITEM",
    "EJ-ESIM-PROFILE-OP-VALUES",
    "EJ-ESIM-PROFILE-STATUS-VALUES",
    "EJ-ESIM-CONTENT-TYPE",
    "EJ-ESIM-PORTS-FROM-1",
)
def test_esims_are_listed_per_port_with_their_profiles(check, esims, device_status):
    """gateway-2.4 §12.1.3: "code, reason, count Number of statistical results, ports query result
    array"; "port int Port number (value from 1); eid; esim_state; profiles"; "op: 0 - no operation
    1 - writing 2 - deleting"; "status: 0 ... 1 ... 2 ... 3"."""
    resp = esims
    data = resp.data if isinstance(resp.data, dict) else {}
    check.expect(
        resp.status == 200 and isinstance(resp.data, dict) and data.get("code") in (0, 200),
        f"goip_get_esims.html answered HTTP {resp.status}: {resp.text[:200]}",
        requirement="EJ-ESIM-QUERY-URL",
    )
    check.expect(
        json_media_type(resp.headers.get("content-type")),
        f"Content-Type is {resp.headers.get('content-type')!r}",
        requirement="EJ-ESIM-CONTENT-TYPE",
    )
    check.schema("ejoin/goip_get_esims.response", data, requirement="EJ-ESIM-QUERY-RESPONSE")
    items = _items(data)
    check.expect(
        data.get("count") == len(items),
        f"count is {data.get('count')!r} for {len(items)} ports",
        requirement="EJ-ESIM-QUERY-RESPONSE",
    )
    check.expect(bool(items), "the answer lists no port", requirement="EJ-ESIM-QUERY-PORT-ITEM")
    for req in ("EJ-ESIM-QUERY-PORT-ITEM", "EJ-ESIM-PROFILE-ITEM"):
        check.schema("ejoin/goip_get_esims.response", data, requirement=req)
    ports = [i.get("port") for i in items]
    max_ports = device_status.get("max-ports")
    check.expect(
        all(isinstance(p, int) and p >= 1 for p in ports)
        and (not isinstance(max_ports, int) or all(p <= max_ports for p in ports)),
        f"port numbers {ports[:8]!r}... do not count from 1 (max-ports {max_ports!r})",
        requirement="EJ-ESIM-PORTS-FROM-1",
    )
    profiles = [p for i in items for p in i.get("profiles") or [] if isinstance(p, dict)]
    bad_op = [p.get("op") for p in profiles if p.get("op") not in (0, 1, 2)]
    check.expect(not bad_op, f"profile op values {bad_op[:5]!r}", requirement="EJ-ESIM-PROFILE-OP-VALUES")
    bad_status = [p.get("status") for p in profiles if p.get("status") not in (0, 1, 2, 3)]
    check.expect(
        not bad_status,
        f"profile status values {bad_status[:5]!r}",
        requirement="EJ-ESIM-PROFILE-STATUS-VALUES",
    )
    slots = [p.get("slot") for p in profiles]
    check.expect(
        all(isinstance(s, int) and s >= 1 for s in slots),
        f"slot numbers {slots[:8]!r} do not count from 1",
        requirement="EJ-ESIM-PORTS-FROM-1",
    )


@pytest.mark.requirement("EJ-ESIM-QUERY-PORTS")
@pytest.mark.parametrize(("ports", "expected"), [("2", {2}), ("1-2,4", {1, 2, 4}), ("all", None)])
def test_esims_query_lists_the_ports_asked_for(check, ejoin, esims, ports, expected):
    """gateway-2.4 §12.1.2: "ports The specified port number (valued from 1): (1) all: all ports;
    (2) 2: Specify a single port; (3) 1-2, 4 ...; Default all"."""
    every = {i.get("port") for i in _items(esims.data)}
    resp = ejoin.get_esims(ports)
    got = {i.get("port") for i in _items(resp.data)}
    want = every if expected is None else expected & every
    check.expect(
        got == want, f"ports={ports} listed ports {sorted(got, key=str)!r}, expected {sorted(want)!r}"
    )


@pytest.mark.requirement(
    "EJ-ESIM-WRITE-URL",
    "EJ-ESIM-WRITE-RESPONSE",
    "EJ-ESIM-WRITE-STATUS-VALUES",
    "EJ-ESIM-ASYNC",
    "EJ-ESIM-WRITE-SETS-OP-1",
    "EJ-ESIM-WRITE-BUSY-PORT",
    "EJ-ESIM-PROGRESS-VISIBLE-IN-QUERY",
    "EJ-ESIM-STATUS-PROGRESSION",
    "EJ-ESIM-WRITE-RESULT-EXUST",
    "EJ-ESIM-DELETE-URL",
    "EJ-ESIM-DELETE-RESPONSE",
    "EJ-ESIM-DELETE-SETS-OP-2",
    "EJ-ESIM-ERROR-REASON",
)
def test_esim_write_and_delete_are_asynchronous(check, ejoin, esims, restore, timers):
    """gateway-2.4 §12: "The write and delete operations for ESIM cannot be completed immediately,
    so when a successful HTTP request is submitted, the status field returned is 1 ... it is
    necessary to use the query ESIM interface regularly to obtain various ESIM information and judge
    the value of the status field"; §12.2.4: "2 - The current port is performing profile operation,
    submission failed"; §12.1.3: "exust ... 0 - no 1 - yes"; "3 - Operation error, the specific
    reason is described in the reason field"."""
    empty = _empty_slots(esims)
    if not empty:
        check.skip("no empty eSIM slot on an eUICC the device reads")
    port, slot = empty[0]
    second = next((s for p, s in empty[1:] if p == port), None)
    spare = next(((p, s) for p, s in empty if p != port), None)
    for written in (slot, second):
        if written is not None:
            restore.push(
                f"delete the eSIM profile written to port {port} slot {written}",
                lambda written=written: (
                    (_profile(ejoin, port, written) or {}).get("exust") == 1
                    and ejoin.delete_esims([{"port": port, "slot": written}])
                ),
            )
    wait = timers.wait(ESIM_OPERATION)
    interval = poll_interval(timers)

    # the first item starts a write; a second item for the same port finds the port busy
    items = [
        {"port": port, "slot": n, "ac": ACTIVATION_CODE, "cc": ""} for n in (slot, second) if n is not None
    ]
    resp = ejoin.write_esims(items)
    data = resp.data if isinstance(resp.data, dict) else {}
    results = _items(data)
    check.expect(
        resp.status == 200 and data.get("code") in (0, 200) and len(results) == len(items),
        f"goip_write_esims.html answered HTTP {resp.status}: {resp.text[:200]}",
        requirement="EJ-ESIM-WRITE-URL",
    )
    check.schema("ejoin/goip_write_esims.response", data, requirement="EJ-ESIM-WRITE-RESPONSE")
    check.expect(
        [(r.get("port"), r.get("slot")) for r in results] == [(i["port"], i["slot"]) for i in items],
        f"write results {results!r} for items {[(i['port'], i['slot']) for i in items]!r}",
        requirement="EJ-ESIM-WRITE-RESPONSE",
    )
    statuses = [r.get("status") for r in results]
    status = statuses[0] if statuses else None
    check.expect(
        all(s in (1, 2, 3) for s in statuses) and bool(statuses),
        f"write item statuses {statuses!r}",
        requirement="EJ-ESIM-WRITE-STATUS-VALUES",
    )
    check.expect(
        status == 1, f"an accepted write answered status {status!r}, not 1", requirement="EJ-ESIM-ASYNC"
    )
    if status != 1:
        check.fail(f"the write was not submitted (status {status!r})")
        return
    if second is None:
        check.info("no second empty slot on the port", requirement="EJ-ESIM-WRITE-BUSY-PORT")
    else:
        check.expect(
            statuses[1:] == [2],
            f"a second write for port {port}, whose first was just submitted, answered {statuses[1:]!r}",
            requirement="EJ-ESIM-WRITE-BUSY-PORT",
        )
    seen: list[Any] = []
    ops: list[Any] = []

    def settled() -> dict[str, Any] | None:
        profile = _profile(ejoin, port, slot) or {}
        if not seen or profile.get("status") != seen[-1]:
            seen.append(profile.get("status"))
        if profile.get("status") in (1, 2):
            ops.append(profile.get("op"))
        return profile if profile.get("status") in (0, 3) else None

    final = wait_until(settled, wait, interval)
    check.expect(
        final is not None,
        f"the write's status never reached 0 or 3 (seen {seen!r})",
        requirement="EJ-ESIM-PROGRESS-VISIBLE-IN-QUERY",
    )
    order = [s for s in seen if s in (1, 2, 0, 3)]
    ranks = [{1: 0, 2: 1, 0: 2, 3: 2}[s] for s in order]
    check.expect(
        final is not None and ranks == sorted(ranks) and len(set(order) & {0, 3}) == 1,
        f"status sequence {seen!r}, expected 1 -> 2 -> 0 or 3",
        requirement="EJ-ESIM-STATUS-PROGRESSION",
    )
    if ops:
        check.expect(
            set(ops) == {1},
            f"the slot being written showed op {sorted(set(map(str, ops)))}",
            requirement="EJ-ESIM-WRITE-SETS-OP-1",
        )
    else:
        check.info("the write finished before a query saw it", requirement="EJ-ESIM-WRITE-SETS-OP-1")
    if final is None:
        return
    if final.get("status") == 3:
        check.skip(f"the device could not download the profile: {str(final.get('reason'))[:100]!r}")
    check.expect(
        final.get("exust", final.get("exist")) == 1 and final.get("op") == 0,
        f"after the write the slot shows exust {final.get('exust')!r} op {final.get('op')!r}",
        requirement="EJ-ESIM-WRITE-RESULT-EXUST",
    )
    # delete it again (and an empty slot elsewhere: that one must end in an error with a reason)
    items = [{"port": port, "slot": slot}] + ([{"port": spare[0], "slot": spare[1]}] if spare else [])
    resp = ejoin.delete_esims(items)
    data = resp.data if isinstance(resp.data, dict) else {}
    check.expect(
        resp.status == 200 and data.get("code") in (0, 200) and len(_items(data)) == len(items),
        f"goip_delete_esims.html answered HTTP {resp.status}: {resp.text[:200]}",
        requirement="EJ-ESIM-DELETE-URL",
    )
    check.schema("ejoin/goip_delete_esims.response", data, requirement="EJ-ESIM-DELETE-RESPONSE")
    results = _items(data)
    check.expect(
        [(r.get("port"), r.get("slot")) for r in results] == [(i["port"], i["slot"]) for i in items],
        f"delete results {results!r} for items {items!r}",
        requirement="EJ-ESIM-DELETE-RESPONSE",
    )
    deleting: list[Any] = []

    def deleted() -> dict[str, Any] | None:
        profile = _profile(ejoin, port, slot) or {}
        if profile.get("status") in (1, 2):
            deleting.append(profile.get("op"))
        return profile if profile.get("status") in (0, 3) else None

    gone = wait_until(deleted, wait, interval)
    if deleting:
        check.expect(
            set(deleting) == {2},
            f"the slot being deleted showed op {sorted(set(map(str, deleting)))}",
            requirement="EJ-ESIM-DELETE-SETS-OP-2",
        )
    else:
        check.info("the delete finished before a query saw it", requirement="EJ-ESIM-DELETE-SETS-OP-2")
    check.expect(
        bool(gone) and gone.get("exust", gone.get("exist")) == 0,
        f"the deleted slot shows {gone!r}",
        requirement="EJ-ESIM-DELETE-RESPONSE",
    )
    if spare is None:
        check.info("no second empty slot to see an operation error", requirement="EJ-ESIM-ERROR-REASON")
        return
    failed = wait_until(
        lambda: (p := _profile(ejoin, *spare)) is not None and p.get("status") in (0, 3) and p, wait, interval
    )
    if not failed or failed.get("status") != 3:
        check.info(f"deleting an empty slot ended {failed!r}", requirement="EJ-ESIM-ERROR-REASON")
        return
    reason = failed.get("reason")
    check.expect(
        isinstance(reason, str) and bool(reason.strip()),
        f"an operation error (status 3) explains nothing in reason: {reason!r}",
        requirement="EJ-ESIM-ERROR-REASON",
    )


def _empty_ports(esims: Any) -> list[tuple[int, list[int]]]:
    """(port, its slots) of eUICCs the device reads whose every slot is empty and idle."""
    empty = _empty_slots(esims)
    found = []
    for item in _items(esims.data):
        port, profiles = item.get("port"), [p for p in item.get("profiles") or [] if isinstance(p, dict)]
        slots = [s for p, s in empty if p == port]
        if profiles and len(slots) == len(profiles) and isinstance(port, int):
            found.append((port, slots))
    return found


def _submitted(resp: Any, port: int, slot: int | None = None) -> list[Any]:
    """Statuses of the answer's result items for ``port`` (and ``slot``) when the device took the
    request (HTTP 200, code 0/200): an empty list for a refused request."""
    data = resp.data if isinstance(resp.data, dict) else {}
    if resp.status != 200 or data.get("code") not in (0, 200):
        return []
    return [
        r.get("status")
        for r in _items(data)
        if r.get("port") == port and (slot is None or r.get("slot") == slot)
    ]


@pytest.mark.requirement("EJ-ESIM-WRITE-BODY", "EJ-ESIM-DELETE-BODY")
def test_esim_items_without_a_required_field_are_not_submitted(check, ejoin, esims):
    """gateway-2.4 §12.2.3: "The data of an HTTP POST request is a JSON array, where each data item
    is a structure of the following fields: port int Y; slot int Y; ac string Activation code Y;
    cc string Confirmation code Y"; §12.3.3: "port int Y; slot int Y".

    A write item without its activation code and a delete item without its slot are not submitted
    (result status 2 or 3, or the request refused); the documented delete item of an empty slot is
    read (a result for it, status 1 or 3). The items go to eUICCs whose every slot is empty, so even
    a device that takes a bad item has no profile to lose."""
    ports = _empty_ports(esims)
    if len(ports) < 2:
        check.skip("needs two eUICC ports whose every slot is empty (a bad item must find nothing to delete)")
    (delete_port, delete_slots), (write_port, write_slots) = ports[-2], ports[-1]
    resp = ejoin.write_esims([{"port": write_port, "slot": write_slots[0], "cc": ""}])
    statuses = _submitted(resp, write_port)
    check.expect(
        1 not in statuses,
        f"a write item without ac (port {write_port}) was submitted: statuses {statuses!r}",
        requirement="EJ-ESIM-WRITE-BODY",
    )
    resp = ejoin.delete_esims([{"port": delete_port}])
    statuses = _submitted(resp, delete_port)
    check.expect(
        1 not in statuses,
        f"a delete item without slot (port {delete_port}, every slot empty) was submitted: {statuses!r}",
        requirement="EJ-ESIM-DELETE-BODY",
    )
    resp = ejoin.delete_esims([{"port": delete_port, "slot": delete_slots[0]}])
    statuses = _submitted(resp, delete_port, delete_slots[0])
    check.expect(
        len(statuses) == 1 and statuses[0] in (1, 3),
        f"the documented delete item (port {delete_port} slot {delete_slots[0]}, empty) was answered "
        f"HTTP {resp.status} with statuses {statuses!r}: {resp.text[:200]}",
        requirement="EJ-ESIM-DELETE-BODY",
    )
