"""The suite against what users would otherwise reach for, side by side in one run (issue #9).

    python -m benchmarks                  # full run, ~6-8 min on 2 cores
    python -m benchmarks --quick          # smoke run: tiny rounds, no certify/fuzz wall times
    python -m benchmarks --only receiver_ingest --rounds 6 --seconds 3
    python -m benchmarks --install        # install Prism (npm, into ~/.cache/smsgw-bench/prism) if missing

Groups (each row's ratio is to the group's baseline, measured in the same rounds):

* ``ejoin_post_sms`` / ``ejoin_post_sms_x100``: Ejoin ``goip_post_sms`` with one task per request and
  with 100-task batches: the emulator (gateway-2.4 ``Device`` behind ``EmulatorApp``, as
  ``benchmarks.emulator_post_sms`` serves it) vs Prism (``prism mock`` on a single-file bundle of
  ``schemas/ejoin/openapi/gateway-2.4.yaml``: it validates the request against the same schemas and
  answers the operation's example) vs the bare endpoint (reads the body, answers a fixed task-status)
  on the emulator's uvicorn/httptools/uvloop stack. Same request bytes for all (fresh tids each).
* ``dinstar_send_sms``: Dinstar ``/api/send_sms`` with HTTP digest (a fresh ``nc`` per request, one
  nonce per connection): the ``dinstar-uc`` emulator (digest verified, body validated, SMS queued)
  vs Prism on ``schemas/dinstar/openapi/uc-1.2.yaml`` vs a bare endpoint answering a fixed
  ``{"error_code":202,...}``.
* ``receiver_ingest``: 7.8 KB ``dev-status`` pushes: ``smsgw receive`` (validated + committed to
  SQLite with fsync before the ack, as ``benchmarks.receiver_ingest`` starts it) vs its bare
  body-reading endpoint vs pytest-httpserver (``HTTPServer`` + ``expect_request(...)
  .respond_with_json(...)``, werkzeug, single-threaded and HTTP/1.0 by default: one connection per
  request; reported as users get it; its request log is cleared once a second to bound memory).
* ``load_send_sms``: the Locust send-sms profile vs a bare FastHttpUser, by running
  ``benchmarks.load_send_sms`` (its own ABBA rounds) and reading its JSON.
* ``walltime``: ``smsgw certify`` on the embedded emulator and ``smsgw fuzz --max-examples 5`` (all
  phases and operations, embedded emulator), wall time of ``--walltime-runs`` runs each (median), not
  alternated; skipped by ``--quick``.

Servers are pinned to one CPU, the load generator (this process: an asyncio/uvloop HTTP/1.1
keep-alive client, one request in flight per connection) to another; its CPU share is reported per
group so a client-bound round can be spotted. Contenders are alternated within each group in ABBA
order (a b c, c b a, ...); ratios are medians of per-round ratios. Results: ``reports/bench/peers.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib.metadata
import itertools
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import _prism
from benchmarks._loadgen import (
    ROOT,
    RoundStats,
    percentile,
    process_cpu_seconds,
    serve_pinned,
    start_server,
    stop_server,
)

DEFAULT_OUT = ROOT / "reports" / "bench" / "peers.json"
GROUPS = ("ejoin_post_sms", "dinstar_send_sms", "receiver_ingest", "load_send_sms", "walltime")
#: the emulated Dinstar's web account (a benchmark constant, never printed or written)
DINSTAR_USER, DINSTAR_PASSWORD = "admin", "bench-pw"
EJOIN_PATH = "/goip_post_sms.html?username=root&password=root"
DINSTAR_PATH = "/api/send_sms"
DINSTAR_BODY = b'{"text":"benchmark message","param":[{"number":"13800138000"}]}'
_DINSTAR_BARE_ANSWER = b'{"error_code":202,"sms_in_queue":1,"task_id":1}'
_EJOIN_BARE_ANSWER = b'{"code":200,"reason":"OK","type":"task-status","status":[{"tid":1,"status":"0 OK"}]}'
RECEIVER_PATH = "/push/bench"
#: wall-time runs, on the embedded emulator (gateway-2.4): certify as shipped; fuzz with 5 examples per
#: operation and phase (100, its default, took 7 min and 10 took 3 min on the busy 2-core machine)
CERTIFY_ARGS = ["certify"]
FUZZ_ARGS = ["fuzz", "--max-examples", "5"]


# -- servers (run in subprocesses: python -m benchmarks.peers --serve KIND) ------------------------
def _fixed_answer_app(answer: bytes) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        from smsgw._http.asgi import read_body

        if scope["type"] != "http":
            return
        await read_body(receive, 1 << 20)
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", b"%d" % len(answer)),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    return app


def serve(kind: str, ready: Path, cpu: int | None) -> None:
    if kind == "dinstar":
        from smsgw.emulator.app import EmulatorApp, RecordingSink
        from smsgw.emulator.clock import ScaledClock
        from smsgw.emulator.device import DeviceConfig
        from smsgw.emulator.dinstar.device import DinstarDevice

        config = DeviceConfig(
            profile="dinstar-uc", username=DINSTAR_USER, password=DINSTAR_PASSWORD, register_time=0.0
        )
        serve_pinned(
            EmulatorApp(DinstarDevice(config, ScaledClock(1.0)), RecordingSink()), ready, cpu, lifespan="on"
        )
    elif kind == "dinstar-bare":
        serve_pinned(_fixed_answer_app(_DINSTAR_BARE_ANSWER), ready, cpu, lifespan="off")
    elif kind == "httpserver":
        _serve_httpserver(ready, cpu)
    else:
        raise SystemExit(f"unknown server {kind}")


def _serve_httpserver(ready: Path, cpu: int | None) -> None:
    """pytest-httpserver as a callback sink, as its README shows it (defaults: werkzeug, one thread)."""
    from pytest_httpserver import HTTPServer

    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    # werkzeug logs every request to stderr (kept: its cost is part of the defaults), not to our terminal
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (for the life of this server process)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request(RECEIVER_PATH, method="POST").respond_with_json({"code": 0, "reason": "OK"})
    server.start()
    tmp = ready.with_suffix(".tmp")
    tmp.write_text(json.dumps({"url": f"http://127.0.0.1:{server.port}", "pid": os.getpid()}))
    tmp.replace(ready)
    try:
        while True:  # the log keeps every request: clear it so a long round stays bounded
            time.sleep(1.0)
            server.clear_log()
    finally:
        server.stop()


# -- the load client -----------------------------------------------------------------------------
def _content_length(head: bytes) -> int:
    """The Content-Length of a lower-cased header block (0 without one)."""
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    stop = head.find(b"\r\n", at + 2)
    return int(head[at + 17 : stop if stop > 0 else len(head)])


class _Proto(asyncio.Protocol):
    def __init__(self, user: _User) -> None:
        self.user = user

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.user.transport = transport  # type: ignore[assignment]
        self.user.send()

    def data_received(self, data: bytes) -> None:
        self.user.feed(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.user.lost()


class _User:
    """One closed-loop client: a request, its answer, the next; reconnects when the server closes
    (HTTP/1.0 answers, ``connection: close``) until the round ends."""

    def __init__(
        self, host: str, port: int, make: Callable[[], bytes], stats: RoundStats, stop_at: float
    ) -> None:
        self.host, self.port, self.make, self.stats, self.stop_at = host, port, make, stats, stop_at
        self.loop = asyncio.get_running_loop()
        self.done: asyncio.Future[None] = self.loop.create_future()
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.sent = 0.0
        self.in_flight = False
        self.closing = False
        self.connects = 0

    async def connect(self) -> None:
        self.buf, self.closing = b"", False
        self.connects += 1
        try:
            await self.loop.create_connection(lambda: _Proto(self), self.host, self.port)
        except OSError:
            self.stats.errors += 1
            self._finish()

    def send(self) -> None:
        assert self.transport is not None
        self.in_flight = True
        self.sent = time.perf_counter()
        self.transport.write(self.make())

    def feed(self, data: bytes) -> None:
        buf = self.buf + data if self.buf else data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end].lower()
            length = _content_length(head)
            total = end + 4 + length
            if len(buf) < total:
                break
            buf = buf[total:]
            now = time.perf_counter()
            self.in_flight = False
            if head[9:12] == b"200":
                self.stats.ok += 1
                self.stats.latencies.append(now - self.sent)
            else:
                self.stats.errors += 1
            closes = b"\r\nconnection: close" in head or (
                head.startswith(b"http/1.0") and b"\r\nconnection: keep-alive" not in head
            )
            assert self.transport is not None
            if now < self.stop_at and not closes:
                self.send()
            else:
                self.closing = closes and now < self.stop_at
                self.transport.close()
                break
        self.buf = buf

    def lost(self) -> None:
        if self.in_flight:
            self.stats.errors += 1
            self.in_flight = False
        if self.closing and time.perf_counter() < self.stop_at:
            self.loop.create_task(self.connect())  # the round waits on self.done
        else:
            self._finish()

    def _finish(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def run_round(
    url: str, makers: list[Callable[[], bytes]], duration: float
) -> tuple[RoundStats, float, int]:
    """One closed-loop user per maker for ``duration`` s: (stats, elapsed, connections opened)."""
    host, port = url.removeprefix("http://").split(":")
    stats = RoundStats()
    start = time.perf_counter()
    users = [_User(host, int(port), make, stats, start + duration) for make in makers]
    for user in users:
        await user.connect()
    await asyncio.wait_for(asyncio.gather(*(u.done for u in users)), duration + 30)
    return stats, time.perf_counter() - start, sum(u.connects for u in users)


# -- requests ------------------------------------------------------------------------------------
_TIDS = itertools.count(1)


def ejoin_maker(host: str, batch: int) -> Callable[[], bytes]:
    head = (
        f"POST {EJOIN_PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json; charset=utf-8\r\n"
        "User-Agent: bench\r\nContent-Length: "
    ).encode()

    def make() -> bytes:
        tasks = ",".join(
            f'{{"tid":{next(_TIDS)},"to":"13800138000","sms":"benchmark message"}}' for _ in range(batch)
        )
        body = f'{{"type":"send-sms","task_num":{batch},"tasks":[{tasks}]}}'.encode()
        return head + b"%d\r\n\r\n" % len(body) + body

    return make


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (HTTP digest, RFC 7616 MD5)


def dinstar_maker(host: str, challenge: dict[str, str]) -> Callable[[], bytes]:
    """Digest-authenticated send_sms requests on one nonce, ``nc`` counting up.

    The header has no spaces between its parameters (RFC 7616 allows both): Prism 5 splits it on
    spaces and requires a quoted value in every piece, so ``qop=auth, nc=...`` fails its check."""
    nonce, opaque, realm = challenge["nonce"], challenge.get("opaque", ""), challenge["realm"]
    ha1 = _md5(f"{DINSTAR_USER}:{realm}:{DINSTAR_PASSWORD}")
    ha2 = _md5(f"POST:{DINSTAR_PATH}")
    counter = itertools.count(1)
    tail = (
        f"Content-Type: application/json\r\nUser-Agent: bench\r\nContent-Length: {len(DINSTAR_BODY)}\r\n\r\n"
    ).encode() + DINSTAR_BODY

    def make() -> bytes:
        nc = f"{next(counter):08x}"
        cnonce = nc
        response = _md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        auth = (
            f'Digest username="{DINSTAR_USER}",realm="{realm}",nonce="{nonce}",uri="{DINSTAR_PATH}",'
            f'algorithm=MD5,qop=auth,nc={nc},cnonce="{cnonce}",response="{response}",opaque="{opaque}"'
        )
        return f"POST {DINSTAR_PATH} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n".encode() + tail

    return make


def dinstar_challenges(emulator_url: str, count: int) -> list[dict[str, str]]:
    """``count`` fresh digest challenges (one nonce per connection: ``nc`` must grow per nonce)."""
    from smsgw.emulator.dinstar.auth import parse_auth_params

    out = []
    for _ in range(count):
        request = urllib.request.Request(emulator_url + DINSTAR_PATH, data=DINSTAR_BODY, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (loopback URL we started)
                raise RuntimeError("the Dinstar emulator answered without authentication")
        except urllib.error.HTTPError as error:
            header = error.headers.get("WWW-Authenticate", "")
            error.close()
        out.append(parse_auth_params(header.partition(" ")[2]))
    return out


def fixed_maker(host: str, path: str, body: bytes) -> Callable[[], bytes]:
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"User-Agent: bench\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    return lambda: request


def _send_once(url: str, request: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    """One raw request outside the timed loop (the answer check): (status, body)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                head = data[:end].lower()
                if b"\r\ncontent-length:" in head:
                    length = _content_length(head)
                    if len(data) >= end + 4 + length:
                        return int(data[9:12]), data[end + 4 : end + 4 + length]
            chunk = sock.recv(65536)
            if not chunk:
                return (int(data[9:12]) if len(data) >= 12 else 0), data[end + 4 :] if end >= 0 else b""
            data += chunk


