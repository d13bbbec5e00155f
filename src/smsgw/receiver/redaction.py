"""Strip credentials from a push before it is classified, stored or shown.

The legacy SMS forward carries the server login in its URL (``?username=root&password=root``,
simple-v2 §2.1.3); some firmware adds ``Authorization`` headers or ``password`` keys. Redaction is by
*key* (query keys, header names, JSON keys, ``password=`` pairs in text), plus any other query value
equal to a secret (so ``username=pw&password=pw`` does not leak through the user name). Secret
*values* are not searched for inside the body: blind substring replacement would change what the
device sent (a password ``1`` would rewrite every ``1``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode

import jsonschema_rs

from smsgw.redact import REDACTED, is_secret_key, redact_text

#: Header names whose values are credentials, on top of :data:`smsgw.redact.SECRET_KEYS`.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_KEY_NAMES = "password|passwd|pass|pwd|secret|token|authorization"
#: Substrings of every secret key name: a body without any of them needs no redaction. (A
#: case-insensitive regex alternation over a 7 KB body costs ~400 us; lower() + ``in`` ~5 us.)
_HINTS = (b"pass", b"pwd", b"secret", b"token", b"authorization")
_JSON_PAIR = re.compile(rb'(?i)("(?:' + _KEY_NAMES.encode() + rb')"\s*:\s*)"(?:[^"\\]|\\.)*"')
_TEXT_PAIR = re.compile(rb"(?i)\b(" + _KEY_NAMES.encode() + rb")=[^&#\s\"']*")
_REDACTED_B = REDACTED.encode()


def _hint_search() -> Callable[[bytes], bool]:
    """``body -> may it hold a secret key name`` (any of :data:`_HINTS`, in any case).

    ``body.lower()`` then five ``in`` searches cost ~30 us on a 7.8 KB push (CPython's substring
    search of a short needle steps through JSON almost byte by byte). Rust's regex (the one
    jsonschema-rs validates ``pattern`` with) finds the alternation in ~2 us. It is only a
    pre-filter: a body it flags still goes through the exact patterns below, and it flags exactly
    what the ``lower()`` search flags: each letter is spelt as its ASCII class (``[Pp][Aa]...``),
    and the latin-1 decoding maps each byte to one character. (Spelt ``(?i)``, Unicode case folding
    would also accept ``ſ``/``K`` signs no latin-1 text holds, and the search costs twice the
    instructions: ~26,000 against ~14,000 per 7.8 KB body.)
    """
    pattern = "|".join("".join(f"[{c.upper()}{c}]" for c in h.decode()) for h in _HINTS)
    try:
        matcher = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
        works = all(matcher.is_valid(s) for s in ("x PaSsWd", "AUTHORIZATION")) and not matcher.is_valid("x")
    except (ValueError, jsonschema_rs.ValidationError):  # pragma: no cover - depends on the engine
        works = False
    if works:
        return lambda body: bool(matcher.is_valid(body.decode("latin-1")))

    def lowered(body: bytes) -> bool:  # pragma: no cover - fallback
        low = body.lower()
        return any(hint in low for hint in _HINTS)

    return lowered  # pragma: no cover


_may_hold_key = _hint_search()


def redact_query(query_string: str) -> tuple[list[tuple[str, str]], str]:
    """Parsed pairs and the query string with secrets replaced by ``***``."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    secrets = {v for k, v in pairs if is_secret_key(k) and v}
    redacted = [(k, REDACTED if is_secret_key(k) or (v and v in secrets) else v) for k, v in pairs]
    return redacted, urlencode(redacted, safe="*:/,+") if redacted else ""


_HEADER_CACHE: dict[tuple[tuple[bytes, bytes], ...], list[tuple[str, str]]] = {}
_HEADER_CACHE_SIZE = 256


def redact_headers(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """Decoded request headers (latin-1) with credential values replaced.

    A device sends the same headers push after push: the answer for each of the last few distinct
    header lists that needed no redaction is kept (it is a pure function of them; the caller gets a
    copy). Header lists holding a credential are not kept: the secret is not held longer than the
    request.
    """
    key = tuple(raw)
    found = _HEADER_CACHE.get(key)
    if found is not None:
        return list(found)
    result, redacted = _redact_headers(key)
    if not redacted:
        if len(_HEADER_CACHE) >= _HEADER_CACHE_SIZE:
            _HEADER_CACHE.clear()
        _HEADER_CACHE[key] = list(result)
    return result


def _redact_headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[list[tuple[str, str]], bool]:
    result: list[tuple[str, str]] = []
    redacted = False
    for key, value in raw:
        name = key.decode("latin-1")
        text = value.decode("latin-1")
        if name.lower() in SECRET_HEADERS or is_secret_key(name):
            text = _redact_authorization(text) if name.lower() == "authorization" else REDACTED
            redacted = True
        elif ("=" in text or "@" in text) and _may_hold_secret(text):
            new = redact_text(text)
            redacted = redacted or new != text
            text = new
        result.append((name, text))
    return result, redacted


def _may_hold_secret(text: str) -> bool:
    lowered = text.lower()
    return "://" in lowered or any(hint.decode() in lowered for hint in _HINTS)


def _redact_authorization(value: str) -> str:
    """``Basic dXNlcjpwdw==`` -> ``Basic user:***``; other schemes keep only the scheme name."""
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(credentials.strip(), validate=True).decode("latin-1").split(":", 1)[0]
        except (binascii.Error, ValueError):
            return f"{scheme} {REDACTED}"
        return f"{scheme} {user}:{REDACTED}"
    return f"{scheme} {REDACTED}" if credentials else REDACTED


def redact_body(body: bytes) -> bytes:
    """The body with ``"password": "..."`` and ``password=...`` values replaced (usually a no-op)."""
    if not _may_hold_key(body):
        return body
    body = _JSON_PAIR.sub(lambda m: m.group(1) + b'"' + _REDACTED_B + b'"', body)
    return _TEXT_PAIR.sub(lambda m: m.group(1) + b"=" + _REDACTED_B, body)
