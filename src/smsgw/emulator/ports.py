"""Ports and SIM slots as state: status codes 0-16 and their transitions, port names and port specs.

gateway-2.4 §4.1.4 (port-status table), §5 (commands), §6.4.3/§6.4.4 (``sim_imei(n)``,
``sim_number(n)``), simple-v2 §4.1 (usage counters), §4.3 (remote SIM pool ports ``1.sp128.016``).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

from smsgw.emulator.faults import Switches, defect, quirk

#: gateway-2.4 §4.1.4, the ``st`` table (code -> detail), texts exactly as the table writes them.
PORT_STATUS: dict[int, str] = {
    0: "No SIM card",
    1: "Exist idel SIM card",
    2: "Registering",
    3: "Registered",
    4: "call connected",
    5: "no balance or alarm",
    6: "Register failed",
    7: "SIM card locked by device",
    8: "SIM card locked by operator",
    9: "Recognize SIM card error",
    11: "Card Detected",
    12: "User locked",
    13: "Port inter-calling",
    14: "Inter-calling holding",
    15: "Access Mobile Network",
    16: "module Response timeout",
}
NO_SIM, IDLE, REGISTERING, REGISTERED, CALL = 0, 1, 2, 3, 4
NO_BALANCE, REG_FAILED, DEVICE_LOCKED, OPERATOR_LOCKED, SIM_ERROR = 5, 6, 7, 8, 9
DETECTED, USER_LOCKED, ACCESS_NETWORK = 11, 12, 15
CAN_SEND = frozenset({REGISTERED, CALL})

Q_LETTER_PORTS = quirk(
    "quirk.letter-ports",
    "port names in letter form (1A, 2B) instead of 1.01, 2.02 (the 2.4 request samples)",
    erratum="E-EJ-PORT-LETTER-FORM",
)
Q_ST_INT = quirk(
    "quirk.st-int", "st is the bare integer code (the dev-status examples)", erratum="E-EJ-PORT-ST-INT"
)
Q_STATUS_KEY = quirk(
    "quirk.status-key",
    'port-status sends "status" instead of "st" (the 2.4 §4.1.4 sample)',
    erratum="E-EJ-PORT-STATUS-KEY",
)
Q_BAL_NUMBER = quirk(
    "quirk.bal-number", "bal is a JSON number instead of a string", erratum="E-EJ-PORT-BAL-NUMBER"
)
# port status entries (§4.1.4)
D_PORT_NAME_NO_SLOT = defect("defect.port-name-no-slot", "port names are the bare port number, no slot (3)")
D_ST_MISSING = defect("defect.port-st-missing", "port status entries lack st")
D_USER_LOCK_ST_10 = defect("defect.user-lock-st-10", 'a user-locked card reports "10 User locked", not 12')
D_EMPTY_SLOT_ST_1 = defect(
    "defect.empty-slot-st-1", 'an empty slot reports "1 Exist idel SIM card", not "0 No SIM card"'
)
D_REGISTERED_ST_15 = defect(
    "defect.registered-st-15", 'a registered card reports "15 Access Mobile Network", not "3 Registered"'
)
D_BAL_MISSING = defect("defect.bal-missing", "port status entries lack bal")
D_OPR_EMPTY = defect("defect.opr-empty", "opr is empty although the card is registered")
D_OPR_NAME_ONLY = defect("defect.opr-name-only", "opr is the operator name without its MCC-MNC id")
D_IDS_AS_NUMBERS = defect("defect.sim-ids-as-numbers", "sn, imei, imsi, iccid and sim are JSON numbers")
D_ACTIVE_ALWAYS_1 = defect("defect.active-always-1", "every card of a port reports active 1")
D_INSERTED_ALWAYS_0 = defect("defect.inserted-always-0", "inserted is 0 for every slot, cards included")
D_SLOT_ACTIVE_INVERTED = defect("defect.slot-active-inverted", "slot_active is 0 for enabled slots")
D_DUR_INT = defect("defect.dur-minutes-int", "tot_dur, mon_dur and day_dur are integer minutes, not n/m")
D_PORT_SEQ_CONSTANT = defect("defect.port-seq-constant", "port status seq stays at 1")
D_SIG_DBM = defect("defect.sig-dbm", "sig is the signal in dBm (-113..-51), not the 0-31 CSQ value")
D_USAGE_NUMBERS = defect(
    "defect.usage-counters-numbers", "usage counters are JSON numbers (used only; dataflow in MB)"
)
# commands (§5.1.3)
D_LED_IGNORED = defect("defect.led-ignored", "ledon/ledoff answer OK but the port LED does not change")
D_LOCK_IGNORED = defect("defect.lock-ignored", "lock answers OK but nothing is locked")
D_UNLOCK_IGNORED = defect("defect.unlock-ignored", "unlock answers OK but the cards stay locked")
D_SWITCH_IGNORED = defect("defect.switch-ignored", "switch answers OK but the port keeps its card")
D_RESET_USES_SLOT = defect("defect.reset-uses-slot", "reset of port.slot switches the port to that slot")
D_BARE_PORT_CURRENT = defect(
    "defect.bare-port-current-card", "lock/unlock of a bare port acts on its current card only"
)
D_DOTTED_WHOLE_PORT = defect(
    "defect.dotted-port-whole-port", "a port.slot name acts on the whole port (slot ignored)"
)
D_LETTER_REFUSED = defect("defect.letter-ports-refused", "port names in letter form (2B) answer Invalid Port")
D_LIST_FIRST_ONLY = defect(
    "defect.port-list-first-only", "a comma-separated port list acts on its first item only"
)
D_RANGE_FIRST_ONLY = defect("defect.port-range-first-only", "a port range (4-32) acts on its first port only")
D_ALL_REFUSED = defect("defect.all-ports-refused", 'ports "all" and "*" answer Invalid Port')
D_SIM_INDEX_FROM_1 = defect("defect.sim-index-from-1", "sim_imei(n)/sim_number(n) count the cards from 1")
D_SIM_INDEX_8_SLOTS = defect(
    "defect.sim-index-8-slots", "sim_imei(n)/sim_number(n) assume 8 slots per port (the example's max-slot)"
)

OPERATORS = ("46000 CHINA MOBILE", "46001 CHINA UNICOM GSM", "46011 CHINA TELECOM")
_SLOT_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def status_text(code: int) -> str:
    """``"3 Registered"``."""
    return f"{code} {PORT_STATUS[code]}"


def port_name(port: int, slot: int, *, letters: bool = False) -> str:
    """``1.01`` (normative) or ``1A`` (letter quirk; slots beyond 26 keep the dotted form)."""
    if letters and slot <= len(_SLOT_LETTERS):
        return f"{port}{_SLOT_LETTERS[slot - 1]}"
    return f"{port}.{slot:02d}"


def _luhn_complete(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return digits + str((10 - total % 10) % 10)


@dataclass(slots=True)
class Slot:
    """One SIM slot of a port, with the SIM in it (if any) and its counters."""

    port: int
    slot: int
    present: bool = True
    enabled: bool = True
    imsi: str = ""
    iccid: str = ""
    imei: str = ""
    number: str = ""
    operator: str = ""
    balance: float = 0.0
    signal: int = 0
    code: int = IDLE
    #: remote SIM pool slot (``sim_src`` 1): (pool id, pool slot), port name ``1.sp128.016``
    pool: tuple[int, int] | None = None
    #: the status to reach when a timed transition completes, and when
    target: int | None = None
    due: float = 0.0
    user_locked: bool = False
    sms_sent: int = 0
    sms_limit: int = -1
    call_minutes: int = 0
    dataflow_mb: float = 0.0


@dataclass(slots=True)
class Port:
    number: int
    slots: list[Slot]
    active: int = 1
    led: bool = True
    seq: int = 0
    busy_until: float = 0.0

    @property
    def current(self) -> Slot:
        return self.slots[self.active - 1]


class PortSpecError(ValueError):
    """A port specification that names no port of this device."""


_ITEM = re.compile(r"^(\d{1,3})(?:\.(\d{1,3})|([A-Za-z]))?$")


def _parse_item(item: str, ports: int, slots: int) -> tuple[int, int | None]:
    m = _ITEM.match(item)
    if not m:
        raise PortSpecError(f"bad port {item!r}")
    port = int(m.group(1))
    slot: int | None = None
    if m.group(2) is not None:
        slot = int(m.group(2))
    elif m.group(3) is not None:
        slot = _SLOT_LETTERS.index(m.group(3).upper()) + 1
    if not 1 <= port <= ports:
        raise PortSpecError(f"port {port} out of 1..{ports}")
    if slot is not None and not 1 <= slot <= slots:
        raise PortSpecError(f"slot {slot} out of 1..{slots}")
    return port, slot


def parse_port_spec(spec: str, ports: int, slots: int) -> list[tuple[int, int | None]]:
    """Parse a command port spec: ``all``, ``*``, ``2``, ``2B``, ``2.02``, lists with ``,`` and
    ranges ``4-32`` / ``1.01-64.01`` (gateway-2.4 §5.1.3, simple-v2 §4.5).  A slot of ``None``
    means "the whole port" (lock/unlock) or "the current card".  Ranges are clipped to the
    device's port count (``1.01-64.01`` on a 32-port device names ports 1-32)."""
    text = spec.strip()
    if not text:
        raise PortSpecError("empty port spec")
    if text.lower() in ("all", "*"):
        return [(p, None) for p in range(1, ports + 1)]
    result: list[tuple[int, int | None]] = []
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        if "-" in item:
            lo, _, hi = item.partition("-")
            lo_port, lo_slot = _parse_item(lo.strip(), ports, slots)
            hi_text = hi.strip()
            m = _ITEM.match(hi_text)
            if not m:
                raise PortSpecError(f"bad port range {item!r}")
            hi_port = min(int(m.group(1)), ports)
            if hi_port < lo_port:
                raise PortSpecError(f"empty port range {item!r}")
            result.extend((p, lo_slot) for p in range(lo_port, hi_port + 1))
        else:
            result.append(_parse_item(item, ports, slots))
    if not result:
        raise PortSpecError("empty port spec")
    return result