def _post_control(url: str, path: str) -> None:
    request = urllib.request.Request(url + path, data=b"{}", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback URL we started)
        response.read()


# -- contenders and groups -----------------------------------------------------------------------
@dataclass
class Contender:
    name: str
    url: str
    pid: int
    role: str  # "suite", "peer" or "baseline"
    #: per connection index, a request maker (called again each round: fresh nonces, counters)
    makers: Callable[[int], list[Callable[[], bytes]]]
    before_round: Callable[[], None] = lambda: None
    rps: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)
    errors: int = 0
    connects: int = 0
    check: dict[str, Any] = field(default_factory=dict)


@dataclass
class Settings:
    rounds: int
    seconds: float
    connections: int
    server_cpu: int | None
    client_cpu: int | None
    work: Path
    prism: Path | None
    skip: set[str]


async def _alternate(contenders: list[Contender], settings: Settings, unit: float = 1.0) -> dict[str, Any]:
    """Rounds in ABBA order over the contenders; returns the group's figures."""
    for contender in contenders:  # warm-up: connection setup, caches, Prism's lazily compiled validators
        contender.before_round()
        await run_round(contender.url, contender.makers(settings.connections), min(0.5, settings.seconds / 2))
    pair: list[dict[str, float]] = []
    cpu_start, wall_start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    for round_no in range(settings.rounds):
        order = contenders if round_no % 2 == 0 else contenders[::-1]
        rates: dict[str, float] = {}
        for contender in order:
            contender.before_round()
            cpu_before = process_cpu_seconds(contender.pid)
            stats, elapsed, connects = await run_round(
                contender.url, contender.makers(settings.connections), settings.seconds
            )
            cpu = process_cpu_seconds(contender.pid) - cpu_before
            rate = stats.ok * unit / elapsed
            contender.rps.append(rate)
            contender.latencies.extend(stats.latencies)
            contender.errors += stats.errors
            contender.connects += connects
            if stats.ok:
                contender.cpu_us.append(cpu / stats.ok * 1e6)
            rates[contender.name] = rate
        pair.append(rates)
    cpu_end, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall_start
    client_share = (cpu_end.ru_utime - cpu_start.ru_utime + cpu_end.ru_stime - cpu_start.ru_stime) / wall
    baseline = next(c for c in contenders if c.role == "baseline")
    peer = next((c for c in contenders if c.role == "peer"), None)
    rows = []
    for contender in contenders:
        to_base = [r[contender.name] / r[baseline.name] for r in pair if r[baseline.name]]
        to_peer = [r[contender.name] / r[peer.name] for r in pair if peer is not None and r[peer.name]]
        rows.append(
            {
                "contender": contender.name,
                "role": contender.role,
                "median": statistics.median(contender.rps),
                "rounds": [round(r, 1) for r in contender.rps],
                "p50_ms": percentile(contender.latencies, 0.5) * 1e3,
                "p99_ms": percentile(contender.latencies, 0.99) * 1e3,
                "server_cpu_us_per_request": statistics.median(contender.cpu_us)
                if contender.cpu_us
                else None,
                "ratio_to_baseline": statistics.median(to_base) if to_base else None,
                "ratio_to_peer": statistics.median(to_peer) if to_peer else None,
                "errors": contender.errors,
                "connections_opened": contender.connects,
                "check": contender.check,
            }
        )
    return {
        "baseline": baseline.name,
        "peer": peer.name if peer is not None else None,
        "client_cpu_share": client_share,
        "rows": rows,
    }


