"""send_sms (dinstar-uc-1.2 §2, §27.1-§27.3): the answer (202, task_id, sms_in_queue), the required
parameters and their limits (400, 413), #param# templates, user_id, 0-based ports, encodings and
segment sizes, the status report flag, and 550 when no port can send.

Every SMS goes to the user's ``phone_numbers``: the accepted requests are the run's one exchange
(sms_exchange.py); a refused request that a defective device accepts anyway is stopped at once."""

from __future__ import annotations

import itertools

import pytest

from dinstar.dinstar_support import SMS_TEXT, answered, describe, entries, error_code


def _stop_if_accepted(dinstar, resp) -> None:
    data = resp.data if isinstance(resp.data, dict) else {}
    if isinstance(data.get("task_id"), int):
        dinstar.stop_sms(data["task_id"])


def _refused(check, dinstar, code: int, what: str, resp) -> bool:
    _stop_if_accepted(dinstar, resp)
    return check.expect(answered(resp, code), f"{what}: expected error_code {code}, got {describe(resp)}")


@pytest.mark.requirement("DS-SEND-SCHEMA")
def test_send_sms_answer_matches_the_documented_response(check, sms_exchange):
    """§2.3: error_code, sn, sms_in_queue, task_id."""
    for sent in sms_exchange.sent.values():
        check.attach_json(f"send_sms {sent.name}", sent.answer.data)
        check.schema("dinstar/send_sms.response", sent.answer, what=f"send_sms {sent.name}")


@pytest.mark.requirement("DS-SEND-ACCEPTED-202", "DS-SEND-ACCEPTS-DOCUMENT-EXAMPLES")
def test_accepted_send_sms_answers_202(check, sms_exchange):
    """§2.3: "202: Request has been accepted and will be processed later"; §2.4: the simple request
    and the request with #param# are accepted (sent to the user's numbers, with a user_id)."""
    for sent in sms_exchange.sent.values():
        check.expect(
            answered(sent.answer, 202) and sent.task_id is not None,
            f"send_sms {sent.name}: {describe(sent.answer)}",
            requirement="DS-SEND-ACCEPTED-202",
        )
    for name in ("simple", "template"):
        sent = sms_exchange.sent[name]
        check.expect(
            sent.accepted,
            f"the §2.4 {name} request: {describe(sent.answer)}",
            requirement="DS-SEND-ACCEPTS-DOCUMENT-EXAMPLES",
        )


@pytest.mark.requirement("DS-SEND-TASK-ID-DISTINCT")
def test_each_send_sms_gets_its_own_task_id(check, sms_exchange):
    """§2.3/§9.2: "task_id: Used to stop corresponding sending task later"."""
    ids = [s.task_id for s in sms_exchange.sent.values()]
    check.expect(None not in ids and len(set(ids)) == len(ids), f"task_ids of {len(ids)} requests: {ids}")


@pytest.mark.requirement("DS-SEND-SMS-IN-QUEUE")
def test_sms_in_queue_counts_the_new_messages(check, sms_exchange):
    """§2.3: "sms_in_queue Integer: Number of SMS messages waiting for being processed" - right after
    a request it counts at least that request's messages (unless they were sent already)."""
    for sent in sms_exchange.sent.values():
        data = sent.answer.data if isinstance(sent.answer.data, dict) else {}
        queued = data.get("sms_in_queue")
        check.expect(
            isinstance(queued, int) and queued >= 1,
            f"send_sms {sent.name} of {len(sent.numbers)} message(s) answered sms_in_queue {queued!r}",
        )


@pytest.mark.requirement("DS-SEND-TEXT-REQUIRED-400")
def test_send_sms_without_text_is_refused(check, dinstar, phone_numbers, sending_port, sms_tasks):
    """§2.2: "Required Parameter: text"; §2.3 "400: Request format is not valid"."""
    resp = dinstar.post("api/send_sms", {"param": [{"number": phone_numbers[0]}], "port": [sending_port]})
    _refused(check, dinstar, 400, "send_sms without text", resp)


@pytest.mark.requirement("DS-SEND-PARAM-REQUIRED-400")
def test_send_sms_without_param_is_refused(check, dinstar, phone_numbers, sending_port):
    """§2.2: "Required Parameter: param, Array of Object"; §2.3 "400"."""
    for body, what in (
        ({"text": SMS_TEXT}, "without param"),
        ({"text": SMS_TEXT, "param": []}, "empty param"),
    ):
        resp = dinstar.post("api/send_sms", {**body, "port": [sending_port]})
        _refused(check, dinstar, 400, f"send_sms {what}", resp)


