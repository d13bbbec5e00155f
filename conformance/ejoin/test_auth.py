"""Authentication of the goip_* API (gateway-2.4 §4.1.2, §5.1.2, §6.3.1.2; router-2.2 §3.1.2;
simple-v2 §1.3.1.2): every request carries the device's username and password, and a request with
wrong or missing credentials is refused without effect."""

from __future__ import annotations

from typing import Any

import pytest
from ejoin_support import queued_tids, refused, status_code

from smsgw.client import EjoinClient


def _client(conformance: Any, ejoin: Any, username: str, password: str) -> EjoinClient:
    client = EjoinClient(conformance.target, username, password, timeout=conformance.timeout)
    client.listeners += ejoin.listeners  # its exchanges become evidence of the check too
    return client


def _not_a_dev_status(resp: Any) -> bool:
    data = resp.data
    return not (isinstance(data, dict) and data.get("type") == "dev-status" and "status" in data)


@pytest.mark.requirement("EJ-AUTH-WRONG-PASSWORD-REFUSED")
def test_wrong_password_is_refused(check, ejoin, conformance):
    """gateway-2.4 §6.3.1.2 (and every request's parameter table): "password | Device password |
    None | Y".

    Sends goip_get_status and goip_get_tasks with the right username and a wrong password; the
    device must refuse both (HTTP 401/403 or a non-success code) and must not answer the status.
    """
    with _client(conformance, ejoin, conformance.username, "smsgw-not-the-password") as wrong:
        status = wrong.get_status()
        tasks = wrong.get_tasks(1)
    check.expect(
        refused(status) and _not_a_dev_status(status),
        f"goip_get_status with a wrong password answered HTTP {status.status}: {status.text[:200]}",
    )
    check.expect(
        refused(tasks),
        f"goip_get_tasks with a wrong password answered HTTP {tasks.status}: {tasks.text[:200]}",
    )


@pytest.mark.requirement("EJ-AUTH-MISSING-CREDENTIALS-REFUSED", "EJ-AUTH-CREDENTIALS-REQUIRED")
def test_request_without_credentials_is_refused(check, ejoin):
    """gateway-2.4 §6.3.1.2: "username | Device username | None | Y" and "password | Device password
    | None | Y".

    Sends goip_get_status and goip_get_tasks with no username and no password at all.
    """
    status = ejoin.request("GET", "goip_get_status.html")
    tasks = ejoin.request("GET", "goip_get_tasks.html", params={"version": "1.1", "port": 1, "pos": 0})
    check.expect(
        refused(status) and _not_a_dev_status(status),
        f"goip_get_status without credentials answered HTTP {status.status}: {status.text[:200]}",
    )
    check.expect(
        refused(tasks), f"goip_get_tasks without credentials answered HTTP {tasks.status}: {tasks.text[:200]}"
    )


@pytest.mark.requirement("EJ-AUTH-UNKNOWN-USER-REFUSED")
def test_unknown_username_is_refused(check, ejoin, conformance):
    """gateway-2.4 §6.3.1.2: "username | Device username | None | Y".

    Sends goip_get_status with the run's password under a username the device does not have.
    """
    with _client(conformance, ejoin, "smsgw-no-such-user", conformance.password.reveal()) as stranger:
        status = stranger.get_status()
    check.expect(
        refused(status) and _not_a_dev_status(status),
        f"goip_get_status of an unknown user answered HTTP {status.status}: {status.text[:200]}",
    )


@pytest.mark.requirement("EJ-AUTH-REFUSAL-NO-SIDE-EFFECT", "EJ-SMS-TASK-STATUS-1-INVALID-USER")
def test_refused_send_queues_nothing(check, ejoin, conformance, sms_tasks, timers):
    """gateway-2.4 §6.3.1.4: "1: Invalid User" and "If task status ID not equal to 0, then means
    this task not received by device."

    Submits, with a wrong password, a task of three SMS half a send timeout apart to the user's
    numbers from a registered port (a faulty device that took it would still hold it when asked;
    its SMS go only to those numbers and the rest are removed at the end).
    Every task must be answered "1 Invalid User" (or the request refused as a whole), and the tid
    must not show up in goip_get_tasks.
    """
    task = sms_tasks.task(recipients=3, intvl=str(int(timers.send_timeout * 500)))
    with _client(conformance, ejoin, conformance.username, "smsgw-not-the-password") as wrong:
        resp = wrong.post_sms([task])
    check.schema("ejoin/goip_post_sms.response", resp, requirement="EJ-SMS-TASK-STATUS-1-INVALID-USER")
    data = resp.data if isinstance(resp.data, dict) else {}
    statuses = [s for s in data.get("status") or [] if isinstance(s, dict)]
    codes = [status_code(s.get("status")) for s in statuses]
    check.expect(
        refused(resp) and all(c == 1 for c in codes),
        f"post_sms with a wrong password: HTTP {resp.status}, "
        f"task statuses {[s.get('status') for s in statuses]}",
        requirement="EJ-SMS-TASK-STATUS-1-INVALID-USER",
    )
    queued = queued_tids(ejoin, sms_tasks.port)
    check.expect(
        queued is not None and task["tid"] not in queued,
        f"tid {task['tid']} of the refused request is queued on port {sms_tasks.port}"
        if queued is not None
        else "goip_get_tasks is unreadable",
        requirement="EJ-AUTH-REFUSAL-NO-SIDE-EFFECT",
    )
