"""SMS endpoints of the Dinstar gateway: send_sms (§2), query_sms_result (§3),
query_sms_deliver_status (§4), query_sms_in_queue (§5), query_incoming_sms (§6), stop_sms (§9),
and the SMS side of :meth:`DinstarDevice.advance` (sending, delivery statuses, their pushes §17)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from smsgw.emulator.dinstar.common import (
    BadRequest,
    as_int,
    as_int_list,
    as_str_list,
    is_number,
    opt_str,
    parse_time,
)
from smsgw.emulator.dinstar.segmentation import ENCODINGS, split
from smsgw.emulator.dinstar.sms import (
    DELIVERED,
    FAILED,
    SENDING,
    SENT_OK,
    STATUS_PERMANENT,
    STATUS_RECEIVED,
    DeliverStatus,
    IncomingSms,
    SmsRecord,
)
from smsgw.emulator.faults import defect
from smsgw.emulator.messages import Request, Response

if TYPE_CHECKING:
    from smsgw.emulator.dinstar.device import DinstarDevice

D_NO_413_NUMBERS = defect("defect.dinstar-no-413-over-128-numbers", "send_sms accepts more than 128 numbers")
D_NO_413_TEXT = defect("defect.dinstar-no-413-over-1500-bytes", "send_sms accepts a text over 1500 bytes")
D_SEND_200 = defect("defect.dinstar-send-sms-200", "send_sms answers error_code 200 instead of 202")
D_USER_ID_32_BIT = defect(
    "defect.dinstar-user-id-32-bit",
    "send_sms answers HTTP 500 for a user_id over 2147483647 (an int32 field)",
)
D_500_ON_ODD_TYPE = defect(
    "defect.dinstar-500-on-unexpected-type",
    "send_sms answers HTTP 500 when a member of the body or of a param element is null or a stray boolean",
)
D_NO_550 = defect(
    "defect.dinstar-no-550", "send_sms accepts a request when no port can send (202 instead of 550)"
)
D_PARAM_LITERAL = defect(
    "defect.dinstar-param-not-substituted", "#param# is sent literally, text_param ignored"
)
D_ENCODING_IGNORED = defect(
    "defect.dinstar-encoding-ignored", "gsm-7bit requests are split as UCS2 (70/67 characters per part)"
)
D_SEGMENTS_MISCOUNTED = defect(
    "defect.dinstar-segments-miscounted",
    "long messages are cut at 160/70 (no room for the concatenation header)",
)
D_REF_ID_MISSING = defect("defect.dinstar-ref-id-missing", "SMS results (answer and push) lack ref_id")
D_REF_ID_NO_WRAP = defect("defect.dinstar-ref-id-not-wrapping", "reference ids grow past 255")
D_USER_ID_MISSING = defect(
    "defect.dinstar-user-id-not-echoed", "SMS results lack the user_id given in send_sms"
)
D_RESULT_413_MISSING = defect(
    "defect.dinstar-query-no-413", "query_sms_result/query_sms_deliver_status accept more than 32 numbers"
)
D_ONE_STATUS_PER_SMS = defect(
    "defect.dinstar-one-deliver-status-per-sms",
    "a multi-part SMS gets one delivery status, not one per segment",
)
D_REPORT_IGNORED = defect(
    "defect.dinstar-status-report-ignored", "request_status_report false still produces delivery statuses"
)
D_RESULT_NOT_PUSHED = defect("defect.dinstar-sms-result-not-pushed", "no sms_result push")
D_UNREAD_NOT_MARKED = defect(
    "defect.dinstar-unread-not-marked-read", "query_incoming_sms flag=unread leaves the messages unread"
)
D_INCOMING_ID_IGNORED = defect(
    "defect.dinstar-incoming-id-ignored",
    "query_incoming_sms ignores incoming_sms_id (returns older messages)",
)
D_COUNTS_SWAPPED = defect(
    "defect.dinstar-read-unread-swapped", "query_incoming_sms swaps the read and unread counts"
)
D_STOP_UNKNOWN_200 = defect(
    "defect.dinstar-stop-unknown-200", "stop_sms of an unknown task answers 200, not 404"
)
# defects the conformance checks kill (conformance/kills/dinstar.yaml)
D_TASK_ID_CONSTANT = defect("defect.dinstar-task-id-constant", "send_sms answers task_id 1 for every task")
D_QUEUE_ZERO = defect("defect.dinstar-queue-count-zero", "sms_in_queue and in_queue are always 0")
D_LIMITS_OFF_BY_ONE = defect(
    "defect.dinstar-limits-off-by-one", "send_sms answers 413 at 128 numbers and at 1500 bytes already"
)
D_REFUSED_QUEUED = defect(
    "defect.dinstar-413-still-queued", "send_sms over 128 numbers answers 413 but queues the messages"
)
D_PORT_REQUIRED = defect("defect.dinstar-port-required", "send_sms without port answers 400")
D_ENCODING_DEFAULT_GSM = defect(
    "defect.dinstar-encoding-default-gsm", "send_sms without encoding splits the text as GSM 7-bit"
)
D_REPORT_DEFAULT_OFF = defect(
    "defect.dinstar-status-report-default-off", "without request_status_report no delivery status is asked"
)
D_SEND_STALLS = defect("defect.dinstar-sms-stuck-sending", "SMS never leave SENDING")
D_FILTERS_IGNORED = defect(
    "defect.dinstar-query-filters-ignored",
    "query_sms_result/query_sms_deliver_status ignore the user_id, number, port and time filters",
)
D_NO_FILTER_EMPTY = defect(
    "defect.dinstar-query-all-empty", "query_sms_result without filters answers nothing"
)
D_STATUS_LOWERCASE = defect(
    "defect.dinstar-result-status-lowercase", 'SMS result statuses are lower case ("sent_ok")'
)
D_STATUS_REGRESSES = defect(
    "defect.dinstar-result-delivered-as-sending", "a delivered SMS is reported SENDING again"
)
D_SUCC_COUNT_ZERO = defect("defect.dinstar-succ-count-zero", "succ_count stays 0 for sent SMS")
D_RESULT_IMSI_EMPTY = defect("defect.dinstar-result-imsi-empty", "SMS results carry an empty imsi")
D_DELIVER_CODE_1 = defect("defect.dinstar-deliver-status-code-1", "received SMS report status_code 1, not 0")
D_DELIVER_REF_UNRELATED = defect(
    "defect.dinstar-deliver-ref-id-unrelated", "delivery statuses carry the ref_id plus 128"
)
D_STOP_IGNORED = defect(
    "defect.dinstar-stop-ignored", "stop_sms answers 200 but the task's SMS are still sent"
)
D_SEND_PORT_SHIFTED = defect(
    "defect.dinstar-send-port-shifted", "send_sms sends through the port after the listed one"
)
D_INCOMING_DEFAULT_ALL = defect(
    "defect.dinstar-incoming-default-all", "query_incoming_sms without flag answers read and unread SMS"
)
D_FLAG_ALL_UNREAD = defect(
    "defect.dinstar-incoming-all-is-unread", "query_incoming_sms flag=all answers only unread"
)
D_INCOMING_ZERO_REFUSED = defect(
    "defect.dinstar-incoming-id-zero-refused", "query_incoming_sms with incoming_sms_id=0 answers 500"
)
D_INCOMING_ID_CONSTANT = defect(
    "defect.dinstar-incoming-id-constant", "every received SMS carries incoming_sms_id 1"
)
D_INCOMING_PORT_IGNORED = defect(
    "defect.dinstar-incoming-port-ignored", "query_incoming_sms ignores the port filter"
)
D_STOP_NO_ID_200 = defect("defect.dinstar-stop-without-task-id-200", "stop_sms without task_id answers 200")

MAX_NUMBERS, MAX_TEXT_BYTES, MAX_QUERY_NUMBERS = 128, 1500, 32
#: user_id is "an integer greater than or equal to 0" (§2.2): any 64-bit one
MAX_USER_ID = 2**63 - 1
#: answers list at most this many received SMS; the client pages with incoming_sms_id (§6.5)
INCOMING_PAGE = 100
_PARAM = re.compile("#param#")


def substitute(text: str, values: list[str]) -> str:
    """Each ``#param#`` takes the next ``text_param`` element (§2.2); missing ones become empty."""
    it = iter(values)
    return _PARAM.sub(lambda _m: next(it, ""), text)


