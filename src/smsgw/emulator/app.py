"""The thin HTTP adapter: raw ASGI on uvicorn (the same stack as the receiver).

* device API: every path of the profile, converted to a :class:`Request` for :meth:`Device.handle`;
  bodies over ``max_body`` answer 413 with a JSON reason;
* control API under ``/_emu/`` (:mod:`smsgw.emulator.control`, documented at ``/_emu/openapi.json``);
* ``GET /openapi.yaml``: the profile's OpenAPI document from ``schemas/ejoin/openapi/``;
* a ticker task calls :meth:`Device.advance` every ``tick`` seconds and hands the pushes to the
  push sink (the bounded, non-blocking dispatcher), so a receiver that is down never blocks the
  device.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import orjson

from smsgw._data import schemas_dir
from smsgw._http.asgi import BodyTooLargeError, ClientDisconnectedError, Receive, Scope, Send, read_body
from smsgw.emulator import control
from smsgw.emulator.device import Device
from smsgw.emulator.dinstar import control as dinstar_control
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.messages import Push, Request, parse_query
from smsgw.emulator.proxy_server import ProxyListeners

JSON_CT = b"application/json; charset=utf-8"


class PushSink(Protocol):
    """Where pushes go: ``submit`` must never block (queue and return)."""

    def submit(
        self,
        url: str,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        *,
        kind: str = "",
    ) -> Any: ...


class RecordingSink:
    """A sink that keeps what it is given (tests, ``--no-push``)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes, str, dict[str, str]]] = []

    def submit(
        self,
        url: str,
        body: bytes,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        *,
        kind: str = "",
    ) -> bool:
        self.items.append((url, body, content_type, dict(headers or {})))
        return True


