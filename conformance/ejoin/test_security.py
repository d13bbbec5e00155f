"""Interface security: secure sessions at ``crypt_sess.json`` (gateway-2.4 §3).

The client side is :mod:`smsgw.ejoin_security` (the §3.3 formulas and the ciphers). Session ids,
``auth`` values and ``cnonce`` are secrets of the session: the requests of these checks go through
a client whose exchanges are *not* recorded as evidence; each check attaches its own summary with
those values replaced by ``***``. Nothing here changes the device's configuration; the one POST
(a task without ``to``) cannot send anything.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from ejoin_support import poll_interval

from smsgw.client import EjoinClient
from smsgw.ejoin_security import (
    CRYPT_SESS_RESOURCE,
    DEFAULT_EXPIRES,
    ClientSession,
    establish_params,
    get_cipher,
    request_auth,
    session_auth,
)

STATUS = "/goip_get_status.html"
POST_SMS = "/goip_post_sms.html"
#: ciphers the suite can speak, in order of preference (the document does not name them)
CIPHERS = ("aes-128-cbc", "aes-128-ecb")
#: life cycles (device seconds) of the expiry check: set up short, reset long, then reset short again
SHORT_EXPIRES = 6
LONG_EXPIRES = 60
LAST_EXPIRES = 4
_SECRET_PARAMS = frozenset({"auth", "cnonce", "session", "password"})


class Secure:
    """Requests of secure sessions, recorded for the check without their secrets."""

    def __init__(self, check: Any, conformance: Any, client: EjoinClient) -> None:
        self.check = check
        self.username, self._secret = conformance.username, conformance.password
        self.client = client
        self._session_ids: set[str] = set()

    @property
    def password(self) -> str:
        return str(self._secret.reveal())

    def _log(self, method: str, resource: str, params: dict[str, str], resp: Any) -> None:
        shown = "&".join(f"{k}={'***' if k in _SECRET_PARAMS else v}" for k, v in params.items())
        text = resp.text[:600]
        for sid in self._session_ids:
            text = text.replace(sid, "***")
        self.check.attach(
            f"{method} {resource}", f"{method} {resource}?{shown}\n-> HTTP {resp.status}\n{text}"
        )

    def set_up(self, params: dict[str, str]) -> Any:
        """GET /crypt_sess.json with exactly ``params``."""
        resp = self.client.request("GET", CRYPT_SESS_RESOURCE, params=params)
        data = resp.data if isinstance(resp.data, dict) else {}
        sid = data.get("session", data.get("Session"))
        if isinstance(sid, str) and sid:
            self._session_ids.add(sid)
        self._log("GET", CRYPT_SESS_RESOURCE, params, resp)
        return resp

    def open(
        self, *, expires: int | None = None, crypt: str | None = None
    ) -> tuple[Any, ClientSession | None]:
        params = establish_params(self.username, self.password, expires=expires, crypt=crypt)
        resp = self.set_up(params)
        try:
            return resp, ClientSession.from_reply(self.username, self.password, params, resp.data or {})
        except (ValueError, AttributeError):
            return resp, None

    def call(self, resource: str, query: dict[str, str], body: bytes | None = None, **extra: str) -> Any:
        params = {**query, **extra}
        method = "GET" if body is None else "POST"
        resp = self.client.request(method, resource, params=params, content=body)
        self._log(method, resource, params, resp)
        return resp

    def status(self, session: ClientSession, *, expires: int | None = None) -> Any:
        """The session's next goip_get_status (read-only)."""
        query, _ = session.next_request(STATUS, expires=expires)
        return self.call(STATUS, query)


@pytest.fixture(scope="module")
def secure_client(conformance: Any) -> Iterator[EjoinClient]:
    """A client whose exchanges are not recorded (the checks attach redacted summaries)."""
    password = conformance.password.reveal()
    with EjoinClient(
        conformance.target, conformance.username, password, timeout=conformance.timeout
    ) as client:
        yield client


@pytest.fixture
def secure(check: Any, conformance: Any, secure_client: EjoinClient) -> Secure:
    return Secure(check, conformance, secure_client)


def _served(resp: Any) -> bool:
    """goip_get_status answered its dev-status (the request was accepted)."""
    data = resp.data
    return resp.status < 400 and isinstance(data, dict) and isinstance(data.get("status"), list)


