"""SMS results and delivery statuses (dinstar-uc-1.2 §3, §4, §27.4), the queue (§5) and stop_sms (§9):
read from the run's one SMS exchange (sms_exchange.py) and from queries that send nothing."""

from __future__ import annotations

import itertools

import pytest

from dinstar.dinstar_support import (
    FINAL_STATUSES,
    RESULT_STATUSES,
    SMS_TEXT,
    answered,
    describe,
    entries,
    error_code,
    poll_interval,
    wait_until,
)

FUTURE, PAST = "2099-01-01 00:00:00", "2000-01-01 00:00:00"


def _ids(resp) -> set:
    return {e.get("user_id") for e in entries(resp, "result")}


def _range(result) -> set[int]:
    ref, count = result.get("ref_id"), result.get("count")
    if not isinstance(ref, int) or not isinstance(count, int) or count < 1:
        return set()
    return {(ref + i) % 256 for i in range(count)}


# -- query_sms_result (§3) ----------------------------------------------------------------------
@pytest.mark.requirement("DS-RESULT-SCHEMA")
def test_result_answer_matches_the_documented_response(check, sms_exchange):
    """§3.3: error_code, sn, result[] with port, number, user_id, time, status, count, succ_count,
    ref_id, imsi."""
    check.attach_json("query_sms_result", sms_exchange.result_answer.data)
    check.schema("dinstar/query_sms_result.response", sms_exchange.result_answer)
    check.expect(bool(sms_exchange.results), "the exchange's query_sms_result answered no result")


@pytest.mark.requirement("DS-RESULT-DOCUMENT-EXAMPLE")
def test_document_query_by_user_id_is_accepted(check, dinstar):
    """§3.4: ``curl ... -d '{"user_id": [1, 2]}' .../api/query_sms_result``."""
    resp = dinstar.post("api/query_sms_result", {"user_id": [1, 2]})
    check.expect(answered(resp, 200), f"the §3.4 query: {describe(resp)}")
    check.schema("dinstar/query_sms_result.response", resp)


@pytest.mark.requirement("DS-RESULT-FILTER-USER-ID")
def test_user_id_selects_those_results(check, dinstar, sms_exchange):
    """§3.2: "user_id Array of Integers: Each user ID here is used to match the user ID carried in Send
    Sms Request"."""
    uid = sms_exchange.sent["long"].user_ids[0]
    resp = dinstar.query_sms_result(user_id=[uid])
    check.expect(_ids(resp) == {uid}, f"user_id [{uid}] answered user_ids {sorted(map(str, _ids(resp)))}")


@pytest.mark.requirement("DS-RESULT-FILTER-NUMBER")
def test_number_selects_those_results(check, dinstar, sms_exchange):
    """§3.2: "number Array of Strings"."""
    number = sms_exchange.numbers[-1]
    resp = dinstar.query_sms_result(number=[number], user_id=sms_exchange.user_ids())
    found = entries(resp, "result")
    check.expect(
        bool(found) and all(e.get("number") == number for e in found),
        f"number [{number}] answered numbers {sorted({str(e.get('number')) for e in found})}",
    )


@pytest.mark.requirement("DS-RESULT-FILTER-PORT")
def test_port_selects_those_results(check, dinstar, sms_exchange, port_table):
    """§3.2: "port Array of Integers: The port(s) for sending SMS"."""
    mine = sms_exchange.user_ids("template", "long")
    same = dinstar.query_sms_result(port=[sms_exchange.port], user_id=mine)
    check.expect(
        _ids(same) == set(mine), f"port [{sms_exchange.port}] answered {sorted(map(str, _ids(same)))}"
    )
    other = next((e["port"] for e in port_table if e.get("port") != sms_exchange.port), None)
    if other is not None:
        resp = dinstar.query_sms_result(port=[other], user_id=mine)
        check.expect(
            not (_ids(resp) & set(mine)), f"port [{other}] answered results of port {sms_exchange.port}"
        )