# -- send_sms (§2) -------------------------------------------------------------------------------------
def _odd_types(params: dict[str, Any]) -> bool:
    """A null, or a boolean anywhere but request_status_report, at the top or in a param element."""
    values = [v for k, v in params.items() if k != "request_status_report"]
    entries = params.get("param")
    for entry in entries if isinstance(entries, list) else []:
        values += list(entry.values()) if isinstance(entry, dict) else []
    return any(v is None or isinstance(v, bool) for v in values)


def send_sms(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    sw = dev.switches
    if sw.on(D_500_ON_ODD_TYPE) and _odd_types(params):  # the firmware's unchecked cast crashes
        return Response(500, b"Internal Server Error", "text/plain")
    text = params.get("text")
    entries = params.get("param")
    if not isinstance(text, str):
        raise BadRequest("text is required (a string)")
    if not isinstance(entries, list) or not entries:
        raise BadRequest("param is required (an array of objects)")
    off = 1 if sw.on(D_LIMITS_OFF_BY_ONE) else 0
    too_many = len(entries) > MAX_NUMBERS - off and not sw.on(D_NO_413_NUMBERS)
    if too_many and not sw.on(D_REFUSED_QUEUED):
        raise BadRequest(f"more than {MAX_NUMBERS} numbers", 413)
    if len(text.encode()) > MAX_TEXT_BYTES - off and not sw.on(D_NO_413_TEXT):
        raise BadRequest(f"text over {MAX_TEXT_BYTES} bytes", 413)
    if "port" not in params and sw.on(D_PORT_REQUIRED):
        raise BadRequest("port is required")
    encoding = params.get("encoding", "gsm-7bit" if sw.on(D_ENCODING_DEFAULT_GSM) else "unicode")
    if encoding not in ENCODINGS:
        raise BadRequest("encoding must be 'unicode' or 'gsm-7bit'")
    report = params.get("request_status_report", not sw.on(D_REPORT_DEFAULT_OFF))
    if not isinstance(report, bool):
        raise BadRequest("request_status_report must be true or false")
    allowed: tuple[int, ...] = ()
    if "port" in params:
        allowed = tuple(dict.fromkeys(dev.bank_port(p) for p in as_int_list(params["port"], "port", low=-1)))
        if sw.on(D_SEND_PORT_SHIFTED):
            allowed = tuple(p % dev.n_ports + 1 for p in allowed)
    split_as = "unicode" if sw.on(D_ENCODING_IGNORED) else encoding
    now = dev.clock.now()
    records: list[SmsRecord] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise BadRequest("each param element must be an object")
        number = entry.get("number")
        if not isinstance(number, str) or not is_number(number):
            raise BadRequest("number must be a digit string of at most 24 bytes")
        values = entry.get("text_param", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise BadRequest("text_param must be an array of strings")
        user_id = None
        if "user_id" in entry:  # "an integer greater than or equal to 0" (§2.2): null is not one
            user_id = as_int(entry["user_id"], "user_id", high=MAX_USER_ID)
            if user_id > 2**31 - 1 and sw.on(D_USER_ID_32_BIT):
                return Response(500, b"Internal Server Error", "text/plain")
        body = text if sw.on(D_PARAM_LITERAL) else substitute(text, values)
        segments = split(body, split_as, udh=not sw.on(D_SEGMENTS_MISCOUNTED))
        records.append(SmsRecord(0, number, body, segments, user_id, report, allowed, now))
    candidates = allowed or tuple(p.number for p in dev.bank.ports)
    if not any(dev.can_send(p) for p in candidates) and not sw.on(D_NO_550):
        raise BadRequest("no available port for sending sms", 550)
    task_id = dev.board.submit(records)
    if too_many:  # D_REFUSED_QUEUED: queued, then refused
        raise BadRequest(f"more than {MAX_NUMBERS} numbers", 413)
    task_id = 1 if sw.on(D_TASK_ID_CONSTANT) else task_id
    code = 200 if sw.on(D_SEND_200) else 202
    queued = 0 if sw.on(D_QUEUE_ZERO) else dev.board.in_queue
    return dev.reply(code, sms_in_queue=queued, task_id=task_id)


# -- results (§3, §4) -----------------------------------------------------------------------------------
def _filters(dev: DinstarDevice, params: dict[str, Any]) -> Callable[[int, str, float], bool]:
    numbers: set[str] | None = None
    if "number" in params:
        listed = as_str_list(params["number"], "number", limit=10_000)
        if len(listed) > MAX_QUERY_NUMBERS and not dev.switches.on(D_RESULT_413_MISSING):
            raise BadRequest(f"more than {MAX_QUERY_NUMBERS} numbers", 413)
        if any(len(n.encode()) > 24 for n in listed):
            raise BadRequest("a number is longer than 24 bytes")
        numbers = set(listed)
    ports = (
        {dev.bank_port(p) for p in as_int_list(params["port"], "port", low=-1)} if "port" in params else None
    )
    after = parse_time(params["time_after"], "time_after") if "time_after" in params else None
    before = parse_time(params["time_before"], "time_before") if "time_before" in params else None

    def keep(port: int, number: str, at: float) -> bool:
        return dev.switches.on(D_FILTERS_IGNORED) or (
            (numbers is None or number in numbers)
            and (ports is None or port in ports)
            and (after is None or at >= after)
            and (before is None or at <= before)
        )

    return keep


def result_entry(dev: DinstarDevice, record: SmsRecord) -> dict[str, Any]:
    """One SMS result (§3.3); ``port`` before a port is assigned is the first allowed one."""
    port = record.port or (record.allowed[0] if record.allowed else 1)
    entry: dict[str, Any] = {"port": dev.api_port(port), "number": record.number}
    if record.user_id is not None and not dev.switches.on(D_USER_ID_MISSING):
        entry["user_id"] = record.user_id
    entry["time"] = dev.time(record.time or record.submitted)
    status = SENDING if record.status == DELIVERED and dev.switches.on(D_STATUS_REGRESSES) else record.status
    entry["status"] = status.lower() if dev.switches.on(D_STATUS_LOWERCASE) else status
    entry["count"] = record.count
    entry["succ_count"] = 0 if dev.switches.on(D_SUCC_COUNT_ZERO) else record.succ_count
    if not dev.switches.on(D_REF_ID_MISSING):
        # a message still waiting for a port has no reference id yet: 0 until it is sent
        entry["ref_id"] = max(0, record.ref_id)
    entry["imsi"] = "" if dev.switches.on(D_RESULT_IMSI_EMPTY) else record.imsi
    return entry


def query_sms_result(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    keep = _filters(dev, params)
    user_ids = (
        set(as_int_list(params["user_id"], "user_id", high=MAX_USER_ID)) if "user_id" in params else None
    )
    if dev.switches.on(D_FILTERS_IGNORED):
        user_ids = None
    filters = ("number", "port", "user_id", "time_after", "time_before")
    if dev.switches.on(D_NO_FILTER_EMPTY) and not any(k in params for k in filters):
        return dev.reply(200, result=[])
    result = [
        result_entry(dev, r)
        for r in dev.board.records
        if keep(r.port or (r.allowed[0] if r.allowed else 1), r.number, r.time or r.submitted)
        and (user_ids is None or r.user_id in user_ids)
    ]
    return dev.reply(200, result=result)


def deliver_entry(dev: DinstarDevice, status: DeliverStatus) -> dict[str, Any]:
    return {
        "port": dev.api_port(status.port),
        "number": status.number,
        "time": dev.time(status.time),
        "ref_id": (status.ref_id + 128) % 256 if dev.switches.on(D_DELIVER_REF_UNRELATED) else status.ref_id,
        "status_code": 1
        if status.status_code == 0 and dev.switches.on(D_DELIVER_CODE_1)
        else status.status_code,
        "imsi": status.imsi,
    }


def query_sms_deliver_status(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    keep = _filters(dev, params)
    result = [deliver_entry(dev, d) for d in dev.board.deliveries if keep(d.port, d.number, d.record.time)]
    return dev.reply(200, result=result)


def query_sms_in_queue(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    return dev.reply(200, in_queue=0 if dev.switches.on(D_QUEUE_ZERO) else dev.board.in_queue)


def stop_sms(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    if "task_id" not in params:
        if dev.switches.on(D_STOP_NO_ID_200):
            return dev.reply(200)
        raise BadRequest("task_id is required")
    task_id = as_int(params["task_id"], "task_id")
    if dev.switches.on(D_STOP_IGNORED):
        return dev.reply(200 if task_id in dev.board.tasks else 404)
    if not dev.board.stop(task_id) and not dev.switches.on(D_STOP_UNKNOWN_200):
        return dev.reply(404)
    return dev.reply(200)


# -- incoming (§6) -----------------------------------------------------------------------------------
def incoming_entry(dev: DinstarDevice, sms: IncomingSms) -> dict[str, Any]:
    return {
        "incoming_sms_id": 1 if dev.switches.on(D_INCOMING_ID_CONSTANT) else sms.incoming_sms_id,
        "port": dev.api_port(sms.port),
        "number": sms.number,
        "smsc": sms.smsc,
        "timestamp": dev.time(sms.at),
        "text": sms.text,
    }


def query_incoming_sms(dev: DinstarDevice, params: dict[str, Any], request: Request) -> Response:
    sw = dev.switches
    after = as_int(params.get("incoming_sms_id", 0), "incoming_sms_id")
    if sw.on(D_INCOMING_ZERO_REFUSED) and str(params.get("incoming_sms_id")) == "0":
        raise BadRequest("incoming_sms_id must be positive", 500)
    flag = opt_str(params, "flag") or ("all" if sw.on(D_INCOMING_DEFAULT_ALL) else "unread")
    if flag == "all" and sw.on(D_FLAG_ALL_UNREAD):
        flag = "unread"
    if flag not in ("unread", "read", "all"):
        raise BadRequest("flag must be unread, read or all")
    ports = (
        {dev.bank_port(p) for p in as_int_list(params["port"], "port", low=-1)} if "port" in params else None
    )
    if sw.on(D_INCOMING_PORT_IGNORED):
        ports = None
    chosen: list[IncomingSms] = []
    for sms in dev.inbox.messages:
        if sms.incoming_sms_id <= after and not sw.on(D_INCOMING_ID_IGNORED):
            continue
        if ports is not None and sms.port not in ports:
            continue
        if (flag == "unread" and sms.read) or (flag == "read" and not sms.read):
            continue
        chosen.append(sms)
        if len(chosen) >= INCOMING_PAGE:
            break
    answer = [incoming_entry(dev, s) for s in chosen]
    if not sw.on(D_UNREAD_NOT_MARKED):
        for sms in chosen:
            sms.read = True
    read, unread = dev.inbox.counts()
    if sw.on(D_COUNTS_SWAPPED):
        read, unread = unread, read
    return dev.reply(200, sms=answer, read=read, unread=unread)


# -- sending (advance) --------------------------------------------------------------------------------
def advance(dev: DinstarDevice, now: float) -> None:
    board = dev.board
    board.advance(
        now, lambda: [p.number for p in dev.bank.ports], dev.can_send, _starter(dev), _completer(dev)
    )
    statuses: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for at, record, index, code in board.due_reports(now):
        ref = (
            (record.ref_id + index) % 256 if not dev.switches.on(D_REF_ID_NO_WRAP) else record.ref_id + index
        )
        status = DeliverStatus(record.port, record.number, at, ref, code, record.imsi, record)
        board.deliveries.append(status)
        statuses.append(deliver_entry(dev, status))
        record.delivered[index] = code
        if all(c == STATUS_RECEIVED for c in record.delivered) and record.status == SENT_OK:
            record.status = DELIVERED
            results.append(result_entry(dev, record))
    if statuses:
        dev.outbox.append(("sms_deliver_status", statuses))
    if results and not dev.switches.on(D_RESULT_NOT_PUSHED):
        dev.outbox.append(("sms_result", results))


def _starter(dev: DinstarDevice) -> Callable[[SmsRecord, int, float], None]:
    def start(record: SmsRecord, port: int, at: float) -> None:
        slot = dev.bank.port(port).current
        record.port, record.slot, record.time, record.imsi = port, slot.slot, at, slot.imsi
        wrap = not dev.switches.on(D_REF_ID_NO_WRAP)
        record.ref_id = dev.board.next_ref(port, record.count, wrap=wrap)

    return start


def _completer(dev: DinstarDevice) -> Callable[[SmsRecord, float], None]:
    def complete(record: SmsRecord, at: float) -> None:
        sw = dev.switches
        slot = dev.bank.slot(record.port, record.slot)
        if record.status != SENDING or sw.on(D_SEND_STALLS):
            return
        if not dev.can_send(record.port) or (slot.sms_limit >= 0 and slot.sms_sent >= slot.sms_limit):
            record.status = FAILED
        else:
            delivered = True
            network = dev.network
            route = network.lookup(record.number) if network is not None else None
            if route is not None:
                route.device.deliver(
                    route.port, route.slot, slot.number or "0", record.number, record.text, at
                )
            elif network is not None:
                delivered, _reason = network.external_outcome(record.number)
            slot.sms_sent += 1
            record.status = SENT_OK
            record.succ_count = record.count
            if record.report or sw.on(D_REPORT_IGNORED):
                parts = 1 if sw.on(D_ONE_STATUS_PER_SMS) else record.count
                record.delivered = [None] * parts
                code = STATUS_RECEIVED if delivered else STATUS_PERMANENT
                for index in range(parts):
                    dev.board.reports.append((at + dev.board.report_delay, record, index, code))
        if not sw.on(D_RESULT_NOT_PUSHED):
            dev.outbox.append(("sms_result", [result_entry(dev, record)]))

    return complete


ROUTES: dict[str, Callable[[DinstarDevice, dict[str, Any], Request], Response]] = {
    "/api/send_sms": send_sms,
    "/api/query_sms_result": query_sms_result,
    "/api/query_sms_deliver_status": query_sms_deliver_status,
    "/api/query_sms_in_queue": query_sms_in_queue,
    "/api/query_incoming_sms": query_incoming_sms,
    "/api/stop_sms": stop_sms,
}

__all__ = ["ROUTES", "advance", "incoming_entry", "result_entry", "substitute"]
