"""Build a :class:`Certificate` from a run's events: a listener on the event bus."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from smsgw.report.declaration import DEFAULT_PROFILE, Declaration, applicability
from smsgw.report.events import (
    CheckCollected,
    CheckFinished,
    Event,
    EvidenceAttached,
    FactRecorded,
    Recorded,
    RunFinished,
    RunStarted,
)
from smsgw.report.exitcodes import ExitCode
from smsgw.report.model import (
    NOT_COVERED,
    Certificate,
    CheckResult,
    Evidence,
    Observation,
    RequirementResult,
    aggregate,
    failing_levels,
)
from smsgw.spec.catalog import Catalog, Requirement
from smsgw.verdicts import Verdict

#: The fact key whose value becomes the certificate's firmware version.
FIRMWARE_FACT = "firmware"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def outcome_of(exit_code: int) -> str:
    if exit_code == ExitCode.CONFORMANT:
        return "CONFORMANT"
    if exit_code == ExitCode.NOT_CONFORMANT:
        return "NOT CONFORMANT"
    return "INCOMPLETE"


class CertificateBuilder:
    """Collects events; :meth:`build` turns them into a certificate covering the whole catalog."""

    def __init__(self, catalog: Catalog, suite_version: str) -> None:
        self.catalog = catalog
        self.suite_version = suite_version
        self.start = RunStarted(
            run_id="",
            started=utc_now(),
            target_url="",
            profile=DEFAULT_PROFILE,
            declaration=Declaration.none(),
            strict=False,
            allow_destructive=False,
            selection=(),
        )
        self.finished: str | None = None
        self._checks: dict[str, tuple[str, ...]] = {}
        self._selected: set[str] = set()
        self._observations: dict[tuple[str, str], list[Observation]] = defaultdict(list)
        self._evidence: dict[str, list[Evidence]] = defaultdict(list)
        self._outcomes: dict[str, CheckFinished] = {}
        self.facts: dict[str, str] = {}
        self.errors: list[str] = []

    # -- listener -------------------------------------------------------------------------------
    def handle(self, event: Event) -> None:
        match event:
            case RunStarted():
                self.start = event
            case CheckCollected(check=check, requirements=reqs, selected=selected):
                self._checks[check] = reqs
                if selected:
                    self._selected.add(check)
            case Recorded(observation=obs):
                self._observations[(obs.requirement, obs.check)].append(obs)
            case EvidenceAttached(check=check, evidence=evidence):
                self._evidence[check].append(evidence)
            case FactRecorded(key=key, value=value):
                self.facts[key] = value
            case CheckFinished():
                self._outcomes[event.check] = event
                if event.outcome == "error":
                    self.errors.append(f"{event.check}: {event.message}")
            case RunFinished(finished=finished):
                self.finished = finished
            case _:
                pass

    # -- results --------------------------------------------------------------------------------
    def results(self) -> list[RequirementResult]:
        by_requirement: dict[str, list[str]] = defaultdict(list)
        for check, reqs in self._checks.items():
            for req in reqs:
                by_requirement[req].append(check)
        return [self._result(req, by_requirement.get(req.id, [])) for req in self.catalog.values()]

    def failing(self) -> list[RequirementResult]:
        return [r for r in self.results() if r.failing]

    def _check_result(self, req: Requirement, check: str) -> CheckResult:
        evidence = tuple(self._evidence.get(check, ()))
        observations = self._observations.get((req.id, check), [])
        if not observations:
            outcome = self._outcomes.get(check)
            if check not in self._selected:
                message = "check not selected in this run"
            elif outcome is not None and outcome.outcome == "error":
                message = f"check did not run: {outcome.message}"
            else:
                message = "check did not run"
            return CheckResult(check, Verdict.SKIPPED, message, evidence=evidence)
        verdict = aggregate(o.verdict for o in observations)
        assert verdict is not None
        worst = [o for o in observations if o.verdict is verdict]
        messages = list(dict.fromkeys(o.message for o in worst if o.message))
        errata = tuple(dict.fromkeys(e for o in observations for e in o.errata))
        return CheckResult(check, verdict, "; ".join(messages), errata, evidence)

    def _result(self, req: Requirement, checks: list[str]) -> RequirementResult:
        start = self.start
        scope = applicability(req, start.profile, start.declaration)
        check_results = tuple(self._check_result(req, c) for c in sorted(checks))
        if not checks:
            verdict, message = NOT_COVERED, "no check in the suite covers this requirement"
        elif not scope.applies:
            verdict, message = Verdict.UNIMPLEMENTED.value, scope.reason
        else:
            agg = aggregate(c.verdict for c in check_results)
            assert agg is not None
            verdict = agg.value
            message = "; ".join(
                dict.fromkeys(c.message for c in check_results if c.verdict is agg and c.message)
            )
        errata = tuple(dict.fromkeys(e for c in check_results for e in c.errata))
        return RequirementResult(
            id=req.id,
            level=req.level.value,
            title=req.title,
            text=req.text,
            area=req.area,
            family=req.family,
            refs=tuple({"doc": r.doc, "section": r.section} for r in req.refs),
            capability=req.capability,
            destructive=req.destructive,
            applies=scope.applies,
            scope_reason=scope.reason,
            verdict=verdict,
            message=message,
            failing=verdict == Verdict.FAIL and scope.applies and req.level in failing_levels(start.strict),
            errata=errata,
            checks=check_results,
        )

    def build(self, exit_code: int) -> Certificate:
        start = self.start
        return Certificate(
            suite_version=self.suite_version,
            run_id=start.run_id,
            started=start.started,
            finished=self.finished or utc_now(),
            target_url=start.target_url,
            profile=start.profile,
            firmware=self.facts.get(FIRMWARE_FACT),
            declaration=start.declaration.to_dict(),
            strict=start.strict,
            allow_destructive=start.allow_destructive,
            selection=start.selection,
            exit_code=exit_code,
            outcome=outcome_of(exit_code),
            requirements=tuple(self.results()),
            facts=dict(self.facts),
            errors=tuple(self.errors),
        )
