"""External acceptance: the third-party PyPI client ``dinstar-uc-api`` (0.1.0, written against real
Dinstar gateways, requests + HTTPDigestAuth) drives the dinstar-uc emulator.

Where the client deviates from dinstar-uc-1.2, the test pins the deviation (with the section it
contradicts) instead of bending the emulator away from the document:

* D1 send_sms: the client treats only error_code 200 as accepted; §2.3 accepts with 202, so
  ``data`` stays None on a conformant gateway.
* D2 send_sms: a batch of one message is sent without its ``user_id`` (§2.2 allows one per number).
* D3 send_sms: batches over 50 messages are refused by the client; §2.3's limit is 128 numbers.
* D4 get_sms_queue: the client POSTs /api/query_sms_queue; §5.1 is GET /api/query_sms_in_queue, so a
  conformant gateway answers 404 and the client crashes on ``None``.
* D5 get_sms / stop_sms: the client POSTs endpoints §6.1 and §9.1 document as GET (the emulator takes
  parameters from the query string and from a JSON body alike, so these work).
* D6 get_port_info: the client's model wants the §10.4 *example* spellings remain_daily_call_time,
  remain_hourly_call_time, remain_daily_connected (the §10.2/§10.3 table says remain_daily_calltime,
  remain_hourly_calltime, remain_daily_connect) and every field at once; a conformant answer makes it
  raise TypeError. It works with the tolerated variant (E-DS-PORTINFO-REMAIN-KEY-SPELLING) switched on.
* D7 STK: the client spells the action "cancle" (§14.2: "cancel"); the gateway refuses it with 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.dinstar.ports_api import INFO_TYPES, Q_PORT_INFO_EXAMPLE_KEYS
from smsgw.emulator.serve import Fleet
from tests.emulator.dinstar.conftest import PASSWORD, USER

dinstar = pytest.importorskip("dinstar", reason="the test extra installs dinstar-uc-api")
from dinstar import DinstarClient  # noqa: E402
from dinstar.sms import DinstarBatchSMS, DinstarSMSMessage  # noqa: E402

EXTERNAL = "8613912345678"


class Gateway:
    def __init__(self, fleet: Fleet, clock: VirtualClock) -> None:
        self.fleet, self.clock = fleet, clock
        self.url = fleet.urls[0]
        device = fleet.devices[0]
        assert isinstance(device, DinstarDevice)
        self.device = device
        self.client = DinstarClient(USER, PASSWORD, self.url, verify_ssl=False)

    def advance(self, seconds: float) -> None:
        """Move the device's virtual clock (the control API also runs the device up to it)."""
        for _ in range(int(seconds)):
            httpx.post(f"{self.url}/_emu/advance", json={"seconds": 1}, timeout=10).raise_for_status()

    def control(self, path: str, body: dict[str, Any]) -> Any:
        answer = httpx.post(f"{self.url}/_emu/{path}", json=body, timeout=10)
        answer.raise_for_status()
        return answer.json()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    clock = VirtualClock()
    config = DeviceConfig(
        profile="dinstar-uc", username=USER, password=PASSWORD, register_time=0.0, send_time=2.0
    )
    with Fleet(1, config, clock=clock) as fleet:
        yield Gateway(fleet, clock)


def test_d1_send_sms_accepted_with_202_is_not_accepted_by_the_client(gateway: Gateway) -> None:
    batch = DinstarBatchSMS(messages=[DinstarSMSMessage(text="hello", number=EXTERNAL, user_id=5)])
    answer = gateway.client.sms.send_sms(batch)
    assert answer.error_code == 202  # §2.3: "202: Request has been accepted"
    assert answer.sn == gateway.device.sn
    assert answer.data is None  # D1: the client only fills data for 200
    # D2: the one-message format drops user_id
    assert [r.user_id for r in gateway.device.board.records] == [None]
    assert gateway.device.board.records[0].text == "hello"


def test_batch_send_then_results_and_delivery_status(gateway: Gateway) -> None:
    messages = [DinstarSMSMessage(text=f"hello {i}", number=EXTERNAL, user_id=i, port=[1]) for i in (1, 2)]
    answer = gateway.client.sms.send_sms(DinstarBatchSMS(messages=messages))
    assert answer.error_code == 202
    assert [r.text for r in gateway.device.board.records] == ["hello 1", "hello 2"]
    gateway.advance(8)
    results = gateway.client.sms.get_sms_result(user_ids=[1, 2])
    assert results.error_code == 200
    assert results.data is not None
    assert [(r.user_id, r.port, r.status) for r in results.data] == [(1, 1, "DELIVERED"), (2, 1, "DELIVERED")]
    statuses = gateway.client.sms.get_sms_delivery_status(ports=[1])
    assert statuses.data is not None
    assert [(s.ref_id, s.status_code) for s in statuses.data] == [(0, 0), (1, 0)]


def test_d3_the_client_refuses_batches_the_document_allows(gateway: Gateway) -> None:
    many = [DinstarSMSMessage(text="x", number=EXTERNAL, user_id=i) for i in range(51)]
    with pytest.raises(ValueError, match="Maximum 50"):
        DinstarBatchSMS(messages=many)
    body = {"text": "x", "param": [{"number": EXTERNAL, "user_id": i} for i in range(128)]}
    raw = gateway.client.sms.send_api_request("/api/send_sms", body)
    assert raw is not None
    assert raw["error_code"] == 202  # §2.3: 413 only above 128 numbers


