"""Proxy configuration: /proxy, /proxy_user, /proxy_white_list, /proxy_black_list,
/proxy_access_log (router-2.2 §8).

The configuring checks are destructive: what they add carries the suite's name, is added inactive
where the document allows it, and is deleted again (the undo is registered first); a status they
switch is switched back. ``*`` goes into a URL list only while that list is disabled. Whether the
proxies listen and forward traffic (and apply users and URL lists) is checked by
``test_router_proxy_enforcement.py``, through the device to a server the suite runs itself.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from ejoin_support import proxy_enabled, router_data, router_ok

from smsgw.client import EjoinClient

ENDPOINTS = ("proxy", "proxy_user", "proxy_white_list", "proxy_black_list", "proxy_access_log")
LISTED = {"proxy": "proxies", "proxy_user": "users", "proxy_white_list": "urls", "proxy_black_list": "urls"}
MODES = {"http": 3, "socks5": 2}
PREFIX = {"http": "http-", "socks5": "socks5-"}
#: a listening port for the suite's (inactive) proxy: high, and chosen per run
TEST_PORT_BASE = 47000


@pytest.fixture(scope="module")
def anonymous(conformance: Any) -> Iterator[EjoinClient]:
    """A client without credentials."""
    with EjoinClient(conformance.target, "", "", timeout=conformance.timeout) as client:
        yield client


def _listed(ejoin: Any, endpoint: str, mode: str) -> list[Any]:
    items = router_data(ejoin.get(endpoint, mode=mode)).get(LISTED[endpoint])
    return items if isinstance(items, list) else []


def _names(ejoin: Any, endpoint: str, mode: str) -> dict[str, dict[str, Any]]:
    return {i.get("name"): i for i in _listed(ejoin, endpoint, mode) if isinstance(i, dict)}


@pytest.mark.requirement(
    "EJ-PROXY-ENDPOINTS",
    "EJ-PROXY-CODE-0-SUCCESS",
    "EJ-PROXY-STATE-QUERY",
    "EJ-PROXY-STATE-FIELDS",
    "EJ-PROXY-MODE-NUMERIC-MATCHES",
)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_proxy_endpoint_answers_its_status(check, ejoin, endpoint, mode):
    """router-2.2 §8.1.3: "if the state URL parameter is specified, the device will return the
    current status ... both state=0 and state=1 are acceptable"; "mode int Proxy mode ... 2: Socks5
    proxy 3: HTTP/HTTPS proxy; enabled int 0: Disabled 1: Enabled"; "code int ... 0 means success";
    §8.1.1-§8.5: the base URLs /proxy, /proxy_user, /proxy_white_list, /proxy_black_list,
    /proxy_access_log."""
    answers = {state: ejoin.get(endpoint, mode=mode, state=state) for state in (1, 0)}
    for state, resp in answers.items():
        data = router_data(resp)
        check.schema(f"ejoin/router/{endpoint}.response", data, requirement="EJ-PROXY-ENDPOINTS")
        check.expect(
            resp.status == 200 and isinstance(resp.data, dict),
            f"GET /{endpoint}?mode={mode}&state={state} answered HTTP {resp.status}: {resp.text[:200]}",
            requirement="EJ-PROXY-ENDPOINTS",
        )
        check.expect(
            data.get("code") == 0 and isinstance(data.get("reason"), str),
            f"state={state}: code {data.get('code')!r} reason {data.get('reason')!r}",
            requirement="EJ-PROXY-CODE-0-SUCCESS",
        )
        check.expect(
            data.get("code") == 0 and "enabled" in data,
            f"state={state} did not return the status: {resp.text[:200]}",
            requirement="EJ-PROXY-STATE-QUERY",
        )
        check.expect(
            type(data.get("mode")) is int
            and type(data.get("enabled")) is int
            and data.get("enabled") in (0, 1),
            f"state={state}: mode {data.get('mode')!r} enabled {data.get('enabled')!r}",
            requirement="EJ-PROXY-STATE-FIELDS",
        )
        check.expect(
            data.get("mode") == MODES[mode],
            f"mode={mode} answered mode {data.get('mode')!r}, not {MODES[mode]}",
            requirement="EJ-PROXY-MODE-NUMERIC-MATCHES",
        )


@pytest.mark.requirement("EJ-PROXY-MODE-REQUIRED", "EJ-PROXY-CREDENTIALS-REQUIRED")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_proxy_request_without_mode_or_credentials_is_refused(check, ejoin, anonymous, endpoint):
    """router-2.2 §8.1.2: "mode Proxy mode, Required Y. The values are as follows: http ...;
    socks5"; "username Device username, Required Y; password Device password, Required Y"."""
    resp = ejoin.get(endpoint, state=1)
    check.expect(
        not router_ok(resp),
        f"GET /{endpoint} without mode answered {resp.text[:200]}",
        requirement="EJ-PROXY-MODE-REQUIRED",
    )
    resp = ejoin.get(endpoint, mode="ftp", state=1)
    check.expect(
        not router_ok(resp),
        f"GET /{endpoint}?mode=ftp answered {resp.text[:200]}",
        requirement="EJ-PROXY-MODE-REQUIRED",
    )
    anonymous.listeners[:] = list(ejoin.listeners)  # its exchanges are this check's evidence
    resp = anonymous.request("GET", endpoint, params={"mode": "http", "state": 1})
    check.expect(
        not router_ok(resp),
        f"GET /{endpoint} without credentials answered {resp.text[:200]}",
        requirement="EJ-PROXY-CREDENTIALS-REQUIRED",
    )