def _opened(check: Any, resp: Any, session: ClientSession | None) -> ClientSession:
    if session is None:
        check.fail(f"no secure session could be set up: HTTP {resp.status}, code {_code(resp)!r}")
        pytest.fail("no secure session")
    return session


def _code(resp: Any) -> Any:
    return resp.data.get("code") if isinstance(resp.data, dict) else None


@pytest.mark.requirement(
    "EJ-SEC-SESSION-URL",
    "EJ-SEC-RESPONSE-JSON",
    "EJ-SEC-RESPONSE-CODE",
    "EJ-SEC-RESPONSE-SESSION",
    "EJ-SEC-RESPONSE-EXPIRES",
    "EJ-SEC-SESSION-EXPIRES-DEFAULT-180",
    "EJ-SEC-INITIAL-AUTH-FORMULA",
)
def test_secure_session_is_set_up_at_crypt_sess_json(check, secure):
    """gateway-2.4 §3.1: "client interacts with the device through the special URL
    http://host:port/crypt_sess.json"; §3.3: "Auth ... = MD5(username + password + cnonce +
    url-resource)"; §3.2.2: "code Int ... 0 indicates Success"; "Session String Device session ID";
    "expires Int Timeout value, default 180s"."""
    resp = secure.set_up(establish_params(secure.username, secure.password))
    data = resp.data
    check.expect(
        isinstance(data, dict),
        f"the reply is not a JSON object: {resp.json_error}",
        requirement="EJ-SEC-RESPONSE-JSON",
    )
    data = data if isinstance(data, dict) else {}
    check.schema("ejoin/crypt_sess.response", data, requirement="EJ-SEC-RESPONSE-CODE")
    check.expect(
        type(data.get("code")) is int,
        f"code is {data.get('code')!r}, not an int",
        requirement="EJ-SEC-RESPONSE-CODE",
    )
    check.expect(
        resp.status == 200 and data.get("code") == 0,
        f"crypt_sess.json answered HTTP {resp.status} code {data.get('code')!r}",
        requirement="EJ-SEC-SESSION-URL",
    )
    check.expect(
        data.get("code") == 0,
        f"a set-up with auth = MD5(username + password + cnonce + /crypt_sess.json) was refused: "
        f"code {data.get('code')!r} desc {str(data.get('desc'))[:100]!r}",
        requirement="EJ-SEC-INITIAL-AUTH-FORMULA",
    )
    check.schema("ejoin/crypt_sess.response", data, requirement="EJ-SEC-RESPONSE-SESSION")
    sid = data.get("session", data.get("Session"))
    check.expect(
        isinstance(sid, str) and bool(sid),
        "the successful reply names no session id",
        requirement="EJ-SEC-RESPONSE-SESSION",
    )
    expires = data.get("expires")
    check.expect(
        "expires" not in data or type(expires) is int,
        f"expires is {expires!r}, not an int",
        requirement="EJ-SEC-RESPONSE-EXPIRES",
    )
    check.expect(
        "expires" not in data or expires == DEFAULT_EXPIRES,
        f"a session set up without expires lives {expires!r} s, not {DEFAULT_EXPIRES}",
        requirement="EJ-SEC-SESSION-EXPIRES-DEFAULT-180",
    )


@pytest.mark.requirement("EJ-SEC-SESSION-WRONG-AUTH-REFUSED", "EJ-SEC-RESPONSE-DESC")
def test_session_set_up_with_a_wrong_auth_is_refused(check, secure):
    """gateway-2.4 §3.2.2: "after authenticating and setting the client, the device replies; code 0
    indicates success and non-0 indicates failure"; "desc ... when code is not 0, the failure cause
    is described"."""
    cnonce = secrets.token_hex(8)
    wrong = session_auth(secure.username, secure.password + "-not", cnonce)
    resp = secure.set_up({"username": secure.username, "cnonce": cnonce, "auth": wrong})
    data = resp.data if isinstance(resp.data, dict) else {}
    check.expect(
        data.get("code") != 0 and not data.get("session", data.get("Session")),
        f"a set-up whose auth was computed with a wrong password was accepted: code {data.get('code')!r}",
        requirement="EJ-SEC-SESSION-WRONG-AUTH-REFUSED",
    )
    check.schema("ejoin/crypt_sess.response", data, requirement="EJ-SEC-RESPONSE-DESC")
    desc = data.get("desc")
    check.expect(
        isinstance(desc, str) and bool(desc.strip()),
        f"the refusal carries no failure cause in desc: {desc!r}",
        requirement="EJ-SEC-RESPONSE-DESC",
    )


