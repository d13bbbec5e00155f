"""The router's proxies as real listeners (router-2.2 §8): an HTTP/HTTPS proxy and a SOCKS5 proxy.

:class:`ProxyListeners` keeps one asyncio server on 127.0.0.1 per proxy that
:meth:`RouterConfig.active_proxies` names (active, in a mode whose status is enabled), on the
configured port when it is free and on a free port otherwise (:meth:`ProxyListeners.state` tells
where: ``/_emu/state`` ``proxy_listeners``). :meth:`ProxyListeners.sync` starts and stops them after
every request the device serves; a reboot (a new ``boot`` token) restarts them; :meth:`close` stops
them all.

* mode ``http`` ("HTTP/HTTPS proxy"): one request per connection, absolute-URI requests
  (``GET http://host:port/path``) are forwarded as origin-form requests with ``Connection: close``;
  ``CONNECT host:port`` opens a tunnel (what HTTPS goes through). With proxy users enabled a request
  needs ``Proxy-Authorization: Basic`` of a configured user (else ``407`` with
  ``Proxy-Authenticate``); a host the URL lists refuse gets ``403``.
* mode ``socks5`` (RFC 1928, CONNECT only): with proxy users enabled only the username/password
  method (RFC 1929) is offered; a host the URL lists refuse gets reply ``0x02`` (not allowed by
  ruleset).

The URL lists apply to the host as the client names it (a name or an IP literal), §8.3.6 patterns.
The emulator never leaves the machine: it forwards only to loopback addresses (IP literals and
``localhost``; names are not resolved), anything else answers ``502``/``0x04``. Every read, connect
and tunnel has a timeout.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import ipaddress
import logging
import socket
import struct
from collections.abc import Awaitable
from dataclasses import dataclass
from urllib.parse import urlsplit

from smsgw.emulator.routercfg import RouterConfig

__all__ = ["ProxyListeners"]

log = logging.getLogger(__name__)

_HEAD_LIMIT = 64 * 1024
_HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "proxy-authenticate", "te",
     "trailer", "upgrade"}
)  # fmt: skip


@dataclass
class _Listener:
    mode: str
    name: str
    configured: int
    port: int
    server: asyncio.Server


class ProxyListeners:
    """The listening proxies of one emulated router."""

    def __init__(
        self,
        router: RouterConfig,
        *,
        host: str = "127.0.0.1",
        connect_timeout: float = 5.0,
        idle_timeout: float = 30.0,
    ) -> None:
        self.router = router
        self.host = host
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self._listeners: dict[tuple[str, str, int], _Listener] = {}
        self._writers: set[asyncio.StreamWriter] = set()
        self._boot: object = None
        self._lock = asyncio.Lock()  # concurrent requests never start one proxy twice

    # -- lifecycle ------------------------------------------------------------------------------
    async def sync(self, boot: object = None) -> None:
        """Listen for every active proxy, stop the others; a new ``boot`` token restarts them all."""
        wanted = set(self.router.active_proxies())
        if boot == self._boot and wanted == self._listeners.keys():
            return
        async with self._lock:
            if boot != self._boot:
                self._boot = boot
                await self._close()
            for key in [k for k in self._listeners if k not in wanted]:
                await self._stop(self._listeners.pop(key))
            for key in sorted(wanted - self._listeners.keys()):
                listener = await self._start(*key)
                if listener is not None:
                    self._listeners[key] = listener

    async def close(self) -> None:
        """Stop every listener and close every open proxy connection."""
        async with self._lock:
            await self._close()

    async def _close(self) -> None:
        listeners, self._listeners = list(self._listeners.values()), {}
        for listener in listeners:
            listener.server.close()
        for writer in list(self._writers):  # open connections first: wait_closed waits for them
            writer.close()
        self._writers.clear()
        for listener in listeners:
            await self._stop(listener)

    def state(self) -> list[dict[str, object]]:
        """Where each proxy listens (``port``: the configured one, ``listening``: the real one)."""
        return [
            {"mode": li.mode, "name": li.name, "port": li.configured, "host": self.host, "listening": li.port}
            for li in sorted(self._listeners.values(), key=lambda li: (li.mode, li.name))
        ]

    async def _start(self, mode: str, name: str, port: int) -> _Listener | None:
        started: list[asyncio.Server] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if started and not started[0].is_serving():  # accepted just before the listener stopped
                writer.close()
                return
            await self._serve(mode, reader, writer)

        for candidate in (port, 0):
            try:
                server = await asyncio.start_server(handle, self.host, candidate, reuse_address=True)
            except OSError:
                continue
            started.append(server)
            bound = int(server.sockets[0].getsockname()[1])
            return _Listener(mode, name, port, bound, server)
        log.warning("proxy %s could not listen", name)
        return None

    @staticmethod
    async def _stop(listener: _Listener) -> None:
        listener.server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(listener.server.wait_closed(), 1.0)

    # -- connections ----------------------------------------------------------------------------
    async def _serve(self, mode: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if mode == "socks5":
                await self._socks5(reader, writer)
            else:
                await self._http(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _read(self, pending: Awaitable[bytes]) -> bytes:
        return await asyncio.wait_for(pending, self.idle_timeout)

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await self._read(reader.readuntil(b"\r\n\r\n"))
        if len(head) > _HEAD_LIMIT:
            await _reply(writer, 431, "Request Header Fields Too Large")
            return
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            await _reply(writer, 400, "Bad Request")
            return
        method, target, _ = parts
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if line:
                key, sep, value = line.partition(":")
                if not sep:
                    await _reply(writer, 400, "Bad Request")
                    return
                headers.append((key.strip(), value.strip()))
        lowered = {k.lower(): v for k, v in headers}
        user, pwd = _basic(lowered.get("proxy-authorization", ""))
        if not self.router.proxy_user_allowed("http", user, pwd):
            await _reply(
                writer, 407, "Proxy Authentication Required", ("Proxy-Authenticate", 'Basic realm="proxy"')
            )
            return
        if method.upper() == "CONNECT":
            host, _, port_text = target.rpartition(":")
            host = host.strip("[]")
            path = ""
        else:
            url = urlsplit(target)
            if url.scheme.lower() != "http" or not url.hostname:
                await _reply(writer, 400, "Bad Request: an absolute http:// URI is needed")
                return
            host, port_text = url.hostname, str(url.port or 80)
            path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            await _reply(writer, 400, "Bad Request")
            return
        if not self.router.url_allowed("http", host):
            await _reply(writer, 403, "Forbidden: the proxy URL list refuses this host")
            return
        upstream = await self._connect(host, int(port_text))
        if upstream is None:
            await _reply(writer, 502, "Bad Gateway")
            return
        up_reader, up_writer = upstream
        self._writers.add(up_writer)
        try:
            if method.upper() == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
            else:
                length = int(lowered.get("content-length", "0") or "0")
                body = await self._read(reader.readexactly(length)) if length > 0 else b""
                kept = [(k, v) for k, v in headers if k.lower() not in _HOP_HEADERS]
                out = [
                    f"{method} {path} HTTP/1.1",
                    *(f"{k}: {v}" for k, v in kept),
                    "Connection: close",
                    "",
                    "",
                ]
                up_writer.write("\r\n".join(out).encode("latin-1") + body)
                await up_writer.drain()
            await self._pipe(reader, writer, up_reader, up_writer)
        finally:
            self._writers.discard(up_writer)
            up_writer.close()

    async def _socks5(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await self._read(reader.readexactly(2))
        methods = await self._read(reader.readexactly(count))
        if version != 5:
            return
        required = self.router.proxy_users_required("socks5")
        method = 2 if required else 0
        if method not in methods:
            writer.write(b"\x05\xff")
            await writer.drain()
            return
        writer.write(bytes((5, method)))
        await writer.drain()
        if required:
            _, ulen = await self._read(reader.readexactly(2))
            user = (await self._read(reader.readexactly(ulen))).decode("utf-8", "replace")
            (plen,) = await self._read(reader.readexactly(1))
            pwd = (await self._read(reader.readexactly(plen))).decode("utf-8", "replace")
            ok = self.router.proxy_user_allowed("socks5", user, pwd)
            writer.write(b"\x01\x00" if ok else b"\x01\x01")
            await writer.drain()
            if not ok:
                return
        _, command, _, atyp = await self._read(reader.readexactly(4))
        if atyp == 1:
            host = str(ipaddress.IPv4Address(await self._read(reader.readexactly(4))))
        elif atyp == 3:
            (size,) = await self._read(reader.readexactly(1))
            host = (await self._read(reader.readexactly(size))).decode("idna")
        elif atyp == 4:
            host = str(ipaddress.IPv6Address(await self._read(reader.readexactly(16))))
        else:
            await _socks_reply(writer, 8)
            return
        (port,) = struct.unpack("!H", await self._read(reader.readexactly(2)))
        if command != 1:
            await _socks_reply(writer, 7)
            return
        if not self.router.url_allowed("socks5", host):
            await _socks_reply(writer, 2)
            return
        upstream = await self._connect(host, port)
        if upstream is None:
            await _socks_reply(writer, 4)
            return
        up_reader, up_writer = upstream
        self._writers.add(up_writer)
        try:
            await _socks_reply(writer, 0)
            await self._pipe(reader, writer, up_reader, up_writer)
        finally:
            self._writers.discard(up_writer)
            up_writer.close()

    async def _connect(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """A connection to ``host:port`` if it is a loopback address (names are not resolved)."""
        name = "127.0.0.1" if host.lower() == "localhost" else host
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return None
        if not address.is_loopback:
            return None
        try:
            return await asyncio.wait_for(
                asyncio.open_connection(str(address), port, family=socket.AF_UNSPEC), self.connect_timeout
            )
        except (OSError, TimeoutError):
            return None

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        """Copy both ways until one side closes or stays idle for ``idle_timeout``."""

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while True:
                chunk = await asyncio.wait_for(src.read(65536), self.idle_timeout)
                if not chunk:
                    break
                dst.write(chunk)
                await dst.drain()
            if dst.can_write_eof():
                with contextlib.suppress(OSError):
                    dst.write_eof()

        up = asyncio.ensure_future(copy(reader, up_writer))
        down = asyncio.ensure_future(copy(up_reader, writer))
        try:
            # the upstream's end (it closes after Connection: close, or the tunnel ends) ends it all
            await asyncio.gather(down, return_exceptions=True)
        finally:
            for task in (up, down):
                task.cancel()
            await asyncio.gather(up, down, return_exceptions=True)


def _basic(header: str) -> tuple[str | None, str | None]:
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None, None
    try:
        user, sep, pwd = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return (user, pwd) if sep else (None, None)


async def _reply(writer: asyncio.StreamWriter, status: int, reason: str, *extra: tuple[str, str]) -> None:
    body = f"{status} {reason}\n".encode()
    head = [
        f"HTTP/1.1 {status} {reason.partition(':')[0]}",
        "Content-Type: text/plain",
        f"Content-Length: {len(body)}",
    ]
    head += [f"{k}: {v}" for k, v in extra]
    writer.write("\r\n".join([*head, "Connection: close", "", ""]).encode("latin-1") + body)
    await writer.drain()


async def _socks_reply(writer: asyncio.StreamWriter, code: int) -> None:
    writer.write(bytes((5, code, 0, 1, 0, 0, 0, 0, 0, 0)))
    await writer.drain()
