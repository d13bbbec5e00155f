"""Every Dinstar defect changes what the device does; every Dinstar quirk grades NON-STRICT, never FAIL.

One scenario touches every endpoint and push (auth handshakes, SMS with templates and segments,
incoming SMS, USSD, ports, config, MMS); its transcript (HTTP status, answer, pushes, auth counters)
with a switch on is compared with the conformant device's. A new Dinstar defect that this test
reports unchanged needs the request that shows it added to :func:`scenario`."""

from __future__ import annotations

from typing import Any

import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.dinstar import control
from smsgw.emulator.dinstar.device import DinstarDevice
from smsgw.emulator.faults import catalog
from smsgw.emulator.network import Network
from smsgw.spec.registry import default_registry
from smsgw.verdicts import Verdict
from tests.emulator.dinstar.conftest import PASSWORD, PUSH_URL, USER, call
from tests.emulator.dinstar.test_auth import digest_header

DINSTAR_DEFECTS = sorted(n for n in catalog() if n.startswith("defect.dinstar-"))
DINSTAR_QUIRKS = sorted(
    n for n, s in catalog().items() if s.kind == "quirk" and (s.erratum or "").startswith("E-DS-")
)
Entry = tuple[str, str | None, int, Any]
MMS_CONFIG = {
    "APN": "cmwap",
    "username": "",
    "password": "",
    "MMSC": "http://mmsc",
    "MMS_proxy": "",
    "MMS_port": "80",
}