@contextlib.contextmanager
def _servers() -> Iterator[list[Callable[[], None]]]:
    stops: list[Callable[[], None]] = []
    try:
        yield stops
    finally:
        for stop in reversed(stops):
            with contextlib.suppress(Exception):
                stop()


def _start_py(stops: list[Callable[[], None]], args: list[str], ready: Path) -> tuple[str, int]:
    process, url = start_server([sys.executable, *args], ready)
    stops.append(lambda: stop_server(process))
    return url, process.pid


def _cpu_args(settings: Settings) -> list[str]:
    return ["--cpu", str(settings.server_cpu)] if settings.server_cpu is not None else []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_prism(
    stops: list[Callable[[], None]], settings: Settings, document: str, tag: str
) -> tuple[str, int]:
    assert settings.prism is not None
    spec = _prism.bundle(ROOT / document, settings.work / f"{tag}.openapi.json")
    port = _free_port()
    process = _prism.start(
        settings.prism, spec, port, settings.server_cpu, settings.work / f"prism-{tag}.log"
    )
    stops.append(lambda: _prism.stop(process))
    return f"http://127.0.0.1:{port}", process.pid


def _all_tasks_ok(answer: Any) -> bool:
    return answer.get("type") == "task-status" and all(s.get("status") == "0 OK" for s in answer["status"])


