"""Sending SMS: goip_post_sms.html (gateway-2.4 §6.3.1, router-2.2 §5.3.1, simple-v2 §1.3.1).

Every SMS goes to a number the user gave (``--phone-number``; the embedded emulator's own SIMs),
from a registered port; tasks still queued when a check ends are removed.
"""

from __future__ import annotations

from typing import Any

import pytest
from ejoin_support import port_number, queued_tids, refused, status_code

from smsgw.client.ejoin import API_VERSION

POST_SMS_RESPONSE = "ejoin/goip_post_sms.response"


def _statuses(resp) -> list[dict]:
    data = resp.data if isinstance(resp.data, dict) else {}
    return [s for s in data.get("status") or [] if isinstance(s, dict)]


@pytest.mark.requirement(
    "EJ-SMS-SEND-MULTI-TASK",
    "EJ-SMS-SEND-HTTP-200",
    "EJ-SMS-SEND-RESPONSE-CODE-200",
    "EJ-SMS-SEND-RESPONSE-TYPE",
    "EJ-SMS-SEND-RESPONSE-STATUS-PER-TASK",
    "EJ-SMS-TASK-STATUS-FORMAT",
    "EJ-SMS-TASK-STATUS-0-OK",
    "EJ-SMS-SEND-RESPONSE-CONTENT-TYPE",
    "EJ-SMS-SEND-URL",
)
def test_valid_tasks_are_answered_0_ok_each(check, ejoin, sms_tasks):
    """gateway-2.4 §6.2: "POST request can be used to ... send more that one SMS in a request
    message"; §6.3.1.4: "Task sending is a JSON array composed by one or more task send status,
    Parameter "Content-Type" in HTTP head should set to "application/json;charset=utf-8"", with
    the sample {"code": 200, "reason": "OK", "type": "task-status", "status": [{"tid": tid_1,
    "status": "0 OK"}, ...]} and "tid | Int | Task ID | None | Y".

    Submits two well-formed tasks (one SMS each, to the user's numbers) in one request.  SHOULD:
    the answer's Content-Type is application/json; charset=utf-8.
    """
    tasks = [sms_tasks.task(), sms_tasks.task()]
    resp = ejoin.post_sms(tasks)
    data = resp.data if isinstance(resp.data, dict) else {}
    content_type = resp.headers.get("content-type", "")
    check.expect(
        content_type.split(";")[0].strip().lower() == "application/json",
        f"Content-Type {content_type!r}",
        requirement="EJ-SMS-SEND-RESPONSE-CONTENT-TYPE",
    )
    check.expect(resp.status == 200, f"HTTP {resp.status}", requirement="EJ-SMS-SEND-HTTP-200")
    check.expect(
        resp.status == 200 and isinstance(resp.data, dict),
        f"POST goip_post_sms.html: HTTP {resp.status}, {resp.text[:160]!r}",
        requirement="EJ-SMS-SEND-URL",
    )
    check.expect(
        data.get("code") == 200 and data.get("reason") == "OK",
        f"code {data.get('code')!r}, reason {data.get('reason')!r} (want 200, OK): {resp.text[:200]}",
        requirement="EJ-SMS-SEND-RESPONSE-CODE-200",
    )
    check.schema(
        POST_SMS_RESPONSE,
        resp,
        requirement=("EJ-SMS-SEND-RESPONSE-STATUS-PER-TASK", "EJ-SMS-TASK-STATUS-FORMAT"),
    )
    check.expect(
        data.get("type") == "task-status",
        f"type {data.get('type')!r}",
        requirement="EJ-SMS-SEND-RESPONSE-TYPE",
    )
    statuses = _statuses(resp)
    echoed = [s.get("tid") for s in statuses]
    check.expect(
        echoed == [t["tid"] for t in tasks],
        f"status tids {echoed!r} for submitted tids {[t['tid'] for t in tasks]}",
        requirement=("EJ-SMS-SEND-RESPONSE-STATUS-PER-TASK", "EJ-SMS-SEND-MULTI-TASK"),
    )
    check.expect(
        bool(statuses) and all(s.get("status") == "0 OK" for s in statuses),
        f'statuses {[s.get("status") for s in statuses]!r} (want "0 OK" each)',
        requirement="EJ-SMS-TASK-STATUS-0-OK",
    )


