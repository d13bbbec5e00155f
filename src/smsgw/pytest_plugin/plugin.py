"""The pytest plugin of the conformance suite: options, the ``requirement`` marker, scoping,
verdict mapping, exit codes, and the writers (certificate JSON/HTML, Allure) fed by events.

Loaded by ``conformance/conftest.py`` (``pytest_plugins = ["smsgw.pytest_plugin"]``), never as a
global entry point, so no other pytest run is affected.
"""

from __future__ import annotations

import fnmatch
import socket
import sys
from collections.abc import Generator, Iterator
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from smsgw import __version__
from smsgw.client.scrub import Scrubber
from smsgw.pytest_plugin.check import CheckDefinitionError, Unimplemented
from smsgw.pytest_plugin.recorder import Recorder
from smsgw.pytest_plugin.settings import PASSWORD_ENV, Settings, SettingsError, build_settings
from smsgw.report.builder import CertificateBuilder, utc_now
from smsgw.report.certificate import write_certificate
from smsgw.report.declaration import PROFILES, applicability
from smsgw.report.events import CheckCollected, CheckFinished, CheckStarted, EventBus, RunFinished, RunStarted
from smsgw.report.exitcodes import ExitCode
from smsgw.report.html import write_certificate_html
from smsgw.report.model import failing_levels
from smsgw.spec.catalog import Catalog, Requirement
from smsgw.spec.registry import SchemaRegistry
from smsgw.verdicts import Verdict

MARKER = "requirement"
PLUGIN_NAME = "smsgw-conformance"
JUNIT_NAME = "junit.xml"
ALLURE_DIR = "allure-results"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smsgw", "smsgw conformance (device under test)")
    group.addoption(
        "--target", metavar="URL", help="Base URL of the device's HTTP API, e.g. http://192.168.1.67:80"
    )
    group.addoption(
        "--profile",
        choices=PROFILES,
        help="API profile of the target (default: the declaration's, else gateway-2.4)",
    )
    group.addoption("--username", help="Device account (default: root)")
    group.addoption(
        "--password",
        help=f"Device password (prefer the environment variable {PASSWORD_ENV}: no secret in argv)",
    )
    group.addoption(
        "--callback-url",
        metavar="URL",
        help="The push receiver's base URL as the device sees it (default: the receiver's own URL)",
    )
    group.addoption(
        "--receiver",
        metavar="URL",
        help="API URL of a running push receiver (`smsgw receive`) to read pushes from",
    )
    group.addoption(
        "--receiver-listen",
        metavar="HOST:PORT",
        help="Start a push receiver in the test process on HOST:PORT (reachable by the device)",
    )
    group.addoption(
        "--second-source-address",
        metavar="IP",
        help="A second local IPv4 address of this machine that reaches the device directly (no NAT): "
        "the IP white/black list enforcement checks send from it (default on a loopback target: 127.0.0.2)",
    )
    group.addoption(
        "--declaration",
        metavar="FILE",
        help="Device declaration (YAML, schemas/meta/declaration.schema.json)",
    )
    group.addoption(
        "--phone-number",
        action="append",
        default=[],
        metavar="MSISDN",
        help="A number you own that checks may send real SMS to (repeatable); no number, no SMS",
    )
    group.addoption(
        "--allow-destructive",
        action="store_true",
        help="Run checks that change device state (they restore it)",
    )
    group.addoption(
        "--strict-conformance",
        action="store_true",
        help="SHOULD and MAY failures fail the run too (pytest's own --strict also turns this on)",
    )
    group.addoption(
        "--requirements",
        action="append",
        default=[],
        metavar="PATTERN",
        help="Only checks of requirements matching this fnmatch pattern (repeatable), e.g. 'EJ-SMS-*'",
    )
    group.addoption(
        "--report-dir", metavar="DIR", help="Where the run's reports go (default: reports/<UTC timestamp>)"
    )
    group.addoption(
        "--call-timeout",
        type=float,
        metavar="SECONDS",
        help="Timeout of every HTTP call to the target (default 10; pytest-timeout owns --timeout)",
    )
    group.addoption(
        "--time-scale",
        type=float,
        metavar="FACTOR",
        help="Multiply the documents' timers (only for emulators with fast clocks; default 1)",
    )
    group.addoption(
        "--catalog", metavar="DIR", help="Requirement catalog directory (default: the shipped one)"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*ids): the catalog requirement ids this check verifies (validated at collection)",
    )
    if config.pluginmanager.has_plugin(PLUGIN_NAME):
        return
    opt = config.option
    if getattr(opt, "numprocesses", None) or hasattr(config, "workerinput"):
        # Checks share one device (ports, tasks, configuration): running them in parallel would make
        # them interfere, and each worker would write its own partial certificate.
        pytest.exit(
            "smsgw: the conformance suite runs serially (no -n / xdist)", returncode=int(ExitCode.USAGE_ERROR)
        )
    try:
        settings = build_settings(
            target=opt.target,
            profile=opt.profile,
            username=opt.username,
            password=opt.password,
            callback_url=opt.callback_url,
            receiver_url=opt.receiver,
            receiver_listen=opt.receiver_listen,
            second_source_address=opt.second_source_address,
            declaration_file=opt.declaration,
            phone_numbers=opt.phone_number,
            allow_destructive=opt.allow_destructive,
            strict=opt.strict_conformance or _pytest_strict(config),
            requirements=opt.requirements,
            report_dir=opt.report_dir,
            timeout=opt.call_timeout,
            time_scale=opt.time_scale,
            catalog_dir=opt.catalog,
            invocation_dir=config.invocation_params.dir,
        )
        catalog = Catalog.load(settings.catalog_dir)
    except (SettingsError, ValueError, OSError) as exc:
        # pytest.exit rather than UsageError: the run exits 2 (usage) as documented, not pytest's 4.
        pytest.exit(f"smsgw: {exc}", returncode=int(ExitCode.USAGE_ERROR))
    # Every run leaves JUnit XML and, when allure-pytest is installed, Allure results beside the
    # certificate; explicit --junitxml / --alluredir win.
    if getattr(opt, "xmlpath", None) is None and not getattr(opt, "collectonly", False):
        opt.xmlpath = str(settings.report_dir / JUNIT_NAME)
    if (
        hasattr(opt, "allure_report_dir")
        and not opt.allure_report_dir
        and not getattr(opt, "collectonly", False)
    ):
        opt.allure_report_dir = str(settings.report_dir / ALLURE_DIR)
    config.pluginmanager.register(ConformanceSession(config, settings, catalog), PLUGIN_NAME)


