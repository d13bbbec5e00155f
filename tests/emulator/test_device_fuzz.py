"""No request makes the device answer a 5xx (property test over paths, queries and bodies)."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import Device, DeviceConfig
from smsgw.emulator.messages import Request
from smsgw.emulator.network import Network

PATHS = [
    "/goip_get_status.html",
    "/goip_send_cmd.html",
    "/goip_post_sms.html",
    "/goip_pause_sms.html",
    "/goip_resume_sms.html",
    "/goip_remove_sms.html",
    "/goip_get_tasks.html",
    "/goip_get_sms.html",
    "/goip_get_sms_stat.html",
    "/goip_get_call_stat.html",
    "/goip_get_esims.html",
    "/goip_write_esims.html",
    "/goip_delete_esims.html",
    "/crypt_sess.json",
    "/proxy",
    "/ip_white_list",
    "/nope",
]
KEYS = [
    "op",
    "port",
    "ports",
    "pos",
    "num",
    "sms_id",
    "sms_num",
    "sms_del",
    "type",
    "slots",
    "url",
    "period",
    "all_sims",
    "mode",
    "session",
    "seq",
    "auth",
    "sim_imei(3)",
    "sim_number(x)",
    "has_content",
]
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1",
            "all",
            "*",
            "1-3",
            "2B",
            "1.01-64.01",
            "set",
            "get",
            "lock",
            "redial",
            "99999999999999999999",
            "a,b",
        ]
    ),
    st.text(max_size=8),
)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "tid",
                    "to",
                    "sms",
                    "from",
                    "tids",
                    "tasks",
                    "op",
                    "ports",
                    "ops",
                    "smstype",
                    "attachments",
                    "chs",
                    "port",
                    "slot",
                    "ac",
                    "to_title_array",
                    "sr_cnt",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)
BODIES = st.one_of(st.binary(max_size=64), JSON.map(orjson.dumps))


def _device(profile: str) -> Device:
    return Device(DeviceConfig(profile=profile, register_time=0.0), VirtualClock(), Network())


DEVICES = {p: _device(p) for p in ("gateway-2.4", "router-2.2")}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile=st.sampled_from(sorted(DEVICES)),
    method=st.sampled_from(["GET", "POST"]),
    path=st.sampled_from(PATHS),
    query=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4),
    auth=st.booleans(),
    body=BODIES,
)
def test_no_request_gets_a_5xx(  # noqa: PLR0917 (hypothesis arguments)
    profile: str, method: str, path: str, query: dict, auth: bool, body: bytes
) -> None:
    device = DEVICES[profile]
    if auth:
        query = {**query, "username": "root", "password": "root"}
    response = device.handle(Request(method, path, query, body))
    assert response.status < 500, (path, query, body, response.body)
    orjson.loads(response.body)
    device.advance()
