"""smsgw.load.sendsms: bodies, answer checks and report matching of the send-sms profile."""

from __future__ import annotations

import orjson
import pytest

from smsgw.load.sendsms import (
    CompletionTracker,
    SendSmsSettings,
    TaskFactory,
    TidAllocator,
    check_dinstar_send,
    check_simple_answer,
    check_task_status,
    dinstar_body,
    task_status_codes,
)


def _answer(tids: list[int], status: str = "0 OK", **top: object) -> bytes:
    body = {
        "code": 200,
        "reason": "OK",
        "type": "task-status",
        "status": [{"tid": t, "status": status} for t in tids],
    }
    body.update(top)
    return orjson.dumps(body)


def test_tid_allocators_of_two_workers_never_overlap() -> None:
    a, b = TidAllocator(0, start=0), TidAllocator(1, start=0)
    first = {a() for _ in range(1000)}
    second = {b() for _ in range(1000)}
    assert not first & second
    assert all(0 <= t <= 0xFFFFFFFF for t in first | second)


def test_tid_allocator_wraps_within_its_worker_space() -> None:
    alloc = TidAllocator(3, start=(1 << 24) - 1)
    assert alloc() >> 24 == 3
    assert alloc() == 3 << 24


def test_tid_allocator_refuses_a_worker_index_over_255() -> None:
    with pytest.raises(ValueError, match="worker index"):
        TidAllocator(256)


def test_factory_builds_batches_with_fresh_tids_recipients_and_report_settings() -> None:
    settings = SendSmsSettings(
        tasks_per_request=3,
        recipients_per_task=2,
        port_mode="round-robin",
        ports=2,
        sr_url="http://rx/push/x",
    )
    factory = TaskFactory(settings, TidAllocator(0, start=10))
    body, tids = factory.build()
    doc = orjson.loads(body)
    assert tids == [10, 11, 12]
    assert doc["task_num"] == 3
    assert doc["sr_url"] == "http://rx/push/x"
    assert [t["from"] for t in doc["tasks"]] == ["1", "2", "1"]
    assert all(len(t["to"].split(",")) == 2 for t in doc["tasks"])
    _, again = factory.build()
    assert again == [13, 14, 15]


def test_factory_without_a_receiver_asks_no_status_reports() -> None:
    body, _ = TaskFactory(SendSmsSettings(), TidAllocator(0)).build()
    doc = orjson.loads(body)
    assert "sr_url" not in doc
    assert "from" not in doc["tasks"][0]


def test_settings_refuse_an_unknown_port_mode() -> None:
    with pytest.raises(ValueError, match="port mode"):
        SendSmsSettings(port_mode="sideways")


def test_all_tasks_ok_is_no_failure() -> None:
    assert check_task_status(200, _answer([1, 2]), [1, 2]) is None


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (503, b"{}", "HTTP 503"),
        (200, b"<html>", "answer is not JSON"),
        (200, _answer([1], code=0), "code 0"),
        (200, _answer([1], type="send-sms"), "type 'send-sms', not task-status"),
        (200, _answer([7]), "task-status tid not echoed"),
        (200, _answer([1], status="13 Duplicated TaskId"), "task status 13"),
        (200, _answer([1], status="0 Success"), "task status 0"),
    ],
)
def test_a_wrong_answer_is_a_failure_named_by_its_cause(status: int, body: bytes, expected: str) -> None:
    assert check_task_status(status, body, [1]) == expected


def test_failure_names_the_code_not_the_count() -> None:
    body = orjson.dumps(
        {
            "code": 200,
            "type": "task-status",
            "status": [{"tid": 1, "status": "16 Too Many Task"}] * 1
            + [{"tid": 2, "status": "16 Too Many Task"}],
        }
    )
    assert check_task_status(200, body, [1, 2]) == "task status 16"
    assert task_status_codes(body) == {"16": 2}


def test_task_status_codes_count_the_tasks_not_taken_by_code() -> None:
    statuses = ["0 OK", "13 Duplicated TaskId", "0 OK", 5]
    body = orjson.dumps({"status": [{"tid": i, "status": st} for i, st in enumerate(statuses)]})
    assert task_status_codes(body) == {"13": 1, "5": 1}
    assert task_status_codes(orjson.dumps({"status": [{"tid": 1, "status": "0 Success"}]})) == {"0": 1}
    assert task_status_codes(b"not json") == {}


def test_simple_answer_accepts_the_code_key_with_a_trailing_space() -> None:
    assert check_simple_answer(200, b'{"code ": 200, "reason": "OK"}') is None
    assert check_simple_answer(200, b'{"code": 1, "reason": "Invalid User"}') == "code 1"


def test_tracker_completes_a_task_when_nothing_is_left_to_send() -> None:
    tracker = CompletionTracker()
    tracker.submitted([5, 6], at=100.0)
    partial = {
        "type": "status-report",
        "rpts": [{"tid": 5, "sending": 1, "sent": 0, "failed": 0, "unsent": 1}],
    }
    assert tracker.on_report(partial, 100.5) == []
    final = {"rpts": [{"tid": 5, "sending": 0, "sent": 2, "failed": 0, "unsent": 0}, {"tid": 99, "sent": 1}]}
    (done,) = tracker.on_report(final, 101.25)
    assert done.tid == 5
    assert done.latency == pytest.approx(1.25)
    assert done.sent == 2
    assert tracker.foreign == 1
    assert set(tracker.pending) == {6}


