"""Querying received SMS: goip_get_sms.html (gateway-2.4 §8, router-2.2 §7, simple-v2 §5).

The checks read the device's inbox after the run's SMS exchange (``sms_exchange.py``): when the
user's numbers are SIMs of the device, the exchange's SMS are among the received ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from ejoin_support import json_media_type
from sms_exchange import b64

GET_SMS_RESPONSE = "ejoin/goip_get_sms.response"


def _data(resp: Any) -> list[Any]:
    data = resp.data.get("data") if isinstance(resp.data, dict) else None
    return data if isinstance(data, list) else []


def _contents(resp: Any) -> list[Any]:
    return [t[5] for t in _data(resp) if isinstance(t, list) and len(t) >= 6]


def _exchange_texts(exchange: Any) -> list[str]:
    return [b64(exchange.decoded(task)) for task in exchange.tasks]


def _ours(exchange: Any, item: Any) -> bool:
    """``item`` is one of the exchange's SMS, or the delivery report of its dr=1 task."""
    if not isinstance(item, list) or len(item) < 6:
        return False
    report = item[0] == 1 and item[4] == exchange.single["to"]
    return report or item[5] in _exchange_texts(exchange)


def _looped(check: Any, exchange: Any) -> None:
    if not exchange.accepted or not exchange.loopback:
        check.skip("the run's SMS exchange did not come back to the device (no --phone-number of its SIMs)")


@pytest.mark.requirement(
    "EJ-GETSMS-URL",
    "EJ-GETSMS-NO-PARAMS-ALL",
    "EJ-GETSMS-RESPONSE",
    "EJ-GETSMS-CODE-0",
    "EJ-GETSMS-CONTENT-TYPE",
    "EJ-GETSMS-SMS-NUM-MATCHES-DATA",
    "EJ-GETSMS-DATA-ARRAY",
    "EJ-GETSMS-DATA-TUPLE",
    "EJ-GETSMS-SMS-DEL-DEFAULT-0",
    "EJ-GETSMS-SSRC-STABLE",
)
def test_get_sms_without_parameters_returns_every_received_sms(check, ejoin, sms_exchange):
    """gateway-2.4 §8.2.1: "http://host:port/goip_get_sms.html"; §8.2.2: "sms_id | First SMS ID |
    1", "sms_num | ... 0: all", "sms_del | ... | 0"; §8.2.3: "code | Int | 0: OK", "ssrc |
    String | ... changes when the device restarts", "sms_num | Int | SMS num in this response",
    "data | Array | SMS data, same as recv-sms"; "Content-Type ... application/json;charset=utf-8".

    Queries twice without parameters: both answers hold the exchange's SMS (nothing was deleted)
    under the same ssrc.
    """
    exchange = sms_exchange
    _looped(check, exchange)
    first = ejoin.get_sms()
    check.schema(GET_SMS_RESPONSE, first, requirement=("EJ-GETSMS-RESPONSE", "EJ-GETSMS-DATA-TUPLE"))
    body = first.data if isinstance(first.data, dict) else {}
    check.expect(
        first.status == 200 and isinstance(first.data, dict),
        f"HTTP {first.status}, {first.text[:160]!r}",
        requirement="EJ-GETSMS-URL",
    )
    check.expect(
        body.get("code") == 0 and body.get("reason") == "OK",
        f"code {body.get('code')!r}, reason {body.get('reason')!r} (want 0, OK)",
        requirement=("EJ-GETSMS-CODE-0", "EJ-GETSMS-RESPONSE"),
    )
    check.expect(
        json_media_type(first.headers.get("content-type")),
        f"Content-Type {first.headers.get('content-type')!r}",
        requirement="EJ-GETSMS-CONTENT-TYPE",
    )
    check.expect(
        isinstance(body.get("data"), list),
        f"data is {type(body.get('data')).__name__}",
        requirement="EJ-GETSMS-DATA-ARRAY",
    )
    for resp in (first, ejoin.get_sms(sms_id=1, sms_num=1)):
        num = resp.data.get("sms_num") if isinstance(resp.data, dict) else None
        check.expect(
            num == len(_data(resp)),
            f"{resp.exchange.title}: sms_num {num!r} for {len(_data(resp))} entries of data",
            requirement="EJ-GETSMS-SMS-NUM-MATCHES-DATA",
        )
    texts = _exchange_texts(exchange)
    contents = _contents(first)
    check.expect(
        all(t in contents for t in texts),
        f"the exchange's SMS (base64 {texts}) among the {len(contents)} returned without parameters",
        requirement=("EJ-GETSMS-NO-PARAMS-ALL", "EJ-GETSMS-DATA-TUPLE"),
    )
    again = ejoin.get_sms()
    later = _contents(again)
    lost = [t for t in texts if t in contents and t not in later]
    check.expect(
        not lost,
        f"a second query lost SMS the first returned: {lost}",
        requirement="EJ-GETSMS-SMS-DEL-DEFAULT-0",
    )
    ssrc = (body.get("ssrc"), again.data.get("ssrc") if isinstance(again.data, dict) else None)
    check.expect(
        ssrc[0] is not None and ssrc[0] == ssrc[1],
        f"ssrc {ssrc[0]!r}, then {ssrc[1]!r}",
        requirement="EJ-GETSMS-SSRC-STABLE",
    )


