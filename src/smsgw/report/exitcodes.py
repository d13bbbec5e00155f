"""Exit codes of a conformance run, shared by the pytest plugin and ``smsgw certify``.

A CI job can tell "the device violates a MUST" (1) from "the run could not judge the device"
(2, 3, 4, 5) without parsing output.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    #: Every requirement in scope passed (or was tolerated as NON-STRICT, INFO, UNIMPLEMENTED...).
    CONFORMANT = 0
    #: At least one MUST requirement (or, with ``--strict``, SHOULD/MAY) has the verdict FAIL.
    NOT_CONFORMANT = 1
    #: Bad options, bad declaration file, unknown requirement id, a check that does not collect.
    USAGE_ERROR = 2
    #: The target did not answer at all (connection refused, timeout on connect).
    TARGET_UNREACHABLE = 3
    #: The run did not finish cleanly: interrupted, internal error, a check's fixture broke.
    INCOMPLETE = 4
    #: Nothing was selected: no check matches the options.
    NO_CHECKS = 5


class DiffExit(IntEnum):
    """Exit codes of ``smsgw report diff`` and ``smsgw report table``."""

    #: Nothing newly fails (diff) / every certificate is conformant (table).
    OK = 0
    #: Something newly fails (diff) / some certificate is not conformant (table).
    REGRESSION = 1
    #: A file is missing or is not a valid certificate.
    USAGE_ERROR = 2
