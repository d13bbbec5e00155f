"""The fixtures a check uses: restore, phone_numbers, unimplemented, evidence of client calls,
and the README's example check."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from smsgw._http import ServerThread, send_json
from smsgw._http.asgi import Receive, Scope, Send
from smsgw.pytest_plugin.fixtures import local_address_towards, second_source_for
from smsgw.pytest_plugin.settings import Settings, SettingsError, build_settings
from tests.pytest_plugin.conftest import Suite

ROOT = Path(__file__).resolve().parents[2]

CHECKS = """
import pytest

@pytest.mark.requirement("EJ-T-MUST-A")
def test_restore_runs_even_when_the_check_fails(check, restore, tmp_path_factory):
    marker = tmp_path_factory.getbasetemp() / "restored"
    restore.push("write marker", lambda: marker.write_text("yes"))
    check.fail("broken on purpose")

@pytest.mark.requirement("EJ-T-MUST-B")
def test_sms_needs_a_number(check, phone_numbers):
    check.ok()

@pytest.mark.requirement("EJ-T-SHOULD-A")
def test_device_says_unsupported(check):
    check.unimplemented("device answered 'Invalid CMD'")

@pytest.mark.requirement("EJ-T-SCHEMA")
def test_skip_inside_the_check(check):
    check.skip("no SIM in slot 2")

@pytest.mark.requirement("EJ-T-UNCOVERED")
def test_push_check_without_a_receiver(check, receiver):
    check.ok()

@pytest.mark.requirement("EJ-T-INFO")
def test_client_calls_become_evidence(check, ejoin, timers):
    resp = ejoin.get_status(period=int(timers.status_period))
    check.info(f"code {resp.json()['code']}")
"""


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    query = scope.get("query_string", b"").decode()
    status = 200 if "password=right-pass" in query else 401
    await send_json(send, status, {"code": 0 if status == 200 else 1})


@pytest.fixture
def device() -> Iterator[str]:
    with ServerThread(_ok) as server:
        yield server.url


def test_fixture_behaviours_map_to_verdicts(suite: Suite, device: str) -> None:
    suite.write("test_fixtures_sample.py", CHECKS)
    run = suite.run(
        "--target", device, "--basetemp", str(suite.root / "bt"), env={"SMSGW_PASSWORD": "right-pass"}
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert (suite.root / "bt" / "restored").read_text() == "yes"
    verdicts = run.verdicts()
    assert verdicts["EJ-T-MUST-B"] == "SKIPPED"
    assert "--phone-number" in run.requirement("EJ-T-MUST-B")["message"]
    assert verdicts["EJ-T-SHOULD-A"] == "UNIMPLEMENTED"
    assert run.requirement("EJ-T-SCHEMA")["message"] == "no SIM in slot 2"
    assert "needs a push receiver" in run.requirement("EJ-T-UNCOVERED")["message"]
    info = run.requirement("EJ-T-INFO")
    assert info["verdict"] == "INFO"
    (evidence,) = info["checks"][0]["evidence"]
    assert evidence["kind"] == "exchange"
    assert "goip_get_status.html" in evidence["content"]
    assert "period=60" in evidence["content"]
    assert "right-pass" not in evidence["content"]


def test_the_readme_example_check_runs(suite: Suite, device: str) -> None:
    readme = (ROOT / "conformance" / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Writing a check.*?```python\n(.*?)```", readme, re.S)
    assert match is not None
    suite.write("test_readme_example.py", match.group(1))
    run = suite.run("--target", device, env={"SMSGW_PASSWORD": "right-pass"}, shipped_catalog=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.verdicts()["EJ-AUTH-WRONG-PASSWORD-REFUSED"] == "PASS"


def _settings(second: str | None = None, callback_url: str | None = None) -> Settings:
    return build_settings(
        target="http://127.0.0.1:80",
        profile="router-2.2",
        username=None,
        password=None,
        callback_url=callback_url,
        declaration_file=None,
        phone_numbers=None,
        allow_destructive=True,
        strict=False,
        requirements=None,
        report_dir="/tmp/unused",
        timeout=None,
        time_scale=None,
        catalog_dir=None,
        invocation_dir=Path.cwd(),
        second_source_address=second,
    )


def test_second_source_address_must_be_an_ipv4_address() -> None:
    assert _settings("192.0.2.10").second_source_address == "192.0.2.10"
    assert _settings().second_source_address is None
    for bad in ("host.example", "2001:db8::1", "192.0.2.300"):
        with pytest.raises(SettingsError, match="--second-source-address"):
            _settings(bad)


def test_callback_url_must_be_a_url_with_a_port_the_device_can_reach() -> None:
    for good in ("http://127.0.0.1:18778", "https://bench.example", "http://192.0.2.5:80/base"):
        assert _settings(callback_url=good).callback_url == good
    for bad in ("http://127.0.0.1:0", "127.0.0.1:8080", "ftp://host:21", "http://:8080", "http://h:99999"):
        with pytest.raises(SettingsError, match="--callback-url"):
            _settings(callback_url=bad)


def test_second_source_is_the_option_else_another_loopback_address_else_none() -> None:
    assert second_source_for(_settings("192.0.2.10"), "192.0.2.9") == "192.0.2.10"
    assert second_source_for(_settings(), "127.0.0.1") == "127.0.0.2"
    assert second_source_for(_settings(), "127.0.0.2") == "127.0.0.3"
    assert second_source_for(_settings(), "192.0.2.9") is None


def test_local_address_towards_a_loopback_target_is_a_loopback_address() -> None:
    assert ipaddress.IPv4Address(local_address_towards("http://127.0.0.1:9")).is_loopback
    assert ipaddress.IPv4Address(local_address_towards("https://localhost")).is_loopback


def test_local_address_towards_a_host_whose_lookup_hangs_raises_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket
    import threading
    import time

    release = threading.Event()

    def hanging(*_: object, **__: object) -> object:
        release.wait(5)
        raise OSError("released")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    started = time.monotonic()
    with pytest.raises(OSError, match=r"could not resolve 'device\.example' within 0\.2 s"):
        local_address_towards("http://device.example:80", resolve_timeout=0.2)
    assert time.monotonic() - started < 2
    release.set()
    assert ipaddress.IPv4Address(local_address_towards("http://127.0.0.5:9", resolve_timeout=0.2)).is_loopback
