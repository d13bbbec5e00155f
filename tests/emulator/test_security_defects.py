"""The secure-session defects of the emulator (gateway-2.4 §3): each breaks exactly its rule."""

from __future__ import annotations

import json
from typing import Any

from smsgw.ejoin_security import ClientSession, establish_params, session_auth
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.faults import Switches
from smsgw.emulator.messages import Request
from smsgw.emulator.security import Rejected, SecurityManager, Verified

USER, PASSWORD = "admin", "s3cret-pw"
STATUS = "/goip_get_status.html"


def manager(*defects: str) -> SecurityManager:
    return SecurityManager({USER: PASSWORD}, switches=Switches(defects))


def opened(sec: SecurityManager, now: float = 0.0, **kwargs: Any) -> tuple[ClientSession, dict[str, Any]]:
    params = establish_params(USER, PASSWORD, **kwargs)
    status, reply = sec.handle_crypt_sess(params, None, now)
    assert status == 200, reply
    return ClientSession.from_reply(USER, PASSWORD, params, reply), reply


def test_conformant_manager_is_unaffected_by_an_empty_switch_set() -> None:
    session, reply = opened(manager())
    assert reply["expires"] == 180
    assert reply["desc"]
    query, _ = session.next_request(STATUS)
    assert isinstance(manager().verify(STATUS, query, None, 0.0), Rejected)  # another device


def test_set_up_defects_change_the_reply() -> None:
    assert opened(manager("defect.crypt-sess-expires-300"))[1]["expires"] == 300
    assert opened(manager("defect.crypt-sess-expires-string"))[1]["expires"] == "180"
    params = establish_params(USER, PASSWORD)
    _, reply = manager("defect.crypt-sess-code-string").handle_crypt_sess(params, None, 0.0)
    assert reply["code"] == "0"
    _, reply = manager("defect.crypt-sess-session-missing").handle_crypt_sess(params, None, 0.0)
    assert "session" not in reply
    bad = {**params, "auth": "0" * 32}
    assert manager().handle_crypt_sess(bad, None, 0.0)[1]["code"] != 0
    assert manager("defect.crypt-sess-auth-unchecked").handle_crypt_sess(bad, None, 0.0)[1]["code"] == 0
    _, reply = manager("defect.crypt-sess-desc-missing").handle_crypt_sess(bad, None, 0.0)
    assert reply["code"] != 0
    assert "desc" not in reply


def test_set_up_resource_and_cnonce_defects() -> None:
    params = establish_params(USER, PASSWORD)
    assert manager("defect.crypt-sess-resource-no-slash").handle_crypt_sess(params, None, 0.0)[1]["code"] != 0
    no_cnonce = {"username": USER, "auth": session_auth(USER, PASSWORD, "")}
    assert manager().handle_crypt_sess(no_cnonce, None, 0.0)[1]["code"] != 0
    assert (
        manager("defect.crypt-sess-cnonce-optional").handle_crypt_sess(no_cnonce, None, 0.0)[1]["code"] == 0
    )


def test_request_defects() -> None:
    for defect, accepted in (
        ("defect.session-auth-unchecked", True),
        ("defect.session-seq-replay", True),
        ("defect.session-auth-no-seq", False),
    ):
        sec = manager(defect)
        session, _ = opened(sec)
        query, _ = session.next_request(STATUS)
        if defect == "defect.session-auth-no-seq":
            assert isinstance(sec.verify(STATUS, query, None, 1.0), Rejected)
            continue
        assert isinstance(sec.verify(STATUS, query, None, 1.0), Verified)
        if defect == "defect.session-auth-unchecked":
            query = {**query, "seq": "2", "auth": "f" * 32}
        assert isinstance(sec.verify(STATUS, query, None, 2.0), Verified) is accepted
    sec = manager("defect.session-unknown-accepted")
    assert isinstance(
        sec.verify(STATUS, {"session": "nope", "seq": "1", "auth": "a" * 32}, None, 0.0), Verified
    )


def test_expiry_defects() -> None:
    sec = manager("defect.session-never-expires")
    session, _ = opened(sec, expires=10)
    query, _ = session.next_request(STATUS)
    assert isinstance(sec.verify(STATUS, query, None, 1000.0), Verified)
    sec = manager("defect.session-expires-reset-ignored")
    session, _ = opened(sec, expires=10)
    query, _ = session.next_request(STATUS, expires=10)
    assert isinstance(sec.verify(STATUS, query, None, 5.0), Verified)
    query, _ = session.next_request(STATUS)
    assert isinstance(sec.verify(STATUS, query, None, 12.0), Rejected)


def test_key_hex_defect_cannot_decrypt() -> None:
    sec = manager("defect.session-key-hex")
    session, _ = opened(sec, crypt="aes-128-cbc")
    query, body = session.next_request("/goip_post_sms.html", b'{"type": "send-sms"}')
    assert isinstance(sec.verify("/goip_post_sms.html", query, body, 1.0), Rejected)


def test_reply_encrypted_defect_seals_session_replies() -> None:
    device = Device(
        DeviceConfig(password=PASSWORD, username=USER, switches=("defect.session-reply-encrypted",))
    )
    params = establish_params(USER, PASSWORD, crypt="aes-128-cbc")
    reply = json.loads(device.handle(Request("GET", "/crypt_sess.json", params, b"")).body)
    session = ClientSession.from_reply(USER, PASSWORD, params, reply)
    query, body = session.next_request("/goip_post_sms.html", b'{"type": "send-sms", "tasks": []}')
    answer = device.handle(Request("POST", "/goip_post_sms.html", query, body or b""))
    try:
        json.loads(answer.body)
        readable = True
    except ValueError:
        readable = False
    assert not readable