@pytest.mark.requirement(
    "EJ-PROXY-INFO", "EJ-PROXY-USER-INFO", "EJ-PROXY-URL-LIST-INFO", "EJ-PROXY-SIZE-MATCHES"
)
@pytest.mark.parametrize("mode", MODES)
def test_proxy_configuration_is_listed_with_its_size(check, ejoin, mode):
    """router-2.2 §8.1.4: "mode, enabled, size int Proxy quantity, proxies array"; §8.2.4: "size,
    users array"; §8.3.4/§8.4.4: "size int ..., urls array, where each array item is a string"."""
    for endpoint, requirement in (
        ("proxy", "EJ-PROXY-INFO"),
        ("proxy_user", "EJ-PROXY-USER-INFO"),
        ("proxy_white_list", "EJ-PROXY-URL-LIST-INFO"),
        ("proxy_black_list", "EJ-PROXY-URL-LIST-INFO"),
    ):
        resp = ejoin.get(endpoint, mode=mode)
        data = router_data(resp)
        check.schema(f"ejoin/router/{endpoint}.response", data, requirement=requirement)
        key = LISTED[endpoint]
        items = data.get(key)
        check.expect(
            data.get("code") == 0
            and isinstance(items, list)
            and all(k in data for k in ("mode", "enabled", "size")),
            f"GET /{endpoint}?mode={mode} lists no {key}: {resp.text[:200]}",
            requirement=requirement,
        )
        if endpoint.endswith("_list"):
            check.expect(
                all(isinstance(u, str) for u in items or []), f"urls {items!r}"[:200], requirement=requirement
            )
        check.expect(
            type(data.get("size")) is int and data.get("size") == len(items or []),
            f"/{endpoint}?mode={mode}: size {data.get('size')!r} for {len(items or [])} {key}",
            requirement="EJ-PROXY-SIZE-MATCHES",
        )


