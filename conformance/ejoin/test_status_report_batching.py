"""Status-report batching, per-task report periods and counts, failure details (gateway-2.4 §6.2.2,
§6.3.1.3, §6.3.2.3; router-2.2 §5.2.2, §5.3; simple-v2 §1.2.2, §1.3).

Every check reads the run's one *batching run* (the ``batch_run`` fixture): one goip_post_sms request
whose device-level settings send the reports to the push receiver (``sr_url``), keep up to ``sr_cnt``
"100" results for at most ``sr_prd`` 1 s, and whose tasks go from registered ports to the user's
numbers, each on its own port where the device has enough of them:

- ``periodic``: two SMS 4 s apart (``intvl``), ``sr_prd`` 1 and ``sr_cnt`` 100: reported every second
  until both have a result;
- ``silent``: the same with ``sr_prd`` 0 (no periodic report);
- ``count0``: the same with ``sr_cnt`` 0 ("less than 1 will use the default value", 10) and no
  ``sr_prd``: one report, when it is done;
- ``slow``: two SMS 70 s apart, ``sr_cnt`` 100 and no ``sr_prd`` (60 s by default): its first report
  comes after about 60 s; it is removed as soon as that report is in;
- ``guarded``: one SMS queued behind ``periodic``: right after the request, goip_pause_sms and
  goip_remove_sms name it with a wrong password; they answer non-zero, so it must still be sent;
- ``failing`` (two SMS, no ``fdr``) and ``quiet`` (one SMS, ``fdr`` 0), both with ``tmo`` 1, from a port
  locked right after the request (unlocked when they are done): the SMS that did not leave before
  the lock cannot be sent and time out; their reports must say so (failure details for
  ``failing`` only).

When everything is reported the device-level settings are written back to the documents' defaults
(``sr_cnt`` 100, ``sr_prd`` 30; ``sr_url`` cannot be read back, so it stays).  A real device sends about
nine SMS and the run takes about 80 s (the 60 s default period); the embedded emulator, 10x, ~7 s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from ejoin_support import poll_interval, port_number, queued_tids, refused, status_code, wait_until
from sms_exchange import utc_window

from smsgw.client import EjoinClient

SR_PUSH = "ejoin/status-report.push"
#: Device-level settings of the run: "sr_cnt" as the table types it (a string), "sr_prd" 1 s.
DEVICE_SR_CNT = "100"
DEVICE_SR_PRD = 1
#: Documented device-level defaults written back at the end (gateway-2.4 §6.3.1.3, first table).
DEVICE_DEFAULTS = {"sr_cnt": 100, "sr_prd": 30}
#: Gap between the two SMS of the short tasks (device seconds, sent as intvl in ms).
GAP = 4
#: Gap between the two SMS of the slow task: longer than the default 60 s period plus a send.
SLOW_GAP = 70
#: Documented per-task defaults (gateway-2.4 §6.3.1.3, second table).
TASK_PERIOD_DEFAULT = 60
TASK_COUNT_DEFAULT = 10
#: A periodic report may come this much sooner than its period (clock and scheduling error of a
#: device); a shorter default (30 s) is still well below it.
PERIOD_TOLERANCE = 0.25


@dataclass
class BatchRun:
    """What the device answered and pushed for the batching run's tasks."""

    tasks: dict[str, dict[str, Any]]
    #: task name -> port it was sent from
    ports: dict[str, int]
    locked_port: int | None
    answer: Any = None
    statuses: dict[str, Any] = field(default_factory=dict)
    reports: list[Any] = field(default_factory=list)
    #: the answers of the wrong-password pause and remove, and goip_get_tasks right after them
    denied: dict[str, Any] = field(default_factory=dict)
    guarded_state: Any = None
    lock_problem: str = ""
    started: float = 0.0
    slow_removed_at: float | None = None

    def accepted(self, name: str) -> bool:
        return status_code(self.statuses.get(name)) == 0

    def recipients(self, name: str) -> list[str]:
        return str(self.tasks[name]["to"]).split(",")

    def timed(self, name: str) -> list[tuple[float, dict[str, Any]]]:
        """(arrival, rpts entry) of the task's reports, in the order they were pushed."""
        tid = self.tasks[name]["tid"]
        out = []
        for push in self.reports:
            data = push.parsed if isinstance(push.parsed, dict) else {}
            rpts = data.get("rpts")
            for entry in rpts if isinstance(rpts, list) else []:
                if isinstance(entry, dict) and entry.get("tid") == tid:
                    out.append((push.received_at, entry))
        return out

    def entries(self, name: str) -> list[dict[str, Any]]:
        return [e for _, e in self.timed(name)]

    def done(self, name: str) -> bool:
        """The task's last report accounts for every recipient (or it was not accepted)."""
        if not self.accepted(name):
            return True
        entries = self.entries(name)
        if not entries:
            return False
        last = entries[-1]
        sent, failed = last.get("sent"), last.get("failed")
        return (
            isinstance(sent, int) and isinstance(failed, int) and sent + failed >= len(self.recipients(name))
        )

    def intermediate(self, name: str) -> list[tuple[float, dict[str, Any]]]:
        """Reports of the task made before every recipient had a result."""
        total = len(self.recipients(name))
        out = []
        for at, entry in self.timed(name):
            sent, failed = entry.get("sent"), entry.get("failed")
            if isinstance(sent, int) and isinstance(failed, int) and sent + failed < total:
                out.append((at, entry))
        return out


