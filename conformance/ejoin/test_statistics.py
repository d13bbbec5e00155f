"""SMS and call statistics: goip_get_sms_stat.html (gateway-2.4 §9) and goip_get_call_stat.html (§10).

Every answer is graded against its schema; the checks read the counters of a running device and
compare them with each other (selection by ports/slots/type, windows, ratios), so they need no
traffic. Only the SMS counting check sends one SMS (destructive: it uses the SIM), to a number the
user owns; when that number is a SIM of the device, the received counter is checked too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from ejoin_support import json_media_type, poll_interval, port_number, wait_until

API_VERSION = "1.1"
#: Counters every window must contain at least as many of as a shorter one (§9.1.3, §10.1.3).
SMS_COUNTERS = ("received", "sent", "sent_ok", "sent_failed")
CALL_COUNTERS = ("calls", "alerted", "connected", "con_failed", "act_tcd")
NC_RE = re.compile(r"^(\d+)/(\d+)$")


@dataclass(frozen=True)
class Family:
    endpoint: str
    schema: str
    fields: tuple[str, ...]
    counters: tuple[str, ...]
    ids: str  # requirement id prefix


SMS = Family(
    "goip_get_sms_stat.html",
    "ejoin/goip_get_sms_stat.response",
    ("port", "slot", "received", "sent", "sent_ok", "sent_failed", "con_failed", "unsent", "sending"),
    SMS_COUNTERS,
    "EJ-STAT-SMS",
)
CALL = Family(
    "goip_get_call_stat.html",
    "ejoin/goip_get_call_stat.response",
    (
        "port",
        "slot",
        "calls",
        "alerted",
        "connected",
        "con_failed",
        "nc",
        "pdd",
        "acd",
        "asr",
        "tcd",
        "act_tcd",
    ),
    CALL_COUNTERS,
    "EJ-STAT-CALL",
)


def _stat(ejoin: Any, family: Family, **params: Any) -> Any:
    """One statistics query; parameters left out are not sent (their defaults are under test)."""
    return ejoin.get(family.endpoint, **{"version": API_VERSION, **params})


def _stats(resp: Any) -> list[dict[str, Any]]:
    data = resp.data
    stats = data.get("stats") if isinstance(data, dict) else None
    return [s for s in stats or [] if isinstance(s, dict)]


def _pairs(resp: Any) -> list[tuple[Any, Any]]:
    return [(s.get("port"), s.get("slot")) for s in _stats(resp)]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Layout:
    """Ports, slots per port and the current card of every port, as goip_get_status reports them."""

    ports: int
    slots: int
    active: dict[int, int]


def _slot_of(name: Any) -> int | None:
    """The slot of a port name: ``"3.02"`` -> 2, ``"3B"`` -> 2 (None when the name has no slot)."""
    text = str(name)
    match = re.match(r"^\d+\.(\d+)$", text) or re.match(r"^\d+([A-Za-z])$", text)
    if not match:
        return None
    slot = match.group(1)
    return int(slot) if slot.isdigit() else ord(slot.upper()) - ord("A") + 1


@pytest.fixture
def layout(ejoin, conformance) -> Layout:
    data = ejoin.get_status(all_slots=1).data
    data = data if isinstance(data, dict) else {}
    ports = data.get("max-ports") if _is_int(data.get("max-ports")) else conformance.declaration.ports
    raw_slots = data.get("max-slots", data.get("max-slot", conformance.declaration.slots or 1))
    slots = int(raw_slots) if str(raw_slots).isdigit() else 1
    active: dict[int, int] = {}
    for entry in data.get("status") or []:
        if isinstance(entry, dict) and entry.get("active") in (1, "1"):
            port, slot = port_number(entry.get("port")), _slot_of(entry.get("port"))
            if port is not None and slot is not None:
                active[port] = slot
    return Layout(int(ports or 0), slots, active)


# -- the answer -----------------------------------------------------------------------------------
def _answers_every_port_with_counters(check: Any, ejoin: Any, family: Family, layout: Layout) -> None:
    ids = family.ids
    resp = _stat(ejoin, family)  # no ports, no slots, no type: every default at once
    check.expect(
        resp.status == 200 and isinstance(resp.data, dict),
        f"GET {family.endpoint}: HTTP {resp.status}, {resp.json_error or 'a JSON object'}",
        requirement=f"{ids}-URL",
    )
    check.schema(family.schema, resp, requirement=f"{ids}-RESPONSE")
    data = resp.data if isinstance(resp.data, dict) else {}
    check.expect(
        data.get("code") == 200 and isinstance(data.get("reason"), str),
        f"code {data.get('code')!r}, reason {data.get('reason')!r} (want 200 and a reason)",
        requirement=f"{ids}-RESPONSE",
    )
    content_type = resp.headers.get("content-type")
    check.expect(
        json_media_type(content_type),
        f"Content-Type {content_type!r}",
        requirement=f"{ids}-CONTENT-TYPE",
    )
    stats = _stats(resp)
    check.expect(
        _is_int(data.get("count")) and data.get("count") == len(data.get("stats") or []),
        f"count {data.get('count')!r} for {len(data.get('stats') or [])} stats entries",
        requirement=f"{ids}-COUNT-MATCHES",
    )
    missing = sorted({f for s in stats for f in family.fields if f not in s})
    check.expect(
        bool(stats) and not missing,
        f"stats entries lack {missing}" if missing else "no stats entry",
        requirement=f"{ids}-FIELDS",
    )
    ports = sorted(p for p, _ in _pairs(resp) if _is_int(p))
    check.expect(
        ports == list(range(1, layout.ports + 1)),
        f"without ports the answer covers ports {ports[:40]} (want 1..{layout.ports}, each once)",
        requirement=f"{ids}-PORTS-DEFAULT-ALL",
    )
    wrong = {p: s for p, s in _pairs(resp) if p in layout.active and s != layout.active[p]}
    check.expect(
        bool(layout.active) and not wrong,
        f"without slots, ports report slots {dict(list(wrong.items())[:8])}; their current cards are "
        f"{ {p: layout.active[p] for p in list(wrong)[:8]} }"
        if wrong
        else "goip_get_status names no current card (active 1) to compare with",
        requirement=f"{ids}-SLOTS-DEFAULT-CURRENT",
    )


@pytest.mark.requirement(
    "EJ-STAT-SMS-URL",
    "EJ-STAT-SMS-RESPONSE",
    "EJ-STAT-SMS-CONTENT-TYPE",
    "EJ-STAT-SMS-COUNT-MATCHES",
    "EJ-STAT-SMS-FIELDS",
    "EJ-STAT-SMS-PORTS-DEFAULT-ALL",
    "EJ-STAT-SMS-SLOTS-DEFAULT-CURRENT",
)
def test_sms_stat_answers_every_port_with_its_counters(check, ejoin, layout):
    """gateway-2.4 §9.1.1: "The client can actively query the short message statistics of the device
    through the HTTP GET request"; §9.1.2: ports "Default all", slots "Do not specify: current card",
    type "Default 0"; §9.1.3: "Content-Type" is "application/json; charset=utf-8", "count | int |
    Number of statistical results", and every stat field (received, sent, sent_ok, sent_failed,
    con_failed, unsent, sending) "Required Y"."""
    _answers_every_port_with_counters(check, ejoin, SMS, layout)


@pytest.mark.requirement(
    "EJ-STAT-CALL-URL",
    "EJ-STAT-CALL-RESPONSE",
    "EJ-STAT-CALL-CONTENT-TYPE",
    "EJ-STAT-CALL-COUNT-MATCHES",
    "EJ-STAT-CALL-FIELDS",
    "EJ-STAT-CALL-PORTS-DEFAULT-ALL",
    "EJ-STAT-CALL-SLOTS-DEFAULT-CURRENT",
)
def test_call_stat_answers_every_port_with_its_counters(check, ejoin, layout):
    """gateway-2.4 §10.1.1: "The client can actively query the call statistics of the device through
    the HTTP GET request"; §10.1.2: ports "Default all", slots "Do not specify: current card";
    §10.1.3: "Content-Type" is "application/json; charset=utf-8", count, and every stat field
    (calls, alerted, connected, con_failed, nc, pdd, acd, asr, tcd, act_tcd) "Required Y"."""
    _answers_every_port_with_counters(check, ejoin, CALL, layout)


# -- ports and slots ------------------------------------------------------------------------------
def _selects_ports_and_slots(check: Any, ejoin: Any, family: Family, layout: Layout) -> None:
    ids = family.ids
    n, s = layout.ports, layout.slots
    some = [p for p in (1, 2, 4) if p <= n]
    port_list = "1-2,4" if n >= 4 else ",".join(str(p) for p in some)
    cases = [
        ("ports", {"ports": "all"}, {(p, layout.active.get(p)) for p in range(1, n + 1)}),
        ("ports", {"ports": str(min(2, n))}, {(min(2, n), layout.active.get(min(2, n)))}),
        ("ports", {"ports": port_list}, {(p, layout.active.get(p)) for p in some}),
        ("slots", {"ports": "1", "slots": "all"}, {(1, x) for x in range(1, s + 1)}),
        ("slots", {"ports": "1", "slots": str(min(2, s))}, {(1, min(2, s))}),
    ]
    if s >= 4:
        cases.append(("slots", {"ports": "1", "slots": "1-2,4"}, {(1, 1), (1, 2), (1, 4)}))
    for what, params, want in cases:
        resp = _stat(ejoin, family, **params)
        rid = f"{ids}-PORTS-SYNTAX" if what == "ports" else f"{ids}-SLOTS-SYNTAX"
        check.schema(family.schema, resp, requirement=rid)
        got = _pairs(resp)
        check.expect(
            len(got) == len(set(got)) and set(got) == want,
            f"{params} selected (port, slot) {sorted(got, key=str)[:12]}, want {sorted(want, key=str)[:12]}",
            requirement=rid,
        )
    resp = _stat(ejoin, family, ports="all", slots="all")
    got = _pairs(resp)
    want_all = {(p, x) for p in range(1, n + 1) for x in range(1, s + 1)}
    check.expect(
        len(got) == len(want_all) and set(got) == want_all,
        f"ports=all&slots=all gave {len(got)} entries ({len(set(got))} distinct pairs), want one per port "
        f"and slot numbered from 1: {n} x {s}; e.g. {sorted(got, key=str)[:6]}",
        requirement=f"{ids}-ONE-ENTRY-PER-PORT-SLOT",
    )


@pytest.mark.requirement(
    "EJ-STAT-SMS-PORTS-SYNTAX", "EJ-STAT-SMS-SLOTS-SYNTAX", "EJ-STAT-SMS-ONE-ENTRY-PER-PORT-SLOT"
)
def test_sms_stat_selects_the_ports_and_slots_asked_for(check, ejoin, layout):
    """gateway-2.4 §9.1.2: ports "1) all: all ports; 2) Specify a single port; 3) 1-2, 4: ... where
    "-" indicates a continuous port number"; slots "2) all: all card slots; 3) 2: Specify a single
    card slot; 4) 1-2, 4"; §9.1.3: "port | int | Port number (value from 1)", "slot | int | Slot
    number (value from 1)"."""
    _selects_ports_and_slots(check, ejoin, SMS, layout)


