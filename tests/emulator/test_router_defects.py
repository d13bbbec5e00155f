"""The router defects of the emulator (router-2.2 §4.1.2, §8-§10): each breaks exactly its rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from smsgw.emulator.routercfg import RouterConfig, SimplePorts


def router(*defects: str) -> RouterConfig:
    return RouterConfig(SimplePorts([f"100.64.0.{p}" for p in range(1, 5)]), quirks=defects)


def call(cfg: RouterConfig, endpoint: str, method: str, body: Any = None, **query: str) -> dict[str, Any]:
    raw = None if body is None else json.dumps(body).encode()
    return getattr(cfg, f"handle_{endpoint}")(query, raw, 0.0, method)[1]


PROXY = {"name": "foo", "port": 8081, "interfaces": [0], "active": 0}


def test_conformant_router_answers() -> None:
    cfg = router()
    assert call(cfg, "proxy", "POST", {"proxies": [PROXY]}, mode="http", op="add")["code"] == 0
    listed = call(cfg, "proxy", "GET", mode="http")
    assert listed["proxies"][0]["name"] == "http-foo"
    assert listed["size"] == 1
    assert call(cfg, "proxy", "GET", mode="http", state="0")["mode"] == 3


@pytest.mark.parametrize(
    ("defect", "broken"),
    [
        ("defect.router-code-200", lambda a: a["code"] == 200),
        ("defect.proxy-mode-swapped", lambda a: a["mode"] == 2),
        ("defect.proxy-enabled-bool", lambda a: a["enabled"] is False),
    ],
)
def test_status_answer_defects(defect: str, broken: Any) -> None:
    assert broken(call(router(defect), "proxy", "GET", mode="http", state="1"))


def test_request_defects() -> None:
    assert call(router(), "proxy", "GET", state="1")["code"] != 0
    assert call(router("defect.proxy-mode-default-http"), "proxy", "GET", state="1")["code"] == 0
    assert (
        call(router("defect.proxy-state-zero-refused"), "proxy", "GET", mode="http", state="0")["code"] != 0
    )
    cfg = router("defect.proxy-get-op-applied")
    call(cfg, "proxy", "GET", mode="http", op="enabled")
    assert call(cfg, "proxy", "GET", mode="http", state="1")["enabled"] == 1
    cfg = router("defect.proxy-status-ignored")
    call(cfg, "proxy_access_log", "POST", mode="http", op="enabled")
    assert call(cfg, "proxy_access_log", "GET", mode="http")["enabled"] == 0


def test_configuration_defects() -> None:
    for defect in ("defect.proxy-add-ignored", "defect.proxy-size-missing"):
        cfg = router(defect)
        call(cfg, "proxy", "POST", {"proxies": [PROXY]}, mode="http", op="add")
        answer = call(cfg, "proxy", "GET", mode="http")
        assert answer["proxies"] == [] if defect == "defect.proxy-add-ignored" else "size" not in answer
    cfg = router("defect.proxy-name-unprefixed", "defect.proxy-interfaces-string")
    call(cfg, "proxy", "POST", {"proxies": [PROXY]}, mode="http", op="add")
    assert call(cfg, "proxy", "GET", mode="http")["proxies"][0] == {**PROXY, "interfaces": "0"}
    long_name = {**PROXY, "name": "x" * 33}
    assert (
        call(
            router("defect.proxy-name-unbounded"),
            "proxy",
            "POST",
            {"proxies": [long_name]},
            mode="http",
            op="add",
        )["code"]
        == 0
    )
    partial = {k: v for k, v in PROXY.items() if k != "active"}
    assert (
        call(
            router("defect.proxy-add-partial"), "proxy", "POST", {"proxies": [partial]}, mode="http", op="add"
        )["code"]
        == 0
    )
    user = {"name": "u" * 21, "pwd": "p", "interfaces": [0]}
    assert (
        call(
            router("defect.proxy-user-unbounded"),
            "proxy_user",
            "POST",
            {"users": [user]},
            mode="http",
            op="add",
        )["code"]
        == 0
    )
    assert (
        call(
            router("defect.proxy-url-prefix-refused"),
            "proxy_white_list",
            "POST",
            {"urls": ["www.x.*"]},
            mode="http",
            op="add",
        )["code"]
        != 0
    )
    for defect, op in (("defect.proxy-update-ignored", "update"), ("defect.proxy-delete-ignored", "delete")):
        cfg = router(defect)
        call(cfg, "proxy", "POST", {"proxies": [PROXY]}, mode="http", op="add")
        call(cfg, "proxy", "POST", {"proxies": [{"name": "http-foo", "active": 1}]}, mode="http", op=op)
        assert call(cfg, "proxy", "GET", mode="http")["proxies"] == [{**PROXY, "name": "http-foo"}]


def test_ip_list_defects() -> None:
    body = {"enable": 0, "deleted_set": [], "added_set": ["198.51.100.7"]}
    cfg = router("defect.ip-list-post-ignored", "defect.ip-list-enabled-key")
    call(cfg, "ip_white_list", "POST", body)
    assert call(cfg, "ip_white_list", "GET") == {"code": 0, "reason": "OK", "enabled": 0, "ipset": []}
    bad = {**body, "added_set": ["not-an-ip"]}
    assert call(router(), "ip_white_list", "POST", bad)["code"] != 0
    assert call(router("defect.ip-list-entries-unchecked"), "ip_white_list", "POST", bad)["code"] == 0
    star = {**body, "added_set": ["*"]}
    assert call(router(), "ip_black_list", "POST", star)["code"] == 0
    assert call(router("defect.ip-black-star-refused"), "ip_black_list", "POST", star)["code"] != 0


def _lists(cfg: RouterConfig, white: tuple[int, list[str]], black: tuple[int, list[str]]) -> RouterConfig:
    for name, (enable, entries) in (("ip_white_list", white), ("ip_black_list", black)):
        assert (
            call(cfg, name, "POST", {"enable": enable, "deleted_set": [], "added_set": entries})["code"] == 0
        )
    return cfg


@pytest.mark.parametrize(
    ("defect", "white", "black", "source"),
    [
        # an unlisted source is served by an enabled white list
        ("defect.ip-white-not-enforced", (1, ["127.0.0.1"]), (0, []), "127.0.0.2"),
        # a listed source is served by an enabled black list
        ("defect.ip-black-not-enforced", (0, []), (1, ["127.0.0.2"]), "127.0.0.2"),
        # a black list subnet does not match
        ("defect.ip-list-subnets-ignored", (0, []), (1, ["127.0.0.2/31"]), "127.0.0.2"),
    ],
)
def test_ip_enforcement_defects_serve_what_the_lists_refuse(
    defect: str, white: tuple[int, list[str]], black: tuple[int, list[str]], source: str
) -> None:
    assert not _lists(router(), white, black).ip_allowed(source)
    assert _lists(router(defect), white, black).ip_allowed(source)


def test_ip_white_no_precedence_refuses_a_whitelisted_source_the_black_list_names() -> None:
    white, black = (1, ["127.0.0.1", "127.0.0.2"]), (1, ["127.0.0.2/31"])
    assert _lists(router(), white, black).ip_allowed("127.0.0.2")
    broken = _lists(router("defect.ip-white-no-precedence"), white, black)
    assert not broken.ip_allowed("127.0.0.2")
    assert broken.ip_allowed("127.0.0.1")


def test_ip_subnets_ignored_still_matches_plain_addresses() -> None:
    cfg = _lists(router("defect.ip-list-subnets-ignored"), (1, ["127.0.0.1", "127.0.0.0/24"]), (0, []))
    assert cfg.ip_allowed("127.0.0.1")
    assert not cfg.ip_allowed("127.0.0.2")


def test_network_defects() -> None:
    assert router().reregisters(None)
    assert not router().reregisters("1")
    assert not router("defect.redial-ignored").reregisters("0")
    assert not router("defect.redial-default-fast").reregisters(None)
    assert router("defect.redial-fast-reregisters").reregisters("1")
    assert router().get_parameter("port_rx_tx(0)") == "0/0"
    assert router("defect.router-param-index-from-1").get_parameter("port_public_ip(0)") is None
    assert router("defect.router-param-index-from-1").get_parameter("port_public_ip(1)") == "100.64.0.1"
    cfg = router("defect.data-service-set-ignored")
    assert cfg.set_parameters({"data_service_enable": "0"})[1]["code"] == 0
    assert cfg.data_service_enable == 1
    assert router("defect.ttl-max-128").set_parameters({"ttl": "200"})[1]["code"] != 0
    assert router("defect.ttl-unchecked").set_parameters({"ttl": "0"})[1]["code"] == 0


def test_redial_delay_defect_dials_at_once() -> None:
    ports = SimplePorts(["100.64.0.1"], flight_time=1.0)
    cfg = RouterConfig(ports, quirks=("defect.redial-delay-ignored",))
    assert cfg.redial("1", "0", "50", 0.0)[1]["code"] == 0
    assert ports.advance(2.0) == [1]


def test_a_defect_switched_on_at_run_time_reaches_the_router() -> None:
    """The router reads the device's live switches: /_emu/faults needs no copy kept in step."""
    from smsgw.emulator.clock import VirtualClock
    from smsgw.emulator.device import Device, DeviceConfig

    device = Device(DeviceConfig(profile="router-2.2"), VirtualClock())
    assert device.router is not None
    device.router.ip_white.enabled, device.router.ip_white.entries = 1, ["127.0.0.1"]
    assert not device.router.ip_allowed("127.0.0.2")
    device.switches.set("defect.ip-white-not-enforced", True)
    assert device.router.ip_allowed("127.0.0.2")
    device.switches.set("defect.ip-white-not-enforced", False)
    assert not device.router.ip_allowed("127.0.0.2")
