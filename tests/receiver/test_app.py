"""The push endpoints over real HTTP: status codes, what is stored, redaction, the API and the page."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import orjson
import pytest

from smsgw.receiver import RunningReceiver, start_receiver
from smsgw.receiver.samples import DINSTAR_EVENTS, every_push, mms, sms_forward
from smsgw.spec.registry import SchemaRegistry
from smsgw.verdicts import Verdict

JSON = {"Content-Type": "application/json; charset=utf-8"}


def post(
    rx: RunningReceiver, body: bytes, headers: dict[str, str] | None = None, url: str | None = None
) -> httpx.Response:
    return httpx.post(url or rx.push_url("dev1"), content=body, headers=headers or JSON, timeout=10)


def raw_request(rx: RunningReceiver, data: bytes, *, close: bool) -> bytes:
    host, port = rx.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        if close:
            sock.shutdown(socket.SHUT_WR)
            return b""
        return sock.recv(65536)


def test_every_push_format_is_acknowledged_after_it_is_stored(rx: RunningReceiver) -> None:
    pushes = every_push()
    for push in pushes:
        url = rx.push_url("bench") + (f"?{push.query}" if push.query else "")
        response = httpx.post(url, content=push.body, headers=push.request_headers(), timeout=10)
        assert response.status_code == 200, (push.type, response.text)
        stored = rx.messages(after=response.json()["id"] - 1, limit=1)[0]
        assert stored.id == response.json()["id"]
        assert stored.type == push.type
        assert stored.device == "bench"
        assert stored.body == push.body
        assert stored.parsed is not None
    assert [m.type for m in rx.messages(device="bench")] == [p.type for p in pushes]


def test_stored_message_is_graded_pass_non_strict_or_fail_with_errors(rx: RunningReceiver) -> None:
    post(rx, orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 OK"}))
    post(rx, orjson.dumps({"type": "port-status", "port": "1.01", "status": "3 OK"}))
    response = post(rx, orjson.dumps({"type": "port-status", "port": "1A", "st": "3 OK"}))
    assert response.status_code == 200, "a schema failure is still a message: acknowledged, graded FAIL"
    first, second, third = rx.messages(type="port-status")
    assert first.verdict is Verdict.PASS
    assert (second.verdict, second.errata) == (Verdict.NON_STRICT, ("E-EJ-PORT-STATUS-KEY",))
    assert third.verdict is Verdict.FAIL
    assert any("$.port" in e for e in third.errors)
    assert first.ports == ("1.01",)
    assert first.source.startswith("127.0.0.1:")
    assert first.header("content-type") == JSON["Content-Type"]


def test_dinstar_event_without_schema_is_stored_as_info(rx: RunningReceiver) -> None:
    assert post(rx, orjson.dumps(DINSTAR_EVENTS["ussd"])).status_code == 200
    message = rx.wait_for(type="ussd", timeout=1)
    assert message.verdict is Verdict.INFO
    assert message.ident == "da00-0030-1901-2817"


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b'{"type": "port-status", "port": ', JSON, 400, "malformed JSON"),
        (b'{"type": "port-status"}', {"Content-Type": "text/plain"}, 415, "unsupported Content-Type"),
        (
            b'{"type": "port-status"}',
            {"Content-Type": "application/x-www-form-urlencoded"},
            415,
            "Content-Type",
        ),
        (b'{"no": "type"}', JSON, 400, "unrecognised JSON push"),
        (b"x" * (64 * 1024 + 1), JSON, 413, "exceeds the limit"),
    ],
)
def test_unusable_push_gets_a_clear_4xx_and_is_recorded_invalid(
    rx: RunningReceiver, body: bytes, headers: dict[str, str], status: int, reason: str
) -> None:
    response = post(rx, body, headers)
    assert response.status_code == status
    assert reason in response.json()["reason"]
    stored = rx.messages()[-1]
    assert (stored.status, stored.verdict) == (status, Verdict.FAIL)
    assert reason in (stored.problem or "")
    assert rx.counters()["invalid"] == 1


def test_oversized_chunked_body_is_refused_while_streaming(rx: RunningReceiver) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"y" * 4096

    response = httpx.post(rx.push_url("d"), content=chunks(), headers=JSON, timeout=10)
    assert response.status_code == 413
    stored = rx.messages()[-1]
    assert stored.status == 413
    assert len(stored.body) <= 64 * 1024


def test_body_cut_short_by_the_client_is_recorded_as_truncated(rx: RunningReceiver) -> None:
    head = (
        b"POST /push/cut HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
    )
    raw_request(rx, head + b'{"type": "port-status"', close=True)
    message = rx.wait_for(device="cut", timeout=10)
    assert (message.status, message.verdict) == (400, Verdict.FAIL)
    assert "truncated body: client closed after 22 of 500 bytes" in (message.problem or "")
    assert message.body == b'{"type": "port-status"'


def test_body_shorter_than_its_content_length_times_out_with_408(rx: RunningReceiver) -> None:
    head = b"POST /push/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += b"Content-Length: 100\r\n\r\n"
    answer = raw_request(rx, head + b'{"type"', close=False)
    assert answer.startswith(b"HTTP/1.1 408")
    message = rx.wait_for(device="slow", timeout=5)
    assert message.status == 408
    assert "7 of 100 bytes received in 1 s" in (message.problem or "")


def test_a_body_in_slow_chunks_within_the_timeout_is_taken_and_a_stalled_one_still_times_out(
    rx: RunningReceiver,
) -> None:
    import time

    body = orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 Registered"})
    head = b"POST /push/trickle HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    head += b"Content-Length: %d\r\n\r\n" % len(body)
    host, port = rx.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        for at in range(0, len(body), 16):  # 0.1 s apart, ~0.5 s in all: inside the 1 s body timeout
            time.sleep(0.1)
            sock.sendall(body[at : at + 16])
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
    # Idle for a few watch ticks (its timer stops), then a stalled body: still answered 408, in time.
    time.sleep(0.5)
    started = time.monotonic()
    stalled = raw_request(rx, head + body[:5], close=False)
    assert stalled.startswith(b"HTTP/1.1 408")
    assert 0.9 <= time.monotonic() - started < 3.0


def test_credentials_in_a_forward_url_never_reach_the_database_or_the_page(rx: RunningReceiver) -> None:
    secret = "Zq7-SECRET-pw"
    push = sms_forward(password=secret)
    headers = {**push.request_headers(), "Authorization": "Basic dXNlcjpacTctU0VDUkVULXB3"}
    response = httpx.post(
        f"{rx.push_url()}myweb/goip?{push.query}", content=push.body, headers=headers, timeout=10
    )
    assert response.status_code == 200
    message = rx.wait_for(type="sms-forward", timeout=5)
    assert message.parsed["query"]["password"] == "***"
    assert message.parsed["headers"]["Sender"] == "13510956503"
    assert message.path == "/myweb/goip"
    page = httpx.get(rx.ui_url, timeout=10).text
    api = httpx.get(rx.url + "/_api/messages", timeout=10).text
    assert "myweb/goip" in page
    assert secret not in page
    assert secret not in api
    assert rx.db is not None
    for path in rx.db.parent.glob(rx.db.name + "*"):
        assert secret.encode() not in path.read_bytes(), path


def test_page_escapes_everything_the_device_sent(rx: RunningReceiver) -> None:
    post(rx, b'{"type": "<script>alert(1)</script>"}', url=rx.push_url("<b>dev</b>"))
    page = httpx.get(rx.ui_url, timeout=10).text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page
    assert "<b>dev</b>" not in page


def test_api_lists_filters_and_long_polls(rx: RunningReceiver) -> None:
    post(rx, orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 OK"}))
    post(rx, orjson.dumps({"type": "port-status", "port": "2.01", "st": "3 OK"}), url=rx.push_url("dev2"))
    listed = httpx.get(rx.url + "/_api/messages", params={"port": "2.01"}, timeout=10).json()["messages"]
    assert [m["device"] for m in listed] == ["dev2"]
    waited = httpx.get(rx.url + "/_api/wait", params={"device": "dev2", "timeout": "5"}, timeout=10).json()
    assert waited["timed_out"] is False
    assert waited["messages"][0]["ports"] == ["2.01"]
    empty = httpx.get(rx.url + "/_api/wait", params={"device": "none", "timeout": "0.2"}, timeout=10).json()
    assert empty["timed_out"] is True
    assert httpx.get(rx.url + "/_api/counters", timeout=10).json()["received"] == 2
    assert httpx.get(rx.url + "/_api/messages", params={"tid": "x"}, timeout=10).status_code == 400


def test_reserved_prefixes_are_never_taken_for_pushes(rx: RunningReceiver) -> None:
    assert (
        httpx.post(rx.url + "/_api/messages?type=port-status", content=b"{}", timeout=10).status_code == 405
    )
    assert httpx.post(rx.url + "/_ui", content=b"{}", timeout=10).status_code == 200
    assert httpx.get(rx.url + "/", timeout=10, follow_redirects=True).url.path == "/_ui"
    assert httpx.get(rx.push_url("d"), timeout=10).status_code == 405
    assert rx.counters()["received"] == 0


def test_configured_paths_and_devices(tmp_path: Path, small_registry: SchemaRegistry) -> None:
    with start_receiver(
        tmp_path / "p.db", registry=small_registry, paths=["/sms"], path_devices={"/myweb/goip": "bench1"}
    ) as rx:
        body = orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 OK"})
        assert post(rx, body, url=rx.url + "/sms?x=1").status_code == 200
        assert post(rx, body, url=rx.url + "/myweb/goip").status_code == 200
        assert post(rx, body, url=rx.url + "/elsewhere").status_code == 404
        assert [(m.path, m.device) for m in rx.messages()] == [("/sms", ""), ("/myweb/goip", "bench1")]


def test_mms_multipart_is_stored_with_its_parts(rx: RunningReceiver) -> None:
    push = mms()
    response = httpx.post(rx.push_url(), content=push.body, headers=push.request_headers(), timeout=10)
    assert response.status_code == 200
    message = rx.wait_for(type="mms", timeout=5)
    assert message.parsed["headers"]["Emms-From"].startswith("Kzg2MTM3NTEwNjQxMjk=")
    assert len(message.parsed["parts"]) == 3
    assert message.verdict is Verdict.INFO, "no ejoin/mms.push in the test registry"


def test_closing_ends_pending_long_polls_at_once(tmp_path: Path, small_registry: SchemaRegistry) -> None:
    import threading
    import time

    rx = start_receiver(tmp_path / "c.db", registry=small_registry)
    answers: list[dict[str, object]] = []
    poll = threading.Thread(
        target=lambda: answers.append(httpx.get(rx.url + "/_api/wait?device=x&timeout=60", timeout=90).json())
    )
    poll.start()
    time.sleep(0.3)
    started = time.monotonic()
    rx.close()
    poll.join(10)
    assert time.monotonic() - started < 3
    assert answers
    assert answers[0]["timed_out"] is True


def test_api_time_range_takes_epoch_seconds_or_iso_8601(rx: RunningReceiver) -> None:
    post(rx, orjson.dumps({"type": "port-status", "port": "1.01", "st": "3 OK"}))
    stored = rx.messages()[0]
    iso = stored.received_iso.replace("+00:00", "Z")

    def count(**params: str) -> int:
        return len(httpx.get(rx.url + "/_api/messages", params=params, timeout=10).json()["messages"])

    assert count(since=iso) == 1
    assert count(since=str(stored.received_at + 1)) == 0
    assert count(until="2000-01-01T00:00:00") == 0
    assert httpx.get(rx.url + "/_api/messages", params={"since": "yesterday"}, timeout=10).status_code == 400


def test_benchmark_dev_status_grades_over_http_equal_the_registry_grades(tmp_path: Path) -> None:
    """The 7.8 KB dev-status of the benchmark, as PASS, NON-STRICT (errata ids) and FAIL (error text):
    what the receiver stores after the ack equals :meth:`SchemaRegistry.grade` of the same document."""
    from smsgw.receiver.samples import dev_status
    from smsgw.spec.registry import default_registry

    registry = default_registry()
    normative = dev_status(ports=32)
    example = dev_status(ports=32)
    example["max-slot"] = int(example.pop("max-slots"))
    broken = dev_status(ports=32)
    broken["status"][3]["imei"] = "not-an-imei"
    expected_verdicts = (Verdict.PASS, Verdict.NON_STRICT, Verdict.FAIL)
    with start_receiver(tmp_path / "g.db", registry=registry) as running:
        for document, verdict in zip((normative, example, broken), expected_verdicts, strict=True):
            body = orjson.dumps(document)
            assert len(body) > 7000
            response = post(running, body)
            assert response.status_code == 200
            stored = next(m for m in running.messages() if m.id == response.json()["id"])
            grade = registry.grade("ejoin/dev-status.push", document)
            assert stored.verdict is grade.verdict
            assert (stored.errata, stored.errors) == (grade.errata, grade.errors)
            assert stored.verdict is verdict
            assert stored.body == body
    assert "E-EJ-DEVSTATUS-MAXSLOT-KEY" in registry.grade("ejoin/dev-status.push", example).errata
    assert any("$.status[3].imei" in e for e in registry.grade("ejoin/dev-status.push", broken).errors)


@pytest.mark.parametrize("event", ["ussd", "register", "cdr"])
def test_dinstar_push_with_the_examples_stray_bracket_is_refused_with_400(
    rx: RunningReceiver, event: str
) -> None:
    """DS-RECEIVER-REJECTS-BROKEN-JSON: dinstar-uc-1.2 §17's USSD, register and CDR examples end with
    "}]}]" (E-DS-PUSH-UNBALANCED-BRACKETS): not JSON, so the SMS server answers 400 and keeps it as FAIL."""
    response = post(rx, orjson.dumps(DINSTAR_EVENTS[event]) + b"]")
    assert response.status_code == 400
    assert "malformed JSON" in response.json()["reason"]
    stored = rx.messages()[-1]
    assert (stored.status, stored.verdict) == (400, Verdict.FAIL)
    balanced = post(rx, orjson.dumps(DINSTAR_EVENTS[event]))
    assert balanced.status_code == 200  # DS-RECEIVER-ACCEPTS-PUSH: the same event, balanced
