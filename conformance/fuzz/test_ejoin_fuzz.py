"""Fuzzing the goip_* API: schemathesis generates schema-valid and schema-violating requests from
the profile's OpenAPI description (strict form) and the registry's checks judge every answer
(smsgw.fuzz.checks).  Each check here reports the failures of its operations against its
requirements; the run itself happens once per session (conftest.py ``fuzz_report``).

gateway-2.4 §6.3.1.4 and erratum E-EJ-RESULT-CODE-PER-ENDPOINT: "code: result code" -- every
request is answered with a JSON body whose code says how it fared, never with a server error.
"""

from __future__ import annotations

from typing import Any

import pytest
from fuzz_support import report_failures

STATUS = frozenset({"goip_get_status"})
SEND = frozenset({"goip_post_sms"})
TASKS = frozenset({"goip_get_tasks", "goip_pause_sms", "goip_resume_sms", "goip_remove_sms"})
COMMANDS = frozenset({"goip_send_cmd", "goip_send_cmd_query"})
INBOX = frozenset({"goip_get_sms"})
SESSION = frozenset({"crypt_sess"})
SMS_STATISTICS = frozenset({"goip_get_sms_stat"})
CALL_STATISTICS = frozenset({"goip_get_call_stat"})
ESIM = frozenset({"goip_get_esims", "goip_write_esims", "goip_delete_esims"})
PROXY = frozenset(
    f"proxy{p}_{m}"
    for p in ("", "_user", "_white_list", "_black_list", "_access_log")
    for m in ("get", "post")
)
IP_LISTS = frozenset({"ip_white_list_get", "ip_black_list_get", "ip_white_list_post", "ip_black_list_post"})


@pytest.mark.requirement("EJ-AUTH-WRONG-PASSWORD-REFUSED", "EJ-AUTH-MISSING-CREDENTIALS-REFUSED")
def test_every_operation_refuses_a_replay_without_valid_credentials(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §6.3.1.2: "username: Required Y; password: Required Y" -- an accepted fuzzed
    request of every operation, replayed without credentials and with a wrong password, is refused."""
    report_failures(check, fuzz_report, None, auth=True)


@pytest.mark.requirement("EJ-STATUS-GET-STATUS-URL")
def test_fuzzed_status_requests_are_answered_not_crashed(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §4.1: goip_get_status answers every request (bad url/period/port: a failure code)."""
    report_failures(check, fuzz_report, STATUS)


@pytest.mark.requirement("EJ-SMS-SEND-RESPONSE-CODE-200", "EJ-SMS-TASK-STATUS-CODE-RANGE")
def test_fuzzed_send_sms_requests_get_a_code_and_table_statuses(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §6.3.1.4: "{"code": 200, "reason": "OK", "type": "task-status", "status": [...]}"
    -- task statuses are "code text" strings of the 0-20 table, whatever the request."""
    report_failures(check, fuzz_report, SEND)


@pytest.mark.requirement(
    "EJ-TASK-QUERY-RESPONSE", "EJ-TASK-PAUSE-RESPONSE", "EJ-TASK-RESUME-RESPONSE", "EJ-TASK-REMOVE-RESPONSE"
)
def test_fuzzed_task_queue_requests_get_a_code_and_results(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §6.3.3-§6.3.6: pause/resume/remove answer code 200, reason and results; the
    stateful phase follows the links send -> query -> pause -> resume -> remove."""
    report_failures(check, fuzz_report, TASKS)


@pytest.mark.requirement("EJ-CMD-URL")
def test_fuzzed_commands_are_answered_not_crashed(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §5.1: goip_send_cmd answers every command with code and reason (15 Invalid CMD)."""
    report_failures(check, fuzz_report, COMMANDS)


@pytest.mark.requirement("EJ-GETSMS-URL")
def test_fuzzed_inbox_queries_are_answered_not_crashed(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §8.2: goip_get_sms answers code 0 and the messages, or a failure code."""
    report_failures(check, fuzz_report, INBOX)


@pytest.mark.requirement("EJ-SEC-RESPONSE-CODE")
def test_fuzzed_session_requests_get_an_integer_code(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §3.2.2: "code: 0 success, non-0 failure", explained by desc."""
    report_failures(check, fuzz_report, SESSION)


@pytest.mark.requirement("EJ-STAT-SMS-RESPONSE")
def test_fuzzed_sms_statistics_queries_get_a_code(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §9.1.3: the answer carries code 200, reason, count and stats."""
    report_failures(check, fuzz_report, SMS_STATISTICS)


@pytest.mark.requirement("EJ-STAT-CALL-RESPONSE")
def test_fuzzed_call_statistics_queries_get_a_code(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §10.1.3: the answer carries code 200, reason, count and stats."""
    report_failures(check, fuzz_report, CALL_STATISTICS)


@pytest.mark.requirement("EJ-ESIM-QUERY-RESPONSE", "EJ-ESIM-WRITE-RESPONSE", "EJ-ESIM-DELETE-RESPONSE")
def test_fuzzed_esim_requests_get_a_code(check: Any, fuzz_report: Any) -> None:
    """gateway-2.4 §12: query/write/delete answer code, reason and an item per port."""
    report_failures(check, fuzz_report, ESIM)
