"""The certificate model: what a conformance run concluded, requirement by requirement.

Plain frozen dataclasses with ``to_dict``/``from_dict``; the JSON form is validated by
``schemas/meta/certificate.schema.json``.  A requirement's verdict is one of
:class:`smsgw.verdicts.Verdict` or :data:`NOT_COVERED` (no check exists for it in the suite:
distinct from SKIPPED, where a check exists but did not run).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from smsgw.spec.catalog import Level
from smsgw.verdicts import Verdict

NOT_COVERED = "NOT-COVERED"
FORMAT = "smsgw-certificate/1"
#: Every value a requirement's verdict can take in a certificate, in display order.
VERDICT_VALUES: tuple[str, ...] = (*(v.value for v in Verdict), NOT_COVERED)
#: How bad a verdict is when several checks of one requirement disagree: the worst one wins.
_RANK: Mapping[Verdict, int] = {
    Verdict.FAIL: 6,
    Verdict.NON_STRICT: 5,
    Verdict.PASS: 4,
    Verdict.INFO: 3,
    Verdict.UNIMPLEMENTED: 2,
    Verdict.SKIPPED: 1,
}


def aggregate(verdicts: Iterable[Verdict]) -> Verdict | None:
    """The verdict of a requirement from the verdicts of its checks (``None`` when there are none).

    FAIL beats NON-STRICT beats PASS beats INFO beats UNIMPLEMENTED beats SKIPPED: one failing
    check fails the requirement, and a requirement with one passing and one skipped check passed.
    """
    found = list(verdicts)
    return max(found, key=_RANK.__getitem__) if found else None


def failing_levels(strict: bool) -> frozenset[Level]:
    """Levels whose FAIL fails the run: MUST always, SHOULD and MAY only with ``--strict``."""
    return frozenset(Level) if strict else frozenset({Level.MUST})


@dataclass(frozen=True)
class Evidence:
    """A redacted piece of evidence: a request, a response, a push, a note."""

    kind: str
    title: str
    content: str
    media_type: str = "text/plain"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "content": self.content,
            "media_type": self.media_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        return cls(data["kind"], data["title"], data["content"], data.get("media_type", "text/plain"))


@dataclass(frozen=True)
class Observation:
    """One verdict one check recorded for one requirement."""

    check: str
    requirement: str
    verdict: Verdict
    message: str = ""
    errata: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """A check's contribution to one requirement, as it appears in the certificate."""

    check: str
    verdict: Verdict
    message: str = ""
    errata: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "verdict": self.verdict.value,
            "message": self.message,
            "errata": list(self.errata),
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        return cls(
            check=data["check"],
            verdict=Verdict(data["verdict"]),
            message=data.get("message", ""),
            errata=tuple(data.get("errata", ())),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", ())),
        )


@dataclass(frozen=True)
class RequirementResult:
    id: str
    level: str
    title: str
    text: str
    area: str
    family: str
    refs: tuple[Mapping[str, str], ...]
    capability: str | None
    destructive: bool
    applies: bool
    scope_reason: str
    verdict: str
    message: str
    failing: bool
    errata: tuple[str, ...] = ()
    checks: tuple[CheckResult, ...] = ()

    @property
    def covered(self) -> bool:
        return self.verdict != NOT_COVERED

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level,
            "title": self.title,
            "text": self.text,
            "area": self.area,
            "family": self.family,
            "refs": [dict(r) for r in self.refs],
            "capability": self.capability,
            "destructive": self.destructive,
            "applies": self.applies,
            "scope_reason": self.scope_reason,
            "verdict": self.verdict,
            "message": self.message,
            "failing": self.failing,
            "errata": list(self.errata),
            "checks": [c.to_dict() for c in self.checks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RequirementResult:
        return cls(
            id=data["id"],
            level=data["level"],
            title=data["title"],
            text=data.get("text", ""),
            area=data["area"],
            family=data["family"],
            refs=tuple(dict(r) for r in data.get("refs", ())),
            capability=data.get("capability"),
            destructive=bool(data.get("destructive", False)),
            applies=bool(data["applies"]),
            scope_reason=data.get("scope_reason", ""),
            verdict=data["verdict"],
            message=data.get("message", ""),
            failing=bool(data["failing"]),
            errata=tuple(data.get("errata", ())),
            checks=tuple(CheckResult.from_dict(c) for c in data.get("checks", ())),
        )


@dataclass(frozen=True)
class Certificate:
    """Everything a run concluded; ``to_dict()`` is ``certificate.json``."""

    suite_version: str
    run_id: str
    started: str
    finished: str
    target_url: str
    profile: str
    firmware: str | None
    declaration: Mapping[str, Any] | None
    strict: bool
    allow_destructive: bool
    selection: tuple[str, ...]
    exit_code: int
    outcome: str
    requirements: tuple[RequirementResult, ...]
    facts: Mapping[str, str] = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def conformant(self) -> bool:
        return self.exit_code == 0

    def by_id(self) -> dict[str, RequirementResult]:
        return {r.id: r for r in self.requirements}

    @property
    def family(self) -> str:
        from smsgw.report.declaration import PROFILE_FAMILY

        return PROFILE_FAMILY.get(self.profile, "")

    def summary(self) -> dict[str, Any]:
        """Counts; the verdict counts cover the requirements of the target's API family only."""
        verdicts = dict.fromkeys(VERDICT_VALUES, 0)
        by_level: dict[str, dict[str, int]] = {lv.value: dict.fromkeys(VERDICT_VALUES, 0) for lv in Level}
        in_family = [r for r in self.requirements if r.family == self.family]
        for req in in_family:
            verdicts[req.verdict] += 1
            by_level[req.level][req.verdict] += 1
        return {
            "requirements": len(self.requirements),
            "family": self.family,
            "in_family": len(in_family),
            "applicable": sum(r.applies for r in self.requirements),
            "covered": sum(r.covered for r in self.requirements),
            "applicable_covered": sum(r.applies and r.covered for r in self.requirements),
            "applicable_not_covered": sum(r.applies and not r.covered for r in self.requirements),
            "failing": sum(r.failing for r in self.requirements),
            "verdicts": verdicts,
            "by_level": by_level,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "suite": {"name": "smsgw-suite", "version": self.suite_version},
            "run": {
                "id": self.run_id,
                "started": self.started,
                "finished": self.finished,
                "strict": self.strict,
                "allow_destructive": self.allow_destructive,
                "selection": list(self.selection),
                "exit_code": self.exit_code,
                "outcome": self.outcome,
                "errors": list(self.errors),
            },
            "target": {
                "url": self.target_url,
                "profile": self.profile,
                "firmware": self.firmware,
                "facts": dict(self.facts),
            },
            "declaration": dict(self.declaration) if self.declaration is not None else None,
            "summary": self.summary(),
            "requirements": [r.to_dict() for r in self.requirements],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Certificate:
        run, target = data["run"], data["target"]
        return cls(
            suite_version=data["suite"]["version"],
            run_id=run["id"],
            started=run["started"],
            finished=run["finished"],
            target_url=target["url"],
            profile=target["profile"],
            firmware=target.get("firmware"),
            declaration=data.get("declaration"),
            strict=bool(run["strict"]),
            allow_destructive=bool(run["allow_destructive"]),
            selection=tuple(run.get("selection", ())),
            exit_code=int(run["exit_code"]),
            outcome=run["outcome"],
            requirements=tuple(RequirementResult.from_dict(r) for r in data["requirements"]),
            facts=dict(target.get("facts", {})),
            errors=tuple(run.get("errors", ())),
        )
