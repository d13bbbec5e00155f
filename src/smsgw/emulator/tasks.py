"""SMS tasks as state: goip_post_sms validation, per-port send queues, pause/resume/remove/get_tasks,
and status reports (gateway-2.4 §6.3).

A task holds one SMS job per (recipient, port) pair, chosen by the Tips of §6.3.1.3; jobs queue per
port and each port sends one SMS at a time.  Results feed the task's counters (cumulative
``sending/sent/failed/unsent``) and its ``sdr``/``fdr`` records (only those since the previous
report).  A task's report entry goes to the device cache when ``sr_cnt`` results accumulated,
``sr_prd`` elapsed, or the task finished; the cache is pushed as one ``status-report`` when it
holds the device-level ``sr_cnt`` entries or ``sr_prd`` elapsed (§6.3.1.3, first table).
"""

from __future__ import annotations

import base64
import binascii
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from smsgw.emulator.faults import Switches, defect
from smsgw.emulator.ports import PortBank, PortSpecError

#: gateway-2.4 §6.3.1.4, the task status table, texts exactly as written.
TASK_STATUS: dict[int, str] = {
    0: "OK",
    1: "Invalid User",
    2: "Invalid Port",
    3: "USSD Expected",
    4: "Pending USSD",
    5: "SIM Unregistered",
    6: "Timeout",
    7: "Server Error",
    8: "SMS expected",
    9: "TO expected",
    10: "Pending Transaction",
    11: "TID Expected",
    12: "FROM Expected",
    13: "Duplicated TaskId",
    14: "Unauthorized",
    15: "Invalid CMD",
    16: "Too Many Task",
    17: "MMS Title expected",
    18: "Too Many MMS Attachments",
    19: "MMS Attachments expected",
    20: "MMS Attachments Cache size Overlimit",
}
STATUS_TEXT = {code: f"{code} {text}" for code, text in TASK_STATUS.items()}
#: What a device of a shorter table answers instead of a code its document lacks: the MMS codes
#: 17-20 become 15 Invalid CMD (router-2.2 sends SMS only); with a 0-12 table (simple-v2,
#: proxy-gateway) a duplicated or over-limit tid is 10 Pending Transaction, an unauthorised task
#: 1 Invalid User and an unknown command 7 Server Error.
_OLDER_TABLE: dict[int, int] = {13: 10, 14: 1, 15: 7, 16: 10, 17: 15, 18: 15, 19: 15, 20: 15}
OK = STATUS_TEXT[0]
#: pause/resume/remove of a tid the device does not hold (unknown, finished or removed): the 0-12
#: table has no "unknown task" code; "11 TID Expected" is the closest the documents offer.
UNKNOWN_TID = STATUS_TEXT[11]

#: MMS limits, gateway-2.4 §6.3.1.3 attachments: at most 5, 100K in total, jpg/gif/txt/mp3.
MMS_MAX_ATTACHMENTS = 5
MMS_MAX_BYTES = 100 * 1024
MMS_TYPES = frozenset({"jpg", "gif", "txt", "mp3"})
D_MMS_REFUSED = defect("defect.mms-refused", 'an MMS task (smstype 1 or 2) is answered "15 Invalid CMD"')
D_MMS_TITLE_REQUIRED = defect("defect.mms-title-required", 'an MMS with an empty smstitle is answered "17"')
D_MMS_TITLE_ARRAY_UNCHECKED = defect(
    "defect.mms-title-array-unchecked", "smstype 2 without to_title_array is sent to the to numbers"
)
D_MMS_MAX_10 = defect("defect.mms-max-10-attachments", "an MMS may carry up to 10 attachments")
D_MMS_SIZE_UNCHECKED = defect("defect.mms-size-unchecked", "MMS attachments over 100K in total are accepted")
D_MMS_19_AS_8 = defect("defect.mms-19-as-8", 'an MMS without attachment or text is answered "8 SMS expected"')
D_MMS_ANY_TYPE = defect("defect.mms-any-attachment-type", "MMS attachments of any file type are accepted")
D_MMS_FORMAT_LAX = defect(
    "defect.mms-attachment-format-lax", "an MMS attachment without its type is taken as txt"
)
D_SMS_ATTACHMENTS_CHECKED = defect(
    "defect.sms-attachments-checked", "the attachments of an SMS (smstype 0) are checked like an MMS's"
)

