"""One sample push of every format, as a device sends it on the wire (from the documents' examples).

Used by the tests, the benchmark and ``smsgw receive --help`` readers who want to try a receiver
with curl. :func:`dev_status` builds the normative 7 KB ``dev-status`` of a 32-port gateway.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True)
class SamplePush:
    type: str
    content_type: str
    body: bytes
    query: str = ""
    headers: tuple[tuple[str, str], ...] = field(default=())

    def request_headers(self) -> dict[str, str]:
        return {"Content-Type": self.content_type, **dict(self.headers)}


def json_push(kind: str, document: Any) -> SamplePush:
    return SamplePush(kind, "application/json; charset=utf-8", orjson.dumps(document))


def dev_status(ports: int = 32, seq: int = 1, mac: str = "00-30-f1-01-02-03") -> dict[str, Any]:
    """A normative (PASS) ``dev-status`` (gateway-2.4 §4.1.3); 32 ports make about 7.8 KB."""
    status = [
        {
            "port": f"{n}.01",
            "st": "3 Registered",
            "bal": "12.50",
            "opr": "46001 CHINA UNICOM GSM",
            "imei": "898610599441327",
            "iccid": "89860116289910033431",
            "imsi": "460014978212473",
            "sn": "13800138000",
            "sig": 15,
            "active": 1,
            "inserted": 1,
            "slot_active": 1,
            "led": 0,
        }
        for n in range(1, ports + 1)
    ]
    return {
        "type": "dev-status",
        "seq": seq,
        "expires": 60,
        "mac": mac,
        "ip": "127.0.0.1",
        "ver": "532-604-924-041-100-000",
        "max-ports": ports,
        "max-slots": "4",
        "status": status,
    }


def port_status(port: str = "2.02", seq: int = 1) -> dict[str, Any]:
    return {"type": "port-status", "port": port, "seq": seq, "st": "3 Registered", "bal": "100.00",
            "opr": "46000 China Mobile", "imei": "860000000000001", "imsi": "460001234567890",
            "iccid": "89860012345678901234"}  # fmt: skip


def status_report(tid: int = 7) -> dict[str, Any]:
    """gateway-2.4 §6.3.2.3: one task report with a success and a failure record."""
    return {
        "type": "status-report",
        "rpt_num": 1,
        "rpts": [
            {
                "tid": tid,
                "sending": 0,
                "sent": 1,
                "failed": 1,
                "unsent": 0,
                "sdr": [[0, "10086", "1.01", 1562235746]],
                "fdr": [[1, "10010", "2.01", 1562235750, "2 Send failed", "0 OK"]],
            }
        ],
    }


def recv_sms() -> dict[str, Any]:
    """simple-v2 §4.3 (the timestamp as an integer, the text base64)."""
    text = base64.b64encode(b"Hello from the bench").decode()
    return {"type": "recv-sms", "sms_num": 1, "sms": [[0, "1.02", 1548407412, "8613715266978", "", text]]}


def sent_sms(tid: int = 2) -> dict[str, Any]:
    """simple-v2 §4.4 example."""
    return {"type": "sent-sms", "port": "2.01", "seq": 18, "sms_tid": tid, "src_type": 2, "src_ip": "",
            "src_port": 0, "status": "0", "time": 1562235746, "dur": 330, "recver": "1212222222", "smc": "",
            "charset": "UTF-8", "data": "test sms"}  # fmt: skip


def sms_forward(
    password: str = "root",  # noqa: S107 - the document's example login
    port: str = "4",
    text: str = "Hello, world!",
) -> SamplePush:
    """simple-v2 §2.1.3: the legacy octet-stream SMS forward, credentials in the query string."""
    body = f"Sender: 13510956503\r\nSMSC: 8613010888500\r\nSCTS: 14072322113832\r\n\r\n{text}".encode()
    query = f"username=root&password={password}&port={port}&sender=13510956503"
    return SamplePush("sms-forward", "application/octet-stream; charset=utf-8", body, query)


MMS_BOUNDARY = "032817471092001110508"


def mms() -> SamplePush:
    """gateway-2.4 §11.3 with the elided parts filled in."""
    b = MMS_BOUNDARY
    body = (
        f"--{b}\r\nContent-Type: application/smil\r\nContent-ID: <0.smil>\r\n\r\n<smil></smil>\r\n"
        f'--{b}\r\nContent-Type: image/jpeg; name="IMG_3337.jpg"\r\nContent-Location: IMG_3337.jpg\r\n\r\n'
        "\xff\xd8\xff\xe0JFIF\r\n"
        f"--{b}\r\nContent-Type: text/plain; charset=US-ASCII\r\nContent-Location: text_1.txt\r\n\r\n"
        f"content00\r\n--{b}--\r\n"
    ).encode("latin-1")
    content_type = f'multipart/related; boundary={b}; type="application/smil"; start="<0.smil>"'
    headers = (
        ("Date", "Thu, 28 Mar 2024 09:47:10 GMT"),
        ("Emms-Subject", "c3ViamVjdDAw; charset=US-ASCII"),
        ("Emms-From", "Kzg2MTM3NTEwNjQxMjk=; type=PLMN; charset=UTF-8"),
        ("Emms-To", "ODYxMzU4MDI1Njg0Nw==; type=PLMN; charset=UTF-8"),
    )
    return SamplePush("mms", content_type, body, "", headers)


SN = "da00-0030-1901-2817"

#: dinstar-uc-1.2 §17 examples in normative form (``sn`` a real serial, brackets balanced).
DINSTAR_EVENTS: dict[str, dict[str, Any]] = {
    "sms": {
        "sn": SN,
        "sms": [
            {
                "incoming_sms_id": 1,
                "port": 1,
                "number": "6717",
                "smsc": "+8613800757511",
                "timestamp": "2016-07-12 15:46:18",
                "text": "test",
            }
        ],
    },
    "sms_result": {
        "sn": SN,
        "sms_result": [
            {
                "port": 1,
                "number": "10086",
                "time": "2016-07-12 01:46:02",
                "status": "DELIVERED",
                "count": 1,
                "succ_count": 1,
                "ref_id": 215,
                "imsi": "460004642148063",
            }
        ],
    },
    "sms_deliver_status": {
        "sn": SN,
        "sms_deliver_status": [
            {
                "port": 1,
                "number": "10086",
                "time": "2016-07-12 15:46:53",
                "ref_id": 215,
                "status_code": 0,
                "imsi": "460004642148063",
            }
        ],
    },
    "ussd": {"sn": SN, "ussd": [{"port": 1, "text": "Thank you!"}]},
    "register": {
        "sn": SN,
        "register": [
            {
                "port": 8,
                "iccid": "89860040191844710023",
                "imsi": "460004642148063",
                "number": "13714637674",
                "status": "up",
                "sequence": 2,
                "slot": 2,
            }
        ],
    },
    "cdr": {
        "sn": SN,
        "cdr": [
            {
                "port": 2,
                "start_date": "2015-07-21 16:35:20",
                "answer_date": "2015-07-21 16:35:31",
                "duration": 3,
                "source_number": "1010",
                "destination_number": "6717",
                "direction": "ip->gsm",
                "ip": "172.16.100.136",
                "codec": "G.711U",
                "hangup": "called",
                "gsm_code": 16,
                "bcch": "",
            }
        ],
    },
    "device": {
        "sn": SN,
        "device": {
            "port_number": 32,
            "IP": "172.18.55.142",
            "MAC": "F8-A0-3D-48-E5-19",
            "status": "power_on",
        },
    },
    "exception_info": {"sn": SN, "exception_info": {"port": 0, "type": "call_fail", "action": "reset"}},
}


def every_push() -> list[SamplePush]:
    """One push of every format of both families."""
    pushes = [
        json_push("dev-status", dev_status(ports=4)),
        json_push("port-status", port_status()),
        json_push("status-report", status_report()),
        json_push("recv-sms", recv_sms()),
        json_push("sent-sms", sent_sms()),
        sms_forward(),
        mms(),
    ]
    pushes += [json_push(kind, doc) for kind, doc in DINSTAR_EVENTS.items()]
    return pushes
