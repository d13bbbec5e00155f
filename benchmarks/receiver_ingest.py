"""Ingest throughput of the push receiver against a bare body-reading endpoint on the same stack.

    python -m benchmarks.receiver_ingest            # ~1 min: 5 alternated rounds of 4 s each
    python -m benchmarks.receiver_ingest --quick    # a few seconds: smoke run

Both servers are uvicorn (httptools, uvloop) subprocesses pinned to CPU 0: (a) ``smsgw receive``
(classify, validate with jsonschema-rs, group-commit into SQLite WAL, ack after the commit) and
(b) a raw ASGI app that only reads the body and answers a 200 of the same shape. The load generator
is this process, pinned to CPU 1: a raw asyncio (uvloop) HTTP/1.1 keep-alive client over several
connections, one request in flight per connection, each sending the same ~7.8 KB normative
``dev-status``. Rounds alternate a/b to cancel drift (other processes share the machine); the report
prints medians, the ratio a/b, p50/p99 ack latency, the client's CPU use (to show it is not the
bottleneck) and the receiver's own count of stored messages against the 2xx the client saw. JSON
goes to ``reports/bench/receiver_ingest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "reports" / "bench" / "receiver_ingest.json"
TARGET_RPS = 5000
TARGET_RATIO = 0.5


# -- the bare endpoint (server side) -----------------------------------------------------------
async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body and answers like the receiver does, nothing else."""
    from smsgw._http.asgi import read_body

    if scope["type"] != "http":
        return
    body = await read_body(receive, 8 * 1024 * 1024)
    payload = b'{"code":0,"reason":"OK","id":' + str(len(body)).encode() + b"}"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def serve_bare(ready_file: Path, cpu: int | None) -> None:
    import socket

    import uvicorn
    import uvloop

    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(
            bare_app, log_level="warning", access_log=False, lifespan="off", http="httptools", loop="uvloop"
        )
    )

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


# -- the load generator ------------------------------------------------------------------------
@dataclass
class RoundStats:
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


class _Conn(asyncio.Protocol):
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
            # Both servers write lower-case header names (raw ASGI on uvicorn): no lower() needed.
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
        await loop.create_connection(lambda d=done: _Conn(request, stats, stop_at, d), host, int(port))
        futures.append(done)
    await asyncio.wait_for(asyncio.gather(*futures), duration + 30)
    return stats, time.perf_counter() - start