D_DUPLICATE_TID = defect("defect.duplicate-tid-accepted", "a tid the device already holds is accepted (0 OK)")
D_PAUSE_IGNORED = defect("defect.pause-ignored", "pause answers 0 OK but the task keeps sending")
D_REPORT_NOT_CUMULATIVE = defect(
    "defect.report-not-cumulative", "status-report sent/failed count only the results since the last report"
)
D_SDR_REPEATED = defect(
    "defect.sdr-repeated", "status-report sdr/fdr repeat every record, not those since the last report"
)
D_REMOVE_IGNORED = defect(
    "defect.remove-ignored", "remove answers 0 OK but the task stays queued and is sent"
)
D_GET_TASKS_STATE = defect("defect.get-tasks-state-wrong", "goip_get_tasks reports paused tasks with state 0")
D_UNKNOWN_TID_OK = defect(
    "defect.unknown-tid-ok", "pause/resume/remove answer 0 OK for a tid the device does not hold"
)
D_RESUME_IGNORED = defect("defect.resume-ignored", "resume answers 0 OK but the task stays paused")
D_NO_TID_ACCEPTED = defect("defect.no-tid-accepted", "a task without tid is accepted as tid 0 (0 OK)")
D_NO_TO_STATUS_7 = defect("defect.no-to-status-7", 'a task without to is answered "7 Server Error", not 9')
D_EMPTY_SMS_ACCEPTED = defect(
    "defect.empty-sms-accepted", "a task without sms is accepted (an empty SMS is queued)"
)
D_BAD_PORT_STATUS_5 = defect(
    "defect.bad-port-status-5",
    'a from naming a port the device lacks is answered "5 SIM Unregistered", not 2',
)
D_SDR_DEFAULT_ON = defect("defect.sdr-default-on", "status-report has sdr of tasks without sdr=1")
D_SDR_NO_TIME = defect("defect.sdr-no-timestamp", "sdr records lack the send time [3]")
D_SDR_LOCAL_TIME = defect("defect.sdr-local-time", "sdr/fdr send times are local time (UTC+8), not UTC")
D_SDR_INDEX_ZERO = defect("defect.sdr-index-zero", "sdr/fdr [0] is always 0, not the recipient's index")
D_TASK_SR_CNT_IGNORED = defect(
    "defect.task-sr-cnt-ignored", "the per-task sr_cnt is ignored: a task is reported every 10 results"
)
D_FROM_COUNTED_FROM_0 = defect(
    "defect.from-counted-from-0", "from counts ports from 0: the SMS leaves the port after the one named"
)
D_CHS_BASE64_IGNORED = defect("defect.chs-base64-ignored", "chs=base64 is ignored: the base64 itself is sent")
D_INTVL_NUMBER_REFUSED = defect(
    "defect.intvl-number-refused", 'an intvl number (not string) is answered "7 Server Error"'
)
D_REFUSED_TASK_QUEUED = defect(
    "defect.refused-task-queued", 'a task answered "8 SMS expected" is queued all the same'
)
D_GET_TASKS_CODING_LOST = defect(
    "defect.get-tasks-coding-lost", "goip_get_tasks lists every task with coding 0"
)
D_GET_TASKS_CONTENT_ALWAYS = defect(
    "defect.get-tasks-content-always", "goip_get_tasks includes sms without has_content=1"
)
D_GET_TASKS_STATE_TEXT = defect(
    "defect.get-tasks-state-text", 'goip_get_tasks state is "normal"/"paused", not 0/1'
)
D_LONG_SMS_REFUSED = defect(
    "defect.long-sms-refused", 'an SMS of more than 300 characters is answered "7 Server Error"'
)
D_SMSTYPE_IGNORED = defect("defect.smstype-ignored", "an unknown smstype is taken as 0 (SMS), not refused")
D_UNREGISTERED_ACCEPTED = defect(
    "defect.unregistered-port-accepted", "a task from a port whose SIM is not registered is answered 0 OK"
)
D_LISTS_SENT = defect(
    "defect.get-tasks-lists-sent", "goip_get_tasks keeps listing tasks whose SMS were all sent"
)
D_UTF8_AS_LATIN1 = defect(
    "defect.utf8-as-latin1", "a utf8 sms is read as Latin-1: non-ASCII text arrives garbled"
)
D_SR_UNSENT_MISSING = defect("defect.sr-unsent-missing", "status-report entries lack unsent")
D_SR_TID_INTERNAL = defect(
    "defect.sr-tid-internal", "status-report tid is the device's own task number, not the tid of the task"
)
D_TASK_SR_PRD_IGNORED = defect(
    "defect.task-sr-prd-ignored",
    "the per-task sr_prd is ignored: a task is reported per sr_cnt results or when done",
)
D_TASK_SR_PRD_0_EVERY_SECOND = defect(
    "defect.task-sr-prd-0-every-second",
    "a per-task sr_prd of 0 reports the task every second instead of never",
)
D_TASK_SR_PRD_DEFAULT_30 = defect(
    "defect.task-sr-prd-default-30",
    "a task without sr_prd is reported every 30 s (the device-level default), not 60",
)
D_TASK_SR_CNT_BELOW_1_KEPT = defect(
    "defect.task-sr-cnt-below-1-kept", "a per-task sr_cnt below 1 is used as given: every result is reported"
)
D_SR_CACHE_PERIOD_IGNORED = defect(
    "defect.sr-cache-period-ignored",
    "cached reports are pushed only when sr_cnt of them are cached: sr_prd never flushes",
)
D_TIMEOUT_NOT_REPORTED = defect(
    "defect.timeout-not-reported",
    "an SMS that times out in the queue is dropped: counted neither sent nor failed",
)
D_FDR_DEFAULT_OFF = defect(
    "defect.fdr-default-off", "fdr failure details are reported only for tasks that set fdr=1"
)
D_FDR_NO_CARRIER = defect("defect.fdr-no-carrier-reason", "fdr records lack the carrier reason [5]")
D_NO_FROM_EVERY_PORT = defect(
    "defect.no-from-every-port",
    "a task without from is sent from every registered port to every recipient (to_all's default 1)",
)
D_FROM_FIRST_PORT_ONLY = defect(
    "defect.from-first-port-only", "a task naming several ports in from is sent from the first of them only"
)
D_PORTS_FIRST_RECIPIENT = defect(
    "defect.ports-first-recipient-only",
    "a task naming several ports and several recipients is sent to its first recipient only",
)
D_TO_ALL_IGNORED = defect(
    "defect.to-all-ignored", "to_all=1 is ignored: without from, one port per recipient"
)
D_INTVL_IGNORED = defect("defect.intvl-ignored", "intvl is ignored: the SMS of a task leave back to back")
D_QUEUE_FULL_STATUS_7 = defect(
    "defect.queue-full-status-7",
    'a task beyond a full queue is answered "7 Server Error", not "16 Too Many Task"',
)


