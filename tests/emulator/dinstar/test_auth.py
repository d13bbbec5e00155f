"""Digest (RFC 7616) and basic authentication of the Dinstar gateway: a challenge round-trip is not
a failed login, a wrong password is."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.dinstar.auth import REALM, DigestAuth, Verdict, parse_auth_params
from smsgw.emulator.dinstar.device import DinstarDevice
from tests.emulator.dinstar.conftest import PASSWORD, USER, call


def digest_header(  # noqa: PLR0917 (the digest fields)
    challenge: str,
    method: str,
    uri: str,
    password: str = PASSWORD,
    nc: int = 1,
    algorithm: str | None = None,
    user: str = USER,
) -> str:
    params = parse_auth_params(challenge.removeprefix("Digest "))
    algorithm = algorithm or params["algorithm"]
    h = hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5

    def H(text: str) -> str:
        return h(text.encode()).hexdigest()

    ha1, ha2 = H(f"{user}:{params['realm']}:{password}"), H(f"{method}:{uri}")
    nc_text, cnonce = f"{nc:08x}", "0a4f113b"
    response = H(f"{ha1}:{params['nonce']}:{nc_text}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="{user}", realm="{params["realm"]}", nonce="{params["nonce"]}", uri="{uri}", '
        f'algorithm={algorithm}, qop=auth, nc={nc_text}, cnonce="{cnonce}", response="{response}", '
        f'opaque="{params["opaque"]}"'
    )


def challenge_of(device: DinstarDevice, path: str = "/api/query_sms_in_queue") -> str:
    response = call(device, "GET", path, headers={})
    assert response.status == 401
    header = dict(getattr(response, "headers", ()))["WWW-Authenticate"]
    assert header.startswith("Digest ")
    return header


def test_parse_auth_params_keeps_commas_inside_quotes() -> None:
    params = parse_auth_params('realm="a, b", qop=auth, nc=00000001, uri="/x?y=1,2"')
    assert params == {"realm": "a, b", "qop": "auth", "nc": "00000001", "uri": "/x?y=1,2"}


def test_no_credentials_get_a_challenge_and_it_is_not_a_failed_login(device: DinstarDevice) -> None:
    header = challenge_of(device)
    params = parse_auth_params(header.removeprefix("Digest "))
    assert (params["realm"], params["qop"], params["algorithm"]) == (REALM, "auth", "MD5")
    assert "stale" not in params
    for _ in range(20):
        challenge_of(device)
    assert device.auth.failed_logins == 0
    assert device.auth.challenges == 21


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])
def test_a_right_digest_response_is_answered(device: DinstarDevice, algorithm: str) -> None:
    device.auth.algorithm = algorithm
    header = digest_header(challenge_of(device), "GET", "/api/query_sms_in_queue")
    response = call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": header})
    assert response.status == 200
    assert response.payload()["error_code"] == 200


def test_a_wrong_password_is_a_failed_login_and_five_lock_the_account(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    for attempt in range(1, 5):
        header = digest_header(challenge_of(device), "GET", "/api/query_sms_in_queue", password="nope")
        response = call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": header})
        assert response.status == 401
        assert device.auth.failed_logins == attempt
    header = digest_header(challenge_of(device), "GET", "/api/query_sms_in_queue", password="nope")
    assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": header}).status == 403
    right = digest_header(device.auth.challenge(clock.now()), "GET", "/api/query_sms_in_queue")
    assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": right}).status == 403
    clock.advance(61)
    right = digest_header(challenge_of(device), "GET", "/api/query_sms_in_queue")
    assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": right}).status == 200


def test_an_expired_nonce_is_challenged_stale_without_counting(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    header = digest_header(challenge_of(device), "GET", "/api/query_sms_in_queue")
    clock.advance(device.auth.nonce_lifetime + 1)
    response = call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": header})
    assert response.status == 401
    assert "stale=true" in dict(getattr(response, "headers", ()))["WWW-Authenticate"]
    assert device.auth.failed_logins == 0


def test_a_replayed_nonce_count_is_challenged_again(device: DinstarDevice) -> None:
    challenge = challenge_of(device)
    header = digest_header(challenge, "GET", "/api/query_sms_in_queue", nc=1)
    assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": header}).status == 200
    assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": header}).status == 401
    again = digest_header(challenge, "GET", "/api/query_sms_in_queue", nc=2)
    assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": again}).status == 200
    assert device.auth.failed_logins == 0


def test_a_digest_for_another_uri_is_refused(device: DinstarDevice) -> None:
    header = digest_header(challenge_of(device), "GET", "/api/query_incoming_sms")
    assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": header}).status == 401
    assert device.auth.failed_logins == 1


def test_basic_is_accepted_where_allowed_and_challenged_where_not(device: DinstarDevice) -> None:
    assert call(device, "GET", "/api/query_sms_in_queue").status == 200
    device.auth.allow_basic = False
    response = call(device, "GET", "/api/query_sms_in_queue")
    assert response.status == 401
    assert device.auth.failed_logins == 0


def test_wrong_basic_credentials_count(make_device: Callable[..., DinstarDevice]) -> None:
    device = make_device()
    bad = {"authorization": "Basic YWRtaW46d3Jvbmc="}
    assert call(device, "GET", "/api/query_sms_in_queue", headers=bad).status == 401
    assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": "Basic !!"}).status == 401
    assert device.auth.failed_logins == 2


def test_unknown_schemes_and_foreign_nonces_are_challenged(device: DinstarDevice) -> None:
    for header in ("Bearer abc", 'Digest username="admin", nonce="forged", realm="Web Server"', "Digest"):
        assert call(device, "GET", "/api/query_sms_in_queue", headers={"authorization": header}).status == 401
    assert device.auth.failed_logins == 0


def test_the_password_is_never_in_answers_or_state(device: DinstarDevice) -> None:
    challenge = challenge_of(device)
    assert PASSWORD not in challenge
    assert PASSWORD not in str(device.state())
    assert PASSWORD not in repr(device.config)


def test_outcomes_of_the_checker_directly() -> None:
    auth = DigestAuth("u", "p", max_failures=2, lockout_seconds=10)
    assert auth.check("GET", "/x", None, 0.0).verdict is Verdict.CHALLENGE
    assert auth.check("GET", "/x", "Basic dTp4", 0.0).verdict is Verdict.FAILED
    assert auth.check("GET", "/x", "Basic dTp4", 0.0).verdict is Verdict.LOCKED
    assert auth.check("GET", "/x", "Basic dTpw", 5.0).verdict is Verdict.LOCKED
    assert auth.check("GET", "/x", "Basic dTpw", 10.0).verdict is Verdict.OK


def test_httpx_digest_auth_works_against_the_device(device: DinstarDevice) -> None:
    """httpx.DigestAuth, driven through an in-memory transport onto the device."""
    from smsgw.emulator.messages import Request, parse_query

    def handler(request: httpx.Request) -> httpx.Response:
        answer = device.handle(
            Request(
                request.method,
                request.url.path,
                parse_query(request.url.query.decode()),
                request.content,
                {k.lower(): v for k, v in request.headers.items()},
            )
        )
        return httpx.Response(
            answer.status, content=answer.body, headers=dict(getattr(answer, "headers", ()))
        )

    transport = httpx.MockTransport(handler)
    for algorithm in ("MD5", "SHA-256"):
        device.auth.algorithm = algorithm
        with httpx.Client(transport=transport, auth=httpx.DigestAuth(USER, PASSWORD), timeout=5) as client:
            answer = client.get("http://gw/api/get_port_info", params={"info_type": "imei", "port": "0,1"})
            assert answer.status_code == 200
            assert [i["port"] for i in answer.json()["info"]] == [0, 1]
    assert device.auth.failed_logins == 0


def test_the_get_cdr_auth_defect_answers_only_get_cdr_without_credentials(
    make_device: Callable[..., DinstarDevice],
) -> None:
    assert call(make_device(), "POST", "/api/get_cdr", body={}, headers={}).status == 401
    device = make_device(switches=("defect.dinstar-auth-ignored-on-get-cdr",))
    for headers in ({}, {"authorization": "Basic d3Jvbmc6d3Jvbmc="}):
        answer = call(device, "POST", "/api/get_cdr", body={}, headers=headers)
        assert answer.status == 200
        assert answer.payload()["error_code"] == 200
    assert call(device, "GET", "/api/query_sms_in_queue", headers={}).status == 401