def parse_command_ports(
    spec: str, ports: int, slots: int, switches: Switches
) -> list[tuple[int, int | None]]:
    """:func:`parse_port_spec` as a firmware with the command port defects reads it."""
    if switches.on(D_ALL_REFUSED) and spec.strip().lower() in ("all", "*"):
        raise PortSpecError("all refused")
    if switches.on(D_LETTER_REFUSED) and re.search(r"\d[A-Za-z]", spec):
        raise PortSpecError("letter form refused")
    if switches.on(D_LIST_FIRST_ONLY):
        spec = spec.split(",", 1)[0]
    if switches.on(D_RANGE_FIRST_ONLY):
        spec = ",".join(item.split("-", 1)[0] for item in spec.split(","))
    targets = parse_port_spec(spec, ports, slots)
    if switches.on(D_DOTTED_WHOLE_PORT):
        targets = [(port, None) for port, _ in targets]
    return targets


def parse_number_list(spec: str, upper: int) -> list[int]:
    """``all`` / ``2`` / ``1-2,4`` -> sorted numbers in 1..upper (goip_get_sms_stat ``ports``,
    ``slots``; §9.1.2).  Raises PortSpecError."""
    text = spec.strip().lower()
    if text in ("", "all", "*"):
        return list(range(1, upper + 1))
    found: set[int] = set()
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        lo, sep, hi = item.partition("-")
        if not lo.strip().isdigit() or (sep and not hi.strip().isdigit()):
            raise PortSpecError(f"bad number {item!r}")
        a = int(lo)
        b = int(hi) if sep else a
        if not (1 <= a <= upper and a <= b):
            raise PortSpecError(f"{item!r} out of 1..{upper}")
        found.update(range(a, min(b, upper) + 1))
    if not found:
        raise PortSpecError("empty list")
    return sorted(found)


