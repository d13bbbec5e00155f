"""smsgw load: the command line (the report command in-process; the runs are in test_run.py)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from smsgw.cli import app
from tests.load.test_capacity import SATURATING, write_steps

runner = CliRunner()


def test_report_rebuilds_the_capacity_report_from_any_runs_csvs(tmp_path: Path) -> None:
    write_steps(tmp_path / "locust", SATURATING)
    result = runner.invoke(app, ["load", "report", str(tmp_path / "locust"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "knee at 30 users" in result.output
    assert json.loads((tmp_path / "out" / "capacity.json").read_text(encoding="utf-8"))["knee"]["users"] == 30


def test_report_of_a_missing_run_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["load", "report", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert not (tmp_path / "capacity.json").exists()


def test_load_commands_are_listed() -> None:
    result = runner.invoke(app, ["load", "--help"])
    assert result.exit_code == 0
    for command in ("send-sms", "status-fanin", "report"):
        assert command in result.output