@pytest.mark.requirement(
    "EJ-STAT-CALL-PORTS-SYNTAX", "EJ-STAT-CALL-SLOTS-SYNTAX", "EJ-STAT-CALL-ONE-ENTRY-PER-PORT-SLOT"
)
def test_call_stat_selects_the_ports_and_slots_asked_for(check, ejoin, layout):
    """gateway-2.4 §10.1.2: ports "(1) all ... (2) 2: Specify a single port; (3) 1-2, 4"; slots
    "(2) all: all card slots; (3) 2 ...; (4) 1-2, 4"; §10.1.3: port and slot "value from 1"."""
    _selects_ports_and_slots(check, ejoin, CALL, layout)


# -- windows --------------------------------------------------------------------------------------
def _windows(check: Any, ejoin: Any, family: Family) -> None:
    ids = family.ids
    by_type: dict[int, dict[tuple[Any, Any], dict[str, Any]]] = {}
    for kind in (0, 1, 2, 3):  # shortest first: traffic during the reads only adds to later windows
        resp = _stat(ejoin, family, ports="all", slots="all", type=kind)
        check.schema(family.schema, resp, requirement=f"{ids}-TYPE-WINDOWS")
        data = resp.data if isinstance(resp.data, dict) else {}
        check.expect(
            resp.status == 200 and data.get("code") == 200,
            f"type={kind}: HTTP {resp.status}, code {data.get('code')!r} {data.get('reason')!r}",
            requirement=f"{ids}-TYPE-WINDOWS",
        )
        by_type[kind] = {(s.get("port"), s.get("slot")): s for s in _stats(resp)}
    default = {
        (s.get("port"), s.get("slot")): s for s in _stats(_stat(ejoin, family, ports="all", slots="all"))
    }
    check.expect(
        default.keys() == by_type[0].keys(),
        "without type the answer lists other entries than type=0",
        requirement=f"{ids}-TYPE-WINDOWS",
    )
    smaller = []  # (port, slot, counter, shorter window, value, longer window, value)
    for key, longest in by_type[3].items():
        for shorter, longer in ((0, 1), (1, 3), (2, 3)):
            a, b = by_type[shorter].get(key, {}), (by_type[longer].get(key, {}) if longer != 3 else longest)
            for counter in family.counters:
                x, y = a.get(counter), b.get(counter)
                if _is_int(x) and _is_int(y) and x > y:
                    smaller.append((*key, counter, shorter, x, longer, y))
    check.expect(
        not smaller,
        "a longer window counts less than a shorter one (port, slot, counter, type, value, type, value): "
        f"{smaller[:6]}",
        requirement=f"{ids}-WINDOWS-MONOTONIC",
    )


