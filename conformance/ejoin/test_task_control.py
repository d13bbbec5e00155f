"""Task control: goip_pause_sms, goip_resume_sms, goip_remove_sms and goip_get_tasks (gateway-2.4
§6.3.3-§6.3.6, router-2.2 §5.3.3-§5.3.6).

A check queues its tasks behind a blocker task on one registered port (the blocker's SMS keep the
port busy while the check pauses or removes the tasks queued after it); SMS go only to the user's
numbers and whatever is still queued at the end is removed.
"""

from __future__ import annotations

from typing import Any

import pytest
from ejoin_support import (
    json_media_type,
    poll_interval,
    port_number,
    queued_tids,
    refused,
    status_code,
    wait_until,
)

from smsgw.client.ejoin import API_VERSION

#: SMS of the blocker task, sent half a send timeout apart (intvl): the port stays busy long enough
#: to pause or remove the tasks queued behind it.
BLOCKER_SMS = 2


def _blocker(sms_tasks: Any, timers: Any) -> dict[str, Any]:
    return sms_tasks.task(BLOCKER_SMS, intvl=str(int(timers.send_timeout * 500)))


def _results(resp: Any) -> dict[int, Any]:
    data = resp.data if isinstance(resp.data, dict) else {}
    return {r.get("tid"): r.get("status") for r in data.get("results") or [] if isinstance(r, dict)}


def _queue_wait(timers: Any, sms: int) -> float:
    """How long ``sms`` SMS (or the blocker's intervals) may take to leave a port's queue: each
    within the send timeout."""
    return timers.wait(timers.send_timeout * sms)


def _left_queue(ejoin: Any, port: int, tid: int) -> bool:
    """goip_get_tasks no longer lists ``tid`` on ``port`` (False while the queue is unreadable)."""
    queue = queued_tids(ejoin, port)
    return queue is not None and tid not in queue


def _submit(check: Any, ejoin: Any, tasks: list[dict[str, Any]]) -> None:
    resp = ejoin.post_sms(tasks)
    data = resp.data if isinstance(resp.data, dict) else {}
    statuses = [s.get("status") for s in data.get("status") or [] if isinstance(s, dict)]
    if len(statuses) != len(tasks) or any(status_code(s) != 0 for s in statuses):
        check.skip(f"the device did not take the check's tasks: {statuses!r}")