def _one_bad_task(check, ejoin, task: dict, want: int, what: str) -> list[dict]:
    """Submit ``task`` alone; its status must have code ``want``. Returns the answer's statuses."""
    resp = ejoin.post_sms([task])
    check.schema(POST_SMS_RESPONSE, resp)
    statuses = _statuses(resp)
    got = statuses[0].get("status") if len(statuses) == 1 else None
    check.expect(
        status_code(got) == want,
        f"a task {what} was answered {got!r} (want code {want}); answer: {resp.text[:200]}",
    )
    return statuses


@pytest.mark.requirement("EJ-SMS-TASK-STATUS-8-SMS-EXPECTED", "EJ-SMS-SEND-TASK-SMS-REQUIRED")
def test_task_without_sms_is_answered_8(check, ejoin, sms_tasks):
    """gateway-2.4 §6.3.1.4: "8: SMS expected"; §6.3.1.3: "sms | string | SMS content | None | Y".

    Submits one task with tid, to and from, and no sms.
    """
    task = sms_tasks.task()
    del task["sms"]
    _one_bad_task(check, ejoin, task, 8, "without sms")


@pytest.mark.requirement("EJ-SMS-TASK-STATUS-9-TO-EXPECTED", "EJ-SMS-SEND-TASK-TO-REQUIRED")
def test_task_without_to_is_answered_9(check, ejoin, sms_tasks):
    """gateway-2.4 §6.3.1.4: "9: TO expected"; §6.3.1.3: "to | string | one or more ... recipients |
    None | Y".

    Submits one task with tid, sms and from, and no to.
    """
    task = sms_tasks.task()
    del task["to"]
    _one_bad_task(check, ejoin, task, 9, "without to")


@pytest.mark.requirement("EJ-SMS-TASK-STATUS-11-TID-EXPECTED", "EJ-SMS-SEND-TASK-TID-INT")
def test_task_without_tid_is_answered_11(check, ejoin, sms_tasks):
    """gateway-2.4 §6.3.1.4: "11: TID Expected"; §6.3.1.3: "tid | Int | Task ID | None | Y".

    Submits one task with to, sms and from, and no tid (if a faulty device takes it under some
    tid, that tid is removed at the end).
    """
    task = sms_tasks.task()
    del task["tid"]
    for status in _one_bad_task(check, ejoin, task, 11, "without tid"):
        if status_code(status.get("status")) == 0 and isinstance(status.get("tid"), int):
            sms_tasks.tids.append(status["tid"])


@pytest.mark.requirement("EJ-SMS-TASK-STATUS-2-INVALID-PORT")
def test_task_from_a_port_the_device_lacks_is_answered_2(check, ejoin, sms_tasks, device_status):
    """gateway-2.4 §6.3.1.4: "2: Invalid Port"; §6.3.1.3: "from | String | Use','-'to assign more
    than one port( from channel 1 )".

    Submits one task whose from names the port after the device's last one (max-ports + 1).
    """
    ports = device_status.get("max-ports")
    last = ports if isinstance(ports, int) and ports > 0 else 64
    task = sms_tasks.task(**{"from": str(last + 1)})
    _one_bad_task(check, ejoin, task, 2, f"from port {last + 1}")


@pytest.mark.requirement("EJ-SMS-TASK-DUPLICATE-TID")
def test_tid_already_in_use_is_answered_13(check, ejoin, sms_tasks):
    """gateway-2.4 §6.3.1.4: "13: Duplicated TaskId".

    Submits, in one request, a task and a second task with the same tid: the first is taken (its
    tid is then in use), the second must be answered 13.
    """
    first = sms_tasks.task()
    second = {**sms_tasks.task(), "tid": first["tid"]}
    resp = ejoin.post_sms([first, second])
    check.schema(POST_SMS_RESPONSE, resp)
    got = [s.get("status") for s in _statuses(resp)]
    check.expect(
        len(got) == 2 and status_code(got[0]) == 0 and status_code(got[1]) == 13,
        f"statuses {got!r} for two tasks with tid {first['tid']} (want 0, then 13)",
    )


