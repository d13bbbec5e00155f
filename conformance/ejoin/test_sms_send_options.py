"""Sending options of goip_post_sms: port choice (Tips 1-3, ``to_all``), ``intvl``, a full queue
(gateway-2.4 §6.3.1.3/§6.3.1.4, router-2.2 §5.3.1, simple-v2 §1.3.1.3).

The port checks read one *options exchange*: a single goip_post_sms request whose tasks exercise
each rule at once (their waits overlap), every task with ``sdr=1`` and ``sr_cnt`` 1 so that each
result is reported with the port that sent it (``sdr``/``fdr`` [2]) and its UTC send time ([3]):

- ``no_port``: no ``from``, two recipients (Tips 1: one port of the device's choice per recipient);
- ``ports_one``: ``from`` two ports, one recipient (Tips 2: both ports send to it);
- ``ports_many``: ``from`` the same two ports, two recipients (Tips 3: every port to every recipient);
- ``spaced``: ``from`` a third port, two recipients, ``intvl`` 12000 ms;
- ``to_all`` (gateway-2.4 only, at most 32 registered ports): no ``from``, ``to_all`` 1, one
  recipient (one SMS from every registered port).

SMS go only to the ``--phone-number``s: 10 SMS, plus one per registered port on gateway-2.4.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from ejoin_support import SMS_TEXT, port_number, status_code, wait_until
from sms_exchange import REPORT_DEFAULTS

from smsgw.client.ejoin import API_VERSION
from smsgw.client.errors import ClientError

POST_SMS_RESPONSE = "ejoin/goip_post_sms.response"
#: intvl of the spaced task (ms); its two SMS must be at least half of it apart
INTVL_MS = 12_000
#: at most this many registered ports get the to_all task (one SMS each)
TO_ALL_MAX_PORTS = 32
#: the full-queue check submits at most this many tasks, this many per request
FLOOD_MAX, FLOOD_BATCH = 20_000, 1_000


def _statuses(resp: Any) -> list[dict[str, Any]]:
    data = resp.data if isinstance(resp.data, dict) else {}
    return [s for s in data.get("status") or [] if isinstance(s, dict)]


def _st(entry: dict[str, Any]) -> int | None:
    value = entry.get("st", entry.get("status"))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return status_code(value) if isinstance(value, str) else None


def _current_ports(device_status: dict[str, Any]) -> list[tuple[int, int | None, Any]]:
    """(port, st code, sn) of every port dev-status lists."""
    out = []
    for entry in device_status.get("status") or []:
        if isinstance(entry, dict) and (port := port_number(entry.get("port"))) is not None:
            out.append((port, _st(entry), entry.get("sn")))
    return out


@dataclass
class OptionsExchange:
    """The tasks of the options exchange and what the device answered and reported for them."""

    tasks: dict[str, dict[str, Any]]
    #: ports whose current card reported 3 Registered (or 4) before the exchange
    registered: list[int]
    #: the same, read again once the exchange's reports are in (None: not read)
    registered_after: list[int] | None = None
    statuses: dict[int, Any] = field(default_factory=dict)
    reports: list[Any] = field(default_factory=list)
    answer: Any = None

    def accepted(self, name: str) -> bool:
        return name in self.tasks and status_code(self.statuses.get(self.tasks[name]["tid"])) == 0

    def entries(self, name: str) -> list[dict[str, Any]]:
        tid = self.tasks[name]["tid"]
        out = []
        for push in self.reports:
            data = push.parsed if isinstance(push.parsed, dict) else {}
            out += [e for e in data.get("rpts") or [] if isinstance(e, dict) and e.get("tid") == tid]
        return out

    def records(self, name: str) -> list[list[Any]]:
        """Every sdr and fdr record of the task: one per SMS the device sent or failed."""
        out = []
        for entry in self.entries(name):
            for key in ("sdr", "fdr"):
                out += [r for r in entry.get(key) or [] if isinstance(r, list) and len(r) >= 3]
        return out

    def finished(self, name: str) -> bool:
        entries = self.entries(name)
        if not entries:
            return False
        last = entries[-1]
        counts = [last.get(k) for k in ("sending", "sent", "failed")]
        if not all(isinstance(c, int) for c in counts):
            return False
        return counts[0] == 0 and last.get("unsent", 0) == 0 and counts[1] + counts[2] > 0

    def pairs(self, name: str) -> list[tuple[Any, int | None]]:
        """(recipient index counted from 0, port) of every SMS of the task: the index "[0]:
        recipients num index" may count from 1 (as the status-report checks accept)."""
        records = self.records(name)
        counted = [r[0] for r in records if type(r[0]) is int]
        base = 1 if counted and min(counted) == 1 else 0
        pairs = ((r[0] - base if type(r[0]) is int else r[0], port_number(r[2])) for r in records)
        return sorted(pairs, key=str)


