from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.verdicts import Verdict

from .conftest import call, check, run, send_sms

POST = "/goip_post_sms.html"


def post(device: Device, *tasks: dict, **top: object) -> list[dict]:
    response = call(device, "POST", POST, body=send_sms(list(tasks), **top))
    payload = response.payload()
    check("ejoin/goip_post_sms.response", payload)
    assert payload["code"] == 200
    return payload["status"]


def test_post_sms_accepts_a_task_and_answers_code_200_with_0_ok(device: Device) -> None:
    assert post(device, {"tid": 1223, "to": "13686876620", "sms": "hello123"}) == [
        {"tid": 1223, "status": "0 OK"}
    ]


@pytest.mark.parametrize(
    ("task", "status"),
    [
        ({"to": "1", "sms": "x"}, "11 TID Expected"),
        ({"tid": "7", "to": "1", "sms": "x"}, "11 TID Expected"),
        ({"tid": 7, "sms": "x"}, "9 TO expected"),
        ({"tid": 7, "to": "", "sms": "x"}, "9 TO expected"),
        ({"tid": 7, "to": "1"}, "8 SMS expected"),
        ({"tid": 7, "to": "1", "sms": "not base64!", "chs": "base64"}, "8 SMS expected"),
        ({"tid": 7, "to": "1", "sms": "x", "from": "99"}, "2 Invalid Port"),
        ({"tid": 7, "to": "1", "sms": "x", "from": "abc"}, "2 Invalid Port"),
        ({"tid": 7, "to": "1", "sms": "x", "smstype": 9}, "15 Invalid CMD"),
        ({"tid": 7, "to": "1", "smstype": 2, "sms": "x"}, "17 MMS Title expected"),
        (
            {"tid": 7, "to": "1", "smstype": 1, "attachments": ";".join(["txt eA=="] * 6)},
            "18 Too Many MMS Attachments",
        ),
        ({"tid": 7, "to": "1", "smstype": 1}, "19 MMS Attachments expected"),
        ({"tid": 7, "to": "1", "smstype": 1, "attachments": "exe eA=="}, "19 MMS Attachments expected"),
        (
            {
                "tid": 7,
                "to": "1",
                "smstype": 1,
                "attachments": "jpg " + base64.b64encode(b"x" * 102_401).decode(),
            },
            "20 MMS Attachments Cache size Overlimit",
        ),
    ],
)
def test_post_sms_invalid_task_reports_its_status_code(device: Device, task: dict, status: str) -> None:
    assert post(device, task)[0]["status"] == status


def test_post_sms_duplicate_tid_reports_13_in_the_batch_and_across_requests(device: Device) -> None:
    statuses = post(device, {"tid": 5, "to": "1", "sms": "a"}, {"tid": 5, "to": "1", "sms": "b"})
    assert [s["status"] for s in statuses] == ["0 OK", "13 Duplicated TaskId"]
    assert post(device, {"tid": 5, "to": "1", "sms": "c"})[0]["status"] == "13 Duplicated TaskId"


def test_post_sms_to_unregistered_ports_reports_5(device: Device) -> None:
    call(device, "POST", "/goip_send_cmd.html", body={"type": "command", "op": "lock", "ports": "3"})
    assert post(device, {"tid": 1, "to": "1", "sms": "x", "from": "3"})[0]["status"] == "5 SIM Unregistered"


def test_post_sms_over_max_tasks_reports_16(make_device: Callable[..., Device]) -> None:
    device = make_device(max_tasks=2)
    statuses = post(device, *({"tid": i, "to": "1", "sms": "x"} for i in range(3)))
    assert [s["status"] for s in statuses] == ["0 OK", "0 OK", "16 Too Many Task"]


def test_post_sms_mms_with_titles_and_attachments_is_accepted(device: Device) -> None:
    task = {
        "tid": 9,
        "smstype": 2,
        "to_title_array": [["111", "t1"], ["222", "t2"]],
        "attachments": "txt zsSxvg==;jpg 4AAQSkZJRgABAgAAZABk",
        "sms": "",
    }
    assert post(device, task)[0]["status"] == "0 OK"