@pytest.mark.requirement("EJ-SMS-SEND-TASKS-REQUIRED", "EJ-SMS-SEND-BODY-JSON")
def test_body_without_tasks_or_not_json_is_refused(check, ejoin):
    """gateway-2.4 §6.3.1.3: "The task data (the body segment of the HTTP message) is a JSON format
    string consisting of one or more tasks"; "tasks | Array | Specific SMS send task | None | Y".

    Posts a send-sms object without tasks, then a form-encoded (not JSON) body: both must be
    refused (an error status below 500 or a code other than 200), and nothing is sent.
    """
    resp = ejoin.post("goip_post_sms.html", {"type": "send-sms", "task_num": 1}, version=API_VERSION)
    check.expect(
        refused(resp) and resp.status < 500,
        f"a send-sms without tasks answered HTTP {resp.status} {resp.text[:160]!r}",
        requirement="EJ-SMS-SEND-TASKS-REQUIRED",
    )
    resp = ejoin.post_form(
        "goip_post_sms.html", [("type", "send-sms"), ("task_num", "1")], version=API_VERSION
    )
    check.expect(
        refused(resp) and resp.status < 500,
        f"a form-encoded body answered HTTP {resp.status} {resp.text[:160]!r}",
        requirement="EJ-SMS-SEND-BODY-JSON",
    )


def _accepted(resp: Any) -> bool:
    return bool(_statuses(resp)) and all(status_code(s.get("status")) == 0 for s in _statuses(resp))


@pytest.mark.requirement("EJ-SMS-SEND-TYPE", "EJ-SMS-SEND-TASK-NUM", "EJ-SMS-SEND-INTVL-NUMBER-OR-STRING")
def test_optional_and_string_typed_fields_are_accepted(check, ejoin, sms_tasks):
    """gateway-2.4 §6.3.1.3: "type | string | Message type | None | N"; "task_num | string | Total
    task | 1"; "intvl | string | Interval of 2 SMS ... (ms) | 0" (the examples send numbers: errata
    E-EJ-SENDSMS-TYPE-OPTIONAL, E-EJ-SENDSMS-TASKNUM-INT, E-EJ-SENDSMS-INTVL-INT).

    Submits one task per form: a body without type, task_num as the string "1", intvl as the
    string "0" and as the number 0; each must be answered 0 OK.
    """
    cases = (
        ("EJ-SMS-SEND-TYPE", "without type", {"task_num": 1}, {}),
        ("EJ-SMS-SEND-TASK-NUM", 'with task_num "1"', {"type": "send-sms", "task_num": "1"}, {}),
        ("EJ-SMS-SEND-INTVL-NUMBER-OR-STRING", 'with intvl "0"', {"type": "send-sms"}, {"intvl": "0"}),
        ("EJ-SMS-SEND-INTVL-NUMBER-OR-STRING", "with intvl 0", {"type": "send-sms"}, {"intvl": 0}),
    )
    for rid, what, top, fields in cases:
        resp = ejoin.post(
            "goip_post_sms.html", {**top, "tasks": [sms_tasks.task(**fields)]}, version=API_VERSION
        )
        check.schema(POST_SMS_RESPONSE, resp, requirement=rid)
        check.expect(_accepted(resp), f"a request {what} answered {resp.text[:200]!r}", requirement=rid)


@pytest.mark.requirement("EJ-SMS-TASK-NONZERO-NOT-ACCEPTED")
def test_task_answered_nonzero_is_not_queued(check, ejoin, sms_tasks, timers):
    """gateway-2.4 §6.3.1.4: "If task status ID not equal to 0, then means this task not received
    by device."

    Submits a task of two SMS (it keeps the port busy) and, behind it on the same port, a task
    without sms; the second is answered non-zero and goip_get_tasks must not list it.
    """
    blocker = sms_tasks.task(2, intvl=str(int(timers.send_timeout * 500)))
    bad = sms_tasks.task()
    del bad["sms"]
    resp = ejoin.post_sms([blocker, bad])
    got = [s.get("status") for s in _statuses(resp)]
    if len(got) != 2 or status_code(got[0]) != 0 or status_code(got[1]) in (0, None):
        check.skip(f"the device answered {got!r}; the check needs 0, then a non-zero status")
    queue = queued_tids(ejoin, sms_tasks.port)
    check.expect(
        queue is not None and bad["tid"] not in queue,
        f"tid {bad['tid']}, answered {got[1]!r}, is listed by goip_get_tasks: {queue!r}",
    )


