"""Sending MMS: goip_post_sms.html with smstype 1 or 2 (gateway-2.4 §6.3.1.3-§6.3.1.4).

Every MMS goes to a number the user gave (``--phone-number``); tasks a device should refuse carry
the same recipients, so a device that takes one wrongly sends only to the user. Tasks still queued
at the end are removed. The MMS receiving push (§11) is checked in ``test_mms_receive.py``.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from ejoin_support import poll_interval, queued_tids, status_code, wait_until

#: a 1x1 GIF: the smallest attachment of a type the document names
GIF = base64.b64encode(
    bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")
).decode("ascii")
TXT = base64.b64encode(b"smsgw-suite conformance check").decode("ascii")


def _status(check: Any, ejoin: Any, task: dict[str, Any]) -> int | None:
    resp = ejoin.post_sms([task])
    data = resp.data if isinstance(resp.data, dict) else {}
    statuses = [s for s in data.get("status") or [] if isinstance(s, dict) and s.get("tid") == task["tid"]]
    if not statuses:
        check.fail(f"no task status for tid {task['tid']}: {resp.text[:200]}")
        return None
    return status_code(statuses[0].get("status"))


def _mms(sms_tasks: Any, smstype: int = 1, **fields: Any) -> dict[str, Any]:
    fields.setdefault("smstitle", "smsgw-suite")
    task = sms_tasks.task(smstype=smstype, **fields)
    if smstype == 2:
        task["to_title_array"] = [[n, f"smsgw-suite {i}"] for i, n in enumerate(task["to"].split(","))]
    return task


def _sent(ejoin: Any, port: int, tid: int, timers: Any) -> bool:
    def gone() -> bool:
        queue = queued_tids(ejoin, port)
        return queue is not None and tid not in queue

    return bool(wait_until(gone, timers.wait(timers.send_timeout), poll_interval(timers)))


@pytest.mark.requirement(
    "EJ-MMS-SEND-SMSTYPE-1",
    "EJ-MMS-SEND-TITLE",
    "EJ-MMS-SEND-ATTACHMENTS-FORMAT",
    "EJ-MMS-SEND-ATTACHMENT-TYPES",
)
def test_mms_with_attachments_is_accepted_and_sent(check, ejoin, sms_tasks, timers):
    """gateway-2.4 §6.3.1.3: "smstype Int SMS type 0: SMS, 1: MMS"; "smstitle string MMS subject:
    MMS subject format is UTF-8, this parameter could be empty"; "attachments ... "File type1 base64
    code file content 1; File type2 ..."; "At present only support jpg, gif, txt, mp3 formatted
    file"."""
    task = _mms(sms_tasks, attachments=f"gif {GIF};txt {TXT}", smstitle="")
    code = _status(check, ejoin, task)
    message = f"an MMS (empty subject, a gif and a txt attachment) was answered status {code!r}"
    for requirement in (
        "EJ-MMS-SEND-TITLE",
        "EJ-MMS-SEND-ATTACHMENTS-FORMAT",
        "EJ-MMS-SEND-ATTACHMENT-TYPES",
    ):
        check.expect(code == 0, message, requirement=requirement)
    if code != 0:
        check.fail(message, requirement="EJ-MMS-SEND-SMSTYPE-1")
        return
    check.expect(
        _sent(ejoin, sms_tasks.port, task["tid"], timers),
        f"the MMS task {task['tid']} never left the queue",
        requirement="EJ-MMS-SEND-SMSTYPE-1",
    )


@pytest.mark.requirement("EJ-MMS-SEND-SMSTYPE-2", "EJ-MMS-SEND-TO-TITLE-ARRAY")
def test_mms_with_a_subject_per_recipient_is_accepted_and_sent(check, ejoin, sms_tasks, timers):
    """gateway-2.4 §6.3.1.3: "2: MMS with multiple numbers and multiple subject"; "to_title_array
    Array Multiple MMS recipients and subject arrays. This field is valid only when smstype=2;
    Format: "to_title_array":[["number1","title1"],["number2","title2"],...]"."""
    task = _mms(sms_tasks, smstype=2, attachments=f"txt {TXT}")
    code = _status(check, ejoin, task)
    check.expect(code == 0, f"smstype 2 with to_title_array was answered status {code!r}")
    if code == 0:
        check.expect(
            _sent(ejoin, sms_tasks.port, task["tid"], timers),
            f"the MMS task {task['tid']} never left the queue",
            requirement="EJ-MMS-SEND-SMSTYPE-2",
        )


