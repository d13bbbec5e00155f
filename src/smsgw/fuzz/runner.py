"""Fuzz a device API with schemathesis from the project's OpenAPI description (strict form).

:func:`fuzz_device` runs the schemathesis engine (phases examples, coverage, fuzzing, stateful;
positive and/or negative generation; seeded; time-boxed) against a target with the registry's
checks (:mod:`smsgw.fuzz.checks`) and the built-in checks that suit an API whose answers carry
their result in the body, and returns a :class:`FuzzReport`: cases per operation, failures with
their requirement ids, errors.  Nothing here prints; the CLI and the pytest entry render reports.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from smsgw.fuzz.checks import CheckEnv, Credentials, Exchange, Failure, Replay

if TYPE_CHECKING:
    from smsgw.fuzz.adapter import FuzzSession

from smsgw.fuzz.spec import LOCKOUT_OPERATIONS, ProfileSpec, profile_spec, requirements_for, strict_document

PHASES = ("examples", "coverage", "fuzzing", "stateful")
MODES = ("positive", "negative", "all")
#: Built-in schemathesis checks and whether they run.  The goip_* API answers every request with
#: HTTP 200 (or a 4xx) and a result code in the body, documents no other status, and tolerates
#: unknown parameters: the status-code based checks would judge the wrong thing.  Response schemas
#: are graded by the registry's own check (strict form, positive requests only).
BUILTIN_CHECKS: dict[str, bool] = {
    "not_a_server_error": True,
    "content_type_conformance": True,
    "response_headers_conformance": True,
    "status_code_conformance": False,
    "response_schema_conformance": False,
    "positive_data_acceptance": False,
    "negative_data_rejection": False,
    "ignored_auth": False,
    "unsupported_method": False,
    "missing_required_header": False,
    "use_after_free": False,
    "ensure_resource_availability": False,
}
TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class TargetUnreachable(RuntimeError):
    """Nothing answers at the target URL."""


class FuzzUsageError(ValueError):
    """Settings that cannot be run (unknown phase, mode, operation)."""


@dataclass(frozen=True)
class FuzzSettings:
    target: str
    profile: str = "gateway-2.4"
    username: str = "root"
    password: str = field(default="", repr=False)
    mode: str = "all"
    phases: tuple[str, ...] = PHASES
    max_examples: int = 100
    seed: int | None = 0
    #: seconds for the whole run (schemathesis ``max-time``); None: unbounded
    time_budget: float | None = None
    request_timeout: float = 10.0
    #: only these operation ids (default: every operation the run may touch)
    operations: tuple[str, ...] = ()
    #: fuzz operations marked ``x-smsgw-destructive`` (commands, sending, configuration)
    allow_destructive: bool = False
    #: checks of the registry to run (default: all)
    checks: tuple[str, ...] = ()
    max_failures: int | None = None
    #: stateful phase: steps per scenario
    stateful_steps: int | None = None

    def validate(self, spec: ProfileSpec) -> None:
        unknown = [p for p in self.phases if p not in PHASES]
        if unknown:
            raise FuzzUsageError(f"unknown phase(s) {unknown}; known: {', '.join(PHASES)}")
        if self.mode not in MODES:
            raise FuzzUsageError(f"unknown mode {self.mode!r}; known: {', '.join(MODES)}")
        if self.max_examples < 1:
            raise FuzzUsageError("max examples must be >= 1")
        missing = [o for o in self.operations if o not in spec.operations]
        if missing:
            raise FuzzUsageError(
                f"{self.profile} has no operation(s) {missing}; known: {', '.join(spec.operations)}"
            )


@dataclass
class FuzzReport:
    profile: str
    target: str
    seed: int | None
    mode: str
    phases: tuple[str, ...]
    max_examples: int
    operations: tuple[str, ...]
    cases: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stop_reason: str = ""
    #: sha256 over the generated requests, in order: the same seed gives the same fingerprint
    fingerprint: str = ""
    #: operations whose accepted request was replayed without/with wrong credentials (ignored_auth)
    auth_checked: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "target": self.target,
            "seed": self.seed,
            "mode": self.mode,
            "phases": list(self.phases),
            "max_examples": self.max_examples,
            "operations": list(self.operations),
            "cases": dict(sorted(self.cases.items())),
            "failures": [f.to_dict() for f in self.failures],
            "errors": list(self.errors),
            "seconds": round(self.seconds, 2),
            "stop_reason": self.stop_reason,
            "fingerprint": self.fingerprint,
            "auth_checked": list(self.auth_checked),
            "ok": self.ok,
        }


def probe(url: str, timeout: float) -> None:
    """Raise :class:`TargetUnreachable` unless something answers HTTP at ``url``."""
    try:
        requests.get(url, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        raise TargetUnreachable(f"{url}: {type(exc).__name__}") from None


def selected_operations(settings: FuzzSettings, spec: ProfileSpec) -> tuple[str, ...]:
    if settings.operations:
        return settings.operations
    return tuple(
        op_id
        for op_id, info in spec.operations.items()
        if op_id not in LOCKOUT_OPERATIONS and (settings.allow_destructive or not info.destructive)
    )


def _config(settings: FuzzSettings, spec: ProfileSpec) -> Any:
    from schemathesis.config import SchemathesisConfig

    from smsgw.fuzz.adapter import install_checks

    checks: dict[str, Any] = {name: {"enabled": on} for name, on in BUILTIN_CHECKS.items()}
    wanted = set(settings.checks)
    for name in install_checks():
        checks[name] = {"enabled": not wanted or name.removeprefix("smsgw_") in wanted}
    stateful: dict[str, Any] = {"enabled": "stateful" in settings.phases}
    if settings.stateful_steps:
        stateful["max-steps"] = settings.stateful_steps
    data: dict[str, Any] = {
        "base-url": settings.target.rstrip("/"),
        "request-timeout": settings.request_timeout,
        "workers": 1,
        # no example database: runs are reproducible from the seed alone, nothing is written to the
        # working directory, and hypothesis keeps no pareto front (a third of the generation time)
        "generation": {"mode": settings.mode, "max-examples": settings.max_examples, "database": "none"},
        "phases": {p: {"enabled": p in settings.phases} for p in PHASES if p != "stateful"}
        | {"stateful": stateful},
        "checks": checks,
    }
    if settings.seed is not None:
        data["seed"] = settings.seed
    if settings.time_budget:
        data["max-time"] = max(1, int(settings.time_budget))
    if settings.max_failures:
        data["max-failures"] = settings.max_failures
    if spec.family == "ejoin":
        data["auth"] = {
            "openapi": {
                "username": {"api_key": settings.username},
                "password": {"api_key": settings.password},
            }
        }
    return SchemathesisConfig.from_dict(data)


def fuzz_device(settings: FuzzSettings) -> FuzzReport:
    """Run schemathesis against ``settings.target``; every request has ``request_timeout``."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    from smsgw.fuzz.adapter import FuzzSession, active, replay_request
    from smsgw.spec.registry import default_registry

    spec = profile_spec(settings.profile)
    settings.validate(spec)
    probe(settings.target, settings.request_timeout)
    chosen = selected_operations(settings, spec)

    def replay(exchange: Exchange, credentials: Credentials) -> Replay | None:
        return replay_request(
            exchange,
            credentials,
            family=spec.family,
            username=settings.username,
            password=settings.password,
            timeout=settings.request_timeout,
        )

    env = CheckEnv(
        profile=settings.profile,
        family=spec.family,
        username=settings.username,
        password=settings.password,
        registry=default_registry(),
        replay=replay if not settings.checks or "ignored_auth" in settings.checks else None,
    )
    session = FuzzSession(spec, env, timeout=settings.request_timeout)
    report = FuzzReport(
        profile=settings.profile,
        target=session.redact(settings.target),
        seed=settings.seed,
        mode=settings.mode,
        phases=settings.phases,
        max_examples=settings.max_examples,
        operations=chosen,
    )
    started = time.monotonic()
    digest = hashlib.sha256()
    with strict_document(settings.profile) as document, active(session):
        config = _config(settings, spec)
        schema = schemathesis.openapi.from_path(document, config=config).include(operation_id=list(chosen))
        if spec.family == "dinstar":  # HTTP digest (dinstar-uc-1.2 §1): requests answers the challenge
            schema.auth.set_from_requests(requests.auth.HTTPDigestAuth(settings.username, settings.password))
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _scenario(report, session, spec, event)
                for node in event.recorder.cases.values():
                    case = node.value
                    digest.update(repr((case.method, case.path, case.query, case.body)).encode())
            elif isinstance(event, events.NonFatalError):
                _error(report, session, spec, event)
            elif isinstance(event, events.FatalError):
                report.errors.append(
                    session.redact(f"fatal: {type(event.exception).__name__}: {event.exception}")
                )
            elif isinstance(event, events.EngineFinished):
                report.stop_reason = str(getattr(event, "stop_reason", "") or "")
    report.failures = session.failures + report.failures
    report.fingerprint = digest.hexdigest()
    report.auth_checked = tuple(sorted(env.auth_checked))
    report.seconds = time.monotonic() - started
    return report