@pytest.mark.requirement(
    "EJ-TASK-PAUSE-RESPONSE",
    "EJ-TASK-RESUME-RESPONSE",
    "EJ-TASK-RESULT-PER-TID",
    "EJ-TASK-PAUSED-STATE-1",
    "EJ-TASK-PAUSED-NOT-SENT",
    "EJ-TASK-RESUMED-SENT",
    "EJ-TASK-PAUSE-BODY-TIDS",
    "EJ-TASK-RESUME-BODY-TIDS",
)
def test_paused_task_waits_until_resumed(check, ejoin, sms_tasks, timers):
    """gateway-2.4 §6.2.4: "When a SMS task is still waiting to be sent in the send queue, one or
    more SMS can be paused."; §6.3.6: "State | Int | Task status: 0 - normal, 1 - suspended.";
    §6.2.5: "Resume the sending of one or more suspended SMS tasks."

    Queues a blocker, a task T and a sentinel S on one port; pauses T; once S (queued after T) has
    left the queue, T must still be listed with state 1; after resume, state 0, and it is sent.
    """
    blocker, paused, sentinel = _blocker(sms_tasks, timers), sms_tasks.task(), sms_tasks.task()
    _submit(check, ejoin, [blocker, paused, sentinel])
    tid, port = paused["tid"], sms_tasks.port
    resp = ejoin.pause_sms([tid])
    check.schema("ejoin/goip_pause_sms.response", resp, requirement="EJ-TASK-PAUSE-RESPONSE")
    check.expect(
        isinstance(resp.data, dict) and resp.data.get("code") == 200,
        f"pause answered {resp.text[:200]}",
        requirement="EJ-TASK-PAUSE-RESPONSE",
    )
    check.expect(
        list(_results(resp)) == [tid] and status_code(_results(resp)[tid]) == 0,
        f"pause of tid {tid} answered results {_results(resp)!r}",
        requirement="EJ-TASK-RESULT-PER-TID",
    )
    queue = queued_tids(ejoin, port) or {}
    check.expect(
        queue.get(tid) == 1,
        f"goip_get_tasks shows the paused tid {tid} as {queue.get(tid)!r}",
        requirement=("EJ-TASK-PAUSED-STATE-1", "EJ-TASK-PAUSE-BODY-TIDS"),
    )
    wait_until(
        lambda: _left_queue(ejoin, port, sentinel["tid"]),
        _queue_wait(timers, 2 * BLOCKER_SMS + 1),
        poll_interval(timers),
    )
    drained = queued_tids(ejoin, port) or {}
    if sentinel["tid"] in drained:
        check.fail(
            "the task queued after the paused one did not leave the queue",
            requirement="EJ-TASK-PAUSED-NOT-SENT",
        )
    else:
        check.expect(
            drained.get(tid) == 1,
            f"the paused tid {tid} is "
            f"{'gone (sent)' if tid not in drained else f'in state {drained[tid]!r}'} "
            "once the task queued after it was sent",
            requirement="EJ-TASK-PAUSED-NOT-SENT",
        )
    resp = ejoin.resume_sms([tid])
    check.schema("ejoin/goip_resume_sms.response", resp, requirement="EJ-TASK-RESUME-RESPONSE")
    check.expect(
        isinstance(resp.data, dict)
        and resp.data.get("code") == 200
        and status_code(_results(resp).get(tid)) == 0,
        f"resume of tid {tid} answered {resp.text[:200]}",
        requirement="EJ-TASK-RESUME-RESPONSE",
    )
    sent = wait_until(lambda: _left_queue(ejoin, port, tid), _queue_wait(timers, 1), poll_interval(timers))
    check.expect(
        bool(sent),
        f"the resumed tid {tid} is still queued",
        requirement=("EJ-TASK-RESUMED-SENT", "EJ-TASK-RESUME-BODY-TIDS"),
    )


@pytest.mark.requirement(
    "EJ-TASK-REMOVE-RESPONSE",
    "EJ-TASK-REMOVE-ONLY-WAITING",
    "EJ-TASK-REMOVED-NEVER-SENT",
    "EJ-TASK-REMOVE-BODY-TIDS",
)
def test_removed_task_leaves_the_queue(check, ejoin, sms_tasks, timers):
    """gateway-2.4 §6.2.6: "Delete one or more SMS tasks waiting to be sent in the send queue.";
    §6.2.7: goip_get_tasks lists "the SMS task waiting to be sent", so no longer the removed one.

    Queues a blocker and a task R on one port, removes R while the blocker is sending.
    """
    blocker, removed = _blocker(sms_tasks, timers), sms_tasks.task()
    _submit(check, ejoin, [blocker, removed])
    tid = removed["tid"]
    resp = ejoin.remove_sms([tid])
    check.schema("ejoin/goip_remove_sms.response", resp, requirement="EJ-TASK-REMOVE-RESPONSE")
    check.expect(
        isinstance(resp.data, dict)
        and resp.data.get("code") == 200
        and status_code(_results(resp).get(tid)) == 0,
        f"remove of the waiting tid {tid} answered {resp.text[:200]}",
        requirement=("EJ-TASK-REMOVE-RESPONSE", "EJ-TASK-REMOVE-ONLY-WAITING"),
    )
    queue = queued_tids(ejoin, sms_tasks.port)
    check.expect(
        queue is not None and tid not in queue,
        f"the removed tid {tid} is still listed by goip_get_tasks: {queue!r}",
        requirement=("EJ-TASK-REMOVED-NEVER-SENT", "EJ-TASK-REMOVE-ONLY-WAITING", "EJ-TASK-REMOVE-BODY-TIDS"),
    )


