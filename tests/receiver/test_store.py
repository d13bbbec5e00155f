from __future__ import annotations

from pathlib import Path

from smsgw.receiver.store import Message, MessageFilter, MessageStore, PendingMessage
from smsgw.verdicts import Verdict


def pending(
    kind: str = "port-status",
    *,
    at: float = 1000.0,
    device: str = "d1",
    ports: tuple[str, ...] = (),
    tids: tuple[int, ...] = (),
    verdict: Verdict = Verdict.PASS,
    body: bytes = b'{"a": 1}',
) -> PendingMessage:
    return PendingMessage(
        received_at=at, source="127.0.0.1:1", method="POST", path=f"/push/{device}", query="", device=device,
        headers=[("content-type", "application/json")], content_type="application/json", body=body,
        body_size=len(body), family="ejoin", type=kind, schema=f"ejoin/{kind}.push", verdict=verdict,
        status=200, ports=ports, tids=tids,
    )  # fmt: skip


def test_ids_are_monotonic_across_batches_and_reopening(tmp_path: Path) -> None:
    store = MessageStore(tmp_path / "s.db")
    assert store.insert_batch([pending(), pending()]) == [1, 2]
    store.close()
    reopened = MessageStore(tmp_path / "s.db")
    assert reopened.insert_batch([pending()]) == [3]
    assert [m.id for m in reopened.query()] == [1, 2, 3]
    reopened.close()


def test_filters_by_type_device_port_tid_verdict_and_time(tmp_path: Path) -> None:
    store = MessageStore(tmp_path / "s.db", synchronous="normal")
    store.insert_batch([
        pending("port-status", at=10, device="a", ports=("1.01",)),
        pending("status-report", at=20, device="b", ports=("1.01", "2.01"), tids=(7, 8)),
        pending("recv-sms", at=30, device="a", ports=("3.01",), verdict=Verdict.FAIL),
    ])  # fmt: skip

    def ids(**kw: object) -> list[int]:
        return [m.id for m in store.query(MessageFilter(**kw))]  # type: ignore[arg-type]

    assert ids(type="status-report") == [2]
    assert ids(type=("port-status", "recv-sms")) == [1, 3]
    assert ids(device="a") == [1, 3]
    assert ids(port="2.01") == [2]
    assert ids(port="1.01") == [1, 2]
    assert ids(tid=8) == [2]
    assert ids(verdict="FAIL") == [3]
    assert ids(since=20) == [2, 3]
    assert ids(until=20) == [1]
    assert ids(after=1, device="a") == [3]
    assert store.count(MessageFilter(device="a")) == 2
    assert [m.id for m in store.query(newest_first=True, limit=2)] == [3, 2]
    store.close()


def test_json_parsed_form_is_derived_from_the_body_and_keys_round_trip(tmp_path: Path) -> None:
    store = MessageStore(tmp_path / "s.db")
    store.insert_batch([pending(ports=("1.01", "2.01"), tids=(5,), body=b'{"type": "x", "n": [1]}')])
    message = store.get(1)
    assert message is not None
    assert message.parsed == {"type": "x", "n": [1]}
    assert message.ports == ("1.01", "2.01")
    assert message.tids == (5,)
    assert message.accepted
    assert Message.from_json(message.to_json()) == message
    store.close()


def test_non_utf8_bodies_round_trip_through_base64(tmp_path: Path) -> None:
    store = MessageStore(tmp_path / "s.db")
    store.insert_batch([pending(body=b"\xff\x00raw")])
    message = store.query()[0]
    data = message.to_json()
    assert "body_base64" in data
    assert Message.from_json(data).body == b"\xff\x00raw"
    store.close()


def test_a_batch_mixing_null_and_set_columns_stores_every_field_as_given(tmp_path: Path) -> None:
    from dataclasses import replace

    store = MessageStore(tmp_path / "s.db", synchronous="normal")
    bare = replace(pending(body=b"\x00\xffraw"), content_type=None, schema=None)
    full = replace(
        pending("status-report", ports=("1.01", "2.01"), tids=(7, 8), verdict=Verdict.NON_STRICT),
        ident="00-30-f1-01-02-03", parsed={"k": [1, 2]}, errata=("E-X",), errors=("$.a: bad",), problem="p",
    )  # fmt: skip
    assert store.insert_batch([bare, full, bare]) == [1, 2, 3]
    first, second, third = store.query()
    for stored, given in ((first, bare), (second, full), (third, bare)):
        assert type(stored.body) is bytes
        assert (stored.body, stored.content_type, stored.schema, stored.ident) == (
            given.body, given.content_type, given.schema, given.ident,
        )  # fmt: skip
        assert (stored.errata, stored.errors, stored.problem, stored.ports, stored.tids) == (
            given.errata, given.errors, given.problem, given.ports, given.tids,
        )  # fmt: skip
    assert second.parsed == {"k": [1, 2]}
    assert first.parsed is None  # not JSON: no parsed form
    store.close()


def test_reading_messages_looks_their_extra_keys_up_by_index_not_by_scanning(tmp_path: Path) -> None:
    store = MessageStore(tmp_path / "s.db")
    store.insert_batch([pending(ports=("1.01", "2.01", "3.01"), tids=(1, 2)) for _ in range(50)])
    plan = store._writer.execute(
        "EXPLAIN QUERY PLAN SELECT message_id, key, value FROM message_keys WHERE message_id IN (?, ?)"
        " ORDER BY rowid",
        (1, 2),
    ).fetchall()
    details = " ".join(str(row[-1]) for row in plan)
    assert "message_keys_message" in details, details
    assert {m.ports for m in store.query()} == {("1.01", "2.01", "3.01")}
    store.close()
