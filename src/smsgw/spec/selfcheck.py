"""One call that loads every piece of the machine-readable spec and cross-checks them.

Used by ``smsgw spec check`` (the README's set-up smoke command, and the wheel test) so that an
installed package proves it carries every schema, the errata and the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smsgw._data import schemas_dir
from smsgw.spec.catalog import Catalog
from smsgw.spec.errata import ErrataBook
from smsgw.spec.registry import SchemaRegistry
from smsgw.spec.yamlio import load_yaml_checked
from smsgw.verdicts import Verdict

_EXPECT = {"pass": Verdict.PASS, "non-strict": Verdict.NON_STRICT, "fail": Verdict.FAIL}


@dataclass
class SelfCheckReport:
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_selfcheck() -> SelfCheckReport:
    report = SelfCheckReport()
    try:
        errata = ErrataBook.load()
        registry = SchemaRegistry(schemas_dir(), known_errata=errata.keys())
        catalog = Catalog.load()
    except (ValueError, OSError) as exc:
        report.problems.append(str(exc))
        return report
    report.counts["schemas"] = len(registry.names())
    report.counts["errata"] = len(errata)
    report.counts["requirements"] = len(catalog)
    cases_dir = schemas_dir() / "cases"
    n_cases = 0
    for path in sorted(cases_dir.rglob("*.yaml")):
        name = path.relative_to(cases_dir).with_suffix("").as_posix()
        if name not in registry:
            report.problems.append(f"cases/{name}.yaml: no schema named {name}")
            continue
        for case in load_yaml_checked(path, "meta/cases")["cases"]:
            n_cases += 1
            grade = registry.grade(name, case["instance"])
            if grade.verdict is not _EXPECT[case["expect"]]:
                detail = "; ".join(grade.errors[:3]) or ", ".join(grade.errata)
                report.problems.append(
                    f"{name}: case {case['name']!r} expected {case['expect']}, got {grade.verdict.value}"
                    + (f" ({detail})" if detail else "")
                )
    report.counts["schema cases"] = n_cases
    for req in catalog.values():
        report.problems += [
            f"requirement {req.id}: unknown schema {s}" for s in req.schemas if s not in registry
        ]
        report.problems += [
            f"requirement {req.id}: unknown erratum {e}" for e in req.errata if e not in errata
        ]
    return report
