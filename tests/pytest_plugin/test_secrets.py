"""No password anywhere under a run's report directory, even when the device echoes it back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smsgw._http import ServerThread, send_json
from smsgw._http.asgi import Receive, Scope, Send
from tests.pytest_plugin.conftest import Suite

PASSWORD = "Pw-9f3e1c7a-secret"

ECHOING_CHECKS = """
import pytest

@pytest.mark.requirement("EJ-T-MUST-A")
def test_device_answer_is_evidence(check, ejoin):
    resp = ejoin.get_status(url="http://receiver.example/push", period=60)
    check.attach_json("answer", resp.data)
    print("device said", resp.text)
    check.fail(f"device echoed its request: {resp.text}")

@pytest.mark.requirement("EJ-T-MUST-B")
def test_assertion_with_the_echo(ejoin):
    resp = ejoin.get_sms()
    assert resp.data is None, f"unexpected answer {resp.text}"

@pytest.mark.requirement("EJ-T-SHOULD-A")
def test_tolerated_failure_with_the_echo(ejoin):
    assert False, ejoin.get_sms().text
"""


async def _echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """A careless device: echoes the query string (with the password) in its JSON answer."""
    query = scope.get("query_string", b"").decode()
    await send_json(send, 200, {"code": 0, "echo": query, "raw": query.split("password=")[-1]})


@pytest.fixture
def echoing_device() -> Iterator[str]:
    with ServerThread(_echo_app) as server:
        yield server.url


def test_password_appears_in_no_file_of_the_report_dir(suite: Suite, echoing_device: str) -> None:
    suite.write("test_echo.py", ECHOING_CHECKS)
    run = suite.run("--target", echoing_device, env={"SMSGW_PASSWORD": PASSWORD}, allure=True)
    assert run.returncode == 1, run.stdout + run.stderr
    files = [p for p in run.report_dir.rglob("*") if p.is_file()]
    assert any(p.name == "junit.xml" for p in files)
    assert any("allure-results" in p.parts for p in files)
    assert any(p.name.endswith("-attachment.txt") or p.name.endswith("-attachment.json") for p in files)
    leaking = [p for p in files if PASSWORD.encode() in p.read_bytes()]
    assert leaking == []
    # Redacted at the source, not by the final scan of the directory.
    assert "BUG" not in run.stderr
    assert PASSWORD not in run.stdout
    assert "password=***" in (run.report_dir / "certificate.json").read_text(encoding="utf-8")
