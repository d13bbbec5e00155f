"""eSIM per port: query, asynchronous write and delete (Ejoin HTTP API Development Spec 2.4.0, §12).

Each port has an eUICC (``eid``, ``esim_state``) with a fixed number of profile slots. §12: "The
write and delete operations for ESIM cannot be completed immediately, so when a successful HTTP
request is submitted, the status field returned is 1 ... it is necessary to use the query ESIM
interface regularly ... and judge the value of the status field." This module emulates that life
cycle over emulated time (``now``, seconds):

====================  ===========================================================================
time                  profile ``op`` / ``status`` seen by ``goip_get_esims``
====================  ===========================================================================
POST (t0)             op 1 (write) or 2 (delete), status 1 "Operation request submitted"
t0 + start_delay      status 2 "Profile operation is in progress on the current port"
+ write/delete_time   success: op 0, status 0, ``exust`` 1 after a write / 0 after a delete;
                      failure: op kept, status 3, ``reason`` says why
====================  ===========================================================================

While a port has an operation at status 1 or 2, any other write or delete item for that port is
answered status 2 ("The current port is performing profile operation, submission failed"), also
within the same POST. Status 3 at submission ("Other errors") is answered for a port or slot the
device does not have, a port whose eUICC was not read (``esim_state`` 0), or an item without an
activation code. Failures that show only later (status 3 in the query): a write whose activation code
is not an ``LPA:1$<SM-DP+>$<matching id>`` string, a write to a slot that already holds a profile, a
delete of an empty slot, or any failure injected with :meth:`EsimBank.fail_next`.

Reading of the document where it is silent or contradicts itself (the schemas decide the keys):

* the result array is ``ports`` (the tables) not ``stats`` (the samples); the write/delete answers
  have no ``count`` (their tables have none); the delete result carries ``status`` like the write
  result (§12 introduction); the profile key is the table's ``exust``;
* every slot of a port is listed, empty ones with empty strings, so a client can follow ``op`` and
  ``status`` of a slot it is writing;
* a written profile is enabled when no other profile of the port is enabled (a fresh eUICC enables
  its first profile), otherwise it is written disabled; deleting an enabled profile disables it;
* ``code`` is 200 on success (as the samples show); a request that cannot be read at all (a body that
  is not a JSON array of objects with integer ``port`` and ``slot``, a malformed ``ports`` filter)
  answers HTTP 400 with ``code`` 400 and an empty ``ports``;
* ``ports`` filter: ``all`` (default), ``2``, ``1-2,4`` (a space after a comma is tolerated); ports the
  device does not have are left out of the answer; ``version`` is accepted as given.

Credentials are not checked here: the adapter authenticates before calling a handler.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from smsgw.emulator.faults import Switches, defect

__all__ = [
    "EsimBank",
    "EsimEvent",
    "EsimOp",
    "EsimStatus",
    "EsimTimings",
    "SubmitStatus",
    "parse_number_list",
]

D_ESIM_PORTS_FROM_0 = defect("defect.esim-ports-from-0", "eSIM answers number the ports from 0")
D_ESIM_FILTER_IGNORED = defect(
    "defect.esim-ports-filter-ignored", "goip_get_esims lists every port whatever ports says"
)
D_ESIM_COUNT_WRONG = defect(
    "defect.esim-count-wrong", "goip_get_esims count is one more than the ports listed"
)
D_ESIM_NO_EID = defect("defect.esim-eid-missing", "goip_get_esims port items lack eid")
D_ESIM_NO_ICCID = defect("defect.esim-iccid-missing", "goip_get_esims profiles lack iccid")
D_ESIM_IDLE_OP = defect(
    "defect.esim-idle-op-minus-1", "a slot without operation reports op and status -1, not 0"
)
D_ESIM_OP_SWAPPED = defect("defect.esim-op-swapped", "a pending write shows op 2 and a pending delete op 1")
D_ESIM_REASON_EMPTY = defect(
    "defect.esim-error-reason-empty", "a failed operation (status 3) has an empty reason"
)
D_ESIM_SYNC = defect(
    "defect.esim-write-sync", "a write is done at once and answered status 0, not 1 (submitted)"
)
D_ESIM_BUSY_ACCEPTED = defect(
    "defect.esim-busy-accepted", "a write on a port with an operation in progress is answered 1 and dropped"
)
D_ESIM_STUCK = defect("defect.esim-status-stuck", "a submitted operation stays at status 1 forever")
D_ESIM_EXUST_NOT_SET = defect("defect.esim-exust-not-set", "a written profile keeps exust 0")
D_ESIM_RESULTS_MISSING = defect(
    "defect.esim-results-missing", "goip_write_esims answers lack the result array"
)
D_ESIM_DELETE_RESULTS_MISSING = defect(
    "defect.esim-delete-results-missing", "goip_delete_esims answers lack the result array"
)
D_ESIM_AC_OPTIONAL = defect(
    "defect.esim-write-ac-optional", "a goip_write_esims item without ac is submitted (status 1)"
)
D_ESIM_DELETE_SLOT_DEFAULT = defect(
    "defect.esim-delete-slot-default-1", "a goip_delete_esims item without slot deletes slot 1 of its port"
)

#: Schema bounds of ``port`` and ``slot`` numbers (defs.json portNumber/slotNumber).
MAX_PORT = 512
MAX_SLOT = 256
CODE_OK = 200
CODE_BAD_REQUEST = 400


class EsimOp(IntEnum):
    """Profile ``op`` of a slot (§12.1.3)."""

    NONE = 0
    WRITE = 1
    DELETE = 2


class EsimStatus(IntEnum):
    """Profile ``status`` of a slot (§12.1.3)."""

    NONE = 0
    SUBMITTED = 1
    IN_PROGRESS = 2
    ERROR = 3


class SubmitStatus(IntEnum):
    """``status`` of a write/delete result item (§12.2.4)."""

    SUBMITTED = 1
    PORT_BUSY = 2
    OTHER_ERROR = 3


@dataclass(frozen=True)
class EsimTimings:
    """Durations in emulated seconds: submitted → in progress → done."""

    start_delay: float = 1.0
    write_time: float = 8.0
    delete_time: float = 3.0


@dataclass(frozen=True)
class EsimEvent:
    """A change of a slot's operation status, as returned by :meth:`EsimBank.advance`."""

    port: int
    slot: int
    op: EsimOp
    status: EsimStatus
    reason: str = ""


