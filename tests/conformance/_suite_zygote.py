"""The kill matrix's runner: a warm pytest that forks one child per suite run, several at a time.

``python _suite_zygote.py JOBS RESULTS --workers N --timeout SECONDS``: JOBS is a JSON list of runs
``{"id", "args", "env", "cwd", "log", "device"}``; the runner starts them in that order, at most N at
once, and appends ``{"id", "rc", "seconds"}`` to RESULTS (JSON lines) as each ends (rc -9: killed
after SECONDS); it exits when every run has ended.  The test process starts it when the session
begins and reads RESULTS at the end (tests/conftest.py): the runs go on while other tests run, and
the test process itself holds no thread or device of theirs.

Each child serves its run's own emulated device (``device``: ``{"profile", "switches", "speedup"}``,
its password is ``SMSGW_PASSWORD`` of ``env``) in its own process, on a fresh port, and ends with it:
the devices of concurrent runs share neither state nor an interpreter lock.  The child runs
``pytest.main(args)`` with ``env`` added to its environment and ``--target`` and two
``--phone-number`` (the device's own SIMs) appended, its stdout/stderr going to ``log``, and exits
with pytest's exit code.

Several hundred suite runs each paid ~1.5 s of CPU for interpreter start-up, imports and schema
compilation before the first check ran; forked from this process they start warm.  The process is
single-threaded (no thread is started before a fork), so forking it is safe.  What every run imports
(emulator, HTTP client and server, receiver, report writers) is imported here too, never the suite's
own modules (they hold per-run state, e.g. when the run started).  The warm heap is then frozen
(``gc.freeze``): pytest collects garbage several times at its end, and each collection in a child
would otherwise walk (and copy, page by page) every object inherited from this process.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

#: Imported by (nearly) every suite run: the emulated device, the device clients, the push receiver
#: and the uvicorn they run on, the report writers.  Optional ones (allure) are skipped when missing.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("jobs", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=240.0)
    options = parser.parse_args(argv)
    pending: list[dict[str, Any]] = json.loads(options.jobs.read_text(encoding="utf-8"))
    warm_up()
    gc.collect()
    gc.freeze()  # the warm heap: shared with every child, never walked by a child's collections
    pending.reverse()
    running: dict[int, tuple[Any, float, bool]] = {}  # pid -> job id, start, killed
    with options.results.open("a", encoding="utf-8") as results:
        while pending or running:
            while pending and len(running) < options.workers:
                job = pending.pop()
                pid = os.fork()
                if pid == 0:
                    run_child(job)
                running[pid] = (job["id"], time.monotonic(), False)
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(0.02)
                now = time.monotonic()
                for child, (job_id, started, killed) in list(running.items()):
                    if not killed and now - started > options.timeout:
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(child, signal.SIGKILL)
                        running[child] = (job_id, started, True)
                continue
            if pid not in running:
                continue
            job_id, started, killed = running.pop(pid)
            rc = -9 if killed else os.waitstatus_to_exitcode(status)
            line = {"id": job_id, "rc": rc, "seconds": round(time.monotonic() - started, 3)}
            results.write(json.dumps(line) + "\n")
            results.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
