"""``smsgw fuzz`` and ``smsgw fuzz-server`` end to end: exit codes, reports, and no password in any
file they write."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smsgw.cli import app
from tests.fuzz.conftest import PASSWORD
from tests.fuzz.test_server import _broken_app

Device = Callable[..., AbstractContextManager[str]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _files_with(directory: Path, secret: str) -> list[str]:
    return [str(p) for p in directory.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.mark.slow
def test_fuzz_fails_a_device_that_ignores_auth_and_names_the_requirement(
    device: Device, tmp_path: Path
) -> None:
    run = tmp_path / "fuzz"
    with device("gateway-2.4", "defect.auth-ignored-on-sms-stat") as url:
        result = CliRunner().invoke(
            app,
            [
                "fuzz",
                "--target", url,
                "--phases", "examples,fuzzing",
                "--max-examples", "10",
                "--operations", "goip_get_sms_stat,goip_get_status",
                "--report-dir", str(run),
            ],
            env={"SMSGW_PASSWORD": PASSWORD},
        )  # fmt: skip
    certificate = json.loads((run / "certificate.json").read_text(encoding="utf-8"))
    verdicts = {r["id"]: r["verdict"] for r in certificate["requirements"]}
    assert result.exit_code == 1, result.output
    assert verdicts["EJ-AUTH-WRONG-PASSWORD-REFUSED"] == "FAIL"
    assert verdicts["EJ-STATUS-GET-STATUS-URL"] == "PASS"
    assert (run / "junit.xml").is_file()
    assert (run / "fuzz-summary.json").is_file()
    assert any((run / "allure-results").glob("*-result.json"))
    assert "EJ-AUTH-WRONG-PASSWORD-REFUSED" in result.output
    assert _files_with(run, PASSWORD) == []
    assert PASSWORD not in result.output


@pytest.mark.slow
def test_fuzz_of_the_embedded_emulator_passes(tmp_path: Path) -> None:
    run = tmp_path / "fuzz"
    result = CliRunner().invoke(
        app,
        [
            "fuzz",
            "--phases", "examples,fuzzing",
            "--max-examples", "5",
            "--operations", "goip_get_status,goip_get_tasks",
            "--report-dir", str(run),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((run / "fuzz-summary.json").read_text(encoding="utf-8"))
    assert summary["failures"] == []
    assert set(summary["cases"]) == {"goip_get_status", "goip_get_tasks"}


def test_fuzz_of_an_unknown_profile_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["fuzz", "--profile", "nokia-3310"])
    assert result.exit_code == 2


@pytest.mark.slow
def test_fuzz_of_an_unreachable_target_exits_3(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(app, ["fuzz", "--target", url, "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 3, result.output


def test_fuzz_server_fails_a_broken_server_and_writes_junit_without_the_password(tmp_path: Path) -> None:
    from smsgw._http.server import ServerThread

    run = tmp_path / "server"
    with ServerThread(_broken_app) as server:
        result = CliRunner().invoke(
            app,
            [
                "fuzz-server",
                "--target", server.url + "/push",
                "--types", "dev-status,sms-forward",
                "--examples", "2",
                "--timeout", "1",
                "--oversize-bytes", "0",
                "--report-dir", str(run),
            ],
            env={"SMSGW_PASSWORD": PASSWORD},
        )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output
    assert (run / "junit.xml").read_text(encoding="utf-8").count("<failure ") >= 1
    assert json.loads((run / "fuzz-server.json").read_text(encoding="utf-8"))["ok"] is False
    assert _files_with(run, PASSWORD) == []
    assert PASSWORD not in result.output


def test_fuzz_server_of_an_unreachable_url_exits_3(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/push"
    result = CliRunner().invoke(app, ["fuzz-server", "--target", url, "--report-dir", str(tmp_path)])
    assert result.exit_code == 3
