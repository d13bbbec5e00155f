"""Status notification: goip_get_status.html, dev-status and port-status pushes (gateway-2.4 §4.1,
router-2.2 §3.1, proxy-gateway §3, simple-v2 §4).

The push checks point the device's report URL at the suite's receiver once per module and read
the pushes that follow: first the URL alone (the default period, 60 s), then a period below the
60 s minimum (which the device must round up). The URL carries a query with an encoded "&", which
the device must decode. Reporting is cancelled (period=0) at the end: the API cannot read back a
previous URL, so a device certified with pushes is left without a report URL (the certificate
says so).
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from ejoin_support import emulator_control, json_media_type, port_number

from smsgw.receiver import WaitTimeoutError

#: The documents' minimum report period: "the minimum value is 60, the unit is second" (§4.1.2).
MINIMUM_PERIOD = 60
#: What the feed asks for: half the minimum, so a conformant device reports every 60 s anyway.
PERIOD_ASKED = 30
#: Delivery jitter tolerated on the 60 s gap, as a fraction of it: a device that used the 30 s it
#: was asked for stays far below 45 s.
PERIOD_TOLERANCE = 0.25
MAC_RE = re.compile(r"^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5}$")
DEVICE = "dut-status"
#: The query the report URL carries: "Special characters need do URL encode" (§4.1.2).
URL_QUERY = "tag=a&b=c"
#: st codes of the §4.1.4 table (10 is not one of them).
ST_CODES = frozenset({*range(10), *range(11, 17)})


def _entries(data: Any) -> list[dict[str, Any]]:
    status = data.get("status") if isinstance(data, dict) else None
    return [e for e in status or [] if isinstance(e, dict)]


def _int(value: Any) -> int | None:
    try:
        return int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _st_code(entry: dict[str, Any]) -> int | None:
    st = entry.get("st", entry.get("status"))
    return _int(str(st).split(" ")[0]) if st is not None else None


# -- goip_get_status answers ----------------------------------------------------------------------
@pytest.mark.requirement(
    "EJ-STATUS-GET-STATUS-URL", "EJ-STATUS-GET-RESPONSE-IS-DEV-STATUS", "EJ-STATUS-URL-OPTIONAL"
)
def test_get_status_answers_a_dev_status(check, ejoin):
    """gateway-2.4 §4.1.1: "Server can send a GET request to get the status on device by below
    URL: http://host:port/goip_get_status.html?url=xxx&period=0"; §4.1.2: "Url | Specific the
    report URL | None | N"; the answer is a dev-status (§6.4.1, erratum E-EJ-GETSTATUS-RESPONSE).

    Sends goip_get_status with credentials only (no url, no period).
    """
    resp = ejoin.get_status()
    check.expect(resp.status == 200, f"HTTP {resp.status}", requirement="EJ-STATUS-GET-STATUS-URL")
    check.schema("ejoin/goip_get_status.response", resp, requirement="EJ-STATUS-GET-RESPONSE-IS-DEV-STATUS")
    check.expect(
        isinstance(resp.data, dict) and resp.data.get("type") == "dev-status",
        f"goip_get_status without url answered: {resp.json_error or resp.text[:200]}",
        requirement=("EJ-STATUS-URL-OPTIONAL", "EJ-STATUS-GET-STATUS-URL"),
    )


@pytest.mark.requirement(
    "EJ-STATUS-DEVSTATUS-TYPE",
    "EJ-STATUS-DEVSTATUS-MAC",
    "EJ-STATUS-DEVSTATUS-MAX-PORTS",
    "EJ-STATUS-DEVSTATUS-ONE-ENTRY-PER-PORT",
)
def test_dev_status_names_the_device_and_lists_every_port_once(check, ejoin, conformance):
    """gateway-2.4 §4.1.3: "Type | String | Message type. | None | Y (dev-status)", "mac | String |
    Device MAC. | None | Y" (sample "00-30-f1-01-02-03"), "max-ports | Int | Total ports of device.
    | None | Y", "Dev-status message ... is a JSON array string that comprised of ports status":
    without all_sims, one entry per port.
    """
    data = ejoin.get_status().data
    data = data if isinstance(data, dict) else {}
    check.expect(
        data.get("type") == "dev-status", f"type {data.get('type')!r}", requirement="EJ-STATUS-DEVSTATUS-TYPE"
    )
    mac = data.get("mac")
    check.expect(
        isinstance(mac, str) and bool(MAC_RE.match(mac)),
        f"mac {mac!r} (want six hyphen-separated hex bytes)",
        requirement="EJ-STATUS-DEVSTATUS-MAC",
    )
    ports = [port_number(e.get("port")) for e in _entries(data)]
    max_ports = data.get("max-ports")
    declared = conformance.declaration.ports
    want = declared if declared else len(set(ports))
    check.expect(
        isinstance(max_ports, int) and not isinstance(max_ports, bool) and max_ports == want,
        f"max-ports {max_ports!r}, the device has {want} ports"
        + (" (declared)" if declared else " (listed in status)"),
        requirement="EJ-STATUS-DEVSTATUS-MAX-PORTS",
    )
    expected = list(range(1, max_ports + 1)) if isinstance(max_ports, int) else []
    check.expect(
        sorted(p for p in ports if p is not None) == expected and len(ports) == len(expected),
        f"status lists ports {ports} (want each of 1..{max_ports} once)",
        requirement="EJ-STATUS-DEVSTATUS-ONE-ENTRY-PER-PORT",
    )


@pytest.mark.requirement("EJ-STATUS-ALL-SLOTS", "EJ-STATUS-ALL-SIMS")
def test_all_slots_and_all_sims_widen_the_report(check, ejoin):
    """gateway-2.4 §4.1.2: "all_sims | Get all the card status | 0 | N | 0: disable 1: enable" and
    "all_slots | Get the status of all card slots | 0 | N | 0: disable 1: enable".

    Asks goip_get_status with all_slots=1 (every port x slot once) and with all_sims=1 (every card
    present in a slot, i.e. the all_slots entries whose st is not 0 No SIM card).
    """
    plain = ejoin.get_status().data
    max_ports = _int(plain.get("max-ports")) if isinstance(plain, dict) else None
    max_slots = _int(plain.get("max-slots", plain.get("max-slot"))) if isinstance(plain, dict) else None
    slots_resp = ejoin.get_status(all_slots=1)
    check.schema("ejoin/goip_get_status.response", slots_resp, requirement="EJ-STATUS-ALL-SLOTS")
    every_slot = _entries(slots_resp.data)
    names = [str(e.get("port")) for e in every_slot]
    want = (max_ports or 0) * (max_slots or 1)
    check.expect(
        len(every_slot) == want and len(set(names)) == want,
        f"all_slots=1 listed {len(every_slot)} entries ({len(set(names))} distinct), want "
        f"max-ports x max-slots = {want}",
        requirement="EJ-STATUS-ALL-SLOTS",
    )
    sims_resp = ejoin.get_status(all_sims=1)
    check.schema("ejoin/goip_get_status.response", sims_resp, requirement="EJ-STATUS-ALL-SIMS")
    with_card = sorted(str(e.get("port")) for e in every_slot if _st_code(e) not in (0, None))
    listed = sorted(str(e.get("port")) for e in _entries(sims_resp.data))
    check.expect(
        listed == with_card,
        f"all_sims=1 listed {len(listed)} cards, the slots hold {len(with_card)}: "
        f"missing {sorted(set(with_card) - set(listed))[:8]}, "
        f"extra {sorted(set(listed) - set(with_card))[:8]}",
        requirement="EJ-STATUS-ALL-SIMS",
    )


# -- the fields of dev-status and of the port status ------------------------------------------------
@dataclass(frozen=True)
class Answers:
    """goip_get_status as it is (the current card of every port) and with all_slots=1."""

    plain: dict[str, Any]
    every: dict[str, Any]

    @property
    def entries(self) -> list[dict[str, Any]]:
        return _entries(self.plain) + _entries(self.every)


@pytest.fixture(scope="module")
def answers(ejoin) -> Answers:
    plain, every = ejoin.get_status().data, ejoin.get_status(all_slots=1).data
    return Answers(plain if isinstance(plain, dict) else {}, every if isinstance(every, dict) else {})


def _grade(  # noqa: PLR0917 (one rule, its tolerated variant and where to record)
    check: Any,
    rid: str,
    entries: list[dict[str, Any]],
    rule: Callable[[dict[str, Any]], str | None],
    what: str,
    tolerated: Callable[[dict[str, Any]], str | None] | None = None,
) -> None:
    """FAIL with the first entries ``rule`` finds wrong; NON-STRICT where only ``tolerated`` (an
    erratum id) excuses them; PASS otherwise."""
    if not entries:
        check.fail(f"goip_get_status lists no port to read {what} from", requirement=rid)
        return
    wrong, excused = [], set()
    for entry in entries:
        problem = rule(entry)
        if problem is None:
            continue
        erratum = tolerated(entry) if tolerated else None
        if erratum:
            excused.add(erratum)
        else:
            wrong.append(f"{entry.get('port')}: {problem}")
    if wrong:
        check.fail(f"{what}: {'; '.join(wrong[:6])}", requirement=rid)
    elif excused:
        check.non_strict(
            f"{what} as the documents' examples write it", errata=sorted(excused), requirement=rid
        )
    else:
        check.ok(requirement=rid)


PORT_NAME_RE = re.compile(r"^\d{1,3}\.(\d{2,3}|sp\d+\.\d{3})$")
LETTER_NAME_RE = re.compile(r"^\d{1,3}[A-Z]$")
BAL_RE = re.compile(r"^-?\d+(\.\d+)?$")
OPR_RE = re.compile(r"^\d{5,6} \S")
DUR_RE = re.compile(r"^\d+/(-1|\d+)$")
DIGITS = {
    "sn": re.compile(r"^\+?\d*$"),
    "imei": re.compile(r"^(\d{14,16})?$"),
    "imsi": re.compile(r"^\d{0,15}$"),
}
ICCID_RE = re.compile(r"^([0-9]{18,20}[0-9A-Fa-f]?)?$")


def _st_problem(entry: dict[str, Any]) -> str | None:
    if "st" not in entry:
        return "no st"
    st = entry["st"]
    if isinstance(st, str) and re.match(r"^\d{1,2} \S", st):
        return None
    return f"st {st!r} is not 'code detail'"


@pytest.mark.requirement(
    "EJ-STATUS-PORT-NAME-FORMAT",
    "EJ-STATUS-PORT-ST-REQUIRED",
    "EJ-STATUS-PORT-BAL",
    "EJ-STATUS-PORT-OPR-WHEN-REGISTERED",
    "EJ-STATUS-PORT-OPR-FORMAT",
    "EJ-STATUS-PORT-SN",
    "EJ-STATUS-PORT-IMEI",
    "EJ-STATUS-PORT-IMSI",
    "EJ-STATUS-PORT-ICCID",
)
def test_port_status_fields_have_their_documented_form(check, answers):
    """gateway-2.4 §4.1.4: "port | String | Describe the current working port and SIM slot. Like
    1.01,1.02.....32.04 | Y"; "st | string | Port status code + detail | Y"; "bal | Floating point |
    SIM card balance(yy.mm) | Y"; "opr | String | SIM card operator name and ID valid while
    parameter "st" equal to 3 or 4" (samples "46000 China Mobile"); "sn | string | SIM number",
    "imei | string | IMEI of module", "imsi | string | IMSI num of SIM card", "iccid | string | ICCID
    num of SIM card" (all "N").

    Reads every entry of goip_get_status, with and without all_slots=1 (the documents' variants of
    the examples — letter names 1A, "status" for st, an integer st, a number for bal — are
    NON-STRICT)."""
    entries = answers.entries
    max_ports = _int(answers.plain.get("max-ports")) or 0

    def name(e: dict[str, Any]) -> str | None:
        text = str(e.get("port"))
        number = port_number(text)
        if not (PORT_NAME_RE.match(text) or LETTER_NAME_RE.match(text)) or not number or number > max_ports:
            return f"name {e.get('port')!r}"
        return "letter form" if LETTER_NAME_RE.match(text) else None

    _grade(
        check,
        "EJ-STATUS-PORT-NAME-FORMAT",
        entries,
        name,
        "port names",
        lambda e: "E-EJ-PORT-LETTER-FORM" if LETTER_NAME_RE.match(str(e.get("port"))) else None,
    )

    def st_tolerated(e: dict[str, Any]) -> str | None:
        if "st" not in e and isinstance(e.get("status"), str):
            return "E-EJ-PORT-STATUS-KEY"
        return "E-EJ-PORT-ST-INT" if _is_int(e.get("st")) and e.get("st") in ST_CODES else None

    _grade(check, "EJ-STATUS-PORT-ST-REQUIRED", entries, _st_problem, "st", st_tolerated)

    def bal(e: dict[str, Any]) -> str | None:
        value = e.get("bal")
        return None if isinstance(value, str) and BAL_RE.match(value) else f"bal {value!r}"

    _grade(
        check,
        "EJ-STATUS-PORT-BAL",
        entries,
        bal,
        "bal",
        lambda e: (
            "E-EJ-PORT-BAL-NUMBER"
            if isinstance(e.get("bal"), (int, float)) and not isinstance(e.get("bal"), bool)
            else None
        ),
    )
    registered = [e for e in entries if _st_code(e) in (3, 4)]
    _grade(
        check,
        "EJ-STATUS-PORT-OPR-WHEN-REGISTERED",
        registered,
        lambda e: (
            None if isinstance(e.get("opr"), str) and e["opr"].strip() else f"opr {e.get('opr')!r} at st 3/4"
        ),
        "opr of registered cards",
    )
    _grade(
        check,
        "EJ-STATUS-PORT-OPR-FORMAT",
        [e for e in entries if e.get("opr")],
        lambda e: None if isinstance(e["opr"], str) and OPR_RE.match(e["opr"]) else f"opr {e['opr']!r}",
        'opr ("46000 China Mobile": id, space, name)',
    )
    for key, rid in (
        ("sn", "EJ-STATUS-PORT-SN"),
        ("imei", "EJ-STATUS-PORT-IMEI"),
        ("imsi", "EJ-STATUS-PORT-IMSI"),
    ):
        _grade(
            check,
            rid,
            entries,
            lambda e, key=key: (
                None
                if key not in e or (isinstance(e[key], str) and DIGITS[key].match(e[key]))
                else f"{key} {e[key]!r}"
            ),
            f"{key} (a string of digits)",
        )
    _grade(
        check,
        "EJ-STATUS-PORT-ICCID",
        entries,
        lambda e: (
            None
            if "iccid" not in e or (isinstance(e["iccid"], str) and ICCID_RE.match(e["iccid"]))
            else f"iccid {e['iccid']!r}"
        ),
        "iccid (a string of 18-20 digits)",
    )


@pytest.mark.requirement("EJ-STATUS-PORT-SIM-POOL-ID")
def test_sim_pool_id_is_a_string(check, answers):
    """gateway-2.4 §4.1.4: "sim | String | Simpool's identification | None | N"."""
    _grade(
        check,
        "EJ-STATUS-PORT-SIM-POOL-ID",
        answers.entries,
        lambda e: None if "sim" not in e or isinstance(e["sim"], str) else f"sim {e['sim']!r}",
        "sim",
    )


@pytest.mark.requirement("EJ-STATUS-PORT-SIG")
def test_sig_is_the_module_signal_value(check, answers):
    """gateway-2.4 §4.1.4: "sig | int | Signal value of the module | None | N" (§6.4.1 "sig": 15;
    erratum E-EJ-PORT-SIG-STRING: an integer 0-99, CSQ-style, a decimal string tolerated)."""

    def sig(e: dict[str, Any]) -> str | None:
        value = e.get("sig")
        if value is None or (_is_int(value) and 0 <= value <= 99):
            return None
        return f"sig {value!r}"

    _grade(
        check,
        "EJ-STATUS-PORT-SIG",
        answers.entries,
        sig,
        "sig (0-99)",
        lambda e: (
            "E-EJ-PORT-SIG-STRING"
            if isinstance(e.get("sig"), str) and e["sig"].isdigit() and int(e["sig"]) <= 99
            else None
        ),
    )


@pytest.mark.requirement("EJ-STATUS-USAGE-CALL-DURATION")
def test_call_duration_counters_are_used_over_limit(check, answers):
    """simple-v2 §4.1: "tot_dur | String | Accumulated call duration statistics "tot_dur":"n/m", n
    represents the number of minutes used, m represents the total number of minutes, and -1
    represents unlimited"; mon_dur, day_dur the same per month and day (gateway-2.4 §6.4.1)."""
    _grade(
        check,
        "EJ-STATUS-USAGE-CALL-DURATION",
        answers.entries,
        lambda e: next(
            (
                f"{k} {e[k]!r}"
                for k in ("tot_dur", "mon_dur", "day_dur")
                if k in e and not (isinstance(e[k], str) and DUR_RE.match(e[k]))
            ),
            None,
        ),
        'tot_dur/mon_dur/day_dur ("n/m")',
    )