# -- orchestration -----------------------------------------------------------------------------
def _start(args: list[str], ready: Path, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"server did not start: {args}")
        time.sleep(0.05)
    return process, json.loads(ready.read_text())["url"]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one short round each (smoke run)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--synchronous", choices=("full", "normal"), default="full")
    parser.add_argument(
        "--variant",
        choices=("pass", "non-strict"),
        default="pass",
        help="normative dev-status (PASS) or the documents' example form (NON-STRICT)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ready-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.ready_file, args.cpu)
        return 0
    if args.quick:
        args.rounds, args.duration, args.connections = 1, 1.0, 8

    from smsgw.receiver.samples import dev_status

    document = dev_status(ports=32)
    if args.variant == "non-strict":
        document["max-slot"] = int(document.pop("max-slots"))
    body = orjson.dumps(document)
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, client_cpu = (cpus[0], cpus[1]) if len(cpus) > 1 else (cpus[0], cpus[0])
    work = Path(tempfile.mkdtemp(prefix="smsgw-bench-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        receiver, receiver_url = _start(
            [sys.executable, "-m", "smsgw", "receive", "--port", "0", "--db", str(work / "bench.db"),
             "--ready-file", str(work / "rx.json"), "--cpu", str(server_cpu), "--quiet",
             "--synchronous", args.synchronous],
            work / "rx.json",
        )  # fmt: skip
        processes.append(receiver)
        bare, bare_url = _start(
            [sys.executable, "-m", "benchmarks.receiver_ingest", "--serve-bare", "--ready-file",
             str(work / "bare.json"), "--cpu", str(server_cpu)],
            work / "bare.json",
        )  # fmt: skip
        processes.append(bare)
        os.sched_setaffinity(0, {client_cpu})
        import uvloop

        result = uvloop.run(_measure(args, body, receiver_url, bare_url))
        import httpx

        counters = httpx.get(receiver_url + "/_api/counters", timeout=10).json()
        result["receiver_stored"] = counters["received"]
        result["receiver_stored_matches_acks"] = counters["received"] == result["receiver_acks_total"]
    finally:
        for process in processes:
            _stop(process)
        shutil.rmtree(work, ignore_errors=True)
    result.update(
        {
            "body_bytes": len(body),
            "variant": args.variant,
            "synchronous": args.synchronous,
            "connections": args.connections,
            "round_seconds": args.duration,
            "rounds": args.rounds,
            "server_cpu": server_cpu,
            "client_cpu": client_cpu,
            "quick": args.quick,
            "targets": {"receiver_rps": TARGET_RPS, "ratio": TARGET_RATIO},
            "meets_targets": result["receiver"]["median_rps"] >= TARGET_RPS
            and result["ratio"] >= TARGET_RATIO,
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load_average": os.getloadavg(),
        }
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    _print(result, args.out)
    return 0


async def _measure(args: argparse.Namespace, body: bytes, receiver_url: str, bare_url: str) -> dict[str, Any]:
    targets = {"receiver": (receiver_url, "/push/bench"), "bare": (bare_url, "/push/bench")}
    # Warm-up (page cache, SQLite file growth); its acks count for the stored-vs-acked check.
    warm_acks = 0
    for name, (url, path) in targets.items():
        stats, _ = await run_round(url, path, body, args.connections, min(1.0, args.duration))
        warm_acks += stats.ok if name == "receiver" else 0
    per: dict[str, dict[str, Any]] = {k: {"rps": [], "latencies": [], "errors": 0} for k in targets}
    acks = 0
    cpu_fraction: list[float] = []
    for _ in range(args.rounds):
        for name, (url, path) in targets.items():
            before = os.times()
            stats, elapsed = await run_round(url, path, body, args.connections, args.duration)
            after = os.times()
            cpu_fraction.append((after.user + after.system - before.user - before.system) / elapsed)
            per[name]["rps"].append(stats.ok / elapsed)
            per[name]["latencies"] += stats.latencies
            per[name]["errors"] += stats.errors
            if name == "receiver":
                acks += stats.ok
    result: dict[str, Any] = {}
    for name, data in per.items():
        result[name] = {
            "median_rps": statistics.median(data["rps"]),
            "rounds_rps": [round(r, 1) for r in data["rps"]],
            "p50_ms": _percentile(data["latencies"], 0.50) * 1000,
            "p99_ms": _percentile(data["latencies"], 0.99) * 1000,
            "errors": data["errors"],
        }
    result["ratio"] = result["receiver"]["median_rps"] / result["bare"]["median_rps"]
    result["client_cpu_max_fraction"] = max(cpu_fraction)
    result["receiver_acks_measured"] = acks
    result["receiver_acks_total"] = acks + warm_acks
    return result


def _print(result: dict[str, Any], out: Path) -> None:
    rx, bare = result["receiver"], result["bare"]
    print(f"body {result['body_bytes']} B ({result['variant']}), {result['connections']} connections, "
          f"{result['rounds']} x {result['round_seconds']:g} s per side, "
          f"synchronous={result['synchronous']}")  # fmt: skip
    print(f"receiver (validate + commit): median {rx['median_rps']:8.0f}/s  rounds {rx['rounds_rps']}  "
          f"p50 {rx['p50_ms']:.2f} ms  p99 {rx['p99_ms']:.2f} ms  errors {rx['errors']}")  # fmt: skip
    print(f"bare body-reading endpoint:   median {bare['median_rps']:8.0f}/s  rounds {bare['rounds_rps']}  "
          f"p50 {bare['p50_ms']:.2f} ms  p99 {bare['p99_ms']:.2f} ms")  # fmt: skip
    print(f"ratio receiver/bare: {result['ratio']:.2f}   client CPU (max per round): "
          f"{result['client_cpu_max_fraction']:.0%}   stored {result['receiver_stored']} "
          f"(matches acks: {result['receiver_stored_matches_acks']})")  # fmt: skip
    print(f"targets: >= {TARGET_RPS}/s and >= {TARGET_RATIO}x bare -> "
          f"{'met' if result['meets_targets'] else 'NOT met'}; JSON in {out}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
