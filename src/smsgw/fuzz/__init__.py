"""Fuzzing both directions: the device API with schemathesis (:func:`fuzz_device`), and an SMS
server's push endpoints by playing a device (:mod:`smsgw.fuzz.server`).

The checks are plain functions in a registry (:mod:`smsgw.fuzz.checks`); schemathesis meets them in
one adapter module (:mod:`smsgw.fuzz.adapter`).  Heavy imports (schemathesis, hypothesis) happen
only when a run starts.
"""

from __future__ import annotations

from smsgw.fuzz.checks import CheckEnv, Exchange, Failure, device_check, device_checks
from smsgw.fuzz.runner import FuzzReport, FuzzSettings, FuzzUsageError, TargetUnreachable, fuzz_device

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