@pytest.mark.requirement(
    "EJ-STATUS-DEVSTATUS-IP", "EJ-STATUS-DEVSTATUS-MAX-SLOTS", "EJ-STATUS-DEVSTATUS-STATUS-ARRAY"
)
def test_dev_status_ip_slots_and_status_array(check, answers, conformance):
    """gateway-2.4 §4.1.3: "ip | String | Device IP address. | None | Y"; "max-slots | String | Total
    SIM slots of device. | 1 | N" (samples "max-slot": 4, the slots of each port); "status | array |
    Status of device port. | None | Y"."""
    plain = answers.plain
    ip = plain.get("ip")
    try:
        ipaddress.ip_address(ip if isinstance(ip, str) else "")
        valid = True
    except ValueError:
        valid = False
    check.expect(valid, f"ip {ip!r} is not an IP address", requirement="EJ-STATUS-DEVSTATUS-IP")
    status = plain.get("status")
    check.expect(
        isinstance(status, list) and all(isinstance(e, dict) for e in status),
        f"status is {type(status).__name__}, not an array of port objects",
        requirement="EJ-STATUS-DEVSTATUS-STATUS-ARRAY",
    )
    slots = [
        int(m.group(1))
        for e in _entries(answers.every)
        if (m := re.match(r"^\d+\.(\d+)$", str(e.get("port"))))
    ] + [
        ord(str(e.get("port"))[-1]) - 64
        for e in _entries(answers.every)
        if LETTER_NAME_RE.match(str(e.get("port")))
    ]
    per_port = max(slots, default=0) or conformance.declaration.slots or 1
    value = plain.get("max-slots", plain.get("max-slot"))
    key = "max-slots" if "max-slots" in plain else "max-slot"
    if value is None:
        check.expect(
            per_port == 1,
            f"no max-slots (default 1) while ports have {per_port} slots",
            requirement="EJ-STATUS-DEVSTATUS-MAX-SLOTS",
        )
    elif str(value) != str(per_port):
        check.fail(
            f"{key} {value!r}, each port has {per_port} slots", requirement="EJ-STATUS-DEVSTATUS-MAX-SLOTS"
        )
    elif key == "max-slot" or _is_int(value):
        errata = ["E-EJ-DEVSTATUS-MAXSLOT-KEY"] if key == "max-slot" else ["E-EJ-DEVSTATUS-MAXSLOTS-INT"]
        check.non_strict(
            f'"{key}": {value!r} as the examples send it',
            errata=errata,
            requirement="EJ-STATUS-DEVSTATUS-MAX-SLOTS",
        )
    else:
        check.ok(requirement="EJ-STATUS-DEVSTATUS-MAX-SLOTS")


