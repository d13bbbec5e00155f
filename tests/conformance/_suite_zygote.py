"""A warm pytest for the kill matrix: imports pytest, the suite's plugin and the schema registry once,
then forks one child per suite run.

Several hundred suite runs each paid ~1.5 s of CPU for interpreter start-up, imports and schema
compilation before the first check ran; forked from this process they start warm.  The process is
single-threaded (no thread is started before a fork), so forking it is safe.

Protocol (JSON lines): the parent writes ``{"id", "args", "env", "cwd", "log"}`` per run on stdin;
the zygote forks, the child runs ``pytest.main(args)`` with ``env`` added to its environment, its
stdout/stderr going to ``log``, and exits with pytest's exit code; the zygote answers
``{"id", "pid"}`` when it forked and ``{"id", "rc"}`` on stdout when the child ends (the parent
kills a child that overstays its time by that pid).  EOF on stdin: the zygote waits for its children and
exits.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import sys
from typing import Any


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

        code = int(pytest.main(job["args"]))
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
