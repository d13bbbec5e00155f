"""Redact secrets at the source: device passwords travel in query strings and JSON bodies.

Anything that may end up in a log line, an exception message, a report, an Allure attachment or a
Locust stats name goes through here first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "***"
#: Keys whose values are secrets, compared case-insensitively.
SECRET_KEYS = frozenset({"password", "passwd", "pass", "pwd", "secret", "token", "authorization"})
_QUERY_SECRET = re.compile(
    r"(?i)(?P<key>\b(?:" + "|".join(sorted(SECRET_KEYS)) + r"))=(?P<value>[^&#\s\"']*)"
)
#: Bounded repetitions keep the scan linear: a hostile body of a megabyte of letters would make an
#: unbounded scheme pattern backtrack quadratically.
_USERINFO = re.compile(
    r"(?i)(?P<scheme>[a-z][a-z0-9+.-]{0,31}://)(?P<user>[^:/@\s]{0,256}):(?P<pw>[^@/\s]{0,256})@"
)


def is_secret_key(key: str) -> bool:
    return key.lower() in SECRET_KEYS


def redact_text(text: str) -> str:
    """Redact ``password=...`` pairs and URL userinfo passwords anywhere in free text."""
    text = _QUERY_SECRET.sub(lambda m: f"{m.group('key')}={REDACTED}", text)
    if "://" not in text:
        return text
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{REDACTED}@", text)


def redact_url(url: str) -> str:
    """A URL with secret query values and userinfo password replaced by ``***``.

    Never raises: a string that does not parse as a URL (``http://[`` from a fuzzer or a broken
    device) is redacted as text instead."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    query = urlencode(
        [(k, REDACTED if is_secret_key(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)],
        safe="*",
    )
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:{REDACTED}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a (possibly nested) mapping with secret values replaced."""
    return {k: REDACTED if is_secret_key(k) else _redact_value(v) for k, v in data.items()}


def _redact_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return redact_mapping(value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingLogFilter(logging.Filter):
    """Redacts secrets in log records (httpx logs every request URL at INFO, password included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


#: Third-party loggers that print request URLs.
URL_LOGGERS = ("httpx", "httpcore", "uvicorn.access", "uvicorn.error")


def install_log_redaction(names: tuple[str, ...] = URL_LOGGERS) -> None:
    """Install :class:`RedactingLogFilter` on the loggers that print URLs, once per process."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingLogFilter) for f in logger.filters):
            logger.addFilter(RedactingLogFilter())
