"""The Dinstar UC suite end to end: the embedded target of `smsgw certify --profile dinstar-uc`, a
certification of it (exit 0, every covered requirement PASS), and no password or digest Authorization
header in any file of a Dinstar run's report directory (JUnit, Allure, certificate)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from smsgw.emulator.clock import ScaledClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.serve import Fleet
from smsgw.report.declaration import Declaration, write_declaration
from smsgw.report.embedded import start_embedded_target

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "conformance"


def test_embedded_dinstar_target_pushes_to_its_receiver_and_offers_its_sims() -> None:
    with start_embedded_target("dinstar-uc") as target:
        state = httpx.get(f"{target.url}/_emu/state", timeout=10).json()
    assert target.profile == "dinstar-uc"
    assert target.username == "admin"
    assert state["profile"] == "dinstar-uc"
    assert state["push_url"], "the embedded Dinstar gateway pushes to the run's receiver"
    own = {p["number"] for p in state["port_state"]}
    assert target.phone_numbers
    assert set(target.phone_numbers) <= own
    assert target.allow_destructive


@pytest.mark.slow
def test_certify_dinstar_on_the_embedded_emulator(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "smsgw", "certify", "--profile", "dinstar-uc", "--report-dir", str(run_dir),
         "--suite", str(SUITE)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )  # fmt: skip
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    data = json.loads((run_dir / "certificate.json").read_text(encoding="utf-8"))
    verdicts = {r["id"]: r["verdict"] for r in data["requirements"] if r["id"].startswith("DS-")}
    assert "FAIL" not in verdicts.values()
    assert sum(v == "PASS" for v in verdicts.values()) >= 150, verdicts
    assert seconds < 150, f"certify --profile dinstar-uc took {seconds:.0f} s"


def test_no_password_or_digest_header_in_a_dinstar_report(tmp_path: Path) -> None:
    """A failing Dinstar run (the gateway ignores credentials) with Allure: its evidence holds every
    exchange, yet neither the password nor an Authorization header is in any file."""
    pytest.importorskip("allure_pytest")
    password = "Ds-" + secrets.token_hex(8)
    config = DeviceConfig(profile="dinstar-uc", password=password, switches=("defect.dinstar-auth-ignored",))
    declaration = write_declaration(Declaration.everything("dinstar-uc"), tmp_path / "declaration.yaml")
    run_dir = tmp_path / "run"
    with Fleet(1, config, clock=ScaledClock(10.0)) as fleet:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", str(SUITE), "--rootdir", str(SUITE),
             "-c", str(SUITE / "pytest.ini"), "-q", "-p", "allure_pytest.plugin",
             "--alluredir", str(run_dir / "allure-results"),
             "--target", fleet.urls[0], "--profile", "dinstar-uc", "--declaration", str(declaration),
             "--time-scale", "0.1", "--report-dir", str(run_dir), "--requirements", "DS-AUTH-*",
             "--requirements", "DS-HTTP-*", "--requirements", "DS-PORTINFO-*"],
            capture_output=True, text=True, timeout=240, check=False, cwd=tmp_path,
            env={**os.environ, "SMSGW_PASSWORD": password, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    assert any("allure-results" in p.parts and "attachment" in p.name for p in files)
    for path in files:
        data = path.read_bytes()
        assert password.encode() not in data, path
        assert b"Digest username" not in data, path
        assert b"authorization: digest" not in data.lower(), path
    assert password not in proc.stdout + proc.stderr
    assert "BUG" not in proc.stderr


def test_certify_without_target_takes_the_declarations_profile(tmp_path: Path) -> None:
    from smsgw.report.cli import _declared_profile

    path = write_declaration(Declaration.everything("dinstar-uc"), tmp_path / "d.yaml")
    assert _declared_profile(path) == "dinstar-uc"
    assert _declared_profile(None) == "gateway-2.4"
