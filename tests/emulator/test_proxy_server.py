"""The router's proxies listen for real (router-2.2 §8): HTTP absolute-URI and CONNECT, SOCKS5, users and
URL lists enforced, listeners stopped with the proxy, on reboot and at shutdown."""

from __future__ import annotations

import asyncio
import base64
import socket
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from smsgw._http.server import free_port
from smsgw.emulator.app import RecordingSink
from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.proxy_server import ProxyListeners
from smsgw.emulator.routercfg import RouterConfig, SimplePorts
from smsgw.emulator.serve import Fleet

AUTH = {"username": "root", "password": "root"}
TIMEOUT = 10.0


class _Target(BaseHTTPRequestHandler):
    hits: list[str]
    timeout = TIMEOUT

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b"target " + self.path.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []
    handler = type("Handler", (_Target,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], hits
    server.shutdown()
    server.server_close()
    thread.join(TIMEOUT)


@pytest.fixture
def router() -> Iterator[tuple[httpx.Client, Fleet]]:
    config = DeviceConfig(profile="router-2.2", register_time=0.0)
    with (
        Fleet(1, config, clock=VirtualClock(), sink=RecordingSink()) as fleet,
        httpx.Client(base_url=fleet.urls[0], timeout=TIMEOUT) as client,
    ):
        yield client, fleet


def _post(client: httpx.Client, endpoint: str, op: str, body: Any = None, mode: str = "http") -> None:
    resp = client.post(f"/{endpoint}", params={**AUTH, "mode": mode, "op": op}, json=body)
    assert resp.json()["code"] == 0, resp.text


def _proxy(client: httpx.Client, mode: str = "http", port: int | None = None) -> int:
    port = port or free_port()
    _post(
        client,
        "proxy",
        "add",
        {"proxies": [{"name": "t", "port": port, "interfaces": [0], "active": 1}]},
        mode,
    )
    _post(client, "proxy", "enabled", mode=mode)
    return _listening(client)[0]["listening"]  # type: ignore[no-any-return]


def _listening(client: httpx.Client) -> list[dict[str, Any]]:
    return client.get("/_emu/state").json()["proxy_listeners"]  # type: ignore[no-any-return]


def _http(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _get(port: int, url: str, user: str | None = None, pwd: str = "") -> bytes:
    auth = ""
    if user is not None:
        auth = "Proxy-Authorization: Basic " + base64.b64encode(f"{user}:{pwd}".encode()).decode() + "\r\n"
    return _http(port, f"GET {url} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n".encode())


def test_an_active_proxy_of_an_enabled_mode_listens_on_its_port_and_forwards(router, target):
    client, _ = router
    target_port, hits = target
    wanted = free_port()
    assert _listening(client) == []
    port = _proxy(client, port=wanted)
    assert port == wanted
    answer = _get(port, f"http://127.0.0.1:{target_port}/plain?x=1")
    assert answer.startswith(b"HTTP/1.")
    assert b" 200 " in answer.split(b"\r\n")[0]
    assert answer.endswith(b"target /plain?x=1")
    assert "/plain?x=1" in hits


def test_connect_opens_a_tunnel(router, target):
    client, _ = router
    target_port, hits = target
    port = _proxy(client)
    request = (
        f"CONNECT 127.0.0.1:{target_port} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        "GET /tunnelled HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    ).encode()
    answer = _http(port, request)
    assert answer.startswith(b"HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.")
    assert answer.endswith(b"target /tunnelled")
    assert "/tunnelled" in hits


def test_a_proxy_stops_listening_when_inactive_disabled_or_deleted(router):
    client, _ = router
    port = _proxy(client)
    _post(client, "proxy", "update", {"proxies": [{"name": "http-t", "active": 0}]})
    assert _listening(client) == []
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT):
        pass
    _post(client, "proxy", "update", {"proxies": [{"name": "http-t", "active": 1}]})
    assert len(_listening(client)) == 1
    _post(client, "proxy", "disabled")
    assert _listening(client) == []
    _post(client, "proxy", "enabled")
    _post(client, "proxy", "delete", {"proxies": [{"name": "http-t"}]})
    assert _listening(client) == []


def test_a_busy_configured_port_is_replaced_by_a_free_one_and_reported(router):
    client, _ = router
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        port = _proxy(client, port=taken)
        assert port != taken
        assert _listening(client)[0]["port"] == taken


def test_users_are_enforced_when_enabled(router, target):
    client, _ = router
    target_port, _hits = target
    port = _proxy(client)
    url = f"http://127.0.0.1:{target_port}/users"
    _post(client, "proxy_user", "add", {"users": [{"name": "alice", "pwd": "s3cret", "interfaces": [0]}]})
    assert b" 200 " in _get(port, url).split(b"\r\n")[0]  # users disabled: no credentials needed
    _post(client, "proxy_user", "enabled")
    refused = _get(port, url)
    assert refused.startswith(b"HTTP/1.1 407 ")
    assert b"Proxy-Authenticate: Basic" in refused
    assert _get(port, url, "alice", "wrong").startswith(b"HTTP/1.1 407 ")
    assert _get(port, url, "bob", "s3cret").startswith(b"HTTP/1.1 407 ")
    assert _get(port, url, "alice", "s3cret").endswith(b"target /users")


def test_users_defect_serves_without_credentials(router, target):
    client, _ = router
    target_port, _hits = target
    client.post("/_emu/faults", json={"on": ["defect.proxy-users-not-enforced"]})
    port = _proxy(client)
    _post(client, "proxy_user", "add", {"users": [{"name": "alice", "pwd": "s3cret", "interfaces": [0]}]})
    _post(client, "proxy_user", "enabled")
    assert _get(port, f"http://127.0.0.1:{target_port}/d").endswith(b"target /d")


def test_url_lists_are_enforced(router, target):
    client, _ = router
    target_port, _hits = target
    port = _proxy(client)
    url = f"http://127.0.0.1:{target_port}/lists"
    _post(client, "proxy_black_list", "add", {"urls": ["127.0.0.1"]})
    assert _get(port, url).endswith(b"target /lists")  # the list is not enabled yet
    _post(client, "proxy_black_list", "enabled")
    assert _get(port, url).startswith(b"HTTP/1.1 403 ")
    connect = _http(port, f"CONNECT 127.0.0.1:{target_port} HTTP/1.1\r\n\r\n".encode())
    assert connect.startswith(b"HTTP/1.1 403 ")
    _post(client, "proxy_black_list", "disabled")
    _post(client, "proxy_white_list", "add", {"urls": ["www.example.*"]})
    _post(client, "proxy_white_list", "enabled")
    assert _get(port, url).startswith(b"HTTP/1.1 403 ")
    _post(client, "proxy_white_list", "add", {"urls": ["127.0.0.*"]})
    assert _get(port, url).endswith(b"target /lists")


@pytest.mark.parametrize(
    ("defect", "endpoint"),
    [
        ("defect.proxy-whitelist-not-enforced", "proxy_white_list"),
        ("defect.proxy-blacklist-not-enforced", "proxy_black_list"),
    ],
)
def test_url_list_defects_forward_what_the_list_refuses(router, target, defect, endpoint):
    client, _ = router
    target_port, _hits = target
    client.post("/_emu/faults", json={"on": [defect]})
    port = _proxy(client)
    pattern = "www.example.com" if endpoint == "proxy_white_list" else "127.0.0.1"
    _post(client, endpoint, "add", {"urls": [pattern]})
    _post(client, endpoint, "enabled")
    assert _get(port, f"http://127.0.0.1:{target_port}/x").endswith(b"target /x")


def test_not_listening_defect_lists_the_proxy_but_opens_no_port(router):
    client, _ = router
    client.post("/_emu/faults", json={"on": ["defect.proxy-not-listening"]})
    port = free_port()
    _post(client, "proxy", "add", {"proxies": [{"name": "t", "port": port, "interfaces": [0], "active": 1}]})
    _post(client, "proxy", "enabled")
    assert _listening(client) == []
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT):
        pass


