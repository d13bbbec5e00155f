"""Compare two certificates (two firmware builds, two devices): what newly fails, newly passes,
or otherwise changed verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smsgw.report.model import Certificate
from smsgw.verdicts import Verdict

#: Verdicts that count as "passes" when moving away from FAIL.
_PASSING = frozenset({Verdict.PASS.value, Verdict.NON_STRICT.value})
ABSENT = "ABSENT"


@dataclass(frozen=True)
class Change:
    requirement: str
    level: str
    title: str
    before: str
    after: str
    message: str = ""


@dataclass(frozen=True)
class CertificateDiff:
    before: str
    after: str
    newly_failing: tuple[Change, ...] = ()
    newly_passing: tuple[Change, ...] = ()
    changed: tuple[Change, ...] = ()
    unchanged: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def regression(self) -> bool:
        return bool(self.newly_failing)

    def to_dict(self) -> dict[str, Any]:
        def rows(changes: tuple[Change, ...]) -> list[dict[str, str]]:
            return [vars(c).copy() for c in changes]

        return {
            "before": self.before,
            "after": self.after,
            "newly_failing": rows(self.newly_failing),
            "newly_passing": rows(self.newly_passing),
            "changed": rows(self.changed),
            "unchanged": self.unchanged,
            "notes": list(self.notes),
        }


def _label(cert: Certificate) -> str:
    return f"{cert.run_id} ({cert.firmware or 'firmware unknown'})"


def diff_certificates(before: Certificate, after: Certificate) -> CertificateDiff:
    """Requirement by requirement; requirements only in one certificate are compared with ABSENT."""
    a, b = before.by_id(), after.by_id()
    failing, passing, changed = [], [], []
    unchanged = 0
    for rid in sorted(a.keys() | b.keys()):
        old = a[rid].verdict if rid in a else ABSENT
        new = b[rid].verdict if rid in b else ABSENT
        if old == new:
            unchanged += 1
            continue
        ref = b.get(rid) or a[rid]
        change = Change(rid, ref.level, ref.title, old, new, b[rid].message if rid in b else "")
        if new == Verdict.FAIL.value:
            failing.append(change)
        elif old == Verdict.FAIL.value and new in _PASSING:
            passing.append(change)
        else:
            changed.append(change)
    notes: list[str] = []
    if before.profile != after.profile:
        notes.append(f"profiles differ: {before.profile} vs {after.profile}")
    if before.strict != after.strict:
        notes.append(f"--strict differs: {before.strict} vs {after.strict}")
    if before.suite_version != after.suite_version:
        notes.append(f"suite versions differ: {before.suite_version} vs {after.suite_version}")
    return CertificateDiff(
        _label(before), _label(after), tuple(failing), tuple(passing), tuple(changed), unchanged, tuple(notes)
    )


def render_diff_text(diff: CertificateDiff) -> str:
    lines = [f"before: {diff.before}", f"after:  {diff.after}"]
    lines += [f"note: {n}" for n in diff.notes]
    for title, changes in (
        ("newly failing", diff.newly_failing),
        ("newly passing", diff.newly_passing),
        ("changed verdict", diff.changed),
    ):
        lines.append(f"{title} ({len(changes)}):")
        lines += [
            f"  {c.requirement} [{c.level}] {c.before} -> {c.after}" + (f": {c.message}" if c.message else "")
            for c in changes
        ]
    lines.append(f"unchanged: {diff.unchanged}")
    return "\n".join(lines) + "\n"
