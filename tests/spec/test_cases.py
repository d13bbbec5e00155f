"""Every schema case under schemas/cases/ grades exactly as it says (one parametrized test)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smsgw._data import schemas_dir
from smsgw.spec import SchemaRegistry
from smsgw.spec.yamlio import load_yaml_checked
from smsgw.verdicts import Verdict

CASES_DIR = schemas_dir() / "cases"
EXPECT = {"pass": Verdict.PASS, "non-strict": Verdict.NON_STRICT, "fail": Verdict.FAIL}


def _case_files() -> list[Path]:
    return sorted(CASES_DIR.rglob("*.yaml"))


def _cases() -> list[Any]:
    params = []
    for path in _case_files():
        name = path.relative_to(CASES_DIR).with_suffix("").as_posix()
        for case in load_yaml_checked(path, "meta/cases")["cases"]:
            params.append(pytest.param(name, case, id=f"{name}::{case['name']}"))
    return params


@pytest.mark.parametrize(("schema", "case"), _cases())
def test_case_grades_as_expected(registry: SchemaRegistry, schema: str, case: dict[str, Any]) -> None:
    grade = registry.grade(schema, case["instance"])
    assert grade.verdict is EXPECT[case["expect"]], grade.errors or grade.errata
    if case["expect"] == "non-strict":
        assert sorted(grade.errata) == sorted(case.get("errata", [])), "errata relied on"
    if case["expect"] == "fail":
        assert grade.errors, "a FAIL must carry readable validation errors"


def test_every_message_schema_has_valid_and_invalid_cases(registry: SchemaRegistry) -> None:
    missing = []
    for name in registry.names():
        if name.startswith("meta/") or name.endswith("defs") or name.endswith("-defs"):
            continue
        path = CASES_DIR / f"{name}.yaml"
        if not path.exists():
            missing.append(f"{name}: no case file")
            continue
        expects = {c["expect"] for c in load_yaml_checked(path, "meta/cases")["cases"]}
        if "fail" not in expects or not expects & {"pass", "non-strict"}:
            missing.append(f"{name}: needs at least one accepted and one failing case")
    assert not missing, "\n".join(missing)


def test_every_case_file_names_an_existing_schema(registry: SchemaRegistry) -> None:
    orphans = [
        p.relative_to(CASES_DIR).as_posix()
        for p in _case_files()
        if p.relative_to(CASES_DIR).with_suffix("").as_posix() not in registry
    ]
    assert not orphans
