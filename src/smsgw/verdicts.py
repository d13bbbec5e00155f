"""The graded verdicts shared by schema grading, the receiver, the suite and the certificate."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """Autobahn-style graded verdicts.

    ``NON_STRICT`` means "deviates from the normative text the way the errata tolerate" (usually
    the way the vendor's own example does); it never fails a run.
    """

    PASS = "PASS"
    NON_STRICT = "NON-STRICT"
    FAIL = "FAIL"
    UNIMPLEMENTED = "UNIMPLEMENTED"
    INFO = "INFO"
    SKIPPED = "SKIPPED"

    @property
    def ok(self) -> bool:
        """True for verdicts that never fail a run."""
        return self is not Verdict.FAIL
