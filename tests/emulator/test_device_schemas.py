"""Every answer and push of every profile grades PASS against its schema (when the schema exists)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from smsgw.ejoin_security import ClientSession, establish_params, session_auth
from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.control import mms
from smsgw.emulator.device import Device
from smsgw.emulator.profiles import PROFILES
from smsgw.spec.registry import default_registry
from smsgw.verdicts import Verdict

from .conftest import call, check, run

CALLS: list[tuple[str, str, str, object]] = [
    ("goip_get_status", "GET", "username=root&password=root&all_sims=1", b""),
    (
        "goip_send_cmd",
        "POST",
        "username=root&password=root",
        {"type": "command", "op": "unlock", "ports": "all"},
    ),
    (
        "goip_post_sms",
        "POST",
        "username=root&password=root",
        {"tasks": [{"tid": 1, "to": "1", "sms": "x", "sdr": 1}]},
    ),
    ("goip_get_tasks", "GET", "username=root&password=root&port=1&pos=0&has_content=1", b""),
    ("goip_pause_sms", "POST", "username=root&password=root", {"tids": [1, 2]}),
    ("goip_resume_sms", "POST", "username=root&password=root", {"tids": [1]}),
    ("goip_remove_sms", "POST", "username=root&password=root", {}),
    ("goip_get_sms", "GET", "username=root&password=root", b""),
    ("goip_get_sms_stat", "GET", "username=root&password=root&ports=all&slots=all&type=2", b""),
    ("goip_get_call_stat", "GET", "username=root&password=root", b""),
    ("goip_get_esims", "GET", "username=root&password=root", b""),
    (
        "goip_write_esims",
        "POST",
        "username=root&password=root",
        [{"port": 2, "slot": 1, "ac": "LPA:1$a.b$C", "cc": ""}],
    ),
    ("goip_delete_esims", "POST", "username=root&password=root", [{"port": 2, "slot": 1}]),
]


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_operation_of_every_profile_answers_a_passing_message(
    make_device: Callable[..., Device], clock: VirtualClock, profile: str
) -> None:
    device = make_device(
        profile=profile,
        status_url="http://127.0.0.1:9/s",
        sr_url="http://127.0.0.1:9/r",
        sms_url="http://127.0.0.1:9/m",
    )
    device.deliver(1, 1, "10010", device.bank.slot(1, 1).number, "hello", clock.now())
    run(device, clock, 1)
    answered = 0
    for op, method, query, body in CALLS:
        response = call(device, method, f"/{op}.html", query, body)
        if op not in device.profile.operations:
            assert response.status == 404
            continue
        assert response.status == 200, (op, response.body)
        check(f"ejoin/{op}.response", response.payload())
        answered += 1
    assert answered == len(device.profile.operations & {c[0] for c in CALLS})
    run(device, clock, 120, step=5)  # every push is graded inside run()


def test_sim_pool_and_quirk_free_pushes_pass(make_device: Callable[..., Device], clock: VirtualClock) -> None:
    device = make_device(
        profile="simple-v2", status_url="http://127.0.0.1:9/s", sms_url="http://127.0.0.1:9/m", sms_cnt=3
    )
    device.bank.slot(2, 1).pool = (128, 16)
    device.deliver(2, 1, "10010", device.bank.slot(2, 1).number, "pool sms", clock.now())
    call(
        device,
        "POST",
        "/goip_post_sms.html",
        body={"tasks": [{"tid": 5, "to": "1", "sms": "x", "from": "2", "dr": 1}]},
    )
    pushes = run(device, clock, 60)
    assert {p.kind for p in pushes} >= {"recv-sms", "sent-sms"}


def test_mms_push_headers_pass(device: Device) -> None:
    attachment = {"type": "image/jpeg", "name": "a.jpg", "data": base64.b64encode(b"\xff\xd8").decode()}
    _, _, pushes = mms(
        device,
        {
            "port": 1,
            "subject": "subject00",
            "text": "content00",
            "url": "http://127.0.0.1:9/mms",
            "attachments": [attachment],
        },
    )
    check("ejoin/mms.push", pushes[0].payload)
    assert pushes[0].content_type.startswith("multipart/related; boundary=")
    assert b"content00" in pushes[0].body


@pytest.mark.parametrize(
    ("endpoint", "query", "body"),
    [
        ("proxy", "mode=http", b""),
        ("proxy", "mode=socks5&state=1", b""),
        (
            "proxy",
            "mode=http&op=add",
            {"proxies": [{"name": "foo", "port": 3128, "interfaces": [0], "active": 1}]},
        ),
        ("proxy_user", "mode=http", b""),
        ("proxy_white_list", "mode=http", b""),
        ("proxy_black_list", "mode=socks5", b""),
        ("proxy_access_log", "mode=http", b""),
        ("ip_white_list", "", b""),
        ("ip_black_list", "", b""),
    ],
)
def test_router_endpoints_answer_passing_messages(
    make_device: Callable[..., Device], endpoint: str, query: str, body: object
) -> None:
    device = make_device(profile="router-2.2")
    method = "POST" if body else "GET"
    response = call(device, method, f"/{endpoint}", f"username=root&password=root&{query}", body)
    assert response.payload()["code"] == 0, response.payload()
    check(f"ejoin/router/{endpoint}.response", response.payload())


def test_ip_black_list_is_enforced_by_source_address(make_device: Callable[..., Device]) -> None:
    from smsgw.emulator.messages import Request, parse_query

    device = make_device(profile="router-2.2")
    body = b'{"enable": 1, "deleted_set": [], "added_set": ["127.0.0.7"]}'
    answer = call(device, "POST", "/ip_black_list", "username=root&password=root", body).payload()
    assert answer["code"] == 0, answer
    query = parse_query("username=root&password=root")
    assert device.handle(Request("GET", "/goip_get_sms.html", query, b"", {}, "127.0.0.7")).status == 403
    assert device.handle(Request("GET", "/goip_get_sms.html", query, b"", {}, "127.0.0.8")).status == 200


def test_redial_re_registers_the_port_and_public_ip_is_readable(make_device: Callable[..., Device]) -> None:
    device = make_device(profile="router-2.2", register_time=2.0)
    answer = call(
        device, "GET", "/goip_send_cmd.html", "username=root&password=root&op=redial&port=2"
    ).payload()
    assert answer["code"] == 0
    assert device.bank.port(2).current.code == 2
    got = call(
        device, "GET", "/goip_send_cmd.html", "username=root&password=root&op=get&port_public_ip(0)"
    ).payload()
    check("ejoin/goip_send_cmd.response", got)
    assert got["port_public_ip(0)"].startswith("100.64.")


def test_crypt_sess_encrypted_post_is_decrypted_and_served(device: Device) -> None:
    params = establish_params("root", "root", cnonce="c1", crypt="aes-128-cbc")
    reply = call(device, "GET", "/crypt_sess.json", "&".join(f"{k}={v}" for k, v in params.items())).payload()
    assert reply["code"] == 0
    session = ClientSession.from_reply("root", "root", params, reply)
    query, body = session.next_request(
        "/goip_post_sms.html", b'{"tasks": [{"tid": 3, "to": "1", "sms": "x"}]}'
    )
    response = call(
        device, "POST", "/goip_post_sms.html", "&".join(f"{k}={v}" for k, v in query.items()), body
    )
    assert response.payload()["status"] == [{"tid": 3, "status": "0 OK"}]
    assert session_auth("root", "root", "c1") == params["auth"]


def test_registry_has_the_core_schemas_the_emulator_is_checked_against() -> None:
    registry = default_registry()
    for name in ("ejoin/goip_post_sms.response", "ejoin/status-report.push", "ejoin/recv-sms.push"):
        assert name in registry
    assert (
        registry.grade(
            "ejoin/status-report.push", {"type": "status-report", "rpt_num": "0", "rpts": []}
        ).verdict
        is Verdict.PASS
    )