@dataclass(slots=True)
class SendResult:
    ok: bool
    #: carrier reason "code text" for a failure ("" on success)
    carrier: str = ""
    #: progress reason "code text" for a failure
    progress: str = "1 Send Failed"


class Task:
    __slots__ = (
        "all_fdr",
        "all_sdr",
        "chs",
        "coding",
        "dr",
        "failed",
        "fdr",
        "fdr_on",
        "flash",
        "from_spec",
        "intvl",
        "last_report",
        "mms",
        "paused",
        "removed",
        "rep_failed",
        "rep_sent",
        "sdr",
        "sdr_on",
        "sending",
        "sent",
        "since",
        "sms",
        "smsc",
        "smstype",
        "sr_cnt",
        "sr_prd",
        "src_ip",
        "tid",
        "title",
        "tmo",
        "to",
        "total",
    )

    def __init__(self, tid: int, to: str, sms: str, now: float) -> None:
        self.tid = tid
        self.to = to
        self.sms = sms
        self.from_spec = ""
        self.chs = "utf8"
        self.coding = 0
        self.smstype = 0
        self.title = ""
        #: an MMS (smstype 1 or 2): its attachments and the titles of to_title_array by number
        self.mms: tuple[str, dict[str, str]] | None = None
        self.smsc = ""
        self.flash = 0
        self.intvl = 0.0
        self.tmo = 30.0
        self.sdr_on = False
        self.fdr_on = True
        self.dr = False
        self.sr_prd = 60.0
        self.sr_cnt = 10
        self.paused = False
        self.removed = False
        self.total = 0
        self.sending = 0
        self.sent = 0
        self.failed = 0
        self.since = 0
        self.last_report = now
        #: records since the last report; every record (only kept for defect.sdr-repeated)
        self.sdr: list[list[Any]] | None = None
        self.fdr: list[list[Any]] | None = None
        self.all_sdr: list[list[Any]] | None = None
        self.all_fdr: list[list[Any]] | None = None
        self.rep_sent = 0
        self.rep_failed = 0
        self.src_ip = ""

    @property
    def done(self) -> int:
        return self.sent + self.failed

    @property
    def unsent(self) -> int:
        return max(0, self.total - self.sent - self.failed - self.sending)

    @property
    def finished(self) -> bool:
        return self.removed or (self.total > 0 and self.done >= self.total)

    def text(self) -> str:
        """The SMS as UTF-8 text (``chs`` base64 decoded)."""
        if self.chs == "base64":
            try:
                return base64.b64decode(self.sms, validate=False).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                return self.sms
        return self.sms


class Job:
    __slots__ = ("enqueued", "index", "number", "port", "task")

    def __init__(self, task: Task, index: int, number: str, port: int, enqueued: float) -> None:
        self.task = task
        self.index = index
        self.number = number
        self.port = port
        self.enqueued = enqueued


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return default