@pytest.mark.requirement("EJ-STAT-SMS-TYPE-WINDOWS", "EJ-STAT-SMS-WINDOWS-MONOTONIC")
def test_sms_stat_windows_nest(check, ejoin):
    """gateway-2.4 §9.1.2: "type | Statistic type ... 0: The last hour; 1: The last two hours; 2:
    today; 3: cumulative | 0": every type is answered, no type is type 0, and a longer window never
    counts fewer SMS than a shorter one it contains (the last hour within the last two hours, both
    and today within the cumulative counters)."""
    _windows(check, ejoin, SMS)


@pytest.mark.requirement("EJ-STAT-CALL-TYPE-WINDOWS", "EJ-STAT-CALL-WINDOWS-MONOTONIC")
def test_call_stat_windows_nest(check, ejoin):
    """gateway-2.4 §10.1.2: "type | statistic type ... (1) 0: The last hour; (2) 1: The last two
    hours; (3) 2: today; (4) 3: cumulative | 0": every type is answered and the windows nest."""
    _windows(check, ejoin, CALL)


# -- call ratios ----------------------------------------------------------------------------------
@pytest.mark.requirement("EJ-STAT-CALL-NC-RATIO", "EJ-STAT-CALL-ASR-PERCENT", "EJ-STAT-CALL-DURATION-UNITS")
def test_call_stat_ratios_and_durations_use_their_units(check, ejoin):
    """gateway-2.4 §10.1.3: "nc | string | No Carriers success ratio ("n/m"), the numerator n is the
    success number, and the denominator m is the total number"; "asr | int | ASR percentage value,
    for example, asr is 43, which is 43%"; "tcd | int | Cumulative call duration (minutes)";
    "act_tcd | int | (actual) actual cumulative call duration (seconds)".

    Reads the cumulative counters of every card: tcd must lie between act_tcd in whole minutes and
    act_tcd rounded up per connected call; asr must be the connected share of the calls."""
    resp = _stat(ejoin, CALL, ports="all", slots="all", type=3)
    stats = _stats(resp)
    if not stats:
        check.fail(f"no call statistics to read: {resp.json_error or resp.text[:200]}")
        return
    bad_nc, bad_asr, bad_dur = [], [], []
    for s in stats:
        where = f"{s.get('port')}.{s.get('slot')}"
        nc = s.get("nc")
        match = NC_RE.match(nc) if isinstance(nc, str) else None
        if not match or int(match.group(1)) > int(match.group(2)):
            bad_nc.append((where, nc))
        asr, calls, connected = s.get("asr"), s.get("calls"), s.get("connected")
        if not _is_int(asr) or not 0 <= asr <= 100:
            bad_asr.append((where, asr))
        elif _is_int(calls) and _is_int(connected) and calls > 0 and abs(asr - 100 * connected / calls) > 1:
            bad_asr.append((where, f"asr {asr} for {connected}/{calls} connected"))
        tcd, act = s.get("tcd"), s.get("act_tcd")
        if not _is_int(tcd) or not _is_int(act):
            bad_dur.append((where, tcd, act))
        elif not act // 60 <= tcd <= act / 60 + max(connected if _is_int(connected) else 0, 1):
            bad_dur.append((where, f"tcd {tcd} min for act_tcd {act} s over {connected} calls"))
    check.expect(not bad_nc, f'nc not "n/m" with n <= m: {bad_nc[:6]}', requirement="EJ-STAT-CALL-NC-RATIO")
    check.expect(
        not bad_asr,
        f"asr not a percentage of connected calls: {bad_asr[:6]}",
        requirement="EJ-STAT-CALL-ASR-PERCENT",
    )
    check.expect(
        not bad_dur,
        f"tcd (minutes) does not match act_tcd (seconds): {bad_dur[:6]}",
        requirement="EJ-STAT-CALL-DURATION-UNITS",
    )
    talked = sum(s["act_tcd"] for s in stats if _is_int(s.get("act_tcd")))
    check.fact("call seconds on record", talked)


