"""The control API of a Dinstar device (served under ``/_emu/`` like the Ejoin one): the same
paths, with the document's 0-based ports and slots.  Pure functions over a :class:`DinstarDevice`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from smsgw.emulator import ports as P
from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.control import ControlError, _int, faults
from smsgw.emulator.dinstar.common import fmt_time
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.dinstar.ports_api import D_UNANSWERED_CDR_PUSHED
from smsgw.emulator.network import OutcomeRule
from smsgw.emulator.ports import Slot

Result = tuple[int, dict[str, Any]]


def _slot(device: DinstarDevice, body: dict[str, Any]) -> Slot:
    """``port`` 0-based, ``slot`` 0-based (default: the active one)."""
    port = _int(body, "port")
    if not 0 <= port < device.n_ports:
        raise ControlError(f"port must be 0..{device.n_ports - 1}")
    default = device.bank.port(port + 1).active - 1
    slot = _int(body, "slot", default)
    if not 0 <= slot < device.n_slots:
        raise ControlError(f"slot must be 0..{device.n_slots - 1}")
    return device.bank.slot(port + 1, slot + 1)


def state(device: DinstarDevice, body: dict[str, Any]) -> Result:
    return 200, device.state()


def sim(device: DinstarDevice, body: dict[str, Any]) -> Result:
    """Change one SIM slot: ``present``, ``code`` (0-16), ``number``, ``balance``, ``signal``,
    ``sms_limit``, ``pin``."""
    slot = _slot(device, body)
    now = device.clock.now()
    bank = device.bank
    if "present" in body:
        if body["present"] and not slot.present:
            bank.insert(
                slot, now, **{k: body[k] for k in ("imsi", "iccid", "number") if isinstance(body.get(k), str)}
            )
        elif not body["present"] and slot.present:
            bank.eject(slot)
    for key in ("number", "imsi", "iccid", "imei"):
        if key in body:
            if not isinstance(body[key], str):
                raise ControlError(f"{key} must be a string")
            setattr(slot, key, body[key])
    if "balance" in body:
        if isinstance(body["balance"], bool) or not isinstance(body["balance"], int | float):
            raise ControlError("balance must be a number")
        slot.balance = float(body["balance"])
    if "signal" in body:
        slot.signal = _int(body, "signal")
    if "sms_limit" in body:
        slot.sms_limit = _int(body, "sms_limit")
    if "pin" in body:  # the SIM's PIN (set_port_info lock/unlock, §11.2)
        pin = body["pin"]
        if not isinstance(pin, str) or not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
            raise ControlError("pin must be a string of 4-8 digits")
        device.pins[(slot.port, slot.slot)] = pin
    if "code" in body:
        code = _int(body, "code")
        if code not in P.PORT_STATUS:
            raise ControlError(f"code must be one of {sorted(P.PORT_STATUS)}")
        if code == P.REGISTERING:
            bank.register(slot, now)
        else:
            bank.set_code(slot, code)
    if device.network is not None:
        device.network.invalidate()
    return 200, {
        "port": slot.port - 1,
        "slot": slot.slot - 1,
        "code": slot.code,
        "status": P.status_text(slot.code),
    }


def sms(device: DinstarDevice, body: dict[str, Any]) -> Result:
    """Inject a received SMS: ``{"port": 0, "from": "10010", "text": "hi"}``."""
    slot = _slot(device, body)
    sender, text = body.get("from", "10010"), body.get("text", "")
    if not isinstance(sender, str) or not isinstance(text, str):
        raise ControlError("from and text must be strings")
    device.deliver(slot.port, slot.slot, sender, slot.number, text, device.clock.now())
    return 200, {"queued": True}


def call(device: DinstarDevice, body: dict[str, Any]) -> Result:
    """A finished call on a port: ``duration`` (s, 0: not answered), ``source_number``,
    ``destination_number``, ``direction`` (gsm->ip, ip->gsm, callback). Answered calls are pushed."""
    slot = _slot(device, body)
    duration = _int(body, "duration", 60)
    if duration < 0:
        raise ControlError("duration must be >= 0")
    direction = body.get("direction", "ip->gsm")
    if direction not in ("gsm->ip", "ip->gsm", "callback"):
        raise ControlError("direction must be gsm->ip, ip->gsm or callback")
    source = str(body.get("source_number", "1010"))
    destination = str(body.get("destination_number", slot.number or "10086"))
    now = device.clock.now()
    start = now - duration - 5
    cdr = {
        "_port": slot.port,
        "_at": start,
        "port": device.api_port(slot.port),
        "start_date": fmt_time(start),
        "answer_date": fmt_time(start + 5),
        "duration": duration,
        "source_number": source,
        "destination_number": destination,
        "direction": direction,
        "ip": "127.0.0.1" if direction == "ip->gsm" else "",
        "codec": "G.711U",
        "hangup": "called",
        "gsm_code": 16,
        "bcch": "",
    }
    device.cdrs.append(cdr)
    if duration > 0 or device.switches.on(D_UNANSWERED_CDR_PUSHED):
        device.outbox.append(("cdr", [{k: v for k, v in cdr.items() if not k.startswith("_")}]))
    return 200, {"port": slot.port - 1, "duration": duration}


def exception(device: DinstarDevice, body: dict[str, Any]) -> Result:
    """An exception event (§17 'Abnormal'): ``{"port": 0, "type": "call_fail", "action": "reset"}``."""
    slot = _slot(device, body)
    kind, action = body.get("type", "call_fail"), body.get("action", "reset")
    if not isinstance(kind, str) or not isinstance(action, str):
        raise ControlError("type and action must be strings")
    device.exception_event(slot.port, kind, action)
    if action == "reset":
        device.bank.reset(slot.port, device.clock.now())
    return 200, {"queued": True}


def reboot(device: DinstarDevice, body: dict[str, Any]) -> Result:
    device.reboot()
    return 200, {"sn": device.sn}


def reset(device: DinstarDevice, body: dict[str, Any]) -> Result:
    device.reset_state()
    return 200, {"reset": True}


def advance(device: DinstarDevice, body: dict[str, Any]) -> Result:
    """Move a virtual clock forward ``seconds`` (only for devices on a virtual clock)."""
    clock = device.clock
    if not isinstance(clock, VirtualClock):
        raise ControlError("the device runs on a scaled real clock; advance works with --virtual-time")
    seconds = body.get("seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ControlError("seconds must be a non-negative number")
    clock.advance(float(seconds))
    return 200, {"time": clock.now()}


def config(device: DinstarDevice, body: dict[str, Any]) -> Result:
    """Push URL and device settings: ``push_url``, ``send_time``, ``basic_auth`` (allow basic),
    ``digest_algorithm`` (MD5 or SHA-256), ``nonce_lifetime``, ``max_failures``."""
    if "push_url" in body:
        value = body["push_url"]
        if value is not None and not isinstance(value, str):
            raise ControlError("push_url must be a string or null")
        device.push_url = value or None
    if "send_time" in body:
        value = body["send_time"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ControlError("send_time must be a non-negative number")
        device.board.send_time = float(value)
    if "basic_auth" in body:
        device.auth.allow_basic = bool(body["basic_auth"])
    if "digest_algorithm" in body:
        if body["digest_algorithm"] not in ("MD5", "SHA-256"):
            raise ControlError("digest_algorithm must be MD5 or SHA-256")
        device.auth.algorithm = body["digest_algorithm"]
    if "nonce_lifetime" in body:
        device.auth.nonce_lifetime = float(_int(body, "nonce_lifetime"))
    if "max_failures" in body:
        device.auth.max_failures = max(1, _int(body, "max_failures"))
    return 200, device.state() | {"port_state": None}


def ref_id(device: DinstarDevice, body: dict[str, Any]) -> Result:
    """The next SMS reference id of a port (0-255, §3.3), as past traffic would have left it:
    ``{"port": 0, "next": 250}``."""
    port = _int(body, "port")
    if not 0 <= port < device.n_ports:
        raise ControlError(f"port must be 0..{device.n_ports - 1}")
    following = _int(body, "next")
    if not 0 <= following <= 255:
        raise ControlError("next must be 0..255")
    device.board.ref_ids[port + 1] = following
    return 200, {"port": port, "next": following}


def outcomes(device: DinstarDevice, body: dict[str, Any]) -> Result:
    """Outcome rules of the virtual network for numbers outside it: ``{"rules": ["999:1"]}``."""
    network = device.network
    if network is None:
        raise ControlError("the device is not attached to a network")
    if "rules" in body:
        try:
            network.rules = [OutcomeRule.parse(str(r)) for r in body["rules"]]
        except (TypeError, ValueError) as exc:
            raise ControlError(str(exc)) from exc
    return 200, {"rules": [r.as_dict() for r in network.rules]}


def pushes(device: DinstarDevice, body: dict[str, Any]) -> Result:
    return 200, {"total": device.pushes_total, "recent": list(device.history)}


ROUTES: dict[tuple[str, str], Callable[[DinstarDevice, dict[str, Any]], Result]] = {
    ("GET", "/_emu/state"): state,
    ("GET", "/_emu/faults"): faults,
    ("POST", "/_emu/faults"): faults,
    ("POST", "/_emu/sim"): sim,
    ("POST", "/_emu/sms"): sms,
    ("POST", "/_emu/call"): call,
    ("POST", "/_emu/exception"): exception,
    ("POST", "/_emu/reboot"): reboot,
    ("POST", "/_emu/reset"): reset,
    ("POST", "/_emu/advance"): advance,
    ("POST", "/_emu/config"): config,
    ("POST", "/_emu/ref_id"): ref_id,
    ("GET", "/_emu/outcomes"): outcomes,
    ("POST", "/_emu/outcomes"): outcomes,
    ("GET", "/_emu/pushes"): pushes,
}

#: ``GET /_emu/openapi.json`` of a Dinstar device
CONTROL_OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "smsgw emulator control API (dinstar-uc)", "version": "1"},
    "paths": {
        path: {
            method.lower(): {
                "summary": (handler.__doc__ or path).strip().splitlines()[0],
                "responses": {"200": {"description": "JSON"}, "400": {"description": "{error: text}"}},
            }
            for (method, p), handler in ROUTES.items()
            if p == path
        }
        for path in sorted({p for _, p in ROUTES})
    },
}

__all__ = ["CONTROL_OPENAPI", "ROUTES"]
