"""The fixtures a check uses.  Module-level functions (pytest 9 deprecates fixtures defined as
methods of a plugin object) that reach the run's state through :func:`conformance_session`."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

from smsgw.pytest_plugin.check import Check
from smsgw.pytest_plugin.plugin import ConformanceSession, conformance_session, probe, schema_registry
from smsgw.pytest_plugin.settings import Settings
from smsgw.pytest_plugin.timers import Timers
from smsgw.report.exitcodes import ExitCode
from smsgw.report.model import Evidence

if TYPE_CHECKING:
    from smsgw.client.dinstar import DinstarClient
    from smsgw.client.ejoin import EjoinClient
    from smsgw.receiver.harness import RunningReceiver


def _session(request: pytest.FixtureRequest) -> ConformanceSession:
    session = conformance_session(request.config)
    if session is None:  # pragma: no cover - the plugin registers it in pytest_configure
        raise RuntimeError("smsgw conformance plugin is not configured")
    return session


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest) -> Settings:
    """The run's settings (target, profile, credentials, declaration, phone numbers, flags)."""
    return _session(request).settings


@pytest.fixture(scope="session")
def timers(request: pytest.FixtureRequest) -> Timers:
    """The profile's timers: derive every wait from these."""
    return _session(request).settings.timers


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> str:
    """The target's base URL, once a TCP connection to it opens (else the run exits 3)."""
    session = _session(request)
    url = session.settings.target
    if not url:
        session.usage_error = "no --target"
        pytest.exit(
            "no --target URL: give the device's URL, or run `smsgw certify` without --target to certify "
            "the embedded emulator",
            returncode=int(ExitCode.USAGE_ERROR),
        )
    problem = probe(url, session.settings.timeout)
    if problem:
        session.unreachable = session.scrubber(problem)
        pytest.exit(f"target unreachable: {session.unreachable}", returncode=int(ExitCode.TARGET_UNREACHABLE))
    return url


@pytest.fixture(scope="session")
def ejoin(request: pytest.FixtureRequest, target: str) -> Iterator[EjoinClient]:
    """An :class:`~smsgw.client.EjoinClient` on the target with the run's credentials and timeout."""
    from smsgw.client.ejoin import EjoinClient

    settings = _session(request).settings
    client = EjoinClient(target, settings.username, settings.password.reveal(), timeout=settings.timeout)
    yield client
    client.close()


@dataclass(frozen=True)
class SourceAddresses:
    """The local addresses the suite sends from: its own (``primary``) and the second one."""

    primary: str
    second: str


def local_address_towards(url: str, resolve_timeout: float = 10.0) -> str:
    """The local IPv4 address this machine sends from to ``url``'s host (its route's source address).

    A host name is resolved in a daemon thread given ``resolve_timeout`` seconds (``getaddrinfo``
    itself has none): a dead DNS server makes this raise :class:`OSError`, not hang the run.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    address = _resolve_ipv4(host, port, resolve_timeout)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(address)  # UDP: no packet is sent, the kernel only picks the route
        return str(sock.getsockname()[0])


def _resolve_ipv4(host: str, port: int, timeout: float) -> tuple[str, int]:
    try:
        return str(ipaddress.IPv4Address(host)), port
    except ValueError:
        pass
    found: list[tuple[str, int]] = []
    errors: list[OSError] = []

    def lookup() -> None:
        try:
            info = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)
            found.append((str(info[0][4][0]), int(info[0][4][1])))
        except OSError as exc:
            errors.append(exc)

    thread = threading.Thread(target=lookup, name=f"resolve-{host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if errors:
        raise errors[0]
    if not found:
        raise OSError(f"could not resolve {host!r} within {timeout:g} s")
    return found[0]


def second_source_for(settings: Settings, primary: str) -> str | None:
    """``--second-source-address``; on a loopback target any other 127/8 address (127.0.0.2)."""
    if settings.second_source_address:
        return settings.second_source_address
    if ipaddress.IPv4Address(primary).is_loopback:
        return "127.0.0.3" if primary == "127.0.0.2" else "127.0.0.2"
    return None


@pytest.fixture(scope="session")
def source_addresses(request: pytest.FixtureRequest, target: str) -> SourceAddresses:
    """The suite's own source address and a second one (skips when the run has no second address)."""
    settings = _session(request).settings
    try:
        primary = local_address_towards(target)
    except OSError as exc:
        pytest.skip(f"cannot tell this machine's address towards the target: {exc}")
    second = second_source_for(settings, primary)
    if second is None:
        pytest.skip(
            "needs a second local address of this machine that reaches the device: give "
            "--second-source-address IP"
        )
    if second == primary:
        pytest.skip(f"--second-source-address {second} is the address the suite already sends from")
    return SourceAddresses(primary, second)


