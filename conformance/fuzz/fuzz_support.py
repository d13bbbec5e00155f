"""Shared by the fuzz checks: report the fuzz run's failures of some operations against the
requirements of the check that covers them."""

from __future__ import annotations

import json
from typing import Any

#: Checks whose failures belong to the credentials check, not to the operation's answer.
AUTH_CHECKS = frozenset({"ignored_auth"})


def report_failures(
    check: Any, report: Any, operations: frozenset[str] | None, *, auth: bool = False
) -> None:
    """Record every failure of ``operations`` (None: all) as FAIL of its requirement ids (those the
    check names), or of all the check's requirements when it maps to none of them; PASS otherwise.
    """
    ids = set(check.ids)
    relevant = [
        f
        for f in report.failures
        if (operations is None or f.operation_id in operations) and ((f.check in AUTH_CHECKS) == auth)
    ]
    tested = sorted(op for op in report.cases if operations is None or op in operations)
    check.attach_json(
        "fuzz run",
        {
            "profile": report.profile,
            "seed": report.seed,
            "mode": report.mode,
            "phases": list(report.phases),
            "max_examples": report.max_examples,
            "cases": {op: report.cases[op] for op in tested},
            "credentials_replayed_for": [op for op in report.auth_checked if op in tested],
            "stop_reason": report.stop_reason,
        },
    )
    if relevant:
        check.attach("fuzz failures", json.dumps([f.to_dict() for f in relevant], indent=2))
    for failure in relevant:
        own = [r for r in failure.requirements if r in ids]
        text = f"{failure.operation_id}: {failure.title}: {failure.message} [{failure.check}]"
        check.fail(text, requirement=own or None)
    if operations is not None and not tested and not relevant:
        check.info("no operation of this check was fuzzed (not in the profile, or not selected)")