@pytest.mark.requirement("DS-RESULT-FILTER-TIME")
def test_time_bounds_select_results(check, dinstar, sms_exchange):
    """§3.2: "time_after: Query the records of SMS messages sent after this time; time_before: ...
    sent before this time"."""
    mine = set(sms_exchange.user_ids())
    for bounds, want in (
        ({"time_after": FUTURE}, False),
        ({"time_before": PAST}, False),
        ({"time_after": PAST, "time_before": FUTURE}, True),
    ):
        resp = dinstar.query_sms_result(user_id=sorted(mine), **bounds)
        got = bool(_ids(resp) & mine)
        check.expect(
            answered(resp, 200) and got == want,
            f"{bounds}: {'no' if want else 'some'} result of the exchange expected: {describe(resp)}",
        )


@pytest.mark.requirement("DS-RESULT-NO-FILTER")
def test_query_without_filter_returns_results(check, dinstar, sms_exchange):
    """§3.2: every parameter is optional: a query without filters returns the stored results."""
    resp = dinstar.query_sms_result()
    check.expect(
        bool(_ids(resp) & set(sms_exchange.user_ids())),
        f"query_sms_result without filters: {len(entries(resp, 'result'))} result(s), none of the exchange",
    )


@pytest.mark.requirement("DS-RESULT-LIMIT-32-NUMBERS-413")
def test_more_than_32_numbers_answer_413(check, dinstar, phone_numbers):
    """§3.2/§3.3: "413: the count of telephone numbers is more than 32"."""
    numbers = list(itertools.islice(itertools.cycle(phone_numbers), 33))
    resp = dinstar.query_sms_result(number=numbers)
    check.expect(answered(resp, 413), f"query_sms_result with 33 numbers: {describe(resp)}")


@pytest.mark.requirement("DS-RESULT-INVALID-400")
def test_malformed_result_query_is_refused(check, dinstar):
    """§3.3: "400: Request format is not valid" (a port outside 0-31, a user_id that is not an
    integer, a time not in the documented form)."""
    for body in ({"port": [32]}, {"user_id": ["one"]}, {"time_after": "yesterday"}):
        resp = dinstar.post("api/query_sms_result", body)
        check.expect(answered(resp, 400), f"query_sms_result {body}: {describe(resp)}")


@pytest.mark.requirement("DS-RESULT-STATUS-VALUES")
def test_result_status_is_a_documented_value(check, sms_exchange):
    """§3.3: "status: sending status, which could be FAILED, SENDING, SENT_OK and DELIVERED"."""
    seen = {e.get("status") for _, polled in sms_exchange.polls for e in polled}
    check.expect(bool(seen) and seen <= set(RESULT_STATUSES), f"statuses seen: {sorted(map(str, seen))}")


@pytest.mark.requirement("DS-RESULT-STATUS-PROGRESSION", "DS-DELIVER-RESULT-DELIVERED")
def test_results_progress_and_end_delivered(check, sms_exchange):
    """§3.3/§27.4: a result goes SENDING, then SENT_OK or FAILED, then DELIVERED ("delivery status is
    included in SMS sending Result"); none ever goes back."""
    order = {"SENDING": 0, "SENT_OK": 1, "FAILED": 1, "DELIVERED": 2}
    history: dict = {}
    for _, polled in sms_exchange.polls:
        for e in polled:
            history.setdefault(e.get("user_id"), []).append(e.get("status"))
    for uid, statuses in history.items():
        ranks = [order.get(s, -1) for s in statuses]
        check.expect(
            ranks == sorted(ranks) and -1 not in ranks,
            f"user_id {uid} went {' -> '.join(dict.fromkeys(map(str, statuses)))}",
            requirement="DS-RESULT-STATUS-PROGRESSION",
        )
    for uid in sms_exchange.user_ids("template"):
        result = sms_exchange.result_of(uid) or {}
        check.expect(
            result.get("status") == "DELIVERED",
            f"user_id {uid}: delivered (status_code 0) but its result says {result.get('status')!r}",
            requirement="DS-DELIVER-RESULT-DELIVERED",
        )


