"""A virtual GSM network: routes SMS between emulated SIMs by number, decides the fate of the rest.

An SMS to a number owned by a SIM of any device on the same :class:`Network` arrives there as a
received SMS; with ``dr=1`` the sender gets a delivery report.  Numbers outside the network
succeed or fail by seeded :class:`OutcomeRule` s (SMPPSim-style: by number prefix, with a
probability), the failure carrying a carrier reason for ``fdr``.

Devices may run in different threads; delivery goes through each device's thread-safe
``incoming`` deque and is processed by that device's ``advance``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from smsgw.emulator.ports import PortBank


class Subscriber(Protocol):
    """A device on the network (Ejoin or Dinstar): its SIMs (``bank``) and SMS arrival."""

    @property
    def bank(self) -> PortBank: ...

    def deliver(  # noqa: PLR0917 (one signature for every device family)
        self, port: int, slot: int, sender: str, recipient: str, text: str, at: float, report: bool = False
    ) -> None: ...


DEFAULT_REASON = "27 Absent subscriber"


@dataclass(frozen=True, slots=True)
class OutcomeRule:
    """Numbers starting with ``prefix`` ("" = any) fail with ``probability``, citing ``reason``."""

    prefix: str = ""
    probability: float = 1.0
    reason: str = DEFAULT_REASON

    @classmethod
    def parse(cls, text: str) -> OutcomeRule:
        """``PREFIX:PROBABILITY[:CODE TEXT]`` (``999:1:27 Absent subscriber``, ``:0.1``)."""
        parts = text.split(":", 2)
        if len(parts) < 2:
            raise ValueError(f"outcome rule {text!r}: expected PREFIX:PROBABILITY[:REASON]")
        probability = float(parts[1])
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"outcome rule {text!r}: probability outside 0..1")
        reason = parts[2] if len(parts) == 3 and parts[2] else DEFAULT_REASON
        return cls(parts[0].strip(), probability, reason)

    def as_dict(self) -> dict[str, Any]:
        return {"prefix": self.prefix, "probability": self.probability, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Route:
    device: Subscriber
    port: int
    slot: int


class Network:
    """Numbers of every emulated SIM, across devices, plus the outcome rules for the others."""

    def __init__(
        self, seed: int = 0, rules: list[OutcomeRule] | None = None, smsc: str = "8613800000000"
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (seeded emulation)
        self.rules: list[OutcomeRule] = list(rules or [])
        self.smsc = smsc
        self.devices: list[Subscriber] = []
        self._index: dict[str, Route] | None = None
        self._lock = threading.Lock()

    def attach(self, device: Subscriber) -> int:
        with self._lock:
            self.devices.append(device)
            self._index = None
            return len(self.devices) - 1

    def invalidate(self) -> None:
        """A SIM number changed somewhere (sim_number(n), SIM inserted or ejected)."""
        self._index = None

    def lookup(self, number: str) -> Route | None:
        index = self._index
        if index is None:
            with self._lock:
                index = {}
                for device in self.devices:
                    for slot in device.bank.all_slots():
                        if slot.present and slot.number:
                            index.setdefault(_norm(slot.number), Route(device, slot.port, slot.slot))
                self._index = index
        return index.get(_norm(number))

    def external_outcome(self, number: str) -> tuple[bool, str]:
        """(delivered, carrier reason) for a number outside the network."""
        digits = _norm(number)
        with self._lock:
            for rule in self.rules:
                if digits.startswith(rule.prefix.lstrip("+")):
                    if self.rng.random() < rule.probability:
                        return False, rule.reason
                    return True, ""
        return True, ""


def _norm(number: str) -> str:
    return number.strip().lstrip("+")


__all__ = ["Network", "OutcomeRule", "Route", "Subscriber"]
