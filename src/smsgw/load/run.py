"""``smsgw load``: start what a profile needs, run Locust (master + workers) as subprocesses, report.

Nothing here imports ``locust``: Locust runs in its own processes (``python -m locust``), and this
module only builds their command lines, waits for them (bounded) and reads their CSV files.

A run, by default entirely on loopback:

1. targets: ``send-sms`` starts ``smsgw emulate`` (``--devices`` emulated gateways, fast sending so
   status reports come back within the run) and a receiver (``smsgw receive``) for the status
   reports (emulated Dinstar gateways get its push URL, ``--status-url``, for their
   ``sms_result`` events); ``status-fanin`` starts a receiver as the SMS server under test. ``--target`` (and
   ``--receiver``) point at running ones instead;
2. Locust: ``--workers 0`` is one local process; ``--workers N`` is a master and N workers
   (``--master --expect-workers N`` on a free loopback port; each worker ``--worker``);
3. outputs under ``reports/load/<run>/``: Locust's ``locust_stats*.csv``, ``locust.html``, the
   processes' logs, and the capacity report ``capacity.html`` + ``capacity.json``.

Bounded: Locust gets ``--run-time``; the shape stops by itself; each process is waited for with a
deadline past the run time, then its process group is killed. The device password reaches the
processes only through the environment (``SMSGW_EMU_PASSWORD``, ``SMSGW_LOAD_PASSWORD``).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smsgw._data import load_dir
from smsgw.load.capacity import Capacity, build_report, write_report
from smsgw.redact import redact_text

__all__ = ["PROFILES", "LoadOptions", "LoadResult", "run_load"]

PROFILES = {"send-sms": "send_sms.py", "status-fanin": "status_fanin.py"}
#: the receiver's device name for the pushes the send-sms profile matches (load/send_sms.py SR_DEVICE)
SR_DEVICE = "load-sr"
CSV_BASE = "locust"
_URL = re.compile(r"http://127\.0\.0\.1:\d+")


@dataclass
class LoadOptions:
    profile: str
    out_dir: Path
    users: int = 10
    spawn_rate: float = 10.0
    run_time: float = 30.0
    workers: int = 0
    shape: str = "steady"
    step_users: int = 10
    step_time: float = 20.0
    steps: int = 5
    spike_users: int = 100
    spike_at: float = 10.0
    spike_time: float = 10.0
    max_requests: int = 0
    #: gateway base URLs (send-sms) or the SMS server's base URL (status-fanin); empty: start one
    targets: Sequence[str] = ()
    #: receiver for status reports (send-sms); "" starts one, "none" switches the metric off
    receiver: str = ""
    password: str = field(default="root", repr=False)
    devices: int = 1
    #: send-sms: "ejoin" (goip_post_sms) or "dinstar" (/api/send_sms, DinstarSmsServer)
    vendor: str = "ejoin"
    send_time: float = 0.01
    switches: Sequence[str] = ()
    #: profile options, passed to Locust as ``--name value``
    profile_args: dict[str, Any] = field(default_factory=dict)
    locust_args: Sequence[str] = ()
    loglevel: str = "INFO"
    grace: float = 60.0

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile {self.profile!r}: one of {', '.join(PROFILES)}")
        if self.vendor not in ("ejoin", "dinstar"):
            raise ValueError(f"vendor {self.vendor!r}: ejoin or dinstar")
        if self.workers < 0 or self.users < 0 or self.run_time <= 0:
            raise ValueError("workers and users must be >= 0, run time > 0")

    @property
    def duration(self) -> float:
        """Seconds the shape runs (the step shape: steps x step time)."""
        if self.shape == "step":
            return self.steps * self.step_time
        return self.run_time


@dataclass
class LoadResult:
    out_dir: Path
    exit_code: int
    capacity: Capacity
    csv_base: Path
    html: Path
    capacity_json: Path
    capacity_html: Path
    logs: list[Path]
    timed_out: bool = False


class _Proc:
    """A subprocess in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, log: Path | None) -> None:
        self.log = log
        self._fh = log.open("wb") if log is not None else None
        out: Any = self._fh if self._fh is not None else subprocess.DEVNULL
        self.popen = subprocess.Popen(
            args, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace: float = 10.0) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            if self.wait(grace) is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@contextlib.contextmanager