@pytest.mark.requirement("DS-SEND-NUMBER-24-BYTES")
def test_number_longer_than_24_bytes_is_refused(check, dinstar, sending_port):
    """§2.2: "number: a digit string no more than 24 bytes" (25 digits: no real number)."""
    resp = dinstar.send_sms(SMS_TEXT, [{"number": "1" * 25}], port=[sending_port])
    _refused(check, dinstar, 400, "a 25-digit number", resp)


@pytest.mark.requirement("DS-SEND-LIMIT-128-NUMBERS-413")
def test_more_than_128_numbers_answer_413(check, dinstar, phone_numbers, sending_port):
    """§2.3: "413: the count of telephone numbers is more than 128"."""
    numbers = list(itertools.islice(itertools.cycle(phone_numbers), 129))
    resp = dinstar.send_sms(SMS_TEXT, [{"number": n} for n in numbers], port=[sending_port])
    _refused(check, dinstar, 413, "send_sms to 129 numbers", resp)


@pytest.mark.requirement("DS-SEND-LIMIT-1500-BYTES-413")
def test_text_over_1500_bytes_answers_413(check, dinstar, phone_numbers, sending_port):
    """§2.3: "413: ... text content is over 1500 bytes"."""
    resp = dinstar.send_sms("x" * 1501, [{"number": phone_numbers[0]}], port=[sending_port])
    _refused(check, dinstar, 413, "send_sms with 1501 bytes of text", resp)


@pytest.mark.requirement("DS-SEND-LIMIT-BOUNDARY-ACCEPTED")
def test_limits_themselves_are_accepted(check, dinstar, phone_numbers, sending_port):
    """§2.3: the 413 limits are "more than 128" and "over 1500 bytes": 128 numbers and 1500 bytes
    are within them. Each accepted task is stopped at once (at most a few SMS leave)."""
    numbers = list(itertools.islice(itertools.cycle(phone_numbers), 128))
    for param, text, what in (
        ([{"number": n} for n in numbers], SMS_TEXT, "128 numbers"),
        ([{"number": phone_numbers[0]}], "y" * 1500, "1500 bytes of text"),
    ):
        resp = dinstar.send_sms(text, param, port=[sending_port])
        _stop_if_accepted(dinstar, resp)
        check.expect(answered(resp, 202), f"send_sms with {what}: {describe(resp)}")


@pytest.mark.requirement("DS-SEND-REJECTED-QUEUES-NOTHING")
def test_refused_send_sms_queues_nothing(check, dinstar, phone_numbers, sending_port, new_user_id):
    """§2.3: only 202 means "accepted and will be processed later": a refused request (413, 400)
    creates no task and no result (its user_ids never show up in query_sms_result)."""
    uid = new_user_id()
    numbers = list(itertools.islice(itertools.cycle(phone_numbers), 129))
    big = dinstar.send_sms(SMS_TEXT, [{"number": n, "user_id": uid} for n in numbers], port=[sending_port])
    bad = dinstar.send_sms(
        SMS_TEXT, [{"number": phone_numbers[0], "user_id": uid}], port=[sending_port], encoding="utf-8"
    )
    refused = [r for r in (big, bad) if error_code(r) in (400, 413)]
    if not refused:
        _stop_if_accepted(dinstar, big)
        _stop_if_accepted(dinstar, bad)
        check.skip("the device accepted both requests (the 413/400 checks report that)")
    results = entries(dinstar.query_sms_result(user_id=[uid]), "result")
    for resp in (big, bad):
        _stop_if_accepted(dinstar, resp)
    check.expect(not results, f"a refused send_sms left {len(results)} result(s): {results[:3]}")


@pytest.mark.requirement("DS-SEND-PARAM-TEMPLATE", "DS-SEND-PARAM-TEMPLATE-ORDER")
def test_param_placeholders_take_text_param_in_order(check, sms_exchange):
    """§2.2: "text_param: an array of string. Each element is used to replace #param# in the text"
    (the first #param# by the first element). Observed on the SMS received by the device's own SIMs."""
    sent = sms_exchange.sent["template"]
    received = {m.get("text") for m in sms_exchange.incoming.get("ours", [])}
    if not sms_exchange.incoming.get("ours"):
        check.skip("the recipients are not this device's SIMs: the text received is not observable")
    for number, text in sent.texts.items():
        if number not in sms_exchange.own_ports:
            continue
        head, _, second = text.rpartition(" / ")
        prefix, _, first = head.rpartition(" ")
        reversed_text = f"{prefix} {second} / {first}"
        check.expect(
            text in received or reversed_text in received,
            f"{number} did not receive {text!r}; received {sorted(str(t) for t in received)[:6]}",
            requirement="DS-SEND-PARAM-TEMPLATE",
        )
        check.expect(
            reversed_text not in received,
            f"the #param# took text_param in reverse order: {reversed_text!r}",
            requirement="DS-SEND-PARAM-TEMPLATE-ORDER",
        )
        check.expect(
            text in received, f"{number} did not receive {text!r}", requirement="DS-SEND-PARAM-TEMPLATE-ORDER"
        )


