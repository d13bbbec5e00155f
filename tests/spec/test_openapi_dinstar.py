"""The Dinstar UC OpenAPI document (schemas/dinstar/openapi/uc-1.2.yaml) as the fuzzers and emulator use it.

The generic checks (valid OpenAPI 3.1, every $ref lands, query parameters = query schema) run over
every document in test_openapi.py. Here: schemathesis loads it and sees every endpoint of the
document and every link; authentication is HTTP digest (or basic); destructive operations are marked;
each success code is the one its response schema declares; every Dinstar schema is used.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from smsgw._data import schemas_dir
from smsgw.spec import SchemaRegistry
from smsgw.verdicts import Verdict

UC = schemas_dir() / "dinstar" / "openapi" / "uc-1.2.yaml"
METHODS = ("get", "put", "post", "delete", "patch")

# Every request line of dinstar-uc-1.2 (§2-§16, §18-§26).
ENDPOINTS = {
    "POST /api/send_sms",
    "POST /api/query_sms_result",
    "POST /api/query_sms_deliver_status",
    "GET /api/query_sms_in_queue",
    "GET /api/query_incoming_sms",
    "POST /api/send_ussd",
    "GET /api/query_ussd_reply",
    "GET /api/stop_sms",
    "GET /api/get_port_info",
    "GET /api/set_port_info",
    "POST /api/get_cdr",
    "GET /GetSTKView",
    "POST /STKGo",
    "GET /GetSTKCurrFrameIndex",
    "POST /api/get_status",
    "POST /api/get_config",
    "POST /api/set_config",
    "POST /api/mms_configuration",
    "POST /api/mms_file/{file}",
    "POST /api/send_mms",
    "GET /api/query_mms_sending_status",
    "POST /api/socks5_proxy",
    "GET /doLogin",
    "GET /remoteWeb",
}
PUSHES = {"sms", "sms_result", "sms_deliver_status", "ussd", "register", "cdr", "device", "exception_info"}
DESTRUCTIVE = {
    "send_sms",
    "send_ussd",
    "stop_sms",
    "set_port_info",
    "STKGo",
    "set_config",
    "mms_configuration",
    "mms_file",
    "send_mms",
    "socks5_proxy",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(UC.read_text(encoding="utf-8"))
    return loaded


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for item in document["paths"].values()
        for method, op in item.items()
        if method in METHODS
    }


def _schema_name(ref: str) -> str:
    target = (UC.parent / ref.partition("#")[0]).resolve()
    return str(target.relative_to(schemas_dir().resolve()).with_suffix("").as_posix())


def test_schemathesis_loads_every_endpoint_of_the_document() -> None:
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_path(str(UC))
    labels = {result.ok().label for result in schema.get_all_operations()}
    assert labels == ENDPOINTS


def test_schemathesis_state_machine_follows_the_documented_links() -> None:
    schemathesis = pytest.importorskip("schemathesis")
    machine = schemathesis.openapi.from_path(str(UC)).as_state_machine()
    rules = {name for name in dir(machine) if "___" in name}
    expected = [
        "POST_api_send_sms___200_QuerySmsResult__POST_api_query_sms_result",
        "POST_api_send_sms___200_StopSms__GET_api_stop_sms",
        "POST_api_query_sms_result___200_QueryDeliverStatus__POST_api_query_sms_deliver_status",
        "POST_api_send_ussd___200_QueryUssdReply__GET_api_query_ussd_reply",
        "POST_api_send_mms___200_QueryMmsStatus__GET_api_query_mms_sending_status",
        "GET_api_set_port_info___200_ReadCallForward__GET_api_get_port_info",
    ]
    assert [rule for rule in expected if rule not in rules] == []


@pytest.mark.parametrize("path", ["/api/send_sms", "/api/set_config", "/api/send_ussd"])
def test_schemathesis_generated_bodies_grade_pass_or_non_strict(path: str, registry: SchemaRegistry) -> None:
    """Positive fuzzing data is valid for the suite's own grader: the OpenAPI and the schemas agree."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings

    operation = schemathesis.openapi.from_path(str(UC))[path]["POST"]
    name = operation.definition.raw["x-smsgw-request-schema"]
    failures: list[tuple[Any, list[str]]] = []

    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy())
    def grade(case: Any) -> None:
        result = registry.grade(name, case.body)
        if result.verdict is Verdict.FAIL:
            failures.append((case.body, result.errors))

    grade()
    assert failures == []


def test_security_is_http_digest_or_basic(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert (schemes["digest"]["type"], schemes["digest"]["scheme"]) == ("http", "digest")
    assert (schemes["basic"]["type"], schemes["basic"]["scheme"]) == ("http", "basic")
    assert document["security"] == [{"digest": []}, {"basic": []}]


def test_only_the_drp_server_endpoints_are_unauthenticated(document: dict[str, Any]) -> None:
    open_ops = {op_id for op_id, op in _operations(document).items() if op.get("security") == []}
    assert open_ops == {"drp_login", "drp_remote_web"}


def test_destructive_operations_are_marked(document: dict[str, Any]) -> None:
    marked = {op_id for op_id, op in _operations(document).items() if op.get("x-smsgw-destructive")}
    assert marked == DESTRUCTIVE


def test_success_code_of_each_operation_is_the_one_its_response_schema_declares(
    document: dict[str, Any], registry: SchemaRegistry
) -> None:
    mismatches = []
    for op_id, op in _operations(document).items():
        schema = op["responses"]["200"].get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            continue
        declared = registry.schema(_schema_name(schema["$ref"])).get("x-success-code")
        if op.get("x-smsgw-success-code") != declared:
            mismatches.append(f"{op_id}: {op.get('x-smsgw-success-code')} vs {declared}")
    assert mismatches == []


def test_send_sms_and_number_queries_document_413(document: dict[str, Any]) -> None:
    ops = _operations(document)
    assert {op_id for op_id, op in ops.items() if "413" in op["responses"]} == {
        "send_sms",
        "query_sms_result",
        "query_sms_deliver_status",
    }


def test_every_push_is_a_webhook_with_its_schema(document: dict[str, Any]) -> None:
    webhooks = document["webhooks"]
    assert set(webhooks) == PUSHES
    for name, item in webhooks.items():
        ref = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert _schema_name(ref) == f"dinstar/{name}.push"


def test_document_uses_every_dinstar_schema(document: dict[str, Any], registry: SchemaRegistry) -> None:
    text = UC.read_text(encoding="utf-8")
    used = {_schema_name(ref) for ref in _refs(document)}
    used |= {
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if "x-smsgw-" in line and "-schema:" in line
    }
    dinstar = set(registry.names("dinstar/"))
    assert sorted(dinstar - used) == []


def test_request_schemas_are_named_after_the_path(document: dict[str, Any]) -> None:
    """dinstar/<endpoint>.query|request, endpoint = the path after /api/ (or the bare path, lower case)."""
    wrong = []
    for path, item in document["paths"].items():
        endpoint = path.removeprefix("/api/").strip("/").split("/")[0].lower()
        for method, op in item.items():
            if method not in METHODS:
                continue
            for key, kind in (("x-smsgw-query-schema", "query"), ("x-smsgw-request-schema", "request")):
                if key in op and op[key] != f"dinstar/{endpoint}.{kind}":
                    wrong.append(f"{method} {path}: {op[key]}")
    assert wrong == []


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            found.append(ref)
        for value in node.values():
            found += _refs(value)
    elif isinstance(node, list):
        for item in node:
            found += _refs(item)
    return found
