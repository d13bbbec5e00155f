"""HTTP authentication of a Dinstar gateway: digest (RFC 7616) and, where allowed, basic.

The document's examples use ``curl --anyauth`` (dinstar-uc-1.2 §2.4, §27.6): the client learns
the scheme from a 401 challenge. A challenge round-trip is the protocol, not a failed login: only a
wrong response (or wrong basic credentials) counts toward the lockout.

* algorithms MD5 and SHA-256 (the challenge offers one, :attr:`DigestAuth.algorithm`; a response
  computed with either is verified), ``qop=auth``;
* nonces carry their issue time and an HMAC of it: they expire after ``nonce_lifetime`` device
  seconds (401 with ``stale=true``, not a failure); ``nc`` must grow per nonce (a replay is
  challenged again);
* ``max_failures`` wrong logins in a row lock the account for ``lockout_seconds``.

Nothing here logs or returns the Authorization header or the password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

from smsgw.emulator.faults import defect

D_CHALLENGE_COUNTED = defect(
    "defect.dinstar-digest-challenge-counted",
    "every 401 digest challenge counts as a failed login (clients get locked out by the handshake)",
)
D_NONCE_NEVER_STALE = defect(
    "defect.dinstar-digest-nonce-never-expires", "an expired digest nonce is accepted (no stale=true)"
)
D_NC_NOT_CHECKED = defect(
    "defect.dinstar-digest-replay-accepted",
    "a digest response replayed with the same nonce count is accepted",
)

REALM = "Web Server"
_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


class Verdict(Enum):
    OK = "ok"
    #: no (usable) credentials: answer the challenge, not a failure
    CHALLENGE = "challenge"
    #: an expired nonce: challenge with stale=true, not a failure
    STALE = "stale"
    #: wrong credentials: a failed login
    FAILED = "failed"
    #: too many failed logins: refused until the lockout ends
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    #: the WWW-Authenticate header to send with a 401 (empty when none)
    challenge: str = ""


def parse_auth_params(text: str) -> dict[str, str]:
    """``realm="x", nc=00000001, qop=auth`` -> dict (quoted values may contain commas)."""
    out: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " ,\t":
            i += 1
        eq = text.find("=", i)
        if eq < 0:
            break
        key = text[i:eq].strip().lower()
        i = eq + 1
        if i < n and text[i] == '"':
            j = i + 1
            chars: list[str] = []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                chars.append(text[j])
                j += 1
            value = "".join(chars)
            i = j + 1
        else:
            j = text.find(",", i)
            j = n if j < 0 else j
            value = text[i:j].strip()
            i = j
        if key:
            out[key] = value
    return out


def _h(algorithm: str, text: str) -> str:
    return _HASHES[algorithm](text.encode()).hexdigest()


class DigestAuth:
    """Credentials check of one device (thread-confined to the device's handler)."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        algorithm: str = "MD5",
        allow_basic: bool = True,
        nonce_lifetime: float = 300.0,
        max_failures: int = 5,
        lockout_seconds: float = 60.0,
        seed: int = 0,
    ) -> None:
        self._user = username
        self._password = password
        self.algorithm = algorithm
        self.allow_basic = allow_basic
        self.nonce_lifetime = nonce_lifetime
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self._key = hashlib.sha256(f"dinstar-nonce-{seed}-{secrets.token_hex(8)}".encode()).digest()
        self._nc: OrderedDict[str, int] = OrderedDict()
        self.failed_logins = 0
        self.failures_in_row = 0
        self.challenges = 0
        self.locked_until = 0.0

    # -- nonces -------------------------------------------------------------------------------
    def _nonce(self, now: float) -> str:
        stamp = f"{now:.3f}:{secrets.token_hex(4)}"
        mac = hmac.new(self._key, stamp.encode(), hashlib.sha256).hexdigest()[:16]
        return base64.urlsafe_b64encode(f"{stamp}:{mac}".encode()).decode().rstrip("=")

    def _nonce_time(self, nonce: str) -> float | None:
        try:
            raw = base64.urlsafe_b64decode(nonce + "=" * (-len(nonce) % 4)).decode()
            issued, salt, mac = raw.split(":")
        except (ValueError, UnicodeDecodeError):
            return None
        expected = hmac.new(self._key, f"{issued}:{salt}".encode(), hashlib.sha256).hexdigest()[:16]
        if not hmac.compare_digest(mac, expected):
            return None
        try:
            return float(issued)
        except ValueError:
            return None

    def challenge(self, now: float, *, stale: bool = False) -> str:
        nonce = self._nonce(now)
        opaque = hashlib.sha256(self._key + b"opaque").hexdigest()[:32]
        header = (
            f'Digest realm="{REALM}", qop="auth", algorithm={self.algorithm}, '
            f'nonce="{nonce}", opaque="{opaque}"'
        )
        return header + (", stale=true" if stale else "")

    # -- verification ---------------------------------------------------------------------------
    def check(
        self, method: str, path: str, authorization: str | None, now: float, switches: object = None
    ) -> Outcome:
        """Verify one request's Authorization header (``switches``: the device's, for the defects)."""
        on = getattr(switches, "on", None)

        def sw(name: str) -> bool:
            return bool(on(name)) if callable(on) else False

        if now < self.locked_until:
            return Outcome(Verdict.LOCKED)
        if not authorization:
            return self._challenge(now, counted=sw(D_CHALLENGE_COUNTED))
        scheme, _, rest = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            if not self.allow_basic:
                return self._challenge(now, counted=sw(D_CHALLENGE_COUNTED))
            try:
                user, _, password = base64.b64decode(rest.strip(), validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return self._fail(now)
            return self._verdict(self._same(user, password), now)
        if scheme != "digest":
            return self._challenge(now, counted=sw(D_CHALLENGE_COUNTED))
        params = parse_auth_params(rest)
        algorithm = params.get("algorithm", "MD5").upper()
        algorithm = "SHA-256" if algorithm in ("SHA-256", "SHA256") else algorithm
        nonce = params.get("nonce", "")
        issued = self._nonce_time(nonce)
        if algorithm not in _HASHES or issued is None or params.get("realm") != REALM:
            # a nonce we never issued (another device, a restart): challenge again
            return self._challenge(now, counted=sw(D_CHALLENGE_COUNTED))
        uri = params.get("uri", "")
        if uri.split("?", 1)[0] != path:
            return self._fail(now)
        ha1 = _h(algorithm, f"{params.get('username', '')}:{REALM}:{self._password}")
        ha2 = _h(algorithm, f"{method}:{uri}")
        qop = params.get("qop")
        nc_text = params.get("nc", "")
        if qop == "auth":
            expected = _h(algorithm, f"{ha1}:{nonce}:{nc_text}:{params.get('cnonce', '')}:auth:{ha2}")
        elif qop is None:
            expected = _h(algorithm, f"{ha1}:{nonce}:{ha2}")
        else:
            return self._fail(now)
        right = hmac.compare_digest(params.get("response", ""), expected) & hmac.compare_digest(
            params.get("username", "").encode(), self._user.encode()
        )
        if not right:
            return self._fail(now)
        if now - issued > self.nonce_lifetime and not sw(D_NONCE_NEVER_STALE):
            return self._challenge(now, counted=sw(D_CHALLENGE_COUNTED), stale=True)
        if qop == "auth" and not sw(D_NC_NOT_CHECKED):
            try:
                nc = int(nc_text, 16)
            except ValueError:
                return self._fail(now)
            if nc <= self._nc.get(nonce, 0):
                return self._challenge(now, counted=sw(D_CHALLENGE_COUNTED))
            self._nc[nonce] = nc
            self._nc.move_to_end(nonce)
            while len(self._nc) > 1024:
                self._nc.popitem(last=False)
        return self._verdict(True, now)

    def login(self, user: str, password: str, now: float) -> bool:
        """A form login (the DRP server's ``doLogin``, §26.3): counted like a wrong digest."""
        if now < self.locked_until:
            return False
        return self._verdict(self._same(user, password), now).verdict is Verdict.OK

    def _same(self, user: str, password: str) -> bool:
        return bool(
            hmac.compare_digest(user.encode(), self._user.encode())
            & hmac.compare_digest(password.encode(), self._password.encode())
        )

    def _verdict(self, ok: bool, now: float) -> Outcome:
        if ok:
            self.failures_in_row = 0
            return Outcome(Verdict.OK)
        return self._fail(now)

    def _challenge(self, now: float, *, counted: bool, stale: bool = False) -> Outcome:
        self.challenges += 1
        if counted:
            outcome = self._fail(now)
            if outcome.verdict is Verdict.LOCKED:
                return outcome
        return Outcome(Verdict.STALE if stale else Verdict.CHALLENGE, self.challenge(now, stale=stale))

    def _fail(self, now: float) -> Outcome:
        self.failed_logins += 1
        self.failures_in_row += 1
        if self.failures_in_row >= self.max_failures:
            self.failures_in_row = 0
            self.locked_until = now + self.lockout_seconds
            return Outcome(Verdict.LOCKED)
        return Outcome(Verdict.FAILED, self.challenge(now))

    def state(self) -> dict[str, object]:
        return {
            "algorithm": self.algorithm,
            "allow_basic": self.allow_basic,
            "failed_logins": self.failed_logins,
            "challenges": self.challenges,
            "locked_until": self.locked_until,
        }


__all__ = ["REALM", "DigestAuth", "Outcome", "Verdict", "parse_auth_params"]
