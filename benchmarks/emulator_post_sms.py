"""goip_post_sms throughput of the emulator against a bare endpoint on the same server stack.

    python -m benchmarks.emulator_post_sms            # ~40 s: alternated rounds
    python -m benchmarks.emulator_post_sms --quick    # a few seconds: smoke run

Both servers are uvicorn (httptools, uvloop) subprocesses pinned to CPU 0: (a) the emulator
(``EmulatorApp`` over a gateway-2.4 ``Device``: auth, JSON parse, per-task validation, queueing,
the task-status answer, its ticker running) and (b) a raw ASGI app that reads the body and answers
a fixed task-status.  The load generator is this process on CPU 1: the raw asyncio HTTP/1.1
keep-alive client of ``benchmarks._loadgen`` (one request in flight per connection), each
request with fresh tids.  Rounds alternate a/b in ABBA order; the report gives the median
requests/s of each and the median of the per-round ratios a/b for single-task requests (a ratio
per adjacent pair cancels the drift of a shared machine), and tasks/s accepted with 100-task
batches (one batch outside the timed loop checks that every status is "0 OK").
Each round also reads the server's CPU time (``/proc``) per answered request; ``--instructions``
counts its instructions per request with ``perf stat`` (load-independent: a busy shared machine
slows a core down, it does not change how many instructions a request takes). Both include the
emulator's ticker (it queues and sends the accepted tasks in the background).
The emulator's state is reset between rounds (``POST /_emu/reset``) so memory stays bounded.
JSON goes to ``reports/bench/emulator_post_sms.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks._loadgen import Conn as _Conn
from benchmarks._loadgen import RoundStats, process_cpu_seconds, serve_pinned
from benchmarks._loadgen import start_server as _start
from benchmarks._loadgen import stop_server as _stop

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "reports" / "bench" / "emulator_post_sms.json"
PATH = "/goip_post_sms.html?username=root&password=root"
TARGET_RATIO = 0.6
TARGET_BATCH_TASKS = 100_000
_BARE_ANSWER = b'{"code":200,"reason":"OK","type":"task-status","status":[{"tid":1,"status":"0 OK"}]}'


# -- servers -----------------------------------------------------------------------------------
async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the body and answers a fixed task-status, nothing else."""
    from smsgw._http.asgi import read_body

    if scope["type"] != "http":
        return
    await read_body(receive, 1 << 20)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(_BARE_ANSWER)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _BARE_ANSWER})


def serve(kind: str, ready_file: Path, cpu: int | None) -> None:
    from smsgw.emulator.app import EmulatorApp, RecordingSink
    from smsgw.emulator.clock import ScaledClock
    from smsgw.emulator.device import Device, DeviceConfig

    app: Any = bare_app
    if kind == "emulator":
        device = Device(DeviceConfig(max_tasks=10_000_000, register_time=0.0), ScaledClock(1.0))
        app = EmulatorApp(device, RecordingSink())
        from smsgw.emulator.serve import tune_gc_for_serving

        tune_gc_for_serving()  # as `smsgw emulate` does
    serve_pinned(app, ready_file, cpu, lifespan="on")


# -- load --------------------------------------------------------------------------------------
_TIDS = itertools.count(1)


def _request(host: str, batch: int) -> bytes:
    tasks = ",".join(
        f'{{"tid":{next(_TIDS)},"to":"13800138000","sms":"benchmark message"}}' for _ in range(batch)
    )
    body = f'{{"type":"send-sms","task_num":{batch},"tasks":[{tasks}]}}'.encode()
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nUser-Agent: bench\r\n\r\n"
    )
    return head.encode() + body


class _FreshTidConn(_Conn):
    """The receiver benchmark's keep-alive connection, with new tids in every request."""

    batch = 1
    host = ""

    def _send(self) -> None:
        self.request = _request(self.host, self.batch)
        super()._send()


async def run_round(url: str, batch: int, connections: int, duration: float) -> tuple[RoundStats, float]:
    host, port = url.removeprefix("http://").split(":")
    loop = asyncio.get_running_loop()
    stats = RoundStats()
    start = time.perf_counter()
    stop_at = start + duration
    futures = []

    def factory(done: asyncio.Future[None]) -> _FreshTidConn:
        conn = _FreshTidConn(b"", stats, stop_at, done)
        conn.batch, conn.host = batch, f"{host}:{port}"
        return conn

    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda d=done: factory(d), host, int(port))
        futures.append(done)
    await asyncio.wait_for(asyncio.gather(*futures), duration + 30)
    return stats, time.perf_counter() - start


