"""The device checks of the registry, one exchange at a time (no network)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smsgw.fuzz.checks import (
    CheckEnv,
    Credentials,
    Exchange,
    Replay,
    device_check,
    device_checks,
    run_checks,
)
from smsgw.fuzz.spec import profile_spec
from smsgw.spec.registry import SchemaRegistry

SECRET = "pw-Very-Secret-9"


def _exchange(op: str, status: int, body: Any, *, positive: bool = True, headers: Any = None) -> Exchange:
    info = profile_spec("gateway-2.4").operations[op]
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(
        info, info.method, f"http://dut{info.path}", {}, None, positive, status, headers or {}, content
    )


def _env(registry: SchemaRegistry, replay: Any = None) -> CheckEnv:
    return CheckEnv("gateway-2.4", "ejoin", "root", SECRET, registry, replay)


def _names(failures: list[Any]) -> set[str]:
    return {f.check for f in failures}


def test_every_documented_check_is_registered() -> None:
    assert {
        "server_error",
        "code_in_body",
        "error_body",
        "task_status_strings",
        "response_schema",
        "credentials_echoed",
        "ignored_auth",
    } <= set(device_checks())


def test_a_second_check_with_a_registered_name_is_refused() -> None:
    with pytest.raises(ValueError, match="already registered"):
        device_check("server_error")(lambda env, exchange: [])


def test_server_error_and_no_answer_fail_with_the_operation_requirement(registry: SchemaRegistry) -> None:
    env = _env(registry)
    five = run_checks(env, _exchange("goip_post_sms", 500, b"oops"), ["server_error"])
    silent = run_checks(env, _exchange("goip_get_status", 0, b""), ["server_error"])
    assert [f.requirements for f in five] == [("EJ-SMS-SEND-RESPONSE-CODE-200",)]
    assert [f.title for f in silent] == ["No answer"]


def test_a_conformant_success_answer_passes_every_answer_check(registry: SchemaRegistry) -> None:
    answer = {"code": 200, "reason": "OK", "type": "task-status", "status": [{"tid": 1, "status": "0 OK"}]}
    assert run_checks(_env(registry), _exchange("goip_post_sms", 200, answer)) == []


def test_a_refusal_carrying_the_success_code_fails(registry: SchemaRegistry) -> None:
    failures = run_checks(_env(registry), _exchange("goip_get_sms", 400, {"code": 0, "reason": "bad"}))
    assert "Refusal carries the success code" in {f.title for f in failures}


def test_success_announced_with_the_other_endpoints_code_fails(registry: SchemaRegistry) -> None:
    failures = run_checks(_env(registry), _exchange("goip_send_cmd", 200, {"code": 200, "reason": "OK"}))
    assert "Success announced with the wrong code" in {f.title for f in failures}
    assert {f.requirements for f in failures if f.check == "code_in_body"} == {("EJ-CMD-URL",)}


def test_an_answer_that_is_not_json_fails_code_in_body(registry: SchemaRegistry) -> None:
    failures = run_checks(_env(registry), _exchange("goip_get_sms_stat", 200, b"<html>"), ["code_in_body"])
    assert [f.title for f in failures] == ["Answer is not JSON"]


def test_a_failure_code_without_reason_fails_error_body(registry: SchemaRegistry) -> None:
    env = _env(registry)
    assert _names(run_checks(env, _exchange("goip_get_sms_stat", 200, {"code": 401}))) == {"error_body"}
    assert run_checks(env, _exchange("crypt_sess", 200, {"code": 2, "desc": "bad expires"})) == []


def test_task_statuses_outside_the_table_fail(registry: SchemaRegistry) -> None:
    answer = {
        "code": 200,
        "reason": "OK",
        "type": "task-status",
        "status": [{"tid": 1, "status": "0 Success"}],
    }
    failures = run_checks(_env(registry), _exchange("goip_post_sms", 200, answer), ["task_status_strings"])
    assert [f.requirements for f in failures] == [("EJ-SMS-TASK-STATUS-CODE-RANGE",)]


def test_pause_results_use_the_task_operation_table(registry: SchemaRegistry) -> None:
    env = _env(registry)
    good = {"code": 200, "reason": "OK", "results": [{"tid": 1, "status": "11 TID Expected"}]}
    bad = {"code": 200, "reason": "OK", "results": [{"tid": 1, "status": "11 no such task"}]}
    assert run_checks(env, _exchange("goip_pause_sms", 200, good), ["task_status_strings"]) == []
    assert run_checks(env, _exchange("goip_pause_sms", 200, bad), ["task_status_strings"]) != []


def test_response_schema_grades_answers_to_valid_requests_only(registry: SchemaRegistry) -> None:
    env = _env(registry)
    answer = {"code": 200, "reason": "OK", "results": [{"tid": 4294967296, "status": "11 TID Expected"}]}
    assert _names(run_checks(env, _exchange("goip_pause_sms", 200, answer), ["response_schema"])) == {
        "response_schema"
    }
    negative = _exchange("goip_pause_sms", 200, answer, positive=False)
    assert run_checks(env, negative, ["response_schema"]) == []


def test_the_password_in_a_body_or_header_fails_and_is_not_in_the_message(registry: SchemaRegistry) -> None:
    env = _env(registry)
    in_body = run_checks(env, _exchange("goip_get_sms", 400, {"code": 2, "reason": f"password={SECRET}"}))
    in_header = run_checks(env, _exchange("goip_get_sms", 200, {"code": 0}, headers={"X-Echo": SECRET}))
    assert "credentials_echoed" in _names(in_body) & _names(in_header)
    assert all(SECRET not in f.message for f in in_body + in_header)


def test_ignored_auth_replays_once_per_operation_and_fails_when_accepted(registry: SchemaRegistry) -> None:
    calls: list[Credentials] = []

    def accepting(exchange: Exchange, credentials: Credentials) -> Replay:
        calls.append(credentials)
        return Replay(200, b'{"code": 200, "reason": "OK", "count": 0, "stats": []}')

    env = _env(registry, accepting)
    accepted = _exchange("goip_get_sms_stat", 200, {"code": 200, "reason": "OK", "count": 0, "stats": []})
    first = run_checks(env, accepted, ["ignored_auth"])
    again = run_checks(env, accepted, ["ignored_auth"])
    assert {f.requirements for f in first} == {
        ("EJ-AUTH-MISSING-CREDENTIALS-REFUSED",),
        ("EJ-AUTH-WRONG-PASSWORD-REFUSED",),
    }
    assert again == []
    assert calls == [Credentials.NONE, Credentials.WRONG]


def test_ignored_auth_passes_when_the_replay_is_refused_by_code_or_status(registry: SchemaRegistry) -> None:
    answers = iter([Replay(401, b""), Replay(200, b'{"code": 401, "reason": "Invalid User"}')])
    env = _env(registry, lambda exchange, credentials: next(answers))
    accepted = _exchange("goip_get_sms_stat", 200, {"code": 200, "reason": "OK", "count": 0, "stats": []})
    assert run_checks(env, accepted, ["ignored_auth"]) == []


def test_ignored_auth_does_not_replay_refused_requests(registry: SchemaRegistry) -> None:
    env = _env(registry, lambda exchange, credentials: pytest.fail("replayed"))
    assert run_checks(env, _exchange("goip_get_sms", 400, {"code": 2, "reason": "x"}), ["ignored_auth"]) == []


def test_the_session_redacts_every_failure_it_keeps(registry: SchemaRegistry) -> None:
    from urllib.parse import quote

    from smsgw.fuzz.adapter import FuzzSession
    from smsgw.fuzz.checks import Failure

    session = FuzzSession(profile_spec("gateway-2.4"), _env(registry), timeout=1)
    session.record(
        [Failure("server_error", "goip_get_sms", "Server error", f"500: {SECRET} {quote(SECRET)}")]
    )
    assert len(session.failures) == 1
    assert SECRET not in session.failures[0].message
    assert "***" in session.failures[0].message
