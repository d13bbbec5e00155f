"""Proxy enforcement: an active proxy listens, and applies proxy users and URL lists (router-2.2
§8.1-§8.4), for both modes: ``http`` ("HTTP/HTTPS proxy": absolute-URI GET and CONNECT) and
``socks5`` (RFC 1928 CONNECT; proxy users as RFC 1929 username/password).

The checks are destructive: each adds an active proxy of the mode named after the suite on a free
high port, switches that mode's proxy status on if it was off, and (per check) adds a proxy user or
URL-list entries and switches their status on; everything is deleted or switched back (the undo is
registered first).

Traffic goes THROUGH the device's proxy to a tiny HTTP server the check starts itself, on the address
the device reaches this machine at: the push receiver's callback host (``--callback-url``; 127.0.0.1
for the embedded emulator). Never the internet. A check is SKIPPED when that target cannot be served
there or when the proxy does not reach it without the setting under test (then nothing can be judged).
A request is *refused* when the target never saw it and the proxy did not answer 2xx; it *passes*
when the target's answer (a per-run token) came back. The URL lists are given the target's host as
the request names it (§8.3.6 "www.example.com - exact single URL match"; an IP literal when the
callback host is one). On this project's emulator the proxy listens on the configured port when it
is free; ``/_emu/state`` ``proxy_listeners`` tells where it listens otherwise.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import secrets
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from ejoin_support import emulator_control, proxy_enabled, router_data, router_ok

from smsgw._http.server import free_port
from smsgw.pytest_plugin.timers import poll_interval, wait_until

MODES = ("http", "socks5")
PREFIX = {"http": "http-", "socks5": "socks5-"}


@dataclass
class Target:
    """The suite's HTTP server the proxy forwards to: it answers ``token`` and records the paths."""

    host: str
    port: int
    token: str
    hits: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"


@pytest.fixture(scope="module")
def proxy_target(receiver: Any) -> Iterator[Target]:
    """The suite's target server on the callback host (where the device reaches this machine)."""
    host = urlsplit(receiver.push_url("dut")).hostname or ""
    target = Target(host, 0, secrets.token_hex(8))

    class Handler(BaseHTTPRequestHandler):
        timeout = 10.0

        def do_GET(self) -> None:
            target.hits.append(self.path)
            body = f"smsgw-proxy-target {target.token} {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    try:
        server = ThreadingHTTPServer((host, 0), Handler)
    except OSError as exc:
        pytest.skip(
            f"the suite's proxy target cannot listen on {host!r}, the address the device reaches this "
            f"machine at (the receiver's callback host): {exc}"
        )
    server.daemon_threads = True
    target.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="proxy-target", daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10.0)


@dataclass
class Answer:
    """What came back through the proxy for one request."""

    status: int | None
    body: bytes
    error: str = ""

    def line(self) -> str:
        if self.error:
            return f"no answer ({self.error})"
        first = self.body.split(b"\r\n", 1)[0].decode("latin-1", "replace")
        return first[:120] or "(an empty answer)"


def _exchange(address: tuple[str, int], request: bytes, timeout: float) -> Answer:
    """Send ``request`` to the proxy, read until it closes (Connection: close)."""
    try:
        with socket.create_connection(address, timeout=timeout) as sock:
            sock.sendall(request)
            data = _read_all(sock)
    except OSError as exc:
        return Answer(None, b"", f"{type(exc).__name__}: {exc}")
    return _http_answer(data)


def _http_answer(data: bytes) -> Answer:
    parts = data.split(b" ", 2)
    status = (
        int(parts[1]) if len(parts) > 1 and parts[0].startswith(b"HTTP/") and parts[1].isdigit() else None
    )
    return Answer(status, data)


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError(f"the proxy closed the connection after {len(data)} of {size} bytes")
        data += chunk
    return data


