"""Status reports: the status-report pushes of send tasks (gateway-2.4 §6.2.2, §6.3.2; router-2.2
§5.3.2; simple-v2 §1.3.2).

Every check reads the run's one SMS exchange (``sms_exchange.py``): three tasks from one port to the
user's numbers, sent with ``sr_url`` pointing at the push receiver and ``sr_cnt`` 1 (each result
is reported at once).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from ejoin_support import json_media_type, port_number
from sms_exchange import utc_window

SR_PUSH = "ejoin/status-report.push"


def _usable(check: Any, exchange: Any) -> None:
    if not exchange.accepted:
        check.skip(f"the device did not take the exchange's tasks: {exchange.statuses!r}")


def _all_entries(pushes: list[Any]) -> list[dict[str, Any]]:
    out = []
    for push in pushes:
        rpts = push.parsed.get("rpts") if isinstance(push.parsed, dict) else None
        out += [e for e in rpts if isinstance(e, dict)] if isinstance(rpts, list) else []
    return out


def _entries(exchange: Any, task: dict[str, Any]) -> list[dict[str, Any]]:
    return exchange.entries(task["tid"])


@pytest.mark.requirement(
    "EJ-SR-PUSH-POST",
    "EJ-SR-URL-FROM-REQUEST-OR-CONFIG",
    "EJ-SR-CONTENT-TYPE",
    "EJ-SR-SCHEMA",
    "EJ-SR-TYPE",
    "EJ-SR-RPT-NUM",
    "EJ-SR-RPTS-ARRAY",
    "EJ-SR-TID-MATCHES-TASK",
    "EJ-SR-COUNTERS-REQUIRED",
    "EJ-SMS-SEND-TID-CORRELATES",
    "EJ-SR-VERSION-PARAM",
)
def test_task_results_are_posted_as_status_reports(check, sms_exchange):
    """gateway-2.4 §6.2.2: "device will send POST request to report one or more task execute
    result"; §6.3.2.3: "Status-report message is a JSON array composed by one or more task send
    report. Parameter "Content-Type" in HTTP head should set to "application/json;charset=utf-8"",
    "type ... Y (status-report)", "rpt_num | string | Report num", "rpts | Array | Detail status
    report", "tid | Int | related task ID", "sending/sent/failed/unsent | Int ... | Y"; Tips 1:
    "tid related to the task ID in the send-sms message."; §6.3.2.2: "Version | API version | 1.1 |
    Y".

    The exchange's request named sr_url: every task's results must be POSTed there.
    """
    exchange = sms_exchange
    _usable(check, exchange)
    pushes = exchange.reports
    tids = {t["tid"] for t in exchange.tasks}
    reported = {e.get("tid") for e in _all_entries(pushes)}
    check.expect(
        bool(pushes) and all(p.method == "POST" for p in pushes),
        f"{len(pushes)} status-report pushes reached the request's sr_url"
        f" (methods {sorted({p.method for p in pushes})})",
        requirement=("EJ-SR-PUSH-POST", "EJ-SR-URL-FROM-REQUEST-OR-CONFIG"),
    )
    check.expect(
        tids <= reported,
        f"tasks {sorted(tids)} submitted, reports name tids {sorted(reported, key=str)}",
        requirement=("EJ-SR-TID-MATCHES-TASK", "EJ-SMS-SEND-TID-CORRELATES"),
    )
    if not pushes:
        check.fail("no status-report push to grade")
        return
    for push in pushes[:6]:
        check.attach_push("status-report", push.body)
        version = parse_qs(push.query or "").get("version")
        check.expect(
            version == ["1.1"], f"status-report URL query {push.query!r}", requirement="EJ-SR-VERSION-PARAM"
        )
        data = push.parsed if isinstance(push.parsed, dict) else {}
        check.schema(SR_PUSH, push.parsed, requirement="EJ-SR-SCHEMA")
        check.expect(
            json_media_type(push.content_type),
            f"status-report Content-Type {push.content_type!r}",
            requirement="EJ-SR-CONTENT-TYPE",
        )
        check.expect(
            data.get("type") == "status-report", f"type {data.get('type')!r}", requirement="EJ-SR-TYPE"
        )
        rpts = data.get("rpts")
        check.expect(
            isinstance(rpts, list) and all(isinstance(e, dict) for e in rpts),
            f"rpts is {type(rpts).__name__}: {str(rpts)[:120]}",
            requirement="EJ-SR-RPTS-ARRAY",
        )
        n = len(rpts) if isinstance(rpts, list) else None
        check.expect(
            str(data.get("rpt_num")) == str(n),
            f"rpt_num {data.get('rpt_num')!r} for {n} reports",
            requirement="EJ-SR-RPT-NUM",
        )
        for entry in rpts if isinstance(rpts, list) else []:
            if not isinstance(entry, dict) or entry.get("tid") not in tids:
                continue
            bad = [k for k in ("sending", "sent", "failed", "unsent") if not isinstance(entry.get(k), int)]
            check.expect(
                not bad,
                f"report of tid {entry.get('tid')} lacks integer {bad}",
                requirement="EJ-SR-COUNTERS-REQUIRED",
            )


@pytest.mark.requirement(
    "EJ-SR-COUNTERS-CUMULATIVE",
    "EJ-SR-FINAL-COUNTS-MATCH-RECIPIENTS",
    "EJ-SR-DETAILS-NOT-REPEATED",
    "EJ-SR-INDEX-IN-GROUP",
    "EJ-SR-TASK-COUNT-DEFAULT-10",
)
def test_group_task_reports_accumulate_counts_and_new_details(check, sms_exchange):
    """gateway-2.4 §6.3.2.3 Tips 2: "sending, sent, failed are accumulated num in one task."; Tips
    3: "Sdr(successfully send record) list records between 2 status-report"; "[0]: recipients num
    index(based on group sending)"; §6.3.1.3: "sr_cnt | Int | Single-state report SMS number ...
    Control only the number of processed messages that have been reported by a single task".

    The exchange's group task has two recipients, sdr=1 and sr_cnt=1: a report per result, whose
    counters never decrease, whose sdr hold only the new result, and whose last report accounts for
    both recipients.
    """
    exchange = sms_exchange
    _usable(check, exchange)
    task = exchange.group
    entries = _entries(exchange, task)
    check.attach_json("reports of the group task", entries)
    recipients = exchange.recipients_of(task)
    check.expect(
        len(entries) >= len(recipients),
        f"{len(entries)} reports of a {len(recipients)}-recipient task with sr_cnt=1",
        requirement="EJ-SR-TASK-COUNT-DEFAULT-10",
    )
    series = {k: [e.get(k) for e in entries] for k in ("sending", "sent", "failed")}
    monotone = all(
        all(isinstance(v, int) for v in values) and values == sorted(values) for values in series.values()
    )
    check.expect(monotone, f"counters over the reports: {series}", requirement="EJ-SR-COUNTERS-CUMULATIVE")
    last = entries[-1] if entries else {}
    total = (last.get("sent") or 0) + (last.get("failed") or 0) if entries else 0
    check.expect(
        total == len(recipients),
        f"last report: sent {last.get('sent')!r} + failed {last.get('failed')!r}"
        f" for {len(recipients)} recipients",
        requirement=("EJ-SR-FINAL-COUNTS-MATCH-RECIPIENTS", "EJ-SR-COUNTERS-CUMULATIVE"),
    )
    details = [d for e in entries for d in (e.get("sdr") or []) + (e.get("fdr") or []) if isinstance(d, list)]
    check.expect(
        len(details) == len(recipients),
        f"{len(details)} sdr/fdr records over the reports for {len(recipients)} results: {details}",
        requirement="EJ-SR-DETAILS-NOT-REPEATED",
    )
    indexes = sorted(d[0] for d in details if d and isinstance(d[0], int))
    check.expect(
        indexes in (list(range(len(recipients))), list(range(1, len(recipients) + 1))),
        f"sdr/fdr indexes {indexes} for recipients {recipients}",
        requirement="EJ-SR-INDEX-IN-GROUP",
    )
    for detail in details:
        if len(detail) > 1 and isinstance(detail[0], int):
            position = detail[0] - min(indexes or [0])
            check.expect(
                0 <= position < len(recipients) and detail[1] == recipients[position],
                f"record {detail} names recipient {detail[1]!r}, index {detail[0]} of {recipients}",
                requirement="EJ-SR-INDEX-IN-GROUP",
            )


@pytest.mark.requirement(
    "EJ-SR-SDR-ONLY-WHEN-ENABLED",
    "EJ-SMS-SEND-SDR-DEFAULT-OFF",
    "EJ-SR-SDR-TUPLE",
    "EJ-SR-TIMESTAMP-UTC",
    "EJ-SMS-SEND-FROM-PORTS",
)
def test_success_details_only_when_asked(check, sms_exchange, timers):
    """gateway-2.4 §6.3.1.3: "sdr | Int | If enable the successfully send report. 1:enable,0:disable.
    | Disable"; §6.3.2.3: "sdr ... [0]: recipients num index(based on group sending),int [1]: num,
    string [2]: SMS sending port(1.01,2.02,...), string [3]: SMS send timestamp in UTC time, int";
    "from | String | Use','-'to assign more than one port( from channel 1 )".

    The exchange's plain task left sdr out: its reports carry no success details.  The single task
    set sdr=1 and from=<port>: its success record names the recipient, that port, and a UTC time.
    """
    exchange = sms_exchange
    _usable(check, exchange)
    plain = _entries(exchange, exchange.plain)
    with_sdr = [e for e in plain if e.get("sdr")]
    check.expect(
        bool(plain) and not with_sdr,
        f"{len(plain)} reports of the task without sdr; with success details: {with_sdr}",
        requirement=("EJ-SR-SDR-ONLY-WHEN-ENABLED", "EJ-SMS-SEND-SDR-DEFAULT-OFF"),
    )
    single = exchange.single
    records = [d for e in _entries(exchange, single) for d in e.get("sdr") or []]
    check.attach_json("sdr of the single task", records)
    if not records:
        check.fail(f"no sdr record for tid {single['tid']} (sdr=1)")
        return
    record = records[0]
    ok = (
        isinstance(record, list)
        and len(record) == 4
        and isinstance(record[0], int)
        and isinstance(record[1], str)
        and isinstance(record[2], str)
        and isinstance(record[3], int)
    )
    check.expect(
        ok, f"sdr record {record!r} (want [index, number, port, UTC time])", requirement="EJ-SR-SDR-TUPLE"
    )
    if not ok:
        return
    check.expect(
        record[1] == single["to"],
        f"sdr number {record[1]!r} for recipient {single['to']!r}",
        requirement="EJ-SR-SDR-TUPLE",
    )
    check.expect(
        port_number(record[2]) == exchange.port,
        f"sdr port {record[2]!r}; the task said from={single['from']!r}",
        requirement="EJ-SMS-SEND-FROM-PORTS",
    )
    low, high = utc_window(exchange.started, timers)
    now = time.time()
    check.expect(
        low <= record[3] <= high,
        f"sdr time {record[3]} is {record[3] - now:+.0f} s from UTC now",
        requirement="EJ-SR-TIMESTAMP-UTC",
    )


@pytest.mark.requirement("EJ-SR-CNT-NUMBER-OR-STRING", "EJ-SR-BATCH-COUNT-FLUSH")
def test_sr_cnt_1_as_a_string_reports_every_result_at_once(check, sms_exchange):
    """gateway-2.4 §6.3.1.3: "sr_cnt | string | Max num of SMS result can keep in cache. | 100 | N |
    1. The buffer number reaches this value,the buffered report is sent immediately, and the timer
    is reset."

    The exchange's request set sr_cnt "1" (a decimal string, as the table types it) and its four
    results come one after the other from one port: each must be pushed alone, at once.
    """
    exchange = sms_exchange
    _usable(check, exchange)
    tids = {t["tid"] for t in exchange.tasks}
    sizes = []
    for push in exchange.reports:
        rpts = push.parsed.get("rpts") if isinstance(push.parsed, dict) else None
        if isinstance(rpts, list) and any(isinstance(e, dict) and e.get("tid") in tids for e in rpts):
            sizes.append(len(rpts))
    check.expect(
        bool(sizes) and all(n == 1 for n in sizes),
        f'reports per status-report push: {sizes} (sr_cnt "1": one each)',
    )
