"""Start a receiver for a test or a tool, in-process or as a subprocess, and talk to it.

``with start_receiver() as rx:`` gives a :class:`RunningReceiver` on a free loopback port:
``rx.push_url("dev1")`` is the URL to configure on a device, ``rx.wait_for(type="port-status",
device="dev1")`` waits for its push. When a real device reaches the receiver through another
address (NAT, a bench network), set ``rx.public_url = "http://192.0.2.10:8899"`` (or pass
``public_url=``): ``push_url`` then uses it. The same object works on a receiver started elsewhere
(``connect(url)``, e.g. a standalone ``smsgw receive``), through its ``/_api``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol
from urllib.parse import quote

import httpx

from smsgw._tls import client_ssl_context
from smsgw.receiver.core import DEFAULT_MAX_BODY, Predicate, Receiver, ReceiverConfig, WaitTimeoutError
from smsgw.receiver.store import Message, MessageFilter, Synchronous
from smsgw.spec.registry import SchemaRegistry
from smsgw.verdicts import Verdict


class _Backend(Protocol):
    def messages(self, flt: MessageFilter, limit: int | None, newest_first: bool) -> list[Message]: ...
    def wait(
        self, flt: MessageFilter, predicate: Predicate | None, count: int, timeout: float
    ) -> list[Message]: ...
    def counters(self) -> dict[str, Any]: ...
    def mark(self) -> int: ...
    def close(self) -> None: ...


class RunningReceiver:
    """A started receiver: its URLs, queries and waits, whatever process it runs in."""

    def __init__(self, url: str, backend: _Backend, public_url: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._public_url = public_url.rstrip("/") if public_url else None
        self._backend = backend
        self.process: subprocess.Popen[bytes] | None = None
        self.db: Path | None = None
        self._cleanup: list[Any] = []

    # -- URLs -------------------------------------------------------------------------------
    @property
    def public_url(self) -> str:
        """The base URL a device should push to (``url`` unless stated otherwise)."""
        return self._public_url or self.url

    @public_url.setter
    def public_url(self, value: str | None) -> None:
        self._public_url = value.rstrip("/") if value else None

    def push_url(self, device: str | None = None) -> str:
        """Where device (or session) ``device`` should push: ``<public_url>/push/<device>``."""
        if device is None:
            return self.public_url + "/"
        return f"{self.public_url}/push/{quote(device, safe='')}"

    @property
    def ui_url(self) -> str:
        return self.url + "/_ui"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    # -- queries ----------------------------------------------------------------------------
    def messages(
        self,
        flt: MessageFilter | None = None,
        *,
        limit: int | None = None,
        newest_first: bool = False,
        **kw: Any,
    ) -> list[Message]:
        """Stored messages matching the filter (type, device, port, tid, since...), oldest first."""
        return self._backend.messages(_merge(flt, kw), limit, newest_first)

    def wait_for(
        self, predicate: Predicate | MessageFilter | str | None = None, *, timeout: float = 10.0, **kw: Any
    ) -> Message:
        """The first message matching the filter (and predicate), waiting for it; see
        :meth:`smsgw.receiver.Receiver.wait_for`. ``wait_for("dev-status")`` is short for
        ``wait_for(type="dev-status")``. Raises :class:`WaitTimeoutError`."""
        if isinstance(predicate, str):
            return self._backend.wait(_merge(None, {"type": predicate, **kw}), None, 1, timeout)[0]
        if isinstance(predicate, MessageFilter):
            return self._backend.wait(_merge(predicate, kw), None, 1, timeout)[0]
        return self._backend.wait(_merge(None, kw), predicate, 1, timeout)[0]

    def wait_for_count(
        self,
        count: int,
        flt: MessageFilter | None = None,
        *,
        predicate: Predicate | None = None,
        timeout: float = 10.0,
        **kw: Any,
    ) -> list[Message]:
        return self._backend.wait(_merge(flt, kw), predicate, count, timeout)

    def counters(self) -> dict[str, Any]:
        return self._backend.counters()

    def mark(self) -> int:
        """The last committed id: pass it as ``after=`` to wait only for later pushes."""
        return self._backend.mark()

    # -- life cycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._backend.close()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for item in reversed(self._cleanup):
            item()
        self._cleanup.clear()

    def __enter__(self) -> RunningReceiver:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _merge(flt: MessageFilter | None, kw: Mapping[str, Any]) -> MessageFilter:
    if flt is None:
        return MessageFilter(**kw)
    if kw:
        from dataclasses import replace

        return replace(flt, **kw)
    return flt


class _LocalBackend:
    def __init__(self, receiver: Receiver, server: Any) -> None:
        self.receiver = receiver
        self.server = server

    def messages(self, flt: MessageFilter, limit: int | None, newest_first: bool) -> list[Message]:
        return self.receiver.messages(flt, limit=limit, newest_first=newest_first)

    def wait(
        self, flt: MessageFilter, predicate: Predicate | None, count: int, timeout: float
    ) -> list[Message]:
        return self.receiver.wait_for_count(count, flt, predicate=predicate, timeout=timeout)

    def counters(self) -> dict[str, Any]:
        return self.receiver.counters()

    def mark(self) -> int:
        return self.receiver.mark()

    def close(self) -> None:
        self.receiver.stop_waiting()
        self.server.stop()
        self.receiver.close()


class _HttpBackend:
    """Talks to ``/_api`` of a receiver in another process; waits are long-polls, not sleeps."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.client = httpx.Client(
            base_url=self.url, timeout=timeout, trust_env=False, verify=client_ssl_context()
        )

    def messages(self, flt: MessageFilter, limit: int | None, newest_first: bool) -> list[Message]:
        params = _params(flt)
        params["limit"] = str(limit if limit is not None else 1_000_000)
        params["order"] = "desc" if newest_first else "asc"
        response = self.client.get("/_api/messages", params=params)
        response.raise_for_status()
        return [Message.from_json(m) for m in response.json()["messages"]]

    def wait(
        self, flt: MessageFilter, predicate: Predicate | None, count: int, timeout: float
    ) -> list[Message]:
        deadline = time.monotonic() + timeout
        matched: list[Message] = []
        cursor = flt.after or 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeoutError(f"{len(matched)} of {count} message(s) within {timeout:g} s")
            params = _params(flt)
            params["after"] = str(cursor)
            params["timeout"] = f"{remaining:.3f}"
            params["count"] = "1" if predicate is not None else str(count - len(matched))
            response = self.client.get("/_api/wait", params=params, timeout=remaining + 10.0)
            response.raise_for_status()
            data = response.json()
            if data["timed_out"]:
                raise WaitTimeoutError(f"{len(matched)} of {count} message(s): {data.get('reason', '')}")
            for raw in data["messages"]:
                message = Message.from_json(raw)
                cursor = message.id
                if predicate is None or predicate(message):
                    matched.append(message)
                    if len(matched) >= count:
                        return matched

    def counters(self) -> dict[str, Any]:
        response = self.client.get("/_api/counters")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def mark(self) -> int:
        response = self.client.get("/_api/health")
        response.raise_for_status()
        return int(response.json()["last_id"])

    def close(self) -> None:
        self.client.close()


