"""Ingest throughput of the push receiver against bare body-reading endpoints.

    python -m benchmarks.receiver_ingest            # ~1 min: 5 alternated rounds of 4 s each
    python -m benchmarks.receiver_ingest --quick    # a few seconds: smoke run
    python -m benchmarks.receiver_ingest --breakdown --instructions   # + where a push's CPU goes

Three uvicorn (httptools, uvloop) subprocesses pinned to CPU 0: (a) ``smsgw receive`` (pushes taken
by its own protocol subclass, :mod:`smsgw.receiver.protocol`: classify, validate with jsonschema-rs,
group-commit into SQLite WAL, ack after the commit); (b) ``bare``: a raw ASGI app that only reads the
body and answers a 200 of the same shape (the usual minimal Python endpoint: the issue's baseline);
(c) ``bare_protocol``: the receiver's own push protocol with a request cycle that only reads the
body and answers (the HTTP part of the receiver alone: what validating and storing add). The load generator
is this process, pinned to CPU 1: a raw asyncio (uvloop) HTTP/1.1 keep-alive client over several
connections, one request in flight per connection, each sending the same ~7.8 KB normative
``dev-status``. Rounds alternate in ABC CBA order to cancel drift (other processes share the
machine); the report prints medians, the ratios a/b and a/c (of the medians; a/b also the median of
the per-round ratios), p50/p99 ack latency, each server's CPU time per answered request (all its threads: the
cost, independent of how busy the machine was), the client's CPU use (to show it is not the
bottleneck) and the receiver's own count of stored messages against the 2xx the client saw. The
client is ``benchmarks._loadgen``. JSON goes to ``reports/bench/receiver_ingest.json``.

On a shared machine the rps ratio drifts (both servers get a share of CPU 0); ``cpu_ratio`` (bare
over receiver server CPU per request) is the ratio two CPU-bound servers reach on an idle core.
``--instructions`` counts each server's instructions per request with ``perf stat`` (a busy machine
slows a core down but does not change the count). ``--breakdown`` then times the receiver's stages
in this process on the servers' core: parse, validate, redact + classify, store (insert + commit +
checkpoint in batches of half the connections), next to ``bare_protocol``'s cost for HTTP; the rest
of the measured cost (the push cycle, the group-commit writer, the commit thread's hand-off) is the
difference; it prints the ratio ceiling if every overhead were zero.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks._loadgen import (
    percentile,
    process_cpu_seconds,
    run_round,
    serve_pinned,
    start_server,
    stop_server,
)

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
    # The receiver's uvicorn settings (smsgw.receiver.server), so that only the app differs.
    serve_pinned(
        bare_app, ready_file, cpu,
        lifespan="off", proxy_headers=False, timeout_keep_alive=75, timeout_graceful_shutdown=5,
    )  # fmt: skip


def serve_bare_protocol(ready_file: Path, cpu: int | None) -> None:
    """The receiver's push protocol (same uvicorn settings) with a cycle that only reads the body."""
    import tempfile

    from smsgw.receiver.app import ReceiverApp
    from smsgw.receiver.core import Receiver, ReceiverConfig
    from smsgw.receiver.protocol import PushCycle, protocol_for

    class BareCycle(PushCycle):
        __slots__ = ()

        def complete(self) -> None:
            body = self._body()
            self.reading = False
            if self.watched:
                self.protocol.push_app.body_watch.discard(self)
            self._write(200, b'{"code":0,"reason":"OK","id":' + str(len(body)).encode() + b"}")

    receiver = Receiver(ReceiverConfig(db=Path(tempfile.mkdtemp(prefix="smsgw-bare-")) / "unused.db"))
    app = ReceiverApp(receiver)
    protocol = protocol_for(app)
    protocol.cycle_class = BareCycle
    serve_pinned(
        app, ready_file, cpu,
        http=protocol, lifespan="off", proxy_headers=False, timeout_keep_alive=75,
        timeout_graceful_shutdown=5,
    )  # fmt: skip


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
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time the receiver's stages in-process (parse, validate, redact, store, app)",
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per push with perf (load-independent; needs perf on PATH)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--server-cpu", type=int, help="CPU of both servers (default: the first allowed); the client: another"
    )
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-bare-protocol", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ready-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.ready_file, args.cpu)
        return 0
    if args.serve_bare_protocol:
        serve_bare_protocol(args.ready_file, args.cpu)
        return 0
    if args.quick:
        args.rounds, args.duration, args.connections = 1, 1.0, 8

    from smsgw.receiver.samples import dev_status

    document = dev_status(ports=32)
    if args.variant == "non-strict":
        document["max-slot"] = int(document.pop("max-slots"))
    body = orjson.dumps(document)
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = args.server_cpu if args.server_cpu is not None else cpus[0]
    client_cpu = next((c for c in cpus if c != server_cpu), server_cpu)
    work = Path(tempfile.mkdtemp(prefix="smsgw-bench-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        receiver, receiver_url = start_server(
            [sys.executable, "-m", "smsgw", "receive", "--port", "0", "--db", str(work / "bench.db"),
             "--ready-file", str(work / "rx.json"), "--cpu", str(server_cpu), "--quiet",
             "--synchronous", args.synchronous],
            work / "rx.json",
        )  # fmt: skip
        processes.append(receiver)
        servers = {"receiver": (receiver_url, receiver.pid)}
        for name in ("bare", "bare_protocol"):
            process, url = start_server(
                [sys.executable, "-m", "benchmarks.receiver_ingest", f"--serve-{name.replace('_', '-')}",
                 "--ready-file", str(work / f"{name}.json"), "--cpu", str(server_cpu)],
                work / f"{name}.json",
            )  # fmt: skip
            processes.append(process)
            servers[name] = (url, process.pid)
        os.sched_setaffinity(0, {client_cpu})
        import uvloop

        result = uvloop.run(_measure(args, body, servers))
        import httpx

        counters = httpx.get(receiver_url + "/_api/counters", timeout=10).json()
        result["receiver_stored"] = counters["received"]
        result["receiver_stored_matches_acks"] = counters["received"] == result["receiver_acks_total"]
    finally:
        for process in processes:
            stop_server(process)
        shutil.rmtree(work, ignore_errors=True)
    if args.breakdown:
        # On the servers' core, now idle; batches of half the connections (the group commit's usual size).
        os.sched_setaffinity(0, {server_cpu})
        batch = max(1, args.connections // 2)
        result["breakdown"] = breakdown(body, batch, args.synchronous, args.instructions)
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


async def _measure(
    args: argparse.Namespace, body: bytes, servers: dict[str, tuple[str, int]]
) -> dict[str, Any]:
    """``servers``: name -> (url, pid). Rounds in ABBA order (a b c, c b a, a b c, ...)."""
    path = "/push/bench"
    # Warm-up (page cache, SQLite file growth); its acks count for the stored-vs-acked check.
    warm_acks = 0
    for name, (url, _) in servers.items():
        stats, _ = await run_round(url, path, body, args.connections, min(1.0, args.duration))
        warm_acks += stats.ok if name == "receiver" else 0
    per: dict[str, dict[str, Any]] = {
        k: {"rps": [], "latencies": [], "errors": 0, "cpu_us": [], "instructions": []} for k in servers
    }
    acks = 0
    cpu_fraction: list[float] = []
    pair_ratios: list[float] = []
    order = list(servers)
    for index in range(args.rounds):
        rps: dict[str, float] = {}
        for name in order if index % 2 == 0 else order[::-1]:
            url, pid = servers[name]
            perf = _start_perf(pid) if args.instructions else None
            before, server_before = os.times(), process_cpu_seconds(pid)
            stats, elapsed = await run_round(url, path, body, args.connections, args.duration)
            after, server_after = os.times(), process_cpu_seconds(pid)
            if perf is not None:
                count = _stop_perf(perf)
                if count is not None and stats.ok:
                    per[name]["instructions"].append(count / stats.ok)
            cpu_fraction.append((after.user + after.system - before.user - before.system) / elapsed)
            rps[name] = stats.ok / elapsed
            per[name]["rps"].append(rps[name])
            per[name]["latencies"] += stats.latencies
            per[name]["errors"] += stats.errors
            if stats.ok:
                per[name]["cpu_us"].append((server_after - server_before) / stats.ok * 1e6)
            if name == "receiver":
                acks += stats.ok
        pair_ratios.append(rps["receiver"] / rps["bare"] if rps["bare"] else float("nan"))
    result: dict[str, Any] = {}
    for name, data in per.items():
        result[name] = {
            "median_rps": statistics.median(data["rps"]),
            "rounds_rps": [round(r, 1) for r in data["rps"]],
            "p50_ms": percentile(data["latencies"], 0.50) * 1000,
            "p99_ms": percentile(data["latencies"], 0.99) * 1000,
            "errors": data["errors"],
            # Server process CPU (all threads) per answered request: the cost, whatever the load.
            "server_cpu_us_per_request": statistics.median(data["cpu_us"]) if data["cpu_us"] else None,
            # With --instructions: the server's instructions per answered request (user + kernel).
            "instructions_per_request": _median(data["instructions"]),
        }
    result["ratio"] = result["receiver"]["median_rps"] / result["bare"]["median_rps"]
    result["ratio_median_of_rounds"] = statistics.median(pair_ratios)
    rx_cpu, bare_cpu, protocol_cpu = (
        result[k]["server_cpu_us_per_request"] for k in ("receiver", "bare", "bare_protocol")
    )
    # Server CPU per request, bare/receiver: the throughput ratio of two CPU-bound servers on an idle core.
    result["cpu_ratio"] = bare_cpu / rx_cpu if rx_cpu and bare_cpu else None
    result["ratio_protocol"] = result["receiver"]["median_rps"] / result["bare_protocol"]["median_rps"]
    result["cpu_ratio_protocol"] = protocol_cpu / rx_cpu if rx_cpu and protocol_cpu else None
    result["rounds_ratio"] = [round(r, 3) for r in pair_ratios]
    result["client_cpu_max_fraction"] = max(cpu_fraction)
    result["receiver_acks_measured"] = acks
    result["receiver_acks_total"] = acks + warm_acks
    return result


def _start_perf(pid: int) -> subprocess.Popen[str] | None:
    if shutil.which("perf") is None:
        return None
    perf = subprocess.Popen(
        ["perf", "stat", "-x,", "-e", "instructions", "-p", str(pid)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(0.3)  # attached before the round starts (an idle server runs next to no instructions)
    return perf


def _stop_perf(perf: subprocess.Popen[str]) -> float | None:
    perf.send_signal(signal.SIGINT)
    try:
        _, err = perf.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        perf.kill()
        perf.communicate()
        return None
    return _perf_count(err)


def _print(result: dict[str, Any], out: Path) -> None:
    rx, bare = result["receiver"], result["bare"]
    print(f"body {result['body_bytes']} B ({result['variant']}), {result['connections']} connections, "
          f"{result['rounds']} x {result['round_seconds']:g} s per side, "
          f"synchronous={result['synchronous']}")  # fmt: skip
    print(f"receiver (validate + commit): median {rx['median_rps']:8.0f}/s  rounds {rx['rounds_rps']}  "
          f"p50 {rx['p50_ms']:.2f} ms  p99 {rx['p99_ms']:.2f} ms  errors {rx['errors']}  "
          f"server CPU {_us(rx['server_cpu_us_per_request'])}/request")  # fmt: skip
    for label, row in (("bare ASGI endpoint:          ", bare),
                       ("bare, receiver's protocol:   ", result["bare_protocol"])):  # fmt: skip
        print(f"{label} median {row['median_rps']:8.0f}/s  rounds {row['rounds_rps']}  "
              f"p50 {row['p50_ms']:.2f} ms  p99 {row['p99_ms']:.2f} ms  errors {row['errors']}  "
              f"server CPU {_us(row['server_cpu_us_per_request'])}/request")  # fmt: skip
    print(f"ratio receiver/bare: {result['ratio']:.2f} (median of per-round ratios "
          f"{result['ratio_median_of_rounds']:.2f})   client CPU (max per round): "
          f"{result['client_cpu_max_fraction']:.0%}   stored {result['receiver_stored']} "
          f"(matches acks: {result['receiver_stored_matches_acks']})")  # fmt: skip
    rx_cpu, bare_cpu = rx["server_cpu_us_per_request"], bare["server_cpu_us_per_request"]
    if rx_cpu and bare_cpu:
        # Both servers are CPU-bound on one core when the machine is idle: then the throughput ratio
        # is this one. On a busy machine both get a share of the core and the rps ratio drifts.
        cpu_ratio = bare_cpu / rx_cpu
        print(f"server CPU per request, bare/receiver: {bare_cpu:.0f}/{rx_cpu:.0f} us = {cpu_ratio:.2f}")
    if result.get("cpu_ratio_protocol"):
        print(f"against the bare endpoint on the receiver's own protocol: ratio "
              f"{result['ratio_protocol']:.2f}, server CPU {result['cpu_ratio_protocol']:.2f}")  # fmt: skip
    rx_ins, bare_ins = rx.get("instructions_per_request"), bare.get("instructions_per_request")
    protocol_ins = result["bare_protocol"].get("instructions_per_request")
    if rx_ins and bare_ins and protocol_ins:
        print(f"instructions per request (load-independent): receiver {rx_ins / 1e3:.0f} k, "
              f"bare {bare_ins / 1e3:.0f} k, bare on the receiver's protocol {protocol_ins / 1e3:.0f} k, "
              f"ratio bare/receiver {bare_ins / rx_ins:.2f}")  # fmt: skip
    if "breakdown" in result:
        _print_breakdown(result)
    rps_met, ratio_met = rx["median_rps"] >= TARGET_RPS, result["ratio"] >= TARGET_RATIO
    print(f"targets: >= {TARGET_RPS}/s {'met' if rps_met else 'NOT met'} ({rx['median_rps']:.0f}/s), "
          f">= {TARGET_RATIO}x the bare ASGI endpoint {'met' if ratio_met else 'NOT met'} "
          f"({result['ratio']:.2f}); JSON in {out}")  # fmt: skip


_STAGES = {
    "http": "HTTP (the bare endpoint on the receiver's protocol)",
    "parse": "parse (orjson.loads)",
    "validate": "validate (flattened strict schema, jsonschema-rs)",
    "redact_classify": "redact + classify + pending row",
    "store": "store: insert + COMMIT/fsync + checkpoint",
}


def _print_breakdown(result: dict[str, Any]) -> None:
    rx, bare, bd = result["receiver"], result["bare_protocol"], result["breakdown"]
    rows: dict[str, tuple[float | None, float | None]] = {
        "http": (bare["server_cpu_us_per_request"], bare.get("instructions_per_request"))
    }
    rows.update({k: (v["cpu_us"], v["instructions"]) for k, v in bd["stages"].items()})
    print(f"breakdown per push (in-process stages on the servers' core, store batches of {bd['batch']}):")
    print(f"  {'':52s} {'CPU us':>8s} {'k instr':>8s}")
    for key, (cpu, ins) in rows.items():
        print(f"  {_STAGES[key]:52s} {_num(cpu, 1):>8s} {_num(ins, 1e3):>8s}")
    cpu_sum = sum(c for c, _ in rows.values() if c is not None)
    ins_values = [i for _, i in rows.values()]
    ins_sum = None if None in ins_values else sum(i for i in ins_values if i is not None)
    print(f"  {'sum of the stages':52s} {_num(cpu_sum, 1):>8s} {_num(ins_sum, 1e3):>8s}")
    measured = (rx["server_cpu_us_per_request"], rx.get("instructions_per_request"))
    label = "receiver server, measured under load"
    print(f"  {label:52s} {_num(measured[0], 1):>8s} {_num(measured[1], 1e3):>8s}")
    totals = (cpu_sum, ins_sum)
    rest = [None if m is None or t is None else m - t for m, t in zip(measured, totals, strict=True)]
    label = "rest: push cycle, group-commit writer, commit thread"
    print(f"  {label:52s} {_num(rest[0], 1):>8s} {_num(rest[1], 1e3):>8s}")
    for index, unit in ((0, "CPU time"), (1, "instructions")):
        inherent = [v[index] for v in (rows[k] for k in ("http", "parse", "validate", "store"))]
        values = [v for v in inherent if v is not None]
        if len(values) == 4:
            print(f"  ratio ceiling if every other cost were zero, HTTP / (HTTP + parse + validate + store), "
                  f"by {unit}: {values[0] / sum(values):.2f}")  # fmt: skip


def _num(value: float | None, scale: float) -> str:
    return "?" if value is None else f"{value / scale:.0f}"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _us(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} us"


# -- --breakdown: where a push's server CPU goes ------------------------------------------------
class _Meter:
    """CPU seconds of this process (all threads) and, with ``perf``, instructions (load-independent:
    a busy machine slows a core down, it does not change how many instructions a push takes)."""

    def __init__(self, instructions: bool) -> None:
        self.instructions = instructions and shutil.which("perf") is not None

    def measure(self, loop: Any, n: int, step: int = 1, parts: int = 5) -> tuple[float, float | None]:
        """``loop(n)`` in ``parts`` slices of a multiple of ``step`` iterations -> (CPU us per iteration
        of the fastest slice: the least disturbed by other processes, instructions per iteration or
        None)."""
        part = max(step, n // parts // step * step)
        perf = None
        if self.instructions:
            perf = subprocess.Popen(
                ["perf", "stat", "-x,", "-e", "instructions", "-p", str(os.getpid())],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            time.sleep(0.3)  # attached (idle instructions while sleeping are negligible)
        slices = []
        for _ in range(parts):
            before = time.process_time()
            loop(part)
            slices.append((time.process_time() - before) / part * 1e6)
        count: float | None = None
        if perf is not None:
            perf.send_signal(signal.SIGINT)
            _, err = perf.communicate(timeout=30)
            count = _perf_count(err)
            count = count / (part * parts) if count is not None else None
        return min(slices), count


def _perf_count(stderr: str) -> float | None:
    for line in stderr.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("instructions") and fields[0].replace(".", "").isdigit():
            return float(fields[0])
    return None


def breakdown(body: bytes, batch: int, synchronous: str, instructions: bool) -> dict[str, Any]:
    """Time the receiver's stages in this process (pinned by the caller to the servers' CPU).

    * ``parse``: ``orjson.loads`` of the body;
    * ``validate``: the grade (PASS: one jsonschema-rs ``is_valid`` against the strict schema;
      NON-STRICT: strict, lenient and the errata tests);
    * ``redact + classify``: the rest of :meth:`Receiver.build` (credential scan, classification,
      the pending row);
    * ``store``: insert + ``COMMIT`` (fsync with synchronous=FULL) + the periodic WAL checkpoint,
      per push, in batches of ``batch`` (what the group commit sees under the benchmark's load);
    * HTTP (uvicorn + httptools + uvloop, the push protocol, sockets) is ``bare_protocol``'s cost, and
      the rest (push cycle, writer, commit thread) what is left of the receiver's measured cost.
    """
    from smsgw.receiver.core import Receiver, ReceiverConfig
    from smsgw.receiver.redaction import redact_headers
    from smsgw.receiver.store import Synchronous
    from smsgw.spec.registry import default_registry

    meter = _Meter(instructions)
    registry = default_registry()
    work = Path(tempfile.mkdtemp(prefix="smsgw-breakdown-"))
    raw_headers = [
        (b"host", b"127.0.0.1:8899"), (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()), (b"user-agent", b"bench"),
    ]  # fmt: skip
    fields: dict[str, Any] = {
        "received_at": time.time(), "source": "127.0.0.1:40000", "method": "POST", "path": "/push/bench",
        "query": "", "query_pairs": [], "device": "bench", "content_type": "application/json; charset=utf-8",
        "body": body,
    }  # fmt: skip
    stages: dict[str, tuple[float, float | None]] = {}
    sync: Synchronous = "full" if synchronous == "full" else "normal"
    config = ReceiverConfig(db=work / "breakdown.db", synchronous=sync)
    receiver = Receiver(config, registry)
    try:
        document = orjson.loads(body)
        schema = "ejoin/dev-status.push"
        grader = receiver.grader
        headers = redact_headers(raw_headers)

        def parse(n: int) -> None:
            for _ in range(n):
                orjson.loads(body)

        def validate(n: int) -> None:
            for _ in range(n):
                grader.grade(schema, document)

        def build(n: int) -> None:
            for _ in range(n):
                receiver.build(headers=headers, **fields)

        pending = [receiver.build(headers=headers, **fields) for _ in range(batch)]
        store = receiver.store

        def commit(n: int) -> None:
            for _ in range(n // batch):
                store.insert(pending)
                store.commit()
                if store.checkpoint_due:
                    store.checkpoint()

        for name, loop, n in (("parse", parse, 3000), ("validate", validate, 2000), ("build", build, 2000),
                              ("store", commit, batch * 200)):  # fmt: skip
            loop(max(batch, n // 20))  # warm-up
            stages[name] = meter.measure(loop, n, batch if name == "store" else 1)
    finally:
        receiver.close()
        shutil.rmtree(work, ignore_errors=True)

    def diff(a: str, *minus: str) -> tuple[float, float | None]:
        cpu = stages[a][0] - sum(stages[m][0] for m in minus)
        counts = [c for c in (stages[k][1] for k in (a, *minus)) if c is not None]
        return cpu, counts[0] - sum(counts[1:]) if len(counts) == 1 + len(minus) else None

    result = {
        "parse": stages["parse"],
        "validate": stages["validate"],
        "redact_classify": diff("build", "parse", "validate"),
        "store": stages["store"],
    }
    return {"batch": batch, "stages": {k: _figures(v) for k, v in result.items()}}


def _figures(value: tuple[float, float | None]) -> dict[str, float | None]:
    return {"cpu_us": round(value[0], 1), "instructions": None if value[1] is None else round(value[1])}


if __name__ == "__main__":
    raise SystemExit(main())
