"""send_sms, results, delivery statuses, queue, stop and received SMS (dinstar-uc-1.2 §2-§6, §9)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.dinstar.device import DinstarDevice
from tests.emulator.dinstar.conftest import api, call, check, events, run

EXTERNAL = "8613912345678"


def send(
    device: DinstarDevice, text: str = "hello", numbers: tuple[str, ...] = (EXTERNAL,), **top: object
) -> dict:
    body = {"text": text, "param": [{"number": n, "user_id": i + 1} for i, n in enumerate(numbers)], **top}
    answer = api(device, "send_sms", body)
    check("dinstar/send_sms.request", body)
    return answer


def test_send_sms_is_accepted_with_202_task_id_and_queue(device: DinstarDevice) -> None:
    first = send(device, numbers=(EXTERNAL, EXTERNAL))
    second = send(device)
    assert first["error_code"] == 202
    assert first["sn"] == device.sn
    assert (first["task_id"], second["task_id"]) == (1, 2)
    assert (first["sms_in_queue"], second["sms_in_queue"]) == (2, 3)
    assert api(device, "query_sms_in_queue")["in_queue"] == 3


def test_param_templates_fill_each_number_and_results_track_user_ids(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    body = {
        "text": "#param# owes #param#",
        "port": [2, 3],
        "param": [
            {"number": "10086", "text_param": ["bj", "5"], "user_id": 11},
            {"number": "10087", "text_param": ["ye"], "user_id": 12},
        ],
    }
    assert api(device, "send_sms", body)["error_code"] == 202
    records = list(device.board.records)
    assert [r.text for r in records] == ["bj owes 5", "ye owes "]
    pushes = run(device, clock, 5)
    answer = api(device, "query_sms_result", {"user_id": [12]})
    assert [(r["user_id"], r["number"]) for r in answer["result"]] == [(12, "10087")]
    assert {r["port"] for r in api(device, "query_sms_result", {})["result"]} <= {2, 3}
    assert {e["status"] for e in events(pushes, "sms_result")} >= {"SENT_OK", "DELIVERED"}


def test_a_result_goes_sending_then_sent_ok_then_delivered(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    send(device)
    assert api(device, "query_sms_result", {"user_id": [1]})["result"][0]["status"] == "SENDING"
    run(device, clock, 2)
    sent = api(device, "query_sms_result", {"user_id": [1]})["result"][0]
    assert sent["status"] == "SENT_OK"
    assert (sent["count"], sent["succ_count"], sent["ref_id"]) == (1, 1, 0)
    assert sent["imsi"]
    run(device, clock, 3)
    assert api(device, "query_sms_result", {"user_id": [1]})["result"][0]["status"] == "DELIVERED"


def test_long_messages_get_consecutive_ref_ids_and_one_delivery_status_per_segment(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    send(device, "x" * 161, encoding="gsm-7bit", port=[0])
    send(device, "y" * 71, port=[0])
    pushes = run(device, clock, 20)
    results = api(device, "query_sms_result", {})["result"]
    assert [(r["count"], r["ref_id"]) for r in results] == [(2, 0), (2, 2)]
    statuses = api(device, "query_sms_deliver_status", {"port": [0]})["result"]
    assert [s["ref_id"] for s in statuses] == [0, 1, 2, 3]
    assert all(s["status_code"] == 0 for s in statuses)
    assert [s["ref_id"] for s in events(pushes, "sms_deliver_status")] == [0, 1, 2, 3]


def test_ref_ids_wrap_at_255(device: DinstarDevice, clock: VirtualClock) -> None:
    device.board.ref_ids[1] = 255
    send(device, "z" * 200, port=[0])
    run(device, clock, 12)
    assert [s["ref_id"] for s in api(device, "query_sms_deliver_status", {})["result"]] == [255, 0, 1]


def test_no_status_report_means_no_delivery_status(device: DinstarDevice, clock: VirtualClock) -> None:
    send(device, request_status_report=False)
    pushes = run(device, clock, 6)
    assert api(device, "query_sms_deliver_status", {})["result"] == []
    assert not events(pushes, "sms_deliver_status")
    assert api(device, "query_sms_result", {})["result"][0]["status"] == "SENT_OK"


def test_numbers_failing_in_the_network_get_a_permanent_error_status(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    from smsgw.emulator.network import OutcomeRule

    assert device.network is not None
    device.network.rules = [OutcomeRule("86139", 1.0)]
    send(device)
    run(device, clock, 6)
    assert api(device, "query_sms_deliver_status", {})["result"][0]["status_code"] == 64
    assert api(device, "query_sms_result", {})["result"][0]["status"] == "SENT_OK"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"param": [{"number": "1"}]}, 400),
        ({"text": "x"}, 400),
        ({"text": "x", "param": []}, 400),
        ({"text": "x", "param": [{"number": "abc"}]}, 400),
        ({"text": "x", "param": [{"number": "1" * 25}]}, 400),
        ({"text": "x", "param": [{"number": "1", "user_id": -1}]}, 400),
        # user_id is "an integer greater than or equal to 0" (§2.2): null is as malformed as a word
        ({"text": "x", "param": [{"number": "1", "user_id": None}]}, 400),
        ({"text": "x", "param": [{"number": "1", "user_id": "seven"}]}, 400),
        ({"text": "x", "param": [{"number": "1"}], "encoding": "latin1"}, 400),
        ({"text": "x", "param": [{"number": "1"}], "port": [99]}, 400),
        ({"text": "x", "param": [{"number": "1"}], "request_status_report": "yes"}, 400),
        ({"text": "x", "param": [{"number": "1"}] * 129}, 413),
        ({"text": "é" * 751, "param": [{"number": "1"}]}, 413),
        ([1, 2], 400),
    ],
)
def test_send_sms_refuses_what_the_document_refuses(device: DinstarDevice, body: object, code: int) -> None:
    assert api(device, "send_sms", body)["error_code"] == code
    assert device.board.in_queue == 0


def test_send_sms_at_the_limits_is_accepted(device: DinstarDevice) -> None:
    assert (
        api(device, "send_sms", {"text": "x" * 1500, "param": [{"number": "1"}] * 128})["error_code"] == 202
    )


def test_no_registered_port_answers_550(device: DinstarDevice) -> None:
    for port in device.powered:
        device.powered[port] = False
    assert api(device, "send_sms", {"text": "x", "param": [{"number": "1"}]})["error_code"] == 550


def test_a_body_that_is_not_json_is_a_400(device: DinstarDevice) -> None:
    response = call(device, "POST", "/api/send_sms", body=b"{not json")
    assert response.status == 200
    assert response.payload()["error_code"] == 400


def test_query_filters_by_number_port_and_time(device: DinstarDevice, clock: VirtualClock) -> None:
    send(device, numbers=("10086", "10087"), port=[1])
    run(device, clock, 10)
    assert len(api(device, "query_sms_result", {"number": ["10087"]})["result"]) == 1
    assert api(device, "query_sms_result", {"port": [0]})["result"] == []
    assert api(device, "query_sms_result", {"time_after": "2030-01-01 00:00:00"})["result"] == []
    assert len(api(device, "query_sms_result", {"time_before": "2030-01-01 00:00:00"})["result"]) == 2
    assert len(api(device, "query_sms_deliver_status", {"number": ["10086"], "port": [1]})["result"]) == 1
    assert api(device, "query_sms_result", {"number": ["1"] * 33})["error_code"] == 413
    assert api(device, "query_sms_deliver_status", {"number": ["1"] * 33})["error_code"] == 413
    assert api(device, "query_sms_result", {"time_after": "yesterday"})["error_code"] == 400


def test_stop_sms_stops_waiting_messages_and_404s_unknown_tasks(
    device: DinstarDevice, clock: VirtualClock
) -> None:
    task = send(device, numbers=tuple(f"1008{i}" for i in range(9)), port=[0])["task_id"]
    run(device, clock, 1)
    assert api(device, "stop_sms", query=f"task_id={task}")["error_code"] == 200
    run(device, clock, 30)
    statuses = [r["status"] for r in api(device, "query_sms_result", {})["result"]]
    assert statuses.count("FAILED") == 8
    assert device.board.in_queue == 0
    assert api(device, "stop_sms", query="task_id=99")["error_code"] == 404
    assert api(device, "stop_sms", query="task_id=x")["error_code"] == 500  # §9.3 has no 400


def test_incoming_sms_unread_become_read_and_page_by_id(
    make_device: Callable[..., DinstarDevice], clock: VirtualClock
) -> None:
    device = make_device()
    for i in range(3):
        device.deliver(2, 1, "10010", "", f"msg {i}", clock.now())
    pushes = run(device, clock, 1)
    assert [e["text"] for e in events(pushes, "sms")] == ["msg 0", "msg 1", "msg 2"]
    first = api(device, "query_incoming_sms", query="incoming_sms_id=1")
    assert [m["incoming_sms_id"] for m in first["sms"]] == [2, 3]
    assert (first["read"], first["unread"]) == (2, 1)
    assert all(m["port"] == 1 for m in first["sms"])
    assert [m["incoming_sms_id"] for m in api(device, "query_incoming_sms")["sms"]] == [1]
    assert api(device, "query_incoming_sms")["sms"] == []
    assert len(api(device, "query_incoming_sms", query="flag=read")["sms"]) == 3
    assert len(api(device, "query_incoming_sms", query="flag=all&port=1")["sms"]) == 3
    assert api(device, "query_incoming_sms", query="flag=all&port=0")["sms"] == []


def test_incoming_sms_malformed_queries_are_other_errors(device: DinstarDevice) -> None:
    assert api(device, "query_incoming_sms", query="flag=new")["error_code"] == 500
    assert api(device, "query_incoming_sms", query="incoming_sms_id=-4")["error_code"] == 500
    check("dinstar/query_incoming_sms.query", {"flag": "all", "incoming_sms_id": "3", "port": "1,2"})


def test_integral_json_numbers_and_64_bit_user_ids_are_accepted(device: DinstarDevice) -> None:
    big = 2**62 + 3
    body = {"text": "x", "param": [{"number": "10086", "user_id": big}], "port": [1.0]}
    assert api(device, "send_sms", body)["error_code"] == 202
    assert [r["user_id"] for r in api(device, "query_sms_result", {"user_id": [big]})["result"]] == [big]
    assert api(device, "send_sms", {**body, "port": [1.5]})["error_code"] == 400


def test_incoming_sms_answers_pages_of_100(device: DinstarDevice, clock: VirtualClock) -> None:
    for i in range(150):
        device.deliver(1, 1, "10010", "", f"m{i}", clock.now())
    device.advance()
    first = api(device, "query_incoming_sms")
    assert len(first["sms"]) == 100
    assert (first["read"], first["unread"]) == (100, 50)
    last_id = first["sms"][-1]["incoming_sms_id"]
    second = api(device, "query_incoming_sms", query=f"incoming_sms_id={last_id}")
    assert [m["text"] for m in second["sms"]] == [f"m{i}" for i in range(100, 150)]
    assert (second["read"], second["unread"]) == (150, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"text": "x", "param": [{"number": "10086", "user_id": None}]},
        {"text": "x", "param": [{"number": True}]},
        {"text": "x", "param": [{"number": "10086"}], "encoding": None},
    ],
)
def test_the_unexpected_type_defect_crashes_send_sms_on_a_null_or_stray_boolean(
    make_device: Callable[..., DinstarDevice], body: dict[str, object]
) -> None:
    conformant = call(make_device(), "POST", "/api/send_sms", body=body)
    assert conformant.status == 200
    assert conformant.payload()["error_code"] in (202, 400)
    broken = make_device(switches=("defect.dinstar-500-on-unexpected-type",))
    assert call(broken, "POST", "/api/send_sms", body=body).status == 500
    report_off = {"text": "x", "param": [{"number": "10086"}], "request_status_report": False}
    assert call(broken, "POST", "/api/send_sms", body=report_off).payload()["error_code"] == 202


def test_the_int32_user_id_defect_crashes_send_sms_past_2147483647(
    make_device: Callable[..., DinstarDevice],
) -> None:
    def body(user_id: int) -> dict[str, object]:
        return {"text": "x", "param": [{"number": "10086", "user_id": user_id}]}

    assert call(make_device(), "POST", "/api/send_sms", body=body(2**31)).payload()["error_code"] == 202
    broken = make_device(switches=("defect.dinstar-user-id-32-bit",))
    assert call(broken, "POST", "/api/send_sms", body=body(2**31 - 1)).payload()["error_code"] == 202
    assert call(broken, "POST", "/api/send_sms", body=body(2**31)).status == 500