def test_d4_the_queue_query_uses_an_undocumented_path(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(AttributeError):
        gateway.client.sms.get_sms_queue()
    assert "404" in capsys.readouterr().out  # the conformant gateway has no /api/query_sms_queue
    raw = gateway.client.sms.send_api_request("/api/query_sms_in_queue", method="GET")
    assert raw == {"error_code": 200, "sn": gateway.device.sn, "in_queue": 0}


def test_d5_incoming_sms_read_with_post_and_become_read(gateway: Gateway) -> None:
    gateway.control("sms", {"port": 2, "from": "10010", "text": "first"})
    gateway.control("sms", {"port": 3, "from": "10011", "text": "second"})
    unread = gateway.client.sms.get_sms()
    assert unread.error_code == 200
    assert unread.data is not None
    assert [(m.incoming_sms_id, m.port, m.number, m.text) for m in unread.data] == [
        (1, 2, "10010", "first"),
        (2, 3, "10011", "second"),
    ]
    again = gateway.client.sms.get_sms()
    assert again.data == []  # §6.2: unread messages are read once returned
    everything = gateway.client.sms.get_sms(flag="all", incoming_sms_id=1, ports=[3])
    assert everything.data is not None
    assert [m.text for m in everything.data] == ["second"]


def test_d5_stop_sms_with_post(gateway: Gateway) -> None:
    batch = DinstarBatchSMS(
        messages=[DinstarSMSMessage(text="x", number=EXTERNAL, user_id=i) for i in range(20)]
    )
    gateway.client.sms.send_sms(batch)
    stopped = gateway.client.sms.stop_sms(task_id=1)
    assert stopped.error_code == 200
    assert not gateway.device.board.pending  # what was waiting is stopped; what was on a port is sent
    assert sum(r.status == "FAILED" for r in gateway.device.board.records) >= 20 - gateway.device.n_ports
    assert gateway.client.sms.stop_sms(task_id=9).error_code == 404


def test_d6_port_info_needs_the_example_spellings(gateway: Gateway) -> None:
    with pytest.raises(TypeError):
        gateway.client.port.get_port_info(list(INFO_TYPES), ports=[0, 1])
    raw = gateway.client.port.send_api_request(
        "/api/get_port_info", {"info_type": ",".join(INFO_TYPES), "port": "0"}, method="GET"
    )
    assert raw is not None
    assert "remain_daily_calltime" in raw["info"][0]  # the §10.2 table name
    gateway.control("faults", {"on": [Q_PORT_INFO_EXAMPLE_KEYS]})
    info = gateway.client.port.get_port_info(list(INFO_TYPES), ports=[0, 1])
    assert info.data is not None
    assert [(p.port, p.reg, p.slot) for p in info.data] == [(0, "REGISTER_OK", 0), (1, "REGISTER_OK", 0)]
    assert info.data[0].number == gateway.device.bank.port(1).current.number


def test_set_port_info_power_off(gateway: Gateway) -> None:
    answer = gateway.client.port.set_port_info(port=2, action="power", param="off")
    assert answer.error_code == 200
    assert gateway.device.powered[3] is False


def test_ussd_send_and_reply(gateway: Gateway) -> None:
    sent = gateway.client.ussd.send_ussd("*125#", ports=[0, 1])
    assert sent.error_code == 202
    assert sent.data is not None
    assert [(r.port, r.status) for r in sent.data] == [(0, 200), (1, 200)]
    gateway.advance(3)
    reply = gateway.client.ussd.query_ussd_reply([0])
    assert reply.data is not None
    assert reply.data[0].port == 0
    assert reply.data[0].text.startswith("*125#")


def test_device_status_cdr_and_stk(gateway: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    status = gateway.client.device.get_device_status()
    assert status is not None
    assert status.flash_total == "27648"
    gateway.control("call", {"port": 4, "duration": 12, "destination_number": "6717"})
    cdr = gateway.client.cdr.get_cdr(ports=[4])
    assert cdr.data is not None
    assert [(c.port, c.duration, c.destination_number) for c in cdr.data] == [(4, 12, "6717")]
    view = gateway.client.stk.query_stk_info(0)
    assert view is not None
    assert view.input_type == 2
    assert [i.item_id for i in view.item or []] == [1, 2, 3]
    frame = gateway.client.stk.get_stk_frame_id(0)
    assert gateway.client.stk.send_stk_reply(0, item=1).error_code == 200
    assert gateway.client.stk.get_stk_frame_id(0) == (frame or 0) + 1
    # D7: "cancle" is not an action of §14.2
    assert gateway.client.stk.send_stk_reply(0, action="cancle").error_code == 400
    assert gateway.client.stk.send_stk_reply(0, action="cancel").error_code == 200
    capsys.readouterr()


def test_the_client_never_counted_a_failed_login(gateway: Gateway) -> None:
    gateway.client.sms.send_api_request("/api/query_sms_in_queue", method="GET")
    state = httpx.get(f"{gateway.url}/_emu/state", timeout=10).json()
    assert state["auth"]["challenges"] >= 1
    assert state["auth"]["failed_logins"] == 0


def test_the_client_over_https_with_the_generated_ca() -> None:
    config = DeviceConfig(profile="dinstar-uc", username=USER, password=PASSWORD, register_time=0.0)
    with Fleet(1, config, clock=VirtualClock(), tls=True) as fleet:
        assert fleet.ca_file is not None
        client = DinstarClient(USER, PASSWORD, fleet.urls[0], verify_ssl=fleet.ca_file)  # type: ignore[arg-type]
        assert fleet.urls[0].startswith("https://")
        sent = client.ussd.send_ussd("*100#", ports=[0])
        assert sent.error_code == 202
        assert client.device.get_device_status() is not None
