"""eSIM query/write/delete, gateway-2.4 §12: answers, the asynchronous progression, busy ports."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgw.emulator.esim import (
    EsimBank,
    EsimEvent,
    EsimOp,
    EsimStatus,
    EsimTimings,
    SubmitStatus,
    parse_number_list,
)
from tests.schema_asserts import assert_conforms as conforms

AC = "LPA:1$smdp.example.com$MATCH-0001"
TIMINGS = EsimTimings(start_delay=2.0, write_time=10.0, delete_time=4.0)


def query(bank: EsimBank, now: float, ports: str | None = None) -> dict[str, Any]:
    params = {"username": "root", "password": "root"}
    if ports is not None:
        params["ports"] = ports
    conforms("ejoin/goip_get_esims.query", params, strict=False)  # "1-2, 4" is tolerated
    status, answer = bank.handle_goip_get_esims(params, None, now)
    assert status == 200
    conforms("ejoin/goip_get_esims.response", answer)
    return answer


def post(bank: EsimBank, op: str, items: list[dict[str, Any]], now: float) -> list[int]:
    conforms(f"ejoin/goip_{op}_esims.request", items)
    handler = bank.handle_goip_write_esims if op == "write" else bank.handle_goip_delete_esims
    status, answer = handler({"username": "root", "password": "root"}, json.dumps(items).encode(), now)
    assert status == 200
    assert answer["code"] == 200
    conforms(f"ejoin/goip_{op}_esims.response", answer)
    assert [(r["port"], r["slot"]) for r in answer["ports"]] == [(i["port"], i["slot"]) for i in items]
    return [r["status"] for r in answer["ports"]]


def slot(bank: EsimBank, now: float, port: int, slot_no: int) -> dict[str, Any]:
    answer = query(bank, now, str(port))
    result: dict[str, Any] = answer["ports"][0]["profiles"][slot_no - 1]
    return result


# -- query -----------------------------------------------------------------------------------------
def test_query_lists_every_port_with_eid_and_empty_slots() -> None:
    answer = query(EsimBank(4, slots=2), 0.0)
    assert (answer["code"], answer["reason"], answer["count"]) == (200, "OK", 4)
    first = answer["ports"][0]
    assert first["port"] == 1
    assert first["esim_state"] == 1
    assert len(first["eid"]) == 32
    assert first["profiles"] == [
        {"slot": n, "enabled": 0, "iccid": "", "ac": "", "cc": "", "provider": "", "exust": 0,
         "op": 0, "status": 0, "reason": ""}
        for n in (1, 2)
    ]  # fmt: skip
    assert len({p["eid"] for p in answer["ports"]}) == 4


@pytest.mark.parametrize(
    ("ports", "expected"),
    [(None, [1, 2, 3, 4, 5]), ("all", [1, 2, 3, 4, 5]), ("2", [2]), ("1-2,4", [1, 2, 4]),
     ("1-2, 4", [1, 2, 4]), ("4,9", [4]), ("3-99", [3, 4, 5])],
)  # fmt: skip
def test_query_filters_by_ports(ports: str | None, expected: list[int]) -> None:
    answer = query(EsimBank(5), 0.0, ports)
    assert [p["port"] for p in answer["ports"]] == expected
    assert answer["count"] == len(expected)


@pytest.mark.parametrize("ports", ["x", "0", "2-1", "1,,2", "-3"])
def test_query_with_malformed_ports_answers_400(ports: str) -> None:
    status, answer = EsimBank(4).handle_goip_get_esims({"ports": ports}, None, 0.0)
    assert (status, answer["code"], answer["ports"]) == (400, 400, [])
    conforms("ejoin/goip_get_esims.response", answer)


def test_port_without_euicc_reports_esim_state_0_and_empty_eid() -> None:
    answer = query(EsimBank(2, without_euicc=[2]), 0.0, "2")
    assert (answer["ports"][0]["esim_state"], answer["ports"][0]["eid"]) == (0, "")


def test_parse_number_list_reads_all_single_and_ranges() -> None:
    assert parse_number_list("all", 3) == [1, 2, 3]
    assert parse_number_list("3,1-2", 8) == [1, 2, 3]
    assert parse_number_list("1;2", 8) is None


# -- write: the whole progression ------------------------------------------------------------------
def test_write_progresses_submitted_in_progress_then_done_with_exust() -> None:
    bank = EsimBank(2, slots=2, timings=TIMINGS)
    assert post(bank, "write", [{"port": 1, "slot": 2, "ac": AC, "cc": "1234"}], 100.0) == [1]
    seen = slot(bank, 100.0, 1, 2)
    assert (seen["op"], seen["status"], seen["exust"]) == (EsimOp.WRITE, EsimStatus.SUBMITTED, 0)
    assert bank.busy(1)
    seen = slot(bank, 101.9, 1, 2)
    assert seen["status"] == EsimStatus.SUBMITTED
    seen = slot(bank, 102.0, 1, 2)
    assert (seen["op"], seen["status"]) == (EsimOp.WRITE, EsimStatus.IN_PROGRESS)
    seen = slot(bank, 111.9, 1, 2)
    assert seen["status"] == EsimStatus.IN_PROGRESS
    seen = slot(bank, 112.0, 1, 2)
    assert (seen["op"], seen["status"], seen["exust"], seen["reason"]) == (0, 0, 1, "")
    assert (seen["ac"], seen["cc"], seen["provider"], seen["enabled"]) == (AC, "1234", "smdp.example.com", 1)
    assert len(seen["iccid"]) == 19
    assert bank.enabled_iccid(1) == seen["iccid"]
    assert not bank.busy(1)


def test_advance_reports_each_status_change_once() -> None:
    bank = EsimBank(1, slots=1, timings=TIMINGS)
    post(bank, "write", [{"port": 1, "slot": 1, "ac": AC, "cc": ""}], 0.0)
    assert bank.advance(1.0) == []
    assert bank.advance(2.0) == [EsimEvent(1, 1, EsimOp.WRITE, EsimStatus.IN_PROGRESS)]
    assert bank.advance(3.0) == []
    assert bank.advance(12.0) == [EsimEvent(1, 1, EsimOp.WRITE, EsimStatus.NONE)]
    assert bank.advance(100.0) == []


def test_one_late_advance_jumps_through_both_steps() -> None:
    bank = EsimBank(1, slots=1, timings=TIMINGS)
    post(bank, "write", [{"port": 1, "slot": 1, "ac": AC, "cc": ""}], 0.0)
    events = bank.advance(50.0)
    assert [e.status for e in events] == [EsimStatus.IN_PROGRESS, EsimStatus.NONE]


def test_second_operation_on_a_busy_port_gets_status_2_until_done() -> None:
    bank = EsimBank(2, slots=2, timings=TIMINGS)
    items = [
        {"port": 1, "slot": 1, "ac": AC, "cc": ""},
        {"port": 1, "slot": 2, "ac": AC, "cc": ""},
        {"port": 2, "slot": 1, "ac": AC, "cc": ""},
    ]
    assert post(bank, "write", items, 0.0) == [1, 2, 1]
    assert post(bank, "delete", [{"port": 1, "slot": 1}], 5.0) == [SubmitStatus.PORT_BUSY]
    assert slot(bank, 5.0, 1, 2)["status"] == EsimStatus.NONE  # the refused item left no trace
    assert post(bank, "write", [{"port": 1, "slot": 2, "ac": AC, "cc": ""}], 12.0) == [1]


def test_second_profile_is_written_disabled() -> None:
    bank = EsimBank(1, slots=2, timings=TIMINGS)
    post(bank, "write", [{"port": 1, "slot": 1, "ac": AC, "cc": ""}], 0.0)
    post(bank, "write", [{"port": 1, "slot": 2, "ac": AC, "cc": ""}], 20.0)
    profiles = query(bank, 40.0)["ports"][0]["profiles"]
    assert [(p["exust"], p["enabled"]) for p in profiles] == [(1, 1), (1, 0)]
    assert profiles[0]["iccid"] != profiles[1]["iccid"]


@pytest.mark.parametrize(
    ("item", "kwargs"),
    [
        ({"port": 9, "slot": 1, "ac": AC, "cc": ""}, {}),
        ({"port": 1, "slot": 3, "ac": AC, "cc": ""}, {}),
        ({"port": 1, "slot": 1, "ac": "", "cc": ""}, {}),
        ({"port": 1, "slot": 1, "cc": ""}, {}),
        ({"port": 1, "slot": 1, "ac": AC, "cc": ""}, {"without_euicc": [1]}),
    ],
    ids=["unknown-port", "unknown-slot", "empty-ac", "missing-ac", "no-euicc"],
)
def test_write_item_that_cannot_be_submitted_gets_status_3(
    item: dict[str, Any], kwargs: dict[str, Any]
) -> None:
    bank = EsimBank(2, slots=2, timings=TIMINGS, **kwargs)
    status, answer = bank.handle_goip_write_esims({}, json.dumps([item]).encode(), 0.0)
    assert status == 200
    assert answer["ports"] == [
        {"port": item["port"], "slot": item["slot"], "status": SubmitStatus.OTHER_ERROR}
    ]
    conforms("ejoin/goip_write_esims.response", answer)
    assert not bank.busy(1)


def test_invalid_activation_code_fails_later_with_status_3_and_reason() -> None:
    bank = EsimBank(1, slots=1, timings=TIMINGS)
    assert post(bank, "write", [{"port": 1, "slot": 1, "ac": "not-an-lpa-code", "cc": ""}], 0.0) == [1]
    seen = slot(bank, 12.0, 1, 1)
    assert (seen["op"], seen["status"], seen["reason"], seen["exust"]) == (1, 3, "invalid activation code", 0)
    assert not bank.busy(1)


def test_write_to_a_slot_that_holds_a_profile_fails_with_status_3() -> None:
    bank = EsimBank(1, slots=1, timings=TIMINGS, profiles={(1, 1): {"ac": AC, "enabled": 1}})
    post(bank, "write", [{"port": 1, "slot": 1, "ac": AC, "cc": ""}], 0.0)
    seen = slot(bank, 20.0, 1, 1)
    assert (seen["status"], seen["reason"], seen["exust"]) == (3, "slot already holds a profile", 1)


def test_injected_failure_ends_the_next_operation_with_its_reason() -> None:
    bank = EsimBank(1, slots=1, timings=TIMINGS)
    bank.fail_next(1, 1, "SM-DP+ unreachable")
    post(bank, "write", [{"port": 1, "slot": 1, "ac": AC, "cc": ""}], 0.0)
    assert bank.advance(12.0)[-1] == EsimEvent(1, 1, EsimOp.WRITE, EsimStatus.ERROR, "SM-DP+ unreachable")
    post(bank, "write", [{"port": 1, "slot": 1, "ac": AC, "cc": ""}], 20.0)
    seen = slot(bank, 40.0, 1, 1)
    assert (seen["op"], seen["status"], seen["reason"], seen["exust"]) == (0, 0, "", 1)


# -- delete ----------------------------------------------------------------------------------------
def test_delete_progresses_and_clears_the_slot() -> None:
    bank = EsimBank(1, slots=2, timings=TIMINGS, profiles={(1, 2): {"ac": AC, "cc": "99", "enabled": 1}})
    assert bank.enabled_iccid(1) is not None
    assert post(bank, "delete", [{"port": 1, "slot": 2}], 0.0) == [1]
    assert (slot(bank, 0.0, 1, 2)["op"], slot(bank, 0.0, 1, 2)["status"]) == (EsimOp.DELETE, 1)
    assert slot(bank, 2.0, 1, 2)["status"] == EsimStatus.IN_PROGRESS
    assert slot(bank, 5.9, 1, 2)["status"] == EsimStatus.IN_PROGRESS
    seen = slot(bank, 6.0, 1, 2)
    assert seen == {"slot": 2, "enabled": 0, "iccid": "", "ac": "", "cc": "", "provider": "", "exust": 0,
                    "op": 0, "status": 0, "reason": ""}  # fmt: skip
    assert bank.enabled_iccid(1) is None


def test_delete_of_an_empty_slot_fails_with_status_3() -> None:
    bank = EsimBank(1, slots=1, timings=TIMINGS)
    post(bank, "delete", [{"port": 1, "slot": 1}], 0.0)
    seen = slot(bank, 10.0, 1, 1)
    assert (seen["op"], seen["status"], seen["reason"]) == (EsimOp.DELETE, 3, "no profile in slot")


# -- unreadable requests ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [None, b"", b"{not json", b'{"port": 1, "slot": 1}', b"[]", b"[1]", b'[{"port": "1", "slot": 1}]',
     b'[{"port": 1, "slot": 0}]', b'[{"port": 1, "slot": true}]', b"\xff\xfe"],
)  # fmt: skip
def test_unreadable_write_or_delete_body_answers_400_and_submits_nothing(body: bytes | None) -> None:
    bank = EsimBank(2, timings=TIMINGS)
    for handler, name in ((bank.handle_goip_write_esims, "write"), (bank.handle_goip_delete_esims, "delete")):
        status, answer = handler({}, body, 0.0)
        assert (status, answer["code"], answer["ports"]) == (400, 400, [])
        assert answer["reason"]
        conforms(f"ejoin/goip_{name}_esims.response", answer)
    assert not bank.busy(1)


def test_constructor_refuses_impossible_sizes() -> None:
    with pytest.raises(ValueError, match="ports"):
        EsimBank(0)


# -- robustness ------------------------------------------------------------------------------------
_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 600), st.text(max_size=12)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["port", "slot", "ac", "cc"]), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    data=_json_values,
    raw=st.one_of(st.none(), st.binary(max_size=40)),
    ports=st.one_of(st.none(), st.text(max_size=12)),
)
def test_no_body_or_ports_filter_makes_a_handler_raise(
    data: Any, raw: bytes | None, ports: str | None
) -> None:
    bank = EsimBank(3, slots=2, timings=TIMINGS)
    query = {} if ports is None else {"ports": ports}
    for body in (raw, json.dumps(data).encode()):
        for handler, name in (
            (bank.handle_goip_write_esims, "write"),
            (bank.handle_goip_delete_esims, "delete"),
        ):
            status, answer = handler(query, body, 0.0)
            assert status in (200, 400)
            conforms(f"ejoin/goip_{name}_esims.response", answer)
    status, answer = bank.handle_goip_get_esims(query, None, 50.0)
    assert status in (200, 400)
    conforms("ejoin/goip_get_esims.response", answer)
