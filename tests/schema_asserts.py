"""Schema assertions shared by the component tests: a missing schema is a failure, never a pass."""

from __future__ import annotations

from typing import Any

from smsgw.spec.registry import default_registry
from smsgw.verdicts import Verdict


def assert_conforms(name: str, instance: Any, *, strict: bool = True) -> None:
    """``instance`` is valid against schema ``name`` (strict by default)."""
    registry = default_registry()
    assert name in registry, f"no schema named {name}"
    assert registry.is_valid(name, instance, strict=strict), registry.errors(name, instance, strict=strict)


def assert_grade(name: str, instance: Any, verdict: Verdict = Verdict.PASS) -> None:
    """``instance`` grades ``verdict`` against schema ``name``."""
    registry = default_registry()
    assert name in registry, f"no schema named {name}"
    grade = registry.grade(name, instance)
    assert grade.verdict is verdict, (name, grade.errors, grade.errata, instance)
