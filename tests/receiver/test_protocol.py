"""The push fast path (PushProtocol): same answers and records as the ASGI path, HTTP/1.1 kept."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from smsgw._http.server import ServerThread
from smsgw.receiver.app import ReceiverApp
from smsgw.receiver.core import Receiver, ReceiverConfig
from smsgw.receiver.protocol import PushProtocol, protocol_for, uvicorn_http
from smsgw.spec.registry import SchemaRegistry
from smsgw.verdicts import Verdict

PORT_STATUS = orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 Registered"})


class Served:
    def __init__(self, receiver: Receiver, app: ReceiverApp, server: ServerThread) -> None:
        self.receiver = receiver
        self.app = app
        self.server = server
        host, port = server.url.removeprefix("http://").split(":")
        self.address = (host, int(port))

    def connect(self) -> socket.socket:
        return socket.create_connection(self.address, timeout=10)


@pytest.fixture
def served(tmp_path: Path, small_registry: SchemaRegistry) -> Iterator[Served]:
    receiver = Receiver(ReceiverConfig(db=tmp_path / "rx.db", body_timeout=1.0), small_registry).start()
    app = ReceiverApp(receiver)
    server = ServerThread(app, http=protocol_for(app), timeout_keep_alive=1.0).start()
    try:
        yield Served(receiver, app, server)
    finally:
        server.stop()
        receiver.close()


def push_request(path: str, body: bytes, *extra: bytes, version: bytes = b"1.1") -> bytes:
    head = [b"POST " + path.encode() + b" HTTP/" + version, b"Host: x", b"Content-Type: application/json",
            b"Content-Length: %d" % len(body), *extra]  # fmt: skip
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def read_answers(sock: socket.socket, count: int) -> list[tuple[int, dict[bytes, bytes], bytes]]:
    """``count`` HTTP/1.1 answers with a Content-Length: (status, headers, body)."""
    data = b""
    answers = []
    while len(answers) < count:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            lines = data[:end].split(b"\r\n")
            headers = dict(line.lower().split(b": ", 1) for line in lines[1:])
            length = int(headers[b"content-length"])
            if len(data) >= end + 4 + length:
                answers.append((int(lines[0].split()[1]), headers, data[end + 4 : end + 4 + length]))
                data = data[end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed after {len(answers)} answers")
        data += chunk
    return answers


def test_a_push_is_taken_without_asgi_and_answered_after_its_commit(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    asgi_push = served.app._push

    async def spy(scope, receive, send, path, device):  # type: ignore[no-untyped-def]
        calls.append(path)
        await asgi_push(scope, receive, send, path, device)

    monkeypatch.setattr(served.app, "_push", spy)
    with served.connect() as sock:
        sock.sendall(push_request("/push/fast", PORT_STATUS))
        [(status, headers, body)] = read_answers(sock, 1)
    assert status == 200
    stored = served.receiver.messages(device="fast")
    assert orjson.loads(body)["id"] == stored[0].id
    assert (stored[0].type, stored[0].verdict) == ("port-status", Verdict.PASS)
    assert headers[b"content-type"] == b"application/json; charset=utf-8"
    assert b"date" in headers, "uvicorn's default headers, as on the ASGI path"
    assert b"server" in headers
    assert calls == []
    # and the same request with a body the fast path leaves alone (chunked) does reach the ASGI handler
    with served.connect() as sock:
        head = b"POST /push/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        chunked = b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(PORT_STATUS), PORT_STATUS)
        sock.sendall(head + chunked)
        assert read_answers(sock, 1)[0][0] == 200
    assert calls == ["/push/slow"]


def test_pipelined_pushes_and_api_calls_are_answered_in_request_order(served: Served) -> None:
    requests = [
        push_request("/push/p", orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 A", "seq": n}))
        for n in range(3)
    ]
    api = b"GET /_api/counters HTTP/1.1\r\nHost: x\r\n\r\n"
    with served.connect() as sock:
        sock.sendall(requests[0] + requests[1] + api + requests[2])
        answers = read_answers(sock, 4)
    assert [a[0] for a in answers] == [200, 200, 200, 200]
    ids = [orjson.loads(answers[i][2])["id"] for i in (0, 1, 3)]
    assert ids == sorted(ids)
    assert orjson.loads(answers[2][2])["received"] >= 2, "the API call ran after the pushes before it"
    stored = served.receiver.messages(device="p")
    assert [orjson.loads(m.body)["seq"] for m in stored] == [0, 1, 2]


def test_same_record_through_the_fast_path_and_through_asgi(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(push_request("/push/fast?a=1", PORT_STATUS))
        read_answers(sock, 1)
        # Expect: 100-continue is left to uvicorn and the ASGI app (which answers 100 first)
        sock.sendall(push_request("/push/asgi?a=1", PORT_STATUS, b"Expect: 100-continue"))
        data = b""
        while data.count(b"\r\n\r\n") < 2 or not data.endswith(b"}"):
            data += sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200")
    fast, slow = served.receiver.messages(type="port-status")
    assert (fast.device, slow.device) == ("fast", "asgi")
    for field in ("method", "query", "body", "content_type", "family", "type", "schema", "verdict", "status",
                  "ports", "parsed"):  # fmt: skip
        assert getattr(fast, field) == getattr(slow, field), field
    assert [h for h in fast.headers if h[0] != "expect"] == [h for h in slow.headers if h[0] != "expect"]


def test_http_1_0_push_is_answered_with_connection_close(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(push_request("/push/old", PORT_STATUS, version=b"1.0"))
        [(status, headers, _)] = read_answers(sock, 1)
        assert sock.recv(10) == b"", "closed after the answer"
    assert (status, headers[b"connection"]) == (200, b"close")
    assert served.receiver.messages(device="old")


def test_chunked_push_goes_through_asgi_and_is_stored(served: Served) -> None:
    body = PORT_STATUS
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = b"POST /push/chunks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with served.connect() as sock:
        sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
        [(status, _, _)] = read_answers(sock, 1)
    assert status == 200
    assert served.receiver.messages(device="chunks")[0].body == body


def test_idle_connection_is_closed_after_the_keep_alive_timeout_and_a_busy_one_is_not(served: Served) -> None:
    with served.connect() as busy, served.connect() as idle:
        idle.sendall(push_request("/push/idle", PORT_STATUS))
        read_answers(idle, 1)
        started = time.monotonic()
        for _ in range(10):  # 2.5 s of requests 0.25 s apart: past two keep-alive timeouts of 1 s
            busy.sendall(push_request("/push/busy", PORT_STATUS))
            assert read_answers(busy, 1)[0][0] == 200
            time.sleep(0.25)
        idle.settimeout(5)
        assert idle.recv(10) == b"", "the idle connection was closed"
        assert time.monotonic() - started < 4
        busy.sendall(push_request("/push/busy", PORT_STATUS))
        assert read_answers(busy, 1)[0][0] == 200


def test_stalled_body_is_recorded_answered_408_and_the_connection_closed(served: Served) -> None:
    with served.connect() as sock:
        sock.sendall(push_request("/push/stall", PORT_STATUS)[:-10])
        [(status, headers, body)] = read_answers(sock, 1)
        assert sock.recv(10) == b""
    assert (status, headers[b"connection"]) == (408, b"close")
    assert "received in 1 s" in orjson.loads(body)["reason"]
    [stored] = served.receiver.messages(device="stall")
    assert (stored.status, stored.verdict) == (408, Verdict.FAIL)


def test_push_whose_commit_fails_is_answered_503(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(served.receiver.store, "insert", fail)
    with served.connect() as sock:
        sock.sendall(push_request("/push/full", PORT_STATUS))
        [(status, _, body)] = read_answers(sock, 1)
    assert status == 503
    assert "disk full" in orjson.loads(body)["reason"]


def test_a_bug_while_building_a_push_is_answered_500_not_400(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(served.receiver, "build", broken)
    with served.connect() as sock:
        sock.sendall(push_request("/push/bug", PORT_STATUS))
        data = sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 500"), data[:60]


def test_mixed_traffic_on_many_connections_loses_and_duplicates_nothing(served: Served) -> None:
    """20 clients at once, each 25 random requests: whole pushes, pipelined pairs, chunked pushes,
    API calls, and pushes cut off mid-body (the client then reconnects): every push answered 2xx is
    stored once with its body, every cut one is recorded as truncated, nothing is answered 5xx."""
    import asyncio
    import random

    acked: dict[int, bytes] = {}
    cut: list[bytes] = []
    statuses: list[int] = []

    def body(tag: str) -> bytes:
        return orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 Registered", "sim": tag})

    async def answers(reader: asyncio.StreamReader, count: int) -> list[tuple[int, bytes]]:
        got = []
        for _ in range(count):
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            length = next(int(v) for k, _, v in (line.partition(b": ") for line in lines) if k.lower() ==
                          b"content-length")  # fmt: skip
            got.append((int(lines[0].split()[1]), await reader.readexactly(length)))
        return got

    async def connection(number: int) -> None:
        rng = random.Random(number)
        reader, writer = await asyncio.open_connection(*served.address)
        try:
            for step in range(25):
                tag = f"c{number}-{step}"
                kind = rng.choice(["push", "push", "pair", "chunked", "api", "cut"])
                if kind == "cut":
                    payload = body(tag)
                    half = len(payload) // 2
                    writer.write(push_request("/push/mix", payload)[:-half])
                    await writer.drain()
                    cut.append(payload[:-half])
                    writer.close()
                    reader, writer = await asyncio.open_connection(*served.address)
                    continue
                if kind == "pair":
                    bodies = [body(tag + "a"), body(tag + "b")]
                    writer.write(b"".join(push_request("/push/mix", b) for b in bodies))
                elif kind == "chunked":
                    bodies = [body(tag)]
                    writer.write(b"POST /push/mix HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(bodies[0]),
                                 bodies[0]))  # fmt: skip
                elif kind == "api":
                    bodies = []
                    writer.write(b"GET /_api/counters HTTP/1.1\r\nHost: x\r\n\r\n")
                else:
                    bodies = [body(tag)]
                    writer.write(push_request("/push/mix", bodies[0]))
                await writer.drain()
                got = await asyncio.wait_for(answers(reader, max(1, len(bodies))), 20)
                statuses.extend(status for status, _ in got)
                for sent, (status, answer) in zip(bodies, got, strict=False):
                    if status == 200:
                        acked[orjson.loads(answer)["id"]] = sent
        finally:
            writer.close()

    async def main() -> None:
        await asyncio.gather(*(connection(n) for n in range(20)))

    asyncio.run(main())
    assert len(statuses) > 300
    assert cut
    assert all(s < 500 for s in statuses), sorted(set(statuses))
    stored = {m.id: m for m in served.receiver.messages(device="mix")}
    for message_id, sent in acked.items():
        assert stored[message_id].body == sent, message_id
    bodies = [m.body for m in stored.values() if m.status == 200]
    assert len(bodies) == len(set(bodies)) == len(acked), "each acknowledged push stored exactly once"
    deadline = time.monotonic() + 10
    while len([m for m in served.receiver.messages(device="mix") if m.status == 400]) < len(cut):
        assert time.monotonic() < deadline, "a push cut off mid-body was not recorded"
        time.sleep(0.05)
    truncated = sorted(m.body for m in served.receiver.messages(device="mix") if m.status == 400)
    assert truncated == sorted(cut)


def test_protocol_for_binds_the_app_to_a_subclass() -> None:
    cls = protocol_for(object())  # type: ignore[arg-type]
    assert issubclass(cls, PushProtocol)
    assert cls is not PushProtocol


def test_an_untested_uvicorn_version_falls_back_to_its_own_protocol(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import uvicorn

    app = object()
    assert issubclass(uvicorn_http(app), PushProtocol)  # type: ignore[arg-type]
    monkeypatch.setattr(uvicorn, "__version__", "0.99.0")
    assert uvicorn_http(app) == "httptools"  # type: ignore[arg-type]
    assert "0.99.0" in caplog.text
