"""get_cdr (dinstar-uc-1.2 §12): the CDR answer, its port and time filters, the documented field
values, and every call (not only the answered ones the cdr push carries, §17)."""

from __future__ import annotations

import pytest

from dinstar.dinstar_support import answered, describe, entries

FUTURE, PAST = "2099-01-01 00:00:00", "2000-01-01 00:00:00"


@pytest.mark.requirement("DS-CDR-SCHEMA")
def test_cdr_answer_matches_the_documented_response(check, call_history):
    """§12.3: error_code, sn, cdr[] with port, start_date, answer_date, duration, source_number,
    destination_number, direction, ip, codec, hangup, gsm_code, bcch."""
    resp = call_history["answer"]
    check.attach_json("get_cdr", resp.data)
    check.schema("dinstar/get_cdr.response", resp)


@pytest.mark.requirement("DS-CDR-FILTER-PORT")
def test_port_selects_the_cdrs(check, dinstar, call_history):
    """§12.2: "port Array: Port(s) whose CDR is to be queried"."""
    all_cdr = entries(call_history["answer"], "cdr")
    port = all_cdr[0].get("port")
    resp = dinstar.get_cdr(port=[port])
    got = entries(resp, "cdr")
    want = sum(1 for c in all_cdr if c.get("port") == port)
    check.expect(
        all(c.get("port") == port for c in got) and len(got) >= want,
        f"port [{port}]: {len(got)} CDR(s) of ports {sorted({str(c.get('port')) for c in got})}",
    )


@pytest.mark.requirement("DS-CDR-FILTER-TIME")
def test_time_bounds_select_the_cdrs(check, dinstar, call_history):
    """§12.2: "time_after: Query the CDRs which are sent after this time; time_before: ... before"."""
    for bounds, want in (
        ({"time_after": FUTURE}, False),
        ({"time_before": PAST}, False),
        ({"time_after": PAST, "time_before": FUTURE}, True),
    ):
        resp = dinstar.get_cdr(**bounds)
        check.expect(
            answered(resp, 200) and bool(entries(resp, "cdr")) == want,
            f"get_cdr {bounds}: {'some' if want else 'no'} CDR expected: {describe(resp)}",
        )


@pytest.mark.requirement("DS-CDR-FIELD-VALUES")
def test_cdr_fields_take_documented_values(check, call_history):
    """§12.3: "direction: gsm->ip, ip->gsm or callback; codec: G.711U, G.723.1, G.711A or G.729AB;
    hangup: the called party, the calling party or the gateway"."""
    for c in entries(call_history["answer"], "cdr"):
        check.expect(
            c.get("direction") in ("gsm->ip", "ip->gsm", "callback"), f"direction {c.get('direction')!r}"
        )
        check.expect(
            c.get("codec") in ("G.711U", "G.723.1", "G.711A", "G.729AB", ""), f"codec {c.get('codec')!r}"
        )
        check.expect(c.get("hangup") in ("called", "calling", "gateway"), f"hangup {c.get('hangup')!r}")


@pytest.mark.requirement("DS-CDR-ALL-CALLS")
def test_get_cdr_lists_unanswered_calls_too(check, call_history):
    """§17: "Only answered call will be pushed. For All the CDR, please use "get_cdr"": get_cdr lists
    calls that were not answered (duration 0) as well."""
    durations = [c.get("duration") for c in entries(call_history["answer"], "cdr")]
    check.expect(0 in durations, f"get_cdr lists no unanswered call (durations {durations[:10]})")
