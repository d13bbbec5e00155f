"""The embedded target of ``smsgw certify`` without ``--target``: emulator + receiver in-process.

:func:`start_embedded_target` is the one place where the embedded emulator (``smsgw.emulator``) and
push receiver (``smsgw.receiver``) are started for a certification run.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from smsgw.report.declaration import DEFAULT_PROFILE, Declaration


class EmbeddedUnavailable(RuntimeError):
    """The embedded emulator or receiver cannot be started in this build."""


@dataclass(frozen=True)
class EmbeddedTarget:
    url: str
    callback_url: str
    profile: str
    declaration: Declaration
    username: str
    password: str
    #: The emulator's clock speed-up: the suite scales the documents' timers by this.
    time_scale: float = 1.0


@contextmanager
def start_embedded_target(profile: str = DEFAULT_PROFILE) -> Iterator[EmbeddedTarget]:
    """Start the embedded emulator and receiver on free loopback ports for the run's duration.

    Wiring point: each component exposes ``create_app(**options) -> ASGI app`` (``smsgw.emulator``
    with ``profile``, ``username``, ``password``; ``smsgw.receiver`` without arguments).  Until both
    exist this raises :class:`EmbeddedUnavailable` with a message that says what is missing.
    """
    missing = [
        name for name in ("smsgw.emulator", "smsgw.receiver") if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise EmbeddedUnavailable(
            f"the embedded {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not part of this "
            "build; give --target URL to certify a device"
        )
    factories: list[Any] = []
    for name in ("smsgw.emulator", "smsgw.receiver"):
        module = importlib.import_module(name)
        factory = getattr(module, "create_app", None)
        if factory is None:
            raise EmbeddedUnavailable(
                f"{name} has no create_app() yet, so `smsgw certify` cannot start it; give --target URL "
                "(see smsgw.report.embedded.start_embedded_target)"
            )
        factories.append(factory)
    from smsgw._http import ServerThread

    username, password = "root", "embedded-emulator-password"
    emulator_app = factories[0](profile=profile, username=username, password=password)
    receiver_app = factories[1]()
    with ServerThread(receiver_app) as receiver, ServerThread(emulator_app) as emulator:
        yield EmbeddedTarget(
            url=emulator.url,
            callback_url=receiver.url,
            profile=profile,
            declaration=Declaration.everything(profile, source="built-in: the embedded emulator"),
            username=username,
            password=password,
        )
