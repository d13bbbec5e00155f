"""Named firmware behaviours the emulator can switch on: quirks, defects, and seeded faults.

* A **quirk** reproduces a tolerated variant the vendor documents themselves show (their examples,
  known field variants). The conformance suite grades it NON-STRICT, never FAIL. Quirks are off by
  default unless the errata say real firmware does it.
* A **defect** is a realistic firmware bug (wrong code, missing field, seq not increasing...). The
  conformance suite must FAIL a device that has it; each requirement gets at least one defect so
  every check is proven able to fail.
* **Faults** are transport-level noise: latency, dropped connections, 5xx answers, at seeded rates.

Declaring a switch is one line, at module level, next to the code that honours it::

    TID_NOT_ECHOED = defect("defect.tid-not-echoed", "task-status entries carry the batch position")
    ...
    if self.switches.on(TID_NOT_ECHOED): ...

The catalog is complete once :mod:`smsgw.emulator.device` is imported (it imports every module
that declares switches); :func:`catalog` does that import, so there is one trigger point.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["quirk", "defect"]


@dataclass(frozen=True, slots=True)
class Switch:
    name: str
    kind: Kind
    description: str
    default: bool = False
    erratum: str | None = None


_CATALOG: dict[str, Switch] = {}


def _declare(switch: Switch) -> str:
    prefix = f"{switch.kind}."
    if not switch.name.startswith(prefix):
        raise ValueError(f"{switch.name!r}: a {switch.kind} name starts with {prefix!r}")
    existing = _CATALOG.get(switch.name)
    if existing is not None and existing != switch:
        raise ValueError(f"duplicate switch name {switch.name!r}")
    _CATALOG[switch.name] = switch
    return switch.name


def quirk(name: str, description: str, *, erratum: str | None = None, default: bool = False) -> str:
    """Declare a quirk (a tolerated variant, graded NON-STRICT); returns its name."""
    return _declare(Switch(name, "quirk", description, default, erratum))


def defect(name: str, description: str) -> str:
    """Declare a defect (a firmware bug the conformance suite must FAIL); returns its name."""
    return _declare(Switch(name, "defect", description))


def catalog() -> dict[str, Switch]:
    """Every declared quirk and defect, by name (sorted)."""
    import smsgw.emulator.device  # declares the switches of every Ejoin emulator module
    import smsgw.emulator.dinstar  # noqa: F401  (the Dinstar profile's switches)

    return dict(sorted(_CATALOG.items()))


class UnknownSwitchError(KeyError):
    """A quirk or defect name that is not in the catalog."""


class Switches:
    """The set of quirks and defects switched on for one device.

    ``enabled`` is the live set of the names switched on (change it only through :meth:`set`).
    Per-request and per-task paths read it directly, ``if NAME in sw.enabled`` or
    ``if sw.enabled:`` to skip a block of checks while nothing is on: a set lookup, no call.
    """

    __slots__ = ("enabled",)

    def __init__(self, on: Iterable[str] = ()) -> None:
        self.enabled: set[str] = {s.name for s in _CATALOG.values() if s.default}
        for name in on:
            self.set(name, True)

    def on(self, name: str) -> bool:
        return name in self.enabled

    def set(self, name: str, value: bool) -> None:
        if name not in catalog():
            raise UnknownSwitchError(name)
        if value:
            self.enabled.add(name)
        else:
            self.enabled.discard(name)

    def active(self) -> list[str]:
        return sorted(self.enabled)

    def __bool__(self) -> bool:
        return bool(self.enabled)


@dataclass(slots=True)
class Faults:
    """Seeded transport faults applied to device API answers (never to the control API)."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    drop_rate: float = 0.0
    error_rate: float = 0.0
    seed: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self.rng.seed(self.seed)

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.jitter_ms or self.drop_rate or self.error_rate)

    def delay(self) -> float:
        """Seconds to wait before answering."""
        if not (self.latency_ms or self.jitter_ms):
            return 0.0
        return max(0.0, (self.latency_ms + self.rng.uniform(-self.jitter_ms, self.jitter_ms)) / 1000.0)

    def drop(self) -> bool:
        return self.drop_rate > 0 and self.rng.random() < self.drop_rate

    def error(self) -> bool:
        return self.error_rate > 0 and self.rng.random() < self.error_rate

    def as_dict(self) -> dict[str, float]:
        return {
            "latency_ms": self.latency_ms,
            "jitter_ms": self.jitter_ms,
            "drop_rate": self.drop_rate,
            "error_rate": self.error_rate,
            "seed": self.seed,
        }

    def update(self, values: dict[str, object]) -> None:
        """Set fault parameters from a control-API JSON object; raises ValueError on bad values."""
        for key in ("latency_ms", "jitter_ms", "drop_rate", "error_rate"):
            if key in values:
                value = values[key]
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise ValueError(f"{key} must be a non-negative number")
                if key.endswith("_rate") and value > 1:
                    raise ValueError(f"{key} must be within 0..1")
                setattr(self, key, float(value))
        if "seed" in values:
            seed = values["seed"]
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise ValueError("seed must be an integer")
            self.seed = seed
            self.rng.seed(seed)


__all__ = ["Faults", "Switch", "Switches", "UnknownSwitchError", "catalog", "defect", "quirk"]