@dataclass
class _Profile:
    slot: int
    enabled: int = 0
    iccid: str = ""
    ac: str = ""
    cc: str = ""
    provider: str = ""
    exust: int = 0
    op: EsimOp = EsimOp.NONE
    status: EsimStatus = EsimStatus.NONE
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "enabled": self.enabled,
            "iccid": self.iccid,
            "ac": self.ac,
            "cc": self.cc,
            "provider": self.provider,
            "exust": self.exust,
            "op": int(self.op),
            "status": int(self.status),
            "reason": self.reason,
        }

    def clear(self) -> None:
        self.enabled, self.exust = 0, 0
        self.iccid = self.ac = self.cc = self.provider = ""


@dataclass
class _Operation:
    slot: int
    op: EsimOp
    submitted_at: float
    ac: str = ""
    cc: str = ""
    fail_reason: str | None = None


@dataclass
class _Port:
    port: int
    eid: str
    profiles: list[_Profile]
    pending: _Operation | None = None

    @property
    def esim_state(self) -> int:
        return 1 if self.eid else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "port": self.port,
            "eid": self.eid,
            "esim_state": self.esim_state,
            "profiles": [p.as_json() for p in self.profiles],
        }


_LPA = re.compile(r"^LPA:1\$(?P<smdp>[A-Za-z0-9.-]+(?::[0-9]+)?)\$(?P<matching>[^$]*)(?:\$.*)?$")
_NUMBER_LIST = re.compile(r"^\d+(?:-\d+)?(?:, ?\d+(?:-\d+)?)*$")