@pytest.mark.requirement("EJ-SMS-SEND-GET-OR-POST")
def test_get_form_of_the_previous_api_is_accepted(check, ejoin, sms_tasks):
    """gateway-2.4 §6.2: "Server can send SMS by GET/POST request. GET request use API specified in
    'Ejoin http SMS sending API' document."

    Sends one task as GET query parameters (tid, to, sms, from): the device must take it (HTTP
    200; when the answer is JSON, code 200 and the task's status 0).
    """
    task = sms_tasks.task()
    resp = ejoin.get("goip_post_sms.html", **{k: str(v) for k, v in task.items()})
    data = resp.data if isinstance(resp.data, dict) else None
    if data is not None:
        check.schema(POST_SMS_RESPONSE, data)
    taken = data is None or (data.get("code") == 200 and _accepted(resp))
    check.expect(
        resp.status == 200 and taken, f"GET goip_post_sms answered HTTP {resp.status} {resp.text[:200]!r}"
    )


@pytest.mark.requirement("EJ-SMS-SEND-POST-LONG-OR-MANY")
def test_post_carries_an_sms_longer_than_300_characters(check, ejoin, sms_tasks):
    """gateway-2.4 §6.2: "POST request can be used to send long SMS(more that 300 characters) or send
    more that one SMS in a request message."

    Submits one task whose text has 320 characters: it must be answered 0 OK.
    """
    task = sms_tasks.task()
    task["sms"] = (task["sms"] + " ") * (320 // (len(task["sms"]) + 1) + 1)
    resp = ejoin.post_sms([task])
    check.schema(POST_SMS_RESPONSE, resp)
    check.expect(_accepted(resp), f"a {len(task['sms'])}-character SMS was answered {resp.text[:200]!r}")


@pytest.mark.requirement("EJ-SMS-SEND-SMSTYPE")
def test_smstype_0_is_an_sms_and_an_unknown_type_is_refused(check, ejoin, sms_tasks):
    """gateway-2.4 §6.3.1.3: "smstype | Int | SMS type 0: SMS, 1: MMS, 2: MMS with multiple numbers
    and multiple subject | 0"; §6.3.1.4: "If task status ID not equal to 0, then means this task not
    received by device."

    Submits a task with smstype 0 (taken, 0 OK) and one with smstype 9 (no such type: refused).
    """
    sms, unknown = sms_tasks.task(smstype=0), sms_tasks.task(smstype=9)
    resp = ejoin.post_sms([sms, unknown])
    check.schema(POST_SMS_RESPONSE, resp)
    got = [s.get("status") for s in _statuses(resp)]
    check.expect(
        len(got) == 2 and status_code(got[0]) == 0 and status_code(got[1]) not in (0, None),
        f"statuses {got!r} for smstype 0 and smstype 9 (want 0, then non-zero)",
    )


@pytest.mark.requirement("EJ-SMS-TASK-STATUS-5-SIM-UNREGISTERED")
def test_task_from_a_port_without_registered_sim_is_answered_5(
    check, ejoin, sms_tasks, device_status, restore
):
    """gateway-2.4 §6.3.1.4: "5: SIM Unregistered"; "If task status ID not equal to 0, then means this
    task not received by device."

    Destructive: locks a port no other SMS check uses (unlocked again at the end) and submits a task
    from it.
    """
    numbers = set(sms_tasks.numbers)
    ports = [
        port_number(e.get("port"))
        for e in device_status.get("status") or []
        if isinstance(e, dict) and e.get("sn") not in numbers
    ]
    spare = [p for p in ports if p is not None and p != sms_tasks.port]
    if not spare:
        check.skip("no port besides the sending port and the recipients' ports")
    port = spare[-1]
    restore.push(f"unlock port {port}", lambda: ejoin.command("unlock", str(port)))
    locked = ejoin.command("lock", str(port))
    if refused(locked, success=0):
        check.skip(f"the device did not lock port {port}: {locked.text[:160]!r}")
    _one_bad_task(check, ejoin, sms_tasks.task(**{"from": str(port)}), 5, f"from the locked port {port}")
