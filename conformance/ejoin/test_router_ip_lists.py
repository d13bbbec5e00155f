"""Device IP white and black lists: /ip_white_list, /ip_black_list (router-2.2 §9, §10).

The POST checks add documentation addresses (TEST-NET-2/3, RFC 5737) that no client uses, keep the
list's switch as it was, and delete exactly what they added (the undo is registered first). ``*``
is added to the black list only while the black list is disabled. Whether the lists are enforced is
not checked: that needs a second client address, and a wrong step would lock the suite out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest

from smsgw.client import EjoinClient

LISTS = ("ip_white_list", "ip_black_list")
#: entries the checks add: an address and a subnet of the documentation ranges
ADDED = ["198.51.100.77", "203.0.113.0/24"]
#: entries a device must refuse: a name, a range, an IPv6 address, a bad mask
NOT_IPV4 = ["smsgw-suite.invalid", "198.51.100.1-198.51.100.9", "2001:db8::1", "198.51.100.0/33"]


@pytest.fixture(scope="module")
def anonymous(conformance: Any) -> Iterator[EjoinClient]:
    """A client without credentials."""
    with EjoinClient(conformance.target, "", "", timeout=conformance.timeout) as client:
        yield client


def _switch(data: Any) -> Any:
    """The list's switch: ``enable`` (normative) or ``enbale`` (the tables, E-EJ-RT-IPLIST-ENBALE)."""
    return data.get("enable", data.get("enbale")) if isinstance(data, dict) else None


def _ipset(ejoin: Any, name: str) -> list[Any] | None:
    data = ejoin.get(name).data
    ipset = data.get("ipset") if isinstance(data, dict) else None
    return ipset if isinstance(ipset, list) else None


def _post(ejoin: Any, name: str, enable: Any, added: list[str], deleted: list[str]) -> Any:
    return ejoin.post(name, {"enable": enable, "deleted_set": deleted, "added_set": added})


def _valid_entry(entry: Any, *, star: bool) -> bool:
    if entry == "*":
        return star
    try:
        ipaddress.IPv4Network(entry, strict=False)
    except (ValueError, TypeError):
        return False
    return True


@pytest.mark.requirement(
    "EJ-IPLIST-WHITE-GET", "EJ-IPLIST-BLACK-GET", "EJ-IPLIST-ENABLE-KEY", "EJ-IPLIST-CREDENTIALS"
)
@pytest.mark.parametrize("name", LISTS)
def test_ip_list_is_read_with_get(check, ejoin, anonymous, name):
    """router-2.2 §9.1.3/§10.1.3: "code int Y; reason string Y; enbale int 0: Disabled 1: Enabled Y;
    ipset array Y" (the switch is ``enable``, E-EJ-RT-IPLIST-ENBALE); §9.1.2: "username Device
    username, Required Y; password Device password, Required Y"."""
    own = "EJ-IPLIST-WHITE-GET" if name == "ip_white_list" else "EJ-IPLIST-BLACK-GET"
    other = "EJ-IPLIST-BLACK-GET" if name == "ip_white_list" else "EJ-IPLIST-WHITE-GET"
    resp = ejoin.get(name)
    data = resp.data if isinstance(resp.data, dict) else {}
    check.schema(f"ejoin/router/{name}.response", data, requirement=own)
    check.expect(
        resp.status == 200 and data.get("code") == 0 and isinstance(data.get("ipset"), list),
        f"GET /{name} answered HTTP {resp.status}: {resp.text[:200]}",
        requirement=own,
    )
    check.info(f"graded by the {name.replace('ip_', '').replace('_list', '')} list's case", requirement=other)
    if "enable" in data:
        check.expect(
            data["enable"] in (0, 1), f"enable is {data['enable']!r}", requirement="EJ-IPLIST-ENABLE-KEY"
        )
    elif "enbale" in data and data["enbale"] in (0, 1):
        check.non_strict(
            "the switch is spelt enbale, as the tables do",
            errata=["E-EJ-RT-IPLIST-ENBALE"],
            requirement="EJ-IPLIST-ENABLE-KEY",
        )
    else:
        shown = {k: v for k, v in data.items() if k not in ("code", "reason", "ipset")}
        check.fail(f"no enable switch in the answer: {shown!r}"[:200], requirement="EJ-IPLIST-ENABLE-KEY")
    anonymous.listeners[:] = list(ejoin.listeners)  # its exchanges are this check's evidence
    resp = anonymous.request("GET", name)
    refused = resp.status >= 400 or not (isinstance(resp.data, dict) and resp.data.get("code") == 0)
    check.expect(
        refused,
        f"GET /{name} without credentials answered {resp.text[:200]}",
        requirement="EJ-IPLIST-CREDENTIALS",
    )


