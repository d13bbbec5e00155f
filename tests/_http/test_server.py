from __future__ import annotations

import socket

import httpx
import pytest

from smsgw._http import BodyTooLargeError, ServerThread, read_body, send_json
from smsgw._http.asgi import Receive, Scope, Send


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    try:
        body = await read_body(receive, limit=16)
    except BodyTooLargeError as exc:
        await send_json(send, 413, {"error": str(exc)})
        return
    await send_json(send, 200, {"path": scope["path"], "len": len(body)})


def test_server_thread_serves_on_a_free_loopback_port_and_stops() -> None:
    with ServerThread(echo_app) as server:
        assert server.url.startswith("http://127.0.0.1:")
        response = httpx.post(server.url + "/x", content=b"abc", timeout=5)
        assert response.json() == {"path": "/x", "len": 3}
        assert response.headers["content-type"] == "application/json; charset=utf-8"
    with pytest.raises(httpx.TransportError):
        httpx.get(server.url + "/x", timeout=1)


def test_server_thread_answers_on_connections_without_nagle() -> None:
    """Responses go out as headers then body: with Nagle on, the body waited for a delayed ACK."""
    with ServerThread(echo_app) as server, httpx.Client(timeout=5) as client:
        assert client.post(server.url + "/x", content=b"abc").status_code == 200
        connections = list(server._server.server_state.connections)
        sockets = [c.transport.get_extra_info("socket") for c in connections]
        assert sockets
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets)


async def client_app(scope: Scope, receive: Receive, send: Send) -> None:
    await read_body(receive, limit=16)
    await send_json(send, 200, {"client": scope["client"][0]})


def test_server_thread_sees_the_tcp_peer_not_a_forwarded_for_header() -> None:
    with ServerThread(client_app) as server:
        response = httpx.get(server.url + "/", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5)
    assert response.json() == {"client": "127.0.0.1"}


def test_read_body_refuses_bodies_over_the_limit() -> None:
    with ServerThread(echo_app) as server:
        response = httpx.post(server.url + "/x", content=b"a" * 17, timeout=5)
    assert response.status_code == 413
    assert "16 bytes" in response.json()["error"]