def _check(url: str, request: bytes, ok: Callable[[Any], bool]) -> dict[str, Any]:
    status, body = _send_once(url, request)
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    return {"status": status, "answer_ok": status == 200 and answer is not None and ok(answer)}


async def group_ejoin(settings: Settings) -> list[tuple[str, dict[str, Any]]]:
    with _servers() as stops:
        contenders = []
        for kind in ("emulator", "bare"):
            ready = settings.work / f"ejoin-{kind}.json"
            url, pid = _start_py(
                stops, ["-m", "benchmarks.emulator_post_sms", "--serve", kind, "--ready", str(ready),
                        *_cpu_args(settings)], ready)  # fmt: skip
            contenders.append((kind, url, pid))
        if "prism" not in settings.skip:
            contenders.insert(
                1,
                ("prism", *_start_prism(stops, settings, "schemas/ejoin/openapi/gateway-2.4.yaml", "ejoin")),
            )
        emulator_url = contenders[0][1]
        out = []
        for batch, name in ((1, "ejoin_post_sms"), (100, "ejoin_post_sms_x100")):
            group = []
            for kind, url, pid in contenders:
                host = url.removeprefix("http://")
                reset = (
                    (lambda u=url: _post_control(u, "/_emu/reset")) if kind == "emulator" else (lambda: None)
                )
                contender = Contender(
                    kind, url, pid, {"emulator": "suite", "prism": "peer", "bare": "baseline"}[kind],
                    lambda n, h=host, b=batch: [ejoin_maker(h, b) for _ in range(n)], reset,
                )  # fmt: skip
                reset()
                contender.check = _check(
                    url, ejoin_maker(host, batch)(),
                    _all_tasks_ok,
                )  # fmt: skip
                group.append(contender)
            result = await _alternate(group, settings, unit=float(batch))
            result["unit"] = "req/s" if batch == 1 else "tasks/s (100 per request)"
            out.append((name, result))
        _post_control(emulator_url, "/_emu/reset")
        return out