# -- counting -------------------------------------------------------------------------------------
def _counters(ejoin: Any, port: int, slot: int | None = None) -> dict[str, Any] | None:
    resp = _stat(ejoin, SMS, ports=str(port), type=3, **({"slots": str(slot)} if slot else {}))
    stats = _stats(resp)
    return stats[0] if len(stats) == 1 else None


def _grew(before: dict[str, Any] | None, now: dict[str, Any] | None, counter: str) -> int:
    if not before or not now or not _is_int(before.get(counter)) or not _is_int(now.get(counter)):
        return 0
    return int(now[counter]) - int(before[counter])


@pytest.mark.requirement("EJ-STAT-SMS-SENT-COUNTS", "EJ-STAT-SMS-RECEIVED-COUNTS")
def test_sms_stat_counts_a_sent_and_a_received_sms(check, ejoin, sms_tasks, timers):
    """gateway-2.4 §9.1.3: "sent | int | Number of SMS sent", "sent_ok | int | Number of successful
    SMS sent", "sent_failed | int | Number of failed SMS sent", "received | int | Number of SMS
    received".

    Sends one SMS from the sending port to the user's first number and reads the cumulative
    counters of that port until sent grows: sent must grow by as much as sent_ok and sent_failed
    together. When the number is a SIM of this device, its card's received counter must grow too."""
    port = sms_tasks.port
    recipient = sms_tasks.numbers[0]
    card = next(
        (
            (port_number(e.get("port")), _slot_of(e.get("port")))
            for e in (ejoin.get_status(all_slots=1).data or {}).get("status") or []
            if isinstance(e, dict) and e.get("sn") == recipient
        ),
        None,
    )
    before = _counters(ejoin, port)
    before_rx = _counters(ejoin, card[0], card[1]) if card and card[0] else None
    resp = ejoin.post_sms([sms_tasks.task()])
    check.expect(
        resp.status == 200, f"goip_post_sms: HTTP {resp.status}", requirement="EJ-STAT-SMS-SENT-COUNTS"
    )
    wait = timers.wait(timers.send_timeout)
    now = wait_until(
        lambda: (c := _counters(ejoin, port)) and _grew(before, c, "sent") > 0 and c,
        wait,
        poll_interval(timers),
    )
    sent = _grew(before, now, "sent")
    outcome = _grew(before, now, "sent_ok") + _grew(before, now, "sent_failed")
    check.expect(
        sent >= 1 and outcome == sent,
        f"port {port}: sent grew by {sent} within {wait:.1f} s, sent_ok + sent_failed by {outcome} "
        f"(before {before}, after {now})",
        requirement="EJ-STAT-SMS-SENT-COUNTS",
    )
    if not card or not card[0]:
        check.skip(f"the recipient {recipient} is no SIM of this device: its received counter is not visible")
    after_rx = wait_until(
        lambda: (c := _counters(ejoin, card[0], card[1])) and _grew(before_rx, c, "received") > 0 and c,
        wait,
        poll_interval(timers),
    )
    check.expect(
        _grew(before_rx, after_rx, "received") >= 1,
        f"card {card[0]}.{card[1] or 1:02d} (the recipient's SIM): received did not grow within {wait:.1f} s "
        f"(before {before_rx}, after {after_rx})",
        requirement="EJ-STAT-SMS-RECEIVED-COUNTS",
    )
