"""The raw HTTP/1.1 load generator and server plumbing shared by the benchmarks.

A keep-alive client on asyncio (uvloop) protocols, one request in flight per connection. It costs the
client ~30 us of CPU per request (~30 % of its core at 9,000 requests/s, ~10 % at 3,000): one client
core is not what limits either server under test (each benchmark reports the client's CPU use).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class RoundStats:
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


class Conn(asyncio.Protocol):
    """One keep-alive connection sending ``request`` again as soon as the previous answer is in."""

    def __init__(self, request: bytes, stats: RoundStats, stop_at: float, done: asyncio.Future[None]) -> None:
        self.request = request
        self.stats = stats
        self.stop_at = stop_at
        self.done = done
        self.buf = b""
        self.sent = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not an asyncio.Transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        self.sent = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            # The servers are raw ASGI on uvicorn: lower-case header names, no lower() needed.
            at = buf.find(b"content-length: ", 0, end)
            length = int(buf[at + 16 : buf.find(b"\r\n", at)]) if at >= 0 else 0
            total = end + 4 + length
            if len(buf) < total:
                break
            status = buf[9:12]
            buf = buf[total:]
            now = time.perf_counter()
            if status == b"200":
                self.stats.ok += 1
                self.stats.latencies.append(now - self.sent)
            else:
                self.stats.errors += 1
            if now < self.stop_at:
                self._send()
            else:
                assert self.transport is not None
                self.transport.close()
                if not self.done.done():
                    self.done.set_result(None)
                break
        self.buf = buf

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def run_round(
    url: str, path: str, body: bytes, connections: int, duration: float
) -> tuple[RoundStats, float]:
    """POST ``body`` to ``url + path`` over ``connections`` for ``duration`` seconds."""
    host, port = url.removeprefix("http://").split(":")
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nUser-Agent: bench\r\n\r\n"
    ).encode() + body
    loop = asyncio.get_running_loop()
    stats = RoundStats()
    start = time.perf_counter()
    stop_at = start + duration
    futures = []
    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda d=done: Conn(request, stats, stop_at, d), host, int(port))
        futures.append(done)
    await asyncio.wait_for(asyncio.gather(*futures), duration + 30)
    return stats, time.perf_counter() - start


def start_server(args: list[str], ready: Path, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], str]:
    """Start a server subprocess; returns it and the ``url`` it writes to the ``ready`` JSON file."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start: {args}")
        time.sleep(0.05)
    return process, json.loads(ready.read_text())["url"]


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (Linux ``/proc``; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def serve_pinned(app: Any, ready_file: Path, cpu: int | None, **uvicorn_options: Any) -> None:
    """Serve ``app`` on uvicorn (httptools, uvloop) on a free loopback port, pinned to ``cpu``.

    Writes ``{"url", "pid"}`` to ``ready_file`` once listening (what :func:`start_server` waits for).
    """
    import socket

    import uvicorn
    import uvloop

    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    options: dict[str, Any] = {
        "log_level": "warning",
        "access_log": False,
        "http": "httptools",
        "loop": "uvloop",
    }
    options.update(uvicorn_options)
    server = uvicorn.Server(uvicorn.Config(app, **options))

    async def main() -> None:
        async def announce() -> None:
            while not server.started:
                await asyncio.sleep(0.01)
            tmp = ready_file.with_suffix(".tmp")
            tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}))
            tmp.replace(ready_file)

        task = asyncio.create_task(announce())
        await server.serve(sockets=[sock])
        task.cancel()

    uvloop.run(main())
