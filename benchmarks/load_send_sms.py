"""Overhead of the send-sms Locust profile against a bare FastHttpUser posting the same body.

    python -m benchmarks.load_send_sms            # ~2 min: 10 alternated rounds (5 pairs)
    python -m benchmarks.load_send_sms --quick    # a few seconds: smoke run (a test runs it)

One emulated gateway (``smsgw emulate``) and one receiver (``smsgw receive``) serve both sides.
Each round is one single-process headless Locust run of ``--users`` users for ``--seconds``:

* (a) the profile: ``load/send_sms.py``'s ``EjoinSmsServer`` as shipped, i.e. fresh tids from
  :class:`~smsgw.load.sendsms.TaskFactory`, the answer checked task by task, submitted tids
  tracked and matched against the status reports it polls from the receiver (the
  ``submit->report`` metric);
* (b) bare: a FastHttpUser posting the same goip_post_sms body (same keys, same ``sr_url``, a fresh
  tid spliced into pre-encoded bytes), no checks, no tracking.

An unmeasured bare round of ``--warmup`` seconds comes first (fresh emulator and receiver
processes are slower in their first seconds). Rounds alternate a/b in ABBA order; the report gives
the median requests/s of each and the median of the per-pair ratios a/b (a ratio per adjacent pair
cancels the drift of a shared machine), and the Locust process's CPU time per request of each side
(``cpu_ratio`` = bare/profile: the share of the bare client's efficiency the profile keeps;
steadier than requests/s when other processes compete for the cores).
Target: ratio >= 0.9. Both sides are client-bound (one Locust process, one core) against an
emulator that takes ~11k requests/s. JSON goes to ``reports/bench/load_send_sms.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "reports" / "bench" / "load_send_sms.json"
TARGET_RATIO = 0.9
PASSWORD = "bench-pw"

BARE_LOCUSTFILE = """
import json, os, random
from locust import FastHttpUser, constant, task

SR = os.environ["BENCH_SR_URL"]
HEAD = ('{"type":"send-sms","sr_url":' + json.dumps(SR) + ',"sr_cnt":1,"sr_prd":1,"task_num":1,'
        '"tasks":[{"tid":').encode()
TAIL = b',"to":"+15550000001","sms":"smsgw load test"}]}'
PATH = "/goip_post_sms.html?username=root&password=" + os.environ["SMSGW_LOAD_PASSWORD"]
HEADERS = {"Content-Type": "application/json; charset=utf-8"}
_tid = [random.getrandbits(30)]


class Bare(FastHttpUser):
    wait_time = constant(0)

    @task
    def post(self):
        _tid[0] += 1
        body = HEAD + str(_tid[0]).encode() + TAIL
        self.client.post(PATH, data=body, headers=HEADERS, name="goip_post_sms")
