"""Run emulated devices on loopback: one uvicorn server per device (each device has its own port, as
real devices have their own address), all sharing one :class:`Network` so SMS travel between them.

:class:`Fleet` runs them in background threads (tests, ``smsgw`` subcommands that need a device);
:func:`serve_forever` runs them on the current thread's loop (the ``smsgw emulate`` command).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from dataclasses import replace
from types import TracebackType

from smsgw._http.server import ServerThread
from smsgw.emulator.app import EmulatorApp, PushSink
from smsgw.emulator.clock import Clock, ScaledClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.dinstar.tls import LoopbackCertificate
from smsgw.emulator.network import Network
from smsgw.emulator.pushes import PushDispatcher


def make_sink() -> PushSink:
    """The push dispatcher: bounded queue per URL, 2 s timeouts, 2 retries, never blocks."""
    return PushDispatcher(timeout=2.0, retries=2)


#: profiles served by :class:`DinstarDevice` (the others are Ejoin documents)
DINSTAR_PROFILES = frozenset({"dinstar-uc"})


def new_device(config: DeviceConfig, clock: Clock, network: Network | None = None) -> Device | DinstarDevice:
    """The device of ``config.profile``: an Ejoin :class:`Device` or a :class:`DinstarDevice`."""
    if config.profile in DINSTAR_PROFILES:
        return DinstarDevice(config, clock, network)
    return Device(config, clock, network)


def build_devices(
    count: int, template: DeviceConfig, clock: Clock, network: Network | None = None
) -> list[Device | DinstarDevice]:
    """``count`` devices from one template (device ``index`` 0..count-1 gives distinct numbers)."""
    network = network if network is not None else Network(seed=template.seed)
    return [new_device(replace(template, index=template.index + i), clock, network) for i in range(count)]


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
        tls: bool = False,
    ) -> None:
        """``tls``: HTTPS with a self-signed certificate for ``host`` (:attr:`ca_file` verifies it)."""
        template = template or DeviceConfig()
        self.clock = clock or ScaledClock(1.0)
        self.network = network or Network(seed=template.seed)
        self.devices = build_devices(count, template, self.clock, self.network)
        self.apps = [
            EmulatorApp(d, sink if sink is not None else make_sink(), tick=tick) for d in self.devices
        ]
        chosen = ports or [0] * count
        self.tls: LoopbackCertificate | None = LoopbackCertificate.create(host) if tls else None
        ssl_options = self.tls.uvicorn_options() if self.tls is not None else {}
        self.servers = [
            # proxy_headers off: the device's IP lists see the real peer, never an X-Forwarded-For
            ServerThread(app, host=host, port=port, lifespan="on", proxy_headers=False, **ssl_options)
            for app, port in zip(self.apps, chosen, strict=True)
        ]

    @property
    def urls(self) -> list[str]:
        scheme = "https://" if self.tls is not None else "http://"
        return [scheme + s.url.removeprefix("http://") for s in self.servers]

    @property
    def ca_file(self) -> str | None:
        """The CA certificate (PEM) to verify the devices' HTTPS with (``tls=True``)."""
        return str(self.tls.ca_path) if self.tls is not None else None

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
        if self.tls is not None:
            self.tls.cleanup()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


#: generation-0 threshold of a process that only serves emulated devices (Python's default: 700)
SERVING_GC_THRESHOLD = 10_000


def tune_gc_for_serving() -> None:
    """Garbage-collector settings for a process whose only job is to serve emulated devices
    (``smsgw emulate``, the benchmark's server); never called where the emulator is embedded in
    someone else's process (fixtures, ``ServerThread``).

    A batch of queued tasks allocates thousands of container objects, and with the default
    threshold every 700 of them start a young collection that also walks what survived the last
    one: a 100-task ``goip_post_sms`` took ~4.0M instructions, 3.5M with ``10_000`` (tasks/s
    accepted in batches ~125k -> ~165k, ``python -m benchmarks.emulator_post_sms``); a single-task
    request is unchanged (~242k). ``gc.freeze()`` first moves the start-up heap (modules, schemas,
    the devices' slots) out of every collection.
    """
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(SERVING_GC_THRESHOLD, second, third)


async def serve_forever(
    apps: list[EmulatorApp], host: str, ports: list[int], tls: LoopbackCertificate | None = None
) -> None:
    """Serve every app on its port with uvicorn until cancelled (Ctrl-C); HTTPS with ``tls``."""
    import uvicorn

    ssl_options = tls.uvicorn_options() if tls is not None else {}
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="warning",
                access_log=False,
                lifespan="on",
                proxy_headers=False,
                **ssl_options,
            )
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


__all__ = [
    "DINSTAR_PROFILES",
    "SERVING_GC_THRESHOLD",
    "Fleet",
    "build_devices",
    "make_sink",
    "new_device",
    "serve_forever",
    "tune_gc_for_serving",
]