def _usable_ports(device_status: dict[str, Any], phone_numbers: tuple[str, ...]) -> list[int]:
    """Registered ports (st 3) whose SIM is not one of the recipients."""
    ports = []
    for entry in device_status.get("status") or []:
        if not isinstance(entry, dict):
            continue
        st = str(entry.get("st", entry.get("status", "")))
        port = port_number(entry.get("port"))
        registered = st.split(" ", maxsplit=1)[0] == "3"
        if registered and entry.get("sn") not in phone_numbers and port is not None and port not in ports:
            ports.append(port)
    return ports


def _build(new_tid: Any, numbers: tuple[str, ...], ports: list[int], text: str) -> BatchRun:
    """The run's tasks; ``ports[-1]`` is locked (when there are two or more ports)."""
    locked = ports[-1] if len(ports) >= 2 else None
    free = ports[:-1] if locked is not None else ports
    first, second = numbers[0], numbers[1 % len(numbers)]
    pair = f"{first},{second}"
    layout: dict[str, tuple[str, dict[str, Any]]] = {
        "periodic": (pair, {"intvl": str(GAP * 1000), "sr_prd": 1, "sr_cnt": 100}),
        "silent": (pair, {"intvl": str(GAP * 1000), "sr_prd": 0, "sr_cnt": 100}),
        "count0": (pair, {"intvl": str(GAP * 1000), "sr_cnt": 0}),
        "slow": (pair, {"intvl": str(SLOW_GAP * 1000), "sr_cnt": 100}),
        "guarded": (first, {}),
    }
    tasks: dict[str, dict[str, Any]] = {}
    assigned: dict[str, int] = {}
    for i, (name, (to, extra)) in enumerate(layout.items()):
        port = free[i % len(free)] if name != "guarded" else assigned["periodic"]
        tid = new_tid()
        tasks[name] = {"tid": tid, "to": to, "sms": f"{text} {tid}", "from": str(port), **extra}
        assigned[name] = port
    if locked is not None:
        for name, to, extra in (("failing", pair, {}), ("quiet", first, {"fdr": 0})):
            tid = new_tid()
            tasks[name] = {
                "tid": tid,
                "to": to,
                "sms": f"{text} {tid}",
                "from": str(locked),
                "tmo": 1,
                **extra,
            }
            assigned[name] = locked
    # a port's tasks queue in submission order: the slow task's 70 s interval would hold back
    # whatever came after it on a shared port, so it goes last
    order = [n for n in tasks if n != "slow"] + ["slow"]
    return BatchRun(tasks={n: tasks[n] for n in order}, ports=assigned, locked_port=locked)


def _registered(ejoin: Any, port: int) -> bool:
    """goip_get_status says ``port`` has a registered SIM again (st 3)."""
    data = ejoin.get_status().data
    entries = data.get("status") if isinstance(data, dict) else None
    return any(
        isinstance(e, dict)
        and port_number(e.get("port")) == port
        and str(e.get("st", e.get("status", ""))).split(" ", maxsplit=1)[0] == "3"
        for e in entries or []
    )


