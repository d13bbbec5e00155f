"""The control API: change SIM states, inject SMS/MMS, reboot, switch quirks/defects/faults and
read internal state.  Pure functions over a :class:`Device`; the adapter serves them under
``/_emu/`` (see :data:`CONTROL_OPENAPI`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Protocol

from smsgw.emulator import ports as P
from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device
from smsgw.emulator.faults import Faults, Switches, UnknownSwitchError, catalog
from smsgw.emulator.messages import Push
from smsgw.emulator.mms import mms_push
from smsgw.emulator.network import OutcomeRule
from smsgw.emulator.stats import Call
from smsgw.redact import redact_url

Result = tuple[int, dict[str, Any]]


class ControlError(ValueError):
    """A control request that cannot be applied (answered 400 with the message)."""


def _int(body: dict[str, Any], key: str, default: int | None = None) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise ControlError(f"{key} must be a 32-bit integer")
    return value


def _slot(device: Device, body: dict[str, Any]) -> P.Slot:
    port = _int(body, "port")
    if not 1 <= port <= device.n_ports:
        raise ControlError(f"port must be 1..{device.n_ports}")
    default = device.bank.port(port).active
    slot = _int(body, "slot", default)
    if not 1 <= slot <= device.n_slots:
        raise ControlError(f"slot must be 1..{device.n_slots}")
    return device.bank.slot(port, slot)


def state(device: Device, body: dict[str, Any]) -> Result:
    return 200, device.state()


class Switchable(Protocol):
    """What :func:`faults` needs of a device: its switches and its transport faults (an Ejoin or a
    Dinstar device)."""

    switches: Switches
    faults: Faults


def faults(device: Switchable, body: dict[str, Any]) -> Result:
    """GET: the catalog with what is on. POST ``{"on": [...], "off": [...], "faults": {...}}``."""
    if body:
        try:
            for name in body.get("off", []):
                device.switches.set(name, False)
            for name in body.get("on", []):
                device.switches.set(name, True)
        except UnknownSwitchError as exc:
            raise ControlError(f"unknown quirk or defect {exc.args[0]!r}") from exc
        except TypeError as exc:
            raise ControlError("on/off must be lists of names") from exc
        fault_values = body.get("faults", {})
        if not isinstance(fault_values, dict):
            raise ControlError("faults must be an object")
        device.faults.update(fault_values)
    return 200, {
        "switches": [
            {
                "name": s.name,
                "kind": s.kind,
                "description": s.description,
                "erratum": s.erratum,
                "on": device.switches.on(s.name),
            }
            for s in catalog().values()
        ],
        "faults": device.faults.as_dict(),
    }


def sim(device: Device, body: dict[str, Any]) -> Result:
    """Change one SIM slot: ``present``, ``code`` (0-16), ``number``, ``balance``, ``signal``,
    ``enabled``, ``pool`` [pool, slot], ``sms_limit``. Status changes push port-status."""
    slot = _slot(device, body)
    now = device.clock.now()
    bank = device.bank
    if "present" in body:
        if body["present"] and not slot.present:
            sim_fields = {
                k: body[k] for k in ("imsi", "iccid", "number", "operator") if isinstance(body.get(k), str)
            }
            bank.insert(slot, now, **sim_fields)
        elif not body["present"] and slot.present:
            bank.eject(slot)
    for key in ("number", "imsi", "iccid", "imei", "operator"):
        if key in body:
            if not isinstance(body[key], str):
                raise ControlError(f"{key} must be a string")
            setattr(slot, key, body[key])
            bank.changed.append(slot)
    if "balance" in body:
        if not isinstance(body["balance"], int | float):
            raise ControlError("balance must be a number")
        slot.balance = float(body["balance"])
        bank.changed.append(slot)
    if "signal" in body:
        slot.signal = _int(body, "signal")
        bank.changed.append(slot)
    if "sms_limit" in body:
        slot.sms_limit = _int(body, "sms_limit")
    if "enabled" in body:
        slot.enabled = bool(body["enabled"])
        bank.changed.append(slot)
    if "pool" in body:
        pool = body["pool"]
        if pool is None:
            slot.pool = None
        elif isinstance(pool, list) and len(pool) == 2 and all(isinstance(x, int) for x in pool):
            slot.pool = (pool[0], pool[1])
        else:
            raise ControlError("pool must be [pool id, pool slot] or null")
        bank.changed.append(slot)
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
    return 200, {"port": slot.port, "slot": slot.slot, "code": slot.code, "status": P.status_text(slot.code)}


def sms(device: Device, body: dict[str, Any]) -> Result:
    """Inject an incoming SMS: ``{"port": 1, "slot": 1, "from": "10010", "text": "hi"}``."""
    slot = _slot(device, body)
    sender = body.get("from", "10010")
    text = body.get("text", "")
    if not isinstance(sender, str) or not isinstance(text, str):
        raise ControlError("from and text must be strings")
    device.deliver(slot.port, slot.slot, sender, slot.number, text, device.clock.now())
    return 200, {"queued": True}


def mms(device: Device, body: dict[str, Any]) -> tuple[int, dict[str, Any], list[Push]]:
    """Inject a received MMS; pushed to ``url`` (default: the device's MMS URL)."""
    slot = _slot(device, body)
    url = body.get("url", device.mms_url)
    if not isinstance(url, str) or not url:
        raise ControlError("no MMS push URL: give url or configure mms_url")
    attachments: list[tuple[str, str, bytes]] = []
    for item in body.get("attachments", []):
        try:
            attachments.append(
                (str(item["type"]), str(item["name"]), base64.b64decode(item["data"], validate=True))
            )
        except (KeyError, TypeError, binascii.Error, ValueError) as exc:
            raise ControlError("attachments: [{type, name, data (base64)}]") from exc
    push = mms_push(
        url,
        str(body.get("from", "8613751064129")),
        slot.number or "0",
        str(body.get("subject", "")),
        str(body.get("text", "")),
        device.clock.now(),
        attachments,
    )
    device.history.append({"kind": push.kind, "url": redact_url(push.url), "payload": push.payload})
    return 200, {"queued": True}, [push]


def call(device: Device, body: dict[str, Any]) -> Result:
    """Inject a finished call on a slot: ``connected``, ``alerted``, ``duration`` (s), ``pdd`` (ms)."""
    slot = _slot(device, body)
    connected = bool(body.get("connected", True))
    duration = _int(body, "duration", 60) if connected else 0
    if duration < 0:
        raise ControlError("duration must be >= 0")
    device.stats.calls(slot.port, slot.slot).add(
        Call(
            device.clock.now(), bool(body.get("alerted", True)), connected, duration, _int(body, "pdd", 2000)
        )
    )
    if connected:
        slot.call_minutes += (duration + 59) // 60
        device.bank.ports[slot.port - 1].seq += 1
        device.bank.changed.append(slot)
    return 200, {"port": slot.port, "slot": slot.slot, "call_minutes": slot.call_minutes}


def reboot(device: Device, body: dict[str, Any]) -> Result:
    device.reboot()
    return 200, {"ssrc": device.inbox.ssrc}


def reset(device: Device, body: dict[str, Any]) -> Result:
    device.reset_state()
    return 200, {"reset": True}


def advance(device: Device, body: dict[str, Any]) -> Result:
    """Move a virtual clock forward ``seconds`` (only for devices on a virtual clock)."""
    clock = device.clock
    if not isinstance(clock, VirtualClock):
        raise ControlError("the device runs on a scaled real clock; advance works with --virtual-time")
    seconds = body.get("seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ControlError("seconds must be a non-negative number")
    clock.advance(float(seconds))
    return 200, {"time": clock.now()}


def config(device: Device, body: dict[str, Any]) -> Result:
    """Set push URLs and batching: status_url, period, sr_url, sms_url, mms_url, sr_cnt, sr_prd,
    sms_cnt, sms_prd, send_time, sent_sms_push; the web page's reporting switches recv_sms_report
    and usage_reports ``{"call": bool, "sms": bool, "traffic": bool}``."""
    for key in ("status_url", "sr_url", "sms_url", "mms_url"):
        if key in body:
            value = body[key]
            if value is not None and not isinstance(value, str):
                raise ControlError(f"{key} must be a string or null")
            setattr(device, key, value or None)
    for key in ("sr_cnt", "sms_cnt"):
        if key in body:
            setattr(device, key, max(1, _int(body, key)))
    for key in ("sr_prd", "sms_prd"):
        if key in body:
            setattr(device, key, float(_int(body, key)))
    if "send_time" in body:
        value = body["send_time"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ControlError("send_time must be a non-negative number")
        device.tasks.send_time = float(value)
    if "sent_sms_push" in body:
        device.sent_sms_push = bool(body["sent_sms_push"])
    if "mms_enable" in body:  # the MMS Inbox page's Enable (gateway-2.4 §11.1)
        device.mms_inbox.enabled = bool(body["mms_enable"])
    if "recv_sms_report" in body:
        device.recv_sms_report = bool(body["recv_sms_report"])
    if "usage_reports" in body:
        usage = body["usage_reports"]
        if not isinstance(usage, dict) or not set(usage) <= set(device.usage_reports):
            raise ControlError(f"usage_reports must be an object with keys {sorted(device.usage_reports)}")
        device.usage_reports.update({k: bool(v) for k, v in usage.items()})
    if "period" in body:
        period = _int(body, "period")
        device.period = 0
        device.next_dev_status = float("inf")
        if period > 0:
            device.period = period
            device.next_dev_status = device.clock.now() + period
    return 200, device.state() | {"port_state": None}


def outcomes(device: Device, body: dict[str, Any]) -> Result:
    """Outcome rules of the virtual network for numbers outside it: ``{"rules": ["999:1:27 Absent"]}``."""
    network = device.network
    if network is None:
        raise ControlError("the device is not attached to a network")
    if "rules" in body:
        try:
            network.rules = [OutcomeRule.parse(str(r)) for r in body["rules"]]
        except (TypeError, ValueError) as exc:
            raise ControlError(str(exc)) from exc
    return 200, {"rules": [r.as_dict() for r in network.rules]}


def pushes(device: Device, body: dict[str, Any]) -> Result:
    return 200, {"total": device.pushes_total, "recent": list(device.history)}


#: (method, path) -> handler; GET handlers get an empty body
ROUTES: dict[tuple[str, str], Callable[[Device, dict[str, Any]], Result]] = {
    ("GET", "/_emu/state"): state,
    ("GET", "/_emu/faults"): faults,
    ("POST", "/_emu/faults"): faults,
    ("POST", "/_emu/sim"): sim,
    ("POST", "/_emu/sms"): sms,
    ("POST", "/_emu/call"): call,
    ("POST", "/_emu/reboot"): reboot,
    ("POST", "/_emu/reset"): reset,
    ("POST", "/_emu/advance"): advance,
    ("POST", "/_emu/config"): config,
    ("GET", "/_emu/outcomes"): outcomes,
    ("POST", "/_emu/outcomes"): outcomes,
    ("GET", "/_emu/pushes"): pushes,
}


def _doc(summary: str, method: str) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": "JSON"}}}
    if method == "post":
        op["requestBody"] = {"content": {"application/json": {"schema": {"type": "object"}}}}
        op["responses"]["400"] = {"description": "{error: text}"}
    return op


CONTROL_OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "smsgw emulator control API", "version": "1"},
    "paths": {
        path: {
            method.lower(): _doc((handler.__doc__ or path).strip().splitlines()[0], method.lower())
            for (method, p), handler in ROUTES.items()
            if p == path
        }
        for path in sorted({p for _, p in ROUTES} | {"/_emu/mms"})
        if path != "/_emu/mms"
    }
    | {"/_emu/mms": {"post": _doc((mms.__doc__ or "").strip().splitlines()[0], "post")}},
}

__all__ = ["CONTROL_OPENAPI", "ROUTES", "ControlError", "mms"]