"""


def _round(  # noqa: PLR0917
    kind: str, work: Path, emulator: str, receiver: str, users: int, seconds: int, rx_pid: int | None = None
) -> dict[str, Any]:
    base = work / f"{kind}-{time.monotonic_ns()}"
    env = {
        **os.environ,
        "SMSGW_LOAD_PASSWORD": PASSWORD,
        "BENCH_SR_URL": f"{receiver}/push/load-sr",
        "PYTHONUNBUFFERED": "1",
    }
    if kind == "profile":
        locustfile = str(ROOT / "load" / "send_sms.py")
        extra = ["--report-receiver", receiver]
    else:
        locustfile = str(work / "bare_locustfile.py")
        extra = []
    args = [
        sys.executable, "-m", "locust", "-f", locustfile, "--headless", "--host", emulator,
        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv", str(base), "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "3", "--json-file", str(base), *extra,
    ]  # fmt: skip
    started = time.perf_counter()
    popen = subprocess.Popen(
        args, env=env, cwd=work, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    samples: list[tuple[float, float]] = []  # (epoch, CPU seconds of the Locust process)
    rx_samples: list[tuple[float, float]] = []  # (epoch, CPU seconds of the receiver)
    deadline = time.monotonic() + seconds + 90
    while popen.poll() is None and time.monotonic() < deadline:
        cpu = _cpu_seconds(popen.pid)
        if cpu is not None:
            samples.append((time.time(), cpu))
        rx_cpu = _cpu_seconds(rx_pid) if rx_pid is not None else None
        if rx_cpu is not None:
            rx_samples.append((time.time(), rx_cpu))
        time.sleep(0.2)
    if popen.poll() is None:
        popen.kill()
    _, stderr = popen.communicate(timeout=30)
    wall = time.perf_counter() - started
    # Locust's final stats (--json-file): its CSV is rewritten once a second, not at exit
    final = Path(f"{base}.json")
    entries = json.loads(final.read_text(encoding="utf-8")) if final.is_file() else []
    by_name = {(e["method"], e["name"]): e for e in entries}
    post = by_name.get(("POST", "goip_post_sms"), {})
    report = by_name.get(("REPORT", "submit->report"), {})
    requests = int(post.get("num_requests", 0))
    # the steady window: from 1 s after the first request to 1 s before the last one (start-up,
    # spawning and the stop are left out); requests counted per second, CPU sampled from /proc
    per_second = {int(float(t)): int(n) for t, n in (post.get("num_reqs_per_sec") or {}).items()}
    window_rps = cpu_us = rx_us = None
    if len(per_second) >= 4:
        t0, t1 = min(per_second) + 1, max(per_second) - 1
        made = sum(n for t, n in per_second.items() if t0 <= t < t1)
        window_rps = made / (t1 - t0)
        cpu0, cpu1 = _cpu_at(samples, t0), _cpu_at(samples, t1)
        if cpu0 is not None and cpu1 is not None and made:
            cpu_us = (cpu1 - cpu0) / made * 1e6
        rx0, rx1 = _cpu_at(rx_samples, t0), _cpu_at(rx_samples, t1)
        if rx0 is not None and rx1 is not None and made:
            rx_us = (rx1 - rx0) / made * 1e6
    return {
        "kind": kind,
        "rps": window_rps if window_rps is not None else requests / seconds,
        "requests": requests,
        # the Locust process's CPU per request in the window: steadier than req/s when other
        # processes compete for the cores
        "cpu_us_per_request": round(cpu_us, 1) if cpu_us is not None else None,
        # the receiver's: ingesting the pushed reports (both sides), answering the poller (profile)
        "rx_cpu_us_per_request": round(rx_us, 1) if rx_us is not None else None,
        "failures": int(post.get("num_failures", 0)),
        "completions": int(report.get("num_requests", 0)),
        "exit_code": popen.returncode,
        "stderr_tail": stderr.decode("utf-8", "replace")[-600:] if not requests else "",
        "wall_s": round(wall, 2),
    }


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 1) if known else None


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process from /proc (Linux), None when it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_at(samples: list[tuple[float, float]], at: float) -> float | None:
    """CPU seconds at epoch ``at``, interpolated between the samples around it."""
    for (ta, ca), (tb, cb) in pairwise(samples):
        if ta <= at <= tb:
            return ca + (cb - ca) * ((at - ta) / (tb - ta) if tb > ta else 0.0)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: one short pair of rounds")
    parser.add_argument("--rounds", type=int, default=10, help="rounds (even; ABBA order)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per round")
    parser.add_argument("--users", type=int, default=8, help="Locust users per round")
    parser.add_argument(
        "--warmup", type=int, default=4, help="seconds of an unmeasured bare round first (0: none)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.warmup = 2, 2, 0
    from smsgw.load.run import emulators
    from smsgw.receiver.harness import start_receiver

    order = [
        ("profile", "bare") if (i // 2) % 2 == 0 else ("bare", "profile") for i in range(0, args.rounds, 2)
    ]
    rounds: list[dict[str, Any]] = []
    load_before = os.getloadavg()
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="smsgw-bench-load-")))
        (work / "bare_locustfile.py").write_text(BARE_LOCUSTFILE, encoding="utf-8")
        (emulator,) = stack.enter_context(emulators(1, password=PASSWORD, send_time=0.001))
        rx = stack.enter_context(start_receiver(mode="subprocess", synchronous="normal"))
        receiver = rx.url
        random.seed(0)
        if args.warmup > 0:
            # fresh emulator and receiver processes answer their first seconds slower (caches, the
            # database file growing): without a warm-up, round 1 (always the profile) pays for it
            _round("bare", work, emulator, receiver, args.users, args.warmup)
        for pair in order:
            for kind in pair:
                result = _round(kind, work, emulator, receiver, args.users, args.seconds, rx.pid)
                rounds.append(result)
                print(f"{kind:8} {result['rps']:9.1f} req/s  {result['cpu_us_per_request']} us CPU/request "
                      f"(receiver {result['rx_cpu_us_per_request']} us; {result['requests']} requests, "
                      f"{result['failures']} failures, {result['completions']} completions)")  # fmt: skip
    profile = [r["rps"] for r in rounds if r["kind"] == "profile"]
    bare = [r["rps"] for r in rounds if r["kind"] == "bare"]
    pairs = []
    for i in range(0, len(rounds) - 1, 2):
        first, second = rounds[i], rounds[i + 1]
        a, b = (first, second) if first["kind"] == "profile" else (second, first)
        if b["rps"] > 0:
            pairs.append(a["rps"] / b["rps"])
    ratio = statistics.median(pairs) if pairs else 0.0
    cpu_pairs = []
    for i in range(0, len(rounds) - 1, 2):
        first, second = rounds[i], rounds[i + 1]
        a, b = (first, second) if first["kind"] == "profile" else (second, first)
        if a["cpu_us_per_request"] and b["cpu_us_per_request"]:
            cpu_pairs.append(b["cpu_us_per_request"] / a["cpu_us_per_request"])
    cpu_ratio = statistics.median(cpu_pairs) if cpu_pairs else 0.0
    result = {
        "benchmark": "load_send_sms",
        "quick": args.quick,
        "users": args.users,
        "seconds_per_round": args.seconds,
        "warmup_s": args.warmup,
        "profile_rps": round(statistics.median(profile), 1) if profile else 0.0,
        "bare_rps": round(statistics.median(bare), 1) if bare else 0.0,
        "pair_ratios": [round(r, 4) for r in pairs],
        "ratio": round(ratio, 4),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO,
        "cpu_pair_ratios": [round(r, 4) for r in cpu_pairs],
        "cpu_ratio": round(cpu_ratio, 4),
        "rx_cpu_us_per_request": {
            kind: _median([r["rx_cpu_us_per_request"] for r in rounds if r["kind"] == kind])
            for kind in ("profile", "bare")
        },
        "failures": sum(r["failures"] for r in rounds),
        "completions": sum(r["completions"] for r in rounds if r["kind"] == "profile"),
        "rounds": rounds,
        "load_average_before": load_before,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    print(
        f"profile {result['profile_rps']:.1f} req/s, bare {result['bare_rps']:.1f} req/s: "
        f"ratio {ratio:.3f} (target >= {TARGET_RATIO}); client CPU per request bare/profile {cpu_ratio:.3f}; "
        f"receiver CPU per request {result['rx_cpu_us_per_request']} us; load average {os.getloadavg()}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
