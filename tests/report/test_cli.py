"""``smsgw certify`` end to end on a one-check suite, and its refusal without an embedded target."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smsgw._http import ServerThread, send_json
from smsgw._http.asgi import Receive, Scope, Send
from smsgw.cli import app
from smsgw.report import embedded
from smsgw.report.cli import UNUSED_PLUGINS
from smsgw.spec.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Certify-Pw-77aa"
runner = CliRunner()


async def _device(scope: Scope, receive: Receive, send: Send) -> None:
    await send_json(send, 200, {"code": 0, "reason": "OK"})


@pytest.fixture
def device() -> Iterator[str]:
    with ServerThread(_device) as server:
        yield server.url


def _core_requirement() -> str:
    return next(
        r.id
        for r in Catalog.load().values()
        if r.family == "ejoin"
        and not r.capability
        and not r.destructive
        and (not r.profiles or "gateway-2.4" in r.profiles)
    )


def _one_check_suite(tmp_path: Path) -> Path:
    """The conformance conftest and one check, which also lists the plugins pytest loaded."""
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(ROOT / "conformance" / "conftest.py", suite)
    shutil.copy(ROOT / "conformance" / "pytest.ini", suite)
    (suite / "test_one.py").write_text(
        "import json, pathlib, pytest\n\n"
        f"@pytest.mark.requirement({_core_requirement()!r})\n"
        "def test_device_answers(check, ejoin, request):\n"
        "    plugins = [n for n, p in request.config.pluginmanager.list_name_plugin() if p is not None]\n"
        "    pathlib.Path(__file__).with_name('plugins.json').write_text(json.dumps(plugins))\n"
        "    resp = ejoin.command('lock', '1.01')\n"
        "    check.expect(resp.json()['code'] == 0, 'code must be 0')\n"
        "    check.firmware('fw-1')\n",
        encoding="utf-8",
    )
    return suite


def test_certify_runs_the_suite_and_writes_every_report(
    device: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = _one_check_suite(tmp_path)
    monkeypatch.setenv("SMSGW_PASSWORD", PASSWORD)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    run_dir = tmp_path / "reports" / "run-1"
    result = runner.invoke(
        app, ["certify", "--target", device, "--suite", str(suite), "--report-dir", str(run_dir)]
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in run_dir.iterdir()}
    assert {"certificate.json", "certificate.html", "junit.xml", "allure-results"} <= names
    text = (run_dir / "certificate.json").read_text(encoding="utf-8")
    assert '"firmware": "fw-1"' in text
    assert all(PASSWORD.encode() not in p.read_bytes() for p in run_dir.rglob("*") if p.is_file())


def test_certify_leaves_out_the_pytest_plugins_it_never_uses(
    device: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = _one_check_suite(tmp_path)
    monkeypatch.setenv("SMSGW_PASSWORD", PASSWORD)
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    run_dir = tmp_path / "run"
    result = runner.invoke(
        app, ["certify", "--target", device, "--suite", str(suite), "--report-dir", str(run_dir)]
    )
    assert result.exit_code == 0, result.output
    loaded = set(json.loads((suite / "plugins.json").read_text(encoding="utf-8")))
    assert "allure_pytest" in loaded  # autoloaded plugins still load; the others are left out
    assert not loaded & set(UNUSED_PLUGINS)


def test_certify_says_a_password_equal_to_the_username_is_scrubbed_as_expected_not_as_a_bug(
    device: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    suite = _one_check_suite(tmp_path)
    monkeypatch.setenv("SMSGW_PASSWORD", "admin")  # Dinstar's factory admin/admin
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    run_dir = tmp_path / "run"
    args = ["certify", "--target", device, "--username", "admin", "--suite", str(suite)]
    result = runner.invoke(app, [*args, "--report-dir", str(run_dir)])
    assert result.exit_code == 0, result.output
    err = capfd.readouterr().err
    assert "is (part of) the username" in err
    assert "BUG" not in err
    assert all(b"admin" not in p.read_bytes() for p in run_dir.rglob("*") if p.is_file())


def test_certify_refuses_a_bad_declaration_before_running(tmp_path: Path) -> None:
    bad = tmp_path / "d.yaml"
    bad.write_text("declaration: 7\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "certify",
            "--target",
            "http://127.0.0.1:9",
            "--declaration",
            str(bad),
            "--report-dir",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 2
    assert "declaration" in result.output


def test_certify_without_target_explains_when_no_embedded_target_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(profile: str = "gateway-2.4", speedup: float = 10.0) -> None:
        raise embedded.EmbeddedUnavailable("smsgw.emulator has no create_app() yet")

    monkeypatch.setattr(embedded, "start_embedded_target", unavailable)
    result = runner.invoke(app, ["certify", "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "cannot start the embedded target" in result.output
    assert "create_app" in result.output


def test_certify_without_target_certifies_the_embedded_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(ROOT / "conformance" / "conftest.py", suite)
    shutil.copy(ROOT / "conformance" / "pytest.ini", suite)
    (suite / "test_embedded.py").write_text(
        "import pytest\n\n"
        f"@pytest.mark.requirement({_core_requirement()!r})\n"
        "def test_status_pushes_reach_the_receiver(check, ejoin, receiver, timers):\n"
        "    assert timers.scale < 1\n"
        "    mark = receiver.mark()\n"
        "    resp = ejoin.get_status(url=receiver.push_url('dut'), period=60)\n"
        "    check.expect(resp.status == 200, f'HTTP {resp.status}')\n"
        "    push = receiver.wait_for(\n"
        "        type='dev-status', device='dut', after=mark, timeout=timers.status_push_wait\n"
        "    )\n"
        "    check.attach_push('dev-status', push.body)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("SMSGW_PASSWORD", raising=False)
    run_dir = tmp_path / "reports" / "embedded"
    result = runner.invoke(
        app, ["certify", "--suite", str(suite), "--report-dir", str(run_dir), "--emulator-speedup", "60"]
    )
    assert result.exit_code == 0, result.output
    cert = json.loads((run_dir / "certificate.json").read_text(encoding="utf-8"))
    assert cert["declaration"]["source"] == str(run_dir / "declaration.yaml")
    assert cert["declaration"]["capabilities"]["esim"] is True
    assert cert["target"]["url"].startswith("http://127.0.0.1:")
    (req,) = [r for r in cert["requirements"] if r["checks"]]
    assert req["checks"][0]["evidence"][-1]["kind"] == "push"
