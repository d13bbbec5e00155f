"""Received SMS and delivery reports: the inbox goip_get_sms reads, and the pushes that forward them.

gateway-2.4 §7 (recv-sms, batched by ``sms_cnt``/``sms_prd``), §8 (goip_get_sms: ``ssrc`` new on
every start, ``next_sms``, ``sms_del``), simple-v2 §2 (legacy ``application/octet-stream``
forward, used while ``sms_cnt`` is 1, the default: "this parameter must be set to a value greater
than 1 ... to use the new sending mechanism").
"""

from __future__ import annotations

import base64
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from smsgw.emulator.faults import Switches, defect, quirk
from smsgw.emulator.messages import Push

Q_RECV_TS_STRING = quirk(
    "quirk.recv-sms-ts-string",
    "recv-sms/goip_get_sms [2] timestamp as a string (simple-v2 §4.3)",
    erratum="E-EJ-RECVSMS-TS-STRING",
)
Q_SMS_NUM_INT = quirk(
    "quirk.sms-num-int", "recv-sms sms_num as an integer (the examples)", erratum="E-EJ-RECVSMS-SMSNUM-INT"
)
D_RECV_NOT_BASE64 = defect(
    "defect.recv-sms-plain-text", "recv-sms and goip_get_sms SMS content is plain text, not base64"
)
D_SSRC_CONSTANT = defect("defect.ssrc-constant", "goip_get_sms ssrc does not change when the device restarts")
D_NEXT_SMS_STUCK = defect(
    "defect.next-sms-stuck", "goip_get_sms next_sms does not move past the returned SMS"
)
D_SMS_DEL_IGNORED = defect(
    "defect.sms-del-ignored", "goip_get_sms sms_del=1 does not delete the returned SMS"
)
D_RECV_LOCAL_TIME = defect("defect.recv-sms-local-time", "recv-sms [2] is local time (UTC+8), not UTC")
D_RECV_SWAPPED = defect("defect.recv-sms-addresses-swapped", "recv-sms [3] sender and [4] recipient swapped")
D_RECV_PORT_BARE = defect("defect.recv-sms-port-bare", 'recv-sms [1] is the bare port ("3"), not port.slot')
D_RECV_SMS_NUM_WRONG = defect("defect.recv-sms-num-wrong", 'recv-sms sms_num is always "1"')
D_RECV_TYPE_WRONG = defect("defect.recv-sms-type-wrong", 'recv-sms type is "recv_sms"')
D_RECV_NO_FLAG = defect("defect.recv-sms-no-flag", "recv-sms tuples lack the delivery-report flag [0]")
D_GET_SMS_NUM_TOTAL = defect("defect.get-sms-num-total", "goip_get_sms sms_num counts every stored SMS")
D_SSRC_PER_QUERY = defect("defect.ssrc-per-query", "goip_get_sms answers a new ssrc on every query")
D_GET_SMS_DELETES = defect("defect.get-sms-deletes", "goip_get_sms deletes what it returns, sms_del=1 or not")
D_SMS_NUM_LIMIT_IGNORED = defect("defect.sms-num-limit-ignored", "goip_get_sms ignores sms_num")
D_PUSH_NO_VERSION = defect("defect.push-version-missing", "status-report and recv-sms URLs lack version=1.1")
D_RECV_SIM_SRC_1 = defect("defect.recv-sms-sim-src-1", "recv-sms says sim_src 1 (remote) for local cards")
D_RECV_POOL_PORT_LOCAL = defect(
    "defect.recv-sms-pool-port-local", 'recv-sms names a SIM-pool card "1.01" (port.slot), not "1.sp128.016"'
)
# the legacy octet-stream forward (simple-v2 §2)
D_FWD_NO_QUERY = defect("defect.forward-query-missing", "the SMS forward URL lacks port, sender and receiver")
D_FWD_GBK = defect("defect.forward-gbk", "the SMS forward text is GBK-encoded although no charset was set")
D_FWD_JSON_TYPE = defect("defect.forward-content-type-json", "the SMS forward says application/json")
D_FWD_TEXT_ONLY = defect("defect.forward-text-only", "the SMS forward body is the text without header lines")
D_FWD_SCTS_ISO = defect("defect.forward-scts-iso", 'the SMS forward SCTS is "2025-01-01 00:00:00"')
D_FWD_NO_USER_AGENT = defect("defect.forward-user-agent-missing", "the SMS forward has no User-Agent")
D_DR_CONTENT_TEXT = defect("defect.dr-content-text", 'a delivery report\'s [5] is "DELIVRD", not "code scts"')
D_FWD_NO_LENGTH = defect(
    "defect.forward-no-content-length", "the SMS forward is sent chunked, without a Content-Length"
)
# recv-sms batching (gateway-2.4 §6.3.1.3 sms_cnt/sms_prd)
D_RECV_NOT_BUFFERED = defect(
    "defect.recv-sms-not-buffered", "with sms_cnt > 1 every received SMS is pushed at once, one per recv-sms"
)
D_SMS_PRD_IGNORED = defect(
    "defect.sms-prd-ignored", "received SMS fewer than sms_cnt stay cached: sms_prd never flushes them"
)