@pytest.mark.requirement("DS-RESULT-SENT-OK-ALL-SEGMENTS", "DS-RESULT-SEGMENT-COUNTS")
def test_sent_results_count_every_segment_sent(check, sms_exchange):
    """§3.3/§3.4: "count: count of SMS segments ... succ_count: count of SMS segments that are sent
    successfully"; the §3.4 SENT_OK example has count 3, succ_count 3."""
    for uid, result in sms_exchange.results.items():
        count, succ = result.get("count"), result.get("succ_count")
        if result.get("status") in ("SENT_OK", "DELIVERED"):
            check.expect(
                isinstance(count, int) and succ == count,
                f"user_id {uid} {result.get('status')}: count {count!r}, succ_count {succ!r}",
            )


@pytest.mark.requirement("DS-RESULT-REF-ID-FIRST-SEGMENT", "DS-DELIVER-REF-ID-MATCHES-RESULT")
def test_ref_id_matches_the_delivery_statuses(check, sms_exchange):
    """§3.3: "ref_id: the first reference ID of this SMS, which is used to match SMS delivery status.
    The range of reference ID is from 0 to 255"; §4.3 "ref_id ... It is connected with an SMS sending
    result by a ref_id" (with number and port)."""
    reported = [s for s in sms_exchange.sent.values() if s.name != "no-report"]
    for sent in reported:
        for uid, number in zip(sent.user_ids, sent.numbers, strict=True):
            result = sms_exchange.result_of(uid) or {}
            ref = result.get("ref_id")
            check.expect(
                isinstance(ref, int) and 0 <= ref <= 255,
                f"user_id {uid}: ref_id {ref!r}",
                requirement="DS-RESULT-REF-ID-FIRST-SEGMENT",
            )
            first = [
                d
                for d in sms_exchange.deliveries
                if d.get("number") == number
                and d.get("ref_id") == ref
                and d.get("port") == result.get("port")
            ]
            check.expect(
                bool(first),
                f"user_id {uid}: no delivery status with its ref_id {ref!r} and port",
                requirement="DS-RESULT-REF-ID-FIRST-SEGMENT",
            )
    # the exchange's own reports: to its numbers, from its ports, since its first result
    ours = set(sms_exchange.numbers)
    ranges = [(r.get("number"), r.get("port"), _range(r)) for r in sms_exchange.results.values()]
    ports = {p for _, p, _ in ranges}
    since = min((str(r.get("time")) for r in sms_exchange.results.values()), default="")
    mine = [
        d
        for d in sms_exchange.deliveries
        if d.get("number") in ours and d.get("port") in ports and str(d.get("time")) >= since
    ]
    unmatched = [
        d
        for d in mine
        if not any(
            d.get("number") == n and d.get("port") == p and d.get("ref_id") in refs for n, p, refs in ranges
        )
    ]
    check.expect(
        bool(mine) and not unmatched,
        f"{len(unmatched)} of {len(mine)} delivery statuses match no sending result (number, port, "
        f"ref_id): {unmatched[:3]}",
        requirement="DS-DELIVER-REF-ID-MATCHES-RESULT",
    )


