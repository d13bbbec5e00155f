from __future__ import annotations

from typer.testing import CliRunner

from smsgw import __version__
from smsgw.cli import app

runner = CliRunner()


def test_version_alone_prints_the_version_and_exits_0() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"smsgw-suite {__version__}"


def test_no_command_shows_the_commands() -> None:
    result = runner.invoke(app, [])
    for command in ("emulate", "receive", "certify", "fuzz", "load", "spec", "report"):
        assert command in result.output


def test_spec_list_names_the_schemas_under_a_prefix() -> None:
    result = runner.invoke(app, ["spec", "list", "ejoin/dev-status"])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["ejoin/dev-status.push"]
