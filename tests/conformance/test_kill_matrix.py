"""The kill matrix: every conformance check is proven able to fail (conformance/kills.yaml).

The suite runs once on the conformant emulator (every requirement with a check PASS or NON-STRICT,
exit 0), once with every quirk on (the vendors' own variants: NON-STRICT, never FAIL, exit 0) and
once per defect of kills.yaml, with that defect switched on and only the checks of the
requirements it must kill selected (``--requirements``): each listed requirement must FAIL.  Every
run gets its own emulated device (clock 10x) and its own push receiver, so runs cannot mask each
other and several run at once (most of a run waits on the emulated timers).  The kill rate is
printed and recorded as a JUnit property.
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from smsgw.emulator.clock import ScaledClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.faults import catalog
from smsgw.emulator.serve import Fleet
from smsgw.report.declaration import Declaration, write_declaration
from smsgw.spec.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "conformance"
KILLS = SUITE / "kills.yaml"
SPEEDUP = 10.0
#: Concurrent suite runs: most of a run is waiting for the device's timers, not CPU.
WORKERS = 4
RUN_TIMEOUT = 240.0
PASSING = {"PASS", "NON-STRICT"}


def load_kills() -> tuple[str, dict[str, list[str]]]:
    data = yaml.safe_load(KILLS.read_text(encoding="utf-8"))
    return data["profile"], {name: list(ids) for name, ids in data["kills"].items()}


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


def run_suite(
    name: str, profile: str, switches: tuple[str, ...], patterns: list[str], work: Path
) -> SuiteRun:
    """The conformance suite against a fresh emulated device with ``switches`` on."""
    password = secrets.token_urlsafe(12)
    config = DeviceConfig(profile=profile, password=password, switches=switches)
    run_dir = work / name
    declaration = write_declaration(Declaration.everything(profile), work / f"{name}.declaration.yaml")
    started = time.monotonic()
    with Fleet(1, config, clock=ScaledClock(SPEEDUP)) as fleet:
        numbers = [p.slots[0].number for p in fleet.devices[0].bank.ports[-2:]]
        args = [
            sys.executable, "-m", "pytest", str(SUITE),
            "--rootdir", str(SUITE), "-c", str(SUITE / "pytest.ini"), "-q", "--no-header",
            "--target", fleet.urls[0], "--receiver-listen", "127.0.0.1:0", "--profile", profile,
            "--declaration", str(declaration), "--allow-destructive", "--time-scale", str(1 / SPEEDUP),
            "--report-dir", str(run_dir),
        ]  # fmt: skip
        for number in numbers:
            args += ["--phone-number", number]
        for pattern in patterns:
            args += ["--requirements", pattern]
        # the suite loads its plugin itself; other installed plugins (hypothesis, schemathesis...)
        # would only add seconds of start-up to every run
        env = {**os.environ, "SMSGW_PASSWORD": password, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        proc = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False, cwd=work
        )
    seconds = time.monotonic() - started
    certificate = run_dir / "certificate.json"
    verdicts: dict[str, str] = {}
    if certificate.is_file():
        data = json.loads(certificate.read_text(encoding="utf-8"))
        verdicts = {r["id"]: r["verdict"] for r in data["requirements"]}
    return SuiteRun(name, proc.returncode, verdicts, seconds, proc.stdout[-3000:] + proc.stderr[-2000:])


# -- the matrix's data, checked without running anything ------------------------------------------
def test_kills_name_catalog_defects_and_covered_requirements() -> None:
    profile, kills = load_kills()
    switches = catalog()
    unknown = [d for d in kills if d not in switches or switches[d].kind != "defect"]
    assert not unknown, f"kills.yaml names defects the emulator does not have: {unknown}"
    requirements = Catalog.load()
    checked = checked_requirements()
    assert checked, "no check in conformance/"
    for defect, ids in kills.items():
        assert ids, f"{defect} kills nothing"
        for rid in ids:
            assert rid in requirements, f"{defect}: {rid} is not a catalog requirement"
            assert rid in checked, f"{defect}: no check covers {rid}, so nothing can kill it"
    killed = {rid for ids in kills.values() for rid in ids}
    unkillable = sorted(set(checked) - killed)
    assert not unkillable, f"requirements with a check but no killing defect in kills.yaml: {unkillable}"
    assert profile in {"gateway-2.4", "router-2.2", "proxy-gateway", "simple-v2"}


# -- the matrix -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SuiteRun]]:
    profile, kills = load_kills()
    work = tmp_path_factory.mktemp("kill-matrix")
    quirks = tuple(name for name, switch in catalog().items() if switch.kind == "quirk")
    jobs: list[tuple[str, tuple[str, ...], list[str]]] = [("conformant", (), []), ("quirks", quirks, [])]
    jobs += [(defect, (defect,), ids) for defect, ids in kills.items()]
    # the longest runs (the full conformant suite, push timers) first, so the pool ends together
    jobs.sort(key=lambda job: (bool(job[2]), not any("STATUS" in i for i in job[2])))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {name: pool.submit(run_suite, name, profile, sw, ids, work) for name, sw, ids in jobs}
        yield {name: f.result() for name, f in futures.items()}


@pytest.mark.slow
def test_conformant_emulator_passes_every_checked_requirement(matrix: dict[str, SuiteRun]) -> None:
    run = matrix["conformant"]
    checked = checked_requirements()
    bad = {rid: run.verdicts.get(rid) for rid in checked if run.verdicts.get(rid) not in PASSING}
    assert not bad, f"not PASS: {bad}\n{run.output}"
    assert run.returncode == 0, run.output


@pytest.mark.slow
def test_quirks_are_non_strict_never_fail(matrix: dict[str, SuiteRun]) -> None:
    run = matrix["quirks"]
    checked = checked_requirements()
    bad = {rid: run.verdicts.get(rid) for rid in checked if run.verdicts.get(rid) not in PASSING}
    assert not bad, f"not PASS or NON-STRICT with the quirks on: {bad}\n{run.output}"
    assert "NON-STRICT" in {run.verdicts.get(rid) for rid in checked}, "no quirk was graded NON-STRICT"
    assert run.returncode == 0, run.output


@pytest.mark.slow
def test_every_defect_is_killed(matrix: dict[str, SuiteRun], record_property: Any) -> None:
    _, kills = load_kills()
    survivors: dict[str, list[str]] = {}
    for defect, ids in kills.items():
        run = matrix[defect]
        alive = [f"{rid}={run.verdicts.get(rid)}" for rid in ids if run.verdicts.get(rid) != "FAIL"]
        if alive:
            survivors[defect] = alive
    checked = checked_requirements()
    killed_reqs = {rid for d, ids in kills.items() if d not in survivors for rid in ids}
    defects = len([d for d, s in catalog().items() if s.kind == "defect"])
    rate = (len(kills) - len(survivors)) / len(kills)
    summary = (
        f"kill rate: {len(kills) - len(survivors)}/{len(kills)} defects killed ({rate:.0%}); "
        f"{len(killed_reqs & set(checked))}/{len(checked)} checked requirements killed by a defect; "
        f"{defects - len(kills)} of the emulator's {defects} defects target requirements without checks; "
        f"slowest run {max(r.seconds for r in matrix.values()):.1f} s"
    )
    slowest = sorted(matrix.values(), key=lambda r: -r.seconds)[:4]
    print(summary + "\nslowest runs: " + ", ".join(f"{r.name} {r.seconds:.1f} s" for r in slowest))
    record_property("kill_rate", f"{rate:.3f}")
    record_property("kill_summary", summary)
    details = "\n".join(f"--- {d}: {', '.join(a)}\n{matrix[d].output}" for d, a in survivors.items())
    assert not survivors, f"{summary}\nsurviving defects:\n{details}"
