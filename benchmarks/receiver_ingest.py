"""Ingest throughput of the push receiver against a bare body-reading endpoint on the same stack.

    python -m benchmarks.receiver_ingest            # ~1 min: 5 alternated rounds of 4 s each
    python -m benchmarks.receiver_ingest --quick    # a few seconds: smoke run

Both servers are uvicorn (httptools, uvloop) subprocesses pinned to CPU 0: (a) ``smsgw receive``
(classify, validate with jsonschema-rs, group-commit into SQLite WAL, ack after the commit) and
(b) a raw ASGI app that only reads the body and answers a 200 of the same shape. The load generator
is this process, pinned to CPU 1: a raw asyncio (uvloop) HTTP/1.1 keep-alive client over several
connections, one request in flight per connection, each sending the same ~7.8 KB normative
``dev-status``. Rounds alternate a/b in ABBA order to cancel drift (other processes share the
machine); the report prints medians, the ratio a/b (of the medians, and the median of the per-round
ratios), p50/p99 ack latency, each server's CPU time per answered request (all its threads: the
cost, independent of how busy the machine was), the client's CPU use (to show it is not the
bottleneck) and the receiver's own count of stored messages against the 2xx the client saw. The
client is ``benchmarks._loadgen``. JSON goes to ``reports/bench/receiver_ingest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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
    parser.add_argument(
        "--server-cpu", type=int, help="CPU of both servers (default: the first allowed); the client: another"
    )
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
        bare, bare_url = start_server(
            [sys.executable, "-m", "benchmarks.receiver_ingest", "--serve-bare", "--ready-file",
             str(work / "bare.json"), "--cpu", str(server_cpu)],
            work / "bare.json",
        )  # fmt: skip
        processes.append(bare)
        os.sched_setaffinity(0, {client_cpu})
        import uvloop

        servers = {"receiver": (receiver_url, receiver.pid), "bare": (bare_url, bare.pid)}
        result = uvloop.run(_measure(args, body, servers))
        import httpx

        counters = httpx.get(receiver_url + "/_api/counters", timeout=10).json()
        result["receiver_stored"] = counters["received"]
        result["receiver_stored_matches_acks"] = counters["received"] == result["receiver_acks_total"]
    finally:
        for process in processes:
            stop_server(process)
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


async def _measure(
    args: argparse.Namespace, body: bytes, servers: dict[str, tuple[str, int]]
) -> dict[str, Any]:
    """``servers``: name -> (url, pid). Rounds in ABBA order (a b, b a, a b, ...)."""
    path = "/push/bench"
    # Warm-up (page cache, SQLite file growth); its acks count for the stored-vs-acked check.
    warm_acks = 0
    for name, (url, _) in servers.items():
        stats, _ = await run_round(url, path, body, args.connections, min(1.0, args.duration))
        warm_acks += stats.ok if name == "receiver" else 0
    per: dict[str, dict[str, Any]] = {
        k: {"rps": [], "latencies": [], "errors": 0, "cpu_us": []} for k in servers
    }
    acks = 0
    cpu_fraction: list[float] = []
    pair_ratios: list[float] = []
    order = list(servers)
    for index in range(args.rounds):
        rps: dict[str, float] = {}
        for name in order if index % 2 == 0 else order[::-1]:
            url, pid = servers[name]
            before, server_before = os.times(), process_cpu_seconds(pid)
            stats, elapsed = await run_round(url, path, body, args.connections, args.duration)
            after, server_after = os.times(), process_cpu_seconds(pid)
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
        }
    result["ratio"] = result["receiver"]["median_rps"] / result["bare"]["median_rps"]
    result["ratio_median_of_rounds"] = statistics.median(pair_ratios)
    result["rounds_ratio"] = [round(r, 3) for r in pair_ratios]
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
          f"p50 {rx['p50_ms']:.2f} ms  p99 {rx['p99_ms']:.2f} ms  errors {rx['errors']}  "
          f"server CPU {_us(rx['server_cpu_us_per_request'])}/request")  # fmt: skip
    print(f"bare body-reading endpoint:   median {bare['median_rps']:8.0f}/s  rounds {bare['rounds_rps']}  "
          f"p50 {bare['p50_ms']:.2f} ms  p99 {bare['p99_ms']:.2f} ms  errors {bare['errors']}  "
          f"server CPU {_us(bare['server_cpu_us_per_request'])}/request")  # fmt: skip
    print(f"ratio receiver/bare: {result['ratio']:.2f} (median of per-round ratios "
          f"{result['ratio_median_of_rounds']:.2f})   client CPU (max per round): "
          f"{result['client_cpu_max_fraction']:.0%}   stored {result['receiver_stored']} "
          f"(matches acks: {result['receiver_stored_matches_acks']})")  # fmt: skip
    print(f"targets: >= {TARGET_RPS}/s and >= {TARGET_RATIO}x bare -> "
          f"{'met' if result['meets_targets'] else 'NOT met'}; JSON in {out}")  # fmt: skip


def _us(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} us"


if __name__ == "__main__":
    raise SystemExit(main())