def test_tracker_reads_counters_sent_as_strings_and_reports_failures() -> None:
    tracker = CompletionTracker()
    tracker.submitted([1], at=0.0)
    (done,) = tracker.on_report(
        {"rpts": [{"tid": 1, "sending": "0", "sent": "0", "failed": "1", "unsent": "0"}]}, 2.0
    )
    assert done.failed == 1


def test_tracker_bounds_its_memory() -> None:
    tracker = CompletionTracker(max_pending=3)
    tracker.submitted(range(5), at=0.0)
    assert list(tracker.pending) == [2, 3, 4]
    assert tracker.forgotten == 2


def test_tracker_ignores_documents_that_are_not_reports() -> None:
    tracker = CompletionTracker()
    tracker.submitted([1], at=0.0)
    assert tracker.on_report(["not", "a", "report"]) == []
    assert tracker.on_report({"rpts": "x"}) == []
    assert tracker.pending == {1: 0.0}


def test_dinstar_body_and_answer_follow_section_2() -> None:
    doc = orjson.loads(dinstar_body(["10086", "10087"], "hi", [1, 2], ports=[0]))
    assert doc == {
        "text": "hi",
        "param": [{"number": "10086", "user_id": 1}, {"number": "10087", "user_id": 2}],
        "port": [0],
    }
    assert check_dinstar_send(200, b'{"error_code":202,"sn":"x","sms_in_queue":2,"task_id":2}') is None
    assert check_dinstar_send(200, b'{"error_code":550}') == "error_code 550"
    assert check_dinstar_send(401, b"") == "HTTP 401"


def test_factory_single_task_body_is_the_same_json_as_a_batch_task() -> None:
    url = "http://rx/push/x?token=a%20b"  # a '%' in a URL must not break the pre-formatted template
    single = TaskFactory(SendSmsSettings(sr_url=url, text="50% off"), TidAllocator(0, start=7))
    body, tids = single.build()
    doc = orjson.loads(body)
    assert tids == [7]
    assert doc == {
        "type": "send-sms", "sr_url": url, "sr_cnt": 1, "sr_prd": 1, "task_num": 1,
        "tasks": [{"tid": 7, "to": "+15550000001", "sms": "50% off"}],
    }  # fmt: skip
    second, again = single.build()
    assert again == [8]
    assert orjson.loads(second)["tasks"][0]["to"] == "+15550000002"
    two = SendSmsSettings(tasks_per_request=2, sr_url=url, text="50% off")
    batch = TaskFactory(two, TidAllocator(0, start=7))
    batch_doc = orjson.loads(batch.build()[0])
    assert batch_doc["tasks"][0] == doc["tasks"][0]
    assert {k: v for k, v in batch_doc.items() if k not in ("tasks", "task_num")} == {
        k: v for k, v in doc.items() if k not in ("tasks", "task_num")
    }


def test_tracker_matches_dinstar_sms_results_by_user_id_at_their_first_final_status() -> None:
    tracker = CompletionTracker()
    tracker.submitted([41, 42, 43], at=10.0)
    sending = {"sn": "x", "sms_result": [{"port": 0, "number": "1", "user_id": 41, "status": "SENDING"}]}
    assert tracker.on_sms_result(sending, 10.1) == []
    payload = {
        "sn": "x",
        "sms_result": [
            {"port": 0, "number": "1", "user_id": 41, "status": "SENT_OK", "count": 1, "succ_count": 1},
            {"port": 1, "number": "2", "user_id": 42, "status": "FAILED", "count": 1, "succ_count": 0},
            {"port": 2, "number": "3", "user_id": 99, "status": "SENT_OK"},
            {"port": 3, "number": "4", "status": "SENT_OK"},
        ],
    }
    ok, failed = tracker.on_sms_result(payload, 10.5)
    assert (ok.tid, ok.sent, ok.failed) == (41, 1, 0)
    assert ok.latency == pytest.approx(0.5)
    assert (failed.tid, failed.sent, failed.failed) == (42, 0, 1)
    assert tracker.foreign == 2
    # 41's DELIVERED after its SENT_OK matches nothing (it completed); 43's first result completes it
    delivered = [{"user_id": 41, "status": "DELIVERED"}, {"user_id": 43, "status": "delivered"}]
    (late,) = tracker.on_sms_result({"sms_result": delivered}, 11.0)
    assert late.tid == 43
    assert tracker.foreign == 3
    assert tracker.pending == {}
    assert tracker.completed == 3


def test_tracker_ignores_sms_result_documents_of_another_shape() -> None:
    tracker = CompletionTracker()
    tracker.submitted([1], at=0.0)
    assert tracker.on_sms_result({"rpts": [{"tid": 1}]}) == []
    assert tracker.on_sms_result({"sms_result": [1, "x", {"user_id": 1, "status": 5}]}) == []
    assert tracker.on_sms_result(None) == []
    assert tracker.pending == {1: 0.0}
