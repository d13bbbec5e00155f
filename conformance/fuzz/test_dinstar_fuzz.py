"""Fuzzing the Dinstar UC /api: schemathesis with HTTP digest authentication, the answers judged by
the registry's checks with Dinstar's conventions (``error_code`` in the body).

dinstar-uc-1.2 §2 and erratum E-DS-ERROR-CODE-IN-BODY: "error_code: 200 ... 400 ... 500" -- the
outcome of every /api request is the body's error_code, never a server error or a dropped
connection; §2.4: the API requires HTTP authentication.
"""

from __future__ import annotations

from typing import Any

import pytest
from fuzz_support import report_failures


@pytest.mark.requirement("DS-AUTH-WRONG-PASSWORD-401", "DS-AUTH-UNAUTHENTICATED-401")
def test_every_api_request_refuses_a_replay_without_valid_credentials(check: Any, fuzz_report: Any) -> None:
    """dinstar-uc-1.2 §2.4: an accepted fuzzed request, replayed without the Authorization header
    and with a wrong digest password, is refused."""
    report_failures(check, fuzz_report, None, auth=True)


@pytest.mark.requirement("DS-HTTP-ERROR-CODE-IN-BODY")
def test_fuzzed_api_requests_are_answered_with_an_error_code(check: Any, fuzz_report: Any) -> None:
    """dinstar-uc-1.2 §2: every fuzzed request is answered with error_code (400 for a bad request),
    never HTTP 5xx or silence; success answers match their schema."""
    report_failures(check, fuzz_report, None)
