"""``smsgw emulate --profile dinstar-uc`` (plain and --tls) and the embedded certify target."""

from __future__ import annotations

import ssl
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from smsgw.cli import app
from smsgw.report.embedded import start_embedded_target


def test_list_faults_includes_the_dinstar_switches() -> None:
    result = CliRunner().invoke(app, ["emulate", "--list-faults"])
    assert result.exit_code == 0
    assert "defect.dinstar-ports-one-based" in result.output
    assert "quirk.dinstar-register-null-text" in result.output
    assert "E-DS-REGISTER-NULL-TEXT" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("tls", [False, True])
def test_emulate_serves_a_dinstar_gateway(tls: bool) -> None:
    args = [sys.executable, "-m", "smsgw", "emulate", "--virtual-time", "--profile", "dinstar-uc"]
    args += ["--username", "admin", "--password", "pw-123"] + (["--tls"] if tls else [])
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        url, ca = "", ""
        deadline = time.monotonic() + 20
        while not (url and (ca or not tls)) and time.monotonic() < deadline:
            line = process.stdout.readline()
            url = url or next((w for w in line.split() if w.startswith(("http://", "https://"))), "")
            if line.startswith("CA certificate:"):
                ca = line.split(":", 1)[1].strip()
        assert url.startswith("https://" if tls else "http://")
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca) if tls else True
        answer = None
        for _ in range(50):
            try:
                answer = httpx.get(
                    f"{url}/api/query_sms_in_queue",
                    auth=httpx.DigestAuth("admin", "pw-123"),
                    verify=verify,
                    timeout=2,
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer is not None
        assert answer.json()["in_queue"] == 0
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "pw-123" not in output


def test_the_embedded_target_starts_a_dinstar_gateway_pushing_to_its_receiver() -> None:
    with start_embedded_target("dinstar-uc", speedup=10.0) as target:
        assert target.profile == "dinstar-uc"
        assert len(target.phone_numbers) == 2
        with httpx.Client(auth=httpx.DigestAuth(target.username, target.password), timeout=10) as client:
            body = {"text": "hi", "param": [{"number": target.phone_numbers[0], "user_id": 1}]}
            assert client.post(f"{target.url}/api/send_sms", json=body).json()["error_code"] == 202
        from smsgw.receiver import connect

        with connect(target.receiver_url) as rx:
            message = rx.wait_for(lambda m: m.type.endswith("sms"), timeout=20)
        assert message.family == "dinstar"