@pytest.mark.requirement("DS-SEND-USER-ID", "DS-RESULT-USER-ID-ECHO")
def test_user_id_is_carried_into_the_results(check, sms_exchange):
    """§2.2: "user_id ... SMS sending result will also carry this user id"; §3.3 "user_id: match with
    the user ID carried in SMS sending request"."""
    for sent in sms_exchange.sent.values():
        for uid in sent.user_ids:
            check.expect(uid in sms_exchange.results, f"no result carries user_id {uid} ({sent.name})")


@pytest.mark.requirement("DS-SEND-USER-ID-INVALID-400")
def test_invalid_user_id_is_refused(check, dinstar, phone_numbers, sending_port):
    """§2.2: "user_id: an integer greater than or equal to 0"; §2.3 "400"."""
    for value in (-1, "first"):
        resp = dinstar.send_sms(
            SMS_TEXT, [{"number": phone_numbers[0], "user_id": value}], port=[sending_port]
        )
        _refused(check, dinstar, 400, f"user_id {value!r}", resp)


@pytest.mark.requirement("DS-SEND-PORTS-ZERO-BASED", "DS-RESULT-PORT-OF-REQUEST")
def test_sms_leave_through_the_listed_port(check, sms_exchange, port_table):
    """§2.2: "port Array of Integer: Number of port for sending SMS ... ranging from 0 to 31"; §3.3
    "port: port for sending SMS"."""
    check.expect(
        any(e.get("port") == 0 for e in port_table),
        "the device has no port 0: ports are not 0-based",
        requirement="DS-SEND-PORTS-ZERO-BASED",
    )
    for name in ("template", "long", "unicode", "no-report"):
        for uid in sms_exchange.sent[name].user_ids:
            result = sms_exchange.result_of(uid)
            if result is None:
                check.fail(f"no result of user_id {uid}")
                continue
            check.expect(
                result.get("port") == sms_exchange.port,
                f"{name}: sent with port [{sms_exchange.port}], the result says port {result.get('port')!r}",
            )


@pytest.mark.requirement("DS-SEND-PORT-OMITTED-ANY")
def test_without_port_any_port_sends(check, sms_exchange, port_table):
    """§27.1: "If you don't need to send SMS through a specific port, port parameter is not
    necessary." The simple request (no port) is accepted and sent through one of the ports."""
    sent = sms_exchange.sent["simple"]
    result = sms_exchange.result_of(sent.user_ids[0])
    ports = {e.get("port") for e in port_table}
    check.expect(sent.accepted, f"send_sms without port: {describe(sent.answer)}")
    check.expect(
        result is not None
        and result.get("status") in ("SENT_OK", "DELIVERED")
        and result.get("port") in ports,
        f"the SMS sent without port: {result}",
    )


@pytest.mark.requirement("DS-SEND-NO-PORT-550")
def test_no_available_port_answers_550(  # noqa: PLR0917 - pytest passes fixtures by name
    check, dinstar, phone_numbers, port_table, restore, sending_port, own_ports
):
    """§2.3: "550: No available port for sending sms". Uses a port that is not registered, else
    turns a spare port's module off (set_port_info power off; turned on again afterwards)."""
    down = [e["port"] for e in port_table if e.get("reg") not in ("REGISTER_OK", None)]
    if down:
        port = down[0]
    else:
        spare = [
            e["port"]
            for e in port_table
            if e.get("port") not in (sending_port, *own_ports.values()) and isinstance(e.get("port"), int)
        ]
        if not spare:
            check.skip("no spare port to turn off")
        port = spare[-1]
        restore.push(f"power on port {port}", lambda: dinstar.set_port_info(port, "power", "on"))
        off = dinstar.set_port_info(port, "power", "off")
        check.expect(answered(off, 200), f"set_port_info power off: {describe(off)}")
    resp = dinstar.send_sms(SMS_TEXT, [{"number": phone_numbers[0]}], port=[port])
    _refused(check, dinstar, 550, f"send_sms through port {port} only (not registered)", resp)


