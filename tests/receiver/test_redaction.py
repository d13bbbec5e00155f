from __future__ import annotations

import base64

from smsgw.receiver.redaction import redact_body, redact_headers, redact_query


def test_query_secrets_and_values_equal_to_them_are_redacted() -> None:
    pairs, text = redact_query("username=Pw9x&password=Pw9x&port=4&sender=135")
    assert dict(pairs) == {"username": "***", "password": "***", "port": "4", "sender": "135"}
    assert "Pw9x" not in text
    assert "port=4" in text


def test_authorization_and_cookie_headers_keep_no_credential() -> None:
    basic = base64.b64encode(b"admin:S3cret!").decode()
    headers = redact_headers([(b"authorization", f"Basic {basic}".encode()), (b"cookie", b"sid=abc"),
                              (b"referer", b"http://h/x?password=S3cret!"), (b"host", b"h")])  # fmt: skip
    flat = repr(headers)
    assert "S3cret!" not in flat
    assert basic not in flat
    assert ("authorization", "Basic admin:***") in headers
    assert ("host", "h") in headers


def test_body_password_pairs_are_redacted_and_other_bodies_are_untouched() -> None:
    assert (
        redact_body(b'{"user": "a", "Password" : "x\\"y", "n": 1}')
        == b'{"user": "a", "Password" : "***", "n": 1}'
    )
    assert redact_body(b"to=1&password=abc&x=2") == b"to=1&password=***&x=2"
    body = b'{"type": "dev-status", "seq": 1}'
    assert redact_body(body) is body


def test_the_key_prefilter_flags_exactly_the_bodies_a_lowercase_search_flags() -> None:
    from smsgw.receiver.redaction import _HINTS, _may_hold_key

    bodies = [b"x PaSsWd=1", b"AUTHORIZATION: y", b'{"Token": 1}', b"sEcReT", b"pwd", b"", b"pas s",
              b"p\xe1ss", b"\xff\xfepass", b"\xdfecret", b"to\xc4\xb8en", b"\x8aPWD", b"autorization",
              b'{"status": [{"port": "1.01", "st": "3 Registered"}]}']  # fmt: skip
    for body in bodies:
        assert _may_hold_key(body) == any(hint in body.lower() for hint in _HINTS), body
