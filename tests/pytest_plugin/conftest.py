"""Run small conformance suites in a subprocess with the plugin, against a small test catalog.

Subprocesses rather than pytester: the plugin is loaded by a conftest's ``pytest_plugins``, which
pytest only accepts in a top-level conftest; a fresh process per run also isolates Allure's global
plugin manager.  Plugin autoloading is off for speed (allure is loaded explicitly when needed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

EJOIN_CATALOG = {
    "family": "ejoin",
    "requirements": [
        {
            "id": "EJ-T-MUST-A",
            "level": "MUST",
            "title": "a core MUST requirement",
            "text": "The device MUST do A.",
            "area": "alpha",
            "refs": [{"doc": "ejoin-gateway-2.4", "section": "4.1.3"}],
        },
        {
            "id": "EJ-T-MUST-B",
            "level": "MUST",
            "title": "another core MUST requirement",
            "text": "The device MUST do B.",
            "area": "alpha",
            "refs": [{"doc": "ejoin-gateway-2.4", "section": "5.1.3"}],
        },
        {
            "id": "EJ-T-SHOULD-A",
            "level": "SHOULD",
            "title": "a SHOULD requirement",
            "text": "The device SHOULD do S.",
            "area": "beta",
            "refs": [{"doc": "ejoin-gateway-2.4", "section": "6.3.1"}],
        },
        {
            "id": "EJ-T-SCHEMA",
            "level": "MUST",
            "title": "messages match their schema",
            "text": "Messages MUST match the format.",
            "area": "beta",
            "refs": [{"doc": "ejoin-gateway-2.4", "section": "4.1.3"}],
        },
        {
            "id": "EJ-T-INFO",
            "level": "MAY",
            "title": "an informational item",
            "text": "The device MAY report X.",
            "area": "beta",
            "refs": [{"doc": "ejoin-gateway-2.4", "section": "4.1.3"}],
        },
        {
            "id": "EJ-T-ESIM",
            "level": "MUST",
            "title": "an eSIM requirement",
            "text": "eSIM devices MUST do E.",
            "area": "esim",
            "capability": "esim",
            "refs": [{"doc": "ejoin-gateway-2.4", "section": "12.1"}],
        },
        {
            "id": "EJ-T-ROUTER",
            "level": "MUST",
            "title": "a router-only requirement",
            "text": "Routers MUST do R.",
            "area": "proxy",
            "profiles": ["router-2.2"],
            "refs": [{"doc": "ejoin-router-2.2", "section": "3.1"}],
        },
        {
            "id": "EJ-T-DESTRUCTIVE",
            "level": "MUST",
            "title": "a requirement that reboots the device",
            "text": "reboot MUST reboot.",
            "area": "commands",
            "destructive": True,
            "refs": [{"doc": "ejoin-gateway-2.4", "section": "5.1.2"}],
        },
        {
            "id": "EJ-T-UNCOVERED",
            "level": "MUST",
            "title": "a requirement nobody checks",
            "text": "The device MUST do U.",
            "area": "alpha",
            "refs": [{"doc": "ejoin-gateway-2.4", "section": "4.1.2"}],
        },
    ],
}
DINSTAR_CATALOG = {
    "family": "dinstar",
    "requirements": [
        {
            "id": "DS-T-OTHER",
            "level": "MUST",
            "title": "a Dinstar requirement",
            "text": "Dinstar gateways MUST do D.",
            "area": "sms",
            "refs": [{"doc": "dinstar-uc-1.2", "section": "3"}],
        },
    ],
}


def non_strict_case() -> tuple[str, Any, list[str]]:
    """A shipped schema case graded NON-STRICT: (schema name, instance, errata)."""
    cases_dir = ROOT / "schemas" / "cases"
    for path in sorted(cases_dir.rglob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            if case["expect"] == "non-strict":
                return (
                    path.relative_to(cases_dir).with_suffix("").as_posix(),
                    case["instance"],
                    case.get("errata", []),
                )
    pytest.skip("no NON-STRICT schema case shipped yet")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    report_dir: Path

    def certificate(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "certificate.json").read_text(encoding="utf-8"))

    def verdicts(self) -> dict[str, str]:
        return {r["id"]: r["verdict"] for r in self.certificate()["requirements"]}

    def requirement(self, rid: str) -> dict[str, Any]:
        return next(r for r in self.certificate()["requirements"] if r["id"] == rid)


class Suite:
    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copy(ROOT / "conformance" / "conftest.py", root / "conftest.py")
        shutil.copy(ROOT / "conformance" / "pytest.ini", root / "pytest.ini")
        self.catalog = root / "_catalog"
        self.catalog.mkdir()
        (self.catalog / "ejoin.yaml").write_text(yaml.safe_dump(EJOIN_CATALOG), encoding="utf-8")
        (self.catalog / "dinstar.yaml").write_text(yaml.safe_dump(DINSTAR_CATALOG), encoding="utf-8")
        self.runs = 0

    def write(self, name: str, source: str) -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    def declaration(self, name: str = "declaration.yaml", **data: Any) -> Path:
        path = self.root / name
        path.write_text(yaml.safe_dump({"declaration": 1, **data}), encoding="utf-8")
        return path

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        allure: bool = False,
        shipped_catalog: bool = False,
    ) -> Run:
        """Run the suite; warnings are errors; the test catalog unless ``shipped_catalog``."""
        self.runs += 1
        report_dir = self.root / f"reports-{self.runs}"
        cmd = [sys.executable, "-m", "pytest", str(self.root), "-W", "error", "--report-dir", str(report_dir)]
        if not shipped_catalog:
            cmd += ["--catalog", str(self.catalog)]
        if allure:
            cmd += ["-p", "allure_pytest.plugin"]
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SMSGW_"))}
        full_env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        full_env.update(env or {})
        done = subprocess.run(
            [*cmd, *args],
            cwd=self.root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr, report_dir)


@pytest.fixture
def suite(tmp_path: Path) -> Suite:
    return Suite(tmp_path)
