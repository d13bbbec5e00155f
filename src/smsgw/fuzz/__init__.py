"""Fuzzing both directions: the device API with schemathesis (:func:`fuzz_device`), and an SMS
server's push endpoints by playing a device (:mod:`smsgw.fuzz.server`).

The checks are plain functions in a registry (:mod:`smsgw.fuzz.checks`); schemathesis meets them in
one adapter module (:mod:`smsgw.fuzz.adapter`).  Heavy imports (schemathesis, hypothesis, requests:
the ``fuzz`` extra) happen only when a name below is first used, so ``smsgw`` works without that
extra installed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smsgw.fuzz.checks import CheckEnv, Exchange, Failure, device_check, device_checks
    from smsgw.fuzz.runner import FuzzReport, FuzzSettings, FuzzUsageError, TargetUnreachable, fuzz_device

_WHERE = {
    "CheckEnv": "checks",
    "Exchange": "checks",
    "Failure": "checks",
    "device_check": "checks",
    "device_checks": "checks",
    "FuzzReport": "runner",
    "FuzzSettings": "runner",
    "FuzzUsageError": "runner",
    "TargetUnreachable": "runner",
    "fuzz_device": "runner",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'smsgw.fuzz' has no attribute {name!r}")
    return getattr(importlib.import_module(f"smsgw.fuzz.{module}"), name)


__all__ = [
    "CheckEnv",
    "Exchange",
    "Failure",
    "FuzzReport",
    "FuzzSettings",
    "FuzzUsageError",
    "TargetUnreachable",
    "device_check",
    "device_checks",
    "fuzz_device",
]