def test_one_port_sends_one_sms_per_send_time_and_reports_cumulative_counters(
    device: Device, clock: VirtualClock
) -> None:
    post(device, {"tid": 1, "to": "100,101,102", "sms": "x", "from": "1", "sdr": 1, "sr_cnt": 1}, sr_cnt=1)
    pushes = [p for p in run(device, clock, 16) if p.kind == "status-report"]
    rpts = [r for p in pushes for r in p.payload["rpts"]]
    assert [r["sent"] for r in rpts] == [1, 2, 3]
    assert [len(r["sdr"]) for r in rpts] == [1, 1, 1], "sdr holds only the records since the last report"
    assert [r["sdr"][0][0] for r in rpts] == [0, 1, 2]
    assert rpts[-1]["unsent"] == 0
    assert all(p.payload["rpt_num"] == str(len(p.payload["rpts"])) for p in pushes)


def test_several_ports_and_one_recipient_send_from_every_port(device: Device, clock: VirtualClock) -> None:
    post(device, {"tid": 1, "to": "100", "sms": "x", "from": "1-3", "sdr": 1})
    rpts = [r for p in run(device, clock, 40) if p.kind == "status-report" for r in p.payload["rpts"]]
    ports = sorted(rec[2] for r in rpts for rec in r["sdr"])
    assert ports == ["1.01", "2.01", "3.01"]


def test_failed_sends_carry_fdr_with_carrier_reason(device: Device, clock: VirtualClock) -> None:
    assert device.network is not None
    device.network.rules = [
        __import__("smsgw.emulator.network", fromlist=["OutcomeRule"]).OutcomeRule("999", 1.0)
    ]
    post(device, {"tid": 1, "to": "999123", "sms": "x", "from": "1"})
    rpts = [r for p in run(device, clock, 40) if p.kind == "status-report" for r in p.payload["rpts"]]
    assert rpts[-1]["failed"] == 1
    assert rpts[-1]["fdr"][0][4:] == ["1 Send Failed", "27 Absent subscriber"]


def test_pause_keeps_tasks_queued_and_resume_sends_them(device: Device, clock: VirtualClock) -> None:
    post(device, {"tid": 2, "to": "1,2,3", "sms": "x", "from": "1"})
    run(device, clock, 1)
    answer = call(device, "POST", "/goip_pause_sms.html", body={"tids": [2]}).payload()
    check("ejoin/goip_pause_sms.response", answer)
    assert answer["results"] == [{"tid": 2, "status": "0 OK"}]
    run(device, clock, 30)
    tasks = call(device, "GET", "/goip_get_tasks.html", "username=root&password=root&port=1&pos=0").payload()
    check("ejoin/goip_get_tasks.response", tasks)
    assert tasks["tasks"][0]["state"] == 1
    assert device.tasks.tasks[2].sent == 1, "the SMS in flight completes, the rest waits"
    call(device, "POST", "/goip_resume_sms.html", body={"tids": [2]})
    run(device, clock, 30)
    assert 2 not in device.tasks.tasks


def test_pause_unknown_tid_reports_status_11(device: Device) -> None:
    answer = call(device, "POST", "/goip_pause_sms.html", body={"tids": [404]}).payload()
    assert answer["results"] == [{"tid": 404, "status": "11 TID Expected"}]


def test_pause_without_tids_pauses_all_and_omits_results(device: Device) -> None:
    post(
        device,
        {"tid": 1, "to": "1,2", "sms": "x", "from": "1"},
        {"tid": 2, "to": "1,2", "sms": "x", "from": "2"},
    )
    answer = call(device, "POST", "/goip_pause_sms.html", body={}).payload()
    assert answer == {"code": 200, "reason": "OK"}
    assert all(t.paused for t in device.tasks.tasks.values())


def test_remove_drops_unsent_sms_and_frees_the_tid(device: Device, clock: VirtualClock) -> None:
    post(device, {"tid": 3, "to": "1,2,3,4", "sms": "x", "from": "1"})
    run(device, clock, 1)
    answer = call(device, "POST", "/goip_remove_sms.html", body={"tids": [3]}).payload()
    check("ejoin/goip_remove_sms.response", answer)
    run(device, clock, 40)
    assert 3 not in device.tasks.tasks
    assert post(device, {"tid": 3, "to": "1", "sms": "x"})[0]["status"] == "0 OK"