def parse_number_list(raw: str | None, maximum: int) -> list[int] | None:
    """``all``/None → 1..maximum; ``2``; ``1-2,4`` (space after comma tolerated). None if malformed.

    Numbers above ``maximum`` are left out; a reversed range (``4-2``) is malformed.
    """
    if raw is None or raw.strip() in ("", "all"):
        return list(range(1, maximum + 1))
    text = raw.strip()
    if not _NUMBER_LIST.match(text):
        return None
    chosen: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        low, high = int(first), int(last or first)
        if low < 1 or high < low:
            return None
        chosen.update(range(low, min(high, maximum) + 1))
    return sorted(chosen)


def _default_eid(port: int, serial: int) -> str:
    return f"8904903200{serial % 10**14:014d}{port:08d}"


class EsimBank:
    """The eUICCs of a device: one per port, ``slots`` profile slots each.

    ``without_euicc`` lists ports whose eUICC cannot be read (``esim_state`` 0).
    ``profiles`` preloads written profiles: ``{(port, slot): {"ac": ..., "cc": ..., ...}}``.
    """

    def __init__(
        self,
        ports: int,
        *,
        slots: int = 8,
        timings: EsimTimings | None = None,
        serial: int = 1,
        without_euicc: Iterable[int] = (),
        profiles: Mapping[tuple[int, int], Mapping[str, Any]] | None = None,
        switches: Switches | None = None,
    ) -> None:
        self.switches = switches if switches is not None else Switches()
        if not 1 <= ports <= MAX_PORT or not 1 <= slots <= MAX_SLOT:
            raise ValueError(f"ports must be 1..{MAX_PORT} and slots 1..{MAX_SLOT}")
        self.slots = slots
        self.timings = timings or EsimTimings()
        no_euicc = set(without_euicc)
        self._ports = {
            n: _Port(
                n,
                "" if n in no_euicc else _default_eid(n, serial),
                [_Profile(slot) for slot in range(1, slots + 1)],
            )
            for n in range(1, ports + 1)
        }
        self._iccid_counter = 0
        self._injected: dict[tuple[int, int], str] = {}
        for (port, slot), values in (profiles or {}).items():
            self._install(self._ports[port].profiles[slot - 1], port, str(values.get("ac", "")), values)

    @property
    def port_count(self) -> int:
        return len(self._ports)

    # -- facts for the core -----------------------------------------------------------------------
    def eid(self, port: int) -> str:
        return self._ports[port].eid

    def enabled_iccid(self, port: int) -> str | None:
        """ICCID of the enabled profile of ``port``, None when none is enabled."""
        for profile in self._ports[port].profiles:
            if profile.enabled and profile.exust:
                return profile.iccid
        return None

    def busy(self, port: int) -> bool:
        return self._ports[port].pending is not None

    def fail_next(self, port: int, slot: int, reason: str) -> None:
        """Make the next write or delete of ``port``/``slot`` end with status 3 and ``reason``."""
        self._injected[(port, slot)] = reason

    # -- handlers -----------------------------------------------------------------------------------
    def handle_goip_get_esims(
        self, query: Mapping[str, str], body: bytes | None, now: float
    ) -> tuple[int, dict[str, Any]]:
        """§12.1: the eUICC and profiles of the ports named by ``ports``."""
        self.advance(now)
        wanted = parse_number_list(query.get("ports"), self.port_count)
        if wanted is None:
            return CODE_BAD_REQUEST, {
                "code": CODE_BAD_REQUEST,
                "reason": "invalid ports",
                "count": 0,
                "ports": [],
            }
        sw = self.switches
        if sw.on(D_ESIM_FILTER_IGNORED):
            wanted = list(self._ports)
        items = [self._ports[n].as_json() for n in wanted]
        if sw:
            for item in items:
                self._bend(item)
        count = len(items) + (1 if sw.on(D_ESIM_COUNT_WRONG) else 0)
        return 200, {"code": CODE_OK, "reason": "OK", "count": count, "ports": items}

    def _bend(self, item: dict[str, Any]) -> None:
        """A query item as a device with the switched-on defects answers it."""
        sw = self.switches
        if sw.on(D_ESIM_PORTS_FROM_0):
            item["port"] -= 1
        if sw.on(D_ESIM_NO_EID):
            del item["eid"]
        for profile in item["profiles"]:
            if sw.on(D_ESIM_NO_ICCID):
                del profile["iccid"]
            if sw.on(D_ESIM_IDLE_OP) and profile["op"] == 0:
                profile["op"] = profile["status"] = -1
            if sw.on(D_ESIM_OP_SWAPPED) and profile["op"] in (1, 2):
                profile["op"] = 3 - profile["op"]
            if sw.on(D_ESIM_REASON_EMPTY) and profile["status"] == 3:
                profile["reason"] = ""

    def handle_goip_write_esims(
        self, query: Mapping[str, str], body: bytes | None, now: float
    ) -> tuple[int, dict[str, Any]]:
        """§12.2: submit profile downloads; one result per item (status 1, 2 or 3)."""
        return self._submit(EsimOp.WRITE, body, now)

    def handle_goip_delete_esims(
        self, query: Mapping[str, str], body: bytes | None, now: float
    ) -> tuple[int, dict[str, Any]]:
        """§12.3: submit profile deletions; one result per item (status 1, 2 or 3)."""
        return self._submit(EsimOp.DELETE, body, now)

    # -- time ---------------------------------------------------------------------------------------
    def advance(self, now: float) -> list[EsimEvent]:
        """Move every pending operation as far as ``now``; returns the status changes, in order."""
        events: list[EsimEvent] = []
        for port in self._ports.values():
            operation = port.pending
            if operation is None:
                continue
            profile = port.profiles[operation.slot - 1]
            started = operation.submitted_at + self.timings.start_delay
            duration = self.timings.write_time if operation.op is EsimOp.WRITE else self.timings.delete_time
            if self.switches.on(D_ESIM_STUCK):
                continue
            if profile.status is EsimStatus.SUBMITTED and now >= started:
                profile.status = EsimStatus.IN_PROGRESS
                events.append(EsimEvent(port.port, profile.slot, operation.op, profile.status))
            if profile.status is EsimStatus.IN_PROGRESS and now >= started + duration:
                self._finish(port, profile, operation)
                port.pending = None
                events.append(
                    EsimEvent(port.port, profile.slot, operation.op, profile.status, profile.reason)
                )
        return events

    # -- internals ----------------------------------------------------------------------------------
    def _submit(self, op: EsimOp, body: bytes | None, now: float) -> tuple[int, dict[str, Any]]:
        self.advance(now)
        items = _read_items(
            body, 1 if op is EsimOp.DELETE and self.switches.on(D_ESIM_DELETE_SLOT_DEFAULT) else None
        )
        if isinstance(items, str):
            return CODE_BAD_REQUEST, {"code": CODE_BAD_REQUEST, "reason": items, "ports": []}
        results = []
        for item in items:
            port_no, slot_no = item["port"], item["slot"]
            status = self._try_submit(op, item, now)
            if op is EsimOp.WRITE and status is SubmitStatus.SUBMITTED and self.switches.on(D_ESIM_SYNC):
                self.advance(now + self.timings.start_delay + self.timings.write_time)
                results.append({"port": port_no, "slot": slot_no, "status": 0})
                continue
            if self.switches.on(D_ESIM_PORTS_FROM_0):
                port_no -= 1
            results.append({"port": port_no, "slot": slot_no, "status": int(status)})
        if self.switches.on(D_ESIM_RESULTS_MISSING if op is EsimOp.WRITE else D_ESIM_DELETE_RESULTS_MISSING):
            return 200, {"code": CODE_OK, "reason": "OK"}
        return 200, {"code": CODE_OK, "reason": "OK", "ports": results}

    def _try_submit(self, op: EsimOp, item: Mapping[str, Any], now: float) -> SubmitStatus:
        port = self._ports.get(item["port"])
        if port is None or not 1 <= item["slot"] <= self.slots or not port.esim_state:
            return SubmitStatus.OTHER_ERROR
        ac, cc = item.get("ac", ""), item.get("cc", "")
        if "ac" not in item and self.switches.on(D_ESIM_AC_OPTIONAL):
            ac = "-"
        if op is EsimOp.WRITE and (not isinstance(ac, str) or not ac or not isinstance(cc, str)):
            return SubmitStatus.OTHER_ERROR
        if port.pending is not None:
            busy_ok = op is EsimOp.WRITE and self.switches.on(D_ESIM_BUSY_ACCEPTED)
            return SubmitStatus.SUBMITTED if busy_ok else SubmitStatus.PORT_BUSY
        slot = item["slot"]
        if op is EsimOp.DELETE:
            ac, cc = "", ""
        port.pending = _Operation(slot, op, now, ac, cc, self._injected.pop((port.port, slot), None))
        profile = port.profiles[slot - 1]
        profile.op, profile.status, profile.reason = op, EsimStatus.SUBMITTED, ""
        return SubmitStatus.SUBMITTED

    def _finish(self, port: _Port, profile: _Profile, operation: _Operation) -> None:
        reason = operation.fail_reason
        if reason is None and operation.op is EsimOp.WRITE:
            if profile.exust:
                reason = "slot already holds a profile"
            elif not _LPA.match(operation.ac):
                reason = "invalid activation code"
        if reason is None and operation.op is EsimOp.DELETE and not profile.exust:
            reason = "no profile in slot"
        if reason is not None:
            profile.status, profile.reason = EsimStatus.ERROR, reason
            return
        if operation.op is EsimOp.WRITE:
            self._install(profile, port.port, operation.ac, {"cc": operation.cc})
            if self.switches.on(D_ESIM_EXUST_NOT_SET):
                profile.exust = 0
            if not any(p.enabled for p in port.profiles if p is not profile):
                profile.enabled = 1
        else:
            profile.clear()
        profile.op, profile.status, profile.reason = EsimOp.NONE, EsimStatus.NONE, ""

    def _install(self, profile: _Profile, port: int, ac: str, values: Mapping[str, Any]) -> None:
        self._iccid_counter += 1
        match = _LPA.match(ac)
        profile.exust = 1
        profile.ac = ac
        profile.cc = str(values.get("cc", ""))
        profile.iccid = str(
            values.get("iccid") or f"89860{port:03d}{profile.slot:03d}{self._iccid_counter:08d}"
        )
        profile.provider = str(values.get("provider") or (match.group("smdp") if match else ""))
        profile.enabled = int(values.get("enabled", profile.enabled))


def _read_items(body: bytes | None, default_slot: int | None = None) -> list[dict[str, Any]] | str:
    """The POSTed array, or the reason it cannot be read (``default_slot``: an item without
    ``slot`` means that one)."""
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return "body is not JSON"
    if not isinstance(data, list) or not data:
        return "body must be a non-empty JSON array"
    for item in data:
        if not isinstance(item, dict):
            return "every item must be an object"
        if default_slot is not None:
            item.setdefault("slot", default_slot)
        for key, bound in (("port", MAX_PORT), ("slot", MAX_SLOT)):
            value = item.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= bound:
                return f"every item needs an integer {key} 1..{bound}"
    return data
