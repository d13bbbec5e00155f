"""Port endpoints of the Dinstar gateway: get_port_info (§10, §18), set_port_info (§11, §18),
send_ussd (§7), query_ussd_reply (§8), get_cdr (§12) and STK (§13-§15)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from smsgw.emulator import ports as P
from smsgw.emulator.dinstar.common import BadRequest, as_int, as_int_list, as_str_list, opt_str, parse_time
from smsgw.emulator.faults import defect, quirk
from smsgw.emulator.messages import Request, Response
from smsgw.emulator.ports import Slot

if TYPE_CHECKING:
    from smsgw.emulator.dinstar.device import DinstarDevice

Q_PORT_INFO_EXAMPLE_KEYS = quirk(
    "quirk.dinstar-port-info-example-keys",
    "get_port_info spells remain_daily_call_time, remain_hourly_call_time, remain_daily_connected"
    " (the §10.4 example)",
    erratum="E-DS-PORTINFO-REMAIN-KEY-SPELLING",
)
Q_REGISTER_NULL = quirk(
    "quirk.dinstar-register-null-text",
    'register "down" pushes write an absent iccid/imsi as "<NULL>" (§17 example)',
    erratum="E-DS-REGISTER-NULL-TEXT",
)
Q_STK_INPUT_TYPE_STRING = quirk(
    "quirk.dinstar-stk-input-type-string",
    'GetSTKView input_type is a string ("2", the §13.4 example)',
    erratum="E-DS-STK-INPUT-TYPE-STRING",
)
Q_USSD_KEY_CASE = quirk(
    "quirk.dinstar-ussd-result-key-case",
    "send_ussd result entries spell Port and Status (the §7.3 table)",
    erratum="E-DS-USSD-RESULT-KEY-CASE",
)
D_USSD_STATUS_WRONG = defect(
    "defect.dinstar-ussd-unregistered-200",
    "send_ussd reports 200 for a port that is not registered (not 503)",
)
D_USSD_BUSY_IGNORED = defect(
    "defect.dinstar-ussd-busy-200", "send_ussd reports 200 for a port busy sending SMS (not 486)"
)
D_USSD_CODE_200 = defect("defect.dinstar-send-ussd-200", "send_ussd answers error_code 200 instead of 202")
D_USSD_NOT_PUSHED = defect("defect.dinstar-ussd-not-pushed", "USSD replies are not pushed")
D_SLOT_ONE_BASED = defect(
    "defect.dinstar-slot-one-based", "get_port_info and register pushes count slots from 1"
)
D_REGISTER_SLOT_MISSING = defect(
    "defect.dinstar-register-slot-missing", "register pushes of a multi-SIM gateway lack slot"
)
D_REGISTER_SEQ_STUCK = defect("defect.dinstar-register-sequence-stuck", "register push sequence stays at 1")
D_INFO_TYPE_IGNORED = defect(
    "defect.dinstar-info-type-ignored", "get_port_info answers only the port, whatever info_type asks"
)
D_CALL_FORWARD_NOT_READ = defect(
    "defect.dinstar-call-forward-not-read", "get_port_info CallForward stays empty after CheckCallForward"
)
D_USSD_REPLY_LOST = defect(
    "defect.dinstar-ussd-reply-lost", "query_ussd_reply answers an empty text although the reply arrived"
)
# defects the conformance checks kill (conformance/kills/dinstar.yaml)
D_PORT_FILTER_IGNORED = defect(
    "defect.dinstar-port-info-port-ignored", "get_port_info answers every port whatever port asks"
)
D_VALUES_OFF_SPEC = defect(
    "defect.dinstar-port-info-values-off-spec",
    "get_port_info type/reg/callstate in lower case, gprs in upper case, signal and slot as strings",
)
D_RESET_POWERS_OFF = defect("defect.dinstar-reset-powers-off", "set_port_info reset leaves the module off")
D_POWER_INVERTED = defect("defect.dinstar-power-inverted", "set_port_info power off turns on, on turns off")
D_SET_NOT_STORED = defect(
    "defect.dinstar-imei-number-not-stored", "set_port_info imei/number answer 200 but change nothing"
)
D_CANCEL_ALL_IGNORED = defect("defect.dinstar-cancel-all-ignored", "CallForward CancelAll keeps the forwards")
D_CDR_FILTERS_IGNORED = defect(
    "defect.dinstar-cdr-filters-ignored", "get_cdr ignores the port and time filters"
)
D_CDR_VALUES_OFF_SPEC = defect(
    "defect.dinstar-cdr-values-off-spec",
    'get_cdr spells direction "GSM2IP", codec "G711" and hangup "caller"',
)
D_CDR_ANSWERED_ONLY = defect("defect.dinstar-cdr-answered-only", "get_cdr lists only answered calls")
D_UNANSWERED_CDR_PUSHED = defect("defect.dinstar-unanswered-cdr-pushed", "unanswered calls are pushed as cdr")
D_STK_GO_IGNORED = defect("defect.dinstar-stk-go-ignored", "STKGo answers 200 but the view stays the same")
D_STK_FRAME_STALE = defect(
    "defect.dinstar-stk-frame-stale", "GetSTKCurrFrameIndex answers the previous frame id, not the view's"
)
D_SET_PORT_NO_400 = defect(
    "defect.dinstar-set-port-unknown-action-200", "set_port_info answers 200 to an unknown action"
)
D_ACTION_ANY_CASE = defect(
    "defect.dinstar-set-port-action-any-case",
    "set_port_info takes action names in any case (Power, RESET, checkcallforward)",
)
D_LOCK_FACTORY_PIN = defect(
    "defect.dinstar-sim-lock-factory-pin",
    "set_port_info lock/unlock compare the PIN with the factory 0000, not the SIM's (500)",
)
D_UNLOCK_IGNORED = defect(
    "defect.dinstar-sim-unlock-ignored", "set_port_info unlock answers 200 but the SIM stays locked"
)
D_BLOCK_IGNORED = defect(
    "defect.dinstar-sim-block-ignored", "set_port_info block answers 200 but the SIM stays in service"
)
D_NO_SIM_STALE_IDS = defect(
    "defect.dinstar-no-sim-stale-ids", "get_port_info keeps a removed SIM's imsi and iccid (reg NO_SIM)"
)

INFO_TYPES = (
    "type",
    "imei",
    "imsi",
    "iccid",
    "number",
    "reg",
    "slot",
    "callstate",
    "signal",
    "gprs",
    "remain_credit",
    "remain_monthly_credit",
    "remain_daily_credit",
    "remain_daily_calltime",
    "remain_hourly_calltime",
    "remain_daily_connect",
)
#: §10.4's example asks for smsc (not in the table) and §18.6 for CallForward
EXTRA_INFO_TYPES = ("smsc", "CallForward")
EXAMPLE_KEYS = {
    "remain_daily_calltime": "remain_daily_call_time",
    "remain_hourly_calltime": "remain_hourly_call_time",
    "remain_daily_connect": "remain_daily_connected",
}
FORWARD_KINDS = ("Unconditional", "NoReply", "Busy", "Not_Reachable", "CancelAll")
USSD_REPLY_DELAY = 2.0
DEFAULT_PIN = "1234"


def _reg(dev: DinstarDevice, slot: Slot) -> str:
    """§10.3 reg: POWER_OFF, NO_SIM, PIN_REQUIRE, PUK_REQUIRE, UNREGISTER, SEARCHING_NETWORK,
    REGISTER_OK or UNKNOWN."""
    if not dev.powered.get(slot.port, True):
        return "POWER_OFF"
    code = slot.code
    if code == P.NO_SIM or not slot.present:
        return "NO_SIM"
    if code in P.CAN_SEND:
        return "REGISTER_OK"
    if code in (P.REGISTERING, P.DETECTED, P.ACCESS_NETWORK):
        return "SEARCHING_NETWORK"
    if code == P.USER_LOCKED:
        return "PIN_REQUIRE"
    if code in (P.IDLE, P.REG_FAILED, P.NO_BALANCE, P.DEVICE_LOCKED, P.OPERATOR_LOCKED):
        return "UNREGISTER"
    return "UNKNOWN"


def _slot_no(dev: DinstarDevice, slot: Slot) -> int:
    if dev.n_slots == 1:
        return 255
    return slot.slot if dev.switches.on(D_SLOT_ONE_BASED) else slot.slot - 1


def port_info(dev: DinstarDevice, port: int, types: list[str]) -> dict[str, Any]:
    p = dev.bank.port(port)
    slot = p.current
    has_sim = slot.present
    info: dict[str, Any] = {"port": dev.api_port(port)}
    if dev.switches.on(D_INFO_TYPE_IGNORED):
        return info
    example = dev.switches.on(Q_PORT_INFO_EXAMPLE_KEYS)
    credit = f"{slot.balance:.2f}" if has_sim else "0.00"
    imsi, iccid = (slot.imsi, slot.iccid) if has_sim else ("", "")
    if dev.switches.on(D_NO_SIM_STALE_IDS):  # the module's cache is not cleared when the card goes
        if has_sim:
            dev.sim_ids_seen[port] = (imsi, iccid)
        else:
            imsi, iccid = dev.sim_ids_seen.get(port, (imsi, iccid))
    values: dict[str, Any] = {
        "type": "GSM" if p.number % 2 else "LTE",
        "imei": slot.imei,
        "imsi": imsi,
        "iccid": iccid,
        "smsc": f"+{dev.network.smsc}" if has_sim and dev.network is not None else "",
        "number": slot.number if has_sim else "",
        "reg": _reg(dev, slot),
        "slot": _slot_no(dev, slot),
        "callstate": "Active" if slot.code == P.CALL else "Idle",
        "signal": slot.signal if slot.code in P.CAN_SEND else 0,
        "gprs": "attached" if slot.code in P.CAN_SEND else "detached",
        "remain_credit": credit,
        "remain_monthly_credit": credit,
        "remain_daily_credit": credit,
        "remain_daily_calltime": "100",
        "remain_hourly_calltime": "10",
        "remain_daily_connect": "100",
    }
    if dev.switches.on(D_VALUES_OFF_SPEC):
        for key in ("type", "reg", "callstate"):
            values[key] = str(values[key]).lower()
        values["gprs"] = str(values["gprs"]).upper()
        values["signal"], values["slot"] = str(values["signal"]), str(values["slot"])
    for kind in types:
        if kind == "CallForward":
            checked = (
                {} if dev.switches.on(D_CALL_FORWARD_NOT_READ) else dev.call_forward_checked.get(port, {})
            )
            info["CallForwarding"] = dict(checked)
            continue
        info[EXAMPLE_KEYS.get(kind, kind) if example else kind] = values[kind]
    return info


def _ports(dev: DinstarDevice, params: dict[str, Any], *, required: bool = False) -> list[int]:
    if "port" not in params:
        if required:
            raise BadRequest("port is required")
        return [p.number for p in dev.bank.ports]
    ports = as_int_list(params["port"], "port", low=-1)
    if required and not ports:
        raise BadRequest("port is required")
    return list(dict.fromkeys(dev.bank_port(p) for p in ports)) or [p.number for p in dev.bank.ports]


def get_port_info(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    if "info_type" not in params:
        raise BadRequest("info_type is required")
    types = as_str_list(params["info_type"], "info_type")
    if not types:
        raise BadRequest("info_type is required")
    unknown = [t for t in types if t not in INFO_TYPES and t not in EXTRA_INFO_TYPES]
    if unknown:
        raise BadRequest(f"unknown info_type {unknown[0]!r}")
    types = list(dict.fromkeys(types))
    ports = (
        [p.number for p in dev.bank.ports] if dev.switches.on(D_PORT_FILTER_IGNORED) else _ports(dev, params)
    )
    return dev.reply(200, info=[port_info(dev, p, types) for p in ports])


# -- set_port_info (§11, §18) -------------------------------------------------------------------------
def set_port_info(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    if "port" not in params:
        raise BadRequest("port is required")
    port = dev.bank_port(as_int(params["port"], "port", low=-1))
    action = opt_str(params, "action")
    if not action:
        raise BadRequest("action is required")
    raw_param = params.get("param")
    param = str(raw_param) if isinstance(raw_param, str | int) and not isinstance(raw_param, bool) else None
    handler = _ACTIONS.get(action)
    if handler is None and dev.switches.on(D_ACTION_ANY_CASE):
        handler = _ACTIONS_FOLDED.get(action.casefold())
    if handler is None:
        if dev.switches.on(D_SET_PORT_NO_400):
            return dev.reply(200)
        raise BadRequest(f"unknown action {action!r}")
    return handler(dev, port, param, params)


def _need(param: str | None, what: str) -> str:
    if param is None or param == "":
        raise BadRequest(f"param is required ({what})")
    return param


def _act_slot(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    if dev.n_slots == 1:
        raise BadRequest("not a multi-SIM gateway")
    slot = as_int(_need(param, "slot 0-3"), "param", low=0, high=dev.n_slots - 1)
    dev.bank.switch(port, slot + 1, dev.clock.now())
    _invalidate(dev)
    return dev.reply(200)


def _act_reset(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    dev.powered[port] = True
    dev.bank.reset(port, dev.clock.now())
    if dev.switches.on(D_RESET_POWERS_OFF):
        return _act_power(dev, port, "off", params)
    return dev.reply(200)


def _act_power(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    value = _need(param, "on or off")
    if value not in ("on", "off"):
        raise BadRequest("param must be on or off")
    if dev.switches.on(D_POWER_INVERTED):
        value = "on" if value == "off" else "off"
    now = dev.clock.now()
    current = dev.bank.port(port).current
    if value == "off" and dev.powered[port]:
        dev.powered[port] = False
        dev.bank.set_code(current, P.IDLE if current.present else P.NO_SIM)
    elif value == "on" and not dev.powered[port]:
        dev.powered[port] = True
        dev.bank.register(current, now)
    return dev.reply(200)


def _act_imei(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    imei = _need(param, "IMEI")
    if not (imei.isascii() and imei.isdigit() and len(imei) == 15):
        raise BadRequest("an IMEI is 15 digits")
    if not dev.switches.on(D_SET_NOT_STORED):
        dev.bank.port(port).current.imei = imei
    return dev.reply(200)


def _act_number(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    number = _need(param, "phone number")
    digits = number.removeprefix("+")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 24):
        raise BadRequest("a number is a digit string of at most 24 bytes")
    if not dev.switches.on(D_SET_NOT_STORED):
        dev.bank.port(port).current.number = number
    _invalidate(dev)
    return dev.reply(200)


def _pin_ok(dev: DinstarDevice, port: int, pin: str) -> bool:
    if dev.switches.on(D_LOCK_FACTORY_PIN):
        return pin == "0000"
    slot = dev.bank.port(port).current
    return pin == dev.pins.get((port, slot.slot), DEFAULT_PIN)


def _act_lock(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    if not _pin_ok(dev, port, _need(param, "PIN")):
        return dev.reply(500)
    p = dev.bank.port(port)
    dev.bank.lock(port, p.active, dev.clock.now())
    return dev.reply(200)


def _act_unlock(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    if not _pin_ok(dev, port, _need(param, "PIN")):
        return dev.reply(500)
    p = dev.bank.port(port)
    if not dev.switches.on(D_UNLOCK_IGNORED):
        dev.bank.unlock(port, p.active, dev.clock.now())
    return dev.reply(200)


def _act_block(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    if dev.switches.on(D_BLOCK_IGNORED):
        return dev.reply(200)
    slot = dev.bank.port(port).current
    slot.enabled = False
    dev.bank.register(slot, dev.clock.now())
    return dev.reply(200)


def _act_unblock(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    slot = dev.bank.port(port).current
    if not slot.enabled:
        slot.enabled = True
        dev.bank.register(slot, dev.clock.now())
    return dev.reply(200)


def _act_call_forward(dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]) -> Response:
    kind = _need(param, "|".join(FORWARD_KINDS))
    if kind not in FORWARD_KINDS:
        raise BadRequest(f"param must be one of {', '.join(FORWARD_KINDS)}")
    if kind == "CancelAll":
        if not dev.switches.on(D_CANCEL_ALL_IGNORED):
            dev.call_forward[port] = {}
        return dev.reply(200)
    number = params.get("number")
    if not isinstance(number, str) or not number.removeprefix("+").isdigit():
        raise BadRequest("number is required (a phone number)")
    dev.call_forward.setdefault(port, {})[kind] = number
    return dev.reply(200)


def _act_check_call_forward(
    dev: DinstarDevice, port: int, param: str | None, params: dict[str, Any]
) -> Response:
    dev.call_forward_checked[port] = dict(dev.call_forward.get(port, {}))
    return dev.reply(200)


def _invalidate(dev: DinstarDevice) -> None:
    if dev.network is not None:
        dev.network.invalidate()


_Action = Callable[["DinstarDevice", int, "str | None", dict[str, Any]], Response]
_ACTIONS: dict[str, _Action] = {
    "slot": _act_slot,
    "reset": _act_reset,
    "power": _act_power,
    "imei": _act_imei,
    "number": _act_number,
    "lock": _act_lock,
    "unlock": _act_unlock,
    "block": _act_block,
    "unblock": _act_unblock,
    "CallForward": _act_call_forward,
    "CheckCallForward": _act_check_call_forward,
}
_ACTIONS_FOLDED = {name.casefold(): handler for name, handler in _ACTIONS.items()}


# -- USSD (§7, §8) ------------------------------------------------------------------------------------
def send_ussd(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    sw = dev.switches
    command = opt_str(params, "command") or "send"
    if command not in ("send", "cancel"):
        raise BadRequest("command must be send or cancel")
    text = params.get("text", "")
    if not isinstance(text, str):
        raise BadRequest("text must be a string")
    if command == "send" and not text:
        raise BadRequest("text is required with command send")
    if len(text.encode()) > 60:
        raise BadRequest("text is longer than 60 bytes")
    ports = _ports(dev, params, required=True)
    now = dev.clock.now()
    result = []
    for port in ports:
        if not dev.can_send(port) and not sw.on(D_USSD_STATUS_WRONG):
            status = 503
        elif dev.board.busy(port) and not sw.on(D_USSD_BUSY_IGNORED):
            status = 486
        else:
            status = 200
            dev.ussd_pending = [u for u in dev.ussd_pending if u[1] != port]
            if command == "send":
                dev.ussd_pending.append((now + USSD_REPLY_DELAY, port, _ussd_reply(dev, port, text)))
        if sw.on(Q_USSD_KEY_CASE):
            result.append({"Port": dev.api_port(port), "Status": status})
        else:
            result.append({"port": dev.api_port(port), "status": status})
    return dev.reply(200 if sw.on(D_USSD_CODE_200) else 202, result=result)


def _ussd_reply(dev: DinstarDevice, port: int, code: str) -> str:
    slot = dev.bank.port(port).current
    return f"{code}: your balance is {slot.balance:.2f}, number {slot.number}"


def query_ussd_reply(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    ports = _ports(dev, params, required=True)
    lost = dev.switches.on(D_USSD_REPLY_LOST)
    reply = [{"port": dev.api_port(p), "text": "" if lost else dev.ussd_replies.get(p, "")} for p in ports]
    return dev.reply(200, reply=reply)


def advance_ussd(dev: DinstarDevice, now: float) -> None:
    if not dev.ussd_pending:
        return
    due = sorted(u for u in dev.ussd_pending if u[0] <= now)
    if not due:
        return
    dev.ussd_pending = [u for u in dev.ussd_pending if u[0] > now]
    events = []
    for _at, port, text in due:
        dev.ussd_replies[port] = text
        events.append({"port": dev.api_port(port), "text": text})
    if not dev.switches.on(D_USSD_NOT_PUSHED):
        dev.outbox.append(("ussd", events))


# -- register push (§17) ------------------------------------------------------------------------------
def register_entry(dev: DinstarDevice, slot: Slot, up: bool, seq: int) -> dict[str, Any]:
    null = "<NULL>" if (not up and dev.switches.on(Q_REGISTER_NULL)) else ""
    entry: dict[str, Any] = {
        "port": dev.api_port(slot.port),
        "iccid": slot.iccid if up and slot.iccid else null,
        "imsi": slot.imsi if up and slot.imsi else null,
        "number": slot.number,
        "status": "up" if up else "down",
        "sequence": 1 if dev.switches.on(D_REGISTER_SEQ_STUCK) else seq,
    }
    if dev.n_slots > 1 and not dev.switches.on(D_REGISTER_SLOT_MISSING):
        entry["slot"] = _slot_no(dev, slot)
    return entry


# -- CDR (§12) ------------------------------------------------------------------------------------------
def get_cdr(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    ports = set(_ports(dev, params))
    after = parse_time(params["time_after"], "time_after") if "time_after" in params else None
    before = parse_time(params["time_before"], "time_before") if "time_before" in params else None
    sw = dev.switches
    if sw.on(D_CDR_FILTERS_IGNORED):
        ports, after, before = {p.number for p in dev.bank.ports}, None, None
    cdr = [
        {k: v for k, v in c.items() if not k.startswith("_")} | {"port": dev.api_port(c["_port"])}
        for c in dev.cdrs
        if c["_port"] in ports
        and (after is None or c["_at"] >= after)
        and (before is None or c["_at"] <= before)
        and (c.get("duration") or not sw.on(D_CDR_ANSWERED_ONLY))
    ]
    if sw.on(D_CDR_VALUES_OFF_SPEC):
        cdr = [c | {"direction": "GSM2IP", "codec": "G711", "hangup": "caller"} for c in cdr]
    return dev.reply(200, cdr=cdr)


# -- STK (§13-§15) -------------------------------------------------------------------------------------
@dataclass(slots=True)
class StkState:
    """A two-level SIM menu per port; every operation moves to a new frame."""

    frames: dict[int, int] = field(default_factory=dict)
    #: port -> selected item (0: the main menu)
    selected: dict[int, int] = field(default_factory=dict)


MENU = ("Balance", "My number", "Services")


def _stk_port(dev: DinstarDevice, params: dict[str, Any]) -> int:
    if "port" not in params:
        raise BadRequest("port is required")
    return dev.bank_port(as_int(params["port"], "port", low=-1))


def get_stk_view(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    port = _stk_port(dev, params)
    stk = dev.stk
    frame = stk.frames.setdefault(port, 1)
    selected = stk.selected.get(port, 0)
    view: dict[str, Any] = {"title": "SIM Menu"}
    if selected == 0:
        view["text"] = ""
        view["item"] = [{"item_id": i + 1, "item_string": name} for i, name in enumerate(MENU)]
        input_type = 2
    else:
        slot = dev.bank.port(port).current
        view["text"] = f"{MENU[selected - 1]}: {slot.number if selected == 2 else f'{slot.balance:.2f}'}"
        input_type = 0
    view["input_type"] = str(input_type) if dev.switches.on(Q_STK_INPUT_TYPE_STRING) else input_type
    view["frame_id"] = frame
    return Response.json(view)


def stk_go(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    port = _stk_port(dev, params)
    stk = dev.stk
    action = opt_str(params, "action")
    if action is not None and action not in ("ok", "cancel", "home"):
        raise BadRequest("action must be ok, cancel or home")
    if "item" in params:
        item = as_int(params["item"], "item", low=1, high=len(MENU))
        if stk.selected.get(port, 0) != 0:
            raise BadRequest("the current frame has no items")
        stk.selected[port] = item
    elif action in ("cancel", "home"):
        stk.selected[port] = 0
    elif action is None and "param" not in params:
        raise BadRequest("item, param or action is required")
    if dev.switches.on(D_STK_GO_IGNORED):
        stk.selected[port] = 0
        return dev.reply(200)
    stk.frames[port] = stk.frames.get(port, 1) + 1
    return dev.reply(200)


def get_stk_frame(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    port = _stk_port(dev, params)
    frame = dev.stk.frames.setdefault(port, 1)
    return Response.json({"frame_id": frame - 1 if dev.switches.on(D_STK_FRAME_STALE) else frame})


ROUTES: dict[str, Callable[[DinstarDevice, dict[str, Any], Request], Response]] = {
    "/api/get_port_info": get_port_info,
    "/api/set_port_info": set_port_info,
    "/api/send_ussd": send_ussd,
    "/api/query_ussd_reply": query_ussd_reply,
    "/api/get_cdr": get_cdr,
    "/GetSTKView": get_stk_view,
    "/STKGo": stk_go,
    "/GetSTKCurrFrameIndex": get_stk_frame,
}

__all__ = ["INFO_TYPES", "ROUTES", "StkState", "advance_ussd", "port_info", "register_entry"]
