"""Fixtures of the fuzzing tests: the schema registry, and emulated devices on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from smsgw.emulator.clock import ScaledClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.serve import Fleet
from smsgw.spec.registry import SchemaRegistry, default_registry

PASSWORD = "fuzz-Secret-7q"


@pytest.fixture(scope="session")
def registry() -> SchemaRegistry:
    return default_registry()


@contextmanager
def _device(profile: str, *switches: str, username: str = "root") -> Iterator[str]:
    config = DeviceConfig(profile=profile, username=username, password=PASSWORD, switches=switches)
    with Fleet(1, config, clock=ScaledClock(10)) as fleet:
        yield fleet.urls[0]


@pytest.fixture
def device() -> Callable[..., AbstractContextManager[str]]:
    """``with device("gateway-2.4", "defect.x") as url:`` an emulated device (password PASSWORD)."""
    return _device