def test_the_proxy_forwards_only_to_loopback(router):
    client, _ = router
    port = _proxy(client)
    assert _get(port, "http://192.0.2.1:80/").startswith(b"HTTP/1.1 502 ")
    assert _get(port, "http://www.example.com/").startswith(b"HTTP/1.1 502 ")
    assert _get(port, "/origin-form").startswith(b"HTTP/1.1 400 ")


def _socks(port: int, target_port: int, host: str, creds: tuple[str, str] | None) -> tuple[bytes, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(b"\x05\x01" + (b"\x02" if creds else b"\x00"))
        chosen = sock.recv(2)
        if chosen[1:] == b"\xff":
            return chosen, b""
        if creds:
            user, pwd = (c.encode() for c in creds)
            sock.sendall(bytes((1, len(user))) + user + bytes((len(pwd),)) + pwd)
            if sock.recv(2) != b"\x01\x00":
                return chosen, b"auth refused"
        name = host.encode()
        sock.sendall(b"\x05\x01\x00\x03" + bytes((len(name),)) + name + struct.pack("!H", target_port))
        reply = sock.recv(10)
        if reply[1] != 0:
            return chosen, reply
        sock.sendall(b"GET /socks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return chosen, b"".join(chunks)


def test_socks5_proxy_connects_enforcing_users_and_lists(router, target):
    client, _ = router
    target_port, _hits = target
    port = _proxy(client, mode="socks5")
    assert _socks(port, target_port, "127.0.0.1", None)[1].endswith(b"target /socks")
    _post(
        client, "proxy_user", "add", {"users": [{"name": "alice", "pwd": "pw", "interfaces": [0]}]}, "socks5"
    )
    _post(client, "proxy_user", "enabled", mode="socks5")
    assert _socks(port, target_port, "127.0.0.1", None)[0] == b"\x05\xff"
    assert _socks(port, target_port, "127.0.0.1", ("alice", "no"))[1] == b"auth refused"
    assert _socks(port, target_port, "localhost", ("alice", "pw"))[1].endswith(b"target /socks")
    _post(client, "proxy_black_list", "add", {"urls": ["localhost"]}, "socks5")
    _post(client, "proxy_black_list", "enabled", mode="socks5")
    assert _socks(port, target_port, "localhost", ("alice", "pw"))[1][:2] == b"\x05\x02"


def test_listeners_restart_on_reboot_and_stop_with_the_emulator(target):
    config = DeviceConfig(profile="router-2.2", register_time=0.0)
    target_port, _hits = target
    with (
        Fleet(1, config, clock=VirtualClock(), sink=RecordingSink()) as fleet,
        httpx.Client(base_url=fleet.urls[0], timeout=TIMEOUT) as client,
    ):
        port = _proxy(client)
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as before:
            client.post("/_emu/reboot", json={})
            before.settimeout(TIMEOUT)
            assert before.recv(1) == b""  # the reboot closed the open connection
        assert _get(port, f"http://127.0.0.1:{target_port}/again").endswith(b"target /again")
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT):
        pass


def test_concurrent_syncs_start_each_proxy_once_and_close_stops_them():
    router = RouterConfig(SimplePorts(["100.64.0.1"]))
    body = b'{"proxies": [{"name": "a", "port": %d, "interfaces": [0], "active": 1}]}' % free_port()
    assert router.handle_proxy({"mode": "http", "op": "add"}, body, 0.0, "POST")[1]["code"] == 0
    assert router.handle_proxy({"mode": "http", "op": "enabled"}, None, 0.0, "POST")[1]["code"] == 0

    async def scenario() -> tuple[list[dict[str, object]], bool]:
        listeners = ProxyListeners(router)
        await asyncio.gather(*(listeners.sync("boot") for _ in range(5)))
        state = listeners.state()
        await listeners.close()
        return state, listeners.state() == []

    state, closed = asyncio.run(scenario())
    assert len(state) == 1
    assert state[0]["port"] == state[0]["listening"]
    assert closed
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", state[0]["port"]), timeout=TIMEOUT):
        pass
