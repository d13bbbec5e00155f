"""The receiver's raw-ASGI app: push endpoints, the ``/_api`` query/wait API and the ``/_ui`` page.

Routing, in order:

* ``/_api/...`` and ``/_ui`` are reserved (their query parameters are never taken for pushes);
* ``GET /`` (and ``HEAD``) redirects to ``/_ui``;
* ``POST /push/<device>[/...]`` is a push from device (or session) ``<device>``;
* ``POST`` to ``/``, a configured extra path, or (when no paths are configured) any other path is a
  push with no device key (or the key :attr:`ReceiverConfig.path_devices` maps the path to).

A push is answered only after it is committed: ``200 {"code": 0, "reason": "OK", "id": N}`` when it
was taken as a message (whatever its verdict), or a 4xx with ``{"code": <status>, "reason": ...}``
when it could not be (malformed, oversized, wrong content type, truncated, unrecognised), and then
it is stored as an invalid message with that reason.

Served by ``smsgw receive`` (and :func:`~smsgw.receiver.start_receiver`), a plain push does not go
through this app: :mod:`smsgw.receiver.protocol` takes it in uvicorn's protocol and builds, stores
and answers it with the same pieces (:meth:`ReceiverApp.pending`, :func:`answer_body`). This app
answers everything else (chunked or ``Expect: 100-continue`` pushes, a push pipelined behind another,
the API, the page) and is the whole receiver under any other ASGI server.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote

import orjson

from smsgw._http.asgi import JSON_UTF8, Receive, Scope, Send, send_bytes, send_json
from smsgw.receiver.classify import PushRejected
from smsgw.receiver.core import Receiver, WaitTimeoutError
from smsgw.receiver.redaction import redact_headers, redact_query
from smsgw.receiver.store import MessageFilter, PendingMessage
from smsgw.receiver.ui import render_page
from smsgw.receiver.writer import StoreUnavailableError

API_PREFIX = "/_api"
UI_PATH = "/_ui"
PUSH_PREFIX = "/push/"
MAX_WAIT = 300.0
_OK_PREFIX = b'{"code":0,"reason":"OK","id":'


class _Truncated(Exception):
    def __init__(self, body: bytes, reason: str, status: int) -> None:
        super().__init__(reason)
        self.body = body
        self.reason = reason
        self.status = status


_EXPIRED = -1.0


class Cancellable(Protocol):
    """What :class:`BodyWatch` stops when its body is late: an ASGI handler's task, or a push read
    by :mod:`smsgw.receiver.protocol` (whose ``cancel`` answers the 408 itself)."""

    def cancel(self) -> Any: ...


class BodyWatch:
    """Deadlines of the request bodies being read, checked by one periodic timer.

    A timer per request (``loop.call_later`` + ``cancel``) costs ~7,000 instructions, about as much
    as the rest of the handler's own bookkeeping; a dict entry costs a few hundred. The timer ticks
    every ``timeout / 10`` (at most 1 s) while requests come in, and stops after a tick that saw
    none: a body is answered 408 between ``timeout`` and ``timeout + tick`` after its read began.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.tick = min(1.0, max(0.01, timeout / 10))
        self._reading: dict[Cancellable | None, float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._added = False

    def add(self, task: Cancellable | None, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if loop is None:
            loop = asyncio.get_running_loop()
        if self._timer is None or loop is not self._loop:
            self._loop = loop
            self._timer = loop.call_later(self.tick, self._check)
        self._reading[task] = loop.time() + self.timeout
        self._added = True

    def discard(self, task: Cancellable | None) -> None:
        self._reading.pop(task, None)

    def expired(self, task: Cancellable) -> bool:
        return self._reading.get(task) == _EXPIRED

    def _check(self) -> None:
        assert self._loop is not None
        now = self._loop.time()
        for task, deadline in list(self._reading.items()):
            if task is not None and deadline != _EXPIRED and deadline <= now:
                self._reading[task] = _EXPIRED
                task.cancel()
        if self._added or self._reading:
            self._added = False
            self._timer = self._loop.call_later(self.tick, self._check)
        else:
            self._timer = None


class ReceiverApp:
    """ASGI callable over a :class:`Receiver`."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.config = receiver.config
        self.body_watch = BodyWatch(self.config.body_timeout)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        if path.startswith(API_PREFIX + "/") or path == API_PREFIX:
            await self._api(scope, send, path[len(API_PREFIX) :])
            return
        if path == UI_PATH or path.startswith(UI_PATH + "/"):
            await self._ui(scope, send)
            return
        device = self.push_device(path)
        if device is None:
            await send_json(send, 404, {"code": 404, "reason": f"no push endpoint at {path}"})
            return
        if method in ("GET", "HEAD") and path == "/":
            await send_bytes(send, 303, b"", headers=[(b"location", UI_PATH.encode())])
            return
        if method != "POST":
            await send_json(
                send, 405, {"code": 405, "reason": "pushes are POST requests"}, headers=[(b"allow", b"POST")]
            )
            return
        await self._push(scope, receive, send, path, device)

    def push_device(self, path: str) -> str | None:
        """The device key of a push path, ``""`` for none, ``None`` if not a push path (nor for the
        reserved ``/_api`` and ``/_ui``)."""
        if _reserved(path):
            return None
        if path.startswith(PUSH_PREFIX):
            key = path[len(PUSH_PREFIX) :].split("/", 1)[0]
            return unquote(key)
        mapped = self.config.path_devices.get(path)
        if mapped is not None:
            return mapped
        if path == "/" or self.config.paths is None or path in self.config.paths:
            return ""
        return None

    # -- pushes -----------------------------------------------------------------------------
    async def _push(self, scope: Scope, receive: Receive, send: Send, path: str, device: str) -> None:
        received_at = time.time()
        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        content_type, declared = content_headers(raw_headers)
        rejection: PushRejected | None = None
        body_size: int | None = None
        disconnected = False
        limit = self.config.max_body
        if declared is not None and declared > limit:
            body = b""
            body_size = declared
            rejection = PushRejected(413, f"body of {declared} bytes exceeds the limit of {limit} bytes")
        else:
            try:
                body = await self._read_body(receive, limit, declared)
            except _Truncated as exc:
                body = exc.body
                rejection = PushRejected(exc.status, exc.reason)
                disconnected = exc.status == 400
                if exc.status == 413:
                    body_size = len(exc.body)
                    body = exc.body[:limit]
        pending = self.pending(
            received_at=received_at,
            client=scope.get("client"),
            method=scope["method"],
            path=path,
            device=device,
            raw_headers=raw_headers,
            query_string=scope.get("query_string", b""),
            content_type=content_type,
            body=body,
            body_size=body_size,
            rejection=rejection,
        )
        try:
            message_id = await self.receiver.submit(pending)
        except StoreUnavailableError as exc:
            await send_json(send, 503, {"code": 503, "reason": str(exc)})
            return
        if disconnected:
            return  # recorded; nobody left to answer
        await send_bytes(send, pending.status, answer_body(pending, message_id), JSON_UTF8)

    def pending(
        self,
        *,
        received_at: float,
        client: tuple[str, int] | None,
        method: str,
        path: str,
        device: str,
        raw_headers: list[tuple[bytes, bytes]],
        query_string: bytes,
        content_type: str | None,
        body: bytes,
        body_size: int | None = None,
        rejection: PushRejected | None = None,
    ) -> PendingMessage:
        """A push as the store takes it: query and headers redacted, then :meth:`Receiver.build`
        (body redacted, classified, graded, or the rejection recorded)."""
        query_pairs, query = redact_query(query_string.decode("latin-1")) if query_string else ([], "")
        return self.receiver.build(
            received_at=received_at,
            source=f"{client[0]}:{client[1]}" if client else "?",
            method=method,
            path=path,
            query=query,
            query_pairs=query_pairs,
            device=device,
            headers=redact_headers(raw_headers),
            content_type=content_type,
            body=body,
            body_size=body_size,
            rejection=rejection,
        )

    async def _read_body(self, receive: Receive, limit: int, declared: int | None) -> bytes:
        """The whole body; raises :class:`_Truncated` on disconnect (400), timeout (408), limit (413).

        The deadline is watched by :class:`BodyWatch` (one periodic timer for every request, not a
        timer per request nor ``asyncio.wait_for`` per chunk, which costs a task each time).
        """
        chunks: list[bytes] = []
        size = 0
        task = asyncio.current_task()
        watch = self.body_watch
        watch.add(task)
        try:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    got = b"".join(chunks)
                    raise _Truncated(got, truncated_reason(len(got), declared), 400)
                chunk = message.get("body", b"")
                if chunk:
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > limit:
                        raise _Truncated(b"".join(chunks), f"body exceeds the limit of {limit} bytes", 413)
                if not message.get("more_body", False):
                    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        except asyncio.CancelledError:
            if task is None or not watch.expired(task):
                raise
            task.uncancel()
            got = b"".join(chunks)
            reason = truncated_reason(len(got), declared, self.config.body_timeout)
            raise _Truncated(got, reason, 408) from None
        finally:
            watch.discard(task)

    # -- API --------------------------------------------------------------------------------
    async def _api(self, scope: Scope, send: Send, sub: str) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await send_json(send, 405, {"error": "the API is read-only (GET)"}, headers=[(b"allow", b"GET")])
            return
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
        try:
            if sub == "/counters":
                await send_json(send, 200, self.receiver.counters())
            elif sub == "/messages":
                flt = filter_from_params(params)
                limit = int(params.get("limit", "100"))
                newest = params.get("order", "asc") == "desc"
                found = self.receiver.messages(flt, limit=limit, newest_first=newest)
                body = params.get("body", "1") not in ("0", "false", "no")
                await send_json(send, 200, {"messages": [m.to_json(body=body) for m in found]})
            elif sub.startswith("/messages/"):
                message = self.receiver.store.get(int(sub.rsplit("/", 1)[1]))
                if message is None:
                    await send_json(send, 404, {"error": "no such message"})
                else:
                    await send_json(send, 200, message.to_json())
            elif sub == "/wait":
                flt = filter_from_params(params)
                timeout = min(float(params.get("timeout", "10")), MAX_WAIT)
                count = int(params.get("count", "1"))
                try:
                    found = await self.receiver.wait_for_async(flt, timeout=timeout, count=count)
                except WaitTimeoutError as exc:
                    await send_json(
                        send,
                        200,
                        {
                            "timed_out": True,
                            "reason": str(exc),
                            "messages": [],
                            "last_id": self.receiver.mark(),
                        },
                    )
                else:
                    await send_json(
                        send,
                        200,
                        {
                            "timed_out": False,
                            "messages": [m.to_json() for m in found],
                            "last_id": found[-1].id,
                        },
                    )
            elif sub == "/health":
                await send_json(send, 200, {"ok": True, "last_id": self.receiver.mark()})
            else:
                await send_json(send, 404, {"error": f"unknown API endpoint {API_PREFIX}{sub}"})
        except (ValueError, TypeError) as exc:
            await send_json(send, 400, {"error": f"bad query parameter: {exc}"})

    async def _ui(self, scope: Scope, send: Send) -> None:
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        try:
            flt = filter_from_params(params)
            limit = min(int(params.get("limit", "100")), 1000)
        except (ValueError, TypeError) as exc:
            await send_bytes(send, 400, f"bad query parameter: {exc}".encode())
            return
        found = self.receiver.messages(flt, limit=limit, newest_first=True)
        page = render_page(found, self.receiver.counters(), params)
        await send_bytes(send, 200, page.encode("utf-8"), b"text/html; charset=utf-8")


def content_headers(raw_headers: list[tuple[bytes, bytes]]) -> tuple[str | None, int | None]:
    """``Content-Type`` (text) and ``Content-Length`` (``None`` if absent or not a number)."""
    content_type: str | None = None
    declared: int | None = None
    for key, value in raw_headers:
        if key == b"content-type":
            content_type = value.decode("latin-1")
        elif key == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = None
    return content_type, declared


def answer_body(pending: PendingMessage, message_id: int) -> bytes:
    """The JSON answer to a stored push: ``{"code": 0, "reason": "OK", "id": N}`` or its 4xx."""
    if pending.status == 200:
        return _OK_PREFIX + str(message_id).encode() + b"}"
    return orjson.dumps({"code": pending.status, "reason": pending.problem, "id": message_id})


def truncated_reason(got: int, declared: int | None, timeout: float | None = None) -> str:
    """Why a push's body is incomplete: the client closed (``timeout`` None) or it stalled."""
    if timeout is None:
        return f"truncated body: client closed after {_of(got, declared)} bytes"
    return f"truncated body: {_of(got, declared)} bytes received in {timeout:g} s"


def _reserved(path: str) -> bool:
    return path in (API_PREFIX, UI_PATH) or path.startswith((API_PREFIX + "/", UI_PATH + "/"))


def _of(got: int, declared: int | None) -> str:
    return f"{got} of {declared}" if declared is not None else str(got)


def filter_from_params(params: dict[str, str]) -> MessageFilter:
    """``type``, ``device``, ``port``, ``tid``, ``ident``, ``family``, ``verdict``, ``since``,
    ``until`` (epoch seconds or ISO 8601), ``after`` (id) from query parameters."""
    types = params.get("type")
    return MessageFilter(
        type=tuple(t for t in types.split(",") if t) if types else None,
        device=params.get("device"),
        port=params.get("port"),
        tid=int(params["tid"]) if params.get("tid") else None,
        ident=params.get("ident"),
        family=params.get("family"),
        verdict=params.get("verdict") or None,
        since=_time(params.get("since")),
        until=_time(params.get("until")),
        after=int(params["after"]) if params.get("after") else None,
    )


def _time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        from datetime import UTC, datetime

        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
