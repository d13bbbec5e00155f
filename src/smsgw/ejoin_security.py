"""Ejoin interface security (``crypt_sess.json``), gateway-2.4 §3: formulas, ciphers, the client side.

Shared by the emulated device (:mod:`smsgw.emulator.security`) and by the conformance suite, which
opens secure sessions against real devices with :func:`establish_params` and :class:`ClientSession`.

The formulas of §3.3 ("+" is string concatenation, ``seq`` in decimal, MD5 as lowercase hex)::

    auth (client-session-id) = MD5(username + password + cnonce + url-resource)         # step 1
    auth (per request)       = MD5(username + password + session + seq + url-resource)  # step 2
    KEY                      = MD5(username + password + auth + session + seq)          # step 3

``url-resource`` is the path of the URL without scheme, host, port and query
(``/goip_get_status.html``); for the set-up request it is ``/crypt_sess.json``. In step 3, ``auth``
is the client-session-id of step 1, so every request is encrypted with its own key (``seq``
changes).

**The cipher** is not specified: §3.2.1 names a ``crypt`` parameter whose list of values was lost
from the text, and §3.3 gives only the KEY. KEY is an MD5, i.e. 16 bytes, which is exactly an
AES-128 key, so the key is the 16-byte *digest* (not its 32-character hex form). The ciphers are a
small registry (:func:`register_cipher`, :func:`get_cipher`) selected by ``crypt=<name>``; a device
refuses an unknown name at set-up. Registered:

- ``none``: plaintext (also what an absent ``crypt`` means: §3.2.1 gives no default);
- ``aes-128-cbc``: AES-128-CBC, PKCS#7 padding, a random 16-byte IV prepended to the ciphertext,
  the whole base64-encoded (standard alphabet, padded). CBC with a fresh IV is the conservative
  choice: it hides repeated blocks inside one body, and base64 keeps the POST body text, as every
  other body of this API is text (JSON or ``a=b&c=d``);
- ``aes-128-ecb``: AES-128-ECB, PKCS#7, base64: the mode often found in embedded firmware, for
  testing devices that use it. The per-request KEY limits ECB's leak to one body.

A device that uses another reading (hex key as AES-256, another mode) is tested by registering one
more :class:`Cipher`. Only the request bodies are encrypted: §3.1 step 4, the device "replies to the
client in plaintext".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher as _AESCipher
from cryptography.hazmat.primitives.ciphers import algorithms, modes

__all__ = [
    "CRYPT_SESS_RESOURCE",
    "DEFAULT_EXPIRES",
    "Cipher",
    "CipherError",
    "ClientSession",
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
    """The client's half of an established secure session (§3.2.3, §3.3)::

        params = establish_params("admin", password, crypt="aes-128-cbc")
        reply = httpx.get(f"{base}/crypt_sess.json", params=params, timeout=5).json()
        client = ClientSession.from_reply("admin", password, params, reply)
        query, body = client.next_request("/goip_post_sms.html", b'{"type":"send-sms", ...}')
        httpx.post(f"{base}/goip_post_sms.html", params=query, content=body, timeout=5)

    The password is kept out of ``repr``.
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
