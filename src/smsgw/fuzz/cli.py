# ruff: noqa: B008, PLR0917  (typer declares options as defaults)
"""``smsgw fuzz`` (the device API, through the conformance plugin: certificate, JUnit, Allure) and
``smsgw fuzz-server`` (an SMS server's push URL).  Heavy imports happen inside the commands.
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

PHASES_HELP = "Comma-separated schemathesis phases: examples, coverage, fuzzing, stateful."
SUMMARY = "fuzz-summary.json"


def register(app: typer.Typer) -> None:
    app.command("fuzz")(fuzz)
    app.command("fuzz-server")(fuzz_server_command)


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


def _need_fuzz_extra(command: str) -> None:
    """Exit 2 with the install line when the ``fuzz`` extra (schemathesis) is missing."""
    if importlib.util.find_spec("schemathesis") is None:
        _echo_err(f"{command} needs the fuzz extra: pip install 'smsgw-suite[fuzz]'")
        raise typer.Exit(2)


def fuzz(
    target: str | None = typer.Option(None, help="Device API base URL; default: the embedded emulator."),
    profile: str = typer.Option(
        "gateway-2.4", help="gateway-2.4, router-2.2, proxy-gateway, simple-v2, dinstar-uc."
    ),
    username: str | None = typer.Option(None, help="Device account (default root)."),
    password: str | None = typer.Option(
        None, envvar="SMSGW_PASSWORD", help="Device password; prefer the SMSGW_PASSWORD environment variable."
    ),
    mode: str = typer.Option("all", help="positive, negative or all."),
    phases: str = typer.Option("examples,coverage,fuzzing,stateful", help=PHASES_HELP),
    max_examples: int = typer.Option(100, help="Examples per operation and phase."),
    seed: int = typer.Option(0, help="Hypothesis seed (same seed, same requests)."),
    time_budget: float | None = typer.Option(
        None, help="Seconds for the run; fuzzing and stateful phases keep going until it is spent."
    ),
    operations: str = typer.Option("", help="Comma-separated operation ids (default: all allowed)."),
    checks: str = typer.Option("", help="Comma-separated registry checks (default: all)."),
    declaration: Path | None = typer.Option(None, exists=True, dir_okay=False, help="Device declaration."),
    allow_destructive: bool = typer.Option(False, help="Fuzz operations that change device state too."),
    report_dir: Path | None = typer.Option(
        None, help="Run directory (default reports/<UTC timestamp>/fuzz)."
    ),
    timeout: float = typer.Option(10.0, help="Timeout of every HTTP request, seconds."),
    emulator_speedup: float = typer.Option(10.0, help="Clock speed-up of the embedded emulator."),
    suite: Path | None = typer.Option(None, file_okay=False, help="Conformance suite directory."),
) -> None:
    """Fuzz the device API with schemathesis from the profile's OpenAPI description and write
    reports/<run>/fuzz/: certificate.json/html, junit.xml, allure-results/, fuzz-summary.json.
    Exit codes: 0 no failure, 1 failures, 2 usage error, 3 target unreachable, 4 incomplete.
    """
    from smsgw._data import conformance_dir
    from smsgw.fuzz.spec import DOCUMENTS
    from smsgw.pytest_plugin.settings import PASSWORD_ENV, default_run_id
    from smsgw.report.certificate import CERTIFICATE_JSON, CertificateError, load_certificate
    from smsgw.report.declaration import write_declaration
    from smsgw.report.embedded import EmbeddedUnavailable, start_embedded_target
    from smsgw.report.exitcodes import ExitCode

    _need_fuzz_extra("smsgw fuzz")
    if profile not in DOCUMENTS:
        _echo_err(f"smsgw fuzz: unknown profile {profile!r} (known: {', '.join(DOCUMENTS)})")
        raise typer.Exit(int(ExitCode.USAGE_ERROR))
    run_dir = (report_dir or Path("reports") / default_run_id() / "fuzz").resolve()
    suite_dir = suite or conformance_dir()
    with ExitStack() as stack:
        declaration_file = str(declaration) if declaration else None
        if target is None:
            try:
                embedded = stack.enter_context(start_embedded_target(profile, emulator_speedup))
            except EmbeddedUnavailable as exc:
                _echo_err(f"smsgw fuzz: cannot start the embedded target: {exc}; give --target URL")
                raise typer.Exit(int(ExitCode.USAGE_ERROR)) from None
            target, username, password = embedded.url, embedded.username, embedded.password
            allow_destructive = True  # the emulator is the run's own
            if declaration_file is None:
                declaration_file = str(write_declaration(embedded.declaration, run_dir / "declaration.yaml"))
        args = [
            sys.executable,
            "-m",
            "pytest",
            str(suite_dir / "fuzz"),
            "--rootdir",
            str(suite_dir),
            "-c",
            str(suite_dir / "pytest.ini"),
            "--target",
            target,
            "--profile",
            profile,
            "--report-dir",
            str(run_dir),
            "--junitxml",
            str(run_dir / "junit.xml"),
            "--call-timeout",
            str(timeout),
            "--fuzz-mode",
            mode,
            "--fuzz-phases",
            phases,
            "--fuzz-max-examples",
            str(max_examples),
            "--fuzz-seed",
            str(seed),
        ]
        for flag, value in (
            ("--username", username),
            ("--declaration", declaration_file),
            ("--fuzz-time-budget", time_budget),
            ("--fuzz-operations", operations or None),
            ("--fuzz-checks", checks or None),
        ):
            if value is not None:
                args += [flag, str(value)]
        if allow_destructive:
            args.append("--allow-destructive")
        if importlib.util.find_spec("allure_pytest") is not None:
            if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
                args += ["-p", "allure_pytest.plugin"]
            args += ["--alluredir", str(run_dir / "allure-results")]
        env = dict(os.environ)
        env.pop(PASSWORD_ENV, None)
        if password:  # through the environment, never on a command line
            env[PASSWORD_ENV] = password
        completed = subprocess.run(args, env=env, check=False)
    code = _exit_code(run_dir, completed.returncode, CERTIFICATE_JSON, load_certificate, CertificateError)
    summary = run_dir / SUMMARY
    if summary.is_file():
        data = json.loads(summary.read_text(encoding="utf-8"))
        total = sum(data.get("cases", {}).values())
        typer.echo(
            f"fuzz: {total} requests, {len(data.get('failures', []))} failure(s), {data.get('seconds')} s"
        )
        for failure in data.get("failures", []):
            ids = ", ".join(failure.get("requirements") or ["no requirement"])
            typer.echo(f"  FAIL {failure['operation']}: {failure['title']} [{failure['check']}] ({ids})")
        if data.get("failures") and code == int(ExitCode.CONFORMANT):
            code = int(ExitCode.NOT_CONFORMANT)  # a failure no requirement of the profile names
    typer.echo(f"reports: {run_dir}")
    raise typer.Exit(code)


def _exit_code(run_dir: Path, returncode: int, name: str, load: object, error: type[Exception]) -> int:
    from smsgw.report.exitcodes import ExitCode

    if (run_dir / name).is_file():
        try:
            return int(load(run_dir).exit_code)  # type: ignore[operator]
        except error as exc:
            _echo_err(f"smsgw fuzz: {exc}")
            return int(ExitCode.INCOMPLETE)
    return {4: int(ExitCode.USAGE_ERROR), 3: int(ExitCode.INCOMPLETE)}.get(returncode, returncode)


def fuzz_server_command(
    target: str = typer.Option(..., help="The SMS server's push URL (where a device would POST)."),
    family: str = typer.Option("ejoin", help="Push family: ejoin or dinstar."),
    tolerate_invalid: bool = typer.Option(
        False, help="Accept 2xx for invalid pushes (a server that stores what it cannot grade)."
    ),
    seed: int = typer.Option(0, help="Seed of the generated pushes."),
    examples: int = typer.Option(10, help="Valid and schema-violating bodies drawn per push type."),
    types: str = typer.Option("", help="Comma-separated push types (default: every type of the family)."),
    timeout: float = typer.Option(10.0, help="Seconds a push may take before it counts as a hang."),
    oversize_bytes: int = typer.Option(9 * 1024 * 1024, help="Size of the oversized push (0: none)."),
    username: str = typer.Option("root", help="Device account in legacy forward queries."),
    password: str | None = typer.Option(
        None, envvar="SMSGW_PASSWORD", help="Device password in legacy forward queries (redacted everywhere)."
    ),
    report_dir: Path | None = typer.Option(
        None, help="Run directory (default reports/<UTC timestamp>/fuzz-server)."
    ),
) -> None:
    """Play a device: POST schema-generated pushes of every type (valid, boundary, invalid) to an SMS
    server and check its answers: no 5xx, no hang, valid accepted, invalid rejected (or tolerated).
    Writes junit.xml and fuzz-server.json.  Exit codes: 0 no failure, 1 failures, 2 usage, 3 unreachable.
    """
    _need_fuzz_extra("smsgw fuzz-server")
    import httpx

    from smsgw.fuzz.server import FAMILIES, fuzz_server, write_junit
    from smsgw.pytest_plugin.settings import default_run_id
    from smsgw.redact import redact_url

    if family not in FAMILIES:
        _echo_err(f"smsgw fuzz-server: unknown family {family!r} (known: {', '.join(FAMILIES)})")
        raise typer.Exit(2)
    if not target.startswith(("http://", "https://")):
        _echo_err("smsgw fuzz-server: --target must be an http(s) URL")
        raise typer.Exit(2)
    try:  # only "nothing listens" is unreachable; a server that stalls is what the run reports
        httpx.request("HEAD", target, timeout=timeout)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
        _echo_err(f"smsgw fuzz-server: {redact_url(target)} unreachable: {type(exc).__name__}")
        raise typer.Exit(3) from None
    except httpx.HTTPError:
        pass
    run_dir = (report_dir or Path("reports") / default_run_id() / "fuzz-server").resolve()
    report = fuzz_server(
        target,
        family=family,
        tolerate_invalid=tolerate_invalid,
        seed=seed,
        drawn_per_type=examples,
        timeout=timeout,
        oversize_bytes=oversize_bytes,
        kinds=tuple(t.strip() for t in types.split(",") if t.strip()),
        username=username,
        password=password or "",
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    write_junit(report, run_dir / "junit.xml")
    (run_dir / "fuzz-server.json").write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    counts = ", ".join(f"{k} {v}" for k, v in report.counts().items())
    typer.echo(f"fuzz-server: {len(report.results)} pushes in {report.seconds:.1f} s ({counts})")
    for result in report.failures:
        typer.echo(f"  FAIL {result.case.name} [{result.case.expect}]: {result.problem}")
    typer.echo(f"reports: {run_dir}")
    raise typer.Exit(0 if report.ok else 1)
