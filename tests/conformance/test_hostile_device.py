"""The suite facing a broken device (stalled, cut short, 64 MiB answers): every affected check FAILs
with a reason a person can read, the run ends by itself (every call has the client's timeout and
read limit), and no report holds the password.

Each run is ``smsgw certify`` in a subprocess against an emulated gateway with one defect on, limited
to the authentication checks (a handful of requests) and a 1 s timeout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from smsgw.emulator import DeviceConfig, Fleet

PASSWORD = "Hostile-pw-7351"
#: How long the stalled device holds each answer: far beyond the run's --timeout.
STALL_SECONDS = 30.0
RUN_TIMEOUT = 240.0


def _certify(
    url: str, selection: str, report_dir: Path
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], float]:
    command = [
        sys.executable, "-m", "smsgw", "certify", "--target", url, "--password", PASSWORD,
        "--requirements", selection, "--timeout", "1", "--report-dir", str(report_dir),
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    elapsed = time.monotonic() - started
    certificate = json.loads((report_dir / "certificate.json").read_text(encoding="utf-8"))
    return done, certificate, elapsed


@pytest.mark.parametrize(
    ("defect", "selection", "words"),
    [
        ("defect.stall-response", "EJ-AUTH-*", ("timed out", "timeout")),
        ("defect.truncated-json", "EJ-CMD-RESPONSE-JSON", ("not a json document",)),
        ("defect.huge-response", "EJ-CMD-RESPONSE-JSON", ("larger than",)),
    ],
)
def test_broken_device_fails_the_checks_with_a_readable_reason_and_the_run_ends(
    tmp_path: Path, defect: str, selection: str, words: tuple[str, ...]
) -> None:
    template = DeviceConfig(password=PASSWORD, switches=(defect,), stall_seconds=STALL_SECONDS)
    with Fleet(1, template) as fleet:
        done, certificate, elapsed = _certify(fleet.urls[0], selection, tmp_path / "run")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    prefix = selection.rstrip("*")
    selected = [r for r in certificate["requirements"] if r["id"].startswith(prefix)]
    failed = [r for r in selected if r["verdict"] == "FAIL"]
    assert failed, [(r["id"], r["verdict"]) for r in selected]
    for requirement in failed:
        message = requirement["message"] or ""
        assert any(word in message.lower() for word in words), (requirement["id"], message)
        assert "Traceback" not in message
    # Bounded: a stalled answer costs the 1 s timeout per request, not the device's 30 s.
    assert elapsed < RUN_TIMEOUT
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            assert PASSWORD not in path.read_text(encoding="utf-8", errors="replace"), path
    assert PASSWORD not in done.stdout + done.stderr