@pytest.mark.requirement("EJ-PROXY-SET-STATUS", "EJ-PROXY-GET-READS-POST-WRITES", "EJ-PROXY-ACCESS-LOG")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_proxy_status_is_switched_by_post_only(check, ejoin, restore, endpoint):
    """router-2.2 §8: "the GET method is used to get the current configuration and the POST method
    is used to set the configuration"; §8.1.5: "specifying the URL parameter op as enabled or
    disabled, the status will be modified"; §8.5: "Enable Access Log"."""
    mode = "http"
    own = "EJ-PROXY-ACCESS-LOG" if endpoint == "proxy_access_log" else "EJ-PROXY-SET-STATUS"
    other = "EJ-PROXY-SET-STATUS" if endpoint == "proxy_access_log" else "EJ-PROXY-ACCESS-LOG"
    check.info("graded by the other endpoints' cases", requirement=other)
    before = proxy_enabled(ejoin, endpoint, mode)
    if before not in (0, 1):
        check.fail(f"GET /{endpoint}?state=1 is unreadable: {before!r}")
        return
    flipped = 1 - before
    op = "enabled" if flipped else "disabled"
    back = "disabled" if flipped else "enabled"
    restore.push(f"/{endpoint} op={back}", lambda: ejoin.post(endpoint, None, mode=mode, op=back))
    ejoin.get(endpoint, mode=mode, op=op)
    after_get = proxy_enabled(ejoin, endpoint, mode)
    check.expect(
        after_get == before,
        f"a GET with op={op} changed /{endpoint} from {before} to {after_get!r}",
        requirement="EJ-PROXY-GET-READS-POST-WRITES",
    )
    resp = ejoin.post(endpoint, None, mode=mode, op=op)
    after = proxy_enabled(ejoin, endpoint, mode)
    check.expect(
        router_ok(resp) and after == flipped,
        f"POST /{endpoint} op={op} answered {resp.text[:120]}; the status is now {after!r}",
        requirement=own,
    )
    resp = ejoin.post(endpoint, None, mode=mode, op=back)
    check.expect(
        router_ok(resp) and proxy_enabled(ejoin, endpoint, mode) == before,
        f"POST /{endpoint} op={back} did not switch it back",
        requirement=own,
    )


@pytest.mark.requirement(
    "EJ-PROXY-ADD",
    "EJ-PROXY-ADD-FIELDS",
    "EJ-PROXY-NAME-MAX-32",
    "EJ-PROXY-NAME-PREFIX",
    "EJ-PROXY-INTERFACES",
    "EJ-PROXY-UPDATE",
    "EJ-PROXY-DELETE",
)
@pytest.mark.parametrize("mode", MODES)
def test_proxy_is_added_updated_and_deleted(check, ejoin, restore, mode):
    """router-2.2 §8.1.6: "name ... It must be within 32 characters", "The specified name will
    automatically have the proxy type prefix added ... "http-foo""; "port int ..., interfaces
    array ..., active int ..., Required Y"; §8.1.4: "interfaces ... 0 means using all WAN ports";
    §8.1.7: "op as update ... modifying the proxy configuration status"; §8.1.8: "op as delete"."""
    tag = secrets.token_hex(3)
    name, port = f"smsgw{tag}", TEST_PORT_BASE + int(tag, 16) % 1000 + (0 if mode == "http" else 1000)
    full = PREFIX[mode] + name
    added: list[str] = []

    def undo() -> None:
        present = [n for n in _names(ejoin, "proxy", mode) if n in added or n in (name, full)]
        if present:
            ejoin.post("proxy", {"proxies": [{"name": n} for n in present]}, mode=mode, op="delete")

    restore.push(f"delete the suite's {mode} proxies", undo)
    resp = ejoin.post(
        "proxy",
        {"proxies": [{"name": name, "port": port, "interfaces": [0], "active": 0}]},
        mode=mode,
        op="add",
    )
    check.schema("ejoin/router/proxy.response", resp, requirement="EJ-PROXY-ADD")
    listed = _names(ejoin, "proxy", mode)
    added += [full, name]
    check.expect(
        router_ok(resp) and (full in listed or name in listed),
        f"op=add answered {resp.text[:120]}; listed: {sorted(map(str, listed))[:8]}",
        requirement="EJ-PROXY-ADD",
    )
    check.expect(
        full in listed,
        f"the proxy {name!r} is listed as {sorted(map(str, listed))[:8]}",
        requirement="EJ-PROXY-NAME-PREFIX",
    )
    entry = listed.get(full, listed.get(name, {}))
    check.expect(
        entry.get("interfaces") == [0] and entry.get("port") == port and entry.get("active") == 0,
        f"the added proxy is listed as {entry!r}",
        requirement="EJ-PROXY-INTERFACES",
    )
    # every field is required: without active it must be refused
    partial = f"smsgwp{tag}"
    added += [partial, PREFIX[mode] + partial]
    resp = ejoin.post(
        "proxy", {"proxies": [{"name": partial, "port": port + 1, "interfaces": [0]}]}, mode=mode, op="add"
    )
    names = _names(ejoin, "proxy", mode)
    check.expect(
        not router_ok(resp) and partial not in names and PREFIX[mode] + partial not in names,
        f"a proxy without active was added ({resp.text[:120]})",
        requirement="EJ-PROXY-ADD-FIELDS",
    )
    long_name = f"smsgw{tag}".ljust(33, "x")
    added += [long_name, PREFIX[mode] + long_name]
    resp = ejoin.post(
        "proxy",
        {"proxies": [{"name": long_name, "port": port + 2, "interfaces": [0], "active": 0}]},
        mode=mode,
        op="add",
    )
    names = _names(ejoin, "proxy", mode)
    check.expect(
        not router_ok(resp) and long_name not in names and PREFIX[mode] + long_name not in names,
        f"a proxy name of 33 characters was taken ({resp.text[:120]})",
        requirement="EJ-PROXY-NAME-MAX-32",
    )
    shown = full if full in listed else name
    resp = ejoin.post("proxy", {"proxies": [{"name": shown, "active": 1}]}, mode=mode, op="update")
    entry = _names(ejoin, "proxy", mode).get(shown, {})
    check.expect(
        router_ok(resp) and entry.get("active") == 1,
        f"op=update active 1 answered {resp.text[:120]}; the proxy is {entry!r}",
        requirement="EJ-PROXY-UPDATE",
    )
    resp = ejoin.post("proxy", {"proxies": [{"name": shown}]}, mode=mode, op="delete")
    check.schema("ejoin/router/proxy.response", resp, requirement="EJ-PROXY-DELETE")
    check.expect(
        router_ok(resp) and shown not in _names(ejoin, "proxy", mode),
        f"op=delete answered {resp.text[:120]}; the proxy is still listed",
        requirement="EJ-PROXY-DELETE",
    )