def _deny(conformance: Any, ejoin: Any, run: BatchRun) -> None:
    """goip_pause_sms and goip_remove_sms of the guarded task with a wrong password."""
    tid = run.tasks["guarded"]["tid"]
    with EjoinClient(
        conformance.target, conformance.username, "not-the-password", timeout=conformance.timeout
    ) as wrong:
        wrong.listeners += ejoin.listeners
        run.denied["pause"] = wrong.pause_sms([tid])
        run.denied["remove"] = wrong.remove_sms([tid])
    queue = queued_tids(ejoin, run.ports["guarded"])
    run.guarded_state = None if queue is None else queue.get(tid, "not listed")


def run_batching(conformance: Any, ejoin: Any, receiver: Any, timers: Any, run: BatchRun) -> BatchRun:
    mark = receiver.mark()
    interval = poll_interval(timers)
    locked = run.locked_port
    unlocked = locked is None
    run.started = time.time()
    try:
        resp = ejoin.post_sms(
            list(run.tasks.values()),
            sr_url=receiver.push_url("sr-batch"),
            sr_cnt=DEVICE_SR_CNT,
            sr_prd=DEVICE_SR_PRD,
        )
        run.answer = resp
        data = resp.data if isinstance(resp.data, dict) else {}
        by_tid = {s.get("tid"): s.get("status") for s in data.get("status") or [] if isinstance(s, dict)}
        run.statuses = {name: by_tid.get(task["tid"]) for name, task in run.tasks.items()}
        if locked is not None and (run.accepted("failing") or run.accepted("quiet")):
            answer = ejoin.command("lock", str(locked))
            if refused(answer, success=0):
                run.lock_problem = f"the device did not lock port {locked}: {answer.text[:160]!r}"
        if run.accepted("guarded"):
            _deny(conformance, ejoin, run)
        if not any(run.accepted(n) for n in run.tasks):
            return run

        def collect() -> bool:
            nonlocal unlocked
            run.reports = receiver.messages(type="status-report", device="sr-batch", after=mark)
            over = run.done("failing") and run.done("quiet")
            if not unlocked and (over or time.time() - run.started > timers.wait(timers.send_timeout)):
                ejoin.command("unlock", str(locked))
                unlocked = True
            slow_over = not run.accepted("slow")
            if not slow_over and run.slow_removed_at is None and run.intermediate("slow"):
                ejoin.remove_sms([run.tasks["slow"]["tid"]])
                run.slow_removed_at = time.time()
            if run.slow_removed_at is not None:
                slow_over = any(at >= run.slow_removed_at for at, _ in run.timed("slow"))
            return slow_over and all(run.done(n) for n in run.tasks if n != "slow")

        # the slow task's first report is due after the default 60 s period; every other SMS
        # leaves within a send timeout, the locked port's within its tmo
        wait_until(collect, timers.wait(TASK_PERIOD_DEFAULT + timers.send_timeout * 3), interval)
    finally:
        if not unlocked:
            ejoin.command("unlock", str(locked))
        if locked is not None:
            wait_until(lambda: _registered(ejoin, locked), timers.wait(timers.send_timeout), interval)
        pending = [t["tid"] for t in run.tasks.values()]
        ejoin.remove_sms(pending)
        ejoin.post_sms([], **DEVICE_DEFAULTS)
    return run


@pytest.fixture(scope="session")
def batch_run(  # noqa: PLR0917 - pytest passes fixtures by name
    conformance: Any,
    ejoin: Any,
    receiver: Any,
    timers: Any,
    new_tid: Any,
    phone_numbers: tuple[str, ...],
    device_status: dict[str, Any],
) -> BatchRun:
    if not conformance.allow_destructive:
        pytest.skip(
            "the batching run sets sr_url and the report cache, and locks a port: --allow-destructive"
        )
    if not phone_numbers:
        pytest.skip("no --phone-number: the batching run sends SMS")
    ports = _usable_ports(device_status, phone_numbers)
    if not ports:
        pytest.skip("no registered port besides the recipients' to send from")
    from ejoin_support import SMS_TEXT

    run = _build(new_tid, phone_numbers, ports, SMS_TEXT)
    return run_batching(conformance, ejoin, receiver, timers, run)


def _need(check: Any, run: BatchRun, *names: str) -> None:
    for name in names:
        if name not in run.tasks:
            check.skip(f"the device has no second registered port to lock for the {name!r} task")
        if not run.accepted(name):
            check.skip(f"the device did not take the {name!r} task: {run.statuses.get(name)!r}")


