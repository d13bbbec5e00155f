"""query_incoming_sms (dinstar-uc-1.2 §6): the flags (unread by default, read, all), the unread -> read
side effect, incoming_sms_id paging, the port filter and the counters.

Observed on the SMS of the run's exchange (sms_exchange.py) when the user's numbers are this device's
own SIMs: they arrive unread and the exchange reads them once through every variant, in order."""

from __future__ import annotations

import pytest

from dinstar.dinstar_support import answered, describe, entries


def _ours(check, ex) -> list[dict]:
    ours = ex.incoming.get("ours")
    if not ex.incoming:
        check.skip(
            "the user's numbers are not this device's SIMs: no SMS comes back to read " + "; ".join(ex.notes)
        )
    if not ours:
        check.fail(
            f"the exchange's SMS to this device's own SIMs are not among the unread SMS: "
            f"{describe(ex.incoming['unread'])}"
        )
    return ours or []


def _ids(resp) -> set:
    return {m.get("incoming_sms_id") for m in entries(resp, "sms")}


@pytest.mark.requirement("DS-INCOMING-SCHEMA")
def test_incoming_answer_matches_the_documented_response(check, sms_exchange):
    """§6.3: error_code, sn, sms[] (incoming_sms_id, port, number, smsc, timestamp, text), read,
    unread."""
    _ours(check, sms_exchange)
    for name in ("unread", "read", "all"):
        resp = sms_exchange.incoming[name]
        check.attach_json(f"query_incoming_sms {name}", resp.data)
        check.schema("dinstar/query_incoming_sms.response", resp, what=f"flag={name}")


@pytest.mark.requirement("DS-INCOMING-DEFAULT-UNREAD")
def test_without_flag_only_unread_sms_are_returned(check, sms_exchange):
    """§6.2: "flag ... Default value is "unread"": the first query without flag returns the new SMS;
    once they were returned (read), a query without flag no longer does."""
    ours = _ours(check, sms_exchange)
    again = _ids(sms_exchange.incoming["default-again"])
    mine = {m.get("incoming_sms_id") for m in ours}
    check.expect(bool(ours), "the new SMS were not returned without flag")
    check.expect(not (again & mine), f"without flag, already read SMS came again: ids {sorted(again & mine)}")


@pytest.mark.requirement("DS-INCOMING-UNREAD-BECOMES-READ", "DS-INCOMING-FLAG-READ")
def test_returned_unread_sms_become_read(check, sms_exchange):
    """§6.2: ""unread": unread SMS messages (whose status will change to 'read' after they are read by
    this API)"; ""read": SMS messages that have been read"."""
    ours = _ours(check, sms_exchange)
    mine = {m.get("incoming_sms_id") for m in ours}
    unread_again = _ids(sms_exchange.incoming["unread-again"])
    read = _ids(sms_exchange.incoming["read"])
    check.expect(
        not (unread_again & mine),
        f"flag=unread returned them again: ids {sorted(unread_again & mine)}",
        requirement="DS-INCOMING-UNREAD-BECOMES-READ",
    )
    check.expect(
        mine <= read, f"flag=read does not return the SMS already read: missing {sorted(mine - read)}"
    )


@pytest.mark.requirement("DS-INCOMING-FLAG-ALL")
def test_flag_all_returns_read_and_unread(check, sms_exchange):
    """§6.2: ""all": SMS messages that are unread and read"."""
    mine = {m.get("incoming_sms_id") for m in _ours(check, sms_exchange)}
    got = _ids(sms_exchange.incoming["all"])
    check.expect(bool(mine) and mine <= got, f"flag=all lacks the (read) SMS {sorted(mine - got)}")


@pytest.mark.requirement("DS-INCOMING-ID-PAGING")
def test_only_ids_above_incoming_sms_id_are_returned(check, sms_exchange):
    """§6.2/§6.5: "the gateway will return the messages whose ID are greater than this value"."""
    mine = sorted(m.get("incoming_sms_id") for m in _ours(check, sms_exchange))
    if "after-first" not in sms_exchange.incoming:
        check.fail("the SMS have no integer incoming_sms_id")
        return
    got = _ids(sms_exchange.incoming["after-first"])
    low = [i for i in got if isinstance(i, int) and i <= mine[0]]
    check.expect(not low, f"incoming_sms_id={mine[0]} returned ids {sorted(low)} (not greater)")
    check.expect(
        set(mine[1:]) <= got, f"incoming_sms_id={mine[0]} lacks the later ids {sorted(set(mine[1:]) - got)}"
    )


@pytest.mark.requirement("DS-INCOMING-ID-DEFAULT-ZERO")
def test_incoming_sms_id_zero_is_accepted(check, sms_exchange):
    """§6.2/§6.5: "Default value is 0; First request, without incoming_sms_id is OK"."""
    mine = {m.get("incoming_sms_id") for m in _ours(check, sms_exchange)}
    zero = sms_exchange.incoming["zero"]
    check.expect(answered(zero, 200) and mine <= _ids(zero), f"flag=all incoming_sms_id=0: {describe(zero)}")
    check.expect(
        answered(sms_exchange.incoming["unread"], 200), "the first query without incoming_sms_id failed"
    )


@pytest.mark.requirement("DS-INCOMING-ID-INCREASING")
def test_incoming_sms_ids_are_unique_and_increase(check, sms_exchange):
    """§6.5: "Incoming sms id should be increased every time": unique, in arrival order (the exchange's
    SMS arrive one after the other from one port)."""
    ours = _ours(check, sms_exchange)
    ids = [m.get("incoming_sms_id") for m in ours]
    check.expect(
        all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids),
        f"incoming_sms_id values not unique integers: {ids}",
    )
    by_time = [m.get("incoming_sms_id") for m in sorted(ours, key=lambda m: str(m.get("timestamp")))]
    check.expect(
        by_time == sorted(by_time, key=lambda i: i if isinstance(i, int) else -1),
        f"ids do not increase with arrival: {by_time}",
    )


@pytest.mark.requirement("DS-INCOMING-PORT-FILTER")
def test_port_selects_the_receiving_port(check, sms_exchange):
    """§6.2: "port Array of Integers: Port(s) for receiving SMS messages"."""
    ours = _ours(check, sms_exchange)
    resp = sms_exchange.incoming.get("port")
    if resp is None:
        check.fail("the SMS carry no integer port")
        return
    got = entries(resp, "sms")
    port = min(m["port"] for m in ours if isinstance(m.get("port"), int))
    expected = {m.get("incoming_sms_id") for m in ours if m.get("port") == port}
    check.expect(
        all(m.get("port") == port for m in got) and expected <= _ids(resp),
        f"port [{port}] answered ports {sorted({str(m.get('port')) for m in got})}",
    )


@pytest.mark.requirement("DS-INCOMING-COUNTERS")
def test_read_and_unread_count_the_stored_sms(check, sms_exchange):
    """§6.3: "read Integer: count of SMS messages that have been read; unread Integer: count of SMS
    messages that are unread": after the exchange's SMS were read, read counts them and unread counts
    what a query for unread SMS still returns."""
    ours = _ours(check, sms_exchange)
    data = sms_exchange.incoming["default-again"].data
    data = data if isinstance(data, dict) else {}
    read, unread = data.get("read"), data.get("unread")
    pending = len(entries(sms_exchange.incoming["default-again"], "sms"))
    check.expect(isinstance(read, int) and read >= len(ours), f"read {read!r} < {len(ours)} SMS read")
    check.expect(
        isinstance(unread, int) and unread >= pending, f"unread {unread!r} while {pending} unread returned"
    )
