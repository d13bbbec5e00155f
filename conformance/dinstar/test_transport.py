"""Transport of the Dinstar UC API (dinstar-uc-1.2 §1.4, §2.3, §3.2, §10.4): JSON over HTTP, the
outcome in the body's error_code, the gateway's serial in every answer, malformed bodies refused with
400, times as "YYYY-MM-DD HH:MM:SS", 0-based ports, comma lists in GET queries."""

from __future__ import annotations

import pytest

from dinstar.dinstar_support import MAX_PORTS, TIME_RE, answered, describe, entries, error_code


def _queries(dinstar):
    return {
        "query_sms_in_queue": dinstar.query_sms_in_queue(),
        "get_port_info": dinstar.get_port_info(["imei"], port=[0]),
        "query_sms_result": dinstar.query_sms_result(user_id=[0]),
        "query_incoming_sms": dinstar.query_incoming_sms(flag="read", incoming_sms_id=2**31 - 1),
    }


@pytest.mark.requirement("DS-HTTP-JSON-OVER-HTTP", "DS-HTTP-API-ENABLED")
def test_api_answers_json(check, dinstar):
    """§1.4: "The API is based on HTTP and JSON" ... "Only version 1102 or later version of the
    gateway supports the new-version API": every /api answer is a JSON object."""
    for name, resp in _queries(dinstar).items():
        check.expect(
            resp.status != 404,
            f"{name}: HTTP 404 (is the new-version API enabled?)",
            requirement="DS-HTTP-API-ENABLED",
        )
        check.expect(
            isinstance(resp.data, dict),
            f"{name}: not a JSON object ({resp.json_error or describe(resp)})",
            requirement="DS-HTTP-JSON-OVER-HTTP",
        )


@pytest.mark.requirement("DS-HTTP-ERROR-CODE-IN-BODY")
def test_outcome_is_the_body_error_code(check, dinstar):
    """§2.3: "error_code Integer: Codes that may be returned"; the status line is 200, a status
    mirroring error_code is tolerated (E-DS-ERROR-CODE-IN-BODY). Also for a refused request (a body
    that is not JSON)."""
    answers = dict(_queries(dinstar))
    answers["send_sms (not JSON)"] = dinstar.request(
        "POST", "api/send_sms", content="{not json", headers={"Content-Type": "application/json"}
    )
    mirrored = []
    for name, resp in answers.items():
        code = error_code(resp)
        if code is None:
            check.fail(f"{name}: no integer error_code in the body: {describe(resp)}")
        elif resp.status != 200:
            if resp.status == code:
                mirrored.append(name)
            else:
                check.fail(f"{name}: HTTP {resp.status} with error_code {code}")
    if mirrored:
        check.non_strict(
            f"HTTP status mirrors error_code: {', '.join(mirrored)}", errata=["E-DS-ERROR-CODE-IN-BODY"]
        )


@pytest.mark.requirement("DS-HTTP-ANSWER-CARRIES-SN", "DS-HTTP-SN-CONSISTENT")
def test_every_answer_carries_the_same_serial(check, dinstar, conformance):
    """§2.3 (and every response table): "sn String SN of the gateway"; the serial identifies the
    gateway (§17, §26.3 Product_sns): the same in every answer."""
    serials = {}
    for name, resp in _queries(dinstar).items():
        data = resp.data if isinstance(resp.data, dict) else {}
        sn = data.get("sn")
        if check.expect(
            isinstance(sn, str) and sn != "",
            f"{name}: no sn ({describe(resp)})",
            requirement="DS-HTTP-ANSWER-CARRIES-SN",
        ):
            serials[name] = sn
    check.fact("sn", next(iter(serials.values()), ""))
    # the UC API reports no firmware version (get_status has only performance figures, §16.3)
    declared = conformance.declaration.device.get("firmware")
    if declared:
        check.firmware(f"{declared} (declared)")
    check.expect(
        len(set(serials.values())) <= 1, f"different serials: {serials}", requirement="DS-HTTP-SN-CONSISTENT"
    )
    check.expect(bool(serials), "no answer carried sn", requirement="DS-HTTP-SN-CONSISTENT")


