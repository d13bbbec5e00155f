"""Run emulated devices on loopback: one uvicorn server per device (each device has its own port, as
real devices have their own address), all sharing one :class:`Network` so SMS travel between them.

:class:`Fleet` runs them in background threads (tests, ``smsgw`` subcommands that need a device);
:func:`serve_forever` runs them on the current thread's loop (the ``smsgw emulate`` command).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from types import TracebackType

from smsgw._http.server import ServerThread
from smsgw.emulator.app import EmulatorApp, PushSink
from smsgw.emulator.clock import Clock, ScaledClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.network import Network
from smsgw.emulator.pushes import PushDispatcher


def make_sink() -> PushSink:
    """The push dispatcher: bounded queue per URL, 2 s timeouts, 2 retries, never blocks."""
    return PushDispatcher(timeout=2.0, retries=2)


def build_devices(
    count: int, template: DeviceConfig, clock: Clock, network: Network | None = None
) -> list[Device]:
    """``count`` devices from one template (device ``index`` 0..count-1 gives distinct numbers)."""
    network = network if network is not None else Network(seed=template.seed)
    return [Device(replace(template, index=template.index + i), clock, network) for i in range(count)]


class Fleet:
    """Devices served in background threads: ``with Fleet(2) as fleet: fleet.urls``."""

    def __init__(
        self,
        count: int = 1,
        template: DeviceConfig | None = None,
        *,
        clock: Clock | None = None,
        network: Network | None = None,
        sink: PushSink | None = None,
        host: str = "127.0.0.1",
        ports: list[int] | None = None,
        tick: float = 0.02,
    ) -> None:
        template = template or DeviceConfig()
        self.clock = clock or ScaledClock(1.0)
        self.network = network or Network(seed=template.seed)
        self.devices = build_devices(count, template, self.clock, self.network)
        self.apps = [
            EmulatorApp(d, sink if sink is not None else make_sink(), tick=tick) for d in self.devices
        ]
        chosen = ports or [0] * count
        self.servers = [
            ServerThread(app, host=host, port=port, lifespan="on")
            for app, port in zip(self.apps, chosen, strict=True)
        ]

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    def start(self) -> Fleet:
        started: list[ServerThread] = []
        try:
            for server in self.servers:
                started.append(server.start())
        except BaseException:
            for server in started:
                server.stop()
            raise
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


async def serve_forever(apps: list[EmulatorApp], host: str, ports: list[int]) -> None:
    """Serve every app on its port with uvicorn until cancelled (Ctrl-C)."""
    import uvicorn

    servers = [
        uvicorn.Server(
            uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")
        )
        for app, port in zip(apps, ports, strict=True)
    ]
    tasks = [asyncio.ensure_future(s.serve()) for s in servers]
    try:
        await asyncio.gather(*tasks)
    finally:
        for server in servers:
            server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.gather(*tasks, return_exceptions=True)


__all__ = ["Fleet", "build_devices", "make_sink", "serve_forever"]
