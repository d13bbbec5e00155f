"""MultiWan router configuration, router-2.2 §4.1.2, §8-§10: every endpoint, its errors, IP enforcement."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsgw.emulator.routercfg import (
    ENBALE_QUIRK,
    RouterCode,
    RouterConfig,
    SimplePorts,
    host_matches,
    parse_ip_entry,
    parse_ports,
)
from smsgw.spec import default_registry
from tests.schema_asserts import assert_conforms as conforms

CREDS = {"username": "admin", "password": "admin"}


def make(**kwargs: Any) -> tuple[RouterConfig, SimplePorts]:
    ports = SimplePorts(["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4"], rx=[10, 20, 30, 40],
                        tx=[1, 2, 3, 4])  # fmt: skip
    return RouterConfig(ports, **kwargs), ports


def call(
    cfg: RouterConfig,
    endpoint: str,
    method: str,
    body: Any = None,
    *,
    check_query: bool = True,
    **params: str,
) -> dict[str, Any]:
    """Call ``handle_<endpoint>``, check the query and answer against their schemas, return the answer."""
    query = {**CREDS, **params}
    if check_query:
        conforms(f"ejoin/router/{endpoint}.query", query)
    raw = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    status, answer = getattr(cfg, f"handle_{endpoint}")(query, raw, 0.0, method)
    assert status == 200
    conforms(f"ejoin/router/{endpoint}.response", answer)
    return dict(answer)


def ok(answer: dict[str, Any]) -> None:
    assert answer == {"code": 0, "reason": "OK"}


def fails(answer: dict[str, Any], code: RouterCode) -> None:
    assert answer["code"] == code, answer
    assert answer["reason"]
    assert set(answer) == {"code", "reason"}


# -- §8.1 /proxy -----------------------------------------------------------------------------------
def test_proxy_status_of_a_fresh_device_is_disabled_with_mode_codes() -> None:
    cfg, _ = make()
    assert call(cfg, "proxy", "GET", mode="http", state="1") == {
        "code": 0,
        "reason": "OK",
        "mode": 3,
        "enabled": 0,
    }
    assert call(cfg, "proxy", "GET", mode="socks5", state="0")["mode"] == 2


def test_proxy_enabled_and_disabled_switch_the_status_per_mode() -> None:
    cfg, _ = make()
    ok(call(cfg, "proxy", "POST", mode="socks5", op="enabled"))
    assert call(cfg, "proxy", "GET", mode="socks5", state="1")["enabled"] == 1
    assert call(cfg, "proxy", "GET", mode="http", state="1")["enabled"] == 0
    ok(call(cfg, "proxy", "POST", mode="socks5", op="disabled"))
    assert call(cfg, "proxy", "GET", mode="socks5", state="1")["enabled"] == 0


def test_proxy_add_socks5_example_then_config_info_lists_it_with_prefix() -> None:
    cfg, _ = make()
    body = {"proxies": [{"name": "foo", "port": 1080, "interfaces": [0], "active": 1},
                        {"name": "bar", "port": 1081, "interfaces": [1, 3], "active": 0}]}  # fmt: skip
    conforms("ejoin/router/proxy.request", body)
    ok(call(cfg, "proxy", "POST", body, mode="socks5", op="add"))
    info = call(cfg, "proxy", "GET", mode="socks5")
    assert info == {
        "code": 0, "reason": "OK", "mode": 2, "enabled": 0, "size": 2,
        "proxies": [{"name": "socks5-foo", "port": 1080, "interfaces": [0], "active": 1},
                    {"name": "socks5-bar", "port": 1081, "interfaces": [1, 3], "active": 0}],
    }  # fmt: skip
    assert call(cfg, "proxy", "GET", mode="http")["proxies"] == []


def test_proxy_update_changes_active_by_listed_or_bare_name() -> None:
    cfg, _ = make()
    call(cfg, "proxy", "POST", {"proxies": [{"name": "foo", "port": 8080, "interfaces": [0], "active": 1}]},
         mode="http", op="add")  # fmt: skip
    ok(call(cfg, "proxy", "POST", {"proxies": [{"name": "http-foo", "active": 0}]}, mode="http", op="update"))
    assert call(cfg, "proxy", "GET", mode="http")["proxies"][0]["active"] == 0
    ok(call(cfg, "proxy", "POST", {"proxies": [{"name": "foo", "active": 1}]}, mode="http", op="update"))
    assert call(cfg, "proxy", "GET", mode="http")["proxies"][0]["active"] == 1


def test_proxy_delete_removes_the_configuration() -> None:
    cfg, _ = make()
    call(cfg, "proxy", "POST", {"proxies": [{"name": "foo", "port": 8080, "interfaces": [0], "active": 1}]},
         mode="http", op="add")  # fmt: skip
    ok(call(cfg, "proxy", "POST", {"proxies": [{"name": "http-foo"}]}, mode="http", op="delete"))
    assert call(cfg, "proxy", "GET", mode="http")["size"] == 0


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"name": "x", "port": 0, "interfaces": [0], "active": 1}, RouterCode.BAD_BODY),
        ({"name": "x", "port": 70000, "interfaces": [0], "active": 1}, RouterCode.BAD_BODY),
        ({"name": "x" * 33, "port": 9000, "interfaces": [0], "active": 1}, RouterCode.BAD_BODY),
        ({"name": "a b", "port": 9000, "interfaces": [0], "active": 1}, RouterCode.BAD_BODY),
        ({"name": "x", "port": 9000, "interfaces": [], "active": 1}, RouterCode.BAD_BODY),
        ({"name": "x", "port": 9000, "interfaces": [5], "active": 1}, RouterCode.BAD_BODY),
        ({"name": "x", "port": 9000, "interfaces": [0], "active": 2}, RouterCode.BAD_BODY),
        ({"name": "x", "port": 9000, "interfaces": [0]}, RouterCode.BAD_BODY),
        ({"name": "x", "port": True, "interfaces": [0], "active": 1}, RouterCode.BAD_BODY),
        ({"name": "dup", "port": 9000, "interfaces": [0], "active": 1}, RouterCode.ALREADY_EXISTS),
        ({"name": "x", "port": 8080, "interfaces": [0], "active": 1}, RouterCode.ALREADY_EXISTS),
    ],
    ids=["port-0", "port-big", "name-long", "name-space", "no-interfaces", "interface-5", "active-2",
         "no-active", "port-bool", "same-name", "port-used-by-other-mode"],
)  # fmt: skip
def test_proxy_add_with_a_bad_item_is_refused_and_adds_nothing(
    item: dict[str, Any], code: RouterCode
) -> None:
    cfg, _ = make()
    call(cfg, "proxy", "POST", {"proxies": [{"name": "other", "port": 8080, "interfaces": [0], "active": 1}]},
         mode="socks5", op="add")  # fmt: skip
    call(cfg, "proxy", "POST", {"proxies": [{"name": "dup", "port": 8081, "interfaces": [0], "active": 1}]},
         mode="http", op="add")  # fmt: skip
    good = {"name": "good", "port": 9100, "interfaces": [0], "active": 1}
    fails(call(cfg, "proxy", "POST", {"proxies": [good, item]}, mode="http", op="add"), code)
    assert [p["name"] for p in call(cfg, "proxy", "GET", mode="http")["proxies"]] == ["http-dup"]


@pytest.mark.parametrize("op", ["update", "delete"])
def test_proxy_update_or_delete_of_an_unknown_name_is_not_found(op: str) -> None:
    cfg, _ = make()
    fails(call(cfg, "proxy", "POST", {"proxies": [{"name": "nope", "active": 1}]}, mode="http", op=op),
          RouterCode.NOT_FOUND)  # fmt: skip


@pytest.mark.parametrize("body", [None, b"{", b"[]", {"proxies": []}, {"proxies": "x"}, {"other": 1}])
def test_proxy_add_without_a_proxies_array_is_a_body_error(body: Any) -> None:
    cfg, _ = make()
    fails(call(cfg, "proxy", "POST", body, mode="http", op="add"), RouterCode.BAD_BODY)


def test_proxy_update_without_active_is_a_body_error() -> None:
    cfg, _ = make()
    call(cfg, "proxy", "POST", {"proxies": [{"name": "foo", "port": 8080, "interfaces": [0], "active": 1}]},
         mode="http", op="add")  # fmt: skip
    fails(
        call(cfg, "proxy", "POST", {"proxies": [{"name": "foo"}]}, mode="http", op="update"),
        RouterCode.BAD_BODY,
    )


@pytest.mark.parametrize("endpoint", ["proxy", "proxy_user", "proxy_white_list", "proxy_black_list",
                                      "proxy_access_log"])  # fmt: skip
def test_proxy_endpoints_refuse_a_missing_or_unknown_mode(endpoint: str) -> None:
    cfg, _ = make()
    fails(call(cfg, endpoint, "GET", check_query=False), RouterCode.BAD_PARAMETER)
    fails(call(cfg, endpoint, "GET", check_query=False, mode="ftp"), RouterCode.BAD_PARAMETER)


@pytest.mark.parametrize("endpoint", ["proxy", "proxy_user", "proxy_white_list", "proxy_black_list",
                                      "proxy_access_log"])  # fmt: skip
def test_proxy_endpoints_refuse_a_post_without_a_known_op(endpoint: str) -> None:
    cfg, _ = make()
    fails(call(cfg, endpoint, "POST", check_query=False, mode="http"), RouterCode.BAD_PARAMETER)
    fails(call(cfg, endpoint, "POST", check_query=False, mode="http", op="explode"), RouterCode.BAD_PARAMETER)


def test_method_defaults_to_post_when_op_is_given() -> None:
    cfg, _ = make()
    status, answer = cfg.handle_proxy({**CREDS, "mode": "http", "op": "enabled"}, None, 0.0)
    assert (status, answer) == (200, {"code": 0, "reason": "OK"})
    assert cfg.handle_proxy({**CREDS, "mode": "http", "state": "1"}, None, 0.0)[1]["enabled"] == 1


# -- §8.2 /proxy_user ------------------------------------------------------------------------------
def test_proxy_user_add_update_delete_and_passwords_are_not_answered() -> None:
    cfg, _ = make()
    body = {"users": [{"name": "alice", "pwd": "pw-alice", "interfaces": [0], "mark": "ops"},
                      {"name": "bob", "pwd": "pw-bob", "interfaces": [2]}]}  # fmt: skip
    conforms("ejoin/router/proxy_user.request", body)
    ok(call(cfg, "proxy_user", "POST", body, mode="http", op="add"))
    info = call(cfg, "proxy_user", "GET", mode="http")
    assert info["size"] == 2
    assert info["users"] == [{"name": "alice", "interfaces": [0], "mark": "ops"},
                             {"name": "bob", "interfaces": [2], "mark": ""}]  # fmt: skip
    assert "pw-alice" not in json.dumps(info)
    ok(
        call(
            cfg,
            "proxy_user",
            "POST",
            {"users": [{"name": "bob", "interfaces": [1, 2]}]},
            mode="http",
            op="update",
        )
    )
    ok(call(cfg, "proxy_user", "POST", {"users": [{"name": "alice"}]}, mode="http", op="delete"))
    assert call(cfg, "proxy_user", "GET", mode="http")["users"] == [
        {"name": "bob", "interfaces": [1, 2], "mark": ""}
    ]


def test_proxy_user_passwords_are_answered_only_when_asked() -> None:
    cfg, _ = make(show_user_passwords=True)
    call(cfg, "proxy_user", "POST", {"users": [{"name": "a", "pwd": "p", "interfaces": [0]}]}, mode="socks5",
         op="add")  # fmt: skip
    assert call(cfg, "proxy_user", "GET", mode="socks5")["users"][0]["pwd"] == "p"


def test_proxy_user_status_and_switch() -> None:
    cfg, _ = make()
    ok(call(cfg, "proxy_user", "POST", mode="http", op="enabled"))
    assert call(cfg, "proxy_user", "GET", mode="http", state="1") == {"code": 0, "reason": "OK", "mode": 3,
                                                                      "enabled": 1}  # fmt: skip


def test_proxy_user_accepts_the_tables_capital_mark() -> None:
    cfg, _ = make()
    body = {"users": [{"name": "a", "pwd": "p", "interfaces": [0], "Mark": "remark"}]}
    conforms("ejoin/router/proxy_user.request", body, strict=False)
    ok(call(cfg, "proxy_user", "POST", body, mode="http", op="add"))
    assert call(cfg, "proxy_user", "GET", mode="http")["users"][0]["mark"] == "remark"


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"name": "u" * 21, "pwd": "p", "interfaces": [0]}, RouterCode.BAD_BODY),
        ({"name": "u", "pwd": "p" * 21, "interfaces": [0]}, RouterCode.BAD_BODY),
        ({"name": "u", "interfaces": [0]}, RouterCode.BAD_BODY),
        ({"name": "u", "pwd": "p"}, RouterCode.BAD_BODY),
        ({"name": "u", "pwd": "p", "interfaces": [0], "mark": "a", "Mark": "b"}, RouterCode.BAD_BODY),
        ({"name": "u", "pwd": "p", "interfaces": [0], "mark": 5}, RouterCode.BAD_BODY),
        ({"name": "taken", "pwd": "p", "interfaces": [0]}, RouterCode.ALREADY_EXISTS),
    ],
    ids=["name-long", "pwd-long", "no-pwd", "no-interfaces", "two-marks", "mark-int", "duplicate"],
)
def test_proxy_user_add_with_a_bad_item_is_refused(item: dict[str, Any], code: RouterCode) -> None:
    cfg, _ = make()
    taken = {"users": [{"name": "taken", "pwd": "p", "interfaces": [0]}]}
    call(cfg, "proxy_user", "POST", taken, mode="http", op="add")
    fails(call(cfg, "proxy_user", "POST", {"users": [item]}, mode="http", op="add"), code)
    assert call(cfg, "proxy_user", "GET", mode="http")["size"] == 1


def test_proxy_user_update_errors() -> None:
    cfg, _ = make()
    call(cfg, "proxy_user", "POST", {"users": [{"name": "a", "pwd": "p", "interfaces": [0]}]}, mode="http",
         op="add")  # fmt: skip
    unknown = {"users": [{"name": "zz", "interfaces": [0]}]}
    fails(call(cfg, "proxy_user", "POST", unknown, mode="http", op="update"), RouterCode.NOT_FOUND)
    bad_port = {"users": [{"name": "a", "interfaces": [9]}]}
    fails(call(cfg, "proxy_user", "POST", bad_port, mode="http", op="update"), RouterCode.BAD_BODY)
    fails(call(cfg, "proxy_user", "POST", {"users": [{"interfaces": [0]}]}, mode="http", op="delete"),
          RouterCode.BAD_BODY)  # fmt: skip


# -- §8.3-§8.5 URL lists and access log ------------------------------------------------------------
@pytest.mark.parametrize("endpoint", ["proxy_white_list", "proxy_black_list"])
def test_url_list_add_delete_and_switch(endpoint: str) -> None:
    cfg, _ = make()
    urls = ["www.example.com", "*.example.org", "www.example.*"]
    conforms(f"ejoin/router/{endpoint}.request", {"urls": urls})
    ok(call(cfg, endpoint, "POST", {"urls": urls}, mode="http", op="add"))
    ok(call(cfg, endpoint, "POST", {"urls": ["www.example.com"]}, mode="http", op="add"))  # already there
    ok(call(cfg, endpoint, "POST", mode="http", op="enabled"))
    assert call(cfg, endpoint, "GET", mode="http") == {"code": 0, "reason": "OK", "mode": 3, "enabled": 1,
                                                       "size": 3, "urls": urls}  # fmt: skip
    assert call(cfg, endpoint, "GET", mode="http", state="1") == {"code": 0, "reason": "OK", "mode": 3,
                                                                  "enabled": 1}  # fmt: skip
    ok(call(cfg, endpoint, "POST", {"urls": ["*.example.org"]}, mode="http", op="delete"))
    assert call(cfg, endpoint, "GET", mode="http")["urls"] == ["www.example.com", "www.example.*"]
    assert call(cfg, endpoint, "GET", mode="socks5")["size"] == 0


@pytest.mark.parametrize("endpoint", ["proxy_white_list", "proxy_black_list"])
def test_url_list_errors(endpoint: str) -> None:
    cfg, _ = make()
    fails(
        call(cfg, endpoint, "POST", {"urls": ["http://x.com/path"]}, mode="http", op="add"),
        RouterCode.BAD_BODY,
    )
    fails(call(cfg, endpoint, "POST", {"urls": []}, mode="http", op="add"), RouterCode.BAD_BODY)
    fails(call(cfg, endpoint, "POST", {"urls": ["a.com"]}, mode="http", op="delete"), RouterCode.NOT_FOUND)
    fails(call(cfg, endpoint, "POST", {"urls": ["a.com"]}, check_query=False, mode="http", op="update"),
          RouterCode.BAD_PARAMETER)  # fmt: skip


def test_url_lists_decide_what_the_proxy_forwards() -> None:
    cfg, _ = make()
    assert cfg.url_allowed("http", "anything.net")
    call(cfg, "proxy_white_list", "POST", {"urls": ["*.example.com"]}, mode="http", op="add")
    call(cfg, "proxy_white_list", "POST", mode="http", op="enabled")
    call(cfg, "proxy_black_list", "POST", {"urls": ["bad.example.com"]}, mode="http", op="add")
    call(cfg, "proxy_black_list", "POST", mode="http", op="enabled")
    assert cfg.url_allowed("http", "a.example.com")
    assert not cfg.url_allowed("http", "bad.example.com")
    assert not cfg.url_allowed("http", "example.net")
    assert cfg.url_allowed("socks5", "example.net")


def test_host_patterns_match_exact_suffix_prefix_and_all() -> None:
    assert host_matches("*", "x.y")
    assert host_matches("www.example.com", "WWW.example.com")
    assert not host_matches("www.example.com", "a.www.example.com")
    assert host_matches("*.example.com", "a.b.example.com")
    assert not host_matches("*.example.com", "example.com")
    assert host_matches("www.example.*", "www.example.org")
    assert not host_matches("www.example.*", "www.examples.org")


def test_access_log_status_and_switch() -> None:
    cfg, _ = make()
    status = call(cfg, "proxy_access_log", "GET", mode="socks5", state="1")
    assert status == {"code": 0, "reason": "OK", "mode": 2, "enabled": 0}
    ok(call(cfg, "proxy_access_log", "POST", mode="socks5", op="enabled"))
    assert call(cfg, "proxy_access_log", "GET", mode="socks5")["enabled"] == 1
    assert call(cfg, "proxy_access_log", "GET", mode="http")["enabled"] == 0


# -- §9-§10 IP lists and enforcement ---------------------------------------------------------------
def ip_call(cfg: RouterConfig, endpoint: str, body: Any = None, *, strict: bool = True) -> dict[str, Any]:
    conforms(f"ejoin/router/{endpoint}.query", CREDS)
    if body is not None:
        conforms(f"ejoin/router/{endpoint}.request", body, strict=strict)
    raw = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    status, answer = getattr(cfg, f"handle_{endpoint}")(CREDS, raw, 0.0, "GET" if body is None else "POST")
    assert status == 200
    conforms(f"ejoin/router/{endpoint}.response", answer, strict=strict)
    return dict(answer)


@pytest.mark.parametrize("endpoint", ["ip_white_list", "ip_black_list"])
def test_ip_list_retrieve_of_a_fresh_device(endpoint: str) -> None:
    cfg, _ = make()
    assert ip_call(cfg, endpoint) == {"code": 0, "reason": "OK", "enable": 0, "ipset": []}


@pytest.mark.parametrize("endpoint", ["ip_white_list", "ip_black_list"])
def test_ip_list_modify_deletes_then_adds_and_switches(endpoint: str) -> None:
    cfg, _ = make()
    ok(ip_call(cfg, endpoint, {"enable": 1, "deleted_set": [], "added_set": ["127.0.0.2", "10.0.0.0/8"]}))
    ok(ip_call(cfg, endpoint, {"enable": 1, "deleted_set": ["10.0.0.0/8", "1.1.1.1"],
                               "added_set": ["192.168.1.1/24", "127.0.0.2"]}))  # fmt: skip
    assert ip_call(cfg, endpoint) == {"code": 0, "reason": "OK", "enable": 1,
                                      "ipset": ["127.0.0.2", "192.168.1.1/24"]}  # fmt: skip


def test_ip_list_switch_is_answered_enbale_only_with_the_quirk() -> None:
    cfg, _ = make(quirks={ENBALE_QUIRK})
    answer = ip_call(cfg, "ip_white_list", strict=False)
    assert answer == {"code": 0, "reason": "OK", "enbale": 0, "ipset": []}
    assert not default_registry().is_valid("ejoin/router/ip_white_list.response", answer, strict=True)


def test_ip_black_list_reads_the_tables_enbale_key() -> None:
    cfg, _ = make()
    ok(ip_call(cfg, "ip_black_list", {"enbale": 1, "deleted_set": [], "added_set": ["*"]}, strict=False))
    assert cfg.ip_black.enabled == 1


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("ip_white_list", {"enable": 1, "deleted_set": [], "added_set": ["*"]}),
        ("ip_white_list", {"enable": 1, "deleted_set": [], "added_set": ["300.1.1.1"]}),
        ("ip_white_list", {"enable": 1, "deleted_set": [], "added_set": ["10.0.0.1-10.0.0.9"]}),
        ("ip_white_list", {"enable": 1, "deleted_set": [], "added_set": ["10.0.0.0/33"]}),
        ("ip_white_list", {"enable": 1, "deleted_set": [], "added_set": ["::1"]}),
        ("ip_white_list", {"enable": 1, "deleted_set": [], "added_set": [7]}),
        ("ip_white_list", {"enable": 2, "deleted_set": [], "added_set": []}),
        ("ip_white_list", {"deleted_set": [], "added_set": []}),
        ("ip_white_list", {"enable": 1, "enbale": 1, "deleted_set": [], "added_set": []}),
        ("ip_white_list", {"enable": 1, "added_set": []}),
        ("ip_black_list", {"enable": 1, "deleted_set": "1.1.1.1", "added_set": []}),
        ("ip_black_list", b"not json"),
        ("ip_black_list", b"[]"),
    ],
    ids=["star-in-white", "bad-octet", "range", "bad-prefix", "ipv6", "int-entry", "enable-2", "no-enable",
         "both-keys", "no-deleted-set", "set-not-array", "not-json", "not-object"],
)  # fmt: skip
def test_ip_list_modify_with_a_bad_body_is_refused_and_changes_nothing(endpoint: str, body: Any) -> None:
    cfg, _ = make()
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, answer = getattr(cfg, f"handle_{endpoint}")(CREDS, raw, 0.0, "POST")
    assert status == 200
    fails(answer, RouterCode.BAD_BODY)
    conforms(f"ejoin/router/{endpoint}.response", answer)
    assert (cfg.ip_white.enabled, cfg.ip_white.entries, cfg.ip_black.enabled, cfg.ip_black.entries) == (
        0,
        [],
        0,
        [],
    )


def test_every_source_is_allowed_with_both_lists_disabled() -> None:
    cfg, _ = make()
    ip_call(cfg, "ip_white_list", {"enable": 0, "deleted_set": [], "added_set": ["127.0.0.2"]})
    assert cfg.ip_allowed("127.0.0.1")
    assert cfg.ip_allowed("127.0.0.9")


def test_enabled_whitelist_serves_only_listed_sources() -> None:
    cfg, _ = make()
    ip_call(
        cfg, "ip_white_list", {"enable": 1, "deleted_set": [], "added_set": ["127.0.0.2", "127.0.0.8/30"]}
    )
    assert cfg.ip_allowed("127.0.0.2")
    assert [cfg.ip_allowed(f"127.0.0.{n}") for n in (7, 8, 9, 10, 11, 12)] == [
        False,
        True,
        True,
        True,
        True,
        False,
    ]
    assert not cfg.ip_allowed("127.0.0.1")
    assert not cfg.ip_allowed("::1")
    assert not cfg.ip_allowed("garbage")


def test_enabled_blacklist_refuses_listed_sources() -> None:
    cfg, _ = make()
    ip_call(
        cfg, "ip_black_list", {"enable": 1, "deleted_set": [], "added_set": ["127.0.0.3", "127.0.0.16/28"]}
    )
    assert not cfg.ip_allowed("127.0.0.3")
    assert not cfg.ip_allowed("127.0.0.20")
    assert cfg.ip_allowed("127.0.0.1")
    assert cfg.ip_allowed("127.0.0.32")


def test_blacklist_star_refuses_all_but_whitelisted_sources() -> None:
    cfg, _ = make()
    ip_call(cfg, "ip_black_list", {"enable": 1, "deleted_set": [], "added_set": ["*"]})
    assert not cfg.ip_allowed("127.0.0.1")
    assert not cfg.ip_allowed("::1")
    ip_call(cfg, "ip_white_list", {"enable": 1, "deleted_set": [], "added_set": ["127.0.0.1"]})
    assert cfg.ip_allowed("127.0.0.1")
    assert not cfg.ip_allowed("127.0.0.2")


def test_disabling_a_list_keeps_its_entries_but_stops_enforcing() -> None:
    cfg, _ = make()
    ip_call(cfg, "ip_black_list", {"enable": 1, "deleted_set": [], "added_set": ["127.0.0.5"]})
    assert not cfg.ip_allowed("127.0.0.5")
    ip_call(cfg, "ip_black_list", {"enable": 0, "deleted_set": [], "added_set": []})
    assert cfg.ip_allowed("127.0.0.5")
    assert ip_call(cfg, "ip_black_list")["ipset"] == ["127.0.0.5"]


def test_parse_ip_entry_allows_host_bits_and_refuses_star_in_the_white_list() -> None:
    assert str(parse_ip_entry("192.168.1.1/24", allow_star=False)) == "192.168.1.0/24"
    assert parse_ip_entry("*", allow_star=False) is None
    assert parse_ip_entry("*", allow_star=True) == "*"


# -- §4.1.2 goip_send_cmd: get / set / redial ------------------------------------------------------
def cmd(cfg: RouterConfig, body: bytes | None = None, *, now: float = 0.0, **params: str) -> dict[str, Any]:
    query = {**CREDS, "version": "1.1", **params}
    conforms("ejoin/goip_send_cmd.query", query)
    status, answer = cfg.handle_goip_send_cmd(query, body, now)
    assert status == 200
    conforms("ejoin/goip_send_cmd.response", answer)
    return dict(answer)


def test_get_port_public_ip_for_all_ports_and_one_port_from_index_0() -> None:
    cfg, _ = make()
    every = cmd(cfg, op="get", port_public_ip="")
    assert every == {
        "code": 0,
        "reason": "OK",
        "port_public_ip": ",".join(f"203.0.113.{n}" for n in range(1, 5)),
    }
    some = cmd(cfg, op="get", **{"port_public_ip(0)": "", "port_public_ip(3)": ""})
    assert some == {
        "code": 0,
        "reason": "OK",
        "port_public_ip(0)": "203.0.113.1",
        "port_public_ip(3)": "203.0.113.4",
    }


def test_get_rx_tx_counters_per_port_and_for_all() -> None:
    cfg, _ = make()
    assert cmd(cfg, op="get", **{"port_rx_tx(1)": ""})["port_rx_tx(1)"] == "20/2"
    assert cmd(cfg, op="get", ports_rx_tx="")["ports_rx_tx"] == "10/1,20/2,30/3,40/4"
    assert cmd(cfg, op="get", port_rx_tx="")["port_rx_tx"] == "10/1,20/2,30/3,40/4"


def test_get_accepts_the_documents_capitalised_names_and_answers_lowercase() -> None:
    cfg, _ = make()
    status, answer = cfg.handle_goip_send_cmd({**CREDS, "op": "get", "Port_public_ip(1)": ""}, None, 0.0)
    assert (status, answer) == (200, {"code": 0, "reason": "OK", "port_public_ip(1)": "203.0.113.2"})


def test_set_ttl_and_data_service_enable_then_get_them() -> None:
    cfg, _ = make()
    assert cmd(cfg, op="get", ttl="", data_service_enable="") == {"code": 0, "reason": "OK", "ttl": "64",
                                                                  "data_service_enable": "1"}  # fmt: skip
    conforms("ejoin/goip_send_cmd-set.request", {"ttl": "128", "data_service_enable": "0"})
    assert cmd(cfg, op="set", ttl="128") == {"code": 0, "reason": "OK", "par_set": 1}
    assert cmd(cfg, b"data_service_enable=0", op="set") == {"code": 0, "reason": "OK", "par_set": 1}
    assert (cfg.ttl, cfg.data_service_enable) == (128, 0)
    assert cmd(cfg, op="get", **{"port_public_ip(0)": ""})["port_public_ip(0)"] == ""


@pytest.mark.parametrize(
    ("body", "params"),
    [(None, {"ttl": "0"}), (None, {"ttl": "256"}), (b"ttl=abc", {}), (None, {"data_service_enable": "2"}),
     (b"ttl=100&port_public_ip=1.2.3.4", {}), (b"sms_url=http://x", {})],
)  # fmt: skip
def test_set_with_an_invalid_or_read_only_value_sets_nothing(
    body: bytes | None, params: dict[str, str]
) -> None:
    cfg, _ = make()
    status, answer = cfg.handle_goip_send_cmd({**CREDS, "op": "set", **params}, body, 0.0)
    assert status == 200
    fails(answer, RouterCode.BAD_PARAMETER)
    assert (cfg.ttl, cfg.data_service_enable) == (64, 1)


@pytest.mark.parametrize(
    "params",
    [{"op": "get", "port_public_ip(4)": ""}, {"op": "get", "sim_imei(0)": ""}, {"op": "get"},
     {"op": "lock", "port": "1"}, {"op": "get", "ports_rx_tx(0)": ""}],
)  # fmt: skip
def test_get_of_unknown_parameters_or_foreign_ops_answers_code_1(params: dict[str, str]) -> None:
    cfg, _ = make()
    status, answer = cfg.handle_goip_send_cmd({**CREDS, **params}, None, 0.0)
    assert status == 200
    fails(answer, RouterCode.BAD_PARAMETER)


def test_set_with_a_body_that_is_not_a_form_is_refused() -> None:
    cfg, _ = make()
    status, answer = cfg.handle_goip_send_cmd({**CREDS, "op": "set"}, b"\xff\xfe", 0.0)
    assert status == 200
    fails(answer, RouterCode.BAD_BODY)


def test_flight_mode_redial_drops_the_ip_then_brings_a_new_one_after_delay() -> None:
    cfg, ports = make()
    ok(cmd(cfg, op="redial", port="2", mode="0", delay="4", now=100.0))
    assert ports.redialling(2)
    assert cmd(cfg, op="get", **{"port_public_ip(1)": ""})["port_public_ip(1)"] == ""
    assert ports.advance(109.9) == []
    assert ports.advance(110.0) == [2]
    new_ip = cmd(cfg, op="get", **{"port_public_ip(1)": ""})["port_public_ip(1)"]
    assert new_ip not in ("", "203.0.113.2")


def test_fast_mode_redial_keeps_the_ip_and_ignores_delay() -> None:
    cfg, ports = make()
    ok(cmd(cfg, op="redial", port="1,3", mode="1", delay="30"))
    assert ports.advance(2.0) == [1, 3]
    assert cmd(cfg, op="get", port_public_ip="")["port_public_ip"].split(",")[0] == "203.0.113.1"


def test_redial_without_mode_is_flight_mode() -> None:
    cfg, ports = make()
    ok(cmd(cfg, op="redial", port="all"))
    assert ports.advance(5.9) == []
    assert ports.advance(6.0) == [1, 2, 3, 4]


@pytest.mark.parametrize("params", [{}, {"port": "9"}, {"port": "x"}, {"port": "1", "mode": "2"},
                                    {"port": "1", "delay": "soon"}, {"port": "3-1"}])  # fmt: skip
def test_redial_with_bad_parameters_is_refused(params: dict[str, str]) -> None:
    cfg, ports = make()
    status, answer = cfg.handle_goip_send_cmd({**CREDS, "op": "redial", **params}, None, 0.0)
    assert status == 200
    fails(answer, RouterCode.BAD_PARAMETER)
    assert not any(ports.redialling(p) for p in range(1, 5))


def test_redial_of_a_port_that_is_not_dialled_or_already_redialling_is_refused() -> None:
    cfg, ports = make()
    ports.not_dialled.add(4)
    fails(cmd(cfg, op="redial", port="4"), RouterCode.REFUSED)
    ok(cmd(cfg, op="redial", port="1"))
    fails(cmd(cfg, op="redial", port="1"), RouterCode.REFUSED)


def test_parse_ports_reads_numbers_slots_letters_and_ranges() -> None:
    assert parse_ports("1.01,2B,3-4", 4) == [1, 2, 3, 4]
    assert parse_ports("*", 2) == [1, 2]
    assert parse_ports("5", 4) is None


# -- robustness ------------------------------------------------------------------------------------
_keys = st.sampled_from([
    "proxies", "users", "urls", "enable", "enbale", "deleted_set", "added_set", "name", "port", "interfaces",
    "active", "pwd", "mark", "Mark",
])  # fmt: skip
_json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 70000),
        st.text(max_size=12),
        st.sampled_from(["*", "127.0.0.1", "10.0.0.0/8", "a.com", "*.b.com"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=16,
)
_query_values = st.one_of(
    st.text(max_size=10),
    st.sampled_from(
        ["http", "socks5", "add", "update", "delete", "enabled", "get", "set", "redial", "1", "all"]
    ),
)
_queries = st.dictionaries(
    st.sampled_from([
        "mode", "op", "state", "port", "delay", "ttl", "data_service_enable", "port_public_ip(0)",
        "port_rx_tx", "x",
    ]),
    _query_values,
)  # fmt: skip
_endpoints = ["proxy", "proxy_user", "proxy_white_list", "proxy_black_list", "proxy_access_log",
              "ip_white_list", "ip_black_list"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    query=_queries,
    data=_json_values,
    raw=st.one_of(st.none(), st.binary(max_size=40)),
    method=st.sampled_from(["GET", "POST", None]),
)
def test_no_query_or_body_makes_a_handler_raise(
    query: dict[str, str], data: Any, raw: bytes | None, method: str | None
) -> None:
    cfg, _ = make()
    for body in (raw, json.dumps(data).encode()):
        for endpoint in _endpoints:
            status, answer = getattr(cfg, f"handle_{endpoint}")(query, body, 0.0, method)
            assert status == 200
            conforms(f"ejoin/router/{endpoint}.response", answer)
        status, answer = cfg.handle_goip_send_cmd(query, body, 0.0)
        assert status == 200
        conforms("ejoin/goip_send_cmd.response", answer)
    assert isinstance(cfg.ip_allowed(query.get("x", "127.0.0.1")), bool)