def scenario(*switches: str) -> list[Entry]:
    """(label, schema name, HTTP status, payload) of everything the device says in the scenario."""
    clock = VirtualClock()
    network = Network(seed=3)
    config = DeviceConfig(
        profile="dinstar-uc",
        username=USER,
        password=PASSWORD,
        register_time=0.0,
        send_time=2.0,
        status_url=PUSH_URL,
        switches=switches,
    )
    dev = DinstarDevice(config, clock, network)
    out: list[Entry] = []

    def pushes(seconds: int) -> None:
        for _ in range(seconds):
            clock.advance(1)
            for push in dev.advance():
                out.append((f"push {push.kind}", f"dinstar/{push.kind}.push", 0, push.payload))

    def req(
        label: str, method: str, path: str, query: str = "", body: Any = b"", *, schema: str | None = None
    ) -> Any:
        response = call(dev, method, path, query, body)
        try:
            payload = response.payload()
        except ValueError:
            payload = response.body.decode(errors="replace")
        out.append((label, schema, response.status, payload))
        return payload

    def api(endpoint: str, body: Any = None, query: str = "") -> Any:
        method = "POST" if body is not None else "GET"
        raw = b"" if body is None else body
        return req(endpoint, method, f"/api/{endpoint}", query, raw, schema=f"dinstar/{endpoint}.response")

    own = dev.bank.port(6).current.number
    pushes(1)
    api("send_sms", {"param": [{"number": own}]})
    req("bad json", "POST", "/api/send_sms", body=b"{oops")
    req(
        "int32 user_id",
        "POST",
        "/api/send_sms",
        body={"text": "x", "param": [{"number": "1", "user_id": 2**31}]},
    )
    req(
        "null encoding",
        "POST",
        "/api/send_sms",
        body={"text": "x", "param": [{"number": "1"}], "encoding": None},
    )
    api("send_sms", {"text": "x", "param": [{"number": "10086"}] * 129})
    api("send_sms", {"text": "x" * 1501, "param": [{"number": "10086"}]})
    dev.board.ref_ids[1] = 254
    long_text = "#param#" + "a" * 319
    api(
        "send_sms",
        {
            "text": long_text,
            "param": [{"number": own, "text_param": ["b"], "user_id": 1}],
            "encoding": "gsm-7bit",
            "port": [0],
        },
    )
    api(
        "send_sms",
        {"text": "quiet", "param": [{"number": "10087", "user_id": 2}], "request_status_report": False},
    )
    for port in dev.powered:
        dev.powered[port] = False
    api("send_sms", {"text": "x", "param": [{"number": "10086"}]})
    for port in dev.powered:
        dev.powered[port] = True
    dev.deliver(3, 1, "10010", "", "first", clock.now())
    dev.deliver(3, 1, "10011", "", "second", clock.now())
    pushes(30)
    api("query_sms_result", {})
    api("query_sms_result", {"number": ["1"] * 33})
    api("query_sms_deliver_status", {})
    api("query_incoming_sms", query="incoming_sms_id=1")
    api("query_incoming_sms")
    api("query_incoming_sms", query="flag=all")
    api("query_incoming_sms", query="incoming_sms_id=0&flag=all&port=0")
    api("stop_sms", query="task_id=99")
    api("stop_sms")
    stopped = api("send_sms", {"text": "stop me", "param": [{"number": "10088"}] * 12, "port": [7]})
    task_id = stopped.get("task_id", 0) if isinstance(stopped, dict) else 0
    api("stop_sms", query=f"task_id={task_id}")
    api("send_sms", {"text": "busy", "param": [{"number": "10086"}], "port": [1]})
    pushes(1)
    api("set_port_info", query="port=2&action=power&param=off")
    api("send_ussd", {"port": [0, 1, 2], "text": "*125#"})
    pushes(3)
    api("query_ussd_reply", query="port=0")
    api("send_sms", {"text": "u" * 71, "param": [{"number": "10089"}]})
    api("send_sms", {"text": "x" * 1500, "param": [{"number": "10089"}] * 128})
    api("query_sms_result", {"user_id": [2]})
    api("set_port_info", query="port=3&action=slot&param=2")
    api("set_port_info", query="port=4&action=power&param=off")
    pushes(1)
    api("set_port_info", query="port=4&action=power&param=on")
    api("set_port_info", query="port=4&action=fly")
    api("set_port_info", query="port=5&action=CallForward&param=Busy&number=10010")
    api("set_port_info", query="port=5&action=CheckCallForward")
    api("get_port_info", query="port=5&info_type=CallForward")
    api("set_port_info", query="port=5&action=CallForward&param=CancelAll")
    api("set_port_info", query="port=5&action=CheckCallForward")
    api("get_port_info", query="port=5&info_type=CallForward")
    api("set_port_info", query="port=6&action=imei&param=358967042917201")
    api("set_port_info", query="port=6&action=number&param=13911112222")
    api("set_port_info", query="port=6&action=reset")
    pushes(1)
    api("get_port_info", query="port=6&info_type=imei,number,reg")
    pushes(1)
    api(
        "get_port_info",
        query="port=3&info_type=" + ",".join(sorted({"slot", "reg", "remain_daily_calltime", "imei"})),
    )
    req("stk", "GET", "/GetSTKView", "port=0", schema="dinstar/getstkview.response")
    req("status", "POST", "/api/get_status", body=["performance"], schema="dinstar/get_status.response")
    trunk = {
        "index": 0,
        "enable": "on",
        "domain": "10.0.0.1",
        "port": 5060,
        "description": "t",
        "check_network_status": "on",
    }
    req(
        "set_config",
        "POST",
        "/api/set_config",
        body={"sip_trunk": [trunk, {**trunk, "index": 1}]},
        schema="dinstar/set_config.response",
    )
    req("get_config", "POST", "/api/get_config", body={"sip_trunk": []}, schema="dinstar/get_config.response")
    req(
        "get_config 0",
        "POST",
        "/api/get_config",
        body={"sip_trunk": [0]},
        schema="dinstar/get_config.response",
    )
    req("mms_file", "POST", "/api/mms_file/file0", body=b"--b\r\nfile\r\n--b--")
    api("mms_configuration", {"port": 0, "configuration": MMS_CONFIG})
    api("mms_configuration", {"port": 40, "configuration": MMS_CONFIG})
    mms = api("send_mms", {"port": 0, "title": "t", "number": "10086", "file_id": 0})
    api("send_mms", {"port": 0, "title": "t", "number": "10086", "file_id": 7})
    mms_id = mms.get("mms_id", 1) if isinstance(mms, dict) else 1
    api("query_mms_sending_status", query=f"mms_id={mms_id}")
    pushes(6)
    api("query_mms_sending_status", query=f"mms_id={mms_id}")
    api("query_mms_sending_status", query="mms_id=99")
    api("socks5_proxy", {"port": 0, "state": "on"})
    api("socks5_proxy", {"port": 0, "state": "off"})
    control.call(dev, {"port": 2, "duration": 3, "direction": "gsm->ip"})
    control.call(dev, {"port": 3, "duration": 0})
    pushes(1)
    api("get_cdr", {})
    api("get_cdr", {"port": [2], "time_after": "2000-01-01 00:00:00"})
    api("get_cdr", {"time_after": "2100-01-01 00:00:00"})
    anonymous = call(dev, "POST", "/api/get_cdr", body={}, headers={})
    out.append(("get_cdr without credentials", None, anonymous.status, None))
    req("stk go", "POST", "/STKGo", body={"port": 1, "item": 1})
    req("stk view", "GET", "/GetSTKView", "port=1", schema="dinstar/getstkview.response")
    req("stk frame", "GET", "/GetSTKCurrFrameIndex", "port=1", schema="dinstar/getstkcurrframeindex.response")
    control.exception(dev, {"port": 1, "type": "call_fail", "action": "none"})
    pushes(1)
    api("set_port_info", query="port=7&action=Power&param=on")
    control.sim(dev, {"port": 7, "pin": "2580"})
    api("set_port_info", query="port=7&action=lock&param=2580")
    api("get_port_info", query="port=7&info_type=reg")
    api("set_port_info", query="port=7&action=unlock&param=2580")
    pushes(1)
    api("get_port_info", query="port=7&info_type=reg")
    api("set_port_info", query="port=7&action=block")
    api("get_port_info", query="port=7&info_type=reg")
    api("set_port_info", query="port=7&action=unblock")
    pushes(1)
    api("get_port_info", query="port=7&info_type=imsi,iccid,reg")
    control.sim(dev, {"port": 7, "present": False})
    api("get_port_info", query="port=7&info_type=imsi,iccid,reg")
    # authentication last: a lockout would hide the rest
    challenge = call(dev, "GET", "/api/query_sms_in_queue", headers={})
    out.append(("no credentials", None, challenge.status, None))
    header = dict(getattr(challenge, "headers", ())).get("WWW-Authenticate", "")
    if header:
        right = digest_header(header, "GET", "/api/query_sms_in_queue")
        for label in ("digest", "replay"):
            answer = call(dev, "GET", "/api/query_sms_in_queue", headers={"authorization": right})
            out.append((label, None, answer.status, None))
        clock.advance(dev.auth.nonce_lifetime + 1)
        stale = call(dev, "GET", "/api/query_sms_in_queue", headers={"authorization": right})
        out.append(("stale", None, stale.status, "stale=true" in str(getattr(stale, "headers", ()))))
        for _ in range(5):
            call(dev, "GET", "/api/query_sms_in_queue", headers={})
    out.append(("auth", None, 0, {k: v for k, v in dev.auth.state().items() if k != "locked_until"}))
    return out


