"""get_port_info and set_port_info (dinstar-uc-1.2 §10, §11, §18): every info_type and its values,
the port filter, the actions and their parameters, and call forwarding.

The actions that change a port (slot, reset, power, imei, number, lock, unlock, block) run only with
--allow-destructive, on a spare port (not the SMS exchange's, not the user's SIMs), and undo what they
change; call forwarding is set only on the user's own SIM port, to the user's own number, and
cancelled after. lock/unlock need the spare SIM's PIN: ``SMSGW_SIM_PIN`` (sent once per action, never
recorded: a wrong PIN counts toward the PUK), or on this project's emulator the PIN the suite gives
that SIM through its control API."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

from dinstar.conftest import emulator_control
from dinstar.dinstar_support import (
    INFO_TYPES,
    REMAIN_TYPES,
    answered,
    describe,
    entries,
    poll_interval,
    wait_until,
)

TYPES = ("GSM", "CDMA", "WCDMA", "LTE", "UNKNOWN")
REGS = (
    "POWER_OFF",
    "NO_SIM",
    "PIN_REQUIRE",
    "PUK_REQUIRE",
    "UNREGISTER",
    "SEARCHING_NETWORK",
    "REGISTER_OK",
    "UNKNOWN",
)
CALLSTATES = (
    "Idle",
    "Processing",
    "Ringing",
    "Active",
    "Alerting",
    "Call Waiting",
    "Call holding",
    "Unknown",
)
EXAMPLE_KEYS = {
    "remain_daily_calltime": "remain_daily_call_time",
    "remain_hourly_calltime": "remain_hourly_call_time",
    "remain_daily_connect": "remain_daily_connected",
}
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
#: the PIN the suite gives the spare SIM of this project's emulator (a real SIM's: SMSGW_SIM_PIN)
EMULATOR_PIN = "2580"
#: other spellings of documented actions (E-DS-SETPORT-ACTION-CASE), each harmless should a gateway
#: take it: the module is on already, the SIM is not blocked, a check only reads the forwards
MISSPELLED_ACTIONS = (("Power", "on"), ("POWER", "on"), ("Unblock", None), ("checkcallforward", None))


def _info(dinstar, port: int, *types: str) -> dict:
    found = [
        e for e in entries(dinstar.get_port_info(list(types), port=[port]), "info") if e.get("port") == port
    ]
    return found[0] if found else {}


def _wait_reg(dinstar, port: int, timers, want) -> str | None:
    """Poll the port's reg until ``want(reg)`` (the module needs a while to register)."""
    last: list = [None]

    def reached():
        last[0] = _info(dinstar, port, "reg").get("reg")
        return want(last[0])

    wait_until(reached, timers.wait(timers.send_timeout), poll_interval(timers))
    return last[0]


# -- get_port_info (§10) --------------------------------------------------------------------------
@pytest.mark.requirement("DS-PORTINFO-SCHEMA", "DS-PORTINFO-KEYS-AS-ASKED")
def test_port_info_answers_every_asked_type(check, dinstar):
    """§10.3: "Each piece of port information is returned according to the query request": port and
    every info_type asked, under its name."""
    resp = dinstar.get_port_info(list(INFO_TYPES))
    check.attach_json("get_port_info", resp.data)
    check.schema("dinstar/get_port_info.response", resp, requirement="DS-PORTINFO-SCHEMA")
    info = entries(resp, "info")
    missing = [(e.get("port"), t) for e in info for t in INFO_TYPES if t not in e]
    check.expect(
        bool(info) and not missing,
        f"missing keys (port, info_type): {missing[:6]}",
        requirement="DS-PORTINFO-KEYS-AS-ASKED",
    )


@pytest.mark.requirement("DS-PORTINFO-INFO-TYPE-REQUIRED")
def test_info_type_is_required(check, dinstar):
    """§10.2: "Required Parameter: info_type"; §10.3 "400: Request format is not valid"."""
    resp = dinstar.get_port_info(None, port=[0])
    check.expect(answered(resp, 400), f"get_port_info without info_type: {describe(resp)}")