def _locked_over(check: Any, run: BatchRun, name: str) -> list[dict[str, Any]]:
    """The reports of a task on the locked port; SKIPPED when the device did not end the task while
    the port was locked (it may hold queued SMS until the port is back instead of timing them
    out: then there is no failure to grade)."""
    _need(check, run, name)
    if run.lock_problem:
        check.skip(run.lock_problem)
    entries = run.entries(name)
    last = entries[-1] if entries else {}
    if not entries or last.get("unsent") or last.get("sending"):
        check.skip(
            f"the {name} task on the locked port {run.locked_port} was not over while it was locked"
            f" (its reports: {_counters(entries)}): the device holds its SMS rather than timing them out"
        )
    return entries


def _counters(entries: list[dict[str, Any]]) -> list[tuple[Any, Any]]:
    return [(e.get("sent"), e.get("failed")) for e in entries]


@pytest.mark.requirement("EJ-SR-GROUP-SENDING-PERIODIC", "EJ-SR-BATCH-PERIOD-FLUSH")
def test_group_task_is_reported_periodically_until_done(check, batch_run):
    """gateway-2.4 §6.2.2: "If it is group sending, device will report execute result periodically
    until all num in this group sending task get a result."; §6.3.1.3: "sr_prd | Int | The max time
    SMS result can keep in cache | 30 | N | 2. The time expired, even if not enough reports are
    received, send immediately, then reset the timer".

    The periodic task (two recipients, 4 s between them, sr_prd 1, sr_cnt 100) must be reported
    more than once before its second result, and its last report must cover both recipients.  The
    device-level cache (sr_cnt "100", sr_prd 1) never fills: the reports reach the receiver because
    its period expires, the first of them before the task is done.
    """
    run = batch_run
    _need(check, run, "periodic")
    timed = run.timed("periodic")
    check.attach_json("reports of the periodic task", [e for _, e in timed])
    early = run.intermediate("periodic")
    check.expect(
        len(early) >= 2,
        f"{len(early)} reports of the task before both recipients had a result (sr_prd 1, {GAP} s"
        f" between the SMS); counters over all its reports: {_counters([e for _, e in timed])}",
        requirement="EJ-SR-GROUP-SENDING-PERIODIC",
    )
    check.expect(
        run.done("periodic"),
        f"the task's last report does not cover its {len(run.recipients('periodic'))} recipients:"
        f" {_counters([e for _, e in timed][-1:])}",
        requirement="EJ-SR-GROUP-SENDING-PERIODIC",
    )
    sizes = [len(p.parsed.get("rpts") or []) for p in run.reports if isinstance(p.parsed, dict)]
    check.expect(
        bool(timed) and bool(early) and early[0][0] < timed[-1][0] and max(sizes, default=0) < 100,
        f"{len(run.reports)} status-report pushes of {sizes} reports with the device-level sr_cnt"
        f" {DEVICE_SR_CNT} and sr_prd {DEVICE_SR_PRD}; the task's first report before its last: "
        f"{bool(early) and bool(timed) and early[0][0] < timed[-1][0]}",
        requirement="EJ-SR-BATCH-PERIOD-FLUSH",
    )


@pytest.mark.requirement("EJ-SR-TASK-PERIOD-ZERO-OFF")
def test_task_period_zero_sends_no_periodic_report(check, batch_run):
    """gateway-2.4 §6.3.1.3: "sr_prd | Int | Status report period (seconds), 0: not on, >0: on".

    The silent task (two recipients, 4 s apart, sr_prd 0, sr_cnt 100) has no periodic report: no
    report of it comes before both recipients have a result.
    """
    run = batch_run
    _need(check, run, "silent")
    entries = run.entries("silent")
    check.attach_json("reports of the task with sr_prd 0", entries)
    early = run.intermediate("silent")
    check.expect(
        not early,
        f"{len(early)} reports of the task with sr_prd 0 before both recipients had a result:"
        f" {_counters([e for _, e in early])}",
    )


