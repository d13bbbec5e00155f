from __future__ import annotations

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