@pytest.mark.requirement("DS-PORTINFO-UNKNOWN-INFO-TYPE-400")
def test_unknown_info_type_is_refused(check, dinstar):
    """§10.2: "info_type: each string could be any of the following strings: type, imei, imsi, ...";
    another name is a malformed request (400)."""
    resp = dinstar.get_port_info(["imei", "horoscope"], port=[0])
    check.expect(answered(resp, 400), f"info_type=imei,horoscope: {describe(resp)}")


@pytest.mark.requirement("DS-PORTINFO-PORT-FILTER")
def test_port_selects_the_ports_answered(check, dinstar, port_table):
    """§10.2: "Optional Parameter: port: Port(s) whose information is to be queried" - without it
    every port is answered."""
    ports = sorted(e["port"] for e in port_table if isinstance(e.get("port"), int))
    check.expect(len(ports) >= 1, "get_port_info without port answered no port")
    if len(ports) >= 2:
        resp = dinstar.get_port_info(["imei"], port=[ports[1]])
        got = [e.get("port") for e in entries(resp, "info")]
        check.expect(got == [ports[1]], f"port [{ports[1]}] answered ports {got}")


@pytest.mark.requirement(
    "DS-PORTINFO-TYPE-VALUES",
    "DS-PORTINFO-REG-VALUES",
    "DS-PORTINFO-CALLSTATE-VALUES",
    "DS-PORTINFO-SIGNAL-RANGE",
    "DS-PORTINFO-GPRS-VALUES",
    "DS-PORTINFO-SLOT-VALUES",
)
def test_port_info_values_are_documented(check, port_table, conformance):
    """§10.3: type GSM, CDMA, WCDMA, LTE or UNKNOWN; reg one of eight states; callstate Idle,
    Processing, Ringing, Active, Alerting, Call Waiting, Call holding or Unknown; signal 0-31; gprs
    attached or detached; slot 0-3 on a multi-SIM gateway, 255 otherwise."""
    if not port_table:
        check.fail("get_port_info answered no port")
        return
    multi = conformance.declaration.claims("multi-slot")
    for e in port_table:
        port = e.get("port")
        check.expect(
            e.get("type") in TYPES,
            f"port {port} type {e.get('type')!r}",
            requirement="DS-PORTINFO-TYPE-VALUES",
        )
        check.expect(
            e.get("reg") in REGS, f"port {port} reg {e.get('reg')!r}", requirement="DS-PORTINFO-REG-VALUES"
        )
        check.expect(
            e.get("callstate") in CALLSTATES,
            f"port {port} callstate {e.get('callstate')!r}",
            requirement="DS-PORTINFO-CALLSTATE-VALUES",
        )
        signal = e.get("signal")
        check.expect(
            isinstance(signal, int) and not isinstance(signal, bool) and 0 <= signal <= 31,
            f"port {port} signal {signal!r}",
            requirement="DS-PORTINFO-SIGNAL-RANGE",
        )
        check.expect(
            e.get("gprs") in ("attached", "detached"),
            f"port {port} gprs {e.get('gprs')!r}",
            requirement="DS-PORTINFO-GPRS-VALUES",
        )
        slot = e.get("slot")
        ok = (
            isinstance(slot, int)
            and not isinstance(slot, bool)
            and (0 <= slot <= 3 if multi else slot == 255)
        )
        check.expect(
            ok,
            f"port {port} slot {slot!r} ({'multi' if multi else 'single'}-SIM declared)",
            requirement="DS-PORTINFO-SLOT-VALUES",
        )


@pytest.mark.requirement("DS-PORTINFO-SIM-IDS")
def test_sim_identities_are_reported(check, port_table):
    """§10.3: "imei: IMEI of this port; imsi / iccid: of the SIM card inserted into this port; number:
    the mobile number"; a registered SIM has an IMSI and ICCID, a port without SIM answers them empty."""
    for e in port_table:
        port, reg = e.get("port"), e.get("reg")
        imei = e.get("imei")
        check.expect(
            isinstance(imei, str) and imei.isdigit() and len(imei) in (14, 15, 16),
            f"port {port} imei {imei!r}",
        )
        if reg == "REGISTER_OK":
            check.expect(
                bool(e.get("imsi")) and bool(e.get("iccid")),
                f"port {port} registered without imsi/iccid: {e.get('imsi')!r}/{e.get('iccid')!r}",
            )
        check.expect(
            all(isinstance(e.get(k), str) for k in ("imsi", "iccid", "number")),
            f"port {port}: imsi, iccid and number are not strings: {e}",
        )