def _pytest_strict(config: pytest.Config) -> bool:
    """pytest >= 9 owns ``--strict`` (the ``strict`` ini option); a conformance run reads it as ours."""
    try:
        return bool(config.getini("strict"))
    except ValueError:  # pytest < 9 has no such ini option
        return bool(getattr(config.option, "strict", False))


def item_requirement_ids(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for mark in item.iter_markers(MARKER):
        ids += [str(a) for a in mark.args]
    return tuple(dict.fromkeys(ids))


class ConformanceSession:
    """Per-run state; a plugin object so its fixtures and hooks live with it."""

    def __init__(self, config: pytest.Config, settings: Settings, catalog: Catalog) -> None:
        self.config = config
        self.settings = settings
        self.catalog = catalog
        self.scrubber = Scrubber((settings.password.reveal(),))
        self.builder = CertificateBuilder(catalog, __version__)
        self.bus = EventBus(self.builder)
        self.recorder = Recorder(self.bus, self.scrubber)
        self.requirements_of: dict[str, tuple[Requirement, ...]] = {}
        self.deselected: set[str] = set()
        self.outcomes: dict[str, CheckFinished] = {}
        self.usage_error: str | None = None
        self.unreachable: str | None = None
        self.collection_errors = 0
        #: Checks that raised CheckDefinitionError: their run is an error of the suite.
        self.broken_checks: dict[str, str] = {}
        self.exit_code: ExitCode | None = None
        self.scrubbed: list[Path] = []

    # -- session --------------------------------------------------------------------------------
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from smsgw.pytest_plugin.allure_writer import AllureWriter, allure_active

        if allure_active(self.config):
            self.bus.subscribe(AllureWriter())
        s = self.settings
        self.bus.emit(
            RunStarted(
                run_id=s.run_id,
                started=utc_now(),
                target_url=self.scrubber(s.redacted_target),
                profile=s.profile,
                declaration=s.declaration,
                strict=s.strict,
                allow_destructive=s.allow_destructive,
                selection=s.requirements,
            )
        )

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors += 1

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        problems: list[str] = []
        for item in items:
            ids = item_requirement_ids(item)
            if not ids:
                problems.append(
                    f"{item.nodeid}: no @pytest.mark.{MARKER}(...): every check names its requirements"
                )
                continue
            unknown = [i for i in ids if i not in self.catalog]
            for rid in unknown:
                close = get_close_matches(rid, list(self.catalog), n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                problems.append(f"{item.nodeid}: unknown requirement id {rid!r}{hint}")
            self.requirements_of[item.nodeid] = tuple(self.catalog[i] for i in ids if i in self.catalog)
        if problems:
            self.usage_error = "; ".join(problems)
            pytest.exit(
                "collection error: " + "\n  ".join(["", *problems]), returncode=int(ExitCode.USAGE_ERROR)
            )
        patterns = self.settings.requirements
        if patterns:
            keep: list[pytest.Item] = []
            drop: list[pytest.Item] = []
            for item in items:
                names = [r.id for r in self.requirements_of[item.nodeid]]
                matched = any(fnmatch.fnmatchcase(i, p) for i in names for p in patterns)
                (keep if matched else drop).append(item)
            if drop:
                config.hook.pytest_deselected(items=drop)
                items[:] = keep
        from smsgw.pytest_plugin.allure_writer import allure_active, label_item

        if allure_active(config):
            for item in items:
                label_item(item, self.requirements_of[item.nodeid])

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected.update(i.nodeid for i in items)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for nodeid, reqs in self.requirements_of.items():
            self.bus.emit(CheckCollected(nodeid, tuple(r.id for r in reqs), nodeid not in self.deselected))

    # -- one check ------------------------------------------------------------------------------
    def _unrecorded(self, item: pytest.Item) -> list[str]:
        done = self.recorder.recorded_requirements(item.nodeid)
        return [r.id for r in self.requirements_of.get(item.nodeid, ()) if r.id not in done]

    def _record_rest(self, item: pytest.Item, verdict: Verdict, message: str) -> None:
        for rid in self._unrecorded(item):
            self.recorder.record(item.nodeid, rid, verdict, message)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Scoping: not applicable → UNIMPLEMENTED; destructive without opt-in → SKIPPED."""
        reqs = self.requirements_of.get(item.nodeid, ())
        self.bus.emit(CheckStarted(item.nodeid, tuple(r.id for r in reqs)))
        item.user_properties += [("smsgw:requirement", r.id) for r in reqs]
        s = self.settings
        reasons = {r.id: applicability(r, s.profile, s.declaration) for r in reqs}
        out = {rid: a.reason for rid, a in reasons.items() if not a.applies}
        if out:
            for rid, reason in out.items():
                self.recorder.record(item.nodeid, rid, Verdict.UNIMPLEMENTED, reason)
            self._record_rest(item, Verdict.SKIPPED, "another requirement of this check does not apply")
            raise Unimplemented("UNIMPLEMENTED: " + "; ".join(f"{k}: {v}" for k, v in out.items()))
        destructive = [r.id for r in reqs if r.destructive]
        if destructive and not s.allow_destructive:
            reason = f"destructive ({', '.join(destructive)} change device state): needs --allow-destructive"
            self._record_rest(item, Verdict.SKIPPED, reason)
            pytest.skip(reason)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """Map the test's end to verdicts, and the verdicts to the test's outcome."""
        __tracebackhide__ = True
        levels = failing_levels(self.settings.strict)
        try:
            yield
        except (pytest.skip.Exception, pytest.exit.Exception, KeyboardInterrupt):
            raise
        except CheckDefinitionError as exc:
            self.broken_checks[item.nodeid] = self.scrubber(str(exc))
            raise
        except BaseException as exc:
            message = self.scrubber(_exception_text(exc))
            self._record_rest(item, Verdict.FAIL, message)
            if any(self._fails(item, levels)):
                if self.scrubber.contains_secret(str(exc)):  # every reporter reads the exception itself
                    raise ConformanceFailure(self.scrubber(str(exc))) from None
                raise
            pytest.xfail(self._tolerated_text(item))
        self._record_rest(item, Verdict.PASS, "")
        failing = list(self._fails(item, levels))
        if failing:
            raise ConformanceFailure("\n".join(failing))
        if any(o.verdict is Verdict.FAIL for o in self.recorder.observations(item.nodeid)):
            pytest.xfail(self._tolerated_text(item))

    def _fails(self, item: pytest.Item, levels: frozenset[Any]) -> Iterator[str]:
        by_id = {r.id: r for r in self.requirements_of.get(item.nodeid, ())}
        for obs in self.recorder.observations(item.nodeid):
            req = by_id.get(obs.requirement)
            if obs.verdict is Verdict.FAIL and req is not None and req.level in levels:
                yield f"FAIL {req.id} [{req.level.value}] {req.title}: {obs.message}"

    def _tolerated_text(self, item: pytest.Item) -> str:
        by_id = {r.id: r for r in self.requirements_of.get(item.nodeid, ())}
        fails = [o for o in self.recorder.observations(item.nodeid) if o.verdict is Verdict.FAIL]
        text = "; ".join(f"{o.requirement} [{by_id[o.requirement].level.value}]: {o.message}" for o in fails)
        return f"FAIL not failing the run without --strict: {text}"

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        self._scrub_report(report)
        if call.excinfo is not None and report.skipped and not hasattr(report, "wasxfail"):
            reason = self.scrubber(str(call.excinfo.value))
            self._record_rest(item, Verdict.SKIPPED, reason.removeprefix("Skipped: "))
        if report.when == "call" or (report.when == "setup" and not report.passed):
            # JUnit readers see each requirement's verdict from this check as a testcase property.
            for rid, verdict in self._check_verdicts(item).items():
                item.user_properties.append((f"smsgw:verdict:{rid}", verdict))
        outcome = self.outcomes.get(item.nodeid)
        if report.when == "call" and item.nodeid in self.broken_checks:
            message = f"check definition error: {self.broken_checks[item.nodeid]}"
            self.outcomes[item.nodeid] = CheckFinished(item.nodeid, "error", message)
        elif report.failed and report.when != "call":
            text = self.scrubber(call.excinfo.exconly() if call.excinfo else report.longreprtext)
            self.outcomes[item.nodeid] = CheckFinished(item.nodeid, "error", f"{report.when}: {text}"[:2000])
        elif (report.when == "call" or (report.when == "setup" and report.skipped)) and (
            outcome is None or outcome.outcome != "error"
        ):
            state = "xfailed" if hasattr(report, "wasxfail") else report.outcome
            self.outcomes[item.nodeid] = CheckFinished(item.nodeid, state)
        return report

    def _check_verdicts(self, item: pytest.Item) -> dict[str, str]:
        from smsgw.report.model import aggregate

        by_req: dict[str, list[Verdict]] = {}
        for obs in self.recorder.observations(item.nodeid):
            by_req.setdefault(obs.requirement, []).append(obs.verdict)
        result: dict[str, str] = {}
        for rid, verdicts in by_req.items():
            worst = aggregate(verdicts)
            if worst is not None:
                result[rid] = worst.value
        return result

    def _scrub_report(self, report: pytest.TestReport) -> None:
        """No secret in what JUnit, Allure and the terminal take from the report."""
        if not self.scrubber.active:
            return
        if report.longrepr is not None and self.scrubber.contains_secret(report.longreprtext):
            report.longrepr = self.scrubber(report.longreprtext)
        report.sections = [(name, self.scrubber(text)) for name, text in report.sections]

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        outcome = self.outcomes.get(nodeid)
        if outcome is not None:
            self.bus.emit(outcome)

    # -- end of run -----------------------------------------------------------------------------
    def _exit_code(self, session: pytest.Session, exitstatus: int) -> ExitCode:
        if self.usage_error:
            return ExitCode.USAGE_ERROR
        if self.unreachable:
            return ExitCode.TARGET_UNREACHABLE
        if exitstatus == pytest.ExitCode.USAGE_ERROR:
            return ExitCode.USAGE_ERROR
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            return ExitCode.USAGE_ERROR if self.collection_errors else ExitCode.INCOMPLETE
        if exitstatus == pytest.ExitCode.INTERNAL_ERROR:
            return ExitCode.INCOMPLETE
        if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED or not session.items:
            return ExitCode.NO_CHECKS
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            return ExitCode.INCOMPLETE
        if self.builder.failing():
            return ExitCode.NOT_CONFORMANT
        if any(o.outcome == "error" for o in self.outcomes.values()):
            return ExitCode.INCOMPLETE
        return ExitCode.CONFORMANT

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        code = self._exit_code(session, exitstatus)
        self.exit_code = code
        self.bus.emit(RunFinished(utc_now()))
        if getattr(self.config.option, "collectonly", False):
            return
        certificate = self.builder.build(int(code))
        directory = self.settings.report_dir
        write_certificate(certificate, directory)
        write_certificate_html(certificate, directory)
        session.exitstatus = int(code)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.exit_code is None or getattr(self.config.option, "collectonly", False):
            return
        tr = terminalreporter
        results = self.builder.results()
        counts: dict[str, int] = {}
        for r in results:
            if r.applies or r.checks:
                counts[r.verdict] = counts.get(r.verdict, 0) + 1
        tr.section("smsgw conformance")
        tr.write_line(
            f"target {self.scrubber(self.settings.redacted_target)} profile {self.settings.profile}"
        )
        tr.write_line("requirements: " + ", ".join(f"{v} {n}" for v, n in sorted(counts.items())))
        for r in results:
            if r.failing:
                tr.write_line(f"FAIL {r.id} [{r.level}] {r.title}: {r.message}", red=True)
        tr.write_line(
            f"outcome: {self.exit_code.name} (exit code {int(self.exit_code)})",
            green=self.exit_code == ExitCode.CONFORMANT,
            red=self.exit_code != ExitCode.CONFORMANT,
        )
        tr.write_line(f"certificate: {self.settings.report_dir / 'certificate.json'} (and certificate.html)")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Last line of defence: scrub the password from every file of the report dir."""
        self.scrubbed = self.scrubber.scrub_tree(self.settings.report_dir)
        password = self.settings.password.reveal()
        # a password that is (part of) the username (Dinstar's factory admin/admin) appears wherever
        # the username does: scrubbed all the same, but that is expected, not a leak
        expected = bool(password) and password in self.settings.username
        for path in self.scrubbed:
            if expected:
                sys.stderr.write(
                    f"smsgw: the device password is (part of) the username; every occurrence in {path}"
                    " was replaced by ***\n"
                )
            else:
                sys.stderr.write(f"smsgw: BUG: the device password appeared in {path}; scrubbed\n")


class ConformanceFailure(AssertionError):
    """A check recorded FAIL for a requirement whose level fails the run."""


@cache
def schema_registry() -> SchemaRegistry:
    from smsgw.spec.registry import default_registry

    return default_registry()


def _exception_text(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    if isinstance(exc, AssertionError):
        return text.splitlines()[0] if text else "assertion failed"
    return f"{name}: {text}" if text else name


def probe(url: str, timeout: float) -> str | None:
    """``None`` when a TCP connection to the URL's host and port opens within ``timeout``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{parts.scheme}://{host}:{port}: {exc.strerror or exc}"


def conformance_session(config: pytest.Config) -> ConformanceSession | None:
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    return plugin if isinstance(plugin, ConformanceSession) else None


__all__ = [
    "ConformanceFailure",
    "ConformanceSession",
    "conformance_session",
    "item_requirement_ids",
    "pytest_addoption",
    "pytest_configure",
]