@pytest.fixture(scope="module")
def options_exchange(  # noqa: PLR0917 - pytest passes fixtures by name
    conformance: Any,
    ejoin: Any,
    receiver: Any,
    timers: Any,
    new_tid: Any,
    phone_numbers: tuple[str, ...],
    device_status: dict[str, Any],
    sending_port: int,
) -> OptionsExchange:
    if not conformance.allow_destructive:
        pytest.skip(
            "the options exchange sends SMS and sets sr_url and the report cache: needs --allow-destructive"
        )
    fresh = ejoin.get_status().data  # the ports registered now (other checks lock and reset some)
    ports = _current_ports(fresh if isinstance(fresh, dict) else device_status)
    registered = [p for p, st, _ in ports if st in (3, 4)]
    own = set(phone_numbers)
    spare = [p for p, st, sn in ports if st in (3, 4) and sn not in own and p != sending_port]
    if len(spare) < 3:  # no card says 3: ports holding a card (a faulty device's status)
        spare += [p for p, st, sn in ports if st not in (0, None) and sn not in own and p not in spare]
    if len(spare) < 2:
        pytest.skip(f"the options exchange needs two registered ports besides the recipients': {spare}")
    p1, p2, p3 = spare[0], spare[1], spare[2 % len(spare)]
    first = phone_numbers[0]
    both = ",".join(itertools.islice(itertools.cycle(phone_numbers), 2))

    def task(to: str, **fields: Any) -> dict[str, Any]:
        tid = new_tid()
        return {"tid": tid, "to": to, "sms": f"{SMS_TEXT} {tid}", "sdr": 1, "sr_cnt": 1, **fields}

    tasks: dict[str, dict[str, Any]] = {}
    if conformance.profile == "gateway-2.4" and 0 < len(registered) <= TO_ALL_MAX_PORTS:
        # first: its SMS leave before the spaced task makes its port wait
        tasks["to_all"] = task(first, to_all="1")
    tasks |= {
        "no_port": task(both),
        "ports_one": task(first, **{"from": f"{p1},{p2}"}),
        "ports_many": task(both, **{"from": f"{p1},{p2}"}),
        "spaced": task(both, **{"from": str(p3), "intvl": str(INTVL_MS)}),
    }
    exchange = OptionsExchange(tasks, registered)
    mark = receiver.mark()
    try:
        resp = ejoin.post_sms(list(tasks.values()), sr_url=receiver.push_url("opt"), sr_cnt="1")
        exchange.answer = resp
        data = resp.data if isinstance(resp.data, dict) else {}
        exchange.statuses = {
            s.get("tid"): s.get("status") for s in data.get("status") or [] if isinstance(s, dict)
        }
        taken = [name for name in tasks if exchange.accepted(name)]

        def collect() -> bool:
            exchange.reports = receiver.messages(type="status-report", device="opt", after=mark)
            return all(exchange.finished(name) for name in taken)

        # a port sends its SMS one after the other (at most five here, each within the send
        # timeout) and the spaced task waits intvl between its two
        deadline = timers.wait(timers.send_timeout * 6 + INTVL_MS / 1000)
        wait_until(collect, deadline, max(0.05, min(1.0, timers.scale)))
        after = ejoin.get_status().data
        if isinstance(after, dict):  # a port another check had locked or reset may be back by now
            exchange.registered_after = [p for p, st, _ in _current_ports(after) if st in (3, 4)]
    finally:
        ejoin.post_sms([], **REPORT_DEFAULTS)
        ejoin.remove_sms([t["tid"] for t in tasks.values()])
    return exchange