@pytest.mark.requirement("DS-SEND-ENCODING-DEFAULT-UNICODE")
def test_encoding_defaults_to_unicode(check, sms_exchange):
    """§2.2: "encoding: It can be 'unicode' or 'gsm-7bit'. Default is 'unicode'": 100 characters
    without encoding need 2 UCS2 segments (67 each), 1 in GSM 7-bit."""
    result = sms_exchange.result_of(sms_exchange.sent["unicode"].user_ids[0])
    check.expect(
        result is not None and result.get("count") == 2,
        f"100 characters with the default encoding: count {result and result.get('count')!r}, not 2",
    )


@pytest.mark.requirement("DS-SEND-ENCODING-VALUES")
def test_unknown_encoding_is_refused(check, dinstar, phone_numbers, sending_port, sms_exchange):
    """§2.2: "encoding: It can be 'unicode' or 'gsm-7bit'"; anything else: §2.3 "400"."""
    check.expect(sms_exchange.sent["long"].accepted, "encoding gsm-7bit refused")
    resp = dinstar.send_sms(SMS_TEXT, [{"number": phone_numbers[0]}], port=[sending_port], encoding="utf-8")
    _refused(check, dinstar, 400, "encoding utf-8", resp)


@pytest.mark.requirement("DS-SEND-SEGMENT-SIZES", "DS-RESULT-SEGMENT-COUNTS")
def test_long_text_is_concatenated_in_documented_segments(check, sms_exchange):
    """§1.4: "For GSM 7bit ... up to 160 characters ... for UCS2 ... 70 characters at maximum. The
    gateway supports Concatenated_SMS"; §3.3 "count: count of SMS segments". 307 GSM characters are 3
    segments of 153 (2 without room for the concatenation header), 100 UCS2 characters 2 of 67."""
    for name in ("long", "unicode", "template"):
        sent = sms_exchange.sent[name]
        for uid in sent.user_ids:
            result = sms_exchange.result_of(uid)
            count = result.get("count") if result else None
            check.expect(count == sent.segments, f"{name}: count {count!r}, expected {sent.segments}")


@pytest.mark.requirement("DS-SEND-STATUS-REPORT-DEFAULT-ON")
def test_status_report_is_requested_by_default(check, sms_exchange):
    """§2.2: "request_status_report ... Default is true": the template SMS (no flag) get delivery
    statuses."""
    for number in sms_exchange.sent["template"].numbers:
        uid = sms_exchange.sent["template"].user_ids[sms_exchange.sent["template"].numbers.index(number)]
        result = sms_exchange.result_of(uid) or {}
        ref = result.get("ref_id")
        found = sms_exchange.deliveries_of(number, {ref} if isinstance(ref, int) else set())
        check.expect(
            bool(found), f"no delivery status for {number} ref_id {ref!r} (status {result.get('status')!r})"
        )


@pytest.mark.requirement("DS-SEND-STATUS-REPORT-OFF", "DS-DELIVER-NONE-WHEN-DISABLED")
def test_status_report_false_requests_none(check, sms_exchange):
    """§27.5: "How can you disable SMS delivery status? Set the value of 'request_status_report'
    parameter into 'false'" - no delivery status and no DELIVERED."""
    sent = sms_exchange.sent["no-report"]
    result = sms_exchange.result_of(sent.user_ids[0])
    if result is None or result.get("status") not in ("SENT_OK", "DELIVERED"):
        check.fail(f"the SMS without status report was not sent: {result}")
        return
    ref = result.get("ref_id")
    found = [
        d
        for d in sms_exchange.deliveries_of(sent.numbers[0], {ref})
        if d.get("port") == result.get("port") and str(d.get("time")) >= str(result.get("time"))
    ]
    check.expect(
        not found and result.get("status") != "DELIVERED",
        f"request_status_report false: status {result.get('status')}, delivery statuses {found}",
    )


@pytest.mark.requirement("DS-SEND-TIMING")
def test_sms_are_sent_within_about_a_minute(check, sms_exchange, timers):
    """§27.3: "It takes about 5 to 8 seconds to send a SMS message on a GSM gateway ... it may take
    about 1 minute" - every SMS of the exchange reached a final status within a minute each."""
    check.expect(
        sms_exchange.final_after is not None, f"not every SMS left SENDING: {'; '.join(sms_exchange.notes)}"
    )
