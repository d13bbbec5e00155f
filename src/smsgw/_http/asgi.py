"""Minimal raw-ASGI helpers.

The emulator and the receiver are plain ASGI callables on uvicorn (httptools + uvloop): no router or
middleware stack on the hot path, so that "a bare endpoint on the same server stack" is a fair
baseline in the benchmarks. (The receiver's plain pushes skip ASGI altogether:
:mod:`smsgw.receiver.protocol`.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_UTF8 = b"application/json; charset=utf-8"


class BodyTooLargeError(Exception):
    """The request body exceeds the configured limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


class ClientDisconnectedError(Exception):
    """The client went away before sending the whole body."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """Read the whole request body, refusing more than ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnectedError
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes = b"text/plain; charset=utf-8",
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(
    send: Send, status: int, payload: Any, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    await send_bytes(send, status, orjson.dumps(payload), JSON_UTF8, headers)


def header(scope: Scope, name: bytes) -> bytes | None:
    """First value of a request header (``name`` lower-case)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None
