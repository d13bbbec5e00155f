"""The Dinstar control API's own functions (``/_emu/...``): here the reference-id counter a port's past
traffic would have left, which the conformance suite places so its exchange shows the 255 -> 0 wrap."""

from __future__ import annotations

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.control import ControlError
from smsgw.emulator.dinstar import control
from smsgw.emulator.dinstar.device import DinstarDevice
from tests.emulator.dinstar.conftest import api, run


def test_ref_id_sets_the_next_reference_id_of_one_port(device: DinstarDevice, clock: VirtualClock) -> None:
    assert control.ref_id(device, {"port": 2, "next": 254}) == (200, {"port": 2, "next": 254})
    api(device, "send_sms", {"text": "z" * 200, "param": [{"number": "10086"}], "port": [2]})
    api(device, "send_sms", {"text": "short", "param": [{"number": "10010"}], "port": [3]})
    run(device, clock, 15)
    results = {r["port"]: r["ref_id"] for r in api(device, "query_sms_result", {})["result"]}
    assert results == {2: 254, 3: 0}
    statuses = api(device, "query_sms_deliver_status", {"port": [2]})["result"]
    assert [s["ref_id"] for s in statuses] == [254, 255, 0]


@pytest.mark.parametrize(
    "body", [{"port": 8, "next": 1}, {"port": -1, "next": 1}, {"port": 0, "next": 256}, {}]
)
def test_ref_id_refuses_a_port_or_id_out_of_range(device: DinstarDevice, body: dict[str, int]) -> None:
    with pytest.raises(ControlError):
        control.ref_id(device, body)