def _start_response(
    status: int, content_type: bytes, length: int, extra: tuple[tuple[str, str], ...] = ()
) -> dict[str, Any]:
    headers = [(b"content-type", content_type), (b"content-length", str(length).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra]
    return {"type": "http.response.start", "status": status, "headers": headers}


class EmulatorApp:
    """ASGI app serving one device."""

    def __init__(
        self, device: Device | DinstarDevice, sink: PushSink | None = None, *, tick: float = 0.02
    ) -> None:
        self.device = device
        self.sink: PushSink = sink if sink is not None else RecordingSink()
        self.tick = tick
        self._ticker: asyncio.Task[None] | None = None
        self._openapi: bytes | None = None
        #: the router's proxies as real loopback listeners (router-2.2 §8), synced after each request
        router = device.router if isinstance(device, Device) and device.profile.router_endpoints else None
        self.proxies = ProxyListeners(router) if router is not None else None

    # -- ASGI ----------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            if self._ticker is None:
                self.start()
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def start(self) -> None:
        """Start the ticker on the running loop (idempotent)."""
        if self._ticker is None:
            starter = getattr(self.sink, "start", None)
            if callable(starter) and not getattr(self.sink, "started", False):
                starter()
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self.proxies is not None:
            await self.proxies.close()
        self.flush()
        closer = getattr(self.sink, "aclose", None)
        if callable(closer):
            await closer(1.0)

    async def _tick_forever(self) -> None:
        while True:
            self.flush()
            await asyncio.sleep(self.tick)

    def flush(self) -> list[Push]:
        """Run the device up to now and hand its pushes to the sink."""
        pushes = self.device.advance()
        self.dispatch(pushes)
        return pushes

    def dispatch(self, pushes: Iterable[Push]) -> None:
        submit = self.sink.submit
        for push in pushes:
            submit(push.url, push.body, push.content_type, dict(push.headers), kind=push.kind)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        device = self.device
        try:
            body = await read_body(receive, device.config.max_body)
        except BodyTooLargeError as exc:
            await self._json(send, 413, {"code": 413, "reason": str(exc)})
            return
        except ClientDisconnectedError:
            return
        if path.startswith("/_emu/"):
            await self._control(scope, path, body, send)
            return
        if path == "/openapi.yaml":
            await self._send(send, 200, self._openapi_document(), b"application/yaml")
            return
        raw_query: bytes = scope.get("query_string", b"")
        client = scope.get("client")
        # the Dinstar profile authenticates with the Authorization header (digest); never logged.
        # Ejoin devices see only the Content-Type (command bodies are JSON with a charset, §5.1.3)
        if isinstance(device, DinstarDevice):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        else:
            headers = {}
            for k, v in scope.get("headers", ()):
                if k.lower() == b"content-type":
                    headers["content-type"] = v.decode("latin-1")
        request = Request(
            scope["method"],
            path,
            parse_query(raw_query.decode("latin-1")) if raw_query else {},
            body,
            headers,
            client[0] if client else "",
        )
        response = device.handle(request)
        if self.proxies is not None:
            await self._sync_proxies()
        if response.delay > 0:
            await asyncio.sleep(response.delay)
        if response.drop:
            # start a response and never finish it: uvicorn closes the connection
            await send(
                _start_response(response.status, response.content_type.encode(), len(response.body) + 1)
            )
            return
        extra: tuple[tuple[str, str], ...] = getattr(response, "headers", ())
        await send(
            _start_response(response.status, response.content_type.encode(), len(response.body), extra)
        )
        await send({"type": "http.response.body", "body": response.body})

    async def _control(self, scope: Scope, path: str, body: bytes, send: Send) -> None:
        method = scope["method"]
        if path == "/_emu/openapi.json":
            dinstar = isinstance(self.device, DinstarDevice)
            await self._json(
                send, 200, dinstar_control.CONTROL_OPENAPI if dinstar else control.CONTROL_OPENAPI
            )
            return
        try:
            payload = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError:
            await self._json(send, 400, {"error": "body is not JSON"})
            return
        if not isinstance(payload, dict):
            await self._json(send, 400, {"error": "body must be a JSON object"})
            return
        if isinstance(self.device, DinstarDevice):
            await self._dinstar_control(self.device, method, path, payload, send)
            return
        try:
            if (method, path) == ("POST", "/_emu/mms"):
                status, answer, pushes = control.mms(self.device, payload)
                self.dispatch(pushes)
            else:
                handler = control.ROUTES.get((method, path))
                if handler is None:
                    known = any(p == path for _, p in control.ROUTES)
                    await self._json(
                        send, 405 if known else 404, {"error": f"no control endpoint {method} {path}"}
                    )
                    return
                status, answer = handler(self.device, payload)
        except (control.ControlError, ValueError) as exc:
            await self._json(send, 400, {"error": str(exc)})
            return
        if method == "POST":
            self.flush()
        if self.proxies is not None:
            await self._sync_proxies()
            if path == "/_emu/state":
                answer = {**answer, "proxy_listeners": self.proxies.state()}
        await self._json(send, status, answer)

    async def _sync_proxies(self) -> None:
        """Start/stop the proxy listeners as the configuration says (a reboot restarts them)."""
        device = self.device
        if self.proxies is None or not isinstance(device, Device) or device.router is None:
            return
        await self.proxies.sync(device.inbox.ssrc)

    async def _dinstar_control(
        self, device: DinstarDevice, method: str, path: str, payload: dict[str, Any], send: Send
    ) -> None:
        handler = dinstar_control.ROUTES.get((method, path))
        if handler is None:
            known = any(p == path for _, p in dinstar_control.ROUTES)
            await self._json(send, 405 if known else 404, {"error": f"no control endpoint {method} {path}"})
            return
        try:
            status, answer = handler(device, payload)
        except (control.ControlError, ValueError) as exc:
            await self._json(send, 400, {"error": str(exc)})
            return
        if method == "POST":
            self.flush()
        await self._json(send, status, answer)

    def _openapi_document(self) -> bytes:
        if self._openapi is None and isinstance(self.device, DinstarDevice):
            path = schemas_dir() / "dinstar" / "openapi" / "uc-1.2.yaml"
            if path.is_file():
                self._openapi = path.read_bytes()
            else:
                paths = "".join(f"  {route}: {{}}\n" for route in self.device.paths)
                self._openapi = (
                    f"openapi: 3.1.0\ninfo:\n  title: {self.device.profile.title} (emulator)\n"
                    f"  version: '1'\npaths:\n{paths}"
                ).encode()
        if self._openapi is None:
            assert isinstance(self.device, Device)
            path = schemas_dir() / "ejoin" / "openapi" / f"{self.device.profile.name}.yaml"
            if path.is_file():
                self._openapi = path.read_bytes()
            else:
                paths = "".join(f"  {route}: {{}}\n" for route in sorted(self.device._routes))
                self._openapi = (
                    f"openapi: 3.1.0\ninfo:\n  title: {self.device.profile.title} (emulator)\n"
                    f"  version: '1'\npaths:\n{paths}"
                ).encode()
        return self._openapi

    @staticmethod
    async def _send(send: Send, status: int, body: bytes, content_type: bytes) -> None:
        await send(_start_response(status, content_type, len(body)))
        await send({"type": "http.response.body", "body": body})

    async def _json(self, send: Send, status: int, payload: Any) -> None:
        await self._send(send, status, orjson.dumps(payload), JSON_CT)


__all__ = ["EmulatorApp", "PushSink", "RecordingSink"]