@pytest.mark.requirement("DS-PORTINFO-NO-SIM-CONSISTENT")
def test_port_without_sim_answers_empty_imsi_and_iccid(  # noqa: PLR0917 - fixtures by name
    check, request, dinstar, port_table, conformance, restore, timers
):
    """§10.4: {"port":1, ..., "imsi":"", "iccid":"", ..., "reg":"NO_SIM"}: a port without SIM reports
    no SIM identity. Reads the ports the gateway reports NO_SIM; when it has none and the target is
    this project's emulator, the spare port's SIM is taken out (control API) and put back after."""
    empty = [e["port"] for e in port_table if e.get("reg") == "NO_SIM" and isinstance(e.get("port"), int)]
    taken_out = None
    if not empty:
        try:
            port = request.getfixturevalue("spare_port")
        except pytest.skip.Exception:
            port = None
        sim = _info(dinstar, port, "imsi", "iccid", "number") if port is not None else {}
        if port is not None and emulator_control(conformance, "sim", {"port": port, "present": False}):
            restore.push(
                f"SIM back into port {port}", lambda: _reinsert(conformance, dinstar, port, sim, timers)
            )
            empty, taken_out = [port], port
    if not empty:
        check.skip("every port has a SIM: take one out to check what a port without SIM answers")
    resp = dinstar.get_port_info(["imsi", "iccid", "reg"], port=empty)
    info = {e.get("port"): e for e in entries(resp, "info")}
    for port in empty:
        e = info.get(port, {})
        check.expect(
            e.get("reg") != "NO_SIM" or (e.get("imsi") == "" and e.get("iccid") == ""),
            f"port {port} reg NO_SIM with imsi {e.get('imsi')!r}, iccid {e.get('iccid')!r}",
        )
    if taken_out is not None:
        reg = info.get(taken_out, {}).get("reg")
        check.expect(reg == "NO_SIM", f"port {taken_out}'s SIM was taken out, it reports reg {reg!r}")


def _reinsert(conformance, dinstar, port: int, sim: dict[str, Any], timers) -> None:
    body = {k: sim[k] for k in ("imsi", "iccid", "number") if isinstance(sim.get(k), str)}
    emulator_control(conformance, "sim", {"port": port, "present": True, **body})
    _wait_reg(dinstar, port, timers, lambda r: r == "REGISTER_OK")


@pytest.mark.requirement("DS-PORTINFO-REMAIN-LIMITS")
def test_remaining_limits_are_decimal_strings(check, dinstar):
    """§10.2/§10.3: remain_credit, remain_monthly_credit, remain_daily_credit, remain_daily_calltime,
    remain_hourly_calltime, remain_daily_connect (the §10.4 example spells three of them otherwise:
    E-DS-PORTINFO-REMAIN-KEY-SPELLING)."""
    resp = dinstar.get_port_info(list(REMAIN_TYPES))
    info = entries(resp, "info")
    check.expect(bool(info), f"get_port_info remain_*: {describe(resp)}")
    spelled = set()
    for e in info:
        for key in REMAIN_TYPES:
            value = e.get(key)
            if value is None and EXAMPLE_KEYS.get(key) in e:
                value = e[EXAMPLE_KEYS[key]]
                spelled.add(EXAMPLE_KEYS[key])
            check.expect(
                isinstance(value, str) and bool(DECIMAL.match(value)), f"port {e.get('port')} {key} {value!r}"
            )
    if spelled:
        check.non_strict(
            f"the §10.4 example's key spelling: {sorted(spelled)}",
            errata=["E-DS-PORTINFO-REMAIN-KEY-SPELLING"],
        )