@pytest.mark.requirement(
    "EJ-IPLIST-WHITE-POST",
    "EJ-IPLIST-BLACK-POST",
    "EJ-IPLIST-POST-RESPONSE",
    "EJ-IPLIST-ADD-DELETE-VISIBLE",
)
@pytest.mark.parametrize("name", LISTS)
def test_ip_list_post_adds_and_deletes_entries(check, ejoin, restore, name):
    """router-2.2 §9.2.3/§10.2.3: "enable int Y; deleted_set array Y; added_set array Y"; §9.2.4:
    "code int Result code. 0 means success ...; reason string"; §9.1.3: "ipset: Array of IP
    strings"."""
    own = "EJ-IPLIST-WHITE-POST" if name == "ip_white_list" else "EJ-IPLIST-BLACK-POST"
    other = "EJ-IPLIST-BLACK-POST" if name == "ip_white_list" else "EJ-IPLIST-WHITE-POST"
    before = ejoin.get(name).data
    enable, ipset = _switch(before), (before or {}).get("ipset") if isinstance(before, dict) else None
    if enable not in (0, 1) or not isinstance(ipset, list):
        check.fail(f"GET /{name} is unreadable: {before!r}"[:300])
        return
    ours = [e for e in ADDED if e not in ipset]
    restore.push(
        f"delete {ours} from /{name}", lambda: _post(ejoin, name, _switch(ejoin.get(name).data), [], ours)
    )
    check.info("graded by the other list's case", requirement=other)
    resp = _post(ejoin, name, enable, ours, [])
    check.schema(f"ejoin/router/{name}.response", resp, requirement="EJ-IPLIST-POST-RESPONSE")
    check.expect(
        isinstance(resp.data, dict) and resp.data.get("code") == 0,
        f"POST /{name} answered {resp.text[:200]}",
        requirement="EJ-IPLIST-POST-RESPONSE",
    )
    after = _ipset(ejoin, name) or []
    check.expect(
        all(e in after for e in ours),
        f"after adding {ours} the ipset is {after!r}"[:300],
        requirement="EJ-IPLIST-ADD-DELETE-VISIBLE",
    )
    check.expect(_switch(ejoin.get(name).data) == enable, "the switch changed", requirement=own)
    resp = _post(ejoin, name, enable, [], ours)
    check.expect(
        isinstance(resp.data, dict) and resp.data.get("code") == 0,
        f"POST /{name} deleting {ours} answered {resp.text[:200]}",
        requirement="EJ-IPLIST-POST-RESPONSE",
    )
    final = _ipset(ejoin, name) or []
    check.expect(
        not any(e in final for e in ours) and all(e in final for e in ipset),
        f"after deleting {ours} the ipset is {final!r}"[:300],
        requirement="EJ-IPLIST-ADD-DELETE-VISIBLE",
    )
    check.expect(
        all(e in after for e in ours) and not any(e in final for e in ours),
        f"POST {{enable, deleted_set, added_set}} did not edit /{name}",
        requirement=own,
    )


@pytest.mark.requirement("EJ-IPLIST-ENTRY-FORMAT")
@pytest.mark.parametrize("name", LISTS)
def test_ip_list_entries_are_ipv4_addresses_or_subnets(check, ejoin, restore, name):
    """router-2.2 §9.1.3: "Each string can be: - An IPv4 address (e.g., 192.168.1.1) - An IPv4 subnet
    (e.g., 192.168.1.1/24)"."""
    before = ejoin.get(name).data
    enable = _switch(before)
    ipset = before.get("ipset") if isinstance(before, dict) else None
    if enable not in (0, 1) or not isinstance(ipset, list):
        check.fail(f"GET /{name} is unreadable")
        return
    check.expect(
        all(_valid_entry(e, star=name == "ip_black_list") for e in ipset),
        f"/{name} lists entries that are not IPv4: {ipset!r}"[:300],
    )
    for entry in NOT_IPV4:
        restore.push(
            f"delete {entry!r} from /{name}",
            lambda entry=entry: (
                entry in (_ipset(ejoin, name) or [])
                and _post(ejoin, name, _switch(ejoin.get(name).data), [], [entry])
            ),
        )
        resp = _post(ejoin, name, enable, [entry], [])
        listed = entry in (_ipset(ejoin, name) or [])
        ok = isinstance(resp.data, dict) and resp.data.get("code") == 0
        check.expect(
            not ok and not listed, f"/{name} took {entry!r} (code {(resp.data or {}).get('code')!r})"
        )


@pytest.mark.requirement("EJ-IPLIST-BLACK-STAR")
def test_ip_black_list_accepts_star(check, ejoin, restore):
    """router-2.2 §10.1.3: ""*" The * symbol represents all IP addresses." (added while the black
    list is disabled, and deleted again)."""
    before = ejoin.get("ip_black_list").data
    ipset = before.get("ipset") if isinstance(before, dict) else None
    if _switch(before) != 0 or not isinstance(ipset, list):
        check.skip("the black list is enabled (or unreadable): adding * would lock every client out")
    if "*" in ipset:
        check.ok("the black list already holds *")
        return
    restore.push("delete * from /ip_black_list", lambda: _post(ejoin, "ip_black_list", 0, [], ["*"]))
    resp = _post(ejoin, "ip_black_list", 0, ["*"], [])
    listed = "*" in (_ipset(ejoin, "ip_black_list") or [])
    check.expect(
        isinstance(resp.data, dict) and resp.data.get("code") == 0 and listed,
        f"/ip_black_list refused * ({resp.text[:200]}); listed: {listed}",
    )
    _post(ejoin, "ip_black_list", 0, [], ["*"])
