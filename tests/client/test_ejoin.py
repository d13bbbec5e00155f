"""Credential placement and endpoint shapes, on an in-memory transport (no sockets)."""

from __future__ import annotations

import json

import httpx
import pytest

from smsgw.client import EjoinClient


def _client(seen: list[httpx.Request], **kwargs: object) -> EjoinClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": 0})

    return EjoinClient("http://device", "root", "pw-123", transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]


def test_get_carries_credentials_in_the_query() -> None:
    seen: list[httpx.Request] = []
    _client(seen).get_sms(sms_id=5)
    params = dict(seen[0].url.params)
    assert params == {"username": "root", "password": "pw-123", "sms_id": "5"}
    assert seen[0].url.path == "/goip_get_sms.html"


@pytest.mark.parametrize(
    ("mode", "in_query", "in_body"), [("query", True, False), ("body", False, True), ("both", True, True)]
)
def test_post_places_credentials_as_configured(mode: str, in_query: bool, in_body: bool) -> None:
    seen: list[httpx.Request] = []
    _client(seen, post_credentials=mode).post_sms([{"tid": 1, "to": "10086", "sms": "hi"}])
    request = seen[0]
    body = json.loads(request.content)
    assert ("password" in request.url.params) is in_query
    assert ("password" in body) is in_body
    assert body["type"] == "send-sms"
    assert body["task_num"] == 1
    assert request.headers["content-type"].startswith("application/json")


def test_set_params_posts_name_value_pairs() -> None:
    seen: list[httpx.Request] = []
    _client(seen).set_params([("sim_imei(0)", "1234"), ("sim_imei(1)", "5678")])
    assert seen[0].content == b"sim_imei(0)=1234&sim_imei(1)=5678"
    assert seen[0].url.params["op"] == "set"