# -- set_port_info (§11) --------------------------------------------------------------------------
@pytest.mark.requirement("DS-SETPORT-SCHEMA", "DS-SETPORT-UNKNOWN-ACTION-400")
def test_unknown_action_is_refused(check, dinstar):
    """§11.1/§11.3: GET set_port_info answers error_code (200, 400, 500) and sn; "400: Request format
    is not valid"."""
    resp = dinstar.set_port_info(0, "selfdestruct")
    check.schema("dinstar/set_port_info.response", resp, requirement="DS-SETPORT-SCHEMA")
    check.expect(
        answered(resp, 400),
        f"action=selfdestruct: {describe(resp)}",
        requirement="DS-SETPORT-UNKNOWN-ACTION-400",
    )


@pytest.mark.requirement("DS-SETPORT-ACTION-NAMES")
def test_actions_are_the_documented_names_spelled_so(check, dinstar, port_table, sending_port):
    """§11.2: "Action could be slot, reset or power ... imei ... number ... lock ... unlock ... block
    ... unblock ... CallForward ... CheckCallForward"; the capitalised "Slot:", "Reset:", "Power:"
    begin description lines (E-DS-SETPORT-ACTION-CASE: the names are spelled exactly so). power=on
    of a module that is on is accepted; the same names spelled otherwise are refused like any unknown
    action (400)."""
    on = [e["port"] for e in port_table if isinstance(e.get("port"), int) and e.get("reg") != "POWER_OFF"]
    port = next((p for p in reversed(on) if p != sending_port), on[0] if on else 0)
    resp = dinstar.set_port_info(port, "power", "on")
    check.expect(answered(resp, 200), f"port {port} action=power param=on: {describe(resp)}")
    for action, param in MISSPELLED_ACTIONS:
        resp = dinstar.set_port_info(port, action, param)
        check.expect(
            answered(resp, 400),
            f"port {port} action={action}{f' param={param}' if param else ''}: {describe(resp)}",
        )


@pytest.mark.requirement(
    "DS-SETPORT-PORT-REQUIRED-400", "DS-SETPORT-PARAM-WHERE-NEEDED", "DS-SETPORT-POWER-PARAM-400"
)
def test_set_port_info_parameters_are_checked(check, dinstar):
    """§11.2: "Required Parameter: port"; "Power: could be "on" or "off""; param is needed by slot,
    power, imei, number, lock, unlock and CallForward. Every request here is refused before it acts."""
    for port, action, param, req, what in (
        (None, "reset", None, "DS-SETPORT-PORT-REQUIRED-400", "reset without port"),
        (0, "power", None, "DS-SETPORT-PARAM-WHERE-NEEDED", "power without param"),
        (0, "imei", None, "DS-SETPORT-PARAM-WHERE-NEEDED", "imei without param"),
        (0, "power", "maybe", "DS-SETPORT-POWER-PARAM-400", "power param=maybe"),
    ):
        resp = dinstar.set_port_info(port, action, param)
        check.expect(answered(resp, 400), f"set_port_info {what}: {describe(resp)}", requirement=req)


@pytest.mark.requirement("DS-SETPORT-SLOT-RANGE-400")
def test_slot_outside_0_to_3_is_refused(check, dinstar):
    """§11.2: "param: slot of this port, ranging from 0 to 3"; §11.3 "400"."""
    resp = dinstar.set_port_info(0, "slot", "4")
    check.expect(answered(resp, 400), f"action=slot param=4: {describe(resp)}")


@pytest.mark.requirement("DS-SETPORT-SLOT")
def test_slot_switch_is_reported(check, dinstar, spare_port, restore, timers):
    """§11.2: "Slot: choose a slot ... param: slot of this port, ranging from 0 to 3", which
    get_port_info then reports (§10.3 slot)."""
    before = _info(dinstar, spare_port, "slot").get("slot")
    if not isinstance(before, int) or before == 255:
        check.fail(f"port {spare_port} reports slot {before!r}")
        return
    target = 1 if before != 1 else 0
    restore.push(
        f"slot {before} on port {spare_port}", lambda: dinstar.set_port_info(spare_port, "slot", str(before))
    )
    resp = dinstar.set_port_info(spare_port, "slot", str(target))
    check.expect(answered(resp, 200), f"action=slot param={target}: {describe(resp)}")
    got = wait_until(
        lambda: _info(dinstar, spare_port, "slot").get("slot") == target,
        timers.wait(timers.send_timeout / 4),
        poll_interval(timers),
    )
    check.expect(
        bool(got),
        f"after action=slot param={target} port {spare_port} reports slot "
        f"{_info(dinstar, spare_port, 'slot').get('slot')!r}",
    )