@pytest.fixture(scope="module")
def conformant() -> list[Entry]:
    return scenario()


def test_the_conformant_transcript_grades_pass_everywhere(conformant: list[Entry]) -> None:
    registry = default_registry()
    graded = [(label, registry.grade(schema, payload)) for label, schema, _, payload in conformant if schema]
    assert len(graded) > 30
    assert {g.verdict for _, g in graded} == {Verdict.PASS}, [
        (label, g.errors) for label, g in graded if g.errors
    ]
    assert {status for _, schema, status, _ in conformant if schema and not schema.endswith(".push")} == {200}


@pytest.mark.parametrize("defect", DINSTAR_DEFECTS)
def test_each_defect_changes_the_transcript(conformant: list[Entry], defect: str) -> None:
    broken = scenario(defect)
    assert broken != conformant


@pytest.mark.parametrize("quirk", DINSTAR_QUIRKS)
def test_each_quirk_is_non_strict_and_never_fails(conformant: list[Entry], quirk: str) -> None:
    registry = default_registry()
    transcript = scenario(quirk)
    assert transcript != conformant
    grades = [(label, registry.grade(schema, payload)) for label, schema, _, payload in transcript if schema]
    assert not [(label, g.errors) for label, g in grades if g.verdict is Verdict.FAIL]
    if quirk == "quirk.dinstar-http-status-is-error-code":  # visible in the status line, not the body
        assert {status for _, _, status, _ in transcript} >= {202, 400, 413, 550}
    else:
        assert any(g.verdict is Verdict.NON_STRICT for _, g in grades)


def test_there_are_enough_named_defects() -> None:
    assert len(DINSTAR_DEFECTS) >= 25
    assert all(catalog()[d].description for d in DINSTAR_DEFECTS)
