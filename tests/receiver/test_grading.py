from __future__ import annotations

from typing import Any

from smsgw.receiver.grading import Grader
from smsgw.spec.registry import SchemaRegistry
from smsgw.verdicts import Verdict


def test_valid_message_is_pass(small_registry: SchemaRegistry) -> None:
    grade = Grader(small_registry).grade(
        "ejoin/port-status.push", {"type": "port-status", "port": "1.01", "st": "3 OK"}
    )
    assert grade.verdict is Verdict.PASS


def test_tolerated_variant_is_non_strict_with_its_erratum(small_registry: SchemaRegistry) -> None:
    instance = {"type": "port-status", "port": "2.02", "status": "3 OK"}
    grade = Grader(small_registry).grade("ejoin/port-status.push", instance)
    assert grade.verdict is Verdict.NON_STRICT
    assert grade.errata == ("E-EJ-PORT-STATUS-KEY",)


def test_invalid_message_fails_with_jsonschema_error_text(small_registry: SchemaRegistry) -> None:
    grade = Grader(small_registry).grade(
        "ejoin/port-status.push", {"type": "port-status", "port": "2B", "st": "x"}
    )
    assert grade.verdict is Verdict.FAIL
    assert any("$.port" in e and "does not match" in e for e in grade.errors), grade.errors


def test_message_without_a_schema_yet_is_info_with_the_reason(small_registry: SchemaRegistry) -> None:
    grade = Grader(small_registry).grade("dinstar/sms.push", {"sn": "x", "sms": []})
    assert grade.verdict is Verdict.INFO
    assert "no schema named dinstar/sms.push" in grade.errors[0]


def test_sample_pushes_grade_against_the_project_schemas() -> None:
    """The normative samples PASS; the documents' example forms are NON-STRICT, never FAIL."""
    from smsgw._data import schemas_dir
    from smsgw.receiver.classify import classify
    from smsgw.receiver.samples import DINSTAR_EVENTS, dev_status, every_push, json_push

    grader = Grader(SchemaRegistry(schemas_dir()))
    for push in every_push():
        query = [tuple(kv.split("=", 1)) for kv in push.query.split("&")] if push.query else []
        result = classify(push.content_type, push.body, query, {k.lower(): v for k, v in push.headers})  # type: ignore[arg-type]
        grade = grader.grade(result.schema, result.instance)
        assert grade.verdict is not Verdict.FAIL, (push.type, grade.errors)
        if push.type in DINSTAR_EVENTS:
            assert grade.verdict is Verdict.PASS, (push.type, grade.errors)
    example = dev_status(ports=2)
    example["max-slot"] = int(example.pop("max-slots"))
    grade = grader.grade(
        "ejoin/dev-status.push", classify("application/json", json_push("dev-status", example).body).instance
    )
    assert grade.verdict is Verdict.NON_STRICT
    assert "E-EJ-DEVSTATUS-MAXSLOT-KEY" in grade.errata


def test_grades_equal_the_registry_on_every_schema_case() -> None:
    """Pruning errata by where their subschemas apply never changes a verdict or an errata set."""
    from smsgw._data import schemas_dir
    from smsgw.spec.yamlio import load_yaml_checked

    registry = SchemaRegistry(schemas_dir())
    grader = Grader(registry)
    cases_dir = schemas_dir() / "cases"
    compared = 0
    for path in sorted(cases_dir.rglob("*.yaml")):
        name = path.relative_to(cases_dir).with_suffix("").as_posix()
        if name not in registry:
            continue
        for case in load_yaml_checked(path, "meta/cases")["cases"]:
            expected = registry.grade(name, case["instance"])
            got = grader.grade(name, case["instance"])
            assert (got.verdict, got.errata, got.errors) == (
                expected.verdict,
                expected.errata,
                expected.errors,
            ), (
                name,
                case["name"],
            )
            compared += 1
    assert compared > 50


def test_dev_status_example_forms_grade_as_the_registry_grades_them() -> None:
    """32-port dev-status pushes using several errata (some entries only) or failing: same verdict,
    errata ids and error text as :meth:`SchemaRegistry.grade`."""
    from smsgw.receiver.samples import dev_status
    from smsgw.spec.registry import default_registry

    registry = default_registry()
    grader = Grader(registry)

    def variant(**changes: object) -> dict[str, object]:
        document = dev_status(ports=32)
        for index, entry in enumerate(document["status"]):
            if index % 3 == 0 and changes.get("sig"):
                entry["sig"] = str(entry["sig"])
            if index % 5 == 1 and changes.get("bal"):
                entry["bal"] = 12.5
            if index == 31 and changes.get("slot_case"):
                entry["Slot_active"] = entry.pop("slot_active")
            if index == 7 and changes.get("st_int"):
                entry["st"] = 3
            if index == 9 and changes.get("broken"):
                entry["imei"] = "x"
        if changes.get("max_slot"):
            document["max-slot"] = int(document.pop("max-slots"))
        return document

    cases = [
        variant(),
        variant(sig=True),
        variant(bal=True, sig=True),
        variant(slot_case=True, max_slot=True),
        variant(st_int=True),
        variant(sig=True, broken=True),
    ]
    verdicts = []
    for document in cases:
        expected = registry.grade("ejoin/dev-status.push", document)
        got = grader.grade("ejoin/dev-status.push", document)
        assert (got.verdict, got.errata, got.errors) == (expected.verdict, expected.errata, expected.errors)
        verdicts.append(got.verdict)
    assert verdicts == [Verdict.PASS, *[Verdict.NON_STRICT] * 4, Verdict.FAIL]


def _values(instance: Any, path: tuple[Any, ...]) -> list[Any]:
    """The values at locations matching ``path`` (the reference ``_somewhere`` must agree with)."""
    from smsgw.receiver.grading import ANY

    current = [instance]
    for head in path:
        found: list[Any] = []
        for value in current:
            if head == ANY and isinstance(value, dict):
                found += value.values()
            elif head == ANY:
                found += value if isinstance(value, list) else []
            elif isinstance(head, int):
                found += [value[head]] if isinstance(value, list) and head < len(value) else []
            elif isinstance(value, dict) and head in value:
                found.append(value[head])
        current = found
    return current


def test_a_value_somewhere_at_a_location_pattern_is_one_schema() -> None:
    import jsonschema_rs

    from smsgw.receiver.grading import ANY, _somewhere

    docs = [
        {"status": [{"st": 1}, {"st": "3 OK"}, {"x": 2}], "sms": [[0, "1.01"], [1, "2.02"]]},
        {"status": [{"st": "3 OK"}], "sms": []},
        {"status": {"a": {"st": 1}}, "sms": [[0]]},
        {"status": "x", "sms": {"k": [5, 7]}},
        {},
        [],
        3,
    ]
    paths = [("status", ANY, "st"), ("sms", ANY, 1), ("missing", ANY), (), ("sms", 0, 1), (ANY, ANY, ANY)]
    schemas = [{"type": "integer"}, {"const": "2.02"}, {"type": "string", "pattern": "^3 "}, True, False]
    seen = set()
    for path in paths:
        for schema in schemas:
            somewhere = jsonschema_rs.validator_for(_somewhere(path, schema))
            each = jsonschema_rs.validator_for(schema)
            for doc in docs:
                expected = any(each.is_valid(v) for v in _values(doc, path))
                assert somewhere.is_valid(doc) == expected, (path, schema, doc)
                seen.add(expected)
    assert seen == {True, False}