@pytest.mark.requirement("DS-SETPORT-RESET")
def test_reset_restarts_the_module(check, dinstar, spare_port, timers):
    """§11.2: "Reset: reset the gsm/cdma/wcdma module": answered 200, and the module registers again."""
    resp = dinstar.set_port_info(spare_port, "reset")
    check.expect(answered(resp, 200), f"action=reset: {describe(resp)}")
    reg = _wait_reg(dinstar, spare_port, timers, lambda r: r == "REGISTER_OK")
    check.expect(reg == "REGISTER_OK", f"after reset port {spare_port} stays {reg!r}")


@pytest.mark.requirement("DS-SETPORT-POWER-OFF", "DS-SETPORT-POWER-ON")
def test_power_off_and_on(check, dinstar, spare_port, restore, timers):
    """§11.2: "Power: turn on or turn off the gsm/cdma/wcdma module; param could be "on" or "off"";
    off: reg POWER_OFF (§10.3); on: the module registers again."""
    restore.push(f"power on port {spare_port}", lambda: dinstar.set_port_info(spare_port, "power", "on"))
    off = dinstar.set_port_info(spare_port, "power", "off")
    check.expect(answered(off, 200), f"power off: {describe(off)}", requirement="DS-SETPORT-POWER-OFF")
    reg = _wait_reg(dinstar, spare_port, timers, lambda r: r == "POWER_OFF")
    check.expect(
        reg == "POWER_OFF",
        f"after power off port {spare_port} reg {reg!r}",
        requirement="DS-SETPORT-POWER-OFF",
    )
    on = dinstar.set_port_info(spare_port, "power", "on")
    check.expect(answered(on, 200), f"power on: {describe(on)}", requirement="DS-SETPORT-POWER-ON")
    reg = _wait_reg(dinstar, spare_port, timers, lambda r: r == "REGISTER_OK")
    check.expect(
        reg == "REGISTER_OK",
        f"after power on port {spare_port} reg {reg!r}",
        requirement="DS-SETPORT-POWER-ON",
    )


@pytest.mark.requirement("DS-SETPORT-IMEI")
def test_imei_is_set(check, dinstar, spare_port, restore):
    """§11.2: "imei: to modify IMEI, param should be IMEI", which get_port_info then reports. The
    original IMEI is written back."""
    before = _info(dinstar, spare_port, "imei").get("imei")
    if not isinstance(before, str) or not before.isdigit():
        check.fail(f"port {spare_port} imei {before!r}")
        return
    new = before[:-1] + str((int(before[-1]) + 1) % 10)
    restore.push(
        f"imei {before} on port {spare_port}", lambda: dinstar.set_port_info(spare_port, "imei", before)
    )
    resp = dinstar.set_port_info(spare_port, "imei", new)
    check.expect(answered(resp, 200), f"action=imei: {describe(resp)}")
    got = _info(dinstar, spare_port, "imei").get("imei")
    check.expect(got == new, f"after action=imei param={new} get_port_info says {got!r}")


@pytest.mark.requirement("DS-SETPORT-NUMBER")
def test_sim_number_is_set(check, dinstar, spare_port, restore):
    """§11.2: "number: to modify number in SIM, param should be phone number" (§10.3 number). The
    original number is written back."""
    before = _info(dinstar, spare_port, "number").get("number")
    if not isinstance(before, str) or not before:
        check.skip(f"port {spare_port}'s SIM has no number to restore afterwards")
    new = before[:-1] + str((int(before[-1]) + 1) % 10) if before[-1].isdigit() else before + "0"
    restore.push(f"number on port {spare_port}", lambda: dinstar.set_port_info(spare_port, "number", before))
    resp = dinstar.set_port_info(spare_port, "number", new)
    check.expect(answered(resp, 200), f"action=number: {describe(resp)}")
    got = _info(dinstar, spare_port, "number").get("number")
    check.expect(got == new, f"after action=number param={new} get_port_info says {got!r}")