@pytest.fixture
def ejoin_second_source(
    request: pytest.FixtureRequest, target: str, source_addresses: SourceAddresses
) -> Iterator[EjoinClient]:
    """An :class:`~smsgw.client.EjoinClient` like ``ejoin`` that sends from the second address."""
    import httpx

    from smsgw._tls import client_ssl_context
    from smsgw.client.ejoin import EjoinClient

    settings = _session(request).settings
    transport = httpx.HTTPTransport(local_address=source_addresses.second, verify=client_ssl_context())
    client = EjoinClient(
        target, settings.username, settings.password.reveal(), timeout=settings.timeout, transport=transport
    )
    yield client
    client.close()


@pytest.fixture(scope="session")
def dinstar(request: pytest.FixtureRequest, target: str) -> Iterator[DinstarClient]:
    """A :class:`~smsgw.client.DinstarClient` (HTTP digest, the run's credentials and timeout; an
    https target's self-signed certificate is accepted like the document's ``curl -k``)."""
    from smsgw.client.dinstar import DinstarClient

    settings = _session(request).settings
    client = DinstarClient(target, settings.username, settings.password.reveal(), timeout=settings.timeout)
    yield client
    client.close()


@pytest.fixture(scope="session")
def receiver(request: pytest.FixtureRequest) -> Iterator[RunningReceiver]:
    """The push receiver (:class:`smsgw.receiver.RunningReceiver`): configure the device with
    ``receiver.push_url("dut")``, then ``receiver.wait_for(type="dev-status", device="dut",
    after=mark, timeout=timers.status_push_wait)``.  SKIPPED without ``--receiver`` or
    ``--receiver-listen``."""
    settings = _session(request).settings
    from smsgw.receiver.harness import connect, start_receiver

    if settings.receiver_url:
        running = connect(settings.receiver_url, public_url=settings.callback_url)
    elif settings.receiver_listen:
        host, port = settings.receiver_listen
        running = start_receiver(host=host, port=port, public_url=settings.callback_url)
    else:
        pytest.skip(
            "needs a push receiver: --receiver URL, or --receiver-listen HOST:PORT (with --callback-url)"
        )
    yield running
    running.close()


@pytest.fixture(scope="session")
def phone_numbers(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """Numbers the user owns; a check that sends real SMS is SKIPPED without them."""
    numbers = _session(request).settings.phone_numbers
    if not numbers:
        pytest.skip("needs --phone-number: SMS go only to numbers given by the user")
    return numbers


@pytest.fixture
def check(request: pytest.FixtureRequest) -> Check:
    """Records verdicts and evidence for the test's requirements (see :class:`Check`)."""
    session = _session(request)
    nodeid = request.node.nodeid
    return Check(nodeid, session.requirements_of.get(nodeid, ()), session.recorder, schema_registry)


@pytest.fixture(autouse=True)
def _smsgw_exchanges_as_evidence(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every call the session's client makes during a test becomes redacted evidence of it."""
    name = next((n for n in ("ejoin", "dinstar") if n in request.fixturenames), None)
    if name is None:
        yield
        return
    session = _session(request)
    client = request.getfixturevalue(name)
    nodeid = request.node.nodeid

    def listener(exchange: Any) -> None:
        session.recorder.attach(nodeid, Evidence("exchange", exchange.title, exchange.render()))

    client.listeners.append(listener)
    yield
    client.listeners.remove(listener)


@pytest.fixture
def restore() -> Iterator[Restorer]:
    """Undo actions for destructive checks, run last-in first-out even when the check fails."""
    restorer = Restorer()
    yield restorer
    restorer.run()


class Restorer:
    """The ``restore`` fixture's stack of undo actions."""

    def __init__(self) -> None:
        self._undo: list[tuple[str, Callable[[], object]]] = []

    def push(self, description: str, action: Callable[[], object]) -> None:
        """Register ``action()`` to run at teardown (``description`` names it in errors)."""
        self._undo.append((description, action))

    def run(self) -> None:
        errors: list[str] = []
        while self._undo:
            description, action = self._undo.pop()
            try:
                action()
            except Exception as exc:  # every undo runs; all failures are reported
                errors.append(f"{description}: {type(exc).__name__}: {exc}")
        if errors:
            raise RuntimeError("could not restore the device state: " + "; ".join(errors))
