"""Emulated Ejoin devices: a pure state machine (:class:`Device`), an ASGI adapter with a control
API (:class:`EmulatorApp`), a loopback fleet runner (:class:`Fleet`) and the quirk/defect catalog.

Names are imported lazily so that ``smsgw --help`` (which imports :mod:`smsgw.emulator.cli`) stays
fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smsgw.emulator.app import EmulatorApp, RecordingSink
    from smsgw.emulator.clock import ScaledClock, VirtualClock
    from smsgw.emulator.device import Device, DeviceConfig
    from smsgw.emulator.faults import catalog
    from smsgw.emulator.messages import Push, Request, Response
    from smsgw.emulator.network import Network, OutcomeRule
    from smsgw.emulator.profiles import PROFILES
    from smsgw.emulator.serve import Fleet

_EXPORTS = {
    "Device": "device",
    "DeviceConfig": "device",
    "EmulatorApp": "app",
    "RecordingSink": "app",
    "Fleet": "serve",
    "Network": "network",
    "OutcomeRule": "network",
    "Push": "messages",
    "Request": "messages",
    "Response": "messages",
    "ScaledClock": "clock",
    "VirtualClock": "clock",
    "PROFILES": "profiles",
    "catalog": "faults",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'smsgw.emulator' has no attribute {name!r}")
    return getattr(importlib.import_module(f"smsgw.emulator.{module}"), name)


__all__ = [
    "PROFILES",
    "Device",
    "DeviceConfig",
    "EmulatorApp",
    "Fleet",
    "Network",
    "OutcomeRule",
    "Push",
    "RecordingSink",
    "Request",
    "Response",
    "ScaledClock",
    "VirtualClock",
    "catalog",
]