@pytest.mark.requirement(
    "EJ-PROXY-USER-ADD", "EJ-PROXY-USER-NAME-PWD-MAX-20", "EJ-PROXY-USER-UPDATE", "EJ-PROXY-USER-DELETE"
)
def test_proxy_user_is_added_updated_and_deleted(check, ejoin, restore):
    """router-2.2 §8.2.6: "name ... It must be within 20 characters. pwd ... It must be within 20
    characters"; "interfaces ... Required Y; Mark Remark Required N"; §8.2.7: "op as update ...:
    name; interfaces"; §8.2.8: "op as delete"."""
    mode = "http"
    tag = secrets.token_hex(3)
    name = f"smsgw{tag}"
    pwd = secrets.token_urlsafe(9)[:12]
    long_name, long_pwd = name.ljust(21, "x"), secrets.token_urlsafe(18)[:21]

    def undo() -> None:
        present = [n for n in _names(ejoin, "proxy_user", mode) if n in (name, long_name)]
        if present:
            ejoin.post("proxy_user", {"users": [{"name": n} for n in present]}, mode=mode, op="delete")

    restore.push("delete the suite's proxy users", undo)
    user = {"name": name, "pwd": pwd, "interfaces": [0], "mark": "smsgw-suite"}
    resp = ejoin.post("proxy_user", {"users": [user]}, mode=mode, op="add")
    check.schema("ejoin/router/proxy_user.response", resp, requirement="EJ-PROXY-USER-ADD")
    entry = _names(ejoin, "proxy_user", mode).get(name, {})
    shown = {k: v for k, v in entry.items() if k != "pwd"}
    check.expect(
        router_ok(resp)
        and entry.get("interfaces") == [0]
        and entry.get("mark", entry.get("Mark")) == "smsgw-suite",
        f"op=add answered {resp.text[:120]}; the user is listed as {shown!r}",
        requirement="EJ-PROXY-USER-ADD",
    )
    for bad, what in (
        ({**user, "name": long_name}, "a name"),
        ({**user, "name": name + "b", "pwd": long_pwd}, "a pwd"),
    ):
        resp = ejoin.post("proxy_user", {"users": [bad]}, mode=mode, op="add")
        names = _names(ejoin, "proxy_user", mode)
        if bad["name"] in names:
            ejoin.post("proxy_user", {"users": [{"name": bad["name"]}]}, mode=mode, op="delete")
        check.expect(
            not router_ok(resp) and bad["name"] not in names,
            f"{what} of 21 characters was taken ({resp.text[:120]})",
            requirement="EJ-PROXY-USER-NAME-PWD-MAX-20",
        )
    resp = ejoin.post("proxy_user", {"users": [{"name": name, "interfaces": [1]}]}, mode=mode, op="update")
    entry = _names(ejoin, "proxy_user", mode).get(name, {})
    check.expect(
        router_ok(resp) and entry.get("interfaces") == [1],
        f"op=update interfaces [1] answered {resp.text[:120]}; interfaces now {entry.get('interfaces')!r}",
        requirement="EJ-PROXY-USER-UPDATE",
    )
    resp = ejoin.post("proxy_user", {"users": [{"name": name}]}, mode=mode, op="delete")
    check.expect(
        router_ok(resp) and name not in _names(ejoin, "proxy_user", mode),
        f"op=delete answered {resp.text[:120]}; the user is still listed",
        requirement="EJ-PROXY-USER-DELETE",
    )


