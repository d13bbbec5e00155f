"""The one place where the fuzzer meets schemathesis (v4).

* :func:`install_checks` registers each device check of :mod:`smsgw.fuzz.checks` as a schemathesis
  custom check (``schemathesis.check``, signature ``(ctx, response, case)``) named ``smsgw_<name>``.
  The wrappers are no-ops unless a :class:`FuzzSession` is active, so other schemathesis users in
  the same process are not affected.
* :class:`FuzzSession` turns a schemathesis case and response into an :class:`Exchange`, runs the
  registry's checks on it, keeps every :class:`Failure` (with its requirement ids) and raises one
  ``AssertionError`` per failing check so schemathesis reports, deduplicates and shrinks it.
* :func:`replay_request` resends a request the device accepted without credentials or with a
  wrong password (query credentials for Ejoin, the ``Authorization`` header for Dinstar).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

import requests

from smsgw.fuzz.checks import (
    CheckEnv,
    Credentials,
    Exchange,
    Failure,
    Replay,
    device_checks,
    run_checks,
)
from smsgw.fuzz.spec import OperationInfo, ProfileSpec
from smsgw.redact import redact_text

CHECK_PREFIX = "smsgw_"
_LOCK = threading.Lock()
_ACTIVE: list[FuzzSession] = []
_INSTALLED: set[str] = set()


class FuzzSession:
    """The checks' state during one schemathesis run."""

    def __init__(self, spec: ProfileSpec, env: CheckEnv, *, timeout: float) -> None:
        self.spec = spec
        self.env = env
        self.timeout = timeout
        self.failures: list[Failure] = []
        self._seen: set[tuple[str, str, str]] = set()
        self._last: tuple[int, Exchange] | None = None
        self._lock = threading.Lock()

    # -- exchanges ----------------------------------------------------------------------------
    def exchange(self, case: Any, response: Any) -> Exchange | None:
        with self._lock:
            if self._last is not None and self._last[0] == id(response):
                return self._last[1]
            info = self.spec.by_path(str(case.method), str(case.operation.path))
            if info is None:
                return None
            exchange = _exchange(info, case, response)
            self._last = (id(response), exchange)
            return exchange

    def record(self, failures: list[Failure]) -> None:
        """Keep the first failure of each (check, operation, title), its message redacted (it may
        quote an answer that echoes the password)."""
        with self._lock:
            for failure in failures:
                key = (failure.check, failure.operation_id, failure.title)
                if key not in self._seen:
                    self._seen.add(key)
                    self.failures.append(replace(failure, message=self.redact(failure.message)))

    def run_check(self, name: str, case: Any, response: Any) -> list[Failure]:
        exchange = self.exchange(case, response)
        if exchange is None:
            return []
        failures = run_checks(self.env, exchange, [name])
        self.record(failures)
        return failures

    def redact(self, text: str) -> str:
        text = redact_text(text)
        secret = self.env.password
        if secret:
            for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                text = text.replace(form, "***")
        return text


def _is_positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    return getattr(mode, "value", "positive") == "positive"


def _exchange(info: OperationInfo, case: Any, response: Any) -> Exchange:
    request = response.request
    headers = {k: ", ".join(v) if isinstance(v, list) else str(v) for k, v in response.headers.items()}
    body = getattr(case, "body", None)
    if type(body).__name__ == "NotSet":
        body = None
    return Exchange(
        operation=info,
        method=str(request.method or case.method),
        url=str(request.url),
        query=dict(case.query or {}),
        body=body,
        positive=_is_positive(case),
        status=int(response.status_code),
        headers=headers,
        content=bytes(response.content or b""),
        request=request,
    )


@contextmanager
def active(session: FuzzSession) -> Iterator[FuzzSession]:
    """Make ``session`` the one the installed checks report to (one run at a time)."""
    install_checks()
    with _LOCK:
        if _ACTIVE:
            raise RuntimeError("a fuzz run is already active in this process")
        _ACTIVE.append(session)
    try:
        yield session
    finally:
        with _LOCK:
            _ACTIVE.clear()


def _current() -> FuzzSession | None:
    return _ACTIVE[0] if _ACTIVE else None


def _wrapper(name: str) -> Callable[[Any, Any, Any], None]:
    def check(ctx: Any, response: Any, case: Any) -> None:
        session = _current()
        if session is None:
            return
        failures = session.run_check(name, case, response)
        if failures:
            first = failures[0]
            raise AssertionError(session.redact(f"{first.title}: {first.message}"))

    check.__name__ = CHECK_PREFIX + name
    check.__qualname__ = check.__name__
    check.__doc__ = device_checks()[name].__doc__
    return check


def install_checks() -> list[str]:
    """Register every device check with schemathesis (idempotent); returns their names there."""
    import schemathesis

    with _LOCK:
        for name in device_checks():
            if name not in _INSTALLED:
                schemathesis.check(_wrapper(name))
                _INSTALLED.add(name)
        return sorted(CHECK_PREFIX + n for n in _INSTALLED)


# -- replays ---------------------------------------------------------------------------------------
CREDENTIAL_KEYS = frozenset({"username", "password"})


def replay_request(
    exchange: Exchange,
    credentials: Credentials,
    *,
    family: str,
    username: str,
    password: str,
    timeout: float,
) -> Replay | None:
    """Resend the exchange's request with other credentials; None when the target did not answer."""
    parts = urlsplit(exchange.url)
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in CREDENTIAL_KEYS
    ]
    auth: Any = None
    prepared = exchange.request
    headers = dict(getattr(prepared, "headers", {}) or {})
    headers.pop("Authorization", None)
    headers.pop("Content-Length", None)
    wrong = "wrong-" + password[::-1] if password else "wrong-password"
    if family == "ejoin":
        if credentials is Credentials.WRONG:
            query += [("username", username), ("password", wrong)]
    elif credentials is Credentials.WRONG:
        auth = requests.auth.HTTPDigestAuth(username, wrong)
    url = urlunsplit(parts._replace(query=urlencode(query)))
    body = getattr(prepared, "body", None)
    try:
        answer = requests.request(
            exchange.method,
            url,
            data=body,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException:
        return None
    return Replay(answer.status_code, answer.content[: 1 << 20])