@pytest.mark.requirement("EJ-SR-TASK-COUNT-BELOW-1-DEFAULT")
def test_task_count_below_1_uses_the_default_10(check, batch_run, timers):
    """gateway-2.4 §6.3.1.3: "sr_cnt | Int | Single-state report SMS number, less than 1 will use
    the default value ... | 10".

    The count0 task (two recipients, 4 s apart, sr_cnt 0, no sr_prd) must not be reported after its
    first result: with the default 10 its one report comes when it is done (unless it took longer
    than the 60 s default period, which would make an earlier report periodic).
    """
    run = batch_run
    _need(check, run, "count0")
    timed = run.timed("count0")
    check.attach_json("reports of the task with sr_cnt 0", [e for _, e in timed])
    if not timed:
        check.fail("no report of the task with sr_cnt 0")
        return
    took = timed[-1][0] - run.started
    if took >= TASK_PERIOD_DEFAULT * timers.scale * (1 - PERIOD_TOLERANCE):
        check.skip(f"the task took {took:.1f} s: a report before its end may be the periodic one")
    early = run.intermediate("count0")
    check.expect(
        not early,
        f"{len(early)} reports of the task with sr_cnt 0 before both recipients had a result"
        f" (the default {TASK_COUNT_DEFAULT} needs ten): {_counters([e for _, e in early])}",
    )


@pytest.mark.requirement("EJ-SR-TASK-PERIOD-DEFAULT-60")
def test_task_period_defaults_to_60_s(check, batch_run, timers):
    """gateway-2.4 §6.3.1.3: "sr_prd | Int | Status report period (seconds), 0: not on, >0: on
    Control only the period in which a single task generates a report | 60".

    The slow task (two SMS 70 s apart, sr_cnt 100, no sr_prd) must be reported before its second
    SMS, and not sooner than 75 % of 60 s after the request (the device-level cache holds a report
    at most 1 s; 30 s or 10 s periods come well before that bound).
    """
    run = batch_run
    _need(check, run, "slow")
    timed = run.timed("slow")
    check.attach_json("reports of the slow task", [e for _, e in timed])
    early = run.intermediate("slow")
    if not early:
        check.fail(
            f"no report of the task without sr_prd before its second SMS ({SLOW_GAP} s after the first);"
            f" reports: {_counters([e for _, e in timed])}"
        )
        return
    after = early[0][0] - run.started
    least = TASK_PERIOD_DEFAULT * timers.scale * (1 - PERIOD_TOLERANCE)
    check.expect(
        after >= least,
        f"the task's first periodic report came {after:.2f} s after the request"
        f" (the default 60 s period makes it >= {least:.2f} s)",
    )


@pytest.mark.requirement("EJ-SR-RESULT-CACHED")
def test_successes_and_timeouts_are_all_reported(check, batch_run):
    """gateway-2.4 §6.2.2: "While SMS send successfully/failed/timeout, device will put the result
    in cache, after meet condition(cache storage full or cache time reached ),device will send POST
    request to report one or more task execute result."

    The periodic task's two SMS succeed; the failing task's SMS that did not leave before its port
    was locked time out (tmo 1).  Each task's last report must count every recipient, the
    failures among them.
    """
    run = batch_run
    _need(check, run, "periodic")
    _locked_over(check, run, "failing")
    for name in ("periodic", "failing"):
        entries = run.entries(name)
        last = entries[-1] if entries else {}
        total = len(run.recipients(name))
        sent, failed = last.get("sent"), last.get("failed")
        counted = isinstance(sent, int) and isinstance(failed, int) and sent + failed == total
        check.expect(
            counted,
            f"last report of the {name} task: sent {sent!r} + failed {failed!r} for {total} recipients",
        )
    failing = run.entries("failing")
    failed = failing[-1].get("failed") if failing else None
    check.expect(
        isinstance(failed, int) and failed >= 1,
        f"the failing task's SMS queued on the locked port: failed {failed!r} in its last report",
    )


def _fdr(entries: list[dict[str, Any]]) -> list[Any]:
    return [d for e in entries for d in (e.get("fdr") or [])]


@pytest.mark.requirement("EJ-SR-FDR-BY-DEFAULT", "EJ-SMS-SEND-FDR-DEFAULT-ON")
def test_failure_details_unless_fdr_0(check, batch_run):
    """gateway-2.4 §6.3.1.3: "fdr | Int | If enable the failed report.1:enable,0:disable. | Enable";
    §6.3.2.3: "fdr | array | Fail send details(one num one list)".

    The failing task left fdr out: each of its failures has a record.  The quiet task set fdr 0:
    its failure is counted but has no record.
    """
    run = batch_run
    failing, quiet = _locked_over(check, run, "failing"), _locked_over(check, run, "quiet")
    check.attach_json(
        "reports of the failing (no fdr) and quiet (fdr 0) tasks", {"failing": failing, "quiet": quiet}
    )
    failed = failing[-1].get("failed") if failing else None
    if not isinstance(failed, int) or failed < 1:
        check.fail(f"no failure reported for the SMS queued on the locked port: {_counters(failing)}")
        return
    records = _fdr(failing)
    check.expect(
        len(records) == failed,
        f"{len(records)} fdr records for {failed} failures of the task without fdr: {records}",
    )
    quiet_failed = quiet[-1].get("failed") if quiet else None
    check.expect(
        bool(quiet) and not _fdr(quiet),
        f"the task with fdr 0 (failed {quiet_failed!r}) has fdr records: {_fdr(quiet)}",
    )


