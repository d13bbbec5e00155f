"""The control API of this project's emulator (``/_emu/...``), as conformance checks reach it.

A check uses it only for what a real device is told on its web pages or what only the physical
world causes (a SIM taken out, a call for the CDR, an MMS Inbox page); on a real device the API
is absent and the check reads what the device has. One helper for both families' checks.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx


class _Target(Protocol):
    target: str
    timeout: float


def emulator_control(conformance: _Target, path: str, body: dict[str, Any] | None = None) -> Any:
    """GET (``body`` None) or POST ``body`` to ``/_emu/<path>`` of the target: its JSON answer, or
    None on a real device (no such API), on any other status or on a transport error. Bounded by
    the suite's call timeout; the emulator's own loopback certificate is not verified."""
    url = f"{conformance.target}/_emu/{path}"
    try:
        with httpx.Client(timeout=conformance.timeout, verify=False) as client:  # noqa: S501 - loopback emulator
            resp = client.get(url) if body is None else client.post(url, json=body)
        return resp.json() if resp.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def is_emulator(conformance: _Target) -> bool:
    """The target is this project's emulator (its control API answers ``GET /_emu/state``)."""
    return emulator_control(conformance, "state") is not None


__all__ = ["emulator_control", "is_emulator"]
