"""Interface security formulas, ciphers and client helper, gateway-2.4 §3.3."""

from __future__ import annotations

import hashlib
import json

import pytest

from smsgw.ejoin_security import (
    CRYPT_SESS_RESOURCE,
    CipherError,
    ClientSession,
    cipher_names,
    encrypt_key,
    establish_params,
    get_cipher,
    register_cipher,
    request_auth,
    session_auth,
)

USER, PASSWORD = "admin", "s3cret-pw"
RESOURCE = "/goip_post_sms.html"


# -- §3.3 formulas ---------------------------------------------------------------------------------
def test_session_auth_is_md5_of_username_password_cnonce_resource() -> None:
    by_hand = hashlib.md5(b"admins3cret-pwabc123/crypt_sess.json").hexdigest()
    assert session_auth(USER, PASSWORD, "abc123") == by_hand
    assert session_auth(USER, PASSWORD, "abc123", "/goip_get_status.html") == (
        hashlib.md5(b"admins3cret-pwabc123/goip_get_status.html").hexdigest()
    )


def test_request_auth_is_md5_of_username_password_session_seq_resource() -> None:
    by_hand = hashlib.md5(b"admins3cret-pwsess111/goip_post_sms.html").hexdigest()
    assert request_auth(USER, PASSWORD, "sess1", 11, RESOURCE) == by_hand


def test_encrypt_key_is_md5_digest_of_username_password_client_auth_session_seq() -> None:
    client_auth = hashlib.md5(b"admins3cret-pwabc123/crypt_sess.json").hexdigest()
    by_hand = hashlib.md5(f"admins3cret-pw{client_auth}sess17".encode()).digest()
    assert encrypt_key(USER, PASSWORD, client_auth, "sess1", 7) == by_hand
    assert len(by_hand) == 16


def test_establish_params_carry_auth_but_never_the_password() -> None:
    params = establish_params(USER, PASSWORD, "abc123", expires=60, crypt="aes-128-cbc")
    assert params == {
        "username": USER,
        "cnonce": "abc123",
        "auth": hashlib.md5(b"admins3cret-pwabc123/crypt_sess.json").hexdigest(),
        "expires": "60",
        "crypt": "aes-128-cbc",
    }
    assert PASSWORD not in json.dumps(params)


def test_cipher_registry_lists_plain_and_aes_and_refuses_duplicates() -> None:
    assert {"none", "aes-128-cbc", "aes-128-ecb"} <= set(cipher_names())
    none = get_cipher("none")
    assert none is not None
    with pytest.raises(ValueError, match="already registered"):
        register_cipher(none)


def test_from_reply_refuses_a_failed_reply() -> None:
    params = establish_params(USER, PASSWORD, "abc")
    with pytest.raises(ValueError, match="refused"):
        ClientSession.from_reply(USER, PASSWORD, params, {"code": 3, "desc": "authentication failed"})


def test_crypt_sess_resource_is_the_documented_path() -> None:
    assert CRYPT_SESS_RESOURCE == "/crypt_sess.json"


@pytest.mark.parametrize("crypt", ["aes-128-cbc", "aes-128-ecb"])
def test_aes_ciphers_round_trip_and_refuse_a_wrong_key(crypt: str) -> None:
    cipher = get_cipher(crypt)
    assert cipher is not None
    key = hashlib.md5(b"k").digest()
    wire = cipher.encrypt(key, b"x" * 33)
    assert wire.isascii()
    assert cipher.decrypt(key, wire) == b"x" * 33
    with pytest.raises(CipherError):
        cipher.decrypt(hashlib.md5(b"other").digest(), wire)
    with pytest.raises(CipherError):
        cipher.decrypt(key, b"!!")


def test_cbc_uses_a_fresh_iv_per_body() -> None:
    cipher = get_cipher("aes-128-cbc")
    assert cipher is not None
    key = hashlib.md5(b"k").digest()
    assert cipher.encrypt(key, b"same") != cipher.encrypt(key, b"same")


def test_client_session_counts_seq_and_signs_each_request() -> None:
    params = establish_params(USER, PASSWORD, "abc123")
    client = ClientSession.from_reply(USER, PASSWORD, params, {"code": 0, "desc": "OK", "session": "S1"})
    first, body = client.next_request(RESOURCE, expires=60)
    second, _ = client.next_request(RESOURCE)
    assert body is None
    assert first == {"session": "S1", "seq": "1", "expires": "60",
                     "auth": hashlib.md5(b"admins3cret-pwS11/goip_post_sms.html").hexdigest()}  # fmt: skip
    assert second["seq"] == "2"
    assert PASSWORD not in repr(client)
    assert PASSWORD not in json.dumps(first)


def test_client_session_accepts_the_tables_capital_session_key() -> None:
    params = establish_params(USER, PASSWORD, "abc123")
    client = ClientSession.from_reply(USER, PASSWORD, params, {"code": 0, "desc": "OK", "Session": "S2"})
    assert client.session == "S2"
    with pytest.raises(ValueError, match="no session"):
        ClientSession.from_reply(USER, PASSWORD, params, {"code": 0, "desc": "OK"})
