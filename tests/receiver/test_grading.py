from __future__ import annotations

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
