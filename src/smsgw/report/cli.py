# ruff: noqa: B008, PLR0917  (typer declares options as defaults)
"""``smsgw certify`` and ``smsgw report diff|table``: the CLI entry point over the same core as
the pytest plugin (the plugin runs the checks; this module starts it and reads its certificates).

Commands are only declared here; heavy imports happen inside the command functions.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import typer

#: pytest plugins installed with the suite's extras that a certification run never uses: not loading
#: them (hypothesis, schemathesis, Locust's, anyio, pytest-httpserver) takes ~1.5 s off every certify
UNUSED_PLUGINS = ("hypothesispytest", "schemathesis", "locust", "anyio", "pytest_httpserver")

report_app = typer.Typer(help="Compare and tabulate conformance certificates.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("certify")(certify)
    app.add_typer(report_app, name="report")


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


def certify(
    target: str | None = typer.Option(
        None, help="Device API base URL; without it the embedded emulator is certified."
    ),
    profile: str | None = typer.Option(
        None, help="gateway-2.4, router-2.2, proxy-gateway, simple-v2 or dinstar-uc."
    ),
    username: str | None = typer.Option(None, help="Device account (default root)."),
    password: str | None = typer.Option(
        None, envvar="SMSGW_PASSWORD", help="Device password; prefer the SMSGW_PASSWORD environment variable."
    ),
    callback_url: str | None = typer.Option(None, help="The push receiver's base URL as the device sees it."),
    receiver: str | None = typer.Option(None, help="API URL of a running push receiver (smsgw receive)."),
    receiver_listen: str | None = typer.Option(None, help="Start a push receiver on HOST:PORT for the run."),
    declaration: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="Device declaration (YAML)."
    ),
    phone_number: list[str] = typer.Option([], help="A number you own; real SMS only go there (repeatable)."),
    allow_destructive: bool = typer.Option(
        False, help="Run checks that change device state (they restore it)."
    ),
    second_source_address: str | None = typer.Option(
        None,
        help="A second local IPv4 address of this machine that reaches the device directly: the IP list "
        "enforcement checks (router-2.2, destructive) send from it (loopback target: 127.0.0.2).",
    ),
    strict: bool = typer.Option(False, help="SHOULD and MAY failures fail the run too."),
    requirements: list[str] = typer.Option([], help="Only requirements matching this pattern (repeatable)."),
    report_dir: Path | None = typer.Option(None, help="Run directory (default reports/<UTC timestamp>)."),
    timeout: float | None = typer.Option(None, help="Timeout of every HTTP call, seconds (default 10)."),
    time_scale: float | None = typer.Option(None, help="Scale the documents' timers (emulators only)."),
    emulator_speedup: float = typer.Option(
        10.0, help="Clock speed-up of the embedded emulator (no --target)."
    ),
    suite: Path | None = typer.Option(
        None, file_okay=False, help="Conformance suite directory (default: shipped)."
    ),
    pytest_args: list[str] = typer.Argument(None, help="Extra pytest arguments, after --"),
) -> None:
    """Run the conformance suite against a device (or the embedded emulator) and write
    reports/<run>/: certificate.json, certificate.html, junit.xml, allure-results/.

    Exit codes: 0 conformant, 1 MUST failures (SHOULD/MAY too with --strict), 2 usage error,
    3 target unreachable, 4 incomplete run, 5 nothing selected.
    """
    from smsgw._data import conformance_dir
    from smsgw.pytest_plugin.settings import PASSWORD_ENV, SettingsError, build_settings, default_run_id
    from smsgw.report.certificate import CERTIFICATE_JSON, CertificateError, load_certificate
    from smsgw.report.declaration import write_declaration
    from smsgw.report.embedded import EmbeddedUnavailable, start_embedded_target
    from smsgw.report.exitcodes import ExitCode

    run_dir = (report_dir or Path("reports") / default_run_id()).resolve()
    suite_dir = suite or conformance_dir()
    with ExitStack() as stack:
        declaration_file = str(declaration) if declaration else None
        if target is None:
            try:
                embedded = stack.enter_context(
                    start_embedded_target(profile or _declared_profile(declaration), emulator_speedup)
                )
            except EmbeddedUnavailable as exc:
                _echo_err(f"smsgw certify: cannot start the embedded target: {exc}")
                raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
            target, callback_url = embedded.url, callback_url or embedded.callback_url
            receiver = receiver or embedded.receiver_url
            username, password = embedded.username, embedded.password
            profile = embedded.profile
            time_scale = time_scale or embedded.time_scale
            # the emulator is the suite's own: SMS go to its SIMs, destructive checks may run
            phone_number = list(phone_number or ()) or list(embedded.phone_numbers)
            allow_destructive = allow_destructive or embedded.allow_destructive
            second_source_address = second_source_address or embedded.second_source_address
            if declaration_file is None:
                declaration_file = str(write_declaration(embedded.declaration, run_dir / "declaration.yaml"))
        try:  # the same validation the plugin does, before starting anything slow
            build_settings(
                target=target,
                profile=profile,
                username=username,
                password=None,
                callback_url=callback_url,
                receiver_url=receiver,
                receiver_listen=receiver_listen,
                second_source_address=second_source_address,
                declaration_file=declaration_file,
                phone_numbers=phone_number,
                allow_destructive=allow_destructive,
                strict=strict,
                requirements=requirements,
                report_dir=str(run_dir),
                timeout=timeout,
                time_scale=time_scale,
                catalog_dir=None,
                invocation_dir=Path.cwd(),
            )
        except SettingsError as exc:
            _echo_err(f"smsgw certify: {exc}")
            raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
        args = [
            sys.executable,
            "-m",
            "pytest",
            str(suite_dir),
            "--rootdir",
            str(suite_dir),
            "-c",
            str(suite_dir / "pytest.ini"),
            "--target",
            target,
            "--report-dir",
            str(run_dir),
            "--junitxml",
            str(run_dir / "junit.xml"),
        ]
        for plugin in UNUSED_PLUGINS:
            args += ["-p", f"no:{plugin}"]
        for flag, value in (
            ("--profile", profile),
            ("--username", username),
            ("--callback-url", callback_url),
            ("--receiver", receiver),
            ("--receiver-listen", receiver_listen),
            ("--declaration", declaration_file),
            ("--call-timeout", timeout),
            ("--time-scale", time_scale),
            ("--second-source-address", second_source_address),
        ):
            if value is not None:
                args += [flag, str(value)]
        for number in phone_number:
            args += ["--phone-number", number]
        for pattern in requirements:
            args += ["--requirements", pattern]
        if allow_destructive:
            args.append("--allow-destructive")
        if strict:
            args.append("--strict-conformance")
        if importlib.util.find_spec("allure_pytest") is not None:
            if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
                args += ["-p", "allure_pytest.plugin"]
            args += ["--alluredir", str(run_dir / "allure-results")]
        else:
            _echo_err(
                "smsgw certify: no Allure results: allure-pytest is not installed (smsgw-suite[report])"
            )
        args += list(pytest_args or [])
        env = dict(os.environ)
        env.pop(PASSWORD_ENV, None)
        if password:  # through the environment, never on a command line another user can read
            env[PASSWORD_ENV] = password
        completed = subprocess.run(args, env=env, check=False)
    if (run_dir / CERTIFICATE_JSON).is_file():
        try:
            code = load_certificate(run_dir).exit_code
        except CertificateError as exc:
            _echo_err(f"smsgw certify: {exc}")
            code = int(ExitCode.INCOMPLETE)
    else:  # pytest stopped before the plugin could conclude
        code = {4: ExitCode.USAGE_ERROR, 3: ExitCode.INCOMPLETE}.get(
            completed.returncode, completed.returncode
        )
    typer.echo(f"reports: {run_dir}")
    raise typer.Exit(int(code))


def _declared_profile(declaration: Path | None) -> str:
    """The declaration's profile (the embedded emulator is of that family), else gateway-2.4."""
    from smsgw.report.declaration import DEFAULT_PROFILE, Declaration, DeclarationError

    if declaration is None:
        return DEFAULT_PROFILE
    try:
        return Declaration.load(declaration).profile or DEFAULT_PROFILE
    except DeclarationError:  # reported by the settings check below
        return DEFAULT_PROFILE