async def group_dinstar(settings: Settings) -> list[tuple[str, dict[str, Any]]]:
    with _servers() as stops:
        contenders = []
        for kind, serve_kind in (("emulator", "dinstar"), ("bare", "dinstar-bare")):
            ready = settings.work / f"{serve_kind}.json"
            url, pid = _start_py(
                stops, ["-m", "benchmarks.peers", "--serve", serve_kind, "--ready", str(ready),
                        *_cpu_args(settings)], ready,
            )  # fmt: skip
            contenders.append((kind, url, pid))
        if "prism" not in settings.skip:
            contenders.insert(
                1, ("prism", *_start_prism(stops, settings, "schemas/dinstar/openapi/uc-1.2.yaml", "dinstar"))
            )
        emulator_url = contenders[0][1]

        def makers(n: int, host: str) -> list[Callable[[], bytes]]:
            return [dinstar_maker(host, c) for c in dinstar_challenges(emulator_url, n)]

        group = []
        for kind, url, pid in contenders:
            host = url.removeprefix("http://")
            reset = (lambda u=url: _post_control(u, "/_emu/reset")) if kind == "emulator" else (lambda: None)
            contender = Contender(
                kind, url, pid, {"emulator": "suite", "prism": "peer", "bare": "baseline"}[kind],
                lambda n, h=host: makers(n, h), reset,
            )  # fmt: skip
            reset()
            contender.check = _check(url, makers(1, host)[0](), lambda a: a.get("error_code") == 202)
            group.append(contender)
        result = await _alternate(group, settings)
        result["unit"] = "req/s"
        _post_control(emulator_url, "/_emu/reset")
        return [("dinstar_send_sms", result)]