def _sim_pin(conformance, port: int) -> str | None:
    """The spare SIM's PIN: SMSGW_SIM_PIN, else the one the suite gives the emulator's SIM."""
    pin = os.environ.get("SMSGW_SIM_PIN", "").strip()
    if pin:
        return pin
    return EMULATOR_PIN if emulator_control(conformance, "sim", {"port": port, "pin": EMULATOR_PIN}) else None


@pytest.mark.requirement("DS-SETPORT-LOCK", "DS-SETPORT-UNLOCK")
def test_sim_lock_and_unlock_with_its_pin(  # noqa: PLR0917 - fixtures by name
    check, dinstar, conformance, spare_port, restore, timers
):
    """§11.2: "lock: to lock SIM card, param should be PIN of the SIM; unlock: to unlock SIM card,
    param should be PIN of the SIM": both answered 200, and after unlock the SIM registers again. The
    requests carrying the PIN are made by a client whose exchanges are not recorded (a summary without
    the PIN is attached); unlock is also the undo."""
    pin = _sim_pin(conformance, spare_port)
    if pin is None:
        check.skip(
            f"no PIN for the SIM in port {spare_port}: export SMSGW_SIM_PIN (it is sent once per action)"
        )
    from smsgw.client.dinstar import DinstarClient

    quiet = DinstarClient(
        conformance.target, conformance.username, conformance.password.reveal(), timeout=conformance.timeout
    )
    restore.push("close the PIN client", quiet.close)
    restore.push(f"unlock port {spare_port}", lambda: quiet.set_port_info(spare_port, "unlock", pin))
    lock = quiet.set_port_info(spare_port, "lock", pin)
    locked_reg = _info(dinstar, spare_port, "reg").get("reg")
    unlock = quiet.set_port_info(spare_port, "unlock", pin) if answered(lock, 200) else None
    reg = _wait_reg(dinstar, spare_port, timers, lambda r: r == "REGISTER_OK") if unlock else None
    check.attach(
        "set_port_info lock/unlock (PIN not shown)",
        f"port {spare_port}: lock -> {describe(lock)}; then reg {locked_reg!r}; "
        f"unlock -> {describe(unlock) if unlock else 'not sent'}; then reg {reg!r}",
    )
    check.schema("dinstar/set_port_info.response", lock, requirement="DS-SETPORT-LOCK")
    check.expect(
        answered(lock, 200),
        f"action=lock with the SIM's PIN: {describe(lock)}",
        requirement="DS-SETPORT-LOCK",
    )
    if unlock is None:
        check.fail("not unlocked: the lock was refused", requirement="DS-SETPORT-UNLOCK")
        return
    check.expect(
        answered(unlock, 200),
        f"action=unlock with the SIM's PIN: {describe(unlock)}",
        requirement="DS-SETPORT-UNLOCK",
    )
    check.expect(
        reg == "REGISTER_OK",
        f"after lock and unlock port {spare_port} reg {reg!r} (after lock: {locked_reg!r})",
        requirement="DS-SETPORT-UNLOCK",
    )


