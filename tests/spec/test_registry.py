from __future__ import annotations

import json
from pathlib import Path

import pytest

from smsgw.spec import SCHEMA_BASE, SchemaLoadError, SchemaRegistry
from smsgw.verdicts import Verdict

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _write(root: Path, name: str, body: dict[str, object]) -> None:
    path = root / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"$schema": DIALECT, "$id": f"{SCHEMA_BASE}{name}.json", **body}))


def test_every_project_schema_loads_with_id_matching_its_path(registry: SchemaRegistry) -> None:
    assert len(registry.names()) >= 3
    for name in registry.names():
        assert registry.schema(name)["$id"] == registry.uri(name)


def test_schema_with_wrong_id_refuses_to_load(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"$schema": DIALECT, "$id": f"{SCHEMA_BASE}b.json"}))
    with pytest.raises(SchemaLoadError, match=r"\$id must be"):
        SchemaRegistry(tmp_path)


def test_invalid_schema_refuses_to_load(tmp_path: Path) -> None:
    _write(tmp_path, "a", {"type": "no-such-type"})
    with pytest.raises(SchemaLoadError, match="not a valid 2020-12 schema"):
        SchemaRegistry(tmp_path)


def test_schema_whose_pattern_is_not_a_regular_expression_refuses_to_load(tmp_path: Path) -> None:
    _write(tmp_path, "a", {"type": "string", "pattern": "^[0-9"})
    with pytest.raises(SchemaLoadError, match=r"^a: .*regex"):
        SchemaRegistry(tmp_path)


def test_meta_schema_violation_names_the_file_and_the_keyword(tmp_path: Path) -> None:
    _write(tmp_path, "sub/b", {"properties": {"x": {"minLength": -1}}})
    with pytest.raises(SchemaLoadError, match=r"^sub/b: not a valid 2020-12 schema: -1 is less than"):
        SchemaRegistry(tmp_path)


def test_unresolvable_ref_refuses_to_load(tmp_path: Path) -> None:
    _write(tmp_path, "a", {"$ref": "missing.json#/$defs/x"})
    with pytest.raises(SchemaLoadError):
        SchemaRegistry(tmp_path)


def test_unknown_errata_id_refuses_to_load(tmp_path: Path) -> None:
    _write(tmp_path, "a", {"anyOf": [{"type": "string"}, {"x-errata": "E-EJ-NOPE", "type": "integer"}]})
    with pytest.raises(SchemaLoadError, match="E-EJ-NOPE"):
        SchemaRegistry(tmp_path, known_errata=["E-EJ-OTHER"])


def test_grade_finds_the_errata_an_instance_relies_on_across_refs(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "defs",
        {"$defs": {"n": {"anyOf": [{"type": "string"}, {"x-errata": "E-EJ-INT", "type": "integer"}]}}},
    )
    _write(
        tmp_path,
        "msg",
        {
            "type": "object",
            "properties": {
                "n": {"$ref": "defs.json#/$defs/n"},
                "old": {"x-errata": "E-EJ-OLD-KEY", "type": "string"},
            },
            "additionalProperties": False,
        },
    )
    reg = SchemaRegistry(tmp_path)
    assert reg.grade("msg", {"n": "1"}).verdict is Verdict.PASS
    grade = reg.grade("msg", {"n": 1})
    assert (grade.verdict, grade.errata) == (Verdict.NON_STRICT, ("E-EJ-INT",))
    both = reg.grade("msg", {"n": 1, "old": "x"})
    assert both.errata == ("E-EJ-INT", "E-EJ-OLD-KEY")
    failed = reg.grade("msg", {"n": [], "extra": 1})
    assert failed.verdict is Verdict.FAIL
    assert any("extra" in e for e in failed.errors)
    assert reg.errata_of("msg") == {"E-EJ-INT", "E-EJ-OLD-KEY"}


def test_strict_and_lenient_validation_differ_only_by_errata(registry: SchemaRegistry) -> None:
    example = {"type": "port-status", "port": "1.02", "st": 3, "bal": "0.00"}
    assert not registry.is_valid("ejoin/port-status.push", example, strict=True)
    assert registry.is_valid("ejoin/port-status.push", example, strict=False)