async def group_receiver(settings: Settings) -> list[tuple[str, dict[str, Any]]]:
    import orjson

    from smsgw.receiver.samples import dev_status

    body = orjson.dumps(dev_status(ports=32))
    with _servers() as stops:
        ready = settings.work / "rx.json"
        # as benchmarks.receiver_ingest starts it: synchronous=FULL, the ack after the fsynced commit
        contenders = [
            (
                "receiver",
                *_start_py(
                    stops,
                    ["-m", "smsgw", "receive", "--port", "0", "--db", str(settings.work / "rx.db"),
                     "--ready-file", str(ready), *_cpu_args(settings), "--quiet", "--synchronous", "full"],
                    ready,
                ),
            )
        ]  # fmt: skip
        if "httpserver" not in settings.skip:
            ready = settings.work / "httpserver.json"
            contenders.append(
                ("pytest-httpserver", *_start_py(stops, ["-m", "benchmarks.peers", "--serve", "httpserver",
                                                         "--ready", str(ready), *_cpu_args(settings)], ready))
            )  # fmt: skip
        ready = settings.work / "rx-bare.json"
        contenders.append(
            ("bare", *_start_py(stops, ["-m", "benchmarks.receiver_ingest", "--serve-bare", "--ready-file",
                                        str(ready), *_cpu_args(settings)], ready))
        )  # fmt: skip
        roles = {"receiver": "suite", "pytest-httpserver": "peer", "bare": "baseline"}
        group = []
        for kind, url, pid in contenders:
            host = url.removeprefix("http://")
            contender = Contender(
                kind, url, pid, roles[kind], lambda n, h=host: [fixed_maker(h, RECEIVER_PATH, body)] * n
            )
            contender.check = _check(
                url, fixed_maker(host, RECEIVER_PATH, body)(), lambda a: isinstance(a, dict)
            )
            group.append(contender)
        result = await _alternate(group, settings)
        result["unit"] = "pushes/s"
        result["body_bytes"] = len(body)
        return [("receiver_ingest", result)]


def group_load(settings: Settings, quick: bool) -> list[tuple[str, dict[str, Any]]]:
    """``benchmarks.load_send_sms`` as a subprocess (its own ABBA rounds of single-process Locust runs)."""
    out = settings.work / "load_send_sms.json"
    args = [sys.executable, "-m", "benchmarks.load_send_sms", "--out", str(out)]
    args += ["--quick"] if quick else ["--rounds", str(max(2, settings.rounds - settings.rounds % 2)),
                                       "--seconds", str(max(4, round(settings.seconds * 2)))]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, timeout=600, stdin=subprocess.DEVNULL, capture_output=True)
    data = json.loads(out.read_text(encoding="utf-8"))
    rows = [
        {
            "contender": "locust send-sms profile",
            "role": "suite",
            "median": data["profile_rps"],
            "ratio_to_baseline": data["ratio"],
            "client_cpu_ratio": data.get("cpu_ratio"),
            "errors": data["failures"],
        },
        {
            "contender": "bare FastHttpUser",
            "role": "baseline",
            "median": data["bare_rps"],
            "ratio_to_baseline": 1.0,
        },
    ]
    return [
        (
            "load_send_sms",
            {
                "unit": "req/s",
                "baseline": "bare FastHttpUser",
                "rows": rows,
                "seconds": time.perf_counter() - started,
                "source": data,
            },
        )
    ]


