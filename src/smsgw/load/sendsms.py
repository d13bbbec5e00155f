"""The send-sms profile's logic, free of Locust: request bodies, answer checks, report matching.

The Locust users of ``load/send_sms.py`` are thin: they call :class:`TaskFactory` for a body,
:func:`check_task_status` on the answer (a failure message or ``None``) and feed the status
reports they see to a :class:`CompletionTracker`, which says which submitted tasks completed and
how long after their submission. Everything here is plain Python, so the pytest process tests it
without importing ``locust`` (which monkey-patches the process on import).

Documents: gateway-2.4 §6.3.1 (goip_post_sms: the send-sms request, the task-status answer, the
``sr_url``/``sr_cnt``/``sr_prd`` report settings), §6.2.2 (status-report: ``rpts`` entries with
``tid``, ``sending``, ``sent``, ``failed``, ``unsent``); dinstar-uc-1.2 §2 (``/api/send_sms``:
``text``, ``param[{number, user_id}]``, ``port``; answer ``error_code`` 202).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

__all__ = [
    "DINSTAR_FINAL",
    "PORT_MODES",
    "Completion",
    "CompletionTracker",
    "SendSmsSettings",
    "TaskFactory",
    "TidAllocator",
    "check_dinstar_send",
    "check_task_status",
    "dinstar_body",
    "task_status_codes",
]

#: how a task chooses its sending port (``from``): none (the device picks), cycling, random
PORT_MODES = ("any", "round-robin", "random")
#: tids are 32-bit (gateway-2.4 §6.3.1.3: "tid ... integer"; the emulator takes 0..2**32-1)
_TID_BITS = 32
_WORKER_BITS = 8
_COUNTER_BITS = _TID_BITS - _WORKER_BITS


@dataclass(frozen=True, slots=True)
class SendSmsSettings:
    """What one send-sms request carries (the profile's parameters)."""

    tasks_per_request: int = 1
    recipients_per_task: int = 1
    port_mode: str = "any"
    ports: int = 32
    text: str = "smsgw load test"
    recipient_prefix: str = "+1555"
    #: where the device pushes its status reports (top-level ``sr_url``); None: no reports asked
    sr_url: str | None = None
    sr_cnt: int = 1
    sr_prd: int = 1

    def __post_init__(self) -> None:
        if self.tasks_per_request < 1 or self.recipients_per_task < 1 or self.ports < 1:
            raise ValueError("tasks per request, recipients per task and ports must be >= 1")
        if self.port_mode not in PORT_MODES:
            raise ValueError(f"port mode {self.port_mode!r}: one of {', '.join(PORT_MODES)}")


class TidAllocator:
    """Unique task ids for one load process: ``worker`` in the top 8 bits, a counter below.

    Two Locust workers (``worker`` = Locust's worker index, 0..255) never hand out the same tid;
    the counter starts at a random offset so that two runs against the same long-lived gateway
    do not collide with tasks the gateway still holds ("13 Duplicated TaskId") either.
    """

    __slots__ = ("_base", "_next")

    def __init__(self, worker: int = 0, start: int | None = None) -> None:
        if not 0 <= worker < (1 << _WORKER_BITS):
            raise ValueError(f"worker index {worker} out of 0..{(1 << _WORKER_BITS) - 1}")
        self._base = worker << _COUNTER_BITS
        mask = (1 << _COUNTER_BITS) - 1
        self._next = (start if start is not None else random.getrandbits(_COUNTER_BITS - 2)) & mask

    def __call__(self) -> int:
        tid = self._base | self._next
        self._next = (self._next + 1) & ((1 << _COUNTER_BITS) - 1)
        return tid


class TaskFactory:
    """goip_post_sms bodies with fresh tids; ``build()`` returns (body bytes, tids in it)."""

    def __init__(self, settings: SendSmsSettings, tids: TidAllocator, seed: int | None = None) -> None:
        self.settings = settings
        self.tids = tids
        self._rng = random.Random(seed)  # noqa: S311 (load data, not crypto)
        self._port = 0
        self._number = 0
        # the body is assembled from pre-encoded pieces (a dict + orjson.dumps per request costs
        # several times more; the load generator's CPU is the measurement's ceiling)
        head: dict[str, Any] = {"type": "send-sms"}
        if settings.sr_url:
            head.update({"sr_url": settings.sr_url, "sr_cnt": settings.sr_cnt, "sr_prd": settings.sr_prd})
        self._head = orjson.dumps(head)[:-1] + b',"task_num":%d,"tasks":[' % settings.tasks_per_request
        self._sms = b',"sms":' + orjson.dumps(settings.text)
        self._prefix = orjson.dumps(settings.recipient_prefix)[1:-1]
        #: the common case (one task, one recipient, any port): the whole body is one %-template
        self._single: bytes | None = None
        s = settings
        if (s.tasks_per_request, s.recipients_per_task, s.port_mode) == (1, 1, "any"):
            literal = (self._head + b'{"tid":\0,"to":"' + self._prefix + b'\1"' + self._sms + b"}]}").replace(
                b"%", b"%%"
            )
            self._single = literal.replace(b"\0", b"%d").replace(b"\1", b"%07d")

    def _from(self) -> str | None:
        s = self.settings
        if s.port_mode == "round-robin":
            self._port = self._port % s.ports + 1
            return str(self._port)
        if s.port_mode == "random":
            return str(self._rng.randint(1, s.ports))
        return None

    def _recipients(self) -> bytes:
        numbers = []
        prefix = self._prefix
        for _ in range(self.settings.recipients_per_task):
            self._number = (self._number + 1) % 10_000_000
            numbers.append(b"%s%07d" % (prefix, self._number))
        return b",".join(numbers)

    def build(self) -> tuple[bytes, list[int]]:
        """(body, tids): ``{"type":"send-sms",[sr_url...,]"task_num":n,"tasks":[{tid,to,sms[,from]}]}``."""
        if self._single is not None:
            tid = self.tids()
            self._number = number = (self._number + 1) % 10_000_000
            return self._single % (tid, number), [tid]
        tasks: list[bytes] = []
        tids: list[int] = []
        for _ in range(self.settings.tasks_per_request):
            tid = self.tids()
            port = self._from()
            tail = b"}" if port is None else b',"from":"%s"}' % port.encode()
            tasks.append(b'{"tid":%d,"to":"%s"%s%s' % (tid, self._recipients(), self._sms, tail))
            tids.append(tid)
        return self._head + b",".join(tasks) + b"]}", tids


def check_task_status(status: int, body: bytes, tids: list[int]) -> str | None:
    """The failure of a goip_post_sms answer, or None when every task was taken ("0 OK").

    The message names the first non-OK task status code only (``task status 13``), never a tid
    or a count, so Locust's failure table groups by cause; :func:`task_status_codes` counts the
    codes of every task."""
    if status != 200:
        return f"HTTP {status}"
    if body == _ok_answer(tids):  # the compact all-OK answer, byte for byte: no parsing needed
        return None
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "answer is not JSON"
    if not isinstance(answer, dict):
        return "answer is not a JSON object"
    if answer.get("code") != 200:
        return f"code {answer.get('code')!r}"
    if answer.get("type") != "task-status":
        return f"type {answer.get('type')!r}, not task-status"
    statuses = answer.get("status")
    if not isinstance(statuses, list) or len(statuses) != len(tids):
        return "status list does not match the tasks"
    for entry, tid in zip(statuses, tids, strict=True):
        if not isinstance(entry, dict) or entry.get("tid") != tid:
            return "task-status tid not echoed"
        text = entry.get("status")
        if text != "0 OK":
            return f"task status {_code_of(text)}"
    return None


def task_status_codes(body: bytes) -> dict[str, int]:
    """How many tasks of a task-status answer were *not* taken ("0 OK" exactly), by status code
    (``{"13": 2}``; "0 Success" counts under "0"); empty when the answer has no readable status
    list. Used on the failure path only."""
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    statuses = answer.get("status") if isinstance(answer, dict) else None
    counts: dict[str, int] = {}
    for entry in statuses if isinstance(statuses, list) else ():
        text = entry.get("status") if isinstance(entry, dict) else None
        if text != "0 OK":
            code = _code_of(text)
            counts[code] = counts.get(code, 0) + 1
    return counts


def _code_of(text: Any) -> str:
    if isinstance(text, str):
        return text.split(" ", 1)[0]
    return repr(text)


def _ok_answer(tids: list[int]) -> bytes:
    if len(tids) == 1:
        return (
            b'{"code":200,"reason":"OK","type":"task-status","status":[{"tid":%d,"status":"0 OK"}]}' % tids[0]
        )
    entries = b",".join(b'{"tid":%d,"status":"0 OK"}' % t for t in tids)
    return b'{"code":200,"reason":"OK","type":"task-status","status":[' + entries + b"]}"


def check_simple_answer(status: int, body: bytes, code: int = 200) -> str | None:
    """The failure of a pause/resume/get_tasks answer (``code`` 200, JSON), or None."""
    if status != 200:
        return f"HTTP {status}"
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "answer is not JSON"
    if not isinstance(answer, dict):
        return "answer is not a JSON object"
    got = answer.get("code", answer.get("code "))
    if got != code:
        return f"code {got!r}"
    return None


# -- completion: status reports matched to submitted tids -----------------------------------------
class Completion(NamedTuple):
    """A submitted task (Ejoin tid) or SMS (Dinstar user_id) whose final report or result arrived:
    ``latency`` seconds after submission. A tuple: the poller makes one per completed request."""

    tid: int
    latency: float
    sent: int
    failed: int


#: Dinstar sms_result statuses (dinstar-uc-1.2 §3.3) that end the sending: the first one counts
DINSTAR_FINAL = {"SENT_OK": (1, 0), "DELIVERED": (1, 0), "FAILED": (0, 1)}


@dataclass
class CompletionTracker:
    """Submitted tids waiting for their final status report (Kannel test_smsc's idea: the time from
    submit to report is a metric of its own).

    A report entry completes a task when nothing is left to send (``sending`` and ``unsent`` 0).
    Entries of tids this process did not submit (another worker's) are ignored. ``max_pending``
    bounds memory: the oldest pending tids are forgotten (and counted in ``forgotten``).

    The same tracker matches Dinstar ``sms_result`` pushes (:meth:`on_sms_result`): the ids are
    the ``user_id`` of each number of ``/api/send_sms``.
    """

    max_pending: int = 1_000_000
    pending: dict[int, float] = field(default_factory=dict)
    completed: int = 0
    forgotten: int = 0
    foreign: int = 0

    def submitted(self, tids: Iterable[int], at: float | None = None) -> None:
        at = time.time() if at is None else at
        pending = self.pending
        for tid in tids:
            pending[tid] = at
        if len(pending) > self.max_pending:
            self._trim()

    def _trim(self) -> None:
        pending = self.pending
        while len(pending) > self.max_pending:
            del pending[next(iter(pending))]
            self.forgotten += 1

    def forget(self, tids: Iterable[int]) -> None:
        for tid in tids:
            self.pending.pop(tid, None)

    def on_report(self, payload: Any, received_at: float | None = None) -> list[Completion]:
        """The tasks a status-report payload completes (``received_at``: when it arrived, epoch s)."""
        rpts = payload.get("rpts") if isinstance(payload, dict) else None
        if not isinstance(rpts, list):
            return []
        at = time.time() if received_at is None else received_at
        done: list[Completion] = []
        pending = self.pending
        foreign = 0
        for entry in rpts:
            if not isinstance(entry, dict):
                continue
            tid: Any = entry.get("tid")
            # the poller's hot loop: counters are ints in every report seen so far; _int() the rest
            submitted = pending.get(tid) if tid.__class__ is int else None
            if submitted is None:
                foreign += 1
                continue
            sending, unsent = entry.get("sending"), entry.get("unsent")
            if (sending if sending.__class__ is int else _int(sending)) or (
                unsent if unsent.__class__ is int else _int(unsent)
            ):
                continue
            del pending[tid]
            sent, failed = entry.get("sent"), entry.get("failed")
            done.append(
                Completion(
                    tid,
                    at - submitted if at > submitted else 0.0,
                    sent if sent.__class__ is int else _int(sent),
                    failed if failed.__class__ is int else _int(failed),
                )
            )
        self.foreign += foreign
        self.completed += len(done)
        return done

    def on_sms_result(self, payload: Any, received_at: float | None = None) -> list[Completion]:
        """The SMS a Dinstar ``sms_result`` push completes (dinstar-uc-1.2 §17, entries as §3.3).

        An SMS completes at its first final result (``SENT_OK``, ``DELIVERED`` or ``FAILED``; a
        ``SENDING`` one is not final) whose ``user_id`` this process submitted; ``sent``/``failed``
        are 1/0 or 0/1. Later results of the same SMS (``DELIVERED`` after ``SENT_OK``) find
        nothing pending and count as ``foreign``, like results of SMS sent by others."""
        results = payload.get("sms_result") if isinstance(payload, dict) else None
        if not isinstance(results, list):
            return []
        at = time.time() if received_at is None else received_at
        done: list[Completion] = []
        pending = self.pending
        for entry in results:
            if not isinstance(entry, dict):
                continue
            user_id: Any = entry.get("user_id")
            submitted = pending.get(user_id) if user_id.__class__ is int else None
            if submitted is None:
                self.foreign += 1
                continue
            status = entry.get("status")
            outcome = DINSTAR_FINAL.get(status.upper()) if isinstance(status, str) else None
            if outcome is None:
                continue
            del pending[user_id]
            self.completed += 1
            done.append(Completion(user_id, max(0.0, at - submitted), *outcome))
        return done


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


# -- Dinstar UC /api/send_sms (dinstar-uc-1.2 §2) -------------------------------------------------
def dinstar_body(numbers: list[str], text: str, user_ids: list[int], ports: list[int] | None = None) -> bytes:
    """A ``/api/send_sms`` body: one ``param`` entry per number, each with its ``user_id``."""
    body: dict[str, Any] = {
        "text": text,
        "param": [{"number": n, "user_id": u} for n, u in zip(numbers, user_ids, strict=True)],
    }
    if ports:
        body["port"] = ports
    return orjson.dumps(body)


def check_dinstar_send(status: int, body: bytes) -> str | None:
    """The failure of a ``/api/send_sms`` answer (``error_code`` 202 expected, §2.3), or None."""
    if status != 200:
        return f"HTTP {status}"
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "answer is not JSON"
    if not isinstance(answer, dict):
        return "answer is not a JSON object"
    if answer.get("error_code") != 202:
        return f"error_code {answer.get('error_code')!r}"
    return None
