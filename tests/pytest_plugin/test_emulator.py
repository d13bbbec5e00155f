"""The emulator control helper the conformance checks of both families share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smsgw._http import ServerThread, send_json
from smsgw._http.asgi import Receive, Scope, Send, read_body
from smsgw.pytest_plugin.emulator import emulator_control, is_emulator


@dataclass
class Conformance:
    target: str
    timeout: float = 5.0


async def fake_emulator(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = await read_body(receive, 1 << 16)
    if scope["path"] == "/_emu/state":
        await send_json(send, 200, {"ports": 8})
    elif scope["path"] == "/_emu/config" and scope["method"] == "POST":
        await send_json(send, 200, {"echo": body.decode()})
    else:
        await send_json(send, 404, {"error": "no"})


async def real_device(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await send_json(send, 404, {"error": "not found"})


def test_emulator_answers_get_and_post_with_its_json() -> None:
    with ServerThread(fake_emulator) as server:
        conformance = Conformance(server.url)
        assert emulator_control(conformance, "state") == {"ports": 8}
        answer: Any = emulator_control(conformance, "config", {"period": 5})
        assert answer == {"echo": '{"period":5}'}
        assert is_emulator(conformance)


def test_a_real_device_or_no_server_gives_none() -> None:
    with ServerThread(real_device) as server:
        assert emulator_control(Conformance(server.url), "state") is None
        assert not is_emulator(Conformance(server.url))
    assert emulator_control(Conformance("http://127.0.0.1:9", timeout=1), "state") is None
