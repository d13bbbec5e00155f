from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from smsgw.cli import app


def test_list_faults_prints_every_quirk_and_defect() -> None:
    result = CliRunner().invoke(app, ["emulate", "--list-faults"])
    assert result.exit_code == 0
    assert "quirk.max-slot-key" in result.output
    assert "defect.tid-not-echoed" in result.output


def test_emulate_refuses_a_non_loopback_host() -> None:
    result = CliRunner().invoke(app, ["emulate", "--host", "0.0.0.0"])
    assert result.exit_code != 0


def test_emulate_refuses_an_unknown_switch() -> None:
    result = CliRunner().invoke(app, ["emulate", "--switch", "defect.nope", "--http-port", "1"])
    assert result.exit_code != 0


@pytest.mark.slow
def test_emulate_serves_devices_and_prints_their_urls() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "smsgw", "emulate", "-n", "2", "--virtual-time", "--profile", "router-2.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "40"},  # a narrow console must not wrap the URL lines
    )
    try:
        assert process.stdout is not None
        urls = []
        deadline = time.monotonic() + 20
        while len(urls) < 2 and time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("http://127.0.0.1:"):
                assert "SIM numbers " in line, line
            urls += [word for word in line.split() if word.startswith("http://127.0.0.1:")]
        assert len(urls) == 2
        for _ in range(50):
            try:
                answer = httpx.get(
                    urls[1] + "/goip_get_status.html",
                    params={"username": "root", "password": "root"},
                    timeout=2,
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert answer.json()["max-ports"] == 8
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_emulate_serves_with_the_serving_gc_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from smsgw.emulator import serve

    seen: list[tuple[int, int]] = []

    async def fake_serve_forever(*_args: object) -> None:
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))

    threshold = gc.get_threshold()
    monkeypatch.setattr(serve, "serve_forever", fake_serve_forever)
    try:
        result = CliRunner().invoke(app, ["emulate", "--virtual-time"])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert result.exit_code == 0, result.output
    assert len(seen) == 1
    assert seen[0][0] == serve.SERVING_GC_THRESHOLD
    assert seen[0][1] > 0  # the start-up heap is frozen