@pytest.mark.requirement("DS-RESULT-REF-ID-WRAPS")
def test_reference_ids_wrap_from_255_to_0(check, sms_exchange):
    """§3.3: "The range of reference ID is from 0 to 255. Reference ID is generally used together with
    telephone number, port number and even sending time to match a delivery status"; §27.4: the
    segments of a long SMS carry consecutive reference ids.  No result or delivery status carries an id
    over 255, and the segments of an SMS that reaches 255 continue at 0 (its delivery statuses say so).

    Observable only when one of the exchange's SMS reaches 255 on its port (SKIPPED otherwise: the ids
    continue from the gateway's past traffic and getting them there could take 255 more segments)."""
    results = list(sms_exchange.results.values())
    over = [
        f"{kind} to {e.get('number')} on port {e.get('port')}: ref_id {e.get('ref_id')}"
        for kind, found in (("result", results), ("delivery status", sms_exchange.deliveries))
        for e in found
        if isinstance(e.get("ref_id"), int) and not 0 <= e["ref_id"] <= 255
    ]
    if over:
        check.fail(f"reference ids beyond 0-255 (they must wrap to 0): {'; '.join(over[:4])}")
        return
    crossing = [
        r
        for r in results
        if isinstance(r.get("ref_id"), int)
        and isinstance(r.get("count"), int)
        and r["ref_id"] + r["count"] > 256
    ]
    if not crossing:
        used = sorted(i for r in results for i in _range(r))
        check.skip(
            f"no SMS of the exchange reached reference id 255 (they used {used[:1]}..{used[-1:]}): "
            "the wrap is not observable in this run"
        )
    seen = 0
    for result in crossing:
        wrapped = {i - 256 for i in range(result["ref_id"], result["ref_id"] + result["count"]) if i > 255}
        statuses = {
            d.get("ref_id")
            for d in sms_exchange.deliveries
            if d.get("number") == result.get("number")
            and d.get("port") == result.get("port")
            and str(d.get("time")) >= str(result.get("time"))
        }
        if result["ref_id"] not in statuses:
            continue  # its delivery statuses did not come: the delivery-status checks report that
        seen += 1
        check.expect(
            wrapped <= statuses,
            f"SMS to {result.get('number')} on port {result.get('port')}: ref_id {result['ref_id']}, "
            f"{result['count']} segments; after 255 its delivery statuses should carry "
            f"{sorted(wrapped)}, they carry {sorted(map(str, statuses))}",
        )
    if not seen:
        check.skip("no delivery status of the SMS that reached reference id 255 came: nothing shows the wrap")


@pytest.mark.requirement("DS-RESULT-REF-IDS-CONSECUTIVE", "DS-DELIVER-ONE-PER-SEGMENT")
def test_long_sms_has_one_delivery_status_per_segment(check, sms_exchange):
    """§27.4: "If the first ref_id in SMS sending result is 0 and those of other two SMS segments are 1
    and 2 respectively, at least 3 delivery statuses will be received, carrying ref_id 0, 1 and 2"."""
    sent = sms_exchange.sent["long"]
    result = sms_exchange.result_of(sent.user_ids[0]) or {}
    refs = _range(result)
    found = {d.get("ref_id") for d in sms_exchange.deliveries_of(sent.numbers[0], refs)}
    check.expect(
        len(refs) == 3 and found == refs,
        f"3-segment SMS ref_id {result.get('ref_id')!r}: delivery statuses for {sorted(map(str, found))}",
    )


@pytest.mark.requirement("DS-RESULT-IMSI")
def test_result_names_the_sending_sim(check, sms_exchange, port_table):
    """§3.3: "imsi: IMSI of the SIM card" that sent it."""
    imsi = {e.get("port"): e.get("imsi") for e in port_table}
    for uid in sms_exchange.user_ids("template", "long"):
        result = sms_exchange.result_of(uid) or {}
        check.expect(
            bool(result.get("imsi")) and result.get("imsi") == imsi.get(result.get("port")),
            f"user_id {uid}: imsi {result.get('imsi')!r}, the SIM of port {result.get('port')!r} has "
            f"{imsi.get(result.get('port'))!r}",
        )


# -- query_sms_deliver_status (§4) ---------------------------------------------------------------
@pytest.mark.requirement("DS-DELIVER-SCHEMA")
def test_deliver_status_answer_matches_the_documented_response(check, sms_exchange):
    """§4.3: error_code, sn, result[] with port, number, time, ref_id, status_code, imsi."""
    check.attach_json("query_sms_deliver_status", sms_exchange.deliver_answer.data)
    check.schema("dinstar/query_sms_deliver_status.response", sms_exchange.deliver_answer)
    check.expect(bool(sms_exchange.deliveries), "no delivery status for the exchange's SMS")


@pytest.mark.requirement("DS-DELIVER-DOCUMENT-EXAMPLE")
def test_document_deliver_query_is_accepted(check, dinstar):
    """§4.4: ``{"number":["12341234"], "port":[1,2,3], "time_after":..., "time_before":...}`` (the
    window ordered, E-DS-DELIVER-EXAMPLE-WINDOW)."""
    resp = dinstar.query_sms_deliver_status(
        number=["12341234"],
        port=[1, 2, 3],
        time_after="2016-09-18 00:00:00",
        time_before="2016-09-19 00:00:00",
    )
    check.expect(answered(resp, 200), f"the §4.4 query: {describe(resp)}")
    check.schema("dinstar/query_sms_deliver_status.response", resp)