#: How many received SMS an emulated device keeps for goip_get_sms (the documents give no capacity;
#: gateway-2.4 §8 pages through "the SMS received by the device").  The oldest is dropped (and
#: counted in ``Inbox.dropped``) when a new one would exceed it, so a long run stays bounded
#: (about 300 bytes a message).
INBOX_LIMIT = 1_000

#: The "Transfer-Encoding: chunked" header of a forward without Content-Length (D_FWD_NO_LENGTH):
#: the push dispatcher then streams the body.
CHUNKED = ("Transfer-Encoding", "chunked")


@dataclass(slots=True)
class Received:
    """One received SMS (``report`` False) or delivery report (``report`` True)."""

    report: bool
    port: str
    time: float
    sender: str
    recipient: str
    #: UTF-8 text of an SMS, or "code scts" of a delivery report
    text: str
    smsc: str = ""
    pool: bool = False

    def tuple(self, switches: Switches) -> list[Any]:
        ts: int | str = int(self.time) + (8 * 3600 if switches.on(D_RECV_LOCAL_TIME) else 0)
        if switches.on(Q_RECV_TS_STRING):
            ts = str(ts)
        plain = self.report or switches.on(D_RECV_NOT_BASE64)
        content = self.text if plain else base64.b64encode(self.text.encode()).decode()
        if self.report and switches.on(D_DR_CONTENT_TEXT):
            content = "DELIVRD"
        if not switches:
            return [1 if self.report else 0, self.port, ts, self.sender, self.recipient, content]
        port = self.port.split(".", 1)[0] if switches.on(D_RECV_PORT_BARE) else self.port
        if self.pool and switches.on(D_RECV_POOL_PORT_LOCAL):
            port = f"{port.split('.', 1)[0]}.01"
        sender, recipient = self.sender, self.recipient
        if switches.on(D_RECV_SWAPPED):
            sender, recipient = recipient, sender
        flag = [] if switches.on(D_RECV_NO_FLAG) else [1 if self.report else 0]
        return [*flag, port, ts, sender, recipient, content]


def with_version(url: str, switches: Switches) -> str:
    """The push URL with the API version parameter: "version | API version | 1.1 | Y" (gateway-2.4
    §6.3.2.2 status-report, §7.2.2 recv-sms)."""
    if not url or switches.on(D_PUSH_NO_VERSION):
        return url
    return f"{url}{'&' if '?' in url else '?'}version=1.1"


def scts(at: float) -> str:
    """SMSC timestamp yyMMddHHmmss + time-zone quarter hours (UTC: 00)."""
    return time.strftime("%y%m%d%H%M%S", time.gmtime(at)) + "00"