@report_app.command("diff")
def report_diff(
    before: Path = typer.Argument(..., help="certificate.json (or its run directory) of the earlier run"),
    after: Path = typer.Argument(..., help="certificate.json (or its run directory) of the later run"),
    as_json: bool = typer.Option(False, "--json", help="Print the diff as JSON."),
) -> None:
    """What newly fails, newly passes or changed verdict between two certificates.

    Exit codes: 0 nothing newly fails, 1 something newly fails, 2 unreadable certificate.
    """
    from smsgw.report.certificate import CertificateError, load_certificate
    from smsgw.report.diff import diff_certificates, render_diff_text
    from smsgw.report.exitcodes import DiffExit

    try:
        diff = diff_certificates(load_certificate(before), load_certificate(after))
    except CertificateError as exc:
        _echo_err(f"smsgw report diff: {exc}")
        raise typer.Exit(int(DiffExit.USAGE_ERROR)) from None
    typer.echo(json.dumps(diff.to_dict(), indent=2) if as_json else render_diff_text(diff), nl=not as_json)
    raise typer.Exit(int(DiffExit.REGRESSION if diff.regression else DiffExit.OK))


@report_app.command("table")
def report_table(
    certificates: list[Path] = typer.Argument(
        ..., help="certificate.json files or run directories, oldest first"
    ),
    output: Path = typer.Option(..., "-o", "--output", help="HTML file to write"),
) -> None:
    """Side-by-side matrix of several certificates (requirements as rows, runs as columns).

    Exit codes: 0 every certificate conformant, 1 some certificate is not, 2 unreadable certificate.
    """
    from smsgw.report.certificate import CertificateError, load_certificate
    from smsgw.report.exitcodes import DiffExit
    from smsgw.report.table import render_table

    try:
        loaded = [load_certificate(p) for p in certificates]
    except CertificateError as exc:
        _echo_err(f"smsgw report table: {exc}")
        raise typer.Exit(int(DiffExit.USAGE_ERROR)) from None
    names = [p.parent.name if p.name == "certificate.json" else p.name for p in certificates]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_table(loaded, names), encoding="utf-8")
    typer.echo(f"wrote {output}")
    raise typer.Exit(int(DiffExit.OK if all(c.conformant for c in loaded) else DiffExit.REGRESSION))
