"""The device side of interface security, gateway-2.4 §3: set-up, verification, expiry, decryption."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgw.ejoin_security import (
    CipherError,
    ClientSession,
    establish_params,
    get_cipher,
)
from smsgw.emulator.security import (
    Rejected,
    SecurityCode,
    SecurityManager,
    Verified,
)
from tests.schema_asserts import assert_conforms as conforms

USER, PASSWORD = "admin", "s3cret-pw"
RESOURCE = "/goip_post_sms.html"


def manager(**kwargs: Any) -> SecurityManager:
    ids = iter(f"sess{n}" for n in range(1, 1000))
    return SecurityManager({USER: PASSWORD}, session_id_factory=lambda: next(ids), **kwargs)


def establish(sec: SecurityManager, now: float = 0.0, **kwargs: Any) -> tuple[ClientSession, dict[str, Any]]:
    params = establish_params(USER, PASSWORD, "abc123", **kwargs)
    conforms("ejoin/crypt_sess.query", params)
    status, reply = sec.handle_crypt_sess(params, None, now)
    assert status == 200, reply
    conforms("ejoin/crypt_sess.response", reply)
    return ClientSession.from_reply(USER, PASSWORD, params, reply), reply


# -- set-up (§3.2.1, §3.2.2) -----------------------------------------------------------------------
def test_crypt_sess_answers_session_and_default_expires_180() -> None:
    _, reply = establish(manager())
    assert reply == {"code": 0, "desc": "OK", "session": "sess1", "expires": 180}


def test_crypt_sess_honours_requested_expires() -> None:
    _, reply = establish(manager(), expires=30)
    assert reply["expires"] == 30


def test_crypt_sess_wrong_password_is_refused_with_code_and_desc() -> None:
    sec = manager()
    params = establish_params(USER, "wrong", "abc123")
    status, reply = sec.handle_crypt_sess(params, None, 0.0)
    assert status == 401
    assert reply == {"code": SecurityCode.AUTH_FAILED, "desc": "authentication failed"}
    conforms("ejoin/crypt_sess.response", reply)
    assert sec.session_count == 0


def test_crypt_sess_unknown_user_answers_like_a_wrong_password() -> None:
    status, reply = manager().handle_crypt_sess(establish_params("nobody", PASSWORD, "abc"), None, 0.0)
    assert (status, reply["code"]) == (401, SecurityCode.AUTH_FAILED)


@pytest.mark.parametrize("drop", ["username", "cnonce", "auth"])
def test_crypt_sess_missing_required_parameter_is_refused(drop: str) -> None:
    params = establish_params(USER, PASSWORD, "abc123")
    del params[drop]
    status, reply = manager().handle_crypt_sess(params, None, 0.0)
    assert (status, reply["code"]) == (400, SecurityCode.MISSING_PARAMETER)
    assert drop in reply["desc"]
    conforms("ejoin/crypt_sess.response", reply)


@pytest.mark.parametrize("expires", ["abc", "0", "-5", "999999"])
def test_crypt_sess_bad_expires_is_refused(expires: str) -> None:
    params = {**establish_params(USER, PASSWORD, "abc123"), "expires": expires}
    status, reply = manager().handle_crypt_sess(params, None, 0.0)
    assert (status, reply["code"]) == (400, SecurityCode.BAD_PARAMETER)


def test_crypt_sess_unknown_crypt_is_refused() -> None:
    params = establish_params(USER, PASSWORD, "abc123", crypt="rot13")
    status, reply = manager().handle_crypt_sess(params, None, 0.0)
    assert (status, reply["code"]) == (400, SecurityCode.UNSUPPORTED_CRYPT)
    conforms("ejoin/crypt_sess.response", reply)


def test_crypt_sess_accepts_uppercase_hex_auth() -> None:
    params = establish_params(USER, PASSWORD, "abc123")
    params["auth"] = params["auth"].upper()
    assert manager().handle_crypt_sess(params, None, 0.0)[0] == 200


def test_crypt_sess_refuses_beyond_max_sessions_until_one_expires() -> None:
    sec = manager(max_sessions=2)
    establish(sec, expires=10)
    establish(sec, expires=100)
    status, reply = sec.handle_crypt_sess(establish_params(USER, PASSWORD, "x"), None, 5.0)
    assert (status, reply["code"]) == (503, SecurityCode.TOO_MANY_SESSIONS)
    assert sec.handle_crypt_sess(establish_params(USER, PASSWORD, "x"), None, 10.0)[0] == 200


# -- subsequent requests (§3.2.3) ------------------------------------------------------------------
def test_subsequent_request_is_verified_and_returns_the_username() -> None:
    sec = manager()
    client, _ = establish(sec)
    query, body = client.next_request(RESOURCE)
    result = sec.verify(RESOURCE, query, body, 1.0)
    assert result == Verified(USER, "sess1", 1, None)


def test_subsequent_request_auth_for_another_resource_is_refused() -> None:
    sec = manager()
    client, _ = establish(sec)
    query, _ = client.next_request("/goip_get_sms.html")
    result = sec.verify(RESOURCE, query, None, 1.0)
    assert isinstance(result, Rejected)
    assert (result.status, result.code) == (401, SecurityCode.AUTH_FAILED)


def test_replayed_request_is_rejected() -> None:
    sec = manager()
    client, _ = establish(sec)
    query, _ = client.next_request(RESOURCE)
    assert isinstance(sec.verify(RESOURCE, query, None, 1.0), Verified)
    replay = sec.verify(RESOURCE, query, None, 2.0)
    assert isinstance(replay, Rejected)
    assert replay.code == SecurityCode.STALE_SEQ
    assert replay.answer == {"code": SecurityCode.STALE_SEQ, "reason": "seq not greater than the last one"}


def test_stale_seq_is_rejected_and_a_jump_forward_is_accepted() -> None:
    sec = manager()
    client, _ = establish(sec)
    client.seq = 9
    assert isinstance(sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 1.0), Verified)  # 10
    client.seq = 4
    stale = sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 1.0)  # 5
    assert isinstance(stale, Rejected)
    assert stale.code == SecurityCode.STALE_SEQ
    client.seq = 19
    assert isinstance(sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 1.0), Verified)  # 20


def test_forged_auth_does_not_advance_seq() -> None:
    sec = manager()
    client, _ = establish(sec)
    query, _ = client.next_request(RESOURCE)
    forged = {**query, "auth": "0" * 32}
    assert isinstance(sec.verify(RESOURCE, forged, None, 1.0), Rejected)
    assert isinstance(sec.verify(RESOURCE, query, None, 1.0), Verified)


def test_wrong_password_client_is_refused_on_subsequent_requests() -> None:
    sec = manager()
    client, _ = establish(sec)
    impostor = ClientSession(USER, "wrong", client.client_auth, client.session)
    result = sec.verify(RESOURCE, impostor.next_request(RESOURCE)[0], None, 1.0)
    assert isinstance(result, Rejected)
    assert result.code == SecurityCode.AUTH_FAILED


def test_unknown_session_is_refused() -> None:
    sec = manager()
    client, _ = establish(sec)
    client.session = "nosuch"
    result = sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 1.0)
    assert isinstance(result, Rejected)
    assert result.code == SecurityCode.UNKNOWN_SESSION


@pytest.mark.parametrize("drop", ["session", "seq", "auth"])
def test_subsequent_request_missing_parameter_is_refused(drop: str) -> None:
    sec = manager()
    client, _ = establish(sec)
    query, _ = client.next_request(RESOURCE)
    del query[drop]
    result = sec.verify(RESOURCE, query, None, 1.0)
    assert isinstance(result, Rejected)
    assert (result.status, result.code) == (400, SecurityCode.MISSING_PARAMETER)


def test_non_numeric_seq_is_refused() -> None:
    sec = manager()
    client, _ = establish(sec)
    query = {**client.next_request(RESOURCE)[0], "seq": "x1"}
    result = sec.verify(RESOURCE, query, None, 1.0)
    assert isinstance(result, Rejected)
    assert result.code == SecurityCode.BAD_PARAMETER


# -- expiry ----------------------------------------------------------------------------------------
def test_session_expires_after_its_life_cycle() -> None:
    sec = manager()
    client, _ = establish(sec, now=100.0, expires=60)
    assert isinstance(sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 159.9), Verified)
    expired = sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 160.0)
    assert isinstance(expired, Rejected)
    assert expired.code == SecurityCode.SESSION_EXPIRED
    assert sec.session_count == 0


def test_requests_without_expires_do_not_extend_the_session() -> None:
    sec = manager()
    client, _ = establish(sec, now=0.0)
    for t in (50.0, 100.0, 150.0):
        assert isinstance(sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, t), Verified)
    late = sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 180.0)
    assert isinstance(late, Rejected)
    assert late.code == SecurityCode.SESSION_EXPIRED


def test_expires_on_a_request_resets_the_life_cycle() -> None:
    sec = manager()
    client, _ = establish(sec, now=0.0)
    query, _ = client.next_request(RESOURCE, expires=100)
    assert isinstance(sec.verify(RESOURCE, query, None, 170.0), Verified)
    assert isinstance(sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 269.0), Verified)
    late = sec.verify(RESOURCE, client.next_request(RESOURCE)[0], None, 270.0)
    assert isinstance(late, Rejected)
    assert late.code == SecurityCode.SESSION_EXPIRED


def test_advance_drops_expired_sessions_only() -> None:
    sec = manager()
    establish(sec, now=0.0, expires=10)
    establish(sec, now=0.0, expires=100)
    assert sec.advance(10.0) == 1
    assert sec.session_count == 1


# -- body ciphers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("crypt", ["none", "aes-128-cbc", "aes-128-ecb"])
def test_encrypted_body_round_trips_through_the_device(crypt: str) -> None:
    sec = manager()
    client, _ = establish(sec, crypt=crypt)
    plain = json.dumps({"type": "send-sms", "sms_text": "héllo wörld " * 5}).encode()
    query, wire = client.next_request(RESOURCE, plain)
    assert wire is not None
    if crypt != "none":
        assert wire != plain
        assert wire.isascii()
    result = sec.verify(RESOURCE, query, wire, 1.0)
    assert isinstance(result, Verified)
    assert result.body == plain


def test_aes_body_uses_the_per_request_key() -> None:
    sec = manager()
    client, _ = establish(sec, crypt="aes-128-cbc")
    _, wire = client.next_request(RESOURCE, b'{"a":1}')
    cipher = get_cipher("aes-128-cbc")
    assert cipher is not None
    assert wire is not None
    assert cipher.decrypt(client.key(1), wire) == b'{"a":1}'
    with pytest.raises(CipherError):
        cipher.decrypt(client.key(2), wire)


def test_body_encrypted_with_a_wrong_key_is_refused_without_moving_seq() -> None:
    sec = manager()
    client, _ = establish(sec, crypt="aes-128-ecb")
    cipher = get_cipher("aes-128-ecb")
    assert cipher is not None
    query, _ = client.next_request(RESOURCE)
    bad = cipher.encrypt(b"\x00" * 16, b"0123456789abcdef0123")
    result = sec.verify(RESOURCE, query, bad, 1.0)
    assert isinstance(result, Rejected)
    assert (result.status, result.code) == (400, SecurityCode.DECRYPT_FAILED)
    assert isinstance(sec.verify(RESOURCE, query, None, 1.0), Verified)


def test_body_that_is_not_base64_is_refused() -> None:
    sec = manager()
    client, _ = establish(sec, crypt="aes-128-cbc")
    query, _ = client.next_request(RESOURCE)
    result = sec.verify(RESOURCE, query, b"not base64 at all!", 1.0)
    assert isinstance(result, Rejected)
    assert result.code == SecurityCode.DECRYPT_FAILED


def test_no_answer_or_repr_carries_the_password_or_keys() -> None:
    sec = manager()
    client, _ = establish(sec, crypt="aes-128-cbc")
    seen: list[str] = [repr(sec), repr(client)]
    for query in (
        establish_params(USER, "wrong", "abc"),
        establish_params(USER, PASSWORD, "abc", crypt="nope"),
    ):
        seen.append(json.dumps(sec.handle_crypt_sess(query, None, 0.0)[1]))
    query, _ = client.next_request(RESOURCE)
    replay = sec.verify(RESOURCE, query, None, 1.0), sec.verify(RESOURCE, query, None, 1.0)
    seen.extend(json.dumps(r.answer) for r in replay if isinstance(r, Rejected))
    text = "\n".join(seen)
    assert PASSWORD not in text
    assert client.client_auth not in text
    assert client.key(1).hex() not in text


# -- robustness ------------------------------------------------------------------------------------
_values = st.one_of(st.text(max_size=40), st.sampled_from(["", "0", "-1", "1e9", "sess1", "abc", "9" * 30]))
_queries = st.dictionaries(
    st.sampled_from(["username", "cnonce", "auth", "expires", "crypt", "session", "seq", "x"]), _values
)


@settings(max_examples=150, deadline=None)
@given(query=_queries, body=st.one_of(st.none(), st.binary(max_size=64)), now=st.floats(0, 1e6))
def test_no_query_or_body_makes_the_device_raise(
    query: dict[str, str], body: bytes | None, now: float
) -> None:
    sec = manager()
    status, reply = sec.handle_crypt_sess(query, body, now)
    assert status in (200, 400, 401, 503)
    assert isinstance(reply["code"], int)
    result = sec.verify(RESOURCE, query, body, now)
    assert isinstance(result, Rejected)