def test_get_tasks_pages_with_pos_and_num(device: Device) -> None:
    post(device, *({"tid": i, "to": "1,2", "sms": f"m{i}", "from": "1"} for i in range(5)))
    page = call(
        device, "GET", "/goip_get_tasks.html", "username=root&password=root&port=1&pos=1&num=2&has_content=1"
    )
    payload = page.payload()
    check("ejoin/goip_get_tasks.response", payload)
    assert (payload["total_num"], payload["task_num"]) == (5, 2)
    assert [t["tid"] for t in payload["tasks"]] == [1, 2]
    assert payload["tasks"][0]["sms"] == "m1"


def test_get_tasks_without_port_is_a_bad_request(device: Device) -> None:
    response = call(device, "GET", "/goip_get_tasks.html", "username=root&password=root&pos=0")
    assert response.status == 400
    check("ejoin/goip_get_tasks.response", response.payload())


def test_device_level_sr_cnt_batches_report_entries(device: Device, clock: VirtualClock) -> None:
    tasks = [{"tid": i, "to": "1", "sms": "x", "from": str(i)} for i in range(1, 4)]
    post(device, *tasks, sr_cnt=3, sr_prd=1000)
    reports = [p for p in run(device, clock, 10) if p.kind == "status-report"]
    assert len(reports) == 1
    assert sorted(r["tid"] for r in reports[0].payload["rpts"]) == [1, 2, 3]


def test_report_not_cumulative_defect_counts_since_last_report(device: Device, clock: VirtualClock) -> None:
    device.switches.set("defect.report-not-cumulative", True)
    post(device, {"tid": 1, "to": "1,2", "sms": "x", "from": "1", "sr_cnt": 1}, sr_cnt=1)
    rpts = [r for p in run(device, clock, 16) if p.kind == "status-report" for r in p.payload["rpts"]]
    assert [r["sent"] for r in rpts] == [1, 1]


def test_tid_not_echoed_defect_fails_nothing_in_schema_but_changes_tid(device: Device) -> None:
    device.switches.set("defect.tid-as-string", True)
    payload = call(device, "POST", POST, body=send_sms([{"tid": 8, "to": "1", "sms": "x"}])).payload()
    check("ejoin/goip_post_sms.response", payload, Verdict.FAIL)


def test_queued_sms_on_a_port_that_lost_its_sim_time_out_after_tmo(
    device: Device, clock: VirtualClock
) -> None:
    post(device, {"tid": 1, "to": "1,2", "sms": "x", "from": "1", "tmo": 10, "fdr": 1}, sr_cnt=1)
    call(device, "POST", "/goip_send_cmd.html", body={"type": "command", "op": "lock", "ports": "1"})
    rpts = [r for p in run(device, clock, 30) if p.kind == "status-report" for r in p.payload["rpts"]]
    assert rpts[-1]["failed"] == 2
    assert {rec[4] for rec in rpts[-1]["fdr"]} == {"6 Timeout"}


def test_intvl_spaces_the_sms_of_a_task(device: Device, clock: VirtualClock) -> None:
    post(device, {"tid": 1, "to": "1,2", "sms": "x", "from": "1", "sdr": 1, "intvl": "10000"}, sr_cnt=1)
    rpts = [r for p in run(device, clock, 40) if p.kind == "status-report" for r in p.payload["rpts"]]
    times = [rec[3] for r in rpts for rec in r["sdr"]]
    assert times[1] - times[0] == 15, "5 s sending + 10 s interval"


def test_no_from_sends_each_recipient_from_one_port(device: Device, clock: VirtualClock) -> None:
    post(device, {"tid": 1, "to": "100,101", "sms": "x"})
    assert device.tasks.tasks[1].total == 2


def test_explicit_to_all_1_without_from_sends_from_every_registered_port(device: Device) -> None:
    post(device, {"tid": 1, "to": "100", "sms": "x", "to_all": 1})
    assert device.tasks.tasks[1].total == 32