def time_command(argv: list[str], runs: int, timeout: float = 600.0) -> dict[str, Any]:
    """Wall time of ``runs`` runs of a command (not alternated with anything): median and each."""
    walls, codes = [], []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            argv, cwd=ROOT, timeout=timeout, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
        walls.append(time.perf_counter() - started)
        codes.append(done.returncode)
    return {"median": statistics.median(walls), "runs": walls, "exit_codes": codes}


def group_walltime(settings: Settings, runs: int) -> list[tuple[str, dict[str, Any]]]:
    smsgw = str(Path(sys.executable).with_name("smsgw"))
    if not Path(smsgw).exists():
        smsgw = shutil.which("smsgw") or "smsgw"
    rows = []
    for name, extra in (("smsgw certify", CERTIFY_ARGS), ("smsgw fuzz", FUZZ_ARGS)):
        report_dir = settings.work / name.replace(" ", "-")
        timed = time_command([smsgw, *extra, "--report-dir", str(report_dir)], runs)
        rows.append({"contender": name, "role": "suite", "command": " ".join(["smsgw", *extra]), **timed})
        shutil.rmtree(report_dir, ignore_errors=True)
    return [("walltime", {"unit": "s", "rows": rows, "baseline": None})]


# -- the run ------------------------------------------------------------------------------------
def _versions(prism: Path | None) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for package in (
        "smsgw-suite",
        "pytest-httpserver",
        "werkzeug",
        "locust",
        "uvicorn",
        "uvloop",
        "httptools",
    ):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = None
    out["prism"] = _prism.version(prism) if prism is not None else None
    node = shutil.which("node")
    if node:
        done = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30, check=False)
        out["node"] = done.stdout.strip()
    out["python"] = platform.python_version()
    return out


def _machine() -> dict[str, Any]:
    model = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    uname = platform.uname()
    return {
        "system": uname.system,
        "release": uname.release,
        "machine": uname.machine,
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
    }


def _httpserver_installed() -> bool:
    try:
        importlib.metadata.version("pytest-httpserver")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def run(args: argparse.Namespace) -> dict[str, Any]:
    skipped: dict[str, str] = {}
    skip = set(args.skip)
    prism = _prism.prism_bin()
    if "prism" not in skip and prism is None:
        if args.install:
            print(
                f"installing Prism ({_prism.PRISM_PACKAGE}) with npm into {_prism.cache_dir()} ...",
                flush=True,
            )
            prism = _prism.install()
        else:
            skip.add("prism")
            skipped["prism"] = (
                "prism not installed (python -m benchmarks --install puts it in ~/.cache/smsgw-bench)"
            )
    elif "prism" in skip:
        skipped["prism"] = "--skip prism"
    if "httpserver" not in skip and not _httpserver_installed():
        skip.add("httpserver")
        skipped["pytest-httpserver"] = "pytest-httpserver not installed (pip install -e '.[test]')"
    elif "httpserver" in skip:
        skipped["pytest-httpserver"] = "--skip httpserver"
    groups = [g for g in GROUPS if not args.only or g in args.only]
    if args.quick and "walltime" in groups:
        groups.remove("walltime")
        skipped["walltime"] = "--quick (certify and fuzz take minutes)"
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = cpus[0] if len(cpus) > 1 else None
    client_cpu = cpus[1] if len(cpus) > 1 else None
    result: dict[str, Any] = {
        "benchmark": "peers",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": args.quick,
        "machine": _machine(),
        "load_average_before": os.getloadavg(),
        "versions": _versions(prism if "prism" not in skip else None),
        "settings": {
            "rounds": args.rounds,
            "seconds": args.seconds,
            "connections": args.connections,
            "server_cpu": server_cpu,
            "client_cpu": client_cpu,
        },
        "skipped": skipped,
        "groups": {},
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="smsgw-bench-peers-") as tmp:
        settings = Settings(
            args.rounds, args.seconds, args.connections, server_cpu, client_cpu, Path(tmp),
            prism if "prism" not in skip else None, skip,
        )  # fmt: skip
        if client_cpu is not None:
            os.sched_setaffinity(0, {client_cpu})  # servers started from here pin themselves to server_cpu
        for group in groups:
            print(f"- {group} ...", flush=True)
            group_started = time.perf_counter()
            if group == "ejoin_post_sms":
                produced = _run_async(group_ejoin(settings))
            elif group == "dinstar_send_sms":
                produced = _run_async(group_dinstar(settings))
            elif group == "receiver_ingest":
                produced = _run_async(group_receiver(settings))
            elif group == "load_send_sms":
                produced = group_load(settings, args.quick)
            else:
                produced = group_walltime(settings, args.walltime_runs)
            for name, figures in produced:
                figures["group_seconds"] = time.perf_counter() - group_started
                result["groups"][name] = figures
        os.sched_setaffinity(0, set(cpus))
    result["seconds"] = time.perf_counter() - started
    result["load_average_after"] = os.getloadavg()
    return result