class PortBank:
    """All ports and slots of a device, with status transitions.

    Every status change bumps the port's ``seq`` and is recorded in :attr:`changed` (the device
    turns those into ``port-status`` pushes).  Timed transitions (registering -> registered)
    complete in :meth:`advance`.
    """

    def __init__(
        self,
        ports: int,
        slots: int,
        *,
        device_index: int,
        rng: random.Random,
        register_time: float = 3.0,
        empty_slots: float = 0.0,
    ) -> None:
        self.n_ports = ports
        self.n_slots = slots
        self.register_time = register_time
        self.changed: list[Slot] = []
        #: bumped on every status change (caches of "which ports can send" key on it)
        self.version = 0
        self.ports: list[Port] = []
        for p in range(1, ports + 1):
            slot_list: list[Slot] = []
            for s in range(1, slots + 1):
                present = rng.random() >= empty_slots
                slot = Slot(
                    port=p,
                    slot=s,
                    present=present,
                    imei=_luhn_complete(f"86{device_index:04d}{p:03d}{s:02d}{rng.randrange(1000):03d}"),
                )
                if present:
                    self._fill_sim(slot, device_index, rng)
                slot.code = IDLE if present else NO_SIM
                slot_list.append(slot)
            self.ports.append(Port(p, slot_list))
        for port in self.ports:
            current = port.current
            if current.present:
                current.code = REGISTERED

    @staticmethod
    def _fill_sim(slot: Slot, device_index: int, rng: random.Random) -> None:
        op = rng.choice(OPERATORS)
        slot.operator = op
        slot.imsi = f"{op[:5]}{device_index:03d}{slot.port:03d}{slot.slot:02d}{rng.randrange(100):02d}"
        slot.iccid = _luhn_complete(
            f"8986{device_index:04d}{slot.port:03d}{slot.slot:02d}{rng.randrange(10**6):06d}"
        )
        slot.number = f"13{device_index:03d}{slot.port:03d}{slot.slot:03d}"
        slot.balance = round(rng.uniform(0, 100), 2)
        slot.signal = rng.randrange(12, 32)

    # -- lookup ---------------------------------------------------------------------------
    def port(self, number: int) -> Port:
        return self.ports[number - 1]

    def slot(self, port: int, slot: int) -> Slot:
        return self.ports[port - 1].slots[slot - 1]

    def all_slots(self) -> list[Slot]:
        return [s for p in self.ports for s in p.slots]

    def by_index(self, n: int, switches: Switches | None = None) -> Slot | None:
        """``n = (port-1)*slots + (slot-1)`` (gateway-2.4 §6.4.3)."""
        per_port = self.n_slots
        if switches is not None:
            if switches.on(D_SIM_INDEX_FROM_1):
                n -= 1
            if switches.on(D_SIM_INDEX_8_SLOTS):
                per_port = 8
        port, slot = n // per_port + 1, n % per_port + 1
        if n < 0 or not 1 <= port <= self.n_ports or not 1 <= slot <= self.n_slots:
            return None
        return self.slot(port, slot)

    def is_active(self, slot: Slot) -> bool:
        return self.ports[slot.port - 1].active == slot.slot

    def can_send(self, port: int) -> bool:
        return self.ports[port - 1].current.code in CAN_SEND

    # -- transitions ----------------------------------------------------------------------
    def set_code(self, slot: Slot, code: int) -> None:
        slot.target = None
        self.version += 1
        if slot.code != code:
            slot.code = code
            self.ports[slot.port - 1].seq += 1
            self.changed.append(slot)

    def _schedule(self, slot: Slot, now: float, now_code: int, then: int, after: float) -> None:
        self.set_code(slot, now_code)
        slot.target = then
        slot.due = now + after

    def register(self, slot: Slot, now: float) -> None:
        """Start registering the active SIM of a port (boot, switch, unlock, reset, redial)."""
        if not slot.present:
            self.set_code(slot, NO_SIM)
        elif slot.user_locked:
            self.set_code(slot, USER_LOCKED)
        elif not slot.enabled:
            self.set_code(slot, IDLE)
        elif self.register_time <= 0:
            self.set_code(slot, REGISTERED)
        else:
            self._schedule(slot, now, REGISTERING, REGISTERED, self.register_time)

    def lock(self, port: int, slot: int | None, now: float) -> None:
        targets = self.ports[port - 1].slots if slot is None else [self.slot(port, slot)]
        for s in targets:
            s.user_locked = True
            if s.present:
                self.set_code(s, USER_LOCKED)

    def unlock(self, port: int, slot: int | None, now: float) -> None:
        targets = self.ports[port - 1].slots if slot is None else [self.slot(port, slot)]
        for s in targets:
            if not s.user_locked:
                continue
            s.user_locked = False
            if self.is_active(s):
                self.register(s, now)
            else:
                self.set_code(s, IDLE if s.present else NO_SIM)

    def sendable(self) -> list[int]:
        """Ports whose current SIM can send (3 Registered, 4 call connected)."""
        return [p.number for p in self.ports if p.slots[p.active - 1].code in CAN_SEND]

    def switch(self, port: int, slot: int | None, now: float) -> None:
        """Switch a port to ``slot`` (or to the next slot when None)."""
        p = self.ports[port - 1]
        target = slot if slot is not None else (p.active % self.n_slots) + 1
        if target == p.active:
            return
        old = p.current
        if old.present and not old.user_locked:
            self.set_code(old, IDLE)
        p.active = target
        self.version += 1
        self.register(p.current, now)

    def reset(self, port: int, now: float) -> None:
        self.register(self.ports[port - 1].current, now)

    def reboot(self, now: float) -> None:
        for p in self.ports:
            self.register(p.current, now)

    def set_led(self, port: int, on: bool) -> None:
        p = self.ports[port - 1]
        if p.led != on:
            p.led = on
            p.seq += 1
            self.changed.append(p.current)

    def insert(self, slot: Slot, now: float, **sim: Any) -> None:
        """A SIM is inserted (control API): 11 Card Detected, then registration if active."""
        slot.present = True
        for key, value in sim.items():
            setattr(slot, key, value)
        if self.is_active(slot):
            self._schedule(slot, now, DETECTED, REGISTERING, min(1.0, self.register_time))
        else:
            self.set_code(slot, IDLE)

    def eject(self, slot: Slot) -> None:
        slot.present = False
        slot.imsi = slot.iccid = slot.number = slot.operator = ""
        self.set_code(slot, NO_SIM)

    def advance(self, now: float) -> float:
        """Complete due timed transitions; returns the next due time (``inf`` if none)."""
        nxt = float("inf")
        for p in self.ports:
            s = p.current
            if s.target is None:
                continue
            if s.due <= now:
                target = s.target
                if target == REGISTERING:
                    self._schedule(s, s.due, REGISTERING, REGISTERED, self.register_time)
                    if s.due <= now:
                        self.set_code(s, REGISTERED)
                else:
                    self.set_code(s, target)
            if s.target is not None:
                nxt = min(nxt, s.due)
        return nxt

    def take_changes(self) -> list[Slot]:
        changed, self.changed = self.changed, []
        seen: set[tuple[int, int]] = set()
        unique: list[Slot] = []
        for s in changed:
            key = (s.port, s.slot)
            if key not in seen:
                seen.add(key)
                unique.append(s)
        return unique

    # -- rendering ------------------------------------------------------------------------
    def name(self, slot: Slot, switches: Switches) -> str:
        if slot.pool is not None:
            return f"{slot.port}.sp{slot.pool[0]}.{slot.pool[1]:03d}"
        return port_name(slot.port, slot.slot, letters=switches.on(Q_LETTER_PORTS))

    def entry(self, slot: Slot, switches: Switches, *, counters: bool = False) -> dict[str, Any]:
        """A ``portState`` object (port-status push and dev-status ``status[]`` item)."""
        p = self.ports[slot.port - 1]
        registered = slot.code in CAN_SEND
        entry: dict[str, Any] = {
            "port": str(slot.port) if switches.on(D_PORT_NAME_NO_SLOT) else self.name(slot, switches),
            "sim": f"sp{slot.pool[0]}" if slot.pool else "",
            "seq": 1 if switches.on(D_PORT_SEQ_CONSTANT) else p.seq,
        }
        code = slot.code
        if switches:
            if code == NO_SIM and switches.on(D_EMPTY_SLOT_ST_1):
                code = IDLE
            elif code == REGISTERED and switches.on(D_REGISTERED_ST_15):
                code = ACCESS_NETWORK
        if switches.on(D_ST_MISSING):
            pass
        elif switches.on(D_USER_LOCK_ST_10) and slot.code == USER_LOCKED:
            entry["st"] = "10 User locked"
        elif switches.on(Q_STATUS_KEY):
            entry["status"] = status_text(code)
        elif switches.on(Q_ST_INT):
            entry["st"] = code
        else:
            entry["st"] = status_text(code)
        entry.update(
            {
                "imei": slot.imei,
                "iccid": slot.iccid if slot.present else "",
                "imsi": slot.imsi if slot.present else "",
                "sn": slot.number if slot.present else "",
                "opr": slot.operator if registered else "",
                "bal": slot.balance if switches.on(Q_BAL_NUMBER) else f"{slot.balance:.2f}",
                "sig": slot.signal if registered else 0,
                "active": 1 if p.active == slot.slot or switches.on(D_ACTIVE_ALWAYS_1) else 0,
                "inserted": 1 if slot.present and not switches.on(D_INSERTED_ALWAYS_0) else 0,
                "slot_active": 1 if slot.enabled != switches.on(D_SLOT_ACTIVE_INVERTED) else 0,
                "led": 1 if p.led else 0,
                "tot_dur": f"{slot.call_minutes}/-1",
                "mon_dur": f"{slot.call_minutes}/-1",
                "day_dur": f"{slot.call_minutes}/-1",
            }
        )
        if counters:
            used = f"{slot.sms_sent}/{slot.sms_limit}"
            flow = f"{slot.dataflow_mb:.2f}"
            entry.update(
                {
                    "mcn_tot": "0/-1",
                    "mcn_mon": "0/-1",
                    "mcn_day": "0/-1",
                    "mtn_tot": "0/-1",
                    "mtn_mon": "0/-1",
                    "mtn_day": "0/-1",
                    "smsctl_tot": used,
                    "smsctl_mon": used,
                    "smsctl_day": used,
                    "dataflow_tot": flow,
                    "dataflow_day": flow,
                    "dataflow_24hours": flow,
                    "dataflow_1hour": "0.00",
                    "dataflow_last": "0.00",
                    "dataflow_url": "",
                }
            )
        if switches:
            self._entry_defects(entry, switches)
        return entry

    @staticmethod
    def _entry_defects(entry: dict[str, Any], switches: Switches) -> None:
        if switches.on(D_BAL_MISSING):
            entry.pop("bal", None)
        if switches.on(D_SIG_DBM) and isinstance(entry.get("sig"), int):
            entry["sig"] = -113 + 2 * entry["sig"]
        if switches.on(D_OPR_EMPTY):
            entry["opr"] = ""
        if switches.on(D_OPR_NAME_ONLY) and entry.get("opr"):
            entry["opr"] = entry["opr"].split(" ", 1)[-1]
        if switches.on(D_IDS_AS_NUMBERS):
            for key in ("sn", "imei", "imsi", "iccid", "sim"):
                digits = "".join(ch for ch in str(entry.get(key, "")) if ch.isdigit())
                entry[key] = int(digits or 0)
        if switches.on(D_DUR_INT):
            for key in ("tot_dur", "mon_dur", "day_dur"):
                entry[key] = int(str(entry[key]).split("/", 1)[0])
        if switches.on(D_USAGE_NUMBERS):
            for key, value in list(entry.items()):
                if key.startswith(("mcn_", "mtn_", "smsctl_")):
                    entry[key] = int(str(value).split("/", 1)[0])
                elif key.startswith("dataflow_") and key != "dataflow_url":
                    entry[key] = float(value)

    def state(self) -> list[dict[str, Any]]:
        """Internal state for the control API."""
        return [
            {
                "port": p.number,
                "active": p.active,
                "led": p.led,
                "seq": p.seq,
                "slots": [
                    {
                        "slot": s.slot,
                        "present": s.present,
                        "enabled": s.enabled,
                        "code": s.code,
                        "status": status_text(s.code),
                        "number": s.number,
                        "imsi": s.imsi,
                        "iccid": s.iccid,
                        "imei": s.imei,
                        "operator": s.operator,
                        "balance": s.balance,
                        "signal": s.signal,
                        "user_locked": s.user_locked,
                        "pool": list(s.pool) if s.pool else None,
                        "sms_sent": s.sms_sent,
                    }
                    for s in p.slots
                ],
            }
            for p in self.ports
        ]


__all__ = [
    "PORT_STATUS",
    "Port",
    "PortBank",
    "PortSpecError",
    "Slot",
    "parse_number_list",
    "parse_port_spec",
    "port_name",
    "status_text",
]