def emulators(
    devices: int,
    *,
    password: str,
    send_time: float,
    switches: Sequence[str] = (),
    profile: str = "gateway-2.4",
    status_url: str = "",
    timeout: float = 60.0,
) -> Iterator[list[str]]:
    """``smsgw emulate`` in a subprocess: ``devices`` gateways; yields their base URLs.

    ``status_url``: where the gateways push (``--status-url``; a Dinstar gateway pushes every
    event there, its ``sms_result`` included)."""
    args = [
        sys.executable, "-m", "smsgw", "emulate", "--devices", str(devices), "--send-time", str(send_time),
        "--max-tasks", "10000000", "--profile", profile,
    ]  # fmt: skip
    if status_url:
        args += ["--status-url", status_url]
    for switch in switches:
        args += ["--switch", switch]
    env = {**os.environ, "SMSGW_EMU_PASSWORD": password, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    popen = subprocess.Popen(
        args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    drain: threading.Thread | None = None
    try:
        assert popen.stdout is not None
        urls = _read_urls(popen, devices, timeout)
        # keep draining stdout so the emulator never blocks on a full pipe
        drain = threading.Thread(target=popen.stdout.read, daemon=True)
        drain.start()
        yield urls
    finally:
        if popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(popen.pid, signal.SIGTERM)
            try:
                popen.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(5)
        if drain is not None:
            drain.join(5)
        if popen.stdout is not None:
            popen.stdout.close()


def _read_urls(popen: subprocess.Popen[bytes], devices: int, timeout: float) -> list[str]:
    assert popen.stdout is not None
    fd = popen.stdout.fileno()
    deadline = time.monotonic() + timeout
    text = b""
    while b"control API" not in text:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or popen.poll() is not None:
            raise RuntimeError("smsgw emulate did not start (no URLs printed)")
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.5))
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError("smsgw emulate closed its output before printing its URLs")
            text += chunk
    urls = _URL.findall(text.decode("utf-8", "replace"))
    if len(urls) < devices:
        raise RuntimeError(f"smsgw emulate printed {len(urls)} URL(s), {devices} expected")
    return urls[:devices]


def locust_command(options: LoadOptions, locustfile: Path, host: str, extra: dict[str, Any]) -> list[str]:
    """The master's (or the single process's) command line, without the distribution flags."""
    o = options
    # the shape stops steady/spike runs at --run-time; a step run stops after its last step
    run_time = max(1, round(o.duration + (2 if o.shape == "step" else 0)))
    args = [
        sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", host,
        "-u", str(o.users), "-r", str(o.spawn_rate), "--run-time", f"{run_time}s",
        "--shape", o.shape, "--duration", str(o.run_time),
        "--step-users", str(o.step_users), "--step-time", str(o.step_time), "--steps", str(o.steps),
        "--spike-users", str(o.spike_users), "--spike-at", str(o.spike_at), "--spike-time", str(o.spike_time),
        "--max-requests", str(o.max_requests),
        "--csv", CSV_BASE, "--csv-full-history", "--html", "locust.html", "--only-summary",
        "--json-file", f"{CSV_BASE}_final",
        "--loglevel", o.loglevel, "--stop-timeout", "5",
    ]  # fmt: skip
    for key, value in {**o.profile_args, **extra}.items():
        if value is None or value == "":
            continue
        args += [f"--{key}", str(value)]
    args += list(o.locust_args)
    return args


