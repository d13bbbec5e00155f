"""The kill matrix: every conformance check is proven able to fail (conformance/kills/*.yaml).

Each kill file names a profile and, per emulator defect, the requirements its checks must FAIL.
For every profile named, the suite runs once on the conformant emulator (every requirement checked
there PASS or NON-STRICT, exit 0) and once with every quirk on (the vendors' own variants:
NON-STRICT, never FAIL, exit 0); then once per listed defect, with that defect switched on and only
the checks of the requirements it must kill selected (``--requirements``): each listed requirement
must FAIL.  Every run gets its own emulated device (clock 10x) and its own push receiver, both in the
run's own process (forked from a warm zygote), so runs cannot mask each other and several run at once
(most of a run waits on the emulated timers).  The runs start when the test session does
(tests/conftest.py) and go on while the other tests run; the tests below read them last.  The kill
rate is printed and recorded as a JUnit property.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from smsgw.emulator.faults import catalog
from smsgw.report.declaration import PROFILES, Declaration, write_declaration
from smsgw.spec.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "conformance"
KILLS = SUITE / "kills"
SPEEDUP = 10.0
#: Concurrent suite runs: most of a run is waiting for the device's timers (a run takes ~0.45 s of
#: CPU, its device included, in ~8 s); 24 at once keep both cores of a CI machine busy.
WORKERS = 24
RUN_TIMEOUT = 240.0
#: the whole matrix (several hundred runs) starts with the session (tests/conftest.py); the first test
#: that needs it waits for the rest
MATRIX_TIMEOUT = 1500
PASSING = {"PASS", "NON-STRICT"}


@dataclass(frozen=True)
class Kill:
    """One defect of one kill file: the run's name, its profile, and the requirements to FAIL."""

    name: str
    profile: str
    defect: str
    requirements: tuple[str, ...]
    #: "fuzz": the kills of conformance/kills/fuzz.yaml, proven by tests/fuzz (a fuzz run takes
    #: 30-90 s of CPU each; the matrix checks their names but does not run them)
    suite: str = "conformance"