@pytest.mark.requirement("EJ-TASK-UNKNOWN-TID-NONZERO")
def test_unknown_tid_gets_a_nonzero_result(check, ejoin, new_tid):
    """gateway-2.4 §6.3.3: "If task status ID not equal to 0, then means this task not received by
    device." — a tid the device does not hold cannot be paused, resumed or removed, so its result
    is not "0 OK" (SHOULD).

    Pauses, resumes and removes a fresh tid that was never submitted.
    """
    tid = new_tid()
    for name, call in (
        ("pause", ejoin.pause_sms),
        ("resume", ejoin.resume_sms),
        ("remove", ejoin.remove_sms),
    ):
        got = _results(call([tid])).get(tid)
        check.expect(
            status_code(got) not in (0, None),
            f"{name} of tid {tid}, never submitted, answered {got!r}",
        )


@pytest.mark.requirement(
    "EJ-TASK-QUERY-RESPONSE",
    "EJ-TASK-QUERY-TASK-NUM",
    "EJ-TASK-QUERY-TOTAL-NUM",
    "EJ-TASK-QUERY-PORT-FILTER",
    "EJ-SMS-TASK-QUEUED-IN-ORDER",
)
def test_get_tasks_pages_the_queue(check, ejoin, sms_tasks, timers, device_status):
    """gateway-2.4 §6.3.6: "Total_num | Int | The number of tasks.", "Task_num | Int | Query the
    number of tasks returned.", "Num | The number of Request messages.", "port | Send port.
    Starting from 1 | None | Y", "Pos | The starting position of the request. ... The location of
    this field is in the order of the submission of the message task order".

    Queues a blocker and two tasks on one port, asks for the second page of one task, lists the
    whole queue (the check's tasks in submission order) and the queue of another port (none of
    them).
    """
    tasks = [_blocker(sms_tasks, timers), sms_tasks.task(), sms_tasks.task()]
    _submit(check, ejoin, tasks)
    resp = ejoin.get_tasks(sms_tasks.port, pos=1, num=1)
    check.schema("ejoin/goip_get_tasks.response", resp, requirement="EJ-TASK-QUERY-RESPONSE")
    data = resp.data if isinstance(resp.data, dict) else {}
    listed = data.get("tasks") if isinstance(data.get("tasks"), list) else []
    check.expect(
        data.get("task_num") == len(listed) and len(listed) == 1,
        f"task_num {data.get('task_num')!r} for {len(listed)} tasks listed (num=1)",
        requirement="EJ-TASK-QUERY-TASK-NUM",
    )
    total = data.get("total_num")
    check.expect(
        isinstance(total, int) and total >= len(tasks) - 1,
        f"total_num {total!r} with at least {len(tasks) - 1} of the check's tasks still queued",
        requirement="EJ-TASK-QUERY-TOTAL-NUM",
    )
    mine = [t["tid"] for t in tasks]
    queue = queued_tids(ejoin, sms_tasks.port) or {}
    listed_mine = [tid for tid in queue if tid in mine]
    check.expect(
        len(listed_mine) >= 2 and listed_mine == [tid for tid in mine if tid in listed_mine],
        f"goip_get_tasks lists the check's tasks as {listed_mine} (submitted {mine})",
        requirement="EJ-SMS-TASK-QUEUED-IN-ORDER",
    )
    ports = device_status.get("max-ports")
    other = sms_tasks.port % ports + 1 if isinstance(ports, int) and ports > 1 else sms_tasks.port + 1
    elsewhere = queued_tids(ejoin, other)
    check.expect(
        elsewhere is not None and not set(elsewhere) & set(mine),
        f"goip_get_tasks of port {other} lists tasks sent from port {sms_tasks.port}: "
        f"{sorted(set(elsewhere or {}) & set(mine))}",
        requirement="EJ-TASK-QUERY-PORT-FILTER",
    )


