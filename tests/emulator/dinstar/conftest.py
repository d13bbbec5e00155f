from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.messages import Push, Request, Response, parse_query
from smsgw.emulator.network import Network
from smsgw.verdicts import Verdict
from tests.schema_asserts import assert_grade

USER, PASSWORD = "admin", "s3cret-pw"
BASIC = {"authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
PUSH_URL = "http://127.0.0.1:9/push"


def call(
    device: DinstarDevice,
    method: str,
    path: str,
    query: str = "",
    body: Any = b"",
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return device.handle(
        Request(method, path, parse_query(query), raw, BASIC if headers is None else headers)
    )


def api(device: DinstarDevice, endpoint: str, body: Any = None, query: str = "", method: str = "") -> Any:
    """Call ``/api/<endpoint>`` (POST with a JSON body, else GET), check HTTP 200 and grade the answer
    against ``dinstar/<endpoint>.response``; returns the JSON answer."""
    method = method or ("POST" if body is not None else "GET")
    response = call(device, method, f"/api/{endpoint}", query, b"" if body is None else body)
    assert response.status == 200, response.body
    payload = response.payload()
    check(f"dinstar/{endpoint}.response", payload)
    return payload


def check(name: str, payload: Any, verdict: Verdict = Verdict.PASS) -> None:
    assert_grade(name, payload, verdict)


def check_pushes(pushes: list[Push]) -> None:
    for push in pushes:
        check(f"dinstar/{push.kind}.push", push.payload)


def run(device: DinstarDevice, clock: VirtualClock, seconds: float, step: float = 1.0) -> list[Push]:
    """Advance time in steps, collecting (and grading) every push."""
    out: list[Push] = []
    elapsed = 0.0
    while elapsed < seconds:
        clock.advance(step)
        elapsed += step
        pushes = device.advance()
        check_pushes(pushes)
        out.extend(pushes)
    return out


def events(pushes: list[Push], kind: str) -> list[Any]:
    """Every entry of the ``kind`` events among ``pushes`` (list events flattened)."""
    out: list[Any] = []
    for push in pushes:
        if push.kind == kind:
            value = push.payload[kind]
            out.extend(value if isinstance(value, list) else [value])
    return out


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def network() -> Network:
    return Network(seed=1)


@pytest.fixture
def make_device(clock: VirtualClock, network: Network) -> Callable[..., DinstarDevice]:
    def make(**overrides: Any) -> DinstarDevice:
        overrides.setdefault("index", len(network.devices))
        config = DeviceConfig(
            **{
                "profile": "dinstar-uc",
                "username": USER,
                "password": PASSWORD,
                "register_time": 0.0,
                "send_time": 2.0,
                "status_url": PUSH_URL,
                **overrides,
            }
        )
        device = DinstarDevice(config, clock, network)
        device.advance()  # boot: the power_on push
        return device

    return make


@pytest.fixture
def device(make_device: Callable[..., DinstarDevice]) -> DinstarDevice:
    return make_device()
