"""The served emulator sees the real peer address: the router-2.2 IP lists judge the TCP source."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from smsgw.emulator.clock import VirtualClock
from smsgw.emulator.device import DeviceConfig
from smsgw.emulator.serve import Fleet

AUTH = {"username": "root", "password": "root"}


@pytest.fixture
def router_url() -> Iterator[str]:
    with Fleet(1, DeviceConfig(profile="router-2.2", register_time=0.0), clock=VirtualClock()) as fleet:
        yield fleet.urls[0]


def _client(source: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=10.0, trust_env=False)


def _set(url: str, name: str, enable: int, added: list[str]) -> None:
    with _client("127.0.0.1") as client:
        body = {"enable": enable, "deleted_set": [], "added_set": added}
        assert client.post(f"{url}/{name}", params=AUTH, json=body).json()["code"] == 0


def test_black_list_refuses_the_second_loopback_address_and_serves_the_first(router_url: str) -> None:
    _set(router_url, "ip_black_list", 1, ["127.0.0.2"])
    with _client("127.0.0.2") as second, _client("127.0.0.1") as first:
        assert second.get(f"{router_url}/ip_white_list", params=AUTH).status_code == 403
        assert first.get(f"{router_url}/ip_white_list", params=AUTH).status_code == 200


def test_forwarded_headers_do_not_change_the_source_the_lists_judge(router_url: str) -> None:
    _set(router_url, "ip_black_list", 1, ["127.0.0.2"])
    spoofed = {"X-Forwarded-For": "127.0.0.2", "Forwarded": "for=127.0.0.2"}
    with _client("127.0.0.1") as first:
        assert first.get(f"{router_url}/ip_white_list", params=AUTH, headers=spoofed).status_code == 200
    _set(router_url, "ip_white_list", 1, ["127.0.0.1"])
    with _client("127.0.0.2") as second:
        answer = second.get(
            f"{router_url}/ip_white_list", params=AUTH, headers={"X-Forwarded-For": "127.0.0.1"}
        )
        assert answer.status_code == 403
