"""A Dinstar port and an Ejoin port on the same virtual GSM network text each other."""

from __future__ import annotations

import base64
from collections.abc import Callable

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.network import Network
from tests.emulator.conftest import check_pushes as check_ejoin_pushes
from tests.emulator.dinstar.conftest import api, check_pushes, events


def test_dinstar_and_ejoin_text_each_other(
    make_device: Callable[..., DinstarDevice], clock: VirtualClock, network: Network
) -> None:
    dinstar = make_device()
    ejoin = Device(
        DeviceConfig(
            register_time=0.0,
            send_time=2.0,
            sms_url="http://127.0.0.1:9/sms",
            sms_cnt=2,
            sms_prd=1.0,
            index=0,
        ),
        clock,
        network,
    )
    ejoin_number = ejoin.bank.slot(3, 1).number
    dinstar_number = dinstar.bank.port(2).current.number
    assert ejoin_number != dinstar_number
    assert network.lookup(dinstar_number) is not None

    body = {"text": "hi from dinstar", "param": [{"number": ejoin_number, "user_id": 1}], "port": [1]}
    assert api(dinstar, "send_sms", body)["error_code"] == 202
    ejoin_pushes = []
    dinstar_pushes = []
    for _ in range(6):
        clock.advance(1)
        dinstar_pushes += dinstar.advance()
        ejoin_pushes += ejoin.advance()
    received = [p.payload for p in ejoin_pushes if p.kind == "recv-sms"]
    assert received, "the Ejoin device pushes what the Dinstar port sent"
    (entry,) = received[0]["sms"]
    assert entry[1:2] + entry[3:5] == ["3.01", dinstar_number, ejoin_number]
    assert base64.b64decode(entry[5]).decode() == "hi from dinstar"
    check_ejoin_pushes(ejoin_pushes)

    post = {
        "type": "send-sms",
        "task_num": 1,
        "tasks": [{"tid": 7, "from": "3", "to": dinstar_number, "sms": "hi from ejoin"}],
    }
    from tests.emulator.conftest import call as ejoin_call

    assert ejoin_call(ejoin, "POST", "/goip_post_sms.html", body=post).status == 200
    for _ in range(8):
        clock.advance(1)
        ejoin.advance()
        dinstar_pushes += dinstar.advance()
    check_pushes(dinstar_pushes)
    sms = events(dinstar_pushes, "sms")
    assert [(s["port"], s["number"], s["text"]) for s in sms] == [(1, ejoin_number, "hi from ejoin")]
    inbox = api(dinstar, "query_incoming_sms", query="flag=all")["sms"]
    assert [m["text"] for m in inbox] == ["hi from ejoin"]


def test_two_dinstar_gateways_text_each_other(
    make_device: Callable[..., DinstarDevice], clock: VirtualClock
) -> None:
    a, b = make_device(), make_device()
    target = b.bank.port(1).current.number
    api(a, "send_sms", {"text": "ping", "param": [{"number": target}]})
    pushes = []
    for _ in range(4):
        clock.advance(1)
        a.advance()
        pushes += b.advance()
    assert [(s["port"], s["text"]) for s in events(pushes, "sms")] == [(0, "ping")]