@pytest.mark.requirement("EJ-PROXY-URL-LIST-ADD", "EJ-PROXY-URL-LIST-DELETE", "EJ-PROXY-URL-PATTERNS")
@pytest.mark.parametrize("endpoint", ["proxy_white_list", "proxy_black_list"])
def test_proxy_url_list_takes_every_pattern_form(check, ejoin, restore, endpoint):
    """router-2.2 §8.3.6: "1, * - all URLs; 2, www.example.com - exact single URL match; 3,
    *.example.com - suffix match ...; 4, www.example.* - prefix matching"; "op as add"; §8.3.7: "op
    as delete"."""
    mode = "http"
    tag = secrets.token_hex(3)
    patterns = [f"www.smsgw{tag}.invalid", f"*.smsgw{tag}.invalid", f"www.smsgw{tag}.*"]
    before = _listed(ejoin, endpoint, mode)
    if proxy_enabled(ejoin, endpoint, mode) == 0 and "*" not in before:
        patterns.append("*")
    ours = [p for p in patterns if p not in before]

    def undo() -> None:
        present = [p for p in _listed(ejoin, endpoint, mode) if p in ours]
        if present:
            ejoin.post(endpoint, {"urls": present}, mode=mode, op="delete")

    restore.push(f"delete the suite's patterns from /{endpoint}", undo)
    resp = ejoin.post(endpoint, {"urls": ours}, mode=mode, op="add")
    listed = _listed(ejoin, endpoint, mode)
    check.expect(
        router_ok(resp) and all(p in listed for p in ours),
        f"op=add {ours} answered {resp.text[:120]}; listed {listed!r}"[:300],
        requirement="EJ-PROXY-URL-LIST-ADD",
    )
    for pattern in ours:
        if not router_ok(resp) or pattern not in listed:
            alone = ejoin.post(endpoint, {"urls": [pattern]}, mode=mode, op="add")
            check.expect(
                router_ok(alone), f"the pattern {pattern!r} was refused", requirement="EJ-PROXY-URL-PATTERNS"
            )
    check.expect(router_ok(resp), f"the patterns {ours} were refused", requirement="EJ-PROXY-URL-PATTERNS")
    resp = ejoin.post(endpoint, {"urls": ours}, mode=mode, op="delete")
    listed = _listed(ejoin, endpoint, mode)
    check.expect(
        router_ok(resp) and not any(p in listed for p in ours) and all(p in listed for p in before),
        f"op=delete {ours} answered {resp.text[:120]}; listed {listed!r}"[:300],
        requirement="EJ-PROXY-URL-LIST-DELETE",
    )