@pytest.mark.requirement("DS-DELIVER-FILTERS")
def test_deliver_filters_select_reports(check, dinstar, sms_exchange, port_table):
    """§4.2: number, port, time_after, time_before: Optional Parameter."""
    numbers = list(sms_exchange.numbers)
    one = dinstar.query_sms_deliver_status(number=[numbers[-1]])
    check.expect(
        bool(entries(one, "result")) and all(e.get("number") == numbers[-1] for e in entries(one, "result")),
        f"number [{numbers[-1]}]: {describe(one)}",
    )
    other = next((e["port"] for e in port_table if e.get("port") != sms_exchange.port), None)
    if other is not None:
        resp = dinstar.query_sms_deliver_status(number=numbers, port=[other])
        check.expect(
            all(e.get("port") == other for e in entries(resp, "result")), f"port [{other}]: {describe(resp)}"
        )
    late = dinstar.query_sms_deliver_status(number=numbers, time_after=FUTURE)
    check.expect(
        answered(late, 200) and not entries(late, "result"), f"time_after {FUTURE}: {describe(late)}"
    )
    early = dinstar.query_sms_deliver_status(number=numbers, time_before=PAST)
    check.expect(
        answered(early, 200) and not entries(early, "result"), f"time_before {PAST}: {describe(early)}"
    )


@pytest.mark.requirement("DS-DELIVER-LIMIT-32-NUMBERS-413")
def test_deliver_more_than_32_numbers_answer_413(check, dinstar, phone_numbers):
    """§4.2/§4.3: "413: the count of telephone numbers is more than 32"."""
    numbers = list(itertools.islice(itertools.cycle(phone_numbers), 33))
    resp = dinstar.query_sms_deliver_status(number=numbers)
    check.expect(answered(resp, 413), f"query_sms_deliver_status with 33 numbers: {describe(resp)}")


@pytest.mark.requirement("DS-DELIVER-STATUS-CODE-RANGES")
def test_status_codes_are_in_the_documented_ranges(check, sms_exchange):
    """§4.3: "0: it means the SMS has been received by peer; 32 ~ 63: temporary error; 64~255: permanent
    error"; the exchange's SMS go to the user's own numbers: received (0)."""
    codes = [d.get("status_code") for d in sms_exchange.deliveries]
    bad = [c for c in codes if not (isinstance(c, int) and (c == 0 or 32 <= c <= 255))]
    check.expect(
        bool(codes) and not bad, f"status_code values outside 0, 32-255: {bad[:5]} (of {len(codes)})"
    )


# -- query_sms_in_queue (§5) ------------------------------------------------------------------------
@pytest.mark.requirement("DS-QUEUE-SCHEMA")
def test_queue_answer_matches_the_documented_response(check, dinstar):
    """§5.3: "in_queue Integer: Number of SMS messages waiting to be sent" with error_code and sn."""
    resp = dinstar.query_sms_in_queue()
    check.schema("dinstar/query_sms_in_queue.response", resp)


@pytest.mark.requirement("DS-QUEUE-COUNTS-WAITING")
def test_in_queue_counts_waiting_sms_and_drains(check, sms_exchange):
    """§5.3: in_queue counts the SMS not yet sent: right after the exchange's requests it holds some,
    once every result is final it is 0."""
    first, last = (a.data if isinstance(a.data, dict) else {} for a in sms_exchange.queue_answers)
    check.expect(
        isinstance(first.get("in_queue"), int) and first["in_queue"] >= 1,
        f"right after queueing the exchange's SMS: in_queue {first.get('in_queue')!r}",
    )
    check.expect(
        last.get("in_queue") == 0, f"after every result was final: in_queue {last.get('in_queue')!r}"
    )