#: (what, task fields, the status code §6.3.1.4 gives it (None: any refusal), requirements)
REFUSED = [
    ("smstype 2 without to_title_array", {"smstype": 2}, 17, ("EJ-MMS-TASK-STATUS-17-TITLE",)),
    (
        "6 attachments",
        {"attachments": ";".join([f"txt {TXT}"] * 6)},
        18,
        ("EJ-MMS-TASK-STATUS-18-TOO-MANY", "EJ-MMS-SEND-MAX-5-ATTACHMENTS"),
    ),
    ("no attachment and no text", {"attachments": "", "sms": ""}, 19, ("EJ-MMS-TASK-STATUS-19-EXPECTED",)),
    (
        "attachments over 100K",
        {"attachments": "txt " + base64.b64encode(b"x" * (100 * 1024 + 1)).decode("ascii")},
        20,
        ("EJ-MMS-TASK-STATUS-20-OVERSIZE", "EJ-MMS-SEND-MAX-100K"),
    ),
    ("an exe attachment", {"attachments": f"exe {TXT}"}, None, ("EJ-MMS-SEND-ATTACHMENT-TYPES",)),
    ("an attachment without its type", {"attachments": TXT}, None, ("EJ-MMS-SEND-ATTACHMENTS-FORMAT",)),
]


@pytest.mark.requirement(
    "EJ-MMS-TASK-STATUS-17-TITLE",
    "EJ-MMS-TASK-STATUS-18-TOO-MANY",
    "EJ-MMS-SEND-MAX-5-ATTACHMENTS",
    "EJ-MMS-TASK-STATUS-19-EXPECTED",
    "EJ-MMS-TASK-STATUS-20-OVERSIZE",
    "EJ-MMS-SEND-MAX-100K",
    "EJ-MMS-SEND-ATTACHMENT-TYPES",
    "EJ-MMS-SEND-ATTACHMENTS-FORMAT",
)
def test_malformed_mms_is_answered_with_its_status_code(check, ejoin, sms_tasks):
    """gateway-2.4 §6.3.1.4: "17: MMS Title expected; 18: Too Many MMS Attachments; 19: MMS Attachments
    expected; 20: MMS Attachments Cache size Overlimit"; §6.3.1.3: "There can be a most of 5
    attachment. All attachment total length cannot exceed 100K"; "only support jpg, gif, txt, mp3"."""
    ids = {r for _, _, _, reqs in REFUSED for r in reqs}
    for what, fields, want, requirements in REFUSED:
        task = _mms(sms_tasks, **{k: v for k, v in fields.items() if k != "smstype"})
        if fields.get("smstype") == 2:
            task["smstype"] = 2
        code = _status(check, ejoin, task)
        ok = code not in (0, None) if want is None else code == want
        for requirement in requirements:
            check.expect(ok, f"an MMS with {what} was answered status {code!r}, not {want or 'a refusal'}",
                         requirement=requirement)  # fmt: skip
    assert ids


@pytest.mark.requirement("EJ-MMS-SEND-ATTACHMENTS-ONLY-MMS")
def test_attachments_of_an_sms_take_no_effect(check, ejoin, sms_tasks):
    """gateway-2.4 §6.3.1.3: "attachments string MMS attachment, This field take effect only when
    smstype=1 or 2" (an SMS with six attachments is an SMS: no status 18)."""
    task = sms_tasks.task(smstype=0, attachments=";".join([f"txt {TXT}"] * 6))
    code = _status(check, ejoin, task)
    check.expect(code == 0, f"an SMS carrying six attachments was answered status {code!r}")
