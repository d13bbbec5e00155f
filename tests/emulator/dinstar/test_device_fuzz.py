"""No request makes the Dinstar device answer a 5xx or crash (property test over paths, queries,
bodies and Authorization headers); with the 5xx defect on, a body that is not JSON does."""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.dinstar.config_api import ROUTES as CONFIG_ROUTES
from smsgw.emulator.dinstar.device import D_500_ON_BAD_JSON, DinstarDevice
from smsgw.emulator.dinstar.ports_api import ROUTES as PORT_ROUTES
from smsgw.emulator.dinstar.sms_api import ROUTES as SMS_ROUTES
from smsgw.emulator.messages import Request
from smsgw.emulator.network import Network
from tests.emulator.dinstar.conftest import BASIC, PASSWORD, USER

PATHS = sorted({*SMS_ROUTES, *PORT_ROUTES, *CONFIG_ROUTES} - {f"/api/mms_file/file{i}" for i in range(1, 32)})
PATHS += ["/api/nope", "/", "/api/mms_file/file32"]
KEYS = [
    "port",
    "text",
    "param",
    "info_type",
    "action",
    "flag",
    "incoming_sms_id",
    "task_id",
    "number",
    "user_id",
    "time_after",
    "time_before",
    "command",
    "mms_id",
    "file_id",
    "state",
    "item",
    "username",
    "password",
    "product_sns",
]
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1",
            "31",
            "32",
            "0,1",
            "1,x",
            "all",
            "unread",
            "power",
            "on",
            "slot",
            "CallForward",
            "imei,reg",
            "2025-01-01 00:00:00",
            "99999999999999999999",
            "#param#",
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
                    *KEYS,
                    "encoding",
                    "request_status_report",
                    "text_param",
                    "configuration",
                    "sip_proxy",
                    "sip_trunk",
                    "port_group",
                    "title",
                    "performance",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=14,
)
BODIES = st.one_of(st.binary(max_size=64), JSON.map(orjson.dumps))
AUTH = st.one_of(
    st.just(BASIC["authorization"]),
    st.none(),
    st.sampled_from(["Basic", "Basic ===", "Digest", 'Digest nonce="x", uri="/", response="y"', "Bearer z"]),
    st.text(max_size=20),
)

DEVICE = DinstarDevice(
    DeviceConfig(profile="dinstar-uc", username=USER, password=PASSWORD, register_time=0.0),
    VirtualClock(),
    Network(),
)
DEVICE.auth.max_failures = 10**9  # keep answering (a lockout would hide the handlers)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST"]),
    path=st.sampled_from(PATHS),
    query=st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4),
    auth=AUTH,
    body=BODIES,
)
def test_no_request_gets_a_5xx(method: str, path: str, query: dict, auth: str | None, body: bytes) -> None:
    headers = {"authorization": auth} if auth is not None else {}
    response = DEVICE.handle(Request(method, path, query, body, headers))
    assert response.status < 500, (path, query, body, response.body)
    orjson.loads(response.body)
    DEVICE.advance()


def test_the_5xx_defect_answers_500_to_a_body_that_is_not_json() -> None:
    device = DinstarDevice(
        DeviceConfig(profile="dinstar-uc", username=USER, password=PASSWORD, switches=(D_500_ON_BAD_JSON,)),
        VirtualClock(),
    )
    response = device.handle(Request("POST", "/api/send_sms", {}, b"{nope", BASIC))
    assert response.status == 500