def load_kills() -> list[Kill]:
    kills: list[Kill] = []
    for path in sorted(KILLS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for defect, ids in (data.get("kills") or {}).items():
            suite = data.get("suite", "conformance")
            kills.append(Kill(f"{path.stem}:{defect}", data["profile"], defect, tuple(ids or ()), suite))
    return kills


def kill_profiles() -> list[str]:
    return sorted({kill.profile for kill in load_kills() if kill.suite == "conformance"})


@functools.cache
def checked_requirements() -> dict[str, list[str]]:
    """Requirement id -> the checks (``file::test``) naming it, read from the suite's markers."""
    found: dict[str, list[str]] = {}
    for path in sorted(SUITE.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if (
                    isinstance(deco, ast.Call)
                    and isinstance(deco.func, ast.Attribute)
                    and deco.func.attr == "requirement"
                ):
                    for arg in deco.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            name = f"{path.relative_to(SUITE)}::{node.name}"
                            found.setdefault(arg.value, []).append(name)
    return found


@dataclass(frozen=True)
class SuiteRun:
    name: str
    returncode: int
    verdicts: dict[str, str]
    seconds: float
    output: str


def _files_checking(requirements: list[str]) -> list[str]:
    """The suite's files that hold a check of ``requirements`` (the whole suite when none is given):
    collecting two files instead of forty saves most of a kill run's CPU."""
    if not requirements:
        return [str(SUITE)]
    checks = checked_requirements()
    files = sorted({check.split("::", 1)[0] for rid in requirements for check in checks.get(rid, [])})
    # conformance/fuzz runs only when named (smsgw fuzz): a plain suite run, like these, leaves it out
    files = [f for f in files if not f.startswith("fuzz/")]
    return [str(SUITE / f) for f in files] or [str(SUITE)]


def matrix_jobs() -> list[tuple[str, str, tuple[str, ...], list[str]]]:
    """``(name, profile, switches, requirements)`` of every run: per profile, the conformant and the
    all-quirks suites, then one run per defect of the conformance kill files."""
    quirks = tuple(name for name, switch in catalog().items() if switch.kind == "quirk")
    jobs: list[tuple[str, str, tuple[str, ...], list[str]]] = []
    for profile in kill_profiles():
        jobs += [(f"conformant:{profile}", profile, (), []), (f"quirks:{profile}", profile, quirks, [])]
    jobs += [
        (k.name, k.profile, (k.defect,), list(k.requirements))
        for k in load_kills()
        if k.suite == "conformance"
    ]
    # the longest runs (the full conformant suites, push timers) first, so the pool ends together
    jobs.sort(key=lambda job: (bool(job[3]), not any("STATUS" in i for i in job[3])))
    return jobs


class MatrixRun:
    """Every run of the matrix in ``tests/conformance/_suite_zygote.py``, a subprocess started at once
    (in its own process group) that forks the runs from a warm pytest, WORKERS at a time.

    Each run gets a fresh password, its own report dir and log under ``work``; runs of one profile
    share its declaration file (read-only).  The test process keeps no thread for it: :meth:`results`
    waits for the runner and reads what the runs left."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.runs: dict[str, int] = {}
        declarations = {
            profile: write_declaration(Declaration.everything(profile), work / f"{profile}.declaration.yaml")
            for profile in PROFILES
        }
        jobs = []
        for job_id, (name, profile, switches, patterns) in enumerate(matrix_jobs()):
            self.runs[name] = job_id
            slug = name.replace(":", "_")
            args = [
                *_files_checking(patterns),
                "--rootdir", str(SUITE), "-c", str(SUITE / "pytest.ini"), "-q", "--no-header",
                "--receiver-listen", "127.0.0.1:0", "--profile", profile,
                "--declaration", str(declarations[profile]), "--allow-destructive",
                "--time-scale", str(1 / SPEEDUP), "--report-dir", str(work / slug),
            ]  # fmt: skip
            for pattern in patterns:
                args += ["--requirements", pattern]
            jobs.append({
                "id": job_id, "args": args, "env": {"SMSGW_PASSWORD": secrets.token_urlsafe(12)},
                "cwd": str(work), "log": str(work / f"{slug}.log"),
                "device": {"profile": profile, "switches": list(switches), "speedup": SPEEDUP},
            })  # fmt: skip
        (work / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
        self.results_file = work / "results.jsonl"
        self.runner_log = work / "runner.log"
        # the suite loads its plugin itself; other installed plugins (hypothesis, schemathesis...)
        # would only add seconds of start-up to every run (the runner runs with autoload off)
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        with self.runner_log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable, str(Path(__file__).with_name("_suite_zygote.py")),
                    str(work / "jobs.json"), str(self.results_file),
                    "--workers", str(WORKERS), "--timeout", str(RUN_TIMEOUT),
                ],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work,
                start_new_session=True,
            )  # fmt: skip

    def results(self, timeout: float) -> dict[str, SuiteRun]:
        """Wait (at most ``timeout`` s) for every run; each run's exit code, verdicts and output."""
        try:
            self.proc.wait(timeout)
        finally:
            self.close()
        ended: dict[int, dict[str, Any]] = {}
        if self.results_file.is_file():
            for entry in map(json.loads, self.results_file.read_text(encoding="utf-8").splitlines()):
                ended[entry["id"]] = entry
        runner = self.runner_log.read_text(encoding="utf-8", errors="replace")[-3000:]
        return {name: self._run(name, ended.get(job_id), runner) for name, job_id in self.runs.items()}

    def _run(self, name: str, ended: dict[str, Any] | None, runner: str) -> SuiteRun:
        slug = name.replace(":", "_")
        certificate = self.work / slug / "certificate.json"
        verdicts: dict[str, str] = {}
        if certificate.is_file():
            data = json.loads(certificate.read_text(encoding="utf-8"))
            verdicts = {r["id"]: r["verdict"] for r in data["requirements"]}
        log = self.work / f"{slug}.log"
        output = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        if ended is None:  # the runner ended (or was ended) before this run did
            return SuiteRun(
                name, -9, verdicts, 0.0, f"{output[-2000:]}\nno result; the runner's log:\n{runner}"
            )
        return SuiteRun(name, ended["rc"], verdicts, ended["seconds"], output[-5000:])

    def close(self) -> None:
        """End the runner and every run still going (nothing is left behind by an aborted session)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)


#: the session's MatrixRun, when tests/conftest.py started it as the session began
BACKGROUND = pytest.StashKey["MatrixRun"]()


# -- the matrix's data, checked without running anything ------------------------------------------
def test_kills_name_catalog_defects_and_covered_requirements() -> None:
    kills = load_kills()
    assert kills, "no kill file in conformance/kills/"
    switches = catalog()
    unknown = [k.name for k in kills if k.defect not in switches or switches[k.defect].kind != "defect"]
    assert not unknown, f"kill files name defects the emulator does not have: {unknown}"
    requirements = Catalog.load()
    checked = checked_requirements()
    assert checked, "no check in conformance/"
    for kill in kills:
        assert kill.requirements, f"{kill.name} kills nothing"
        for rid in kill.requirements:
            assert rid in requirements, f"{kill.name}: {rid} is not a catalog requirement"
            assert rid in checked, f"{kill.name}: no check covers {rid}, so nothing can kill it"
    killed = {rid for kill in kills for rid in kill.requirements}
    unkillable = sorted(set(checked) - killed)
    assert not unkillable, (
        f"requirements with a check but no killing defect in conformance/kills: {unkillable}"
    )
    assert set(kill_profiles()) <= set(PROFILES), f"unknown profiles in kill files: {kill_profiles()}"


# -- the matrix -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def matrix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    run = request.config.stash.get(BACKGROUND, None) or MatrixRun(tmp_path_factory.mktemp("kill-matrix"))
    return run.results(MATRIX_TIMEOUT)


def _failed(run: SuiteRun) -> dict[str, str]:
    return {rid: verdict for rid, verdict in run.verdicts.items() if verdict == "FAIL"}


@pytest.mark.slow
@pytest.mark.timeout(MATRIX_TIMEOUT)
def test_conformant_emulator_passes_every_checked_requirement(matrix: dict[str, SuiteRun]) -> None:
    passed: set[str] = set()
    for profile in kill_profiles():
        run = matrix[f"conformant:{profile}"]
        assert not _failed(run), f"{profile}: FAIL on the conformant emulator: {_failed(run)}\n{run.output}"
        assert run.returncode == 0, f"{profile}:\n{run.output}"
        passed |= {rid for rid, verdict in run.verdicts.items() if verdict in PASSING}
    # a check that never runs on any conformant device (UNIMPLEMENTED or SKIPPED everywhere) is no check
    # checks of conformance/fuzz run only in fuzz runs (proven by tests/fuzz): not in these
    suite_checked = {
        rid
        for rid, checks in checked_requirements().items()
        if any(not c.startswith("fuzz/") for c in checks)
    }
    never = sorted(suite_checked - passed)
    assert not never, f"checked requirements no conformant run PASSes: {never}"


@pytest.mark.slow
@pytest.mark.timeout(MATRIX_TIMEOUT)
def test_quirks_are_non_strict_never_fail(matrix: dict[str, SuiteRun]) -> None:
    non_strict = 0
    for profile in kill_profiles():
        run = matrix[f"quirks:{profile}"]
        assert not _failed(run), f"{profile}: FAIL with the quirks on: {_failed(run)}\n{run.output}"
        assert run.returncode == 0, f"{profile}:\n{run.output}"
        non_strict += sum(1 for verdict in run.verdicts.values() if verdict == "NON-STRICT")
    assert non_strict, "no quirk was graded NON-STRICT"


@pytest.mark.slow
@pytest.mark.timeout(MATRIX_TIMEOUT)
def test_every_defect_is_killed(matrix: dict[str, SuiteRun], record_property: Any) -> None:
    kills = [kill for kill in load_kills() if kill.suite == "conformance"]
    # the runs started with the session: a kill file edited since has defects no run switched on
    unrun = [kill.name for kill in kills if kill.name not in matrix]
    assert not unrun, f"kill files changed while the matrix ran (run it again): {unrun}"
    survivors: dict[str, list[str]] = {}
    for kill in kills:
        run = matrix[kill.name]
        alive = [
            f"{rid}={run.verdicts.get(rid)}" for rid in kill.requirements if run.verdicts.get(rid) != "FAIL"
        ]
        if alive:
            survivors[kill.name] = alive
    checked = checked_requirements()
    killed_reqs = {rid for k in kills if k.name not in survivors for rid in k.requirements}
    defects = {d for d, s in catalog().items() if s.kind == "defect"}
    listed = {k.defect for k in kills}
    rate = (len(kills) - len(survivors)) / len(kills)
    summary = (
        f"kill rate: {len(kills) - len(survivors)}/{len(kills)} defects killed ({rate:.0%}); "
        f"{len(killed_reqs & set(checked))}/{len(checked)} checked requirements killed by a defect; "
        f"{len(defects - listed)} of the emulator's {len(defects)} defects are in no kill file; "
        f"slowest run {max(r.seconds for r in matrix.values()):.1f} s"
    )
    slowest = sorted(matrix.values(), key=lambda r: -r.seconds)[:4]
    print(summary + "\nslowest runs: " + ", ".join(f"{r.name} {r.seconds:.1f} s" for r in slowest))
    record_property("kill_rate", f"{rate:.3f}")
    record_property("kill_summary", summary)
    details = "\n".join(f"--- {d}: {', '.join(a)}\n{matrix[d].output}" for d, a in survivors.items())
    assert not survivors, f"{summary}\nsurviving defects:\n{details}"
