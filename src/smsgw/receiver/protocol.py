"""uvicorn's httptools protocol with a direct path for pushes.

A push through ASGI costs uvicorn ~35 µs of CPU on top of reading it (measured: a bare ASGI endpoint
44-46 µs per request, the same over a plain ``asyncio.Protocol`` on httptools 11 µs): a task per
request, the scope, ``receive``/``send`` messages, an ``asyncio.Event`` per body. At 5,000
pushes/s on one core that is a sixth of the budget. :class:`PushProtocol` keeps uvicorn for the
connection (parser, keep-alive, pipelining, flow control, timeouts, shutdown, 400 on garbage) and
for every request it does not take, and takes the common push itself:

* a ``POST`` to a push path (:meth:`~smsgw.receiver.app.ReceiverApp.push_device`), with a
  ``Content-Length`` within the body limit, no ``Expect: 100-continue``, no upgrade, and nothing
  in flight before it on the connection;
* its body is gathered in the parser callbacks; when complete it is built into a
  :class:`~smsgw.receiver.store.PendingMessage` exactly as the ASGI handler builds it
  (:meth:`~smsgw.receiver.app.ReceiverApp.pending`) and queued for the group commit; the answer is
  written when the commit's future resolves: the ack still follows the commit.
* a client that closes mid-body leaves a truncated push (400, recorded, unanswered); a body late by
  the receiver's body timeout is recorded and answered 408, and the connection closed
  (:class:`~smsgw.receiver.app.BodyWatch`, shared with the ASGI path).

Everything else (chunked or oversized bodies, ``Expect``, the API and the page, a request pipelined
behind one in flight) goes to the ASGI app as before; uvicorn queues pipelined requests behind the
push and starts them when its answer is written, so answers keep request order.

The subclass uses uvicorn's protocol attributes (``cycle``, ``pipeline``, ``on_response_complete``
...), which are not a public API: :func:`uvicorn_http` uses it only on the uvicorn versions it was
tested with (:data:`TESTED_UVICORN`), and ``tests/receiver/test_protocol.py`` runs both paths.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import unquote

import httptools
import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from smsgw._http.asgi import JSON_UTF8
from smsgw.receiver.app import ReceiverApp, answer_body, content_headers, truncated_reason
from smsgw.receiver.classify import PushRejected
from smsgw.receiver.store import PendingMessage
from smsgw.receiver.writer import StoreUnavailableError

log = logging.getLogger(__name__)
#: uvicorn (major, minor) versions whose protocol internals :class:`PushProtocol` was tested with.
TESTED_UVICORN = ((0, 54),)

_CONTENT_TYPE_JSON = b"content-type: " + JSON_UTF8 + b"\r\n"


class PushProtocol(HttpToolsProtocol):
    """Set :attr:`push_app` (see :func:`protocol_for`) and pass the class as uvicorn's ``http``.

    Besides taking pushes, it differs from uvicorn in two per-request costs (~5 µs together):

    * the ASGI scope is built only for a request that goes to the app (uvicorn builds it, with a copy
      of the app state, when each request begins);
    * the keep-alive timeout is checked by one timer per connection that re-arms itself (uvicorn
      cancels its timer when data arrives and creates a new one after each answer). Same rule: a
      connection idle ``timeout_keep_alive`` seconds after its last answer is closed.
    """

    push_app: ReceiverApp
    #: The request cycle of a taken push (a benchmark's bare endpoint swaps in one that only reads).
    cycle_class: type[PushCycle]
    _idle_since: float | None = None

    # -- requests -------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self.url = b""
        self.expect_100_continue = False
        self.headers = []

    def on_headers_complete(self) -> None:
        cycle = self.cycle
        if (cycle is None or cycle.response_complete) and not self.expect_100_continue:
            push = self._take()
            if push is not None:
                self.cycle = push  # type: ignore[assignment]
                return
        # For the ASGI app: the scope uvicorn would have built when the request began.
        url, headers, expect = self.url, self.headers, self.expect_100_continue
        super().on_message_begin()
        self.url, self.headers, self.expect_100_continue = url, headers, expect
        self.scope["headers"] = headers
        super().on_headers_complete()

    def _take(self) -> PushCycle | None:
        """A :class:`PushCycle` for this request, or ``None`` to leave it to uvicorn and ASGI."""
        parser = self.parser
        if parser.get_method() != b"POST" or parser.should_upgrade() or self.limit_concurrency is not None:
            return None
        if self.root_path:
            return None
        parsed = httptools.parse_url(self.url)
        try:
            path = parsed.path.decode("ascii")
        except UnicodeDecodeError:
            return None  # uvicorn answers it (400)
        if "%" in path:
            path = unquote(path)
        app = self.push_app
        device = app.push_device(path)
        if device is None:
            return None
        content_type, declared = content_headers(self.headers)
        if declared is None or declared > app.config.max_body:
            return None
        for name, _ in self.headers:
            if name == b"transfer-encoding":
                return None
        keep_alive = parser.get_http_version() != "1.0" and parser.should_keep_alive()
        return self.cycle_class(
            self,
            path=path,
            device=device,
            query=parsed.query or b"",
            content_type=content_type,
            declared=declared,
            keep_alive=keep_alive,
        )

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        cycle: object = self.cycle
        if isinstance(cycle, PushCycle) and cycle.reading and not cycle.watched:
            # Only a body still incomplete after this read gets a deadline (most arrive whole).
            cycle.watched = True
            self.push_app.body_watch.add(cycle, self.loop)

    def on_body(self, body: bytes) -> None:
        cycle: object = self.cycle
        if isinstance(cycle, PushCycle):
            if cycle.reading:
                cycle.chunks.append(body)
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        cycle: object = self.cycle
        if isinstance(cycle, PushCycle):
            if cycle.reading:
                cycle.complete()
            return
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        cycle: object = self.cycle
        if isinstance(cycle, PushCycle):
            if cycle.reading:
                cycle.truncate(disconnected=True)
            cycle.disconnected = True
            self.cycle = None  # type: ignore[assignment]
        self._idle_since = None
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self.timeout_keep_alive_task = None
        super().connection_lost(exc)

    # -- keep-alive -----------------------------------------------------------------------
    def _unset_keepalive_if_required(self) -> None:
        self._idle_since = None  # data came in: busy (the timer, if armed, sees it and stops)

    def on_response_complete(self) -> None:
        self.server_state.total_requests += 1
        if self.transport.is_closing():
            return
        self.flow.resume_reading()
        if self.pipeline:
            cycle, app = self.pipeline.pop()
            self._start_asgi_task(cycle, app)
            return
        self._idle_since = self.loop.time()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self._keep_alive_due)

    def _keep_alive_due(self) -> None:
        self.timeout_keep_alive_task = None
        idle_since = self._idle_since
        if idle_since is None:
            return  # busy; armed again after the next answer
        left = idle_since + self.timeout_keep_alive - self.loop.time()
        if left > 0:
            self.timeout_keep_alive_task = self.loop.call_later(left, self._keep_alive_due)
        else:
            self.timeout_keep_alive_handler()


def protocol_for(app: ReceiverApp) -> type[PushProtocol]:
    """A :class:`PushProtocol` bound to ``app``, for ``uvicorn.Config(app, http=...)``."""
    return type("PushProtocol", (PushProtocol,), {"push_app": app})


def uvicorn_http(app: ReceiverApp) -> type[asyncio.Protocol] | str:
    """uvicorn's ``http`` option for a receiver: :func:`protocol_for` on the uvicorn versions it was
    tested with (:data:`TESTED_UVICORN`), else uvicorn's own httptools protocol (every push then
    goes through ASGI: same answers and records, ~20 µs more per push) and a warning."""
    version = tuple(int(p) for p in uvicorn.__version__.split(".")[:2] if p.isdigit())
    if version in TESTED_UVICORN:
        return protocol_for(app)
    log.warning(
        "receiver: uvicorn %s is not a version the push fast path was tested with (%s); pushes go"
        " through ASGI",
        uvicorn.__version__,
        ", ".join(".".join(map(str, v)) for v in TESTED_UVICORN),
    )
    return "httptools"


class PushCycle:
    """One push taken by :class:`PushProtocol`, from its headers to its answer.

    Has the attributes uvicorn reads from a request cycle: ``response_complete`` (may the next
    request start), ``keep_alive`` (cleared by a graceful shutdown), ``disconnected``.
    """

    __slots__ = (
        "chunks",
        "content_type",
        "declared",
        "device",
        "disconnected",
        "headers",
        "keep_alive",
        "path",
        "pending",
        "protocol",
        "query",
        "reading",
        "received_at",
        "response_complete",
        "watched",
    )

    def __init__(
        self,
        protocol: PushProtocol,
        *,
        path: str,
        device: str,
        query: bytes,
        content_type: str | None,
        declared: int,
        keep_alive: bool,
    ) -> None:
        self.protocol = protocol
        self.received_at = time.time()
        self.path = path
        self.device = device
        self.query = query
        self.headers = protocol.headers
        self.content_type = content_type
        self.declared = declared
        self.keep_alive = keep_alive
        self.chunks: list[bytes] = []
        self.reading = True
        self.response_complete = False
        self.disconnected = False
        self.pending: PendingMessage | None = None
        self.watched = False

    def _body(self) -> bytes:
        chunks = self.chunks
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def _queue(self, body: bytes, rejection: PushRejected | None) -> None:
        self.reading = False
        app = self.protocol.push_app
        if self.watched:
            app.body_watch.discard(self)
        pending = app.pending(
            received_at=self.received_at,
            client=self.protocol.client,
            method="POST",
            path=self.path,
            device=self.device,
            raw_headers=self.headers,
            query_string=self.query,
            content_type=self.content_type,
            body=body,
            rejection=rejection,
        )
        self.pending = pending
        app.receiver.enqueue(pending, self.protocol.loop).add_done_callback(self._committed)

    def complete(self) -> None:
        """The whole body is in: store it, answer once committed."""
        try:
            self._queue(self._body(), None)
        except Exception:  # a bug in building the message: answered as uvicorn answers a crash
            log.exception("receiver: building a push failed")
            self.keep_alive = False
            self._write(500, b"Internal Server Error", b"content-type: text/plain; charset=utf-8\r\n")

    def truncate(self, *, disconnected: bool) -> None:
        """The client closed mid-body (recorded, nobody to answer) or stalled (recorded, 408)."""
        body = self._body()
        if disconnected:
            self.disconnected = True
            rejection = PushRejected(400, truncated_reason(len(body), self.declared))
        else:
            self.keep_alive = False  # the rest of this body may still come: the connection ends
            timeout = self.protocol.push_app.config.body_timeout
            rejection = PushRejected(408, truncated_reason(len(body), self.declared, timeout))
        try:
            self._queue(body, rejection)
        except Exception:
            log.exception("receiver: recording a truncated push failed")

    def cancel(self) -> None:
        """Called by :class:`~smsgw.receiver.app.BodyWatch` when the body is late."""
        if self.reading:
            self.truncate(disconnected=False)

    def _committed(self, future: asyncio.Future[int]) -> None:
        pending = self.pending
        assert pending is not None
        try:
            message_id = future.result()
        except StoreUnavailableError as exc:
            self._write(503, _json_error(503, str(exc)))
            return
        except Exception as exc:  # the writer only fails futures with StoreUnavailableError
            log.error("receiver: commit of a push failed: %s", exc)
            self._write(503, _json_error(503, f"store commit failed: {exc}"))
            return
        self._write(pending.status, answer_body(pending, message_id))

    def _write(self, status: int, body: bytes, content_type: bytes = _CONTENT_TYPE_JSON) -> None:
        self.response_complete = True
        protocol = self.protocol
        transport = protocol.transport
        if self.disconnected or transport.is_closing():
            return
        head = [STATUS_LINE[status]]
        for name, value in protocol.server_state.default_headers:
            head += (name, b": ", value, b"\r\n")
        head += (content_type, b"content-length: ", str(len(body)).encode(), b"\r\n")
        if not self.keep_alive:
            head.append(b"connection: close\r\n")
        head += (b"\r\n", body)
        transport.write(b"".join(head))
        if not self.keep_alive:
            transport.close()
        protocol.on_response_complete()


PushProtocol.cycle_class = PushCycle


def _json_error(status: int, reason: str) -> bytes:
    return orjson.dumps({"code": status, "reason": reason})


__all__ = ["TESTED_UVICORN", "PushCycle", "PushProtocol", "protocol_for", "uvicorn_http"]
