"""SMS state of a Dinstar gateway: send tasks (§2), results (§3), delivery statuses (§4), the queue
(§5), stop (§9) and received SMS (§6).

Ports here are the bank's (1-based); the device converts to the API's 0-based numbers.  Each
message of a task (one ``param`` entry) is a :class:`SmsRecord`: it waits in the queue, takes a
free registered port among those allowed (round robin), is sent in ``send_time`` device seconds
per segment, gets ``count`` consecutive reference ids (0-255, wrapping, per port; ``ref_id`` is the
first, §3.3, §27.4) and, with ``request_status_report``, one delivery status per segment after
``report_delay`` seconds.  All segment statuses 0 make the result ``DELIVERED``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from smsgw.emulator.dinstar.segmentation import Segments

SENDING, SENT_OK, FAILED, DELIVERED = "SENDING", "SENT_OK", "FAILED", "DELIVERED"
#: §4.3: 0 received by peer, 32-63 temporary error, 64-255 permanent error
STATUS_RECEIVED, STATUS_PERMANENT = 0, 64


@dataclass(slots=True)
class SmsRecord:
    task_id: int
    number: str
    text: str
    segments: Segments
    user_id: int | None
    report: bool
    #: bank ports the message may leave through (empty: any)
    allowed: tuple[int, ...]
    submitted: float
    port: int = 0
    slot: int = 0
    status: str = SENDING
    time: float = 0.0
    due: float = float("inf")
    ref_id: int = -1
    succ_count: int = 0
    imsi: str = ""
    #: segment delivery status codes as they arrive (None: not yet)
    delivered: list[int | None] = field(default_factory=list)

    @property
    def count(self) -> int:
        return self.segments.count


@dataclass(frozen=True, slots=True)
class DeliverStatus:
    port: int
    number: str
    time: float
    ref_id: int
    status_code: int
    imsi: str
    record: SmsRecord


@dataclass(slots=True)
class IncomingSms:
    incoming_sms_id: int
    port: int
    slot: int
    number: str
    smsc: str
    at: float
    text: str
    imsi: str
    read: bool = False


class SmsBoard:
    """Queue, ports in use, results and delivery statuses."""

    def __init__(self, send_time: float = 3.0, report_delay: float = 2.0, max_records: int = 20_000) -> None:
        self.send_time = send_time
        self.report_delay = report_delay
        self.next_task = 1
        self.tasks: dict[int, list[SmsRecord]] = {}
        self.pending: deque[SmsRecord] = deque()
        self.sending: dict[int, SmsRecord] = {}
        self.free_at: dict[int, float] = {}
        self.records: deque[SmsRecord] = deque(maxlen=max_records)
        self.deliveries: deque[DeliverStatus] = deque(maxlen=max_records)
        #: (due, record, segment index, status code)
        self.reports: list[tuple[float, SmsRecord, int, int]] = []
        self.ref_ids: dict[int, int] = {}
        self._rr = 0

    # -- queue -----------------------------------------------------------------------------------
    def submit(self, records: list[SmsRecord]) -> int:
        task_id = self.next_task
        self.next_task += 1
        for record in records:
            record.task_id = task_id
        self.tasks[task_id] = records
        if len(self.tasks) > 10_000:
            self.tasks.pop(next(iter(self.tasks)))
        self.pending.extend(records)
        self.records.extend(records)
        return task_id

    @property
    def in_queue(self) -> int:
        return len(self.pending) + len(self.sending)

    def stop(self, task_id: int) -> bool:
        records = self.tasks.get(task_id)
        if records is None:
            return False
        waiting = {id(r) for r in records if r.status == SENDING and r.due == float("inf")}
        if waiting:
            self.pending = deque(r for r in self.pending if id(r) not in waiting)
            for r in records:
                if id(r) in waiting:
                    r.status = FAILED
        return True

    def busy(self, port: int) -> bool:
        return port in self.sending

    def next_ref(self, port: int, count: int, wrap: bool = True) -> int:
        first = self.ref_ids.get(port, 0)
        nxt = first + count
        self.ref_ids[port] = nxt % 256 if wrap else nxt
        return first

    # -- time --------------------------------------------------------------------------------------
    def advance(
        self,
        now: float,
        ports: Callable[[], Iterable[int]],
        can_send: Callable[[int], bool],
        start: Callable[[SmsRecord, int, float], None],
        complete: Callable[[SmsRecord, float], None],
    ) -> None:
        """Start waiting messages on free ports and complete those whose time has come, in order."""
        progressed = True
        while progressed:
            progressed = False
            for port, record in sorted(self.sending.items(), key=lambda kv: kv[1].due):
                if record.due <= now:
                    del self.sending[port]
                    self.free_at[port] = record.due
                    complete(record, record.due)
                    progressed = True
            if not self.pending:
                continue
            free = [p for p in ports() if p not in self.sending and self.free_at.get(p, 0.0) <= now]
            if not free:
                continue
            keep: deque[SmsRecord] = deque()
            while self.pending:
                record = self.pending.popleft()
                usable = [p for p in free if (not record.allowed or p in record.allowed) and can_send(p)]
                if not usable:
                    keep.append(record)
                    continue
                port = usable[self._rr % len(usable)]
                self._rr += 1
                free.remove(port)
                at = max(self.free_at.get(port, 0.0), record.submitted)
                start(record, port, at)
                record.due = at + self.send_time * record.count
                self.sending[port] = record
                progressed = True
            self.pending = keep

    def due_reports(self, now: float) -> list[tuple[float, SmsRecord, int, int]]:
        ready = [r for r in self.reports if r[0] <= now]
        if ready:
            self.reports = [r for r in self.reports if r[0] > now]
            ready.sort(key=lambda r: r[0])
        return ready

    def next_due(self) -> float:
        dues = [r.due for r in self.sending.values()] + [r[0] for r in self.reports]
        return min(dues, default=float("inf"))

    def clear(self) -> None:
        self.pending.clear()
        self.sending.clear()
        self.reports.clear()
        self.tasks.clear()


class SmsInbox:
    """Received SMS with their read flag (§6): ids grow from 1, never reused."""

    def __init__(self, max_messages: int = 10_000) -> None:
        self.messages: deque[IncomingSms] = deque(maxlen=max_messages)
        self.next_id = 1

    def add(
        self, port: int, slot: int, *, number: str, smsc: str, at: float, text: str, imsi: str
    ) -> IncomingSms:
        sms = IncomingSms(self.next_id, port, slot, number, smsc, at, text, imsi)
        self.next_id += 1
        self.messages.append(sms)
        return sms

    def counts(self) -> tuple[int, int]:
        """(read, unread)."""
        unread = sum(1 for m in self.messages if not m.read)
        return len(self.messages) - unread, unread


__all__ = [
    "DELIVERED",
    "FAILED",
    "SENDING",
    "SENT_OK",
    "DeliverStatus",
    "IncomingSms",
    "SmsBoard",
    "SmsInbox",
    "SmsRecord",
]