def _taken(check: Any, exchange: OptionsExchange, name: str) -> None:
    """SKIPPED when the device did not take the task (another check grades its answer)."""
    status = exchange.statuses.get(exchange.tasks[name]["tid"])
    if not exchange.accepted(name):
        check.skip(f"the device answered the {name} task {status!r}; the check needs 0 OK")
    check.attach_json(f"{name} task reports", exchange.entries(name))


@pytest.mark.requirement("EJ-SMS-SEND-NO-PORT-RANDOM")
def test_without_from_each_recipient_gets_one_sms_from_one_port(check, options_exchange):
    """gateway-2.4 §6.3.1.3 Tips: "1. While not choose a port, device will pick up a random port
    to send SMS to every recipient." (erratum E-EJ-SENDSMS-TO-ALL-DEFAULT: not from every port).

    A task without from to two recipients: each must get exactly one SMS, from a port of the device.
    """
    ex = options_exchange
    _taken(check, ex, "no_port")
    pairs = ex.pairs("no_port")
    per_recipient = {i: [p for j, p in pairs if j == i] for i in (0, 1)}
    check.expect(
        ex.finished("no_port") and all(len(v) == 1 and v[0] is not None for v in per_recipient.values()),
        f"(recipient index, port) of the SMS sent: {pairs[:12]!r} (want one port per recipient 0 and 1)",
    )


@pytest.mark.requirement("EJ-SMS-SEND-MANY-PORTS-ONE-RECIPIENT")
def test_several_ports_and_one_recipient_every_port_sends(check, options_exchange):
    """gateway-2.4 §6.3.1.3 Tips: "2. While chose more than one ports, and just one SMS recipient,
    then device will use all chose port to send SMS to this recipient."

    A task from two ports to one recipient: one SMS from each port.
    """
    ex = options_exchange
    _taken(check, ex, "ports_one")
    chosen = sorted(port_number(p) or 0 for p in ex.tasks["ports_one"]["from"].split(","))
    ports = sorted(p or 0 for _, p in ex.pairs("ports_one"))
    check.expect(
        ex.finished("ports_one") and ports == chosen,
        f"from {ex.tasks['ports_one']['from']!r} to one recipient: SMS from ports {ports} (want {chosen})",
    )


@pytest.mark.requirement("EJ-SMS-SEND-MANY-PORTS-MANY-RECIPIENTS")
def test_several_ports_and_recipients_every_port_sends_to_every_recipient(check, options_exchange):
    """gateway-2.4 §6.3.1.3 Tips: "3. If more ports, and more recipient designed, then every port
    will send SMS to every recipient separately." (simple-v2 note 3 reads one SMS per recipient from
    the listed ports: erratum E-EJ-SENDSMS-PORTS-X-RECIPIENTS, reported as INFO).

    A task from two ports to two recipients: four SMS, one per (port, recipient).
    """
    ex = options_exchange
    _taken(check, ex, "ports_many")
    chosen = sorted(port_number(p) or 0 for p in ex.tasks["ports_many"]["from"].split(","))
    pairs = ex.pairs("ports_many")
    want = sorted(((i, p) for i in (0, 1) for p in chosen), key=str)
    if ex.finished("ports_many") and pairs == want:
        check.ok()
        return
    per_recipient = sorted(i for i, _ in pairs)
    if ex.finished("ports_many") and per_recipient == [0, 1] and all(p in chosen for _, p in pairs):
        check.info(
            f"one SMS per recipient from the listed ports {pairs!r} (the simple-v2 reading, "
            "erratum E-EJ-SENDSMS-PORTS-X-RECIPIENTS); gateway-2.4 asks every port to every recipient"
        )
        return
    check.fail(f"(recipient index, port) of the SMS sent: {pairs[:12]!r} (want {want!r})")