@pytest.mark.requirement("DS-QUEUE-ERROR-CODES", "DS-INCOMING-ERROR-CODES")
def test_queue_and_incoming_answer_200_or_500(check, dinstar):
    """§5.3/§6.3: "Codes that may be returned: 200 ...; 500: Other errors" - also for a request they
    cannot read (a body that is not JSON)."""
    for path, req in (
        ("api/query_sms_in_queue", "DS-QUEUE-ERROR-CODES"),
        ("api/query_incoming_sms", "DS-INCOMING-ERROR-CODES"),
    ):
        good = dinstar.request("GET", path, params={"flag": "read", "incoming_sms_id": 2**31 - 1})
        bad = dinstar.request("POST", path, content="{not json", headers={"Content-Type": "application/json"})
        for what, resp in (("a query", good), ("a body that is not JSON", bad)):
            check.expect(
                error_code(resp) in (200, 500), f"{path} with {what}: {describe(resp)}", requirement=req
            )


# -- stop_sms (§9) ---------------------------------------------------------------------------------
@pytest.mark.requirement("DS-STOP-SCHEMA", "DS-STOP-UNKNOWN-404")
def test_stop_unknown_task_answers_404(check, dinstar):
    """§9.3: error_code (200, 404, 500) and sn; "404: SMS sending task cannot be found"."""
    resp = dinstar.stop_sms(2**31 - 2)
    check.schema("dinstar/stop_sms.response", resp, requirement="DS-STOP-SCHEMA")
    check.expect(
        answered(resp, 404),
        f"stop_sms of an unknown task: {describe(resp)}",
        requirement="DS-STOP-UNKNOWN-404",
    )


@pytest.mark.requirement("DS-STOP-TASK-ID-REQUIRED")
def test_stop_without_task_id_is_not_accepted(check, dinstar):
    """§9.2: "Required Parameter: task_id Integer"."""
    resp = dinstar.stop_sms(None)
    check.expect(
        (error_code(resp) != 200 and resp.status != 200) or error_code(resp) not in (200, None),
        f"stop_sms without task_id: {describe(resp)}",
    )


@pytest.mark.requirement("DS-STOP-STOPS-TASK", "DS-STOP-QUEUE-DRAINED")
def test_stop_sms_stops_the_task(check, dinstar, sms_exchange, new_user_id, timers):
    """§9.3: "200: SMS sending task has been stopped": of six SMS queued on one port, at most the one
    being sent leaves; the queue no longer holds the others."""
    numbers = list(itertools.islice(itertools.cycle(sms_exchange.numbers), 6))
    uids = [new_user_id() for _ in numbers]
    resp = dinstar.send_sms(
        f"{SMS_TEXT} stop",
        [{"number": n, "user_id": u} for n, u in zip(numbers, uids, strict=True)],
        port=[sms_exchange.port],
        request_status_report=False,
    )
    task_id = (resp.data or {}).get("task_id") if isinstance(resp.data, dict) else None
    if not isinstance(task_id, int):
        check.fail(f"send_sms of six SMS not accepted: {describe(resp)}")
        return
    stop = dinstar.stop_sms(task_id)
    queue = dinstar.query_sms_in_queue()
    check.expect(
        answered(stop, 200), f"stop_sms {task_id}: {describe(stop)}", requirement="DS-STOP-STOPS-TASK"
    )
    waiting = (queue.data or {}).get("in_queue") if isinstance(queue.data, dict) else None
    check.expect(
        isinstance(waiting, int) and waiting <= 1,
        f"in_queue right after stop_sms: {waiting!r}",
        requirement="DS-STOP-QUEUE-DRAINED",
    )

    def settled():
        found = entries(dinstar.query_sms_result(user_id=uids), "result")
        return found if found and all(e.get("status") in FINAL_STATUSES for e in found) else None

    found = wait_until(settled, timers.wait(timers.send_timeout * 2), poll_interval(timers)) or []
    sent = [e for e in found if e.get("status") in ("SENT_OK", "DELIVERED")]
    check.expect(
        len(sent) <= 1, f"{len(sent)} of the stopped task's 6 SMS were sent", requirement="DS-STOP-STOPS-TASK"
    )
