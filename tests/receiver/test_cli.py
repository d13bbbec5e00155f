from __future__ import annotations

import typer
from typer.testing import CliRunner

from smsgw.receiver.cli import register


def app() -> typer.Typer:
    root = typer.Typer()
    register(root)

    @root.command("other")
    def other() -> None:  # a second command, so typer keeps "receive" as a sub-command
        """Nothing."""

    return root


def test_receive_command_declares_its_options() -> None:
    result = CliRunner().invoke(app(), ["receive", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--db", "--path", "--public-url", "--synchronous", "--max-body", "--ready-file"):
        assert option in result.output


def test_receive_refuses_a_reserved_extra_path() -> None:
    result = CliRunner().invoke(app(), ["receive", "--path", "/_api/x", "--port", "0"])
    assert result.exit_code != 0
    assert "outside /_api and /_ui" in result.output
