"""The options of a conformance run, parsed once into an immutable :class:`Settings`."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from smsgw.pytest_plugin.timers import Timers, timers_for
from smsgw.redact import redact_url
from smsgw.report.declaration import DEFAULT_PROFILE, PROFILES, Declaration

PASSWORD_ENV = "SMSGW_PASSWORD"
DEFAULT_TIMEOUT = 10.0


class Secret:
    """A string that never shows itself in a repr, a log line or a traceback's locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


def default_run_id(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Settings:
    target: str | None
    profile: str
    username: str
    password: Secret
    callback_url: str | None
    declaration: Declaration
    phone_numbers: tuple[str, ...]
    allow_destructive: bool
    strict: bool
    requirements: tuple[str, ...]
    report_dir: Path
    timeout: float
    time_scale: float
    catalog_dir: Path | None = None
    run_id: str = field(default_factory=default_run_id)
    #: API URL of a push receiver already running (``smsgw receive``, or the one certify starts).
    receiver_url: str | None = None
    #: ``(host, port)`` to start an in-process receiver on (reachable by the device).
    receiver_listen: tuple[str, int] | None = None
    #: A second local address of the test machine that reaches the device (``--second-source-address``):
    #: the IP list enforcement checks send from it.
    second_source_address: str | None = None

    @property
    def timers(self) -> Timers:
        return timers_for(self.profile, self.time_scale)

    @property
    def redacted_target(self) -> str:
        return redact_url(self.target) if self.target else "(none)"


class SettingsError(ValueError):
    """Options that do not make a runnable conformance run."""


def _check_callback_url(url: str) -> None:
    """``--callback-url`` is where the device pushes: an http(s) URL with a port it can reach (a
    port 0 there, e.g. copied from ``--receiver-listen HOST:0``, would make every push check wait
    out its timeout for pushes that can never arrive)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port in (0, -1):
        raise SettingsError(
            f"--callback-url must be the receiver's http(s)://HOST[:PORT] as the device reaches it "
            f"(a real port, not 0), not {redact_url(url)!r}"
        )


def build_settings(
    *,
    target: str | None,
    profile: str | None,
    username: str | None,
    password: str | None,
    callback_url: str | None,
    declaration_file: str | None,
    phone_numbers: list[str] | None,
    allow_destructive: bool,
    strict: bool,
    requirements: list[str] | None,
    report_dir: str | None,
    timeout: float | None,
    time_scale: float | None,
    catalog_dir: str | None,
    invocation_dir: Path,
    receiver_url: str | None = None,
    receiver_listen: str | None = None,
    second_source_address: str | None = None,
) -> Settings:
    from smsgw.report.declaration import DeclarationError

    try:
        declaration = Declaration.load(Path(declaration_file)) if declaration_file else Declaration.none()
    except DeclarationError as exc:
        raise SettingsError(str(exc)) from exc
    chosen = profile or declaration.profile or DEFAULT_PROFILE
    if chosen not in PROFILES:
        raise SettingsError(f"--profile {chosen!r}: choose one of {', '.join(PROFILES)}")
    if declaration.profile and profile and declaration.profile != profile:
        raise SettingsError(
            f"--profile {profile} contradicts the declaration's profile {declaration.profile}"
        )
    if target is not None and not target.startswith(("http://", "https://")):
        raise SettingsError(f"--target must be an http:// or https:// URL, not {redact_url(target)!r}")
    if callback_url is not None:
        _check_callback_url(callback_url)
    if timeout is not None and timeout <= 0:
        raise SettingsError("--timeout must be positive")
    if time_scale is not None and time_scale <= 0:
        raise SettingsError("--time-scale must be positive")
    listen: tuple[str, int] | None = None
    if receiver_listen:
        host, _, port = receiver_listen.rpartition(":")
        if not host or not port.isdigit() or int(port) > 65535:
            raise SettingsError(f"--receiver-listen must be HOST:PORT, not {receiver_listen!r}")
        listen = (host, int(port))
    if receiver_url and listen:
        raise SettingsError("give --receiver (a running receiver) or --receiver-listen (start one), not both")
    if second_source_address:
        try:
            ipaddress.IPv4Address(second_source_address)
        except ValueError:
            raise SettingsError(
                f"--second-source-address must be an IPv4 address, not {second_source_address!r}"
            ) from None
    run_id = default_run_id()
    directory = Path(report_dir) if report_dir else Path("reports") / run_id
    if not directory.is_absolute():
        directory = invocation_dir / directory
    if report_dir:
        run_id = directory.name
    return Settings(
        target=target.rstrip("/") if target else None,
        profile=chosen,
        username=username or "root",
        password=Secret(password if password is not None else os.environ.get(PASSWORD_ENV)),
        callback_url=callback_url,
        declaration=declaration,
        phone_numbers=tuple(phone_numbers or ()),
        allow_destructive=allow_destructive,
        strict=strict,
        requirements=tuple(requirements or ()),
        report_dir=directory,
        timeout=timeout or DEFAULT_TIMEOUT,
        time_scale=time_scale or 1.0,
        catalog_dir=Path(catalog_dir) if catalog_dir else None,
        run_id=run_id,
        receiver_url=receiver_url.rstrip("/") if receiver_url else None,
        receiver_listen=listen,
        second_source_address=second_source_address or None,
    )