@pytest.mark.requirement("EJ-STATUS-DEVSTATUS-VER")
def test_dev_status_ver_is_a_version_string(check, answers):
    """gateway-2.4 §6.4.1: "ver": "532-604-924-041-100-000" (router-2.2 §5.4.1: "ver | String |
    Device software version | N")."""
    ver = answers.plain.get("ver")
    check.expect(
        ver is None
        or (isinstance(ver, str) and re.match(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$", ver) is not None),
        f"ver {ver!r}",
    )


@pytest.mark.requirement("EJ-STATUS-DEVSTATUS-SEQ-STARTS-1")
def test_dev_status_seq_counts_from_1(check, answers):
    """gateway-2.4 §4.1.3: "seq | Int | Device status message sequence number, start from 1." (the
    reboot check reads the first seq of a restarted device)."""
    seqs = [answers.plain.get("seq"), answers.every.get("seq")]
    check.expect(all(_is_int(x) and x >= 1 for x in seqs), f"dev-status seq {seqs} (integers from 1)")


@pytest.mark.requirement("EJ-STATUS-PORT-ACTIVE", "EJ-STATUS-PORT-ONE-ACTIVE-PER-PORT")
def test_active_marks_the_one_current_card_of_a_port(check, answers):
    """gateway-2.4 §4.1.4: "active | int | Current card. 1:yes; 0:no" (simple-v2: a string,
    erratum E-EJ-PORT-ACTIVE-STRING).

    Without all_slots every listed card is a current one (active 1); with all_slots=1 each port has
    at most one card with active 1."""

    def form(e: dict[str, Any]) -> str | None:
        return (
            None
            if e.get("active") in (0, 1) and not isinstance(e.get("active"), bool)
            else f"active {e.get('active')!r}"
        )

    _grade(
        check,
        "EJ-STATUS-PORT-ACTIVE",
        answers.entries,
        form,
        "active (0 or 1)",
        lambda e: "E-EJ-PORT-ACTIVE-STRING" if e.get("active") in ("0", "1") else None,
    )
    not_current = [e.get("port") for e in _entries(answers.plain) if str(e.get("active")) != "1"]
    check.expect(
        not not_current,
        f"goip_get_status lists cards that are not current: {not_current[:8]}",
        requirement="EJ-STATUS-PORT-ACTIVE",
    )
    current = {str(e.get("port")) for e in _entries(answers.plain)}
    marked = {str(e.get("port")) for e in _entries(answers.every) if str(e.get("active")) == "1"}
    check.expect(
        not _entries(answers.every) or marked == current,
        f"with all_slots=1 the cards marked active are not the current ones: "
        f"marked {sorted(marked - current)[:6]} too, {sorted(current - marked)[:6]} not",
        requirement="EJ-STATUS-PORT-ACTIVE",
    )
    per_port: dict[int, int] = {}
    for e in _entries(answers.every):
        port = port_number(e.get("port"))
        if port is not None and str(e.get("active")) == "1":
            per_port[port] = per_port.get(port, 0) + 1
    several = {p: n for p, n in per_port.items() if n > 1}
    check.expect(
        bool(per_port) and not several,
        f"ports with several active cards: {dict(list(several.items())[:8])}"
        if several
        else "no active card listed",
        requirement="EJ-STATUS-PORT-ONE-ACTIVE-PER-PORT",
    )


@pytest.mark.requirement("EJ-STATUS-PORT-INSERTED", "EJ-STATUS-PORT-SLOT-ACTIVE")
def test_inserted_and_slot_active_describe_the_slot(check, answers):
    """gateway-2.4 §4.1.4: "inserted | int | A card is inserted into a slot.1:yes; 0:no | N";
    "Slot_active | int | Whether the card slot is enabled.1:enabled;0:disabled | N" (erratum
    E-EJ-PORT-SLOT-ACTIVE-CASE).

    A slot whose card reports a status other than 0 No SIM card has a card inserted; the current
    card of a registered port sits in an enabled slot."""
    entries = _entries(answers.every) or _entries(answers.plain)

    def inserted(e: dict[str, Any]) -> str | None:
        if "inserted" not in e:
            return None
        value, code = e["inserted"], _st_code(e)
        if value not in (0, 1) or isinstance(value, bool):
            return f"inserted {value!r}"
        return None if code is None or (value == 1) == (code != 0) else f"inserted {value} at st {code}"

    _grade(check, "EJ-STATUS-PORT-INSERTED", entries, inserted, "inserted")

    def slot_active(e: dict[str, Any]) -> str | None:
        key = "slot_active" if "slot_active" in e else "Slot_active"
        if key not in e:
            return None
        value = e[key]
        if value not in (0, 1) or isinstance(value, bool):
            return f"{key} {value!r}"
        busy = str(e.get("active")) == "1" and _st_code(e) in (3, 4)
        return f"{key} 0 on the registered current card" if busy and value == 0 else None

    _grade(
        check,
        "EJ-STATUS-PORT-SLOT-ACTIVE",
        entries,
        slot_active,
        "slot_active",
        lambda e: (
            "E-EJ-PORT-SLOT-ACTIVE-CASE"
            if "Slot_active" in e and slot_active({**e, "slot_active": e["Slot_active"]}) is None
            else None
        ),
    )


#: st codes of router-2.2 §3.1.4 and proxy-gateway §3.4 (no 4, 10, 13-16).
ROUTER_ST_CODES = frozenset({0, 1, 2, 3, 5, 6, 7, 8, 9, 11, 12})


def _emulator_sim(conformance: Any, body: dict[str, Any]) -> bool:
    """POST /_emu/sim to this project's emulator (a slot emptied or filled); False on a real device,
    which has no such API: an empty slot is a physical fact the suite cannot cause."""
    return emulator_control(conformance, "sim", body) is not None


def _port_and_slot(name: Any) -> tuple[int, int] | None:
    """(port, slot) of ``"3.02"`` or of the letter form ``"3B"``."""
    dotted, letter = re.match(r"^(\d+)\.(\d+)$", str(name)), re.match(r"^(\d+)([A-Z])$", str(name))
    if dotted:
        return int(dotted[1]), int(dotted[2])
    return (int(letter[1]), ord(letter[2]) - ord("A") + 1) if letter else None


def _empty_slots(every: list[dict[str, Any]], cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Slots all_slots=1 lists that hold no card: inserted 0, or left out by all_sims=1."""
    with_card = {str(e.get("port")) for e in cards}
    return [e for e in every if e.get("inserted") == 0 or (cards and str(e.get("port")) not in with_card)]


@pytest.mark.requirement("EJ-STATUS-PORT-ST-NO-SIM-0")
def test_an_empty_slot_reports_st_0(check, ejoin, conformance, answers, restore):
    """gateway-2.4 §4.1.4: "st | string | Port status code + detail 0: No SIM card ..."; "inserted |
    int | A card is inserted into a slot.1:yes; 0:no".

    The slots goip_get_status all_slots=1 lists with inserted 0, or that all_sims=1 ("Get All Sim
    Cards Status") leaves out, hold no card: each must report st 0.  A device without an empty
    slot is SKIPPED; this project's emulator (with --allow-destructive) has a card taken out of a
    slot that is not any port's current one, and put back at the end."""
    every = _entries(answers.every)
    empty = _empty_slots(every, _entries(ejoin.get_status(all_sims=1).data))
    if not empty and conformance.allow_destructive:
        spare = [e for e in every if str(e.get("active")) == "0" and e.get("imsi") and e.get("iccid")]
        oprs = {str(e["opr"])[:5]: e["opr"] for e in answers.entries if isinstance(e.get("opr"), str)}
        spare = [e for e in spare if str(e["imsi"])[:5] in oprs]
        where = _port_and_slot(spare[-1].get("port")) if spare else None
        if where and _emulator_sim(conformance, {"port": where[0], "slot": where[1], "present": False}):
            card = spare[-1]
            sim = {"imsi": card["imsi"], "iccid": card["iccid"], "number": card.get("sn") or "",
                   "operator": oprs[str(card["imsi"])[:5]]}  # fmt: skip
            restore.push(
                f"put the card back into slot {card['port']}",
                lambda: _emulator_sim(
                    conformance, {"port": where[0], "slot": where[1], "present": True, **sim}
                ),
            )
            every = _entries(ejoin.get_status(all_slots=1).data)
            empty = [e for e in every if str(e.get("port")) == card["port"]]
    if not empty:
        check.skip("no slot of the device is empty (st 0 is read only from an empty slot)")
    check.attach_json("empty slots", empty)
    wrong = {str(e.get("port")): e.get("st", e.get("status")) for e in empty if _st_code(e) != 0}
    check.expect(not wrong, f"empty slots report st {dict(list(wrong.items())[:8])} (want 0 No SIM card)")


@pytest.mark.requirement("EJ-STATUS-PORT-ST-ROUTER-SUBSET")
def test_router_st_codes_are_the_router_table(check, answers):
    """router-2.2 §3.1.4 (and proxy-gateway §3.4): "st: 0: No SIM card 1: Exist idle SIM card 2:
    Registering 3: Registered 5: no balance or alarm 6: Register failed 7: SIM card locked by device
    8: SIM card locked by operator 9: Recognize SIM card error 11: Card Detected 12: User locked".

    Every st of goip_get_status, with and without all_slots=1, is a code of that table."""
    _grade(
        check,
        "EJ-STATUS-PORT-ST-ROUTER-SUBSET",
        answers.entries,
        lambda e: None if _st_code(e) in ROUTER_ST_CODES else f"st {e.get('st', e.get('status'))!r}",
        "st codes (the router table: 0-3, 5-9, 11, 12)",
    )


@pytest.mark.requirement("EJ-STATUS-ALL-SIMS-DEFAULT-OFF")
def test_without_all_sims_only_current_cards_are_listed(check, answers):
    """gateway-2.4 §4.1.2: "all_sims | Get all the card status | 0 | N": without it, the current card
    of each port only (one entry per port)."""
    ports = [port_number(e.get("port")) for e in _entries(answers.plain)]
    check.expect(
        len(ports) == len(set(ports))
        and all(str(e.get("active", 1)) == "1" for e in _entries(answers.plain)),
        f"goip_get_status without all_sims lists {len(ports)} entries for {len(set(ports))} ports",
    )


@pytest.mark.requirement("EJ-STATUS-ALL-SLOTS-DEFAULT-OFF")
def test_without_all_slots_empty_and_other_slots_are_not_listed(check, answers):
    """gateway-2.4 §4.1.2: "all_slots | Get the status of all card slots | 0 | N"."""
    ports = [port_number(e.get("port")) for e in _entries(answers.plain)]
    every = _entries(answers.every)
    check.expect(
        len(ports) == len(set(ports))
        and (len(every) > len(ports) or _int(answers.plain.get("max-slots", 1)) == 1),
        f"goip_get_status lists {len(ports)} entries without all_slots, {len(every)} with it",
    )


@pytest.mark.requirement("EJ-STATUS-PORT-QUERY")
def test_port_parameter_reports_that_port_only(check, ejoin):
    """simple-v2 §4.5: "Get specific sim card status:
    http://ip/goip_get_status.html?username=root&password=root&port=1"."""
    resp = ejoin.get("goip_get_status.html", port="2")
    ports = [port_number(e.get("port")) for e in _entries(resp.data)]
    check.expect(resp.status == 200 and ports == [2], f"goip_get_status port=2 listed ports {ports[:12]}")


COUNTER_RE = re.compile(r"^\d+/(-1|\d+)$")
DECIMAL_RE = re.compile(r"^\d+(\.\d+)?$")
USAGE_COUNTERS = {
    "EJ-STATUS-USAGE-CALL-NUMBERS": ("mcn_tot", "mcn_mon", "mcn_day"),
    "EJ-STATUS-USAGE-TALK-NUMBERS": ("mtn_tot", "mtn_mon", "mtn_day"),
    "EJ-STATUS-USAGE-SMS-SENT": ("smsctl_tot", "smsctl_mon", "smsctl_day"),
}
DATAFLOW = ("dataflow_tot", "dataflow_day", "dataflow_24hours", "dataflow_1hour", "dataflow_last")


@pytest.mark.requirement(
    "EJ-STATUS-USAGE-COUNTER-FORMAT",
    "EJ-STATUS-USAGE-CALL-NUMBERS",
    "EJ-STATUS-USAGE-TALK-NUMBERS",
    "EJ-STATUS-USAGE-SMS-SENT",
    "EJ-STATUS-USAGE-DATAFLOW",
)
def test_usage_counters_are_used_over_limit(check, answers):
    """simple-v2 §4.1: "tot_dur | String | ... "n/m", n represents the number of minutes used, m
    represents the total number of minutes, and -1 represents unlimited"; mcn_* "Accumulative Total
    call number "n/m""; mtn_* "talk number"; smsctl_* "send SMS "n/m""; dataflow_* "traffic (MB)"."""
    entries = _entries(answers.plain)
    counters = [k for keys in USAGE_COUNTERS.values() for k in keys] + ["tot_dur", "mon_dur", "day_dur"]
    present = [(e.get("port"), k, e[k]) for e in entries for k in counters if k in e]
    wrong = [(p, k, v) for p, k, v in present if not (isinstance(v, str) and COUNTER_RE.match(v))]
    check.expect(
        bool(present) and not wrong,
        f'usage counters not "n/m": {wrong[:6]}' if present else "no usage counter in the port status",
        requirement="EJ-STATUS-USAGE-COUNTER-FORMAT",
    )
    for rid, keys in USAGE_COUNTERS.items():
        bad = [(p, k, v) for p, k, v in wrong if k in keys]
        check.expect(not bad, f'{"/".join(keys)} not "n/m": {bad[:6]}', requirement=rid)
    flows = [(e.get("port"), k, e[k]) for e in entries for k in DATAFLOW if k in e]
    bad_flow = [(p, k, v) for p, k, v in flows if not (isinstance(v, str) and DECIMAL_RE.match(v))]
    check.expect(
        not bad_flow, f"dataflow_* not MB strings: {bad_flow[:6]}", requirement="EJ-STATUS-USAGE-DATAFLOW"
    )


# -- pushes ---------------------------------------------------------------------------------------
@dataclass
class StatusFeed:
    """The report URL set to the receiver (no period: the default), the first dev-status push, then
    period=30 and the push after that; the wall times at which url and period were sent."""

    answer: Any
    url_set_at: float
    period_set_at: float = 0.0
    pushes: list[Any] = field(default_factory=list)
    problem: str = ""


@pytest.fixture(scope="module")
def status_feed(ejoin, receiver, timers) -> Iterator[StatusFeed]:
    ejoin.get_status(period=0)  # a clean start: no period of an earlier configuration is in effect
    mark = receiver.mark()
    feed = StatusFeed(ejoin.get_status(url=f"{receiver.push_url(DEVICE)}?{URL_QUERY}"), time.time())
    ejoin.get_status()  # "Just need specific once time": an answer without url keeps the URL
    after = mark
    for step in range(2):
        if step == 1:
            feed.period_set_at = time.time()
            ejoin.get_status(period=PERIOD_ASKED)
        try:
            push = receiver.wait_for(
                "dev-status", device=DEVICE, after=after, timeout=timers.status_push_wait
            )
        except WaitTimeoutError:
            feed.problem = f"no dev-status push within {timers.status_push_wait:.1f} s"
            break
        feed.pushes.append(push)
        after = push.id
    yield feed
    ejoin.get_status(period=0)  # stop reporting to a receiver that goes away with the run


@pytest.mark.requirement(
    "EJ-STATUS-REPORT-URL-SET-BY-GET",
    "EJ-STATUS-DEVSTATUS-PERIODIC",
    "EJ-STATUS-PUSH-POST",
    "EJ-STATUS-PUSH-TRIGGERS",
    "EJ-STATUS-DEVSTATUS-SCHEMA",
    "EJ-STATUS-DEVSTATUS-CONTENT-TYPE",
)
def test_dev_status_is_pushed_to_the_url_every_period(check, status_feed):
    """gateway-2.4 §4: "This device will send a HTTP POST request which include the device running
    status information to the SMS server when ... Community period expired"; §4.1.2: "Url |
    Specific the report URL"; §4.1.3: "Device send 'dev-status' to server periodically." and
    "Parameter Content-Type in HTTP head should set to "application/json; charset=utf-8"".

    Sets url (the suite's receiver), then period, and waits for a dev-status push after each."""
    check.expect(status_feed.answer.status == 200, f"setting the url: HTTP {status_feed.answer.status}")
    check.expect(
        len(status_feed.pushes) == 2,
        f"{len(status_feed.pushes)} of 2 dev-status pushes arrived: {status_feed.problem}",
        requirement=(
            "EJ-STATUS-REPORT-URL-SET-BY-GET",
            "EJ-STATUS-DEVSTATUS-PERIODIC",
            "EJ-STATUS-PUSH-TRIGGERS",
        ),
    )
    if not status_feed.pushes:
        check.fail(
            "no dev-status push to grade",
            requirement=(
                "EJ-STATUS-PUSH-POST",
                "EJ-STATUS-DEVSTATUS-SCHEMA",
                "EJ-STATUS-DEVSTATUS-CONTENT-TYPE",
            ),
        )
    for push in status_feed.pushes:
        check.attach_push(f"dev-status #{push.id}", push.body)
        check.expect(push.method == "POST", f"pushed by {push.method}", requirement="EJ-STATUS-PUSH-POST")
        check.schema("ejoin/dev-status.push", push.parsed, requirement="EJ-STATUS-DEVSTATUS-SCHEMA")
        check.expect(
            json_media_type(push.content_type),
            f"dev-status pushed with Content-Type {push.content_type!r}",
            requirement="EJ-STATUS-DEVSTATUS-CONTENT-TYPE",
        )
        if isinstance(push.parsed, dict) and push.parsed.get("ver"):
            check.firmware(push.parsed["ver"])


@pytest.mark.requirement("EJ-HTTP-PUSH-DEVICE-INITIATED")
def test_pushes_are_requests_the_device_initiates(check, status_feed):
    """gateway-2.4 §7.1: "While forwarding SMS, device send a request to server first, so even
    device in LAN, and server in a public net, it also can work effectively." (transport; read from
    the status feed: the device opened the connections to the suite's receiver)."""
    check.expect(
        bool(status_feed.pushes) and all(p.method == "POST" for p in status_feed.pushes),
        f"no request from the device reached the receiver: {status_feed.problem}",
    )


@pytest.mark.requirement("EJ-STATUS-REPORT-URL-PERSISTS", "EJ-STATUS-REPORT-URL-DECODED")
def test_report_url_is_kept_and_decoded(check, status_feed):
    """gateway-2.4 §4.1.2: "Url | Specific the report URL | ... Tips: Special characters need do URL
    encode Just need specific once time."

    The feed gave the url once, with a query holding an encoded "&" ("tag=a&b=c"), then asked
    goip_get_status without url: the pushes must still come, to the decoded URL (two query
    parameters, tag and b)."""
    check.expect(
        bool(status_feed.pushes),
        f"no dev-status push after a goip_get_status without url: {status_feed.problem}",
        requirement="EJ-STATUS-REPORT-URL-PERSISTS",
    )
    for push in status_feed.pushes[:1]:
        pairs = dict(parse_qsl(push.query or "", keep_blank_values=True))
        check.expect(
            pairs.get("tag") == "a" and pairs.get("b") == "c",
            f"the push came to query {push.query!r}; the url given was ...?{URL_QUERY} (URL-encoded)",
            requirement="EJ-STATUS-REPORT-URL-DECODED",
        )
    if not status_feed.pushes:
        check.fail("no push to read the URL of", requirement="EJ-STATUS-REPORT-URL-DECODED")


@pytest.mark.requirement("EJ-STATUS-REPORT-URL-SET-BY-GET", "EJ-STATUS-DEVSTATUS-SEQ-INCREASES")
def test_dev_status_seq_increases(check, status_feed):
    """gateway-2.4 §4.1.3: "seq | Int | Device status message sequence number, start from 1." —
    each push has a larger seq than the one before."""
    seqs = [(p.parsed or {}).get("seq") if isinstance(p.parsed, dict) else None for p in status_feed.pushes]
    if len(seqs) < 2:
        check.fail(f"needs two dev-status pushes, got {len(seqs)}: {status_feed.problem}")
        return
    check.expect(
        all(isinstance(s, int) for s in seqs) and seqs[1] > seqs[0],
        f"consecutive dev-status seq {seqs[0]!r} then {seqs[1]!r}",
        requirement="EJ-STATUS-DEVSTATUS-SEQ-INCREASES",
    )


@pytest.mark.requirement(
    "EJ-STATUS-PERIOD-DEFAULT-60", "EJ-STATUS-PERIOD-MINIMUM-60", "EJ-STATUS-PERIOD-SECONDS"
)
def test_report_period_defaults_to_60_and_never_goes_below(check, status_feed, timers):
    """gateway-2.4 §4.1.2: "Period | Report period | 60 | N | >0:Report status according to the
    specified report period,the minimum value is 60,the unit is second".

    The url alone must give a push about 60 s later (the default); period=30 must give the next one
    no sooner than 60 s (the minimum) and within one period plus the network grace (seconds)."""
    least = MINIMUM_PERIOD * timers.scale * (1 - PERIOD_TOLERANCE)
    pushes = status_feed.pushes
    if not pushes:
        check.fail(f"no dev-status push after the url alone: {status_feed.problem}")
        return
    first = pushes[0].received_at - status_feed.url_set_at
    check.expect(
        first >= least,
        f"the url alone gave a dev-status after {first:.2f} s (the default period makes it >= {least:.2f} s)",
        requirement="EJ-STATUS-PERIOD-DEFAULT-60",
    )
    if len(pushes) < 2:
        check.fail(
            f"no dev-status push within {timers.status_push_wait:.1f} s of period={PERIOD_ASKED}",
            requirement=("EJ-STATUS-PERIOD-MINIMUM-60", "EJ-STATUS-PERIOD-SECONDS"),
        )
        return
    gap = pushes[1].received_at - status_feed.period_set_at
    check.expect(
        gap >= least,
        f"period={PERIOD_ASKED} gave a dev-status {gap:.2f} s later "
        f"(the minimum period makes it >= {least:.2f} s)",
        requirement="EJ-STATUS-PERIOD-MINIMUM-60",
    )
    check.expect(
        least <= gap <= timers.status_push_wait,
        f"period={PERIOD_ASKED} (60 s in effect) gave a dev-status {gap:.2f} s later",
        requirement="EJ-STATUS-PERIOD-SECONDS",
    )


@pytest.mark.requirement("EJ-STATUS-DEVSTATUS-EXPIRES")
def test_dev_status_expires_is_the_period(check, status_feed):
    """gateway-2.4 §4.1.3: "expires | Int | Dev-status sending period. | 180s | N"; §6.4.1: period=60
    gives "expires": 60 (erratum E-EJ-DEVSTATUS-EXPIRES-UNIT: 60000, milliseconds, is tolerated)."""
    if not status_feed.pushes:
        check.fail(f"no dev-status push: {status_feed.problem}")
        return
    for push in status_feed.pushes:
        expires = push.parsed.get("expires") if isinstance(push.parsed, dict) else None
        if expires == MINIMUM_PERIOD * 1000:
            check.non_strict(
                f"expires {expires} (milliseconds) for a 60 s period", errata=["E-EJ-DEVSTATUS-EXPIRES-UNIT"]
            )
        else:
            check.expect(
                expires == MINIMUM_PERIOD,
                f"dev-status #{push.id} expires {expires!r} while the period is 60 s",
            )


@pytest.mark.requirement(
    "EJ-STATUS-REPORT-URL-SET-BY-GET",
    "EJ-STATUS-PUSH-TRIGGERS",
    "EJ-STATUS-PORTSTATUS-ON-CHANGE",
    "EJ-STATUS-PORTSTATUS-ONE-PER-CHANGE",
    "EJ-STATUS-PORTSTATUS-TYPE",
    "EJ-STATUS-PORTSTATUS-SCHEMA",
    "EJ-STATUS-PORTSTATUS-CONTENT-TYPE",
    "EJ-STATUS-PORT-SEQ-INCREASES",
    "EJ-STATUS-PORT-ST-CODES",
    "EJ-STATUS-PORT-ST-NO-CODE-10",
)
def test_port_status_is_pushed_when_a_port_changes(  # noqa: PLR0917 (pytest fixtures)
    check, ejoin, conformance, receiver, timers, status_feed, restore
):
    """gateway-2.4 §4.1.4: "Any one port status changed, device will send 'port-status' message to
    server immediately." (sample: "type": "port-status"), "seq | Int | The port is incremented",
    "st | ... 12: User locked ...", "Parameter Content-Type in HTTP head should set to
    "application/json; charset=utf-8"".

    Locks a registered port that neither sends the suite's SMS nor owns a user's number and waits,
    for no longer than the network grace, for its port-status (st 12 User locked); unlocks it and
    waits for the next one (the card registers again): a push per change, seq growing."""
    data = ejoin.get_status().data
    numbers = set(conformance.phone_numbers)
    candidates = [
        port_number(e.get("port")) for e in _entries(data) if _st_code(e) == 3 and e.get("sn") not in numbers
    ]
    candidates = [p for p in candidates if p is not None]
    if len(candidates) < 2:
        check.skip("needs two registered ports (one to lock that the SMS checks do not use)")
    port = candidates[-1]
    restore.push(f"unlock port {port}", lambda: ejoin.command("unlock", str(port)))
    pushes: list[Any] = []
    for op in ("lock", "unlock"):
        mark = receiver.mark()
        ejoin.command(op, str(port))

        def this_change(m: Any, before: int | None = _st_code(pushes[-1].parsed) if pushes else 3) -> bool:
            """A push of the port's current card (locking reports every card of the port) whose st
            changed: from 3 Registered after lock, from the locked st after unlock."""
            parsed = m.parsed if isinstance(m.parsed, dict) else {}
            current = str(parsed.get("active", 1)) == "1"
            return port_number(parsed.get("port")) == port and current and _st_code(parsed) != before

        try:
            pushes.append(
                receiver.wait_for(
                    this_change,
                    type="port-status",
                    device=DEVICE,
                    after=mark,
                    timeout=timers.wait(0),
                )
            )
        except WaitTimeoutError:
            break
    if not pushes:
        check.fail(f"no port-status push for port {port} within {timers.wait(0):.1f} s of locking it")
        return
    check.expect(
        len(pushes) == 2,
        f"{len(pushes)} port-status pushes for port {port} after lock and unlock (one per change)",
        requirement="EJ-STATUS-PORTSTATUS-ONE-PER-CHANGE",
    )
    for push in pushes:
        check.attach_push(f"port-status #{push.id}", push.body)
        parsed = push.parsed if isinstance(push.parsed, dict) else {}
        check.expect(
            parsed.get("type") == "port-status",
            f"type {parsed.get('type')!r}",
            requirement="EJ-STATUS-PORTSTATUS-TYPE",
        )
        check.schema("ejoin/port-status.push", push.parsed, requirement="EJ-STATUS-PORTSTATUS-SCHEMA")
        check.expect(
            json_media_type(push.content_type),
            f"port-status pushed with Content-Type {push.content_type!r}",
            requirement="EJ-STATUS-PORTSTATUS-CONTENT-TYPE",
        )
    codes = [_st_code(p.parsed) if isinstance(p.parsed, dict) else None for p in pushes]
    check.expect(
        codes[0] == 12 and all(c in ST_CODES for c in codes),
        f"st codes {codes} after lock (want 12 User locked) and unlock",
        requirement="EJ-STATUS-PORT-ST-CODES",
    )
    check.expect(
        10 not in codes, f"st codes {codes}: 10 is no port status", requirement="EJ-STATUS-PORT-ST-NO-CODE-10"
    )
    seqs = [p.parsed.get("seq") if isinstance(p.parsed, dict) else None for p in pushes]
    check.expect(
        len(seqs) == 2 and all(_is_int(x) for x in seqs) and seqs[1] > seqs[0],
        f"port {port} port-status seq {seqs} (want integers, growing)",
        requirement="EJ-STATUS-PORT-SEQ-INCREASES",
    )


@pytest.mark.requirement("EJ-STATUS-PERIOD-ZERO-CANCELS")
def test_period_zero_cancels_the_reports(check, ejoin, receiver, timers, status_feed):
    """gateway-2.4 §4.1.2: "Period | ... 0:cancel status report".

    Sets period=0 and watches the receiver until well after the next report was due (1.25
    periods): no dev-status may arrive. The device is left without reporting: the API cannot read
    back the URL it had before the suite set its own (recorded as a fact of the certificate)."""
    resp = ejoin.get_status(period=0)
    check.fact(
        "status report URL",
        "set to the suite's receiver, then reporting cancelled (period=0): "
        "the previous URL cannot be read back",
    )
    mark = receiver.mark()
    window = MINIMUM_PERIOD * timers.scale * (1 + PERIOD_TOLERANCE)
    try:
        push = receiver.wait_for("dev-status", device=DEVICE, after=mark, timeout=window)
    except WaitTimeoutError:
        check.expect(resp.status == 200, f"period=0 answered HTTP {resp.status}")
        return
    check.attach_push(f"dev-status #{push.id}", push.body)
    check.fail(f"a dev-status arrived within {window:.1f} s of period=0")