@pytest.mark.requirement("EJ-SEC-SESSION-PARAMS-REQUIRED")
@pytest.mark.parametrize("missing", ["username", "cnonce", "auth"])
def test_session_set_up_without_a_required_parameter_is_refused(check, secure, missing):
    """gateway-2.4 §3.2.1: "username: Device account, Required Y; cnonce: Initial random string
    provided by the client, Required Y; auth: Customer session ID, Required Y"."""
    cnonce = "" if missing == "cnonce" else secrets.token_hex(8)
    params = {
        "username": secure.username,
        "cnonce": cnonce,
        "auth": session_auth(secure.username, secure.password, cnonce),
    }
    del params[missing]
    resp = secure.set_up(params)
    check.expect(
        _code(resp) != 0,
        f"crypt_sess.json without {missing} set up a session (code {_code(resp)!r})",
    )


@pytest.mark.requirement(
    "EJ-SEC-SUBSEQUENT-NO-PASSWORD",
    "EJ-SEC-SUBSEQUENT-AUTH-FORMULA",
    "EJ-SEC-URL-RESOURCE-DEFINITION",
    "EJ-SEC-SUBSEQUENT-WRONG-AUTH-REFUSED",
    "EJ-SEC-SEQ-MUST-INCREASE",
    "EJ-SEC-UNKNOWN-SESSION-REFUSED",
)
def test_session_requests_are_authenticated_by_session_seq_and_auth(check, secure):
    """gateway-2.4 §3.2.3: "the username and password are not required for the URL of the subsequent
    request, but seq, auth and session are required"; "if the seq of the previous request is 10,
    then the seq of the next request must be greater than 10"; §3.3: "Auth ... = MD5(username +
    password + session + seq + url-resource)", url-resource "excluding http://host:port and
    parameters"."""
    resp, session = secure.open()
    session = _opened(check, resp, session)
    # seq 1, with a URL parameter: url-resource is the path alone
    query, _ = session.next_request(STATUS)
    first = secure.call(STATUS, query, all_sims="0")
    check.expect(
        _served(first),
        f"a session request without username/password (seq 1) was not served: HTTP {first.status}",
        requirement="EJ-SEC-SUBSEQUENT-NO-PASSWORD",
    )
    check.expect(
        _served(first),
        "auth = MD5(username + password + session + seq + /goip_get_status.html) was refused",
        requirement="EJ-SEC-SUBSEQUENT-AUTH-FORMULA",
    )
    check.expect(
        _served(first),
        "the auth of a request with URL parameters, computed over the path alone, was refused",
        requirement="EJ-SEC-URL-RESOURCE-DEFINITION",
    )
    # seq 2 with the auth of another resource: forged
    session.seq += 1
    forged = {
        "session": session.session,
        "seq": str(session.seq),
        "auth": request_auth(session.username, session.password, session.session, session.seq, POST_SMS),
    }
    resp = secure.call(STATUS, forged)
    check.expect(
        not _served(resp),
        "a request whose auth does not match its url-resource was served",
        requirement="EJ-SEC-SUBSEQUENT-WRONG-AUTH-REFUSED",
    )
    # seq 3, correct: served; then seq 3 again and seq 2: refused
    third = secure.status(session)
    check.expect(
        _served(third),
        "a correct request (seq 3) after a refused one was not served",
        requirement="EJ-SEC-SUBSEQUENT-AUTH-FORMULA",
    )
    for replayed in (session.seq, session.seq - 1):
        query = {
            "session": session.session,
            "seq": str(replayed),
            "auth": request_auth(session.username, session.password, session.session, replayed, STATUS),
        }
        resp = secure.call(STATUS, query)
        check.expect(
            not _served(resp),
            f"seq {replayed} after seq {session.seq} was served",
            requirement="EJ-SEC-SEQ-MUST-INCREASE",
        )
    unknown = ClientSession(
        session.username, session.password, session.client_auth, secrets.token_hex(16), seq=session.seq
    )
    resp = secure.status(unknown)
    check.expect(
        not _served(resp),
        "a request naming a session the device never set up was served",
        requirement="EJ-SEC-UNKNOWN-SESSION-REFUSED",
    )


