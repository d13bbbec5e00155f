"""Run emulated devices on loopback: one uvicorn server per device (each device has its own port, as
real devices have their own address), all sharing one :class:`Network` so SMS travel between them.

:class:`Fleet` runs them in background threads (tests, ``smsgw`` subcommands that need a device);
:func:`serve_forever` runs them on the current thread's loop (the ``smsgw emulate`` command).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any

from smsgw._http.server import ServerThread
from smsgw.emulator.app import EmulatorApp, PushSink
from smsgw.emulator.clock import Clock, ScaledClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.network import Network


class SimpleDispatcher:
    """A bounded, non-blocking push sender (used when ``smsgw.emulator.pushes`` is absent):
    ``submit`` queues (dropping the oldest when full); a task on the running loop POSTs with a
    timeout and a bounded number of retries."""

    def __init__(self, *, timeout: float = 2.0, retries: int = 2, max_queue: int = 10_000) -> None:
        self.timeout = timeout
        self.retries = retries
        self.queue: deque[tuple[str, bytes, str, dict[str, str]]] = deque(maxlen=max_queue)
        self.sent = self.failed = 0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    def submit(
        self, url: str, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> bool:
        self.queue.append((url, body, content_type, dict(headers or {})))
        if self._task is None:
            loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run())
        assert self._wake is not None
        self._wake.set()
        return True

    async def _run(self) -> None:
        import httpx

        assert self._wake is not None
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            while True:
                while not self.queue:
                    self._wake.clear()
                    await self._wake.wait()
                url, body, content_type, headers = self.queue.popleft()
                for attempt in range(self.retries + 1):
                    try:
                        response = await client.post(
                            url, content=body, headers={**headers, "content-type": content_type}
                        )
                        if response.status_code < 500:
                            self.sent += 1
                            break
                    except (httpx.HTTPError, OSError):
                        pass
                    if attempt == self.retries:
                        self.failed += 1
                    else:
                        await asyncio.sleep(0.05 * 2**attempt)


def make_sink() -> PushSink:
    """The project's push dispatcher when present, else :class:`SimpleDispatcher`."""
    try:
        from smsgw.emulator import pushes  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return SimpleDispatcher()
    factory: Any = getattr(pushes, "PushDispatcher", None)
    return factory(timeout=2.0, retries=2) if factory is not None else SimpleDispatcher()


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
            ServerThread(app, host=host, port=port) for app, port in zip(self.apps, chosen, strict=True)
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


__all__ = ["Fleet", "SimpleDispatcher", "build_devices", "make_sink", "serve_forever"]
