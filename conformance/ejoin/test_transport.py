"""Transport: how requests reach the goip_* API (gateway-2.4 §1, §6.3.1.2, §5.1.2, §9.1.2; router-2.2
§1, §5.3.1.2; proxy-gateway §1, §4.2; simple-v2 §1.3.1.2).

The checks use requests without effect on the device: goip_remove_sms of a task id the device does
not hold, goip_get_tasks of port 1 and the statistics queries. The proxy gateway has no SMS task
endpoints (its document defines only goip_get_status, §3, and goip_send_cmd, §4): there the checks
use goip_send_cmd, a JSON command naming no port and op=get of sms_url. (That pushes are requests
the device initiates is read from the status feed, in test_status_notification.py.)
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from smsgw.client import EjoinClient

API_VERSION = "1.1"
#: profiles whose document defines goip_send_cmd but none of the SMS task endpoints (proxy-gateway §3-§4)
COMMAND_ONLY_PROFILES = frozenset({"proxy-gateway"})
#: a port no device has (as test_commands.py's save check): a command naming it changes nothing
NO_SUCH_PORT = "999"


def _unheld_tid() -> int:
    """A task id no device holds: far above the ids the suite's SMS checks use."""
    return 900_000_000 + int(time.time()) % 1_000_000


def _refused_as_user(resp: Any) -> bool:
    data = resp.data if isinstance(resp.data, dict) else {}
    return resp.status in (401, 403) or "user" in str(data.get("reason", "")).lower()


def _answer(resp: Any) -> str:
    return f"HTTP {resp.status} {resp.json_error or resp.text[:160]}"


@pytest.mark.requirement("EJ-HTTP-POST-JSON-BODY")
def test_post_bodies_are_json(check, ejoin, conformance):
    """gateway-2.4 §1 (also router-2.2 §1, proxy-gateway §1): "This SMS API is still base on HTTP, and
    add POST request support, it provide multitask and status report by JSON array."

    A JSON body (goip_remove_sms {"tids": [...]}; on the proxy gateway, proxy-gateway §4.3: "Command
    sending message (information in HTTP message Body) is a JSON array string", a goip_send_cmd
    command naming no port) must be read and answered in JSON; a body that is not JSON must be
    refused as a bad request, not crash the device (HTTP 5xx)."""
    if conformance.profile in COMMAND_ONLY_PROFILES:
        # the proxy gateway's only JSON bodies are port commands (lock/unlock/switch/reset, §4.3): an
        # unlock of a port no device has changes nothing on a correct device, but a faulty one could
        # read it as "every port", so it is sent only to a device the user lets the suite change
        if not conformance.allow_destructive:
            check.skip("the proxy gateway's JSON bodies are port commands: needs --allow-destructive")
        endpoint = "goip_send_cmd.html"
        resp = ejoin.send_cmd({"type": "command", "op": "unlock", "ports": NO_SUCH_PORT})
        # an answer refusing the port (HTTP 200 or 400 with the code) is the body read and answered
        answered = resp.status in (200, 400)
    else:
        endpoint = "goip_remove_sms.html"
        resp = ejoin.remove_sms([_unheld_tid()])
        answered = resp.status == 200
    check.expect(
        answered and isinstance(resp.data, dict) and isinstance(resp.data.get("code"), int),
        f"{endpoint} with a JSON body: {_answer(resp)}",
    )
    bad = ejoin.request(
        "POST",
        endpoint,
        params={"username": conformance.username, "password": conformance.password.reveal()},
        content="tids=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    code = bad.data.get("code") if isinstance(bad.data, dict) else None
    check.expect(
        bad.status < 500 and (bad.status >= 400 or code not in (0, 200)),
        f"a body that is not JSON answered {_answer(bad)}",
    )


@pytest.mark.requirement("EJ-HTTP-POST-PARAMS-IN-QUERY")
def test_post_credentials_in_the_query_are_accepted(check, ejoin):
    """gateway-2.4 §6.4.5-§6.4.8: every POST example sends "goip_post_sms.html?username=root&
    password=root" with the JSON body (erratum E-EJ-POSTSMS-AUTH-IN-BODY: the query is normative)."""
    resp = ejoin.remove_sms([_unheld_tid()])  # the client's default: credentials in the query
    check.expect(
        resp.status < 500 and not _refused_as_user(resp), f"credentials in the query refused: {_answer(resp)}"
    )


@pytest.mark.requirement("EJ-HTTP-POST-PARAMS-IN-BODY")
def test_post_credentials_in_the_body_are_accepted(check, ejoin, conformance):
    """gateway-2.4 §6.3.1.2: "All URL parameters only appear in the GET request. For POST, it will
    appear in the JSON attribute of the body segment."

    goip_remove_sms with username and password as attributes of the JSON body, none in the URL."""
    with EjoinClient(
        conformance.target,
        conformance.username,
        conformance.password.reveal(),
        timeout=conformance.timeout,
        post_credentials="body",
    ) as body_auth:
        body_auth.listeners += ejoin.listeners  # its exchanges become evidence too
        resp = body_auth.remove_sms([_unheld_tid()])
    check.expect(
        resp.status < 500 and not _refused_as_user(resp),
        f"credentials in the JSON body refused: {_answer(resp)}",
    )


@pytest.mark.requirement("EJ-HTTP-VERSION-PARAM-DEFAULT")
def test_version_may_be_left_out_where_it_defaults(check, ejoin):
    """gateway-2.4 §9.1.2 (also §6.3.1.2, §10.1.2, §12.1.2): "version | API version | 1.0 | N | 1.0
    :Compatible with previous API 1.1 :Support for the description of this document".

    goip_get_sms_stat (or goip_get_call_stat) without version must be answered, not refused."""
    for endpoint in ("goip_get_sms_stat.html", "goip_get_call_stat.html"):
        resp = ejoin.get(endpoint, ports="1")
        if resp.status == 404:
            continue
        data = resp.data if isinstance(resp.data, dict) else {}
        check.expect(
            resp.status == 200 and data.get("code") == 200,
            f"{endpoint} without version: {_answer(resp)}",
        )
        return
    check.skip("the device has neither statistics endpoint (the ones whose version defaults to 1.0)")


@pytest.mark.requirement("EJ-HTTP-VERSION-PARAM-1-1")
def test_version_1_1_is_accepted(check, ejoin, conformance):
    """gateway-2.4 §6.3.6.2 (also §5.1.2, §6.3.3.2-§6.3.5.2; proxy-gateway §4.2): "Version | API
    version | 1.1 | Y | This document describes specification support only".

    goip_get_tasks with version=1.1 (port 1, no task needed) must be answered with code 200; on the
    proxy gateway, which has no goip_get_tasks, goip_send_cmd op=get of sms_url with version=1.1
    must be answered with code 0 (proxy-gateway §4.2 "Sms_url")."""
    if conformance.profile in COMMAND_ONLY_PROFILES:
        endpoint, success = "goip_send_cmd", 0
        resp = ejoin.get("goip_send_cmd.html", version=API_VERSION, op="get", sms_url="")
    else:
        endpoint, success = "goip_get_tasks", 200
        resp = ejoin.get_tasks(1, pos=0, num=1)
    data = resp.data if isinstance(resp.data, dict) else {}
    code = data.get("code", data.get("code "))
    check.expect(resp.status == 200 and code == success, f"{endpoint} version={API_VERSION}: {_answer(resp)}")
