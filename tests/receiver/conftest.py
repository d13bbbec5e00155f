"""Fixtures: a small schema registry under our control, and an in-process receiver on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from smsgw.receiver import RunningReceiver, start_receiver
from smsgw.spec.registry import DIALECT, SCHEMA_BASE, SchemaRegistry

#: port-status reduced to what the tests need: st normative, "status" tolerated (E-EJ-PORT-STATUS-KEY).
PORT_STATUS = {
    "type": "object",
    "required": ["type", "port"],
    "properties": {
        "type": {"const": "port-status"},
        "port": {"type": "string", "pattern": "^[0-9]+\\.[0-9]{2}$"},
        "seq": {"type": "integer", "minimum": 0},
        "st": {"type": "string"},
        "bal": {"type": "string"},
        "status": {"x-errata": "E-EJ-PORT-STATUS-KEY", "type": "string"},
    },
    "anyOf": [{"required": ["st"]}, {"required": ["status"]}],
    "additionalProperties": False,
}
FORWARD = {
    "type": "object",
    "required": ["query", "headers", "text"],
    "properties": {
        "query": {"type": "object", "additionalProperties": {"type": "string"}},
        "headers": {"type": "object", "required": ["Sender"]},
        "text": {"type": "string"},
    },
}


def write_registry(root: Path) -> SchemaRegistry:
    for name, body in {"ejoin/port-status.push": PORT_STATUS, "ejoin/sms-forward.push": FORWARD}.items():
        path = root / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"$schema": DIALECT, "$id": f"{SCHEMA_BASE}{name}.json", **body}))
    return SchemaRegistry(root)


@pytest.fixture(scope="session")
def small_registry(tmp_path_factory: pytest.TempPathFactory) -> SchemaRegistry:
    return write_registry(tmp_path_factory.mktemp("schemas"))


@pytest.fixture
def rx(tmp_path: Path, small_registry: SchemaRegistry) -> Iterator[RunningReceiver]:
    with start_receiver(
        tmp_path / "rx.db", registry=small_registry, body_timeout=1.0, max_body=64 * 1024
    ) as running:
        yield running
