from __future__ import annotations

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


def test_read_body_refuses_bodies_over_the_limit() -> None:
    with ServerThread(echo_app) as server:
        response = httpx.post(server.url + "/x", content=b"a" * 17, timeout=5)
    assert response.status_code == 413
    assert "16 bytes" in response.json()["error"]