@pytest.mark.requirement(
    "EJ-TASK-PAUSE-CONTENT-TYPE",
    "EJ-TASK-RESUME-CONTENT-TYPE",
    "EJ-TASK-REMOVE-CONTENT-TYPE",
    "EJ-TASK-QUERY-CONTENT-TYPE",
    "EJ-TASK-PAUSE-RESPONSE",
    "EJ-TASK-RESUME-RESPONSE",
    "EJ-TASK-REMOVE-RESPONSE",
    "EJ-TASK-QUERY-RESPONSE",
    "EJ-TASK-PAUSE-URL",
    "EJ-TASK-RESUME-URL",
    "EJ-TASK-REMOVE-URL",
    "EJ-TASK-QUERY-URL",
)
def test_task_control_answers_are_json(check, ejoin, new_tid):
    """gateway-2.4 §6.3.3-§6.3.6: "The body of the query response is a JSON format string" and
    "Parameter "Content-Type" in HTTP head should set to "application/json; charset=utf-8"".

    Pauses, resumes and removes a tid that was never submitted (changes nothing) and lists the
    queue of port 1; every answer must be JSON of its message format, served as application/json.
    """
    tid = new_tid()
    for name, resp in (
        ("PAUSE", ejoin.pause_sms([tid])),
        ("RESUME", ejoin.resume_sms([tid])),
        ("REMOVE", ejoin.remove_sms([tid])),
        ("QUERY", ejoin.get_tasks(1)),
    ):
        check.expect(
            json_media_type(resp.headers.get("content-type")),
            f"{resp.exchange.title}: Content-Type {resp.headers.get('content-type')!r}",
            requirement=f"EJ-TASK-{name}-CONTENT-TYPE",
        )
        check.expect(
            resp.status == 200 and isinstance(resp.data, dict),
            f"{resp.exchange.title}: HTTP {resp.status}, {resp.text[:160]!r}",
            requirement=f"EJ-TASK-{name}-URL",
        )
        schema = "goip_get_tasks" if name == "QUERY" else f"goip_{name.lower()}_sms"
        check.schema(f"ejoin/{schema}.response", resp, requirement=f"EJ-TASK-{name}-RESPONSE")


@pytest.mark.requirement(
    "EJ-TASK-PAUSE-ALL-WITHOUT-TIDS",
    "EJ-TASK-RESUME-ALL-WITHOUT-TIDS",
    "EJ-TASK-REMOVE-ALL-WITHOUT-TIDS",
    "EJ-TASK-PAUSE-RESULTS-OMITTED-WITHOUT-TIDS",
    "EJ-TASK-REMOVE-RESULTS-OMITTED-WITHOUT-TIDS",
)
def test_operations_without_tids_apply_to_every_task(check, ejoin, sms_tasks, timers):
    """gateway-2.4 §6.3.3: "tids ... No. When there is no field, all send tasks are suspended.",
    "results ... When there is no tids in the request, this field is not included in the result.";
    §6.3.4: "NO. Restore all sending tasks when there is no field"; §6.3.5: "results ... If there
    is no TIDS in the request, this field is not included in the result".

    Destructive: acts on every task of the device.  Queues a blocker and a task T on one port,
    then pauses, resumes and removes with an empty body ({}): T is suspended, normal, then gone.
    """
    blocker, task = _blocker(sms_tasks, timers), sms_tasks.task()
    _submit(check, ejoin, [blocker, task])
    tid, port = task["tid"], sms_tasks.port
    steps = (
        ("PAUSE", "goip_pause_sms.html", lambda q: q.get(tid) == 1, "suspended (state 1)"),
        ("RESUME", "goip_resume_sms.html", lambda q: q.get(tid) == 0, "normal again (state 0)"),
        ("REMOVE", "goip_remove_sms.html", lambda q: tid not in q, "gone"),
    )
    for name, path, effect, want in steps:
        resp = ejoin.post(path, {})
        data = resp.data if isinstance(resp.data, dict) else {}
        if name != "RESUME":
            check.expect(
                data.get("code") == 200 and "results" not in data,
                f"{name.lower()} without tids answered {resp.text[:160]!r} (want code 200, no results)",
                requirement=f"EJ-TASK-{name}-RESULTS-OMITTED-WITHOUT-TIDS",
            )
        queue = queued_tids(ejoin, port)
        check.expect(
            queue is not None and effect(queue),
            f"after {name.lower()} without tids the task {tid} is "
            f"{'unlisted' if queue is None or tid not in queue else f'in state {queue[tid]!r}'}; want {want}",
            requirement=f"EJ-TASK-{name}-ALL-WITHOUT-TIDS",
        )


def _listing(resp: Any) -> list[dict[str, Any]]:
    data = resp.data if isinstance(resp.data, dict) else {}
    tasks = data.get("tasks")
    return [t for t in tasks if isinstance(t, dict)] if isinstance(tasks, list) else []