def _params(flt: MessageFilter) -> dict[str, str]:
    params: dict[str, str] = {}
    for name in ("device", "port", "tid", "ident", "family", "since", "until", "after"):
        value = getattr(flt, name)
        if value is not None:
            params[name] = str(value)
    if flt.type is not None:
        params["type"] = flt.type if isinstance(flt.type, str) else ",".join(flt.type)
    if flt.verdict is not None:
        params["verdict"] = Verdict(flt.verdict).value
    return params


def connect(url: str, public_url: str | None = None) -> RunningReceiver:
    """A :class:`RunningReceiver` for a receiver already running at ``url``."""
    return RunningReceiver(url, _HttpBackend(url), public_url)


def start_receiver(
    db: Path | str | None = None,
    *,
    mode: Literal["thread", "subprocess"] = "thread",
    host: str = "127.0.0.1",
    port: int = 0,
    public_url: str | None = None,
    synchronous: Synchronous = "full",
    max_body: int = DEFAULT_MAX_BODY,
    body_timeout: float = 10.0,
    paths: Sequence[str] | None = None,
    path_devices: Mapping[str, str] | None = None,
    registry: SchemaRegistry | None = None,
    startup_timeout: float = 30.0,
    extra_args: Sequence[str] = (),
) -> RunningReceiver:
    """Start a receiver on ``host:port`` (0 = a free port) storing into ``db`` (default: a temp dir
    removed on close). ``mode="subprocess"`` runs ``python -m smsgw receive`` (a separate process the
    caller may SIGKILL: ``os.kill(rx.pid, 9)``); otherwise uvicorn runs in a thread of this process."""
    cleanup: list[Any] = []
    if db is None:
        tmp = tempfile.mkdtemp(prefix="smsgw-receiver-")
        cleanup.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
        db = Path(tmp) / "receiver.db"
    db = Path(db)
    if mode == "subprocess":
        running = _start_subprocess(
            db, host, port, public_url, synchronous, max_body, body_timeout, paths, path_devices,
            startup_timeout, extra_args,
        )  # fmt: skip
    else:
        from smsgw._http.server import ServerThread
        from smsgw.receiver.app import ReceiverApp
        from smsgw.receiver.protocol import uvicorn_http

        config = ReceiverConfig(
            db=db,
            synchronous=synchronous,
            max_body=max_body,
            body_timeout=body_timeout,
            paths=tuple(paths) if paths is not None else None,
            path_devices=dict(path_devices or {}),
        )
        receiver = Receiver(config, registry).start()
        try:
            app = ReceiverApp(receiver)
            server = ServerThread(
                app, host=host, port=port, timeout_graceful_shutdown=5, http=uvicorn_http(app)
            ).start(startup_timeout)
        except BaseException:
            receiver.close()
            raise
        running = RunningReceiver(server.url, _LocalBackend(receiver, server), public_url)
    running.db = db
    running._cleanup = cleanup
    return running


