"""The run's one SMS exchange with a Dinstar gateway, shared by the SMS checks (send_sms, results,
delivery statuses, queue, incoming SMS, pushes): every SMS goes to the user's ``phone_numbers`` from
one registered port, and every wait has a deadline from the profile's timers.

Tasks (dinstar-uc-1.2 §2):

* ``template``: ``"<text> #param# / #param#"`` to every number, each with its ``text_param`` pair and
  ``user_id``, ``port`` = the sending port, no ``encoding`` (the default, unicode) and the status report
  requested by default;
* ``long``: 307 GSM characters, ``encoding`` gsm-7bit, to the first number: 3 concatenated segments of
  153 (160 without the concatenation header would be 2);
* ``no-report``: ``request_status_report`` false, to the first number;
* ``unicode``: 100 ASCII characters with the default encoding: UCS2, 2 segments of 67 (GSM: 1);
* ``simple``: the §2.4 simple request (text and number only, no port), with a user_id.

When the numbers are the device's own SIMs the SMS come back as incoming SMS: the exchange then
reads them once through every ``query_incoming_sms`` variant (§6), in an order that observes the
unread -> read side effect.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from dinstar.dinstar_support import FINAL_STATUSES, entries, error_code, poll_interval, wait_until

#: incoming_sms_id above every real id: a flag=read query with it returns no message, only counters
NO_MESSAGES_ID = 2**31 - 1


@dataclass
class Sent:
    name: str
    request: dict[str, Any]
    answer: Any
    numbers: list[str]
    user_ids: list[int]
    #: segments the text needs (None: the check does not predict it)
    segments: int | None = None
    #: the text each recipient should receive, by number
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def task_id(self) -> int | None:
        data = self.answer.data
        value = data.get("task_id") if isinstance(data, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def accepted(self) -> bool:
        return error_code(self.answer) == 202


@dataclass
class Exchange:
    port: int
    numbers: tuple[str, ...]
    sent: dict[str, Sent]
    #: every poll of query_sms_result (user_id of every task): (seconds since submission, entries)
    polls: list[tuple[float, list[dict[str, Any]]]] = field(default_factory=list)
    #: user_id -> its last result entry
    results: dict[int, dict[str, Any]] = field(default_factory=dict)
    result_answer: Any = None
    #: seconds from the submission until every result was final (None: not within the wait)
    final_after: float | None = None
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    deliver_answer: Any = None
    queue_answers: list[Any] = field(default_factory=list)
    #: query_incoming_sms answers by name (see module docstring), when the SMS came back
    incoming: dict[str, Any] = field(default_factory=dict)
    #: port on which each recipient number receives (the device's own SIMs)
    own_ports: dict[str, int] = field(default_factory=dict)
    receiver: Any = None
    mark: int = 0
    notes: list[str] = field(default_factory=list)

    def user_ids(self, *names: str) -> list[int]:
        return [u for n in (names or tuple(self.sent)) for u in self.sent[n].user_ids if n in self.sent]

    def result_of(self, user_id: int) -> dict[str, Any] | None:
        return self.results.get(user_id)

    def pushes(self, kind: str) -> list[Any]:
        """Pushes of ``kind`` the receiver got since the exchange started (empty without a receiver)."""
        if self.receiver is None:
            return []
        return list(self.receiver.messages(type=kind, after=self.mark))

    def deliveries_of(self, number: str, ref_ids: set[int]) -> list[dict[str, Any]]:
        return [d for d in self.deliveries if d.get("number") == number and d.get("ref_id") in ref_ids]


def _gsm_text(length: int, tag: str) -> str:
    base = f"{tag} " + "GSM seven bit text of the smsgw conformance suite. " * 10
    return base[:length]


def run_exchange(  # noqa: PLR0917 - one scripted exchange, read top to bottom
    dinstar: Any,
    receiver: Any,
    timers: Any,
    new_user_id: Any,
    port: int,
    numbers: tuple[str, ...],
    own_ports: dict[str, int],
    text: str,
) -> Exchange:
    interval = poll_interval(timers)
    mark = receiver.mark() if receiver is not None else 0
    ex = Exchange(port, numbers, {}, own_ports=own_ports, receiver=receiver, mark=mark)
    stored_before = _stored(dinstar.query_incoming_sms(flag="read", incoming_sms_id=NO_MESSAGES_ID))

    first = numbers[0]
    tag = str(new_user_id())
    pairs = [(f"A{i}", f"B{i}") for i in range(len(numbers))]
    template = f"{text} {tag} #param# / #param#"
    param = []
    uids = []
    texts = {}
    for number, (a, b) in zip(numbers, pairs, strict=True):
        uid = new_user_id()
        uids.append(uid)
        param.append({"number": number, "text_param": [a, b], "user_id": uid})
        texts[number] = f"{text} {tag} {a} / {b}"
    plan = [
        Sent(
            "template",
            {"text": template, "param": param, "port": [port]},
            None,
            list(numbers),
            uids,
            1,
            texts,
        ),
    ]
    long_text = _gsm_text(307, tag)
    uid = new_user_id()
    plan.append(
        Sent(
            "long",
            {
                "text": long_text,
                "param": [{"number": first, "user_id": uid}],
                "port": [port],
                "encoding": "gsm-7bit",
            },
            None,
            [first],
            [uid],
            3,
            {first: long_text},
        )
    )
    uid = new_user_id()
    plain = f"{text} {tag} no report"
    plan.append(
        Sent(
            "no-report",
            {
                "text": plain,
                "param": [{"number": first, "user_id": uid}],
                "port": [port],
                "request_status_report": False,
            },
            None,
            [first],
            [uid],
            1,
            {first: plain},
        )
    )
    # after no-report, through the same port: its delivery statuses come after any the no-report
    # SMS would (wrongly) get, so waiting for them waits long enough to see those too
    uni_text = _gsm_text(100, tag)
    uid = new_user_id()
    plan.append(
        Sent(
            "unicode",
            {"text": uni_text, "param": [{"number": first, "user_id": uid}], "port": [port]},
            None,
            [first],
            [uid],
            2,
            {first: uni_text},
        )
    )
    uid = new_user_id()
    simple = f"{text} {tag} simple"
    # the §2.4 "Simple Request" (no port: any port may send it, §27.1), with a user_id to find it
    plan.append(
        Sent(
            "simple",
            {"text": simple, "param": [{"number": first, "user_id": uid}]},
            None,
            [first],
            [uid],
            1,
            {first: simple},
        )
    )
    started = time.monotonic()
    for sent in plan:
        body = sent.request
        sent.answer = dinstar.send_sms(
            body["text"],
            body["param"],
            port=body.get("port"),
            **{k: v for k, v in body.items() if k not in ("text", "param", "port")},
        )
        ex.sent[sent.name] = sent
    ex.queue_answers.append(dinstar.query_sms_in_queue())
    all_ids = ex.user_ids()

    def all_final() -> bool:
        resp = dinstar.query_sms_result(user_id=all_ids)
        found = entries(resp, "result")
        ex.polls.append((time.monotonic() - started, found))
        ex.result_answer = resp
        for entry in found:
            if isinstance(entry.get("user_id"), int):
                ex.results[entry["user_id"]] = entry
        statuses = [ex.results.get(u, {}).get("status") for u in all_ids]
        return bool(found) and all(s in FINAL_STATUSES for s in statuses)

    # "about 5 to 8 seconds" per SMS, "about 1 minute" when the network is bad (§27.3); one port
    final_wait = timers.wait(timers.send_timeout + 8 * len(all_ids))
    if wait_until(all_final, final_wait, interval):
        ex.final_after = time.monotonic() - started
    else:
        ex.notes.append(
            f"not every result final within {timers.wait(timers.send_timeout * len(all_ids)):.0f} s"
        )
    ex.queue_answers.append(dinstar.query_sms_in_queue())

    # delivery statuses: one per segment of every SMS that asked for one (§27.4); then DELIVERED
    wanted = sum(s.segments or 1 for s in plan if s.name != "no-report") + len(numbers) - 1
    deliver_filter = {"number": list(dict.fromkeys(numbers))}

    def delivered() -> bool:
        resp = dinstar.query_sms_deliver_status(**deliver_filter)
        ex.deliver_answer = resp
        mine = [
            d
            for d in entries(resp, "result")
            if any(
                d.get("ref_id") in _ref_ids(r) and d.get("number") == r.get("number")
                for r in ex.results.values()
            )
        ]
        ex.deliveries = entries(resp, "result")
        return len(mine) >= wanted

    wait_until(delivered, timers.wait(timers.send_timeout), interval)
    all_final()  # the results again: DELIVERED once the reports are in
    wait_until(
        lambda: all(
            ex.results.get(u, {}).get("status") in ("DELIVERED", "FAILED") for u in ex.user_ids("template")
        ),
        timers.wait(timers.send_timeout / 4),
        interval,
    ) or all_final()
    all_final()

    # incoming SMS: only when the recipients are the device's own SIMs
    expected_in = sum(len(s.numbers) for s in plan if any(n in own_ports for n in s.numbers))
    if own_ports and stored_before is not None:

        def arrived() -> bool:
            stored = _stored(dinstar.query_incoming_sms(flag="read", incoming_sms_id=NO_MESSAGES_ID))
            return stored is not None and stored >= stored_before + expected_in

        if wait_until(arrived, timers.wait(timers.send_timeout), interval):
            _read_incoming(dinstar, ex, plan)
        else:
            ex.notes.append(
                "the SMS sent to the device's own SIMs did not arrive (read + unread did not grow)"
            )
    if receiver is not None:
        # pushes of the last results may still be on their way
        wait_until(lambda: len(ex.pushes("sms_result")) >= len(all_ids), timers.wait(0), interval)
    return ex


def _stored(resp: Any) -> int | None:
    """read + unread of a query_incoming_sms answer: the SMS the device stores (None: unreadable)."""
    data = resp.data if isinstance(resp.data, dict) else {}
    read, unread = data.get("read"), data.get("unread")
    return read + unread if isinstance(read, int) and isinstance(unread, int) else None


def _ref_ids(result: dict[str, Any]) -> set[int]:
    ref, count = result.get("ref_id"), result.get("count")
    if not isinstance(ref, int) or not isinstance(count, int) or count < 1:
        return set()
    return {(ref + i) % 256 for i in range(count)}


def _read_incoming(dinstar: Any, ex: Exchange, plan: list[Sent]) -> None:
    """The §6 reads, in order: the default flag (unread), flag=unread, the default again, read, all,
    incoming_sms_id 0, paging after the first id, the port filter."""
    mine = {t for s in plan for t in s.texts.values()}
    inc = ex.incoming
    inc["unread"] = first = dinstar.query_incoming_sms()
    ours = [m for m in entries(first, "sms") if m.get("text") in mine]
    inc["ours"] = ours
    inc["unread-again"] = dinstar.query_incoming_sms(flag="unread")
    inc["default-again"] = dinstar.query_incoming_sms()
    ids = sorted(m["incoming_sms_id"] for m in ours if isinstance(m.get("incoming_sms_id"), int))
    low = ids[0] - 1 if ids else 0
    inc["read"] = dinstar.query_incoming_sms(flag="read", incoming_sms_id=max(low, 0))
    inc["all"] = dinstar.query_incoming_sms(flag="all", incoming_sms_id=max(low, 0))
    inc["zero"] = dinstar.query_incoming_sms(flag="all", incoming_sms_id=0)
    if ids:
        inc["after-first"] = dinstar.query_incoming_sms(flag="all", incoming_sms_id=ids[0])
    ports = sorted({m["port"] for m in ours if isinstance(m.get("port"), int)})
    if ports:
        inc["port"] = dinstar.query_incoming_sms(flag="all", port=[ports[0]], incoming_sms_id=max(low, 0))