def run_load(options: LoadOptions) -> LoadResult:
    """Run one profile (see the module docstring) and write its reports."""
    o = options
    out = o.out_dir
    out.mkdir(parents=True, exist_ok=True)
    locustfile = load_dir() / PROFILES[o.profile]
    env = {**os.environ, "SMSGW_LOAD_PASSWORD": o.password, "PYTHONUNBUFFERED": "1"}
    env.pop("LOCUST_LOCUSTFILE", None)
    run_info: dict[str, Any] = {
        "profile": o.profile,
        "shape": o.shape,
        "users": o.users,
        "spawn_rate": o.spawn_rate,
        "run_time_s": o.duration,
        "workers": o.workers,
    }
    with contextlib.ExitStack() as stack:
        extra: dict[str, Any] = {}
        targets = list(o.targets)
        if o.profile == "send-sms":
            dinstar = o.vendor == "dinstar"
            receiver = o.receiver
            if dinstar and targets and not receiver:
                # a Dinstar gateway pushes where its own settings say (no sr_url in send_sms): a
                # receiver started here would see nothing unless told; --receiver names the one it uses
                receiver = "none"
            if receiver == "":
                receiver = stack.enter_context(_receiver()).url
                run_info["report receiver"] = "smsgw receive (started)"
            if not targets:
                emulated = "dinstar-uc" if dinstar else "gateway-2.4"
                # the emulated Dinstar gateways push their events (sms_result...) to the receiver
                push = f"{receiver.rstrip('/')}/push/{SR_DEVICE}" if dinstar and receiver != "none" else ""
                targets = stack.enter_context(
                    emulators(
                        o.devices, password=o.password, send_time=o.send_time, switches=o.switches,
                        profile=emulated, status_url=push,
                    )
                )  # fmt: skip
                run_info["target"] = f"{len(targets)} emulated {emulated} gateway(s) (smsgw emulate)"
                if o.switches:
                    run_info["emulator switches"] = ", ".join(o.switches)
            if dinstar:
                # DinstarSmsServer is abstract unless its target is in the environment (all processes)
                env["SMSGW_LOAD_DINSTAR_HOST"] = targets[0]
                extra["dinstar-host"] = targets[0]
                run_info["vendor"] = "dinstar (DinstarSmsServer, /api/send_sms)"
            if receiver != "none":
                extra["report-receiver"] = receiver
            extra["targets"] = ",".join(targets)
            host = targets[0]
        else:
            if not targets:
                targets = [stack.enter_context(_receiver()).url]
                run_info["target"] = "smsgw receive (started)"
            host = targets[0]
        # URLs and paths may carry credentials (?token=...): the report shows them redacted
        run_info.update({k: redact_text(str(v)) for k, v in o.profile_args.items() if v not in (None, "")})
        command = locust_command(o, locustfile, host, extra)
        if o.profile == "send-sms":
            command.append("DinstarSmsServer" if o.vendor == "dinstar" else "EjoinSmsServer")
        result = _run_locust(o, command, env, out)
    exit_code, timed_out, logs = result
    base = out / CSV_BASE
    capacity = build_report(base, o.profile, run=run_info)
    capacity_json, capacity_html = write_report(capacity, out)
    return LoadResult(
        out_dir=out,
        exit_code=exit_code,
        capacity=capacity,
        csv_base=base,
        html=out / "locust.html",
        capacity_json=capacity_json,
        capacity_html=capacity_html,
        logs=logs,
        timed_out=timed_out,
    )


@contextlib.contextmanager
def _receiver() -> Iterator[Any]:
    from smsgw.receiver.harness import start_receiver

    # a temporary database (removed on close): the reports are Locust's CSVs, not the pushes
    with start_receiver(None, mode="subprocess", synchronous="normal") as rx:
        yield rx


def _run_locust(
    o: LoadOptions, command: list[str], env: dict[str, str], out: Path
) -> tuple[int, bool, list[Path]]:
    deadline = o.duration + 2 + o.grace
    procs: list[_Proc] = []
    try:
        if o.workers <= 0:
            master = _Proc(command, env, out, out / "locust.log")
            procs.append(master)
        else:
            from smsgw._http.server import free_port

            port = free_port()
            master_args = [
                *command, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
                "--expect-workers", str(o.workers), "--expect-workers-max-wait", "60",
            ]  # fmt: skip
            master = _Proc(master_args, env, out, out / "master.log")
            procs.append(master)
            worker_args = [
                sys.executable, "-m", "locust", "-f", command[command.index("-f") + 1], "--worker",
                "--master-host", "127.0.0.1", "--master-port", str(port), "--loglevel", o.loglevel,
            ]  # fmt: skip
            for i in range(o.workers):
                procs.append(_Proc(worker_args, env, out, out / f"worker-{i + 1}.log"))
            deadline += 60  # workers connecting
        code = master.wait(deadline)
        timed_out = code is None
        for proc in procs[1:]:
            proc.wait(15)
        return (code if code is not None else -1), timed_out, [p.log for p in procs if p.log is not None]
    finally:
        for proc in procs:
            proc.stop()