def parse_attachments(text: str) -> tuple[int, int]:
    """``"txt zsSxvg==;jpg 4AAQ"`` -> (count, decoded bytes); raises ValueError when malformed."""
    count = total = 0
    for raw in text.split(";"):
        item = raw.strip()
        if not item:
            continue
        kind, _, data = item.partition(" ")
        if kind.lower() not in MMS_TYPES or not data.strip():
            raise ValueError(f"bad attachment {kind!r}")
        try:
            total += len(base64.b64decode(data.strip(), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("attachment is not base64") from exc
        count += 1
    return count, total


SendFn = Callable[[Job, int, float], SendResult]
"""(job, slot number, time) -> outcome; the device routes through the virtual network."""


class TaskBoard:
    """The device's SMS tasks and per-port send queues."""

    def __init__(
        self,
        bank: PortBank,
        switches: Switches,
        rng: random.Random,
        *,
        send_time: float = 5.0,
        max_tasks: int = 10_000,
        status_max: int = 20,
    ) -> None:
        self.bank = bank
        #: the highest code of the profile's task-status table (gateway-2.4 20, router-2.2 16,
        #: simple-v2 and proxy-gateway 12: E-EJ-CODE-TABLE-RANGES); no answer goes above it
        self.status_max = status_max
        self.switches = switches
        self.rng = rng
        self.send_time = send_time
        self.max_tasks = max_tasks
        self.tasks: dict[int, Task] = {}
        #: port -> its send queue, made on the port's first SMS (an empty deque costs ~0.6 KB)
        self.queues: dict[int, deque[Job]] = {}
        self.inflight: list[tuple[Job, float, float] | None] = [None] * (bank.n_ports + 1)
        self.ready_at: list[float] = [0.0] * (bank.n_ports + 1)
        self.busy: set[int] = set()
        self.reporting: set[Task] = set()
        #: report entries waiting for the device-level flush (status-report rpts[])
        self.cache: list[dict[str, Any]] = []
        #: finished tasks goip_get_tasks still lists (only kept for defect.get-tasks-lists-sent)
        self.listed_sent: dict[int, list[Task]] = {}
        self.cache_since: float | None = None
        self.accepted = 0
        #: source address of the request being handled (sent-sms src_ip)
        self.src_ip = ""
        self._sendable: list[int] = []
        self._sendable_version = -1

    # -- goip_post_sms ---------------------------------------------------------------------
    def create_all(self, specs: list[Any], now: float) -> list[dict[str, Any]]:
        """Every task object of one goip_post_sms request through :meth:`create`, in order; the
        task-status entries ``{"tid", "status"}``."""
        batch: set[int] = set()
        create = self.create if self.status_max < 20 else self._create
        statuses = []
        for spec in specs:
            tid, status = create(spec, now, batch)
            statuses.append({"tid": tid, "status": status})
        return statuses

    def create(self, spec: Any, now: float, batch: set[int]) -> tuple[int, str]:
        """Validate one task object and queue it; returns (tid to echo, status text), the status
        from the profile's own table (a device of an older document has no code 13-20)."""
        tid, status = self._create(spec, now, batch)
        if self.status_max < 20:
            code = int(status.split(" ", 1)[0])
            while code > self.status_max:
                code = _OLDER_TABLE[code]
            status = STATUS_TEXT[code]
        return tid, status

    def _create(self, spec: Any, now: float, batch: set[int]) -> tuple[int, str]:
        if not isinstance(spec, dict):
            return 0, STATUS_TEXT[11]
        on = self.switches.enabled
        tid = spec.get("tid")
        if tid is None and self.switches.on(D_NO_TID_ACCEPTED):
            tid = 0
        if isinstance(tid, bool) or not isinstance(tid, int) or not 0 <= tid <= 0xFFFFFFFF:
            return 0, STATUS_TEXT[11]
        if (tid in self.tasks or tid in batch) and not self.switches.on(D_DUPLICATE_TID):
            return tid, STATUS_TEXT[13]
        smstype = spec.get("smstype", 0)
        if smstype.__class__ is not int:
            smstype = _int(smstype, -1)
        if smstype not in (0, 1, 2) and self.switches.on(D_SMSTYPE_IGNORED):
            smstype = 0
        if smstype not in (0, 1, 2):
            return tid, STATUS_TEXT[15]
        to = spec.get("to")
        if smstype == 2 and not to:
            pairs = spec.get("to_title_array")
            if isinstance(pairs, list):
                to = ",".join(str(p[0]) for p in pairs if isinstance(p, list) and p)
        if not isinstance(to, (str, int)) or isinstance(to, bool):
            return tid, STATUS_TEXT[7 if self.switches.on(D_NO_TO_STATUS_7) else 9]
        to = to if to.__class__ is str else str(to)
        numbers = (
            [n.strip() for n in to.split(",") if n.strip()]
            if ("," in to or " " in to)
            else ([to] if to else [])
        )
        if not numbers:
            return tid, STATUS_TEXT[9]
        sms = spec.get("sms", "")
        if not isinstance(sms, str):
            return tid, STATUS_TEXT[8]
        if len(sms) > 300 and self.switches.on(D_LONG_SMS_REFUSED):
            return tid, STATUS_TEXT[7]
        intvl = spec.get("intvl")
        if intvl.__class__ is int and self.switches.on(D_INTVL_NUMBER_REFUSED):
            return tid, STATUS_TEXT[7]
        answer = OK
        chs = spec.get("chs", "utf8")
        if chs != "utf8":
            chs = chs.lower() if isinstance(chs, str) else "utf8"
        if smstype == 0:
            if not sms and not self.switches.on(D_EMPTY_SMS_ACCEPTED):
                if not self.switches.on(D_REFUSED_TASK_QUEUED):
                    return tid, STATUS_TEXT[8]
                answer = STATUS_TEXT[8]
            if chs == "base64":
                try:
                    base64.b64decode(sms, validate=True)
                except (binascii.Error, ValueError):
                    return tid, STATUS_TEXT[8]
            if D_SMS_ATTACHMENTS_CHECKED in on and spec.get("attachments"):
                status = self._check_mms(spec, 1, sms)
                if status:
                    return tid, STATUS_TEXT[status]
        else:
            status = self._check_mms(spec, smstype, sms)
            if status:
                return tid, STATUS_TEXT[status]
        from_spec = spec.get("from", "")
        if isinstance(from_spec, int) and not isinstance(from_spec, bool):
            from_spec = str(from_spec)
        if not isinstance(from_spec, str):
            return tid, STATUS_TEXT[2]
        from_spec = from_spec.strip()
        if from_spec:
            try:
                items = self._parse_from(from_spec)
            except PortSpecError:
                return tid, STATUS_TEXT[5 if self.switches.on(D_BAD_PORT_STATUS_5) else 2]
            ports = [p for p in items if self.bank.can_send(p) or self.switches.on(D_UNREGISTERED_ACCEPTED)]
        else:
            ports = self._registered()
        if not ports:
            return tid, STATUS_TEXT[5]
        if len(self.tasks) >= self.max_tasks:
            return tid, STATUS_TEXT[7 if self.switches.on(D_QUEUE_FULL_STATUS_7) else 16]
        task = Task(tid, to if len(numbers) == 1 and to == numbers[0] else ",".join(numbers), sms, now)
        task.src_ip = self.src_ip
        if len(spec) > 3:
            self._options(task, spec, from_spec, chs, smstype)
        if on:
            sw = self.switches
            task.sdr_on = task.sdr_on or sw.on(D_SDR_DEFAULT_ON)
            task.sr_cnt = 10 if sw.on(D_TASK_SR_CNT_IGNORED) else task.sr_cnt
            self._report_defects(task, spec)
            task.chs = "utf8" if sw.on(D_CHS_BASE64_IGNORED) else task.chs
            task.intvl = 0.0 if sw.on(D_INTVL_IGNORED) else task.intvl
            if sw.on(D_UTF8_AS_LATIN1) and task.chs == "utf8":
                task.sms = task.sms.encode().decode("latin-1")
        to_all = spec.get("to_all")
        self._enqueue(task, numbers, ports, bool(from_spec), to_all, now)
        self.tasks[tid] = task
        batch.add(tid)
        self.accepted += 1
        return tid, answer

    @staticmethod
    def _options(task: Task, spec: dict[str, Any], from_spec: str, chs: str, smstype: int) -> None:
        """The optional task attributes (§6.3.1.3); malformed values fall back to the defaults."""
        task.from_spec = from_spec
        task.chs = "base64" if chs == "base64" else "utf8"
        task.smstype = smstype
        coding = _int(spec.get("coding", 0), 0)
        task.coding = coding if coding in (0, 1, 2) else 0
        if "smstitle" in spec and isinstance(spec["smstitle"], str):
            task.title = spec["smstitle"]
        if smstype in (1, 2):
            attachments, pairs = spec.get("attachments", ""), spec.get("to_title_array")
            titles = (
                {str(p[0]): str(p[1]) for p in pairs if isinstance(p, list) and len(p) == 2}
                if smstype == 2 and isinstance(pairs, list)
                else {}
            )
            task.mms = (attachments if isinstance(attachments, str) else "", titles)
        if "smsc" in spec and isinstance(spec["smsc"], str):
            task.smsc = spec["smsc"]
        task.flash = 1 if _int(spec.get("flash_sms", 0), 0) == 1 else 0
        task.intvl = max(0, _int(spec.get("intvl", 0), 0)) / 1000.0
        task.tmo = float(max(1, _int(spec.get("tmo", 30), 30)))
        task.sdr_on = _int(spec.get("sdr", 0), 0) == 1
        task.fdr_on = _int(spec.get("fdr", 1), 1) == 1
        task.dr = _int(spec.get("dr", 0), 0) == 1
        task.sr_prd = float(max(0, _int(spec.get("sr_prd", 60), 60)))
        sr_cnt = _int(spec.get("sr_cnt", 10), 10)
        task.sr_cnt = sr_cnt if sr_cnt >= 1 else 10

    def _report_defects(self, task: Task, spec: dict[str, Any]) -> None:
        """The per-task report settings of a faulty device (only while a switch is on)."""
        sw = self.switches
        if sw.on(D_TASK_SR_PRD_DEFAULT_30) and "sr_prd" not in spec:
            task.sr_prd = 30.0
        if sw.on(D_TASK_SR_PRD_0_EVERY_SECOND) and task.sr_prd == 0:
            task.sr_prd = 1.0
        if sw.on(D_TASK_SR_PRD_IGNORED):
            task.sr_prd = 0.0
        if sw.on(D_TASK_SR_CNT_BELOW_1_KEPT):
            task.sr_cnt = min(task.sr_cnt, max(0, _int(spec.get("sr_cnt", 10), 10)))
        if sw.on(D_FDR_DEFAULT_OFF):
            task.fdr_on = _int(spec.get("fdr", 0), 0) == 1

    def _parse_from(self, spec: str) -> list[int]:
        ports: list[int] = []
        shift = 1 if self.switches.on(D_FROM_COUNTED_FROM_0) else 0
        for named, _slot in _parse_ports(spec, self.bank.n_ports, self.bank.n_slots):
            port = named + shift if named < self.bank.n_ports else named
            if port not in ports:
                ports.append(port)
        return ports

    def _registered(self) -> list[int]:
        if self._sendable_version != self.bank.version:
            self._sendable = self.bank.sendable()
            self._sendable_version = self.bank.version
        return self._sendable

    def _check_mms(self, spec: dict[str, Any], smstype: int, sms: str) -> int:
        sw = self.switches
        if sw.on(D_MMS_REFUSED):
            return 15
        if sw.on(D_MMS_TITLE_REQUIRED) and not spec.get("smstitle"):
            return 17
        if smstype == 2 and not sw.on(D_MMS_TITLE_ARRAY_UNCHECKED):
            pairs = spec.get("to_title_array")
            if not isinstance(pairs, list) or not pairs:
                return 17
            for pair in pairs:
                if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                    return 17
        attachments = spec.get("attachments", "")
        if not isinstance(attachments, str):
            return 19
        if sw.on(D_MMS_FORMAT_LAX) or sw.on(D_MMS_ANY_TYPE):
            items = [a.strip() for a in attachments.split(";") if a.strip()]
            if sw.on(D_MMS_FORMAT_LAX):
                items = [a if " " in a else f"txt {a}" for a in items]
            if sw.on(D_MMS_ANY_TYPE):
                items = [
                    a if a.partition(" ")[0].lower() in MMS_TYPES else "txt " + a.partition(" ")[2]
                    for a in items
                ]
            attachments = ";".join(items)
        try:
            count, size = parse_attachments(attachments)
        except ValueError:
            return 19
        if count == 0 and not sms:
            return 8 if sw.on(D_MMS_19_AS_8) else 19
        if count > (10 if sw.on(D_MMS_MAX_10) else MMS_MAX_ATTACHMENTS):
            return 18
        if size > MMS_MAX_BYTES and not sw.on(D_MMS_SIZE_UNCHECKED):
            return 20
        return 0

    def _enqueue(  # noqa: PLR0917
        self, task: Task, numbers: list[str], ports: list[int], chosen: bool, to_all: Any, now: float
    ) -> None:
        """The Tips of gateway-2.4 §6.3.1.3 with E-EJ-SENDSMS-TO-ALL-DEFAULT: no port -> a random
        registered port per recipient, unless ``to_all`` 1 is given explicitly (every registered
        port sends to every recipient); several ports -> every port sends to every recipient
        (Tips 2 and 3); with ``to_all`` 0 the recipients are spread over the ports instead, one SMS
        per recipient (the simple-v2 §1.3.1.3 note 3 reading)."""
        jobs: list[Job] = []
        every = to_all is not None and _int(to_all, 0) == 1
        if self.switches.enabled:
            sw = self.switches
            every = (every and not sw.on(D_TO_ALL_IGNORED)) or (not chosen and sw.on(D_NO_FROM_EVERY_PORT))
            if chosen and len(ports) > 1:
                ports = ports[:1] if sw.on(D_FROM_FIRST_PORT_ONLY) else ports
                numbers = numbers[:1] if sw.on(D_PORTS_FIRST_RECIPIENT) else numbers
        if not chosen and every:
            jobs.extend(Job(task, i, number, port, now) for i, number in enumerate(numbers) for port in ports)
        elif not chosen:
            for i, number in enumerate(numbers):
                port = ports[0] if len(ports) == 1 else ports[int(self.rng.random() * len(ports))]
                jobs.append(Job(task, i, number, port, now))
        elif to_all is None or _int(to_all, 1) == 1:
            jobs.extend(Job(task, i, number, port, now) for i, number in enumerate(numbers) for port in ports)
        else:
            jobs.extend(Job(task, i, number, ports[i % len(ports)], now) for i, number in enumerate(numbers))
        task.total = len(jobs)
        queues = self.queues
        for job in jobs:
            port = job.port
            queue = queues.get(port)
            if queue is None:
                queue = queues[port] = deque()
            queue.append(job)
            self.busy.add(port)

    # -- pause / resume / remove / get_tasks ------------------------------------------------
    def _targets(self, tids: list[Any] | None) -> Iterable[tuple[Any, Task | None]]:
        if tids is None:
            return ((t.tid, t) for t in list(self.tasks.values()))
        return ((tid, self.tasks.get(tid) if isinstance(tid, int) else None) for tid in tids)

    @property
    def _unknown_tid_status(self) -> str:
        return OK if self.switches.on(D_UNKNOWN_TID_OK) else UNKNOWN_TID

    def _act(
        self,
        tids: list[Any] | None,
        applies: Callable[[Task], bool],
        action: Callable[[Task], None],
    ) -> list[dict[str, Any]]:
        """One result per tid: "0 OK" after ``action`` where ``applies``, else the unknown-tid status."""
        results = []
        for tid, task in self._targets(tids):
            if task is None or not applies(task):
                results.append(
                    {"tid": tid if isinstance(tid, int) else 0, "status": self._unknown_tid_status}
                )
                continue
            action(task)
            results.append({"tid": tid, "status": OK})
        return results

    def pause(self, tids: list[Any] | None) -> list[dict[str, Any]]:
        def act(task: Task) -> None:
            if not self.switches.on(D_PAUSE_IGNORED):
                task.paused = True

        return self._act(tids, lambda t: not (t.finished or t.removed or t.unsent == 0), act)

    def resume(self, tids: list[Any] | None) -> list[dict[str, Any]]:
        def act(task: Task) -> None:
            if not self.switches.on(D_RESUME_IGNORED):
                task.paused = False

        return self._act(tids, lambda t: not t.finished, act)

    def remove(self, tids: list[Any] | None, now: float) -> list[dict[str, Any]]:
        """Delete tasks waiting in the queue (gateway-2.4 §6.2.6): their unsent SMS are dropped;
        an SMS already being sent completes; the task's last report goes out."""

        def act(task: Task) -> None:
            if not self.switches.on(D_REMOVE_IGNORED):
                task.removed = True
                task.total = task.sent + task.failed + task.sending
                if task.sending == 0:
                    self._final(task, now)

        return self._act(tids, lambda t: not t.finished, act)

    def waiting(self, port: int) -> list[Task]:
        """Tasks with SMS waiting in a port's queue, in submission order."""
        seen: dict[int, Task] = {}
        for job in self.queues.get(port, ()):
            task = job.task
            if not task.removed and task.tid not in seen and self.tasks.get(task.tid) is task:
                seen[task.tid] = task
        for task in self.listed_sent.get(port, ()):
            seen.setdefault(task.tid, task)
        return list(seen.values())

    def describe(self, task: Task, content: bool) -> dict[str, Any]:
        sw = self.switches
        paused = task.paused and not sw.on(D_GET_TASKS_STATE)
        item: dict[str, Any] = {
            "tid": task.tid,
            "state": 1 if paused else 0,
            "from": task.from_spec,
            "to": task.to,
            "chs": task.chs,
            "coding": task.coding,
        }
        if content or sw.on(D_GET_TASKS_CONTENT_ALWAYS):
            item["sms"] = task.sms
        if sw:
            item["coding"] = 0 if sw.on(D_GET_TASKS_CODING_LOST) else item["coding"]
            item["state"] = (
                ("paused" if paused else "normal") if sw.on(D_GET_TASKS_STATE_TEXT) else item["state"]
            )
        return item

    # -- sending ---------------------------------------------------------------------------
    def advance(
        self, now: float, send: SendFn, on_done: Callable[[Job, int, float, SendResult], None]
    ) -> None:
        """Run every port's queue up to ``now``: complete due sends, start the next ones."""
        if not self.busy:
            return
        for port in list(self.busy):
            self._run_port(port, now, send, on_done)

    def _run_port(
        self, port: int, now: float, send: SendFn, on_done: Callable[[Job, int, float, SendResult], None]
    ) -> None:
        queue = self.queues[port]
        while True:
            current = self.inflight[port]
            if current is not None:
                job, _started, finish = current
                if finish > now:
                    return
                self.inflight[port] = None
                slot = self.bank.port(port).active
                result = send(job, slot, finish)
                job.task.sending -= 1
                self._record(job, slot, finish, result)
                on_done(job, slot, finish, result)
                self.ready_at[port] = finish + job.task.intvl
                t = finish
            else:
                t = max(self.ready_at[port], 0.0)
            job_next = self._next_job(queue, port, now)
            if job_next is None:
                if not queue:
                    self.busy.discard(port)
                return
            start = max(t, job_next.enqueued, self.ready_at[port])
            if start > now:
                queue.appendleft(job_next)
                return
            job_next.task.sending += 1
            self.reporting.add(job_next.task)
            self.inflight[port] = (job_next, start, start + self.send_time)

    def _next_job(self, queue: deque[Job], port: int, now: float) -> Job | None:
        """Pop the first runnable job: removed tasks' jobs are dropped, paused ones stay queued;
        on a port that cannot send, jobs older than their task's ``tmo`` fail with 6 Timeout."""
        registered = self.bank.can_send(port)
        kept: list[Job] = []
        found: Job | None = None
        while queue:
            job = queue.popleft()
            task = job.task
            if task.removed:
                continue
            if not registered:
                if now - job.enqueued >= task.tmo:
                    fail_at = job.enqueued + task.tmo
                    if self.switches.on(D_TIMEOUT_NOT_REPORTED):
                        task.total -= 1
                        if task.done >= task.total:
                            self._final(task, fail_at)
                        continue
                    result = SendResult(False, "", "6 Timeout")
                    self._record(job, self.bank.port(port).active, fail_at, result)
                    continue
                kept.append(job)
                continue
            if task.paused:
                kept.append(job)
                continue
            found = job
            break
        if kept:
            queue.extendleft(reversed(kept))
        return found

    def _record(self, job: Job, slot: int, at: float, result: SendResult) -> None:
        task = job.task
        name = self.bank.name(self.bank.slot(job.port, slot), self.switches)
        ts = int(at) + (8 * 3600 if self.switches.on(D_SDR_LOCAL_TIME) else 0)
        index = 0 if self.switches.on(D_SDR_INDEX_ZERO) else job.index
        if result.ok:
            task.sent += 1
            if task.sdr_on:
                record: list[Any] = [index, job.number, name, ts]
                if self.switches.on(D_SDR_NO_TIME):
                    record.pop()
                if task.sdr is None:
                    task.sdr = []
                task.sdr.append(record)
                if self.switches.on(D_SDR_REPEATED):
                    if task.all_sdr is None:
                        task.all_sdr = []
                    task.all_sdr.append(record)
        else:
            task.failed += 1
            if task.fdr_on:
                record = [index, job.number, name, ts, result.progress, result.carrier]
                if self.switches.on(D_FDR_NO_CARRIER):
                    record.pop()
                if task.fdr is None:
                    task.fdr = []
                task.fdr.append(record)
                if self.switches.on(D_SDR_REPEATED):
                    if task.all_fdr is None:
                        task.all_fdr = []
                    task.all_fdr.append(record)
        task.since += 1
        if task.finished:
            if self.switches.on(D_LISTS_SENT):
                self.listed_sent.setdefault(job.port, []).append(task)
            self._final(task, at)
        elif task.since >= task.sr_cnt:
            self._report(task, at)
        else:
            self.reporting.add(task)

    # -- status reports --------------------------------------------------------------------
    def _entry(self, task: Task) -> dict[str, Any]:
        sent, failed = task.sent, task.failed
        if self.switches.on(D_REPORT_NOT_CUMULATIVE):
            sent, failed = sent - task.rep_sent, failed - task.rep_failed
        entry: dict[str, Any] = {
            "tid": task.tid,
            "sending": task.sending,
            "sent": sent,
            "failed": failed,
            "unsent": 0 if task.removed else task.unsent,
        }
        if self.switches.on(D_SR_UNSENT_MISSING):
            del entry["unsent"]
        if self.switches.on(D_SR_TID_INTERNAL):
            entry["tid"] = list(self.tasks).index(task.tid) + 1 if task.tid in self.tasks else 0
        repeat = self.switches.on(D_SDR_REPEATED)
        if task.sdr_on:
            entry["sdr"] = list((task.all_sdr if repeat else task.sdr) or ())
        if task.fdr_on:
            entry["fdr"] = list((task.all_fdr if repeat else task.fdr) or ())
        return entry

    def _report(self, task: Task, now: float) -> None:
        self.cache.append(self._entry(task))
        if self.cache_since is None:
            self.cache_since = now
        task.sdr = None
        task.fdr = None
        task.since = 0
        task.rep_sent, task.rep_failed = task.sent, task.failed
        task.last_report = now

    def _final(self, task: Task, now: float) -> None:
        self._report(task, now)
        self.reporting.discard(task)
        if self.tasks.get(task.tid) is task:
            del self.tasks[task.tid]

    def due_reports(self, now: float) -> None:
        """Per-task periodic reports (``sr_prd`` of the task, 0 = off): a task that has started
        is reported every ``sr_prd`` "until all num in this group sending task get a result"
        (gateway-2.4 §6.2.2), with or without new results."""
        for task in list(self.reporting):
            if task.finished:
                self.reporting.discard(task)
            elif task.sr_prd > 0 and now - task.last_report >= task.sr_prd:
                self._report(task, now)

    def take_cache(
        self, now: float, max_count: int, max_age: float, force: bool = False
    ) -> list[dict[str, Any]]:
        """The cached report entries when the device-level flush condition holds, else []."""
        if not self.cache:
            return []
        age_due = self.cache_since is not None and now - self.cache_since >= max_age
        if age_due and self.switches.on(D_SR_CACHE_PERIOD_IGNORED):
            age_due = False
        if force or len(self.cache) >= max_count or age_due:
            out, self.cache, self.cache_since = self.cache, [], None
            return out
        return []

    def next_due(self) -> float:
        """Earliest time something happens in the queues (``inf`` when idle)."""
        nxt = float("inf")
        for port in self.busy:
            current = self.inflight[port]
            nxt = min(nxt, current[2]) if current is not None else min(nxt, self.ready_at[port])
        return nxt

    def clear(self) -> None:
        """Drop every task and queued SMS (reboot, control-API reset)."""
        self.tasks.clear()
        for q in self.queues.values():
            q.clear()
        self.queues.clear()
        self.inflight = [None] * len(self.inflight)
        self.busy.clear()
        self.reporting.clear()
        self.cache.clear()
        self.cache_since = None
        self.listed_sent.clear()

    def unsent_on(self, port: int) -> int:
        return sum(1 for job in self.queues.get(port, ()) if not job.task.removed)

    def sending_on(self, port: int) -> int:
        return 1 if self.inflight[port] is not None else 0

    def state(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "live": len(self.tasks),
            "queued": {str(p): len(q) for p, q in sorted(self.queues.items()) if q},
            "report_cache": len(self.cache),
            "tasks": [
                {
                    "tid": t.tid,
                    "paused": t.paused,
                    "total": t.total,
                    "sending": t.sending,
                    "sent": t.sent,
                    "failed": t.failed,
                    "unsent": t.unsent,
                }
                for t in list(self.tasks.values())[:1000]
            ],
        }


def _parse_ports(spec: str, ports: int, slots: int) -> list[tuple[int, int | None]]:
    from smsgw.emulator.ports import parse_port_spec

    return parse_port_spec(spec, ports, slots)


__all__ = ["OK", "STATUS_TEXT", "TASK_STATUS", "UNKNOWN_TID", "Job", "SendResult", "Task", "TaskBoard"]
