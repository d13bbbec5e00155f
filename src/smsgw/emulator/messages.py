"""Plain values crossing the pure core's boundary: requests in, responses and pushes out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import orjson

JSON_CT = "application/json; charset=utf-8"


@dataclass(slots=True)
class Request:
    """One HTTP request as the device sees it. ``query`` keys are lower-cased (the documents'
    own examples write ``Username=``), first value wins; ``headers`` keys are lower-case."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    source_ip: str = "127.0.0.1"


@dataclass(slots=True)
class Response:
    """What the device answers. ``delay`` (seconds) and ``drop`` (close without answering) are
    transport faults the adapter applies; the core never sleeps."""

    status: int
    body: bytes
    content_type: str = JSON_CT
    delay: float = 0.0
    drop: bool = False

    @classmethod
    def json(cls, payload: Any, status: int = 200) -> Response:
        return cls(status, orjson.dumps(payload))

    def payload(self) -> Any:
        """The JSON body (tests and the control API)."""
        return orjson.loads(self.body)


@dataclass(frozen=True, slots=True)
class Push:
    """A request the device sends to a server: ``kind`` is the message type (``dev-status``,
    ``port-status``, ``status-report``, ``recv-sms``, ``sent-sms``, ``sms-forward``, ``mms``)."""

    kind: str
    url: str
    body: bytes
    content_type: str = JSON_CT
    headers: tuple[tuple[str, str], ...] = ()
    payload: Any = None

    @classmethod
    def json(cls, kind: str, url: str, payload: Any) -> Push:
        return cls(kind, url, orjson.dumps(payload), JSON_CT, (), payload)


def parse_query(raw: str) -> dict[str, str]:
    """``a=1&B=2`` -> ``{"a": "1", "b": "2"}``: keys lower-cased, first value wins, a key without
    ``=`` maps to ``""`` (``op=get&port_public_ip``)."""
    result: dict[str, str] = {}
    if not raw:
        return result
    for part in raw.split("&"):
        if not part:
            continue
        key, _sep, value = part.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        key = key.lower()
        if key in result:
            continue
        result[key] = unquote_plus(value) if ("%" in value or "+" in value) else value
    return result


__all__ = ["JSON_CT", "Push", "Request", "Response", "parse_query"]
