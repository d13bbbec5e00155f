"""The embedded target of ``smsgw certify`` without ``--target``: emulator + receiver in-process.

:func:`start_embedded_target` is the one place where the embedded emulator (``smsgw.emulator``)
and push receiver (``smsgw.receiver``) are started for a certification run (Ejoin profiles and
``dinstar-uc``; a Dinstar device pushes to the receiver from the start).  The emulator's clock
runs :data:`CLOCK_SPEEDUP` times faster than the wall clock, and the suite's timers are scaled to
match, so a certification of the emulator takes seconds where a real device takes minutes.  The
emulator belongs to the run: the suite's SMS go to the numbers of its own SIMs
(:attr:`EmbeddedTarget.phone_numbers`) and its destructive checks run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smsgw.report.declaration import DEFAULT_PROFILE, PROFILE_FAMILY, Declaration

if TYPE_CHECKING:
    from smsgw.emulator.serve import Fleet

#: How much faster the embedded emulator's clock runs than the wall clock.
CLOCK_SPEEDUP = 10.0


class EmbeddedUnavailable(RuntimeError):
    """The embedded emulator or receiver cannot be started in this build or for this profile."""


@dataclass(frozen=True)
class EmbeddedTarget:
    url: str
    callback_url: str
    profile: str
    declaration: Declaration
    #: The receiver's API, for the suite's ``receiver`` fixture (``--receiver``).
    receiver_url: str
    username: str
    password: str
    #: Factor for the documents' timers (the emulator's clock runs faster than the wall clock).
    time_scale: float = 1.0
    #: Numbers of the emulator's own SIMs: the only recipients of the suite's SMS (``--phone-number``).
    phone_numbers: tuple[str, ...] = ()
    #: The emulator is the suite's to change: destructive checks run (``--allow-destructive``).
    allow_destructive: bool = True
    #: A second loopback address the suite's IP list checks send from (``--second-source-address``).
    second_source_address: str | None = "127.0.0.2"


@contextmanager
def start_embedded_target(
    profile: str = DEFAULT_PROFILE, speedup: float = CLOCK_SPEEDUP
) -> Iterator[EmbeddedTarget]:
    """Start one emulated device (its clock ``speedup`` times faster) and a push receiver on free
    loopback ports for the run."""
    if speedup <= 0:
        raise EmbeddedUnavailable("the emulator's clock speed-up must be positive")
    family = PROFILE_FAMILY.get(profile)
    if family not in ("ejoin", "dinstar"):
        raise EmbeddedUnavailable(f"the embedded emulator has no device for profile {profile!r}")
    try:
        from smsgw.emulator.clock import ScaledClock
        from smsgw.emulator.device import DeviceConfig
        from smsgw.emulator.serve import Fleet
        from smsgw.receiver import start_receiver
    except ImportError as exc:
        raise EmbeddedUnavailable(
            f"the embedded emulator/receiver is not part of this build ({exc}); give --target URL"
        ) from None
    import secrets

    username = "admin" if family == "dinstar" else "root"
    password = secrets.token_urlsafe(12)
    with start_receiver() as receiver:
        # a Dinstar gateway's push URL is device configuration (dinstar-uc-1.2 §17), not an API call
        try:
            config = DeviceConfig(
                profile=profile,
                username=username,
                password=password,
                status_url=receiver.public_url if family == "dinstar" else None,
            )
        except ValueError as exc:
            raise EmbeddedUnavailable(str(exc)) from None
        with Fleet(1, config, clock=ScaledClock(speedup)) as fleet:
            yield EmbeddedTarget(
                url=fleet.urls[0],
                callback_url=receiver.public_url,
                receiver_url=receiver.url,
                profile=profile,
                declaration=Declaration.everything(profile, source="built-in: the embedded emulator"),
                username=username,
                password=password,
                time_scale=1.0 / speedup,
                phone_numbers=_own_numbers(fleet),
            )


def _own_numbers(fleet: Fleet, count: int = 2) -> tuple[str, ...]:
    """The numbers of the SIMs in the first slot of the device's last ``count`` ports."""
    ports = fleet.devices[0].bank.ports[-count:]
    return tuple(p.slots[0].number for p in ports if p.slots[0].number)
