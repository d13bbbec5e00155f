"""The device side of interface security (``crypt_sess.json``): gateway-2.4 §3.

:class:`SecurityManager` answers the session set-up (``handle_crypt_sess``: §3.2.1 parameters,
§3.2.2 reply) and checks every later request of a session (:meth:`SecurityManager.verify`, §3.2.3:
``seq``/``auth``/``session``/``expires`` instead of credentials), decrypting its body. The formulas
and ciphers are those of :mod:`smsgw.ejoin_security` (read there how the unspecified cipher is read).

Rules read from §3.2.3: ``seq`` must be greater than the last accepted ``seq`` of the session
("if the seq of the previous request is 10, then the seq of the next request must be greater than
10"), so a replayed or stale ``seq`` is refused; a session lives ``expires`` seconds (default 180)
from its set-up, and an ``expires`` parameter on a subsequent request resets that life cycle from the
time of that request. A request without ``expires`` does not extend the session. Only an accepted
request moves the sequence number: a forged or undecryptable one changes nothing.

What the document leaves open, and how it is read here:

* **Error answers.** §3.2.2 only says ``code`` 0 is success and ``desc`` describes a failure. The
  codes are :class:`SecurityCode`; the HTTP status is 200 on success, 400 for a malformed request,
  401 for a refused credential, session or sequence number, 503 when too many sessions are open. A
  refusal never says which part of a credential was wrong, and no answer carries a password, key or
  ``auth`` value. A failed set-up answers ``{code, desc}`` only (there is no session to name).
* **Reply keys.** The §3.2.2 table spells ``Session`` with a capital; the prose (§3.2.3, "the device
  returns the session id") and every other key are lowercase, so the reply uses ``session``
  (``Session`` is tolerated by the schema, E-EJ-CRYPT-SESSION-CASE).
* ``expires`` is accepted from 1 to :data:`MAX_EXPIRES` seconds (the document sets no bound).
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import partial
from typing import Any

from smsgw.ejoin_security import (
    CRYPT_SESS_RESOURCE,
    DEFAULT_EXPIRES,
    CipherError,
    encrypt_key,
    get_cipher,
    md5_hex,
    request_auth,
    session_auth,
)
from smsgw.emulator.faults import Switches, defect

__all__ = ["MAX_EXPIRES", "Rejected", "SecurityCode", "SecurityManager", "Verified", "sealed"]

D_CRYPT_AUTH_UNCHECKED = defect(
    "defect.crypt-sess-auth-unchecked", "crypt_sess sets up a session for any auth"
)
D_CRYPT_CNONCE_OPTIONAL = defect(
    "defect.crypt-sess-cnonce-optional", "crypt_sess without cnonce is accepted (an empty cnonce is assumed)"
)
D_CRYPT_RESOURCE_NO_SLASH = defect(
    "defect.crypt-sess-resource-no-slash", "the set-up auth is computed over crypt_sess.json without the /"
)
D_CRYPT_EXPIRES_300 = defect(
    "defect.crypt-sess-expires-300", "a session set up without expires lives 300 s (and says so)"
)
D_CRYPT_EXPIRES_STRING = defect(
    "defect.crypt-sess-expires-string", 'crypt_sess answers expires as a string ("180")'
)
D_CRYPT_CODE_STRING = defect("defect.crypt-sess-code-string", 'crypt_sess answers code as a string ("0")')
D_CRYPT_NO_DESC = defect("defect.crypt-sess-desc-missing", "crypt_sess answers lack the desc field")
D_CRYPT_NO_SESSION = defect(
    "defect.crypt-sess-session-missing", "a successful crypt_sess answer names no session id"
)
D_SESSION_AUTH_UNCHECKED = defect(
    "defect.session-auth-unchecked", "a session request is accepted whatever its auth"
)
D_SESSION_AUTH_NO_SEQ = defect(
    "defect.session-auth-no-seq", "the per-request auth is computed without seq: MD5(user+pwd+session+res)"
)
D_SESSION_SEQ_REPLAY = defect("defect.session-seq-replay", "a session request may repeat an earlier seq")
D_SESSION_UNKNOWN_OK = defect(
    "defect.session-unknown-accepted", "a request naming an unknown session is served (its auth unchecked)"
)
D_SESSION_NEVER_EXPIRES = defect("defect.session-never-expires", "secure sessions never expire")
D_SESSION_EXPIRES_RESET_IGNORED = defect(
    "defect.session-expires-reset-ignored", "expires on a session request does not reset the life cycle"
)
D_SESSION_KEY_HEX = defect(
    "defect.session-key-hex", "bodies are decrypted with the first 16 hex characters of KEY, not its digest"
)

#: Upper bound this emulator accepts for ``expires`` (the document sets none): one day.
MAX_EXPIRES = 86_400


# -- device side -----------------------------------------------------------------------------------
class SecurityCode(IntEnum):
    """``code`` of the answers (§3.2.2: 0 success, non-0 failure; the values are this emulator's)."""

    OK = 0
    MISSING_PARAMETER = 1
    BAD_PARAMETER = 2
    AUTH_FAILED = 3
    UNSUPPORTED_CRYPT = 4
    UNKNOWN_SESSION = 5
    SESSION_EXPIRED = 6
    STALE_SEQ = 7
    DECRYPT_FAILED = 8
    TOO_MANY_SESSIONS = 9


_HTTP_STATUS = {
    SecurityCode.OK: 200,
    SecurityCode.MISSING_PARAMETER: 400,
    SecurityCode.BAD_PARAMETER: 400,
    SecurityCode.UNSUPPORTED_CRYPT: 400,
    SecurityCode.DECRYPT_FAILED: 400,
    SecurityCode.TOO_MANY_SESSIONS: 503,
}


@dataclass(frozen=True)
class Verified:
    """A subsequent request that passed §3.2.3: who sent it and its decrypted body."""

    username: str
    session: str
    seq: int
    body: bytes | None


@dataclass(frozen=True)
class Rejected:
    """A refused request: the HTTP status and the JSON answer to send back."""

    status: int
    answer: dict[str, Any]

    @property
    def code(self) -> int:
        return int(self.answer["code"])


@dataclass
class _Session:
    username: str
    client_auth: str
    crypt: str
    expires: int
    deadline: float
    last_seq: int | None = None


def _reject(code: SecurityCode, desc: str, *, reason_key: str = "desc") -> Rejected:
    return Rejected(_HTTP_STATUS.get(code, 401), {"code": int(code), reason_key: desc})


def _parse_expires(raw: str | None) -> int | None:
    """``expires`` as seconds, or None when absent; raises ValueError when malformed."""
    if raw is None or raw == "":
        return None
    value = int(raw.strip())
    if not 1 <= value <= MAX_EXPIRES:
        raise ValueError(raw)
    return value


def _parse_seq(raw: str) -> int:
    value = int(raw.strip())
    if value < 0:
        raise ValueError(raw)
    return value


class SecurityManager:
    """The device's secure sessions (§3): set-up, per-request verification, expiry.

    ``accounts`` maps device usernames to passwords. ``now`` is emulated seconds. Sessions are kept
    in memory, at most ``max_sessions`` live at a time.
    """

    def __init__(
        self,
        accounts: Mapping[str, str],
        *,
        default_expires: int = DEFAULT_EXPIRES,
        max_sessions: int = 64,
        session_id_factory: Callable[[], str] = lambda: secrets.token_hex(16),
        switches: Switches | None = None,
    ) -> None:
        self.switches = switches if switches is not None else Switches()
        self._accounts = dict(accounts)
        self.default_expires = default_expires
        self.max_sessions = max_sessions
        self._new_session_id = session_id_factory
        self._sessions: dict[str, _Session] = {}

    def __repr__(self) -> str:  # never show accounts
        return f"SecurityManager(users={len(self._accounts)}, sessions={len(self._sessions)})"

    @property
    def session_count(self) -> int:
        return len(self._sessions)

    def handle_crypt_sess(
        self, query: Mapping[str, str], body: bytes | None, now: float
    ) -> tuple[int, dict[str, Any]]:
        """§3.2: establish a secure session; answers ``{code, desc, session, expires}``.

        A failure answers ``{code, desc}`` only: there is no session to name.
        """
        rejected = self._check_set_up(query)
        if isinstance(rejected, Rejected):
            if self.switches.on(D_CRYPT_NO_DESC):
                return rejected.status, {"code": rejected.code}
            return rejected.status, rejected.answer
        username, client_auth, crypt, expires = rejected
        self.advance(now)
        if len(self._sessions) >= self.max_sessions:
            answer = _reject(SecurityCode.TOO_MANY_SESSIONS, "too many secure sessions")
            return answer.status, answer.answer
        session_id = self._new_session_id()
        while session_id in self._sessions:
            session_id = self._new_session_id()
        self._sessions[session_id] = _Session(username, client_auth, crypt, expires, now + expires)
        reply: dict[str, Any] = {"code": int(SecurityCode.OK), "desc": "OK", "session": session_id}
        reply["expires"] = str(expires) if self.switches.on(D_CRYPT_EXPIRES_STRING) else expires
        if self.switches.on(D_CRYPT_CODE_STRING):
            reply["code"] = "0"
        if self.switches.on(D_CRYPT_NO_SESSION):
            del reply["session"]
        return 200, reply

    def _check_set_up(self, query: Mapping[str, str]) -> Rejected | tuple[str, str, str, int]:
        required = (
            ("username", "auth")
            if self.switches.on(D_CRYPT_CNONCE_OPTIONAL)
            else ("username", "cnonce", "auth")
        )
        missing = [k for k in required if not query.get(k)]
        if missing:
            return _reject(SecurityCode.MISSING_PARAMETER, f"missing parameter: {', '.join(missing)}")
        try:
            expires = _parse_expires(query.get("expires"))
        except ValueError:
            return _reject(SecurityCode.BAD_PARAMETER, f"expires must be an integer 1..{MAX_EXPIRES}")
        crypt = query.get("crypt") or "none"
        if get_cipher(crypt) is None:
            return _reject(SecurityCode.UNSUPPORTED_CRYPT, "unsupported crypt method")
        username = query["username"]
        password = self._accounts.get(username)
        resource = CRYPT_SESS_RESOURCE.lstrip("/") if self.switches.on(D_CRYPT_RESOURCE_NO_SLASH) else None
        expected = session_auth(
            username, password or "", query.get("cnonce", ""), resource or CRYPT_SESS_RESOURCE
        )
        unchecked = self.switches.on(D_CRYPT_AUTH_UNCHECKED)
        if (not _same_digest(query["auth"], expected) and not unchecked) or password is None:
            return _reject(SecurityCode.AUTH_FAILED, "authentication failed")
        default = 300 if self.switches.on(D_CRYPT_EXPIRES_300) else self.default_expires
        return username, expected, crypt, expires if expires is not None else default

    def verify(
        self,
        resource: str,
        query: Mapping[str, str],
        body: bytes | None,
        now: float,
        *,
        reason_key: str = "reason",
    ) -> Verified | Rejected:
        """§3.2.3: check ``session``/``seq``/``auth`` (+ ``expires``) and decrypt ``body``.

        ``resource`` is the url-resource (the path). Only an accepted request moves the session's
        sequence number and, with ``expires``, its deadline. Rejections answer
        ``{"code": N, <reason_key>: text}``; the common interfaces use ``reason``.
        """
        fail = partial(_reject, reason_key=reason_key)
        missing = [k for k in ("session", "seq", "auth") if not query.get(k)]
        if missing:
            return fail(SecurityCode.MISSING_PARAMETER, f"missing parameter: {', '.join(missing)}")
        try:
            seq = _parse_seq(query["seq"])
            expires = _parse_expires(query.get("expires"))
        except ValueError:
            return fail(SecurityCode.BAD_PARAMETER, "seq or expires is not valid")
        session_id = query["session"]
        state = self._sessions.get(session_id)
        if state is None:
            if self.switches.on(D_SESSION_UNKNOWN_OK):
                return Verified("", session_id, seq, body)
            return fail(SecurityCode.UNKNOWN_SESSION, "unknown session")
        if now >= state.deadline and not self.switches.on(D_SESSION_NEVER_EXPIRES):
            del self._sessions[session_id]
            return fail(SecurityCode.SESSION_EXPIRED, "session expired")
        password = self._accounts.get(state.username, "")
        expected = request_auth(state.username, password, session_id, seq, resource)
        if self.switches.on(D_SESSION_AUTH_NO_SEQ):
            expected = md5_hex(state.username, password, session_id, resource)
        if not _same_digest(query["auth"], expected) and not self.switches.on(D_SESSION_AUTH_UNCHECKED):
            return fail(SecurityCode.AUTH_FAILED, "authentication failed")
        replay = self.switches.on(D_SESSION_SEQ_REPLAY)
        if state.last_seq is not None and seq <= state.last_seq and not replay:
            return fail(SecurityCode.STALE_SEQ, "seq not greater than the last one")
        plaintext = body
        if body is not None and body != b"":
            cipher = get_cipher(state.crypt)
            if cipher is None:  # unregistered since set-up
                return fail(SecurityCode.UNSUPPORTED_CRYPT, "unsupported crypt method")
            key = encrypt_key(state.username, password, state.client_auth, session_id, seq)
            if self.switches.on(D_SESSION_KEY_HEX):
                key = key.hex()[:16].encode()
            try:
                plaintext = cipher.decrypt(key, body)
            except CipherError:
                return fail(SecurityCode.DECRYPT_FAILED, "body does not decrypt")
        state.last_seq = seq
        if expires is not None and not self.switches.on(D_SESSION_EXPIRES_RESET_IGNORED):
            state.expires = expires
            state.deadline = now + expires
        return Verified(state.username, session_id, seq, plaintext)

    def advance(self, now: float) -> int:
        """Forget sessions whose life cycle is over; returns how many were dropped."""
        if self.switches.on(D_SESSION_NEVER_EXPIRES):
            return 0
        dead = [sid for sid, s in self._sessions.items() if now >= s.deadline]
        for sid in dead:
            del self._sessions[sid]
        return len(dead)

    def close_session(self, session_id: str) -> bool:
        return self._sessions.pop(session_id, None) is not None


def sealed(body: bytes) -> bytes:
    """A reply body as a device with ``defect.session-reply-encrypted`` sends it: ciphertext-like."""
    return base64.b64encode(bytes(b ^ 0x5A for b in body))


def _same_digest(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())