def _run_async(coroutine: Any) -> list[tuple[str, dict[str, Any]]]:
    import uvloop

    return uvloop.run(coroutine)  # type: ignore[no-any-return]


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None or value != value:  # noqa: PLR0124 (NaN)
        return "-"
    return f"{value:,.{digits}f}"


def print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    machine = result["machine"]
    table = Table(
        title=f"smsgw-suite vs peers - {result['when']} - {machine['cpu_count']} CPUs "
        f"({machine['cpu_model']}), "
        f"load average {result['load_average_before'][0]:.1f} -> {result['load_average_after'][0]:.1f}",
    )
    for column in (
        "group",
        "contender",
        "median",
        "unit",
        "p50 ms",
        "p99 ms",
        "server CPU µs/req",
        "x baseline",
        "x peer",
        "errors",
    ):
        table.add_column(column, justify="left" if column in ("group", "contender", "unit") else "right")
    for name, group in result["groups"].items():
        for row in group["rows"]:
            digits = 1 if group["unit"] == "s" else 0
            table.add_row(
                name,
                f"{row['contender']} ({row['role']})",
                _fmt(row.get("median"), digits),
                group["unit"],
                _fmt(row.get("p50_ms"), 2),
                _fmt(row.get("p99_ms"), 2),
                _fmt(row.get("server_cpu_us_per_request")),
                _fmt(row.get("ratio_to_baseline"), 2),
                _fmt(row.get("ratio_to_peer"), 2),
                str(row.get("errors", "-")),
            )
        if "client_cpu_share" in group:
            table.add_row(name, f"(client CPU {group['client_cpu_share']:.0%} of its core)", *[""] * 8)
    console = Console(width=200)
    console.print(table)
    for what, why in result["skipped"].items():
        console.print(f"skipped: {what}: {why}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 rounds of 0.5 s, no certify/fuzz")
    parser.add_argument("--only", action="append", choices=GROUPS, help="run only this group (repeatable)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per group (ABBA order)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per contender per round")
    parser.add_argument("--connections", type=int, default=16, help="connections (closed-loop users)")
    parser.add_argument("--walltime-runs", type=int, default=1, help="runs of certify and of fuzz")
    parser.add_argument(
        "--skip", action="append", default=[], choices=("prism", "httpserver"), help="leave a peer out"
    )
    parser.add_argument("--install", action="store_true", help="install Prism with npm if it is missing")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--serve", choices=("dinstar", "dinstar-bare", "httpserver"), help=argparse.SUPPRESS)
    parser.add_argument("--ready", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.ready, args.cpu)
        return 0
    if args.quick:
        args.rounds, args.seconds, args.connections = 2, 0.5, 4
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)
    print(f"JSON: {args.out} ({result['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