@pytest.mark.requirement(
    "EJ-GETSMS-SMS-ID-DEFAULT-1",
    "EJ-GETSMS-SMS-NUM-DEFAULT-ALL",
    "EJ-GETSMS-SMS-NUM-LIMIT",
    "EJ-GETSMS-NEXT-SMS-AFTER-LAST",
    "EJ-GETSMS-NEXT-SMS-PAGING",
)
def test_get_sms_pages_by_sms_id_sms_num_and_next_sms(check, ejoin, sms_exchange):
    """gateway-2.4 §8.2.2: "sms_id | First SMS ID ... | 1 (the first received)", "sms_num | The
    max num of SMS ... 0: all | 0"; §8.2.3: "next_sms | Int | The sms_id of the next query";
    §8.1: "server uses next_sms as sms_id of the next query".

    Compares the whole inbox with sms_id=1 and with sms_num=0, then reads its first two SMS one
    page (sms_num=1) at a time, following next_sms.
    """
    _looped(check, sms_exchange)
    everything = _data(ejoin.get_sms(sms_id=1, sms_num=0))
    if len(everything) < 2:
        check.skip(f"the device holds {len(everything)} received SMS; paging needs two")
    check.expect(
        _data(ejoin.get_sms(sms_num=0)) == everything,
        "without sms_id the answer differs from sms_id=1",
        requirement="EJ-GETSMS-SMS-ID-DEFAULT-1",
    )
    check.expect(
        _data(ejoin.get_sms(sms_id=1)) == everything,
        "without sms_num the answer differs from sms_num=0 (all)",
        requirement="EJ-GETSMS-SMS-NUM-DEFAULT-ALL",
    )
    page1 = ejoin.get_sms(sms_id=1, sms_num=1)
    check.expect(
        _data(page1) == everything[:1],
        f"sms_num=1 returned {len(_data(page1))} SMS",
        requirement="EJ-GETSMS-SMS-NUM-LIMIT",
    )
    following = page1.data.get("next_sms") if isinstance(page1.data, dict) else None
    if not isinstance(following, int):
        check.fail(
            f"next_sms {following!r}",
            requirement=("EJ-GETSMS-NEXT-SMS-AFTER-LAST", "EJ-GETSMS-NEXT-SMS-PAGING"),
        )
        return
    check.expect(
        following > 1,
        f"next_sms {following} after the SMS from sms_id 1",
        requirement="EJ-GETSMS-NEXT-SMS-AFTER-LAST",
    )
    page2 = ejoin.get_sms(sms_id=following, sms_num=1)
    check.expect(
        _data(page2) == everything[1:2],
        f"sms_id=next_sms ({following}) returned {_data(page2)}; the second SMS is {everything[1]}",
        requirement=("EJ-GETSMS-NEXT-SMS-PAGING", "EJ-GETSMS-NEXT-SMS-AFTER-LAST"),
    )


@pytest.mark.requirement("EJ-GETSMS-SMS-DEL")
def test_sms_del_deletes_the_returned_sms(check, ejoin, sms_exchange):
    """gateway-2.4 §8.2.2: "sms_del | Delete the SMS after read. 0: not delete, 1: delete | 0".

    Deletes the newest received SMS when it is one of the exchange's (never the user's own
    messages): the same query then no longer returns it.
    """
    exchange = sms_exchange
    _looped(check, exchange)
    whole = ejoin.get_sms()
    following = whole.data.get("next_sms") if isinstance(whole.data, dict) else None
    if not isinstance(following, int) or following < 2:
        check.skip(f"next_sms {following!r}: the newest SMS's id is unknown")
    newest = following - 1
    peek = _data(ejoin.get_sms(sms_id=newest, sms_num=1))
    if not peek or not _ours(exchange, peek[0]):
        check.skip(f"the newest SMS (id {newest}) is not one of the exchange's; nothing deleted")
    taken = ejoin.get("goip_get_sms.html", sms_id=newest, sms_num=1, sms_del=1)
    check.expect(_data(taken) == peek, f"sms_del=1 of id {newest} returned {_data(taken)}")
    after = _data(ejoin.get_sms(sms_id=newest, sms_num=1))
    check.expect(peek[0] not in after, f"SMS {newest} is still returned after sms_del=1: {after}")
