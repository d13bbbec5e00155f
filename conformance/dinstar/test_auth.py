"""Authentication of the Dinstar UC API (dinstar-uc-1.2 §2.4, §14.3, §19.4, §27.6): every request
is authenticated by HTTP digest (``curl --anyauth -u admin:admin``), a request without credentials
gets a 401 challenge, wrong credentials are refused, and the handshake's challenge is not a failed
login."""

from __future__ import annotations

from typing import Any

import pytest

from dinstar.dinstar_support import describe, error_code
from smsgw.client.dinstar import AuthScheme, DinstarClient

#: Unauthenticated requests in a row: more than a lockout threshold of 5 failed logins.
CHALLENGES = 6


def _client(conformance: Any, dinstar: Any, auth: AuthScheme, password: str | None = None) -> DinstarClient:
    client = DinstarClient(
        conformance.target,
        conformance.username,
        conformance.password.reveal() if password is None else password,
        auth=auth,
        timeout=conformance.timeout,
    )
    client.listeners += dinstar.listeners  # its exchanges become evidence of the check too
    return client


def _challenge(resp: Any) -> str:
    return resp.headers.get("www-authenticate", "")


@pytest.mark.requirement("DS-AUTH-UNAUTHENTICATED-401", "DS-AUTH-DIGEST")
def test_requests_without_credentials_get_a_digest_challenge(check, dinstar, conformance):
    """§2.4/§27.6: the examples pass ``--anyauth -u admin:admin``, which only works when the gateway
    answers an unauthenticated request with a 401 challenge; digest with the web account succeeds.

    Sends several requests without credentials (what every ``--anyauth`` client does first): each
    must be a 401 with a Digest challenge - never a lockout, the challenge is not a failed login -
    and the digest-authenticated request after them must still succeed."""
    with _client(conformance, dinstar, "none") as anonymous:
        answers = [anonymous.query_sms_in_queue() for _ in range(CHALLENGES)]
    for i, resp in enumerate(answers, 1):
        ok = resp.status == 401 and _challenge(resp).lower().startswith("digest")
        if not check.expect(
            ok,
            f"unauthenticated request {i}: {describe(resp)}, WWW-Authenticate {_challenge(resp)!r}",
            requirement="DS-AUTH-UNAUTHENTICATED-401",
        ):
            break
    resp = dinstar.query_sms_in_queue()
    check.expect(
        resp.status == 200 and error_code(resp) == 200,
        f"digest-authenticated query_sms_in_queue after {CHALLENGES} challenges: {describe(resp)}",
        requirement="DS-AUTH-DIGEST",
    )
    check.expect(
        any("digest" in _challenge(r).lower() for r in answers),
        "no Digest challenge offered",
        requirement="DS-AUTH-DIGEST",
    )


@pytest.mark.requirement("DS-AUTH-WRONG-PASSWORD-401")
def test_wrong_password_is_refused(check, dinstar, conformance):
    """§2.4 Note 1: "Use the real username and password of your own gateway": other credentials are
    not accepted. One digest request with a wrong password (a single failed login) must get 401."""
    with _client(conformance, dinstar, "digest", "smsgw-not-the-password") as wrong:
        resp = wrong.query_sms_in_queue()
    check.expect(resp.status == 401, f"wrong password answered {describe(resp)}")
    check.expect(
        not (isinstance(resp.data, dict) and "in_queue" in resp.data),
        f"wrong password got the queue: {describe(resp)}",
    )
    # a successful login ends the failure streak
    dinstar.query_sms_in_queue()


@pytest.mark.requirement("DS-AUTH-BASIC")
def test_basic_authentication_is_accepted(check, dinstar, conformance):
    """§27.6: ``--anyauth`` / ``CURLAUTH_ANY`` lets the client use whichever scheme the gateway offers,
    basic included (MAY). A basic-authenticated request must either succeed or be challenged (401);
    where basic is accepted, a wrong basic password is not."""
    with _client(conformance, dinstar, "basic") as basic:
        resp = basic.query_sms_in_queue()
    if resp.status == 401:
        check.info("basic authentication not offered (digest only)")
        return
    check.expect(resp.status == 200 and error_code(resp) == 200, f"basic authentication: {describe(resp)}")
    with _client(conformance, dinstar, "basic", "smsgw-not-the-password") as wrong:
        refused = wrong.query_sms_in_queue()
    check.expect(refused.status == 401, f"basic authentication with a wrong password: {describe(refused)}")
    dinstar.query_sms_in_queue()  # a successful login ends the failure streak


@pytest.mark.requirement("DS-AUTH-STK-PATHS")
def test_stk_paths_require_authentication(check, dinstar, conformance):
    """§14.3: ``curl -k --anyauth -u admin:admin -d '{"port":7,"item":1}' http://gateway_ip/STKGo``:
    the STK paths (outside /api/) are authenticated like /api."""
    with _client(conformance, dinstar, "none") as anonymous:
        view = anonymous.get_stk_view(0)
        frame = anonymous.get_stk_frame(0)
    check.expect(view.status == 401, f"GetSTKView without credentials: {describe(view)}")
    check.expect(frame.status == 401, f"GetSTKCurrFrameIndex without credentials: {describe(frame)}")
    resp = dinstar.get_stk_frame(0)
    check.expect(resp.status == 200, f"GetSTKCurrFrameIndex with digest: {describe(resp)}")


@pytest.mark.requirement("DS-AUTH-CONFIG-AUTHENTICATED")
def test_configuration_requires_authentication(check, dinstar, conformance):
    """§19.4/§20.4 omit ``--anyauth -u`` from their curl commands (E-DS-CONFIG-EXAMPLES-NO-AUTH), yet
    nothing exempts the configuration endpoints: get_config without credentials must get 401."""
    with _client(conformance, dinstar, "none") as anonymous:
        resp = anonymous.get_config(sip_proxy=[])
    check.expect(resp.status == 401, f"get_config without credentials: {describe(resp)}")
    check.expect(
        not (isinstance(resp.data, dict) and "sip_proxy" in resp.data),
        f"get_config without credentials disclosed the configuration: {describe(resp)}",
    )