class _ServerCost:
    """CPU seconds and (with ``perf``) instructions of one server process over one round."""

    def __init__(self, pid: int, instructions: bool) -> None:
        self.pid = pid
        self.perf: subprocess.Popen[str] | None = None
        if instructions and shutil.which("perf"):
            self.perf = subprocess.Popen(
                ["perf", "stat", "-x,", "-e", "instructions", "-p", str(pid)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            time.sleep(0.3)  # attached before the round starts (an idle server runs next to no instructions)
        self.cpu = process_cpu_seconds(pid)

    def stop(self) -> tuple[float, float | None]:
        """(CPU seconds, instructions or None) since the start."""
        cpu = process_cpu_seconds(self.pid) - self.cpu
        if self.perf is None:
            return cpu, None
        self.perf.send_signal(signal.SIGINT)
        try:
            _, err = self.perf.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.perf.kill()
            self.perf.communicate()
            return cpu, None
        for line in err.splitlines():
            fields = line.split(",")
            if len(fields) > 2 and fields[2].startswith("instructions") and fields[0].isdigit():
                return cpu, float(fields[0])
        return cpu, None


def _per_request(values: list[float], scale: float = 1.0) -> float | None:
    return round(statistics.median(values) * scale, 1) if values else None


def _post(url: str, path: str) -> Any:
    request = urllib.request.Request(url + path, data=b"{}", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback URL we started)
        return json.loads(response.read())


def _check_batch(url: str, batch: int) -> bool:
    """One batch request outside the timed loop: every task answered 0 OK."""
    body = _request("x", batch).split(b"\r\n\r\n", 1)[1]
    request = urllib.request.Request(url + PATH, data=body, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer = json.loads(response.read())
    return answer.get("code") == 200 and all(s["status"] == "0 OK" for s in answer["status"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 short round each")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per single-task round")
    parser.add_argument("--batch-duration", type=float, default=1.5, help="seconds per batch round")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each server's instructions per request with perf (load-independent)",
    )
    parser.add_argument("--serve", choices=["emulator", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--ready", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.ready, args.cpu)
        return 0
    if args.quick:
        args.rounds, args.duration, args.batch_duration, args.connections = 1, 0.5, 0.5, 4
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = cpus[0] if len(cpus) > 1 else None
    client_cpu = cpus[1] if len(cpus) > 1 else None
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        urls = {}
        pids = {}
        try:
            for kind in ("emulator", "bare"):
                cmd = [sys.executable, "-m", "benchmarks.emulator_post_sms", "--serve", kind]
                cmd += ["--ready", str(Path(tmp) / f"{kind}.json")]
                if server_cpu is not None:
                    cmd += ["--cpu", str(server_cpu)]
                proc, url = _start(cmd, Path(tmp) / f"{kind}.json")
                procs.append(proc)
                urls[kind] = url
                pids[kind] = proc.pid
            if client_cpu is not None:
                os.sched_setaffinity(0, {client_cpu})
            result = asyncio.run(_measure(args, urls, pids))
        finally:
            for proc in procs:
                _stop(proc)
    result["cpus"] = {"servers": server_cpu, "client": client_cpu}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"single-task goip_post_sms: emulator {result['single']['emulator_rps']:.0f} req/s, "
        f"bare {result['single']['bare_rps']:.0f} req/s, ratio {result['single']['ratio']:.2f} "
        f"(target >= {TARGET_RATIO})"
    )
    print(
        f"100-task batches: {result['batch']['tasks_per_s']:.0f} tasks/s accepted "
        f"(ratio to {TARGET_BATCH_TASKS}: {result['batch']['ratio_to_target']:.2f}); "
        f"client CPU {result['client_cpu_share']:.0%} of its core"
    )
    cost = result["server_cost"]
    line = (
        f"server CPU per request: emulator {cost['emulator_cpu_us']} us, bare {cost['bare_cpu_us']} us, "
        f"100-task batch {cost['batch_cpu_us']} us"
    )
    if cost["emulator_kinstructions"] is not None:
        line += (
            f"; instructions per request: emulator {cost['emulator_kinstructions']:.0f} k, "
            f"bare {cost['bare_kinstructions']:.0f} k, 100-task batch {cost['batch_kinstructions']:.0f} k"
        )
    print(line)
    print(f"JSON: {args.out}")
    return 0


async def _measure(args: argparse.Namespace, urls: dict[str, str], pids: dict[str, int]) -> dict[str, Any]:
    emulator, bare = urls["emulator"], urls["bare"]
    await run_round(emulator, 1, args.connections, 0.3)  # warm-up
    await run_round(bare, 1, args.connections, 0.3)
    single: dict[str, list[float]] = {"emulator": [], "bare": []}
    batch: list[float] = []
    cpu: dict[str, list[float]] = {"emulator": [], "bare": [], "batch": []}
    instructions: dict[str, list[float]] = {"emulator": [], "bare": [], "batch": []}
    errors = 0
    cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    wall_start = time.perf_counter()
    pair_ratios: list[float] = []
    for round_no in range(args.rounds):
        _post(emulator, "/_emu/reset")
        order = (("emulator", emulator), ("bare", bare))
        for kind, url in order if round_no % 2 == 0 else order[::-1]:  # ABBA: cancels position bias
            cost = _ServerCost(pids[kind], args.instructions)
            stats, elapsed = await run_round(url, 1, args.connections, args.duration)
            _account(kind, cost.stop(), stats.ok, cpu, instructions)
            single[kind].append(stats.ok / elapsed)
            errors += stats.errors
        pair_ratios.append(single["emulator"][-1] / single["bare"][-1] if single["bare"][-1] else 0.0)
        _post(emulator, "/_emu/reset")
        cost = _ServerCost(pids["emulator"], args.instructions)
        stats, elapsed = await run_round(emulator, 100, args.connections, args.batch_duration)
        _account("batch", cost.stop(), stats.ok, cpu, instructions)
        batch.append(stats.ok * 100 / elapsed)
        errors += stats.errors
    cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter() - wall_start
    _post(emulator, "/_emu/reset")
    batch_ok = _check_batch(emulator, 100)
    _post(emulator, "/_emu/reset")
    client_cpu = (cpu_end.ru_utime - cpu_start.ru_utime + cpu_end.ru_stime - cpu_start.ru_stime) / wall
    emulator_rps = statistics.median(single["emulator"])
    bare_rps = statistics.median(single["bare"])
    tasks_per_s = statistics.median(batch)
    return {
        "benchmark": "emulator_post_sms",
        "quick": args.quick,
        "rounds": args.rounds,
        "connections": args.connections,
        "single": {
            "emulator_rps": emulator_rps,
            "bare_rps": bare_rps,
            "ratio": statistics.median(pair_ratios),
            "ratio_of_medians": emulator_rps / bare_rps if bare_rps else 0.0,
            "pair_ratios": pair_ratios,
            "target_ratio": TARGET_RATIO,
            "rounds_emulator": single["emulator"],
            "rounds_bare": single["bare"],
        },
        "batch": {
            "tasks_per_request": 100,
            "tasks_per_s": tasks_per_s,
            "target_tasks_per_s": TARGET_BATCH_TASKS,
            "ratio_to_target": tasks_per_s / TARGET_BATCH_TASKS,
            "rounds": batch,
            "all_tasks_accepted": batch_ok,
        },
        # Server process CPU time per answered request (median of rounds; a loaded machine inflates
        # it less than requests/s) and, with --instructions, instructions per request (load-independent).
        "server_cost": {
            **{f"{k}_cpu_us": _per_request(v, 1e6) for k, v in cpu.items()},
            **{f"{k}_kinstructions": _per_request(v, 1e-3) for k, v in instructions.items()},
        },
        "errors": errors,
        "client_cpu_share": client_cpu,
        "loadavg": os.getloadavg(),
    }


def _account(
    kind: str,
    cost: tuple[float, float | None],
    ok: int,
    cpu: dict[str, list[float]],
    instructions: dict[str, list[float]],
) -> None:
    if ok:
        cpu[kind].append(cost[0] / ok)
        if cost[1] is not None:
            instructions[kind].append(cost[1] / ok)


if __name__ == "__main__":
    raise SystemExit(main())
