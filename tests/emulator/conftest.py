from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.messages import Push, Request, Response, parse_query
from smsgw.emulator.network import Network
from smsgw.verdicts import Verdict
from tests.schema_asserts import assert_grade

AUTH = "username=root&password=root"


def call(device: Device, method: str, path: str, query: str = AUTH, body: Any = b"") -> Response:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return device.handle(Request(method, path, parse_query(query), raw))


def check(name: str, payload: Any, verdict: Verdict = Verdict.PASS) -> None:
    """Grade ``payload`` against schema ``name`` (which must exist)."""
    assert_grade(name, payload, verdict)


def check_pushes(pushes: list[Push]) -> None:
    for push in pushes:
        check(f"ejoin/{push.kind}.push", push.payload)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def make_device(clock: VirtualClock) -> Callable[..., Device]:
    network = Network(seed=1)

    def make(**overrides: Any) -> Device:
        overrides.setdefault("index", len(network.devices))
        config = DeviceConfig(**{"register_time": 0.0, **overrides})
        return Device(config, clock, network)

    return make


@pytest.fixture
def device(make_device: Callable[..., Device]) -> Device:
    return make_device(
        status_url="http://127.0.0.1:9/status",
        sr_url="http://127.0.0.1:9/sr",
        sms_url="http://127.0.0.1:9/sms",
    )


def run(device: Device, clock: VirtualClock, seconds: float, step: float = 1.0) -> list[Push]:
    """Advance time in steps, collecting (and schema-checking) every push."""
    out: list[Push] = []
    elapsed = 0.0
    while elapsed < seconds:
        clock.advance(step)
        elapsed += step
        pushes = device.advance()
        check_pushes(pushes)
        out.extend(pushes)
    return out


def send_sms(tasks: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {"type": "send-sms", "task_num": len(tasks), "tasks": tasks, **top}