class Inbox:
    def __init__(self, ssrc: str, *, sim_src: bool = False) -> None:
        self.ssrc = ssrc
        #: recv-sms carries sim_src (the simple-v2 profile)
        self.sim_src = sim_src
        self.messages: OrderedDict[int, Received] = OrderedDict()
        self.next_id = 1
        self.pending: list[Received] = []
        self.pending_since: float | None = None
        self.received = 0
        #: stored messages dropped (oldest first) to stay within INBOX_LIMIT
        self.dropped = 0

    def add(self, message: Received, now: float) -> int:
        sms_id = self.next_id
        self.next_id += 1
        self.messages[sms_id] = message
        while len(self.messages) > INBOX_LIMIT:
            self.messages.popitem(last=False)
            self.dropped += 1
        self.pending.append(message)
        if self.pending_since is None:
            self.pending_since = now
        self.received += 1
        return sms_id

    def restart(self, ssrc: str, switches: Switches) -> None:
        """A reboot: a new ``ssrc``; the stored messages are renumbered from 1."""
        if not switches.on(D_SSRC_CONSTANT):
            self.ssrc = ssrc
        old = list(self.messages.values())
        self.messages = OrderedDict((i + 1, m) for i, m in enumerate(old))
        self.next_id = len(old) + 1
        self.pending = []
        self.pending_since = None

    def query(self, sms_id: int, sms_num: int, delete: bool, switches: Switches) -> dict[str, Any]:
        """goip_get_sms (§8.2): from ``sms_id``, at most ``sms_num`` (0 = all)."""
        picked: list[tuple[int, Received]] = []
        for mid, message in self.messages.items():
            if mid < sms_id:
                continue
            picked.append((mid, message))
            if sms_num and len(picked) >= sms_num and not switches.on(D_SMS_NUM_LIMIT_IGNORED):
                break
        if picked and not switches.on(D_NEXT_SMS_STUCK):
            next_sms = picked[-1][0] + 1
        else:
            next_sms = max(1, min(sms_id, self.next_id))
        if switches.on(D_SSRC_PER_QUERY):
            self.ssrc = f"{int(self.ssrc, 16) + 1:x}" if self.ssrc.isalnum() else self.ssrc + "1"
        if (delete and not switches.on(D_SMS_DEL_IGNORED)) or switches.on(D_GET_SMS_DELETES):
            for mid, _ in picked:
                del self.messages[mid]
        return {
            "code": 0,
            "reason": "OK",
            "ssrc": self.ssrc,
            "sms_num": len(self.messages) if switches.on(D_GET_SMS_NUM_TOTAL) else len(picked),
            "next_sms": next_sms,
            "data": [m.tuple(switches) for _, m in picked],
        }

    def take_pushes(  # noqa: PLR0917
        self,
        now: float,
        url: str | None,
        sms_cnt: int,
        sms_prd: float,
        switches: Switches,
        force: bool = False,
    ) -> list[Push]:
        """recv-sms batches (``sms_cnt`` > 1) or one legacy forward per SMS (``sms_cnt`` <= 1)."""
        if not self.pending:
            return []
        if not url:
            self.pending, self.pending_since = [], None
            return []
        if sms_cnt <= 1:
            out = [
                self._legacy(m, url, switches) if not m.report else self._batch([m], url, switches)
                for m in self.pending
            ]
            self.pending, self.pending_since = [], None
            return out
        due = self.pending_since is not None and now - self.pending_since >= sms_prd
        if switches.enabled:
            if switches.on(D_RECV_NOT_BUFFERED):
                sms_cnt = 1  # "buffered" one at a time: every SMS goes out at once
            if switches.on(D_SMS_PRD_IGNORED):
                due = False
        pushes: list[Push] = []
        while len(self.pending) >= sms_cnt:
            batch, self.pending = self.pending[:sms_cnt], self.pending[sms_cnt:]
            pushes.extend(self._batches(batch, url, switches))
        if self.pending and (due or force):
            pushes.extend(self._batches(self.pending, url, switches))
            self.pending = []
        if not self.pending:
            self.pending_since = None
        elif pushes:
            self.pending_since = now
        return pushes

    def _batches(self, batch: list[Received], url: str, switches: Switches) -> list[Push]:
        local = [m for m in batch if not m.pool]
        pool = [m for m in batch if m.pool]
        return [self._batch(group, url, switches, self.sim_src) for group in (local, pool) if group]

    @staticmethod
    def _batch(batch: list[Received], url: str, switches: Switches, sim_src: bool = False) -> Push:
        """One recv-sms; ``sim_src`` always present when asked (simple-v2, E-EJ-RECVSMS-SIMSRC)."""
        payload: dict[str, Any] = {"type": "recv_sms" if switches.on(D_RECV_TYPE_WRONG) else "recv-sms"}
        if batch[0].pool or sim_src:
            payload["sim_src"] = 1 if batch[0].pool or switches.on(D_RECV_SIM_SRC_1) else 0
        n = 1 if switches.on(D_RECV_SMS_NUM_WRONG) else len(batch)
        payload["sms_num"] = n if switches.on(Q_SMS_NUM_INT) else str(n)
        payload["sms"] = [m.tuple(switches) for m in batch]
        return Push.json("recv-sms", with_version(url, switches), payload)

    @staticmethod
    def _legacy(message: Received, url: str, switches: Switches) -> Push:
        """simple-v2 §2.1.3: the SMS as text after Sender/SMSC/SCTS header lines."""
        port = message.port.split(".", 1)[0]
        query = urlencode({"port": port, "sender": message.sender, "receiver": message.recipient})
        target = url if switches.on(D_FWD_NO_QUERY) else f"{url}{'&' if '?' in url else '?'}{query}"
        stamp = scts(message.time)
        if switches.on(D_FWD_SCTS_ISO):
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(message.time))
        head = f"Sender: {message.sender}\r\nSMSC: {message.smsc}\r\nSCTS: {stamp}\r\n"
        text = message.text if switches.on(D_FWD_TEXT_ONLY) else f"{head}\r\n{message.text}"
        body = text.encode("gbk", "replace") if switches.on(D_FWD_GBK) else text.encode()
        json_type = switches.on(D_FWD_JSON_TYPE)
        headers = () if switches.on(D_FWD_NO_USER_AGENT) else (("User-Agent", "Ejoin SMSC/1.0"),)
        if switches.on(D_FWD_NO_LENGTH):
            headers = (*headers, CHUNKED)
        return Push(
            "sms-forward",
            target,
            body,
            "application/json; charset=utf-8" if json_type else "application/octet-stream; charset=utf-8",
            headers,
            {
                "query": {"port": port, "sender": message.sender, "receiver": message.recipient},
                "headers": {"Sender": message.sender, "SMSC": message.smsc, "SCTS": scts(message.time)},
                "text": message.text,
            },
        )


__all__ = ["CHUNKED", "INBOX_LIMIT", "Inbox", "Received", "scts", "with_version"]