def _start_subprocess(  # noqa: PLR0917 - private, mirrors start_receiver's options
    db: Path,
    host: str,
    port: int,
    public_url: str | None,
    synchronous: Synchronous,
    max_body: int,
    body_timeout: float,
    paths: Sequence[str] | None,
    path_devices: Mapping[str, str] | None,
    startup_timeout: float,
    extra_args: Sequence[str],
) -> RunningReceiver:
    ready_dir = tempfile.mkdtemp(prefix="smsgw-receiver-ready-")
    ready = Path(ready_dir) / "ready.json"
    args = [
        sys.executable, "-m", "smsgw", "receive", "--host", host, "--port", str(port), "--db", str(db),
        "--ready-file", str(ready), "--synchronous", synchronous, "--max-body", str(max_body),
        "--body-timeout", str(body_timeout), "--quiet",
    ]  # fmt: skip
    for path in paths or ():
        args += ["--path", path]
    for path, device in (path_devices or {}).items():
        args += ["--path", f"{path}={device}"]
    args += list(extra_args)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env)
    try:
        info = _wait_ready(ready, process, startup_timeout)
    except BaseException:
        process.kill()
        process.wait(5)
        raise
    finally:
        shutil.rmtree(ready_dir, ignore_errors=True)
    running = RunningReceiver(info["url"], _HttpBackend(info["url"]), public_url)
    running.process = process
    return running


def _wait_ready(ready: Path, process: subprocess.Popen[bytes], timeout: float) -> dict[str, Any]:
    """Start-up only: the child writes the ready file (atomically) once it listens."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready.exists():
            info: dict[str, Any] = json.loads(ready.read_text(encoding="utf-8"))
            return info
        if process.poll() is not None:
            raise RuntimeError(f"smsgw receive exited with status {process.returncode} before it was ready")
        time.sleep(0.02)
    raise RuntimeError(f"smsgw receive not ready within {timeout:g} s")