@pytest.mark.requirement(
    "EJ-TASK-QUERY-PORT-REQUIRED",
    "EJ-TASK-QUERY-NUM-DEFAULT-10",
    "EJ-TASK-QUERY-HAS-CONTENT-DEFAULT-0",
    "EJ-TASK-QUERY-TASK-FIELDS",
    "EJ-TASK-QUERY-STATE-VALUES",
    "EJ-TASK-QUERY-ECHOES-SUBMISSION",
    "EJ-SMS-SEND-CODING",
    "EJ-TASK-QUERY-POS-REQUIRED",
    "EJ-TASK-QUERY-PAGING",
)
def test_get_tasks_lists_waiting_tasks_as_submitted(check, ejoin, sms_tasks, timers):
    """gateway-2.4 §6.3.6.2: "port | Send port. Starting from 1 | None | Y", "Has_content | ... | 0
    | N | 0 -Do not return text message content", "Pos | The starting position of the request. 0
    represents the beginning of the first task. ... in the order of the submission", "Num | The
    number of Request messages. | 10"; task attributes "Tid | Int ... Y", "To | string ... Y",
    "State | Int | Task status: 0 - normal, 1 - suspended.", "From", "Chs", "Coding | Int |
    Specifies the encoding of the message sent. 0: Do not specify 1: USC2 2: 7bit".

    Queues a blocker and eleven tasks behind it on one port (coding 1 and 2), then lists them:
    without port (refused), without num (ten), without and with has_content, and page by page.
    """
    tasks = [sms_tasks.task(coding=1 + i % 2) for i in range(11)]
    _submit(check, ejoin, [_blocker(sms_tasks, timers), *tasks])
    port, mine = sms_tasks.port, [t["tid"] for t in tasks]
    resp = ejoin.get("goip_get_tasks.html", version=API_VERSION, pos=0, num=10)
    check.expect(
        refused(resp) or not _listing(resp),
        f"goip_get_tasks without port answered {resp.text[:160]!r}",
        requirement="EJ-TASK-QUERY-PORT-REQUIRED",
    )
    answer = ejoin.get("goip_get_tasks.html", version=API_VERSION, port=port, pos=0)
    check.schema("ejoin/goip_get_tasks.response", answer, requirement="EJ-TASK-QUERY-TASK-FIELDS")
    plain = _listing(answer)
    check.expect(
        len(plain) == 10,
        f"{len(plain)} tasks listed without num (12 queued)",
        requirement="EJ-TASK-QUERY-NUM-DEFAULT-10",
    )
    check.expect(
        bool(plain) and not any("sms" in t for t in plain),
        f"without has_content, {sum('sms' in t for t in plain)} of {len(plain)} entries carry sms",
        requirement="EJ-TASK-QUERY-HAS-CONTENT-DEFAULT-0",
    )
    bad = [t for t in plain if not (isinstance(t.get("tid"), int) and isinstance(t.get("to"), str))]
    bad += [t for t in plain if t.get("state").__class__ is not int]
    check.expect(
        not bad,
        f"entries without int tid, string to, int state: {bad[:3]}",
        requirement="EJ-TASK-QUERY-TASK-FIELDS",
    )
    states = {t.get("state") for t in plain}
    check.expect(states <= {0, 1}, f"states {states}", requirement="EJ-TASK-QUERY-STATE-VALUES")
    full = {t.get("tid"): t for t in _listing(ejoin.get_tasks(port, pos=0, num=20, has_content=1))}
    for task in tasks[:2]:
        got = full.get(task["tid"], {})
        echoed = {k: got.get(k) for k in ("to", "from", "chs", "coding", "sms")}
        want = {
            "to": task["to"],
            "from": task["from"],
            "chs": "utf8",
            "coding": task["coding"],
            "sms": task["sms"],
        }
        check.expect(
            port_number(echoed["from"]) == port_number(want["from"])
            and all(echoed[k] == want[k] for k in ("to", "coding", "sms"))
            and str(echoed["chs"]).lower().replace("-", "") == "utf8",
            f"tid {task['tid']} listed as {echoed}, submitted {want}",
            requirement="EJ-TASK-QUERY-ECHOES-SUBMISSION",
        )
        check.expect(
            got.get("coding") == task["coding"],
            f"tid {task['tid']} submitted with coding {task['coding']} is listed with {got.get('coding')!r}",
            requirement="EJ-SMS-SEND-CODING",
        )
    paged: list[Any] = []
    for pos in range(0, 16, 4):
        paged += [t.get("tid") for t in _listing(ejoin.get_tasks(port, pos=pos, num=4))]
    order = [tid for tid in paged if tid in mine]
    check.expect(
        order == [tid for tid in mine if tid in order] and len(order) == len(set(order)) and len(order) >= 10,
        f"pages of 4 list the check's tasks as {order} (submitted {mine})",
        requirement="EJ-TASK-QUERY-PAGING",
    )
    first = _listing(ejoin.get_tasks(port, pos=0, num=1))
    check.expect(
        [t.get("tid") for t in first] == paged[:1],
        f"pos=0 lists {[t.get('tid') for t in first]}; the first page began with {paged[:1]}",
        requirement="EJ-TASK-QUERY-POS-REQUIRED",
    )
    earliest = next((tid for tid in paged if tid in mine), None)
    check.expect(
        earliest == mine[0],
        f"the first of the check's tasks listed is {earliest}, submitted first {mine[0]}",
        requirement="EJ-TASK-QUERY-POS-REQUIRED",
    )