@pytest.mark.requirement("DS-SETPORT-BLOCK")
def test_sim_block_takes_it_out_of_service_and_unblock_back(check, dinstar, spare_port, restore, timers):
    """§11.2: "block: block SIM; unblock: unblock SIM": a blocked SIM is out of service (the port is no
    longer REGISTER_OK); unblocked, it registers again. unblock is also the undo."""
    restore.push(f"unblock port {spare_port}", lambda: dinstar.set_port_info(spare_port, "unblock"))
    block = dinstar.set_port_info(spare_port, "block")
    check.schema("dinstar/set_port_info.response", block)
    check.expect(answered(block, 200), f"action=block: {describe(block)}")
    reg = _wait_reg(dinstar, spare_port, timers, lambda r: r is not None and r != "REGISTER_OK")
    check.expect(reg not in (None, "REGISTER_OK"), f"after action=block port {spare_port} stays {reg!r}")
    unblock = dinstar.set_port_info(spare_port, "unblock")
    check.expect(answered(unblock, 200), f"action=unblock: {describe(unblock)}")
    reg = _wait_reg(dinstar, spare_port, timers, lambda r: r == "REGISTER_OK")
    check.expect(reg == "REGISTER_OK", f"after action=unblock port {spare_port} reg {reg!r}")


# -- call forwarding (§18) -------------------------------------------------------------------------
def _forwarding(dinstar, port: int) -> tuple[dict | None, object]:
    resp = dinstar.get_port_info(["CallForward"], port=[port])
    info = [e for e in entries(resp, "info") if e.get("port") == port]
    value = info[0].get("CallForwarding") if info else None
    return (value if isinstance(value, dict) else None), resp


@pytest.mark.requirement("DS-CALLFWD-READ")
def test_call_forward_is_read_as_call_forwarding(check, dinstar, own_port):
    """§18.5/§18.6: info_type "CallForward" answers {"port": 8, "CallForwarding": {...}}."""
    value, resp = _forwarding(dinstar, own_port)
    check.schema("dinstar/get_port_info.response", resp)
    check.expect(value is not None, f"info_type=CallForward: {describe(resp)}")


@pytest.mark.requirement("DS-CALLFWD-CONDITIONS")
def test_unknown_forward_condition_is_refused(check, dinstar, own_port, phone_numbers):
    """§18.2: "param: Could be like Unconditional, NoReply, Busy, Not_Reachable, CancelAll"; another
    condition is refused (nothing is set)."""
    resp = dinstar.set_port_info(own_port, "CallForward", "WhenItRains", number=phone_numbers[0])
    check.expect(answered(resp, 400), f"CallForward param=WhenItRains: {describe(resp)}")


@pytest.mark.requirement(
    "DS-CALLFWD-SET", "DS-CALLFWD-CHECK", "DS-CALLFWD-READ-BACK", "DS-CALLFWD-CANCEL-ALL"
)
def test_call_forward_set_check_read_and_cancel(check, dinstar, own_port, phone_numbers, restore):
    """§18.7: "1. Set call forward ... 2. Send checking command ... 3. Get result:
    {"CallForwarding":{"Unconditional":"15013828917"}}"; §18.2 CancelAll removes every forward.
    Forwards the user's own SIM to the user's own number, then cancels (also on failure)."""
    number = phone_numbers[-1]
    restore.push(
        f"CancelAll on port {own_port}", lambda: dinstar.set_port_info(own_port, "CallForward", "CancelAll")
    )
    set_ = dinstar.set_port_info(own_port, "CallForward", "Unconditional", number=number)
    check.expect(
        answered(set_, 200), f"CallForward Unconditional: {describe(set_)}", requirement="DS-CALLFWD-SET"
    )
    checked = dinstar.set_port_info(own_port, "CheckCallForward")
    check.expect(
        answered(checked, 200), f"CheckCallForward: {describe(checked)}", requirement="DS-CALLFWD-CHECK"
    )
    value, _ = _forwarding(dinstar, own_port)
    check.expect(
        (value or {}).get("Unconditional") == number,
        f"after set and check, CallForwarding is {value!r}",
        requirement=("DS-CALLFWD-SET", "DS-CALLFWD-CHECK", "DS-CALLFWD-READ-BACK"),
    )
    cancel = dinstar.set_port_info(own_port, "CallForward", "CancelAll")
    dinstar.set_port_info(own_port, "CheckCallForward")
    value, _resp = _forwarding(dinstar, own_port)
    check.expect(
        answered(cancel, 200) and value == {},
        f"after CancelAll and check, CallForwarding is {value!r}",
        requirement="DS-CALLFWD-CANCEL-ALL",
    )
