"""The fuzz checks: schemathesis runs once per session against the target (``fuzz_report``), and
each check reports the failures of its operations against its requirements.

They run only when this directory is named (``pytest conformance/fuzz``, ``smsgw fuzz``): a plain
``pytest conformance/`` or ``smsgw certify`` deselects them, so certification stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
SUMMARY = "fuzz-summary.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smsgw-fuzz", "smsgw fuzzing (conformance/fuzz)")
    group.addoption("--fuzz-mode", default="all", help="positive, negative or all (default all)")
    group.addoption(
        "--fuzz-phases",
        default="examples,coverage,fuzzing,stateful",
        help="comma-separated schemathesis phases (default: all four)",
    )
    group.addoption("--fuzz-max-examples", type=int, default=100, help="examples per operation (100)")
    group.addoption("--fuzz-seed", type=int, default=0, help="hypothesis seed (default 0)")
    group.addoption("--fuzz-time-budget", type=float, default=None, help="seconds for the whole run")
    group.addoption("--fuzz-operations", default="", help="comma-separated operation ids (default all)")
    group.addoption("--fuzz-checks", default="", help="comma-separated registry checks (default all)")


def _named(config: pytest.Config) -> bool:
    for arg in config.args:
        path = Path(arg.split("::", 1)[0])
        path = path if path.is_absolute() else Path(config.invocation_params.dir) / path
        try:
            path.resolve().relative_to(HERE)
        except ValueError:
            continue
        return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _named(config):
        return
    fuzz = [i for i in items if Path(str(i.path)).resolve().is_relative_to(HERE)]
    if fuzz:
        config.hook.pytest_deselected(items=fuzz)
        items[:] = [i for i in items if i not in fuzz]


def _option(config: pytest.Config, name: str, default: Any) -> Any:
    try:
        value = config.getoption(name)
    except ValueError:
        return default
    return default if value is None else value


@pytest.fixture(scope="session")
def fuzz_report(request: pytest.FixtureRequest, conformance: Any, target: str) -> Any:
    """One schemathesis run against the target for the whole session (its summary is written to
    ``<report-dir>/fuzz-summary.json``, redacted)."""
    from smsgw.fuzz import FuzzSettings, FuzzUsageError, fuzz_device

    config = request.config

    def split(name: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in str(_option(config, name, "")).split(",") if p.strip())

    operations = split("fuzz_operations")
    if not operations and conformance.requirements:  # --requirements: only the operations they need
        from smsgw.fuzz.runner import selected_operations
        from smsgw.fuzz.spec import operations_for_requirements, profile_spec

        spec = profile_spec(conformance.profile)
        allowed = selected_operations(
            FuzzSettings(
                target=target, profile=conformance.profile, allow_destructive=conformance.allow_destructive
            ),
            spec,
        )
        wanted = operations_for_requirements(conformance.profile, tuple(conformance.requirements))
        operations = tuple(o for o in wanted if o in allowed)
        if not operations:
            pytest.skip("no fuzzed operation maps to the selected requirements")
    settings = FuzzSettings(
        target=target,
        profile=conformance.profile,
        username=conformance.username,
        password=conformance.password.reveal(),
        mode=_option(config, "fuzz_mode", "all"),
        phases=split("fuzz_phases") or ("examples", "coverage", "fuzzing", "stateful"),
        max_examples=int(_option(config, "fuzz_max_examples", 100)),
        seed=_option(config, "fuzz_seed", 0),
        time_budget=_option(config, "fuzz_time_budget", None),
        request_timeout=conformance.timeout,
        operations=operations,
        checks=split("fuzz_checks"),
        allow_destructive=conformance.allow_destructive,
    )
    try:
        report = fuzz_device(settings)
    except FuzzUsageError as exc:
        pytest.exit(f"smsgw fuzz: {exc}", returncode=2)
    out = Path(conformance.report_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / SUMMARY).write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    return report