@pytest.mark.requirement("EJ-SEC-SESSION-EXPIRES-AFTER-LIFETIME", "EJ-SEC-EXPIRES-RESETS-LIFETIME")
def test_session_expires_unless_its_life_cycle_is_reset(check, secure, timers):
    """gateway-2.4 §3.2.1: "expires: Timeout value ...: life cycle of a secure session"; §3.2.3:
    "expires ... Reset the life cycle of a secure session".

    A session of ``SHORT_EXPIRES`` s is reset at once to ``LONG_EXPIRES`` s: 1.3 short life cycles
    after its set-up it must still serve. Then it is reset to ``LAST_EXPIRES`` s: 1.5 of those later
    it must not. Late requests (a loaded host) only make both checks stricter for the device.
    """
    resp, session = secure.open(expires=SHORT_EXPIRES)
    start = time.monotonic()
    session = _opened(check, resp, session)
    resp = secure.status(session, expires=LONG_EXPIRES)
    check.expect(
        _served(resp),
        "a request right after the set-up was refused",
        requirement="EJ-SEC-EXPIRES-RESETS-LIFETIME",
    )
    _sleep_until(start + 1.3 * SHORT_EXPIRES * timers.scale)
    resp = secure.status(session, expires=LAST_EXPIRES)
    check.expect(
        _served(resp),
        f"the session died {SHORT_EXPIRES} s after its set-up although a request reset its life cycle to "
        f"{LONG_EXPIRES} s",
        requirement="EJ-SEC-EXPIRES-RESETS-LIFETIME",
    )
    _sleep_until(time.monotonic() + 1.5 * LAST_EXPIRES * timers.scale + 2 * poll_interval(timers))
    resp = secure.status(session)
    check.expect(
        not _served(resp),
        f"the session still serves 1.5 x {LAST_EXPIRES} s after its life cycle was reset to {LAST_EXPIRES} s",
        requirement="EJ-SEC-SESSION-EXPIRES-AFTER-LIFETIME",
    )


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


@pytest.mark.requirement(
    "EJ-SEC-CIPHERTEXT-POST-DECRYPTED",
    "EJ-SEC-ENCRYPT-KEY-FORMULA",
    "EJ-SEC-REPLY-PLAINTEXT",
    "EJ-SEC-SESSION-CRYPT-OPTIONAL",
)
def test_ciphertext_post_is_decrypted_and_answered_in_plaintext(check, secure, new_tid):
    """gateway-2.4 §3.1: "After receiving the ciphertext POST, the device uses the negotiated
    encryption method to decrypt the POST, processes the data, and replies to the client in
    plaintext"; §3.3: "Encrypt KEY = MD5(username + password + auth + session + seq)".

    The body is a send-sms task without ``to``: a device that decrypted it answers the task's tid
    with a task status (nothing can be sent).
    """
    session = None
    for crypt in CIPHERS:
        resp, session = secure.open(crypt=crypt)
        if session is not None:
            break
    if session is None:
        check.unimplemented(f"the device sets up no session with any of the ciphers {', '.join(CIPHERS)}")
        return
    assert get_cipher(session.crypt) is not None
    tid = new_tid()
    body = {"type": "send-sms", "task_num": 1, "tasks": [{"tid": tid, "sms": "smsgw-suite cipher check"}]}
    import json

    query, sealed = session.next_request(POST_SMS, json.dumps(body).encode("utf-8"))
    resp = secure.call(POST_SMS, query, sealed, version="1.1")
    data = resp.data
    check.expect(
        isinstance(data, dict),
        f"the reply to a ciphertext POST is not plaintext JSON: {resp.json_error}",
        requirement="EJ-SEC-REPLY-PLAINTEXT",
    )
    statuses = data.get("status") if isinstance(data, dict) else None
    tids = [s.get("tid") for s in statuses or [] if isinstance(s, dict)]
    decrypted = tids == [tid]
    message = (
        f"the {session.crypt} body, encrypted with KEY = MD5(username + password + auth + session + seq), "
        f"was not read: HTTP {resp.status}, task statuses for tids {tids!r}"
    )
    check.expect(decrypted, message, requirement="EJ-SEC-CIPHERTEXT-POST-DECRYPTED")
    check.expect(decrypted, message, requirement="EJ-SEC-ENCRYPT-KEY-FORMULA")
    check.expect(decrypted, message, requirement="EJ-SEC-SESSION-CRYPT-OPTIONAL")
