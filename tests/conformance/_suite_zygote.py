"""A warm pytest for the kill matrix: imports pytest, the suite's plugin, the emulator and the schema
registry once, then forks one child per suite run.

Several hundred suite runs each paid ~1.5 s of CPU for interpreter start-up, imports and schema
compilation before the first check ran; forked from this process they start warm.  The process is
single-threaded (no thread is started before a fork), so forking it is safe.  What every run imports
(emulator, HTTP client and server, receiver, report writers) is imported here too, never the suite's
own modules (they hold per-run state, e.g. when the run started).  The warm heap is then frozen
(``gc.freeze``): pytest collects garbage several times at its end, and each collection in a child
would otherwise walk (and copy, page by page) every object inherited from this process.

Each child serves its run's own emulated device (``device`` of the job) in its own process, on a
fresh port, and ends with it: the devices of concurrent runs share neither state nor an interpreter
lock (in the test process, a few dozen devices ticking every 20 ms would contend for one).

Protocol (JSON lines): the parent writes ``{"id", "args", "env", "cwd", "log", "device"}`` per run on
stdin (``device``: ``{"profile", "switches", "speedup"}``, its password is ``SMSGW_PASSWORD`` of
``env``); the zygote forks, the child starts the device, runs ``pytest.main(args)`` with ``env`` added
to its environment and ``--target`` and two ``--phone-number`` (the device's own SIMs) appended, its
stdout/stderr going to ``log``, and exits with pytest's exit code; the zygote answers
``{"id", "pid"}`` when it forked and ``{"id", "rc"}`` on stdout when the child ends (the parent
kills a child that overstays its time by that pid).  EOF on stdin: the zygote waits for its children and
exits.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import select
import sys
from typing import Any

#: Imported by (nearly) every suite run: the device clients, the push receiver and the uvicorn it runs
#: on, the report writers.  Optional ones (allure) are skipped when missing.
WARM_MODULES = (
    "httpx",
    "certifi",
    "asyncio",
    "sqlite3",
    "pdb",
    "faulthandler",
    "uvicorn.main",
    "uvicorn.lifespan.off",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.middleware.proxy_headers",
    "uvicorn.middleware.asgi2",
    "uvicorn.middleware.message_logger",
    "uvicorn.middleware.wsgi",
    "cryptography.hazmat.primitives.ciphers",
    "cryptography.hazmat.primitives.padding",
    "cryptography.hazmat.decrepit.ciphers.algorithms",
    "smsgw._http.server",
    "smsgw.emulator.serve",
    "smsgw.emulator.clock",
    "smsgw.emulator.device",
    "smsgw.client.ejoin",
    "smsgw.client.dinstar",
    "smsgw.ejoin_security",
    "smsgw.receiver.harness",
    "smsgw.receiver.app",
    "smsgw.report.certificate",
    "smsgw.report.html",
    "smsgw.pytest_plugin.allure_writer",
)


def warm_up() -> None:
    import pytest  # noqa: F401
    from _pytest.config import default_plugins

    for name in default_plugins:
        with contextlib.suppress(ImportError):
            importlib.import_module(f"_pytest.{name}")
    import smsgw.pytest_plugin  # noqa: F401
    from smsgw.spec.catalog import Catalog
    from smsgw.spec.registry import default_registry

    default_registry()  # compiles every schema (strict and lenient) once, for every child
    Catalog.load()
    for module in WARM_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    from smsgw.report.certificate import _fast_validator

    _fast_validator()


def start_device(spec: dict[str, Any]) -> tuple[Any, list[str]]:  # pragma: no cover - in the child
    """The run's emulated device, served in this process; the arguments that point the suite at it."""
    from smsgw.emulator.clock import ScaledClock
    from smsgw.emulator.device import DeviceConfig
    from smsgw.emulator.serve import Fleet

    config = DeviceConfig(
        profile=spec["profile"], password=os.environ["SMSGW_PASSWORD"], switches=tuple(spec["switches"])
    )
    fleet = Fleet(1, config, clock=ScaledClock(float(spec["speedup"]))).start()
    args = ["--target", fleet.urls[0]]
    for port in fleet.devices[0].bank.ports[-2:]:
        args += ["--phone-number", port.slots[0].number]
    return fleet, args


def run_child(job: dict[str, Any]) -> None:  # pragma: no cover - runs in the forked child
    code = 4
    try:
        os.environ.update(job["env"])
        os.chdir(job["cwd"])
        fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
        import pytest

        args = list(job["args"])
        if job.get("device"):
            # the process ends with the run (os._exit below): its device, threads and port with it
            _fleet, target = start_device(job["device"])
            args += target
        code = int(pytest.main(args))
    except BaseException as exc:  # anything: the child must exit, never return into the loop
        with contextlib.suppress(Exception):
            print(f"zygote child: {exc!r}", file=sys.stderr)
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def main() -> None:
    warm_up()
    gc.collect()
    gc.freeze()  # the warm heap: shared with every child, never walked by a child's collections
    out = sys.stdout
    print(json.dumps({"ready": True}), file=out, flush=True)
    children: dict[int, str] = {}
    stdin = sys.stdin.buffer
    buffer = b""
    eof = False
    while not eof or children:
        if not eof:
            readable, _, _ = select.select([stdin], [], [], 0.05)
            if readable:
                chunk = os.read(stdin.fileno(), 65536)
                if not chunk:
                    eof = True
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if not line.strip():
                        continue
                    job = json.loads(line)
                    pid = os.fork()
                    if pid == 0:
                        run_child(job)
                    children[pid] = job["id"]
                    print(json.dumps({"id": job["id"], "pid": pid}), file=out, flush=True)
        else:
            select.select([], [], [], 0.05)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            job_id = children.pop(pid, None)
            if job_id is not None:
                rc = os.waitstatus_to_exitcode(status)
                print(json.dumps({"id": job_id, "rc": rc}), file=out, flush=True)


if __name__ == "__main__":
    main()