@pytest.mark.requirement("EJ-TASK-PAUSE-ONLY-WAITING", "EJ-TASK-QUERY-ONLY-WAITING")
def test_a_task_already_sent_cannot_be_paused(check, ejoin, sms_exchange):
    """gateway-2.4 §6.2.4: "When a SMS task is still waiting to be sent in the send queue, one or
    more SMS can be paused."; §6.3.3: "If task status ID not equal to 0, then means this task not
    received by device."

    Pauses the run's SMS exchange's last task, whose SMS were all sent and reported: its result
    must not be 0 OK; §6.2.7: goip_get_tasks lists "the SMS task waiting to be sent in the send
    queue", so none of the exchange's tasks.
    """
    exchange = sms_exchange
    tid = exchange.single["tid"]
    if not exchange.accepted or not exchange.done(exchange.single):
        check.skip(f"the exchange's task {tid} was not reported finished")
    queue = queued_tids(ejoin, exchange.port)
    listed = sorted(set(queue or {}) & {t["tid"] for t in exchange.tasks})
    check.expect(
        queue is not None and not listed,
        f"goip_get_tasks of port {exchange.port} lists the sent tasks {listed}",
        requirement="EJ-TASK-QUERY-ONLY-WAITING",
    )
    got = _results(ejoin.pause_sms([tid])).get(tid)
    check.expect(
        status_code(got) not in (0, None),
        f"pause of tid {tid}, already sent, answered {got!r}",
        requirement="EJ-TASK-PAUSE-ONLY-WAITING",
    )


@pytest.mark.requirement("EJ-TASK-QUERY-TIDS-FILTER")
def test_get_tasks_may_be_limited_to_given_tids(check, ejoin, sms_tasks, timers, conformance):
    """gateway-2.4 §6.3.6.2: "{"tids": [tid1,tid2,...,tidn]}", "tids | String | The task ID to be
    query. | None | N" (MAY: erratum E-EJ-GETTASKS-TIDS-BODY).

    Queues a blocker and two tasks on one port and asks goip_get_tasks with a {"tids": [...]} body
    naming the second: only it may be listed.
    """
    first, second = sms_tasks.task(), sms_tasks.task()
    _submit(check, ejoin, [_blocker(sms_tasks, timers), first, second])
    auth = {"username": conformance.username, "password": conformance.password.reveal()}
    query = {**auth, "version": API_VERSION, "port": sms_tasks.port, "pos": 0, "num": 20}
    resp = ejoin.request("GET", "goip_get_tasks.html", params=query, json_body={"tids": [second["tid"]]})
    listed = [t.get("tid") for t in _listing(resp)]
    check.expect(listed == [second["tid"]], f"a query for tid {second['tid']} listed {listed}")