@pytest.mark.requirement("EJ-SMS-SEND-TO-ALL")
def test_to_all_sends_from_every_registered_port(check, options_exchange):
    """gateway-2.4 §6.3.1.3: "to_all | String | 1 represents all ports | 1 | N" (erratum
    E-EJ-SENDSMS-TO-ALL-DEFAULT: given explicitly, without from).

    A task with to_all "1", no from, one recipient: one SMS from every port registered while it
    ran: each port registered both before the task and after its reports must have sent one, and no
    port may have sent two or have been unregistered both times (a port another check had locked
    or reset can register again meanwhile and take part).
    """
    ex = options_exchange
    if "to_all" not in ex.tasks:
        check.skip(
            f"{len(ex.registered)} registered ports: the to_all task goes to 1-{TO_ALL_MAX_PORTS} only"
        )
    _taken(check, ex, "to_all")
    ports = sorted(p or 0 for _, p in ex.pairs("to_all"))
    before = set(ex.registered)
    after = before if ex.registered_after is None else set(ex.registered_after)
    sent = set(ports)
    check.expect(
        ex.finished("to_all") and len(sent) == len(ports) and before & after <= sent <= before | after,
        f"to_all 1: SMS from ports {ports} (want one from each port registered before the task "
        f"{sorted(before)} and after it {sorted(after)}, and from no other)",
    )


@pytest.mark.requirement("EJ-SMS-SEND-INTVL")
def test_intvl_spaces_the_sms_of_a_task(check, options_exchange, timers):
    """gateway-2.4 §6.3.1.3: "intvl | string | Interval of 2 SMS while device sending them(ms) | 0".

    A task of two SMS from one port with intvl "12000": the two send times (sdr/fdr [3], UTC
    seconds) must be at least 6 s apart (half the interval: whether the device counts it from the
    end or the start of the previous SMS, and whole-second stamps).
    """
    ex = options_exchange
    _taken(check, ex, "spaced")
    stamps = sorted(r[3] for r in ex.records("spaced") if len(r) >= 4 and isinstance(r[3], int))
    if not ex.finished("spaced") or len(stamps) != 2:
        check.fail(
            f"intvl {INTVL_MS} ms: {len(ex.records('spaced'))} SMS reported, send times {stamps} "
            f"within {timers.wait(timers.send_timeout * 6 + INTVL_MS / 1000):.0f} s (want 2 with times)"
        )
        return
    gap = stamps[1] - stamps[0]
    check.expect(
        gap >= INTVL_MS / 2000,
        f"intvl {INTVL_MS} ms: the two SMS were sent {gap} s apart (want >= {INTVL_MS / 2000:.0f} s)",
    )


@pytest.mark.requirement("EJ-STATUS-PORT-ST-REGISTERED-3")
def test_ports_that_sent_sms_report_registered(check, ejoin, conformance, request):
    """gateway-2.4 §4.1.4: "st | string | Port status code + detail 0: No SIM card ... 3:
    Registered 4: call connected ...".

    The ports that sent the exchange's SMS (sdr) hold a card registered on the network: their
    current card must report st 3 (or 4 during a call) in goip_get_status right after.
    """
    if conformance.profile == "proxy-gateway":
        check.skip("the proxy gateway's document has no SMS sending to tell which cards are registered")
    ex = request.getfixturevalue("options_exchange")
    sent = sorted(
        {port_number(r[2]) for name in ex.tasks for e in ex.entries(name) for r in e.get("sdr") or []}
        - {None}
    )
    if not sent:
        check.skip("no SMS of the options exchange was reported sent")
    resp = ejoin.get_status()
    data = resp.data if isinstance(resp.data, dict) else {}
    codes = {p: st for p, st, _ in _current_ports(data)}
    wrong = {p: codes.get(p) for p in sent if codes.get(p) not in (3, 4)}
    check.expect(not wrong, f"ports that just sent SMS report st codes {wrong} (want 3 Registered or 4)")