@pytest.mark.requirement("EJ-SR-FDR-TUPLE")
def test_failure_record_is_the_six_element_tuple(check, batch_run, timers):
    """gateway-2.4 §6.3.2.3: "fdr ... [0]: recipients num index(based on group sending),int [1]: num,
    string [2]: SMS sending port(1.01,2.02,...), string [3] : SMS send timestamp in UTC time.int [4] :
    Progress reason, code+details[refer to 1.0 API] [5] : Carrier reason, code+ description."

    Each record of the failing task names one of its recipients, the locked port, a UTC time, a
    progress reason "code details" and a carrier reason (a string, or null: it is only valid when
    [4] is a failure to send, and may be empty for a timeout).
    """
    run = batch_run
    records = _fdr(_locked_over(check, run, "failing"))
    check.attach_json("fdr of the failing task", records)
    if not records:
        check.fail("no fdr record of the failing task (fdr is on by default)")
        return
    low, high = utc_window(run.started, timers)
    recipients = run.recipients("failing")
    for record in records:
        shape = (
            isinstance(record, list)
            and len(record) == 6
            and isinstance(record[0], int)
            and isinstance(record[1], str)
            and isinstance(record[2], str)
            and isinstance(record[3], int)
            and isinstance(record[4], str)
            and (record[5] is None or isinstance(record[5], str))
        )
        check.expect(shape, f"fdr record {record!r} (want [int, str, str, int, str, str or null])")
        if not shape:
            continue
        check.expect(
            record[1] in recipients and port_number(record[2]) == run.locked_port,
            f"fdr record {record!r}: recipient of {recipients}, port {run.locked_port}",
        )
        check.expect(
            low <= record[3] <= high, f"fdr time {record[3]} is {record[3] - time.time():+.0f} s from UTC now"
        )
        check.expect(
            status_code(record[4]) is not None, f'fdr progress reason {record[4]!r} (want "code details")'
        )


@pytest.mark.requirement("EJ-TASK-RESULT-NONZERO-NOT-APPLIED")
def test_pause_and_remove_answered_nonzero_are_not_applied(check, batch_run):
    """gateway-2.4 §6.3.3.3: "If task status ID not equal to 0, then means this task not received by
    device."; §6.3.4.3: "If the task's response code is not 0, it indicates that the task is not
    accepted by the device."

    Right after the request, goip_pause_sms and goip_remove_sms named the guarded task (queued
    behind the periodic task) with a wrong password.  Where their result for it is not "0 OK", the
    task must stay as it was: listed by goip_get_tasks as not paused (state 0) and, in the end, sent.
    """
    run = batch_run
    _need(check, run, "guarded")
    tid = run.tasks["guarded"]["tid"]
    results = {}
    for name, resp in run.denied.items():
        data = resp.data if isinstance(resp.data, dict) else {}
        got = [
            r.get("status") for r in data.get("results") or [] if isinstance(r, dict) and r.get("tid") == tid
        ]
        results[name] = got[0] if got else None
    check.attach_json("wrong-password results for the guarded task", results)
    nonzero = [n for n, s in results.items() if status_code(s) not in (0, None)]
    if not nonzero:
        check.skip(f"no non-zero result for the guarded task to grade (results {results!r})")
    if run.guarded_state != "not listed":
        check.expect(
            run.guarded_state in (0, "0"),
            f"after {nonzero} answered {results}, goip_get_tasks lists the task"
            f" with state {run.guarded_state!r}",
        )
    entries = run.entries("guarded")
    last = entries[-1] if entries else {}
    check.expect(
        last.get("sent") == 1,
        f"after {nonzero} answered {results}, the task's last report: {_counters(entries[-1:])}"
        " (want its SMS sent)",
    )
