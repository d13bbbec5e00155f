"""Grade a classified push against its schema, the way the suite grades everything.

PASS / NON-STRICT (with the errata relied on) / FAIL (with jsonschema's error text) come from
:meth:`smsgw.spec.SchemaRegistry.grade`. A message whose schema does not exist (yet) is INFO:
classified, stored, not checked, with the reason in its errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smsgw.spec.registry import SchemaRegistry
from smsgw.verdicts import Verdict


@dataclass(frozen=True)
class PushGrade:
    verdict: Verdict
    errata: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


PASS = PushGrade(Verdict.PASS)


class Grader:
    """Looks each schema up by name when grading: a type whose schema is not written yet is INFO."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry

    def grade(self, schema: str | None, instance: Any) -> PushGrade:
        if schema is None:
            return PushGrade(Verdict.INFO, errors=("not classified: no schema applies",))
        if schema not in self.registry:
            return PushGrade(Verdict.INFO, errors=(f"classified, not checked: no schema named {schema} yet",))
        # The common case (a conformant device) costs one strict validation.
        if self.registry.is_valid(schema, instance, strict=True):
            return PASS
        grade = self.registry.grade(schema, instance)
        return PushGrade(grade.verdict, grade.errata, grade.errors)