@pytest.mark.requirement("EJ-SMS-TASK-STATUS-16-TOO-MANY")
def test_a_full_queue_answers_16_too_many_task(check, ejoin, sms_tasks, timers, phone_numbers):
    """gateway-2.4 §6.3.1.4: "16: Too Many Task"; "If task status ID not equal to 0, then means this
    task not received by device."

    Destructive: queues, on a registered port no other check sends from, a task of two SMS spaced
    by a long intvl (the port stays busy), then tasks behind it on the same port, 1000 per request,
    until one is refused (at most 20000 tasks; only the first SMS leaves); every task is removed at
    the end. The first refusal must be 16.
    """
    fresh = ejoin.get_status().data
    spare = [
        p
        for p, st, sn in _current_ports(fresh if isinstance(fresh, dict) else {})
        if st in (3, 4) and sn not in phone_numbers and p != sms_tasks.port
    ]
    port = {"from": str(spare[-1] if spare else sms_tasks.port)}
    blocker = sms_tasks.task(2, intvl=str(int(timers.send_timeout * 4000)), **port)
    resp = ejoin.post_sms([blocker])
    if [status_code(s.get("status")) for s in _statuses(resp)] != [0]:
        check.skip(f"the device did not take the first task: {resp.text[:200]!r}")
    refusal: tuple[dict[str, Any], Any] | None = None
    try:
        while refusal is None and len(sms_tasks.tids) < FLOOD_MAX:
            batch = [sms_tasks.task(**port) for _ in range(FLOOD_BATCH)]
            body = {"type": "send-sms", "task_num": len(batch), "tasks": batch}
            resp = ejoin.post("goip_post_sms.html", body, timeout=timers.wait(10), version=API_VERSION)
            statuses = _statuses(resp)
            if len(statuses) != len(batch):
                check.fail(f"{len(batch)} tasks answered with {len(statuses)} statuses: {resp.text[:200]!r}")
                return
            refusal = next(
                ((t, s) for t, s in zip(batch, statuses, strict=True) if status_code(s.get("status"))), None
            )
    finally:
        tids, sms_tasks.tids[:] = list(sms_tasks.tids), []
        left = _remove_all(ejoin, tids)
        if left:  # queued SMS to the user's numbers the suite could not take back: stop the port
            locked = _answered(lambda: ejoin.command("lock", port["from"]))
            check.fail(
                f"{left} of the {len(tids)} queued tasks could not be removed (goip_remove_sms failed);"
                f" port {port['from']} {'was locked to hold them' if locked else 'could not be locked'}:"
                " remove them (or unlock the port) by hand"
            )
    if refusal is None:
        check.skip(f"the device took {len(tids)} tasks without refusing one (its queue is larger)")
    task, status = refusal
    check.expect(
        status_code(status.get("status")) == 16 and status.get("tid") == task["tid"],
        f"after {tids.index(task['tid'])} queued tasks, tid {task['tid']} was answered {status!r} "
        '(want "16 Too Many Task")',
    )


def _answered(call: Any) -> bool:
    """The call got an HTTP 200 answer (a transport error or another status: False)."""
    try:
        return bool(call().status == 200)
    except ClientError:
        return False


def _remove_all(ejoin: Any, tids: list[int], attempts: int = 3) -> int:
    """goip_remove_sms for every tid, FLOOD_BATCH at a time; a batch whose call fails (transport
    error, no 200) is tried again up to ``attempts`` times. Returns how many tids could not be sent
    for removal (0: every batch was answered; tasks already sent are not the suite's to remove)."""
    batches = [tids[start : start + FLOOD_BATCH] for start in range(0, len(tids), FLOOD_BATCH)]
    for _ in range(attempts):
        batches = [b for b in batches if not _answered(lambda b=b: ejoin.remove_sms(b))]
        if not batches:
            return 0
    return sum(len(b) for b in batches)
