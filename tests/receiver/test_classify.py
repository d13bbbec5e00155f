from __future__ import annotations

import orjson
import pytest

from smsgw.receiver.classify import PushRejected, classify, media_type
from smsgw.receiver.samples import DINSTAR_EVENTS, every_push, mms, sms_forward

JSON = "application/json; charset=utf-8"


@pytest.mark.parametrize("push", every_push(), ids=lambda p: p.type)
def test_every_documented_push_format_is_classified_with_its_schema(push) -> None:  # type: ignore[no-untyped-def]
    query = [tuple(kv.split("=", 1)) for kv in push.query.split("&")] if push.query else []
    result = classify(push.content_type, push.body, query, {k.lower(): v for k, v in push.headers})
    assert result.type == push.type
    assert result.schema == f"{result.family}/{push.type}.push"
    assert result.family == ("dinstar" if push.type in DINSTAR_EVENTS else "ejoin")


def test_ejoin_messages_are_classified_by_type_and_indexed_by_port_and_tid() -> None:
    body = orjson.dumps({"type": "status-report", "rpt_num": 1, "rpts": [
        {"tid": 7, "sdr": [[0, "10086", "1.01", 1]], "fdr": [[1, "10010", "2.01", 2, "x", "y"]]},
        {"tid": 8}]})  # fmt: skip
    result = classify(JSON, body)
    assert (result.family, result.type) == ("ejoin", "status-report")
    assert result.tids == (7, 8)
    assert result.ports == ("1.01", "2.01")


def test_dinstar_events_are_classified_by_their_event_key_and_serial() -> None:
    result = classify("application/json", orjson.dumps(DINSTAR_EVENTS["register"]))
    assert (result.family, result.type, result.ident) == ("dinstar", "register", "da00-0030-1901-2817")
    assert result.ports == ("8",)


def test_legacy_forward_parses_header_lines_and_text() -> None:
    push = sms_forward(password="***")
    result = classify(push.content_type, push.body, [("username", "root"), ("port", "4")])
    assert result.instance == {
        "query": {"username": "root", "port": "4"},
        "headers": {"Sender": "13510956503", "SMSC": "8613010888500", "SCTS": "14072322113832"},
        "text": "Hello, world!",
    }
    assert result.ports == ("4",)


def test_mms_instance_is_its_emms_headers_and_parts_are_summarised() -> None:
    push = mms()
    result = classify(push.content_type, push.body, [], {k.lower(): v for k, v in push.headers})
    assert set(result.instance) == {"Emms-Subject", "Emms-From", "Emms-To", "Date", "Content-Type"}
    assert result.parsed["decoded"]["Emms-Subject"] == "subject00"
    assert [p["content_type"] for p in result.parsed["parts"]] == [
        "application/smil",
        "image/jpeg",
        "text/plain",
    ]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "reason"),
    [
        (JSON, b'{"type": "dev-status",', 400, "malformed JSON"),
        (JSON, b"[1, 2]", 400, "is an object"),
        (JSON, b'{"type": "send-sms"}', 400, "unknown Ejoin push type"),
        (JSON, b'{"hello": 1}', 400, "unrecognised JSON push"),
        ("text/plain", b'{"type": "dev-status"}', 415, "unsupported Content-Type"),
        (None, b'{"type": "dev-status"}', 415, "no Content-Type"),
        ("application/octet-stream", b"Sender: 1\r\nSMSC: 2\r\nhello", 400, "no empty line"),
        ("application/octet-stream", b"Sender 1\r\n\r\nhello", 400, "not 'Name: value'"),
        ("application/octet-stream; charset=utf-8", b"Sender: \xff\r\n\r\nx", 400, "not valid utf-8"),
        ("multipart/related", b"--x\r\n\r\n--x--", 400, "without a boundary"),
        (
            "multipart/related; boundary=x",
            b"--x\r\nContent-Type: text/plain\r\n\r\nhal",
            400,
            "closing boundary",
        ),
    ],
)
def test_pushes_that_are_not_messages_are_rejected_with_a_4xx_and_a_reason(
    content_type: str | None, body: bytes, status: int, reason: str
) -> None:
    with pytest.raises(PushRejected) as caught:
        classify(content_type, body)
    assert caught.value.status == status
    assert reason in caught.value.reason


def test_media_type_lowercases_and_keeps_quoted_parameters() -> None:
    media, params = media_type('Multipart/Related; boundary="a;b"; type="application/smil"')
    assert media == "multipart/related"
    assert params == {"boundary": "a;b", "type": "application/smil"}
