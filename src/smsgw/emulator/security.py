"""Interface security (``crypt_sess.json``): Ejoin HTTP API Development Spec 2.4.0, §3.

Both sides of the handshake live here, as pure code over plain values:

* the device side, :class:`SecurityManager`: ``handle_crypt_sess`` answers the session set-up
  (§3.2.1 parameters, §3.2.2 reply) and :meth:`SecurityManager.verify` checks a subsequent request
  (§3.2.3: ``seq``/``auth``/``session``/``expires`` instead of credentials) and decrypts its body;
* the client side, :func:`establish_params` and :class:`ClientSession`, which the conformance
  suite uses against a real device.

The formulas of §3.3 ("+" is string concatenation, ``seq`` in decimal, MD5 as lowercase hex)::

    auth (client-session-id) = MD5(username + password + cnonce + url-resource)     # step 1
    auth (per request)       = MD5(username + password + session + seq + url-resource)  # step 2
    KEY                      = MD5(username + password + auth + session + seq)    # step 3

``url-resource`` is the path of the URL without scheme, host, port and query
(``/goip_get_status.html``); for the set-up request it is ``/crypt_sess.json``. In step 3, ``auth``
is the client-session-id of step 1, so every request is encrypted with its own key (``seq``
changes).

Rules read from §3.2.3: ``seq`` must be greater than the last accepted ``seq`` of the session
("if the seq of the previous request is 10, then the seq of the next request must be greater than
10"), so a replayed or stale ``seq`` is refused; a session lives ``expires`` seconds (default 180)
from its set-up, and an ``expires`` parameter on a subsequent request resets that life cycle from the
time of that request. A request without ``expires`` does not extend the session.

What the document leaves open, and how this module reads it:

* **The cipher.** §3.2.1 names a ``crypt`` parameter whose list of values was lost from the text,
  and §3.3 gives only the KEY. KEY is an MD5, i.e. 16 bytes, which is exactly an AES-128 key, so the
  key is the 16-byte *digest* (not its 32-character hex form). The ciphers are a small registry
  (:func:`register_cipher`, :func:`get_cipher`) selected by ``crypt=<name>``; an unknown name is
  refused at set-up. Registered:

  - ``none``: plaintext (also what an absent ``crypt`` means: §3.2.1 gives no default);
  - ``aes-128-cbc``: AES-128-CBC, PKCS#7 padding, a random 16-byte IV prepended to the ciphertext,
    the whole base64-encoded (standard alphabet, padded). CBC with a fresh IV is the conservative
    choice: it hides repeated blocks inside one body, and base64 keeps the POST body text, as every
    other body of this API is text (JSON or ``a=b&c=d``);
  - ``aes-128-ecb``: AES-128-ECB, PKCS#7, base64: the mode often found in embedded firmware, for
    testing devices that use it. The per-request KEY limits ECB's leak to one body.

* **Error answers.** §3.2.2 only says ``code`` 0 is success and ``desc`` describes a failure. The
  codes are :class:`SecurityCode`; the HTTP status is 200 on success, 400 for a malformed request and
  401 for a refused credential, session or sequence number. A refusal never says which part of a
  credential was wrong, and no answer carries a password, key or ``auth`` value.
* **Reply keys.** The §3.2.2 table spells ``Session`` with a capital; the prose (§3.2.3, "the device
  returns the session id") and every other key are lowercase, so the reply uses ``session``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from functools import partial
from typing import Any, Protocol

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher as _AESCipher
from cryptography.hazmat.primitives.ciphers import algorithms, modes

__all__ = [
    "CRYPT_SESS_RESOURCE",
    "DEFAULT_EXPIRES",
    "MAX_EXPIRES",
    "Cipher",
    "CipherError",
    "ClientSession",
    "Rejected",
    "SecurityCode",
    "SecurityManager",
    "Verified",
    "cipher_names",
    "encrypt_key",
    "establish_params",
    "get_cipher",
    "md5_hex",
    "register_cipher",
    "request_auth",
    "session_auth",
]

#: The url-resource of the set-up request (§3.2).
CRYPT_SESS_RESOURCE = "/crypt_sess.json"
#: §3.2.1/§3.2.2: default life cycle of a secure session, seconds.
DEFAULT_EXPIRES = 180
#: Upper bound this emulator accepts for ``expires`` (the document sets none): one day.
MAX_EXPIRES = 86_400


# -- §3.3 formulas ---------------------------------------------------------------------------------
def md5_hex(*parts: str | int) -> str:
    """MD5 of the concatenation of ``parts`` (ints in decimal), lowercase hex, UTF-8."""
    return hashlib.md5("".join(str(p) for p in parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def session_auth(username: str, password: str, cnonce: str, resource: str = CRYPT_SESS_RESOURCE) -> str:
    """§3.3 step 1: the client-session-id, MD5(username + password + cnonce + url-resource)."""
    return md5_hex(username, password, cnonce, resource)


def request_auth(username: str, password: str, session: str, seq: int, resource: str) -> str:
    """§3.3 step 2: the per-request auth, MD5(username + password + session + seq + url-resource)."""
    return md5_hex(username, password, session, seq, resource)


def encrypt_key(username: str, password: str, auth: str, session: str, seq: int) -> bytes:
    """§3.3 step 3: KEY = MD5(username + password + auth + session + seq), as the 16-byte digest.

    ``auth`` is the client-session-id of step 1, not the per-request auth.
    """
    return bytes.fromhex(md5_hex(username, password, auth, session, seq))


# -- ciphers ---------------------------------------------------------------------------------------
class CipherError(ValueError):
    """A body that does not decrypt (bad encoding, padding or key). Carries no key material."""


class Cipher(Protocol):
    """A named body cipher: ``key`` is the 16-byte KEY of §3.3 step 3."""

    @property
    def name(self) -> str: ...

    def encrypt(self, key: bytes, plaintext: bytes) -> bytes: ...

    def decrypt(self, key: bytes, ciphertext: bytes) -> bytes: ...


@dataclass(frozen=True)
class _PlainCipher:
    name: str = "none"

    def encrypt(self, key: bytes, plaintext: bytes) -> bytes:
        return plaintext

    def decrypt(self, key: bytes, ciphertext: bytes) -> bytes:
        return ciphertext


_BLOCK = 16


@dataclass(frozen=True)
class _AES128Cipher:
    """AES-128 (CBC with a prepended random IV, or ECB), PKCS#7, base64 on the wire."""

    name: str
    cbc: bool

    def encrypt(self, key: bytes, plaintext: bytes) -> bytes:
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        iv = os.urandom(_BLOCK) if self.cbc else b""
        encryptor = self._cipher(key, iv).encryptor()
        return base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize())

    def decrypt(self, key: bytes, ciphertext: bytes) -> bytes:
        try:
            raw = base64.b64decode(b"".join(ciphertext.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CipherError(f"{self.name}: body is not base64") from exc
        iv, data = (raw[:_BLOCK], raw[_BLOCK:]) if self.cbc else (b"", raw)
        if not data or len(data) % _BLOCK:
            raise CipherError(f"{self.name}: ciphertext is not a whole number of blocks")
        decryptor = self._cipher(key, iv).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:
            raise CipherError(f"{self.name}: bad padding (wrong key?)") from exc

    def _cipher(self, key: bytes, iv: bytes) -> _AESCipher[Any]:
        if len(key) != _BLOCK:
            raise CipherError(f"{self.name}: key must be 16 bytes")
        mode: modes.Mode = modes.CBC(iv) if self.cbc else modes.ECB()  # noqa: S305 - offered on purpose
        return _AESCipher(algorithms.AES128(key), mode)


_CIPHERS: dict[str, Cipher] = {}


def register_cipher(cipher: Cipher) -> Cipher:
    """Add a cipher to the registry; a name already taken is refused."""
    if cipher.name in _CIPHERS:
        raise ValueError(f"cipher {cipher.name!r} is already registered")
    _CIPHERS[cipher.name] = cipher
    return cipher


def get_cipher(name: str) -> Cipher | None:
    return _CIPHERS.get(name)


def cipher_names() -> list[str]:
    return sorted(_CIPHERS)


register_cipher(_PlainCipher())
register_cipher(_AES128Cipher("aes-128-cbc", cbc=True))
register_cipher(_AES128Cipher("aes-128-ecb", cbc=False))


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
    ) -> None:
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
        return 200, {"code": int(SecurityCode.OK), "desc": "OK", "session": session_id, "expires": expires}

    def _check_set_up(self, query: Mapping[str, str]) -> Rejected | tuple[str, str, str, int]:
        missing = [k for k in ("username", "cnonce", "auth") if not query.get(k)]
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
        expected = session_auth(username, password or "", query["cnonce"], CRYPT_SESS_RESOURCE)
        if not _same_digest(query["auth"], expected) or password is None:
            return _reject(SecurityCode.AUTH_FAILED, "authentication failed")
        return username, expected, crypt, expires if expires is not None else self.default_expires

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
            return fail(SecurityCode.UNKNOWN_SESSION, "unknown session")
        if now >= state.deadline:
            del self._sessions[session_id]
            return fail(SecurityCode.SESSION_EXPIRED, "session expired")
        password = self._accounts.get(state.username, "")
        expected = request_auth(state.username, password, session_id, seq, resource)
        if not _same_digest(query["auth"], expected):
            return fail(SecurityCode.AUTH_FAILED, "authentication failed")
        if state.last_seq is not None and seq <= state.last_seq:
            return fail(SecurityCode.STALE_SEQ, "seq not greater than the last one")
        plaintext = body
        if body is not None and body != b"":
            cipher = get_cipher(state.crypt)
            if cipher is None:  # unregistered since set-up
                return fail(SecurityCode.UNSUPPORTED_CRYPT, "unsupported crypt method")
            key = encrypt_key(state.username, password, state.client_auth, session_id, seq)
            try:
                plaintext = cipher.decrypt(key, body)
            except CipherError:
                return fail(SecurityCode.DECRYPT_FAILED, "body does not decrypt")
        state.last_seq = seq
        if expires is not None:
            state.expires = expires
            state.deadline = now + expires
        return Verified(state.username, session_id, seq, plaintext)

    def advance(self, now: float) -> int:
        """Forget sessions whose life cycle is over; returns how many were dropped."""
        dead = [sid for sid, s in self._sessions.items() if now >= s.deadline]
        for sid in dead:
            del self._sessions[sid]
        return len(dead)

    def close_session(self, session_id: str) -> bool:
        return self._sessions.pop(session_id, None) is not None


def _same_digest(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.strip().lower().encode(), expected.encode())


# -- client side -----------------------------------------------------------------------------------
def establish_params(
    username: str,
    password: str,
    cnonce: str | None = None,
    *,
    expires: int | None = None,
    crypt: str | None = None,
) -> dict[str, str]:
    """Query parameters of ``GET /crypt_sess.json`` (§3.2.1); a random ``cnonce`` when None."""
    cnonce = cnonce if cnonce is not None else secrets.token_hex(8)
    params = {"username": username, "cnonce": cnonce, "auth": session_auth(username, password, cnonce)}
    if expires is not None:
        params["expires"] = str(expires)
    if crypt is not None:
        params["crypt"] = crypt
    return params


@dataclass
class ClientSession:
    """The client's half of an established secure session (§3.2.3, §3.3).

    >>> params = establish_params("admin", "pw", "c1", crypt="aes-128-cbc")
    >>> # status, reply = GET /crypt_sess.json?<params>
    >>> # client = ClientSession.from_reply("admin", "pw", params, reply)
    >>> # query, body = client.next_request("/goip_post_sms.html", b'{"type":"send-sms"}')
    """

    username: str
    password: str = field(repr=False)
    client_auth: str = field(repr=False)
    session: str
    crypt: str = "none"
    expires: int = DEFAULT_EXPIRES
    seq: int = 0

    @classmethod
    def from_reply(
        cls, username: str, password: str, params: Mapping[str, str], reply: Mapping[str, Any]
    ) -> ClientSession:
        """Build from the :func:`establish_params` sent and the device's §3.2.2 reply.

        Raises ValueError when the reply is a failure or carries no session.
        """
        if reply.get("code") != 0:
            raise ValueError(f"secure session refused: code={reply.get('code')!r} desc={reply.get('desc')!r}")
        session = reply.get("session", reply.get("Session"))
        if not isinstance(session, str) or not session:
            raise ValueError("secure session reply carries no session id")
        expires = reply.get("expires")
        return cls(
            username=username,
            password=password,
            client_auth=params["auth"],
            session=session,
            crypt=params.get("crypt") or "none",
            expires=expires if isinstance(expires, int) else DEFAULT_EXPIRES,
        )

    def key(self, seq: int) -> bytes:
        return encrypt_key(self.username, self.password, self.client_auth, self.session, seq)

    def next_request(
        self, resource: str, body: bytes | None = None, *, expires: int | None = None
    ) -> tuple[dict[str, str], bytes | None]:
        """Query parameters and (encrypted) body of the next request to ``resource``.

        Each call takes the next ``seq``.
        """
        self.seq += 1
        query = {
            "session": self.session,
            "seq": str(self.seq),
            "auth": request_auth(self.username, self.password, self.session, self.seq, resource),
        }
        if expires is not None:
            query["expires"] = str(expires)
        if body is None:
            return query, None
        cipher = get_cipher(self.crypt)
        if cipher is None:
            raise ValueError(f"unknown crypt method {self.crypt!r}; known: {', '.join(cipher_names())}")
        return query, cipher.encrypt(self.key(self.seq), body)
