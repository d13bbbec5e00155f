"""What the fuzzer reads from the OpenAPI documents and the catalog."""

from __future__ import annotations

import json

import pytest

from smsgw.fuzz.spec import (
    UnknownProfileError,
    operations_for_requirements,
    profile_spec,
    requirements_for,
    strict_document,
)


def test_operations_carry_success_code_response_schema_and_marks() -> None:
    ops = profile_spec("gateway-2.4").operations
    assert (ops["goip_post_sms"].success_code, ops["goip_send_cmd"].success_code) == (200, 0)
    assert ops["goip_post_sms"].response_schema == "ejoin/goip_post_sms.response"
    assert ops["goip_post_sms"].destructive
    assert not ops["goip_get_tasks"].destructive
    assert not ops["crypt_sess"].authenticated


def test_an_unknown_profile_is_refused() -> None:
    with pytest.raises(UnknownProfileError):
        profile_spec("nokia-3310")


def test_the_materialized_document_references_strict_schemas() -> None:
    with strict_document("gateway-2.4") as document:
        request = json.loads(
            (document.parent.parent / "goip_post_sms.request.json").read_text(encoding="utf-8")
        )
        assert document.is_file()
    assert request["properties"]["username"] is False  # x-errata E-EJ-POSTSMS-AUTH-IN-BODY
    assert not document.exists()


@pytest.mark.parametrize(
    ("kind", "operation", "profile", "expected"),
    [
        ("response", "goip_send_cmd_query", "gateway-2.4", ("EJ-CMD-URL",)),
        ("response", "goip_send_cmd_query", "simple-v2", ("EJ-CMD-QUERY-FORM",)),
        ("task-status", "goip_post_sms", "router-2.2", ("EJ-SMS-TASK-STATUS-CODE-RANGE",)),
        ("wrong-password", "goip_get_sms", "proxy-gateway", ("EJ-AUTH-WRONG-PASSWORD-REFUSED",)),
        ("missing-credentials", "send_sms", "dinstar-uc", ("DS-AUTH-UNAUTHENTICATED-401",)),
        ("response", "get_port_info", "dinstar-uc", ("DS-HTTP-ERROR-CODE-IN-BODY",)),
        ("response", "goip_get_esims", "router-2.2", ()),
    ],
)
def test_a_failure_maps_to_the_first_requirement_that_applies_to_the_profile(
    kind: str, operation: str, profile: str, expected: tuple[str, ...]
) -> None:
    assert requirements_for(kind, operation, profile) == expected


def test_selected_requirements_select_the_operations_they_need() -> None:
    assert operations_for_requirements("gateway-2.4", ("EJ-TASK-PAUSE-RESPONSE",)) == ("goip_pause_sms",)
    assert set(operations_for_requirements("gateway-2.4", ("EJ-AUTH-*",))) == set(
        profile_spec("gateway-2.4").operations
    )
