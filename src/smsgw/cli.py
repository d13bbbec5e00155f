"""The ``smsgw`` command line (typer + rich).

Sub-applications are added by the components that own them; this module only wires them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from smsgw import __version__

app = typer.Typer(
    name="smsgw",
    help="Conformance, fuzzing and load testing for SMS gateway HTTP APIs.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
spec_app = typer.Typer(
    help="The machine-readable spec: schemas, errata, requirement catalog.", no_args_is_help=True
)
app.add_typer(spec_app, name="spec")

console = Console()
err_console = Console(stderr=True)

#: Components that add commands: each module has ``register(app: typer.Typer) -> None`` that only
#: declares commands (heavy imports happen inside the command functions, so `smsgw --help` is fast).
COMPONENT_CLIS = (
    "smsgw.emulator.cli",
    "smsgw.receiver.cli",
    "smsgw.report.cli",
    "smsgw.load.cli",
    "smsgw.fuzz.cli",
)


def _print_version(value: bool) -> None:
    """``--version``: handled while the options are parsed (the group callback would only run once a
    command is given, so ``smsgw --version`` alone failed with "Missing command")."""
    if value:
        console.print(f"smsgw-suite {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
    ),
) -> None:
    del version  # handled by its callback


@spec_app.command("check")
def spec_check() -> None:
    """Load and check every schema, the errata book, the requirement catalog and the schema cases."""
    from smsgw.spec.selfcheck import run_selfcheck

    report = run_selfcheck()
    table = Table(title="smsgw spec self-check")
    table.add_column("item")
    table.add_column("count", justify="right")
    for key, value in report.counts.items():
        table.add_row(key, str(value))
    console.print(table)
    for problem in report.problems:
        err_console.print(f"[red]FAIL[/red] {problem}")
    if report.problems:
        raise typer.Exit(1)
    console.print("[green]all schemas, errata, requirements and cases check out[/green]")


@spec_app.command("errata")
def spec_errata(
    write: bool = typer.Option(False, "--write", help="Write schemas/ERRATA.md instead of printing it."),
) -> None:
    """Render the errata book (schemas/errata.yaml) as Markdown."""
    from smsgw._data import schemas_dir
    from smsgw.spec.errata import ErrataBook

    text = ErrataBook.load().render_markdown()
    if write:
        (schemas_dir() / "ERRATA.md").write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


@spec_app.command("grade")
def spec_grade(
    schema: str = typer.Argument(..., help="Schema name, e.g. ejoin/dev-status.push"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON instance to grade"),
) -> None:
    """Grade a JSON document against a message schema: PASS, NON-STRICT (with errata) or FAIL."""
    from smsgw.spec.registry import default_registry

    try:
        instance = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        err_console.print(f"[red]FAIL[/red] {file}: not JSON: {exc}")
        raise typer.Exit(1) from exc
    grade = default_registry().grade(schema, instance)
    console.print(f"{grade.verdict.value} {schema}")
    for erratum in grade.errata:
        console.print(f"  tolerated by {erratum}")
    for error in grade.errors:
        console.print(f"  {error}")
    if not grade.ok:
        raise typer.Exit(1)


@spec_app.command("list")
def spec_list(prefix: str = typer.Argument("", help="Only names starting with this")) -> None:
    """List schema names."""
    from smsgw.spec.registry import default_registry

    for name in default_registry().names(prefix):
        console.print(name)


def _register_components() -> None:
    import importlib

    for module_name in COMPONENT_CLIS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_name.startswith(exc.name):
                raise
            continue
        module.register(app)


_register_components()


def main() -> None:
    app()