def _operation_of(spec: ProfileSpec, label: str | None) -> str:
    method, _, path = (label or "").partition(" ")
    info = spec.by_path(method, path)
    return info.operation_id if info is not None else (label or "?")


def _scenario(report: FuzzReport, session: FuzzSession, spec: ProfileSpec, event: Any) -> None:
    recorder = event.recorder
    for node in recorder.cases.values():
        case = node.value
        if spec.by_path(str(case.method), str(case.operation.path)) is not None:  # not a probe of an
            report.cases[_operation_of(spec, f"{case.method} {case.operation.path}")] += (
                1  # undocumented method
            )
    seen = {(f.check, f.operation_id, f.title) for f in report.failures}
    for case_id, checks in recorder.checks.items():
        for result in checks:
            name = result.name
            if name.startswith("smsgw_") or getattr(result.status, "name", "") == "SUCCESS":
                continue
            info = getattr(result, "failure_info", None)
            failure = getattr(info, "failure", None)
            title = str(getattr(failure, "title", name))
            node = recorder.cases.get(case_id)
            op = _operation_of(spec, f"{node.value.method} {node.value.operation.path}" if node else None)
            if (name, op, title) in seen:
                continue
            seen.add((name, op, title))
            message = session.redact(str(getattr(failure, "message", "")))[:500]
            report.failures.append(
                Failure(name, op, title, message, requirements_for("response", op, report.profile))
            )


def _error(report: FuzzReport, session: FuzzSession, spec: ProfileSpec, event: Any) -> None:
    op = _operation_of(spec, event.label)
    if isinstance(event.value, TRANSPORT_ERRORS):
        key = ("server_error", op, "No answer")
        if key not in {(f.check, f.operation_id, f.title) for f in report.failures}:
            report.failures.append(
                Failure(
                    "server_error",
                    op,
                    "No answer",
                    session.redact(
                        f"{event.label}: {type(event.value).__name__}: the connection was closed "
                        f"or timed out without an answer"
                    ),
                    requirements_for("response", op, report.profile),
                )
            )
        return
    report.errors.append(session.redact(f"{event.label}: {type(event.value).__name__}: {event.value}")[:500])
