"""The Dinstar UC gateway profile of the emulator (dinstar-uc-1.2), on the Ejoin emulator's core."""

from __future__ import annotations

from smsgw.emulator.dinstar.device import PROFILE, DinstarDevice, DinstarResponse

__all__ = ["PROFILE", "DinstarDevice", "DinstarResponse"]
