"""The MMS sending defects of the emulator (gateway-2.4 §6.3.1.3-§6.3.1.4): each breaks its rule."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.messages import Request

TXT = base64.b64encode(b"hello").decode()


def status(task: dict[str, Any], *defects: str) -> str:
    clock = VirtualClock()
    device = Device(DeviceConfig(switches=defects), clock=clock)
    clock.advance(60)
    device.advance()
    body = {"type": "send-sms", "task_num": 1, "tasks": [{"tid": 7, "to": "10086", "sms": "hi", **task}]}
    query = {"username": "root", "password": "root"}
    answer = json.loads(
        device.handle(Request("POST", "/goip_post_sms.html", query, json.dumps(body).encode())).body
    )
    return str(answer["status"][0]["status"]).split(" ", 1)[0]


@pytest.mark.parametrize(
    ("task", "defect", "conformant", "broken"),
    [
        ({"smstype": 1, "attachments": f"txt {TXT}"}, "defect.mms-refused", "0", "15"),
        ({"smstype": 1, "smstitle": "", "attachments": f"txt {TXT}"}, "defect.mms-title-required", "0", "17"),
        ({"smstype": 2, "attachments": f"txt {TXT}"}, "defect.mms-title-array-unchecked", "17", "0"),
        (
            {"smstype": 1, "attachments": ";".join([f"txt {TXT}"] * 6)},
            "defect.mms-max-10-attachments",
            "18",
            "0",
        ),
        ({"smstype": 1, "attachments": "", "sms": ""}, "defect.mms-19-as-8", "19", "8"),
        (
            {"smstype": 1, "attachments": "txt " + base64.b64encode(b"x" * 102_401).decode()},
            "defect.mms-size-unchecked",
            "20",
            "0",
        ),
        ({"smstype": 1, "attachments": f"exe {TXT}"}, "defect.mms-any-attachment-type", "19", "0"),
        ({"smstype": 1, "attachments": TXT}, "defect.mms-attachment-format-lax", "19", "0"),
        (
            {"smstype": 0, "attachments": ";".join([f"txt {TXT}"] * 6)},
            "defect.sms-attachments-checked",
            "0",
            "18",
        ),
    ],
)
def test_mms_defect_changes_the_task_status(
    task: dict[str, Any], defect: str, conformant: str, broken: str
) -> None:
    assert status(task) == conformant
    assert status(task, defect) == broken