def test_to_all_0_with_several_ports_and_one_recipient_sends_once(device: Device) -> None:
    post(device, {"tid": 1, "to": "100", "sms": "x", "from": "1-4", "to_all": "0"})
    assert device.tasks.tasks[1].total == 1


def test_several_ports_and_several_recipients_send_from_every_port_to_every_recipient(device: Device) -> None:
    post(device, {"tid": 1, "to": "100,101", "sms": "x", "from": "1-3"})
    assert device.tasks.tasks[1].total == 6


def test_a_group_task_is_reported_every_sr_prd_until_every_number_has_a_result(
    device: Device, clock: VirtualClock
) -> None:
    post(device, {"tid": 1, "to": "1,2,3,4", "sms": "x", "from": "1", "sr_prd": 7, "sr_cnt": 100}, sr_cnt=1)
    rpts = [r for p in run(device, clock, 40) if p.kind == "status-report" for r in p.payload["rpts"]]
    assert len(rpts) >= 3
    assert [r["sent"] for r in rpts] == sorted(r["sent"] for r in rpts)
    assert rpts[-1]["sent"] == 4
    assert rpts[0]["unsent"] + rpts[0]["sending"] + rpts[0]["sent"] == 4


def test_sr_prd_0_reports_only_when_the_task_finishes(device: Device, clock: VirtualClock) -> None:
    post(device, {"tid": 1, "to": "1,2,3", "sms": "x", "from": "1", "sr_prd": 0, "sr_cnt": 100}, sr_cnt=1)
    rpts = [
        r for p in run(device, clock, 200, step=5) if p.kind == "status-report" for r in p.payload["rpts"]
    ]
    assert [r["sent"] for r in rpts] == [3]


def test_get_tasks_accepts_an_optional_tids_filter(device: Device) -> None:
    post(device, *({"tid": i, "to": "1,2", "sms": "m", "from": "1"} for i in range(4)))
    query = "username=root&password=root&port=1&pos=0"
    payload = call(device, "GET", "/goip_get_tasks.html", query, {"tids": [2, 3, 99]}).payload()
    assert [t["tid"] for t in payload["tasks"]] == [2, 3]


@pytest.mark.parametrize(
    ("profile", "task", "status"),
    [
        ("router-2.2", {"tid": 7, "to": "1", "smstype": 2, "sms": "x"}, "15 Invalid CMD"),
        ("router-2.2", {"tid": 7, "to": "1", "smstype": 1}, "15 Invalid CMD"),
        ("simple-v2", {"tid": 7, "to": "1", "sms": "x", "smstype": 9}, "7 Server Error"),
        ("simple-v2", {"tid": 7, "to": "1", "smstype": 2, "sms": "x"}, "7 Server Error"),
    ],
)
def test_post_sms_answers_only_codes_of_the_profiles_own_task_status_table(
    profile: str, task: dict, status: str
) -> None:
    device = Device(DeviceConfig(profile=profile), VirtualClock())
    assert post(device, task)[0]["status"] == status


def test_post_sms_duplicate_tid_on_a_0_to_12_table_is_10_pending_transaction() -> None:
    device = Device(DeviceConfig(profile="simple-v2"), VirtualClock())
    statuses = post(device, {"tid": 5, "to": "1", "sms": "a"}, {"tid": 5, "to": "1", "sms": "b"})
    assert [s["status"] for s in statuses] == ["0 OK", "10 Pending Transaction"]


def test_queued_sms_are_listed_by_port_and_a_reset_drops_them(device: Device) -> None:
    post(device, {"tid": 1, "to": "1,2", "sms": "x", "from": "3,1"})
    assert device.tasks.state()["queued"] == {"1": 2, "3": 2}
    assert device.tasks.unsent_on(3) == 2
    assert [t.tid for t in device.tasks.waiting(1)] == [1]
    assert device.tasks.unsent_on(2) == 0
    assert device.tasks.waiting(2) == []
    device.reset_state()
    assert device.tasks.state()["queued"] == {}
    assert device.tasks.unsent_on(3) == 0
    assert device.tasks.waiting(1) == []
    assert post(device, {"tid": 1, "to": "1", "sms": "x", "from": "3"}) == [{"tid": 1, "status": "0 OK"}]
    assert device.tasks.state()["queued"] == {"3": 1}