@pytest.mark.requirement("DS-HTTP-MALFORMED-JSON-400")
def test_body_that_is_not_json_is_refused_with_400(check, dinstar):
    """§2.3, §3.3, §4.3, §12.3: "400: Request format is not valid"."""
    for path in ("api/send_sms", "api/query_sms_result", "api/get_cdr"):
        resp = dinstar.request(
            "POST", path, content='{"text": "x", "param": [', headers={"Content-Type": "application/json"}
        )
        check.expect(answered(resp, 400), f"{path} with a truncated JSON body: {describe(resp)}")


@pytest.mark.requirement("DS-HTTP-TIME-FORMAT")
def test_times_use_the_documented_format(check, dinstar, sms_exchange):
    """§3.2: "String like "YYYY-MM-DD HH:MM:SS""; the answers' time, timestamp, start_date and
    answer_date use the same form. Reads the exchange's results and delivery statuses; a time_after in
    that form must be accepted."""
    times = [(f"result {r.get('user_id')}", r.get("time")) for r in sms_exchange.results.values()]
    times += [(f"deliver status ref {d.get('ref_id')}", d.get("time")) for d in sms_exchange.deliveries]
    times += [
        (f"incoming {m.get('incoming_sms_id')}", m.get("timestamp"))
        for m in sms_exchange.incoming.get("ours", [])
    ]
    if not times:
        check.skip("the exchange produced no result to read times from")
    bad = [
        f"{what}: {value!r}" for what, value in times if not (isinstance(value, str) and TIME_RE.match(value))
    ]
    check.expect(not bad, f"times not in the form YYYY-MM-DD HH:MM:SS: {bad[:5]}")
    resp = dinstar.query_sms_result(time_after="2000-01-01 00:00:00")
    check.expect(answered(resp, 200), f"time_after '2000-01-01 00:00:00' refused: {describe(resp)}")


@pytest.mark.requirement("DS-HTTP-GET-ARRAYS-COMMA-LISTS")
def test_get_arrays_are_comma_lists(check, dinstar, port_table):
    """§10.4: ``get_port_info?port=1,2,3&info_type=imei,imsi,...``; §8.4 ``query_ussd_reply?port=1,2,3``."""
    ports = [e["port"] for e in port_table if isinstance(e.get("port"), int)][:2] or [0, 1]
    resp = dinstar.get_port_info(["imei", "imsi"], port=ports)
    info = entries(resp, "info")
    check.expect(answered(resp, 200), f"get_port_info?port=0,1&info_type=imei,imsi: {describe(resp)}")
    check.expect(
        sorted(e.get("port") for e in info) == sorted(ports)
        and all("imei" in e and "imsi" in e for e in info),
        f"port={ports} info_type=imei,imsi answered {info}",
    )


@pytest.mark.requirement("DS-PORT-ZERO-BASED")
def test_ports_are_numbered_from_zero(check, dinstar, port_table):
    """§2.2, §10.2: "Each port number should be an integer, ranging from 0 to 31". Port 0 is
    answered, and the ports of an unfiltered get_port_info are 0..n-1."""
    resp = dinstar.get_port_info(["reg"], port=[0])
    info = entries(resp, "info")
    check.expect(
        answered(resp, 200) and [e.get("port") for e in info] == [0],
        f"get_port_info port=0: {describe(resp)}",
    )
    ports = sorted(e.get("port") for e in port_table if isinstance(e.get("port"), int))
    check.expect(
        bool(ports) and ports == list(range(len(ports))),
        f"the ports of get_port_info are not 0..n-1: {ports}",
    )


@pytest.mark.requirement("DS-PORT-OUT-OF-RANGE-400")
def test_port_out_of_range_is_refused(check, dinstar):
    """§2.2/§10.3: "ranging from 0 to 31"; "400: Request format is not valid"."""
    for port in (MAX_PORTS, -1):
        resp = dinstar.get_port_info(["reg"], port=[port])
        check.expect(answered(resp, 400), f"get_port_info port={port}: {describe(resp)}")
