"""Run a receiver in the foreground (``smsgw receive``): uvicorn (httptools, uvloop) on one socket,
pushes taken by :class:`~smsgw.receiver.protocol.PushProtocol`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from types import FrameType

import uvicorn

from smsgw.receiver.app import ReceiverApp
from smsgw.receiver.core import Receiver, ReceiverConfig
from smsgw.receiver.protocol import uvicorn_http


def serve(
    config: ReceiverConfig,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    ready_file: Path | None = None,
    cpu: int | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM, then commit what is queued and close the store.

    ``ready_file`` receives ``{"url", "pid", "db"}`` (written atomically) once the socket listens;
    ``cpu`` pins the process to that core (benchmarks).
    """
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    # The commit thread (synchronous=FULL) takes the GIL back once per batch: let it have it soon
    # (default 5 ms) so acks are not held behind a busy event loop.
    sys.setswitchinterval(0.0005)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = int(sock.getsockname()[1])
    url = f"http://{'[' + host + ']' if ':' in host else host}:{bound_port}"
    receiver = Receiver(config).start()
    app = ReceiverApp(receiver)
    server = _Server(
        receiver,
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=uvicorn_http(app),  # httptools, pushes taken without ASGI
            loop="uvloop",
            proxy_headers=False,  # no ProxyHeadersMiddleware: the client address is the peer's
            timeout_keep_alive=75,
            timeout_graceful_shutdown=5,
        ),
    )

    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.01)
        if ready_file is not None:
            tmp = ready_file.with_suffix(ready_file.suffix + ".tmp")
            tmp.write_text(
                json.dumps({"url": url, "pid": os.getpid(), "db": str(config.db)}), encoding="utf-8"
            )
            tmp.replace(ready_file)
        if on_ready is not None:
            on_ready(url)

    async def main() -> None:
        task = asyncio.create_task(announce())
        try:
            await server.serve(sockets=[sock])
        finally:
            task.cancel()

    try:
        import uvloop

        uvloop.run(main())
    finally:
        receiver.close()
        sock.close()
    # uvicorn re-raises the signal that stopped it once it has shut down; that is done here, after
    # the store is closed (re-raised inside uvicorn, a SIGTERM killed the process before it was).
    for captured in reversed(server.stop_signals):
        signal.raise_signal(captured)


class _Server(uvicorn.Server):
    """uvicorn, ending the ``/_api/wait`` long-polls as soon as SIGINT/SIGTERM arrives (they would
    otherwise hold the graceful shutdown for up to their timeout)."""

    def __init__(self, receiver: Receiver, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.receiver = receiver
        self.stop_signals: list[int] = []

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.receiver.stop_waiting()
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """uvicorn's, handing the captured signals to :func:`serve` instead of re-raising them."""
        with super().capture_signals():
            try:
                yield
            finally:
                self.stop_signals = list(self._captured_signals)
                self._captured_signals.clear()