def _read_all(sock: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _socks_address(host: str) -> bytes:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        name = host.encode("idna")
        return b"\x03" + bytes((len(name),)) + name
    return (b"\x01" if ip.version == 4 else b"\x04") + ip.packed


@dataclass
class Proxy:
    """The suite's active proxy on the device."""

    mode: str
    host: str
    port: int
    timeout: float

    def fetch(self, target: Target, path: str, user: str | None = None, pwd: str = "") -> Answer:
        """GET ``path`` on the target through the proxy (with a proxy user's credentials)."""
        if self.mode == "socks5":
            return self._socks(target, path, user, pwd)
        auth = ""
        if user is not None:
            token = base64.b64encode(f"{user}:{pwd}".encode()).decode()
            auth = f"Proxy-Authorization: Basic {token}\r\n"
        host = urlsplit(target.url("/")).netloc
        request = f"GET {target.url(path)} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
        return _exchange((self.host, self.port), request.encode("latin-1"), self.timeout)

    def connect(self, target: Target, path: str) -> Answer:
        """HTTP CONNECT to the target, then a GET of ``path`` through the tunnel."""
        netloc = urlsplit(target.url("/")).netloc
        request = (
            f"CONNECT {netloc} HTTP/1.1\r\nHost: {netloc}\r\n\r\n"
            f"GET {path} HTTP/1.1\r\nHost: {netloc}\r\nConnection: close\r\n\r\n"
        )
        return _exchange((self.host, self.port), request.encode("latin-1"), self.timeout)

    def greets(self) -> bool:
        """SOCKS5: the proxy answers the greeting with a SOCKS5 method choice."""
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(b"\x05\x02\x00\x02")
                return _recv_exactly(sock, 2)[0] == 5
        except OSError:
            return False

    def _socks(self, target: Target, path: str, user: str | None, pwd: str) -> Answer:
        methods = b"\x00\x02" if user is not None else b"\x00"
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as sock:
                sock.sendall(b"\x05" + bytes((len(methods),)) + methods)
                chosen = _recv_exactly(sock, 2)
                if chosen[0] != 5 or chosen[1] not in methods:
                    return Answer(None, chosen, f"SOCKS5 method choice {chosen.hex()}: none acceptable")
                if chosen[1] == 2:
                    name, secret = (user or "").encode(), pwd.encode()
                    sock.sendall(b"\x01" + bytes((len(name),)) + name + bytes((len(secret),)) + secret)
                    status = _recv_exactly(sock, 2)
                    if status[1] != 0:
                        return Answer(None, status, f"SOCKS5 username/password refused ({status.hex()})")
                sock.sendall(b"\x05\x01\x00" + _socks_address(target.host) + struct.pack("!H", target.port))
                reply = _recv_exactly(sock, 4)
                if reply[1] != 0:
                    return Answer(None, reply, f"SOCKS5 CONNECT refused with reply {reply[1]}")
                atyp = reply[3]
                size = 4 if atyp == 1 else 16 if atyp == 4 else _recv_exactly(sock, 1)[0]
                _recv_exactly(sock, size + 2)
                netloc = urlsplit(target.url("/")).netloc
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {netloc}\r\nConnection: close\r\n\r\n".encode())
                data = _read_all(sock)
        except OSError as exc:
            return Answer(None, b"", f"{type(exc).__name__}: {exc}")
        return _http_answer(data)


def _passed(answer: Answer, target: Target, path: str) -> bool:
    return path in target.hits and f"{target.token} {path}".encode() in answer.body


def _refused(answer: Answer, target: Target, path: str) -> bool:
    return path not in target.hits and not (answer.status is not None and 200 <= answer.status < 300)


def _listed(ejoin: Any, endpoint: str, key: str, mode: str) -> list[Any]:
    items = router_data(ejoin.get(endpoint, mode=mode)).get(key)
    return items if isinstance(items, list) else []


def _switch_on(ejoin: Any, restore: Any, endpoint: str, mode: str) -> bool:
    """Enable ``endpoint``'s status (switched back afterwards if it was off); False when refused."""
    before = proxy_enabled(ejoin, endpoint, mode)
    if before == 1:
        return True
    restore.push(
        f"/{endpoint}?mode={mode} op=disabled", lambda: ejoin.post(endpoint, None, mode=mode, op="disabled")
    )
    return (
        router_ok(ejoin.post(endpoint, None, mode=mode, op="enabled"))
        and proxy_enabled(ejoin, endpoint, mode) == 1
    )


def _emulator_listening(conformance: Any, names: tuple[str, ...]) -> tuple[str, int] | bool | None:
    """On this project's emulator: where the proxy named one of ``names`` listens (None: it does not
    listen). False on a real device (no ``/_emu/state``)."""
    state = emulator_control(conformance, "state")
    listeners = state.get("proxy_listeners") if isinstance(state, dict) else None
    if not isinstance(listeners, list):
        return False
    for item in listeners:
        if isinstance(item, dict) and item.get("name") in names:
            port, host = item.get("listening"), item.get("host")
            return (host, port) if isinstance(port, int) and isinstance(host, str) else None
    return None


def _accepts(host: str, port: int, timeout: float) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


@dataclass
class Opened:
    """The suite's proxy, and whether anything accepts connections where it should listen."""

    proxy: Proxy
    listening: bool

    @property
    def mode(self) -> str:
        return self.proxy.mode


def _open_proxy(ejoin: Any, restore: Any, conformance: Any, timers: Any, mode: str) -> Opened:
    """Add an active ``mode`` proxy on a free high port and switch that mode's proxy status on."""
    name = f"smsgwx{secrets.token_hex(3)}"
    names = (name, PREFIX[mode] + name)
    port = free_port()

    def undo() -> None:
        listed = [p.get("name") for p in _listed(ejoin, "proxy", "proxies", mode) if isinstance(p, dict)]
        present = [n for n in listed if n in names]
        if present:
            ejoin.post("proxy", {"proxies": [{"name": n} for n in present]}, mode=mode, op="delete")

    restore.push(f"delete the suite's {mode} proxy", undo)
    item = {"name": name, "port": port, "interfaces": [0], "active": 1}
    if not router_ok(ejoin.post("proxy", {"proxies": [item]}, mode=mode, op="add")):
        pytest.skip(f"the device did not add a {mode} proxy (graded by EJ-PROXY-ADD)")
    if not _switch_on(ejoin, restore, "proxy", mode):
        pytest.skip(f"the device did not enable the {mode} proxy (graded by EJ-PROXY-SET-STATUS)")
    host = urlsplit(conformance.target).hostname or ""
    where = _emulator_listening(conformance, names)
    if where is not False:  # the emulator says where (or that nothing listens): no waiting
        if isinstance(where, tuple):
            host, port = where
        listening = where is not None and _accepts(host, port, 2.0)
        return Opened(Proxy(mode, host, port, conformance.timeout), listening)
    listening = bool(wait_until(lambda: _accepts(host, port, 2.0), timers.grace, poll_interval(timers)))
    return Opened(Proxy(mode, host, port, conformance.timeout), listening)


@pytest.fixture(params=MODES)
def opened(request: pytest.FixtureRequest, ejoin: Any, restore: Any, conformance: Any, timers: Any) -> Opened:
    """The suite's active proxy of each mode (deleted, and the status switched back, afterwards)."""
    return _open_proxy(ejoin, restore, conformance, timers, request.param)


def _reached(check: Any, opened: Opened, target: Target, get: Callable[[str], Answer], what: str) -> None:
    """SKIP unless the proxy forwards a plain request to the suite's target (``what``: the setting)."""
    if not opened.listening:
        check.skip(
            f"the suite's proxy does not listen on port {opened.proxy.port} (graded by EJ-PROXY-LISTENS)"
        )
    path = f"/reach-{secrets.token_hex(4)}"
    answer = get(path)
    if not _passed(answer, target, path):
        check.skip(
            f"the proxy does not reach the suite's target {target.url('/')} before {what} is set "
            f"(answered: {answer.line()}); is {target.host} reachable from the device?"
        )


@pytest.mark.requirement("EJ-PROXY-LISTENS")
def test_active_proxy_listens_on_its_port_and_forwards(check, ejoin, opened, proxy_target):
    """router-2.2 §8.1.4/§8.1.6: "port int Network port on which the proxy is listening"; "active int
    Whether the current proxy configuration is enabled"; §8.1: "http : HTTP/HTTPS proxy; socks5:
    Socks5 proxy"."""
    proxy = opened.proxy
    if not check.expect(
        opened.listening,
        f"an active {proxy.mode} proxy on port {proxy.port} with the {proxy.mode} proxy enabled: nothing "
        f"accepts connections at {proxy.host}:{proxy.port}",
    ):
        return
    path = f"/listens-{secrets.token_hex(4)}"
    answer = proxy.fetch(proxy_target, path)
    check.attach(f"GET through the {proxy.mode} proxy", answer.line())
    speaks = proxy.greets() if proxy.mode == "socks5" else answer.status is not None
    check.expect(
        speaks,
        f"the {proxy.mode} proxy on port {proxy.port} accepts connections but does not answer as one "
        f"({answer.line()})",
    )
    if not _passed(answer, proxy_target, path):
        check.info(
            f"the proxy answered {answer.line()} but did not reach the suite's target {proxy_target.url('/')}"
            f" (is {proxy_target.host} reachable from the device?)"
        )
        return
    if proxy.mode == "http":
        tunnelled = f"/tunnel-{secrets.token_hex(4)}"
        answer = proxy.connect(proxy_target, tunnelled)
        check.attach("CONNECT through the proxy", answer.line())
        check.expect(
            _passed(answer, proxy_target, tunnelled),
            f"CONNECT {proxy_target.host}:{proxy_target.port} through the HTTP/HTTPS proxy did not tunnel "
            f"({answer.line()})",
        )


@pytest.mark.requirement("EJ-PROXY-USER-ENFORCED")
def test_proxy_with_users_enabled_serves_only_configured_credentials(
    check, ejoin, restore, opened, proxy_target
):
    """router-2.2 §8.2: "Configure the basic information and enable/disable settings for the proxy
    user"; §8.2.6: "name Proxy user name ... pwd Proxy user password"."""
    proxy = opened.proxy
    tag = secrets.token_hex(3)
    name, pwd = f"smsgwu{tag}", secrets.token_urlsafe(9)[:12]

    def undo() -> None:
        names = [
            u.get("name") for u in _listed(ejoin, "proxy_user", "users", opened.mode) if isinstance(u, dict)
        ]
        if name in names:
            ejoin.post("proxy_user", {"users": [{"name": name}]}, mode=opened.mode, op="delete")

    restore.push(f"delete the suite's {opened.mode} proxy user", undo)
    user = {"name": name, "pwd": pwd, "interfaces": [0], "mark": "smsgw-suite"}
    if not router_ok(ejoin.post("proxy_user", {"users": [user]}, mode=opened.mode, op="add")):
        check.skip("the device did not add a proxy user (graded by EJ-PROXY-USER-ADD)")
    # with users still as they were, the suite's (valid) credentials reach the target
    _reached(check, opened, proxy_target, lambda p: proxy.fetch(proxy_target, p, name, pwd), "a proxy user")
    if not _switch_on(ejoin, restore, "proxy_user", opened.mode):
        check.skip("the device did not enable proxy users (graded by EJ-PROXY-SET-STATUS)")
    for label, who, secret in (
        ("without credentials", None, ""),
        ("with a wrong password", name, pwd + "x"),
        ("as an unknown user", f"smsgwn{tag}", pwd),
    ):
        path = f"/user-refused-{secrets.token_hex(4)}"
        answer = proxy.fetch(proxy_target, path, who, secret)
        check.expect(
            _refused(answer, proxy_target, path),
            f"with proxy users enabled, a request {label} reached the target ({answer.line()})",
        )
    path = f"/user-ok-{secrets.token_hex(4)}"
    answer = proxy.fetch(proxy_target, path, name, pwd)
    check.expect(
        _passed(answer, proxy_target, path),
        f"with proxy users enabled, the configured user's request did not reach the target ({answer.line()})",
    )


def _url_list(ejoin: Any, restore: Any, endpoint: str, patterns: list[str], mode: str) -> bool:
    """Add ``patterns`` (those not listed yet; deleted afterwards); False when refused."""
    ours = [p for p in patterns if p not in _listed(ejoin, endpoint, "urls", mode)]
    if not ours:
        return True

    def undo() -> None:
        present = [p for p in _listed(ejoin, endpoint, "urls", mode) if p in ours]
        if present:
            ejoin.post(endpoint, {"urls": present}, mode=mode, op="delete")

    restore.push(f"delete the suite's patterns from /{endpoint}?mode={mode}", undo)
    return router_ok(ejoin.post(endpoint, {"urls": ours}, mode=mode, op="add"))


@pytest.mark.requirement("EJ-PROXY-WHITELIST-ENFORCED")
def test_proxy_with_whitelist_enabled_reaches_only_listed_hosts(check, ejoin, restore, opened, proxy_target):
    """router-2.2 §8.3: "Configure the basic information and enable/disable settings for the proxy URL
    whitelist"; §8.3.6: "www.example.com -exact single URL match; *.example.com -suffix match"."""
    proxy = opened.proxy
    _reached(check, opened, proxy_target, lambda p: proxy.fetch(proxy_target, p), "the URL whitelist")
    tag = secrets.token_hex(3)
    others = [f"www.smsgw{tag}.invalid", f"*.smsgw{tag}.invalid"]
    if not _url_list(ejoin, restore, "proxy_white_list", others, opened.mode):
        check.skip("the device refused whitelist patterns (graded by EJ-PROXY-URL-LIST-ADD)")
    if proxy_target.host in _listed(ejoin, "proxy_white_list", "urls", opened.mode):
        check.skip(f"the device's URL whitelist already lists {proxy_target.host}")
    if not _switch_on(ejoin, restore, "proxy_white_list", opened.mode):
        check.skip("the device did not enable the URL whitelist (graded by EJ-PROXY-SET-STATUS)")
    path = f"/white-refused-{secrets.token_hex(4)}"
    answer = proxy.fetch(proxy_target, path)
    check.expect(
        _refused(answer, proxy_target, path),
        f"with the URL whitelist enabled, a request to {proxy_target.host} (not listed) reached it "
        f"({answer.line()})",
    )
    if not _url_list(ejoin, restore, "proxy_white_list", [proxy_target.host], opened.mode):
        check.skip(f"the device refused the whitelist pattern {proxy_target.host!r}")
    path = f"/white-ok-{secrets.token_hex(4)}"
    answer = proxy.fetch(proxy_target, path)
    check.expect(
        _passed(answer, proxy_target, path),
        f"with {proxy_target.host} in the enabled URL whitelist, the request did not reach it "
        f"({answer.line()})",
    )


@pytest.mark.requirement("EJ-PROXY-BLACKLIST-ENFORCED")
def test_proxy_with_blacklist_enabled_refuses_listed_hosts(check, ejoin, restore, opened, proxy_target):
    """router-2.2 §8.4: "Configure the basic information and enable/disable settings for the proxy URL
    Blacklist"; §8.4.6: "www.example.com -exact single URL match"."""
    proxy = opened.proxy
    _reached(check, opened, proxy_target, lambda p: proxy.fetch(proxy_target, p), "the URL blacklist")
    if not _url_list(ejoin, restore, "proxy_black_list", [proxy_target.host], opened.mode):
        check.skip(f"the device refused the blacklist pattern {proxy_target.host!r}")
    if not _switch_on(ejoin, restore, "proxy_black_list", opened.mode):
        check.skip("the device did not enable the URL blacklist (graded by EJ-PROXY-SET-STATUS)")
    path = f"/black-refused-{secrets.token_hex(4)}"
    answer = proxy.fetch(proxy_target, path)
    check.expect(
        _refused(answer, proxy_target, path),
        f"with {proxy_target.host} in the enabled URL blacklist, a GET reached it ({answer.line()})",
    )
    if proxy.mode == "http":
        path = f"/black-tunnel-{secrets.token_hex(4)}"
        answer = proxy.connect(proxy_target, path)
        check.expect(
            _refused(answer, proxy_target, path),
            f"with {proxy_target.host} in the enabled URL blacklist, a CONNECT tunnel reached it "
            f"({answer.line()})",
        )
