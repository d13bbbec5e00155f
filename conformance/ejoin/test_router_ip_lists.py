"""Device IP white and black lists: /ip_white_list, /ip_black_list (router-2.2 §9, §10).

The POST checks add documentation addresses (TEST-NET-2/3, RFC 5737) that no client uses, keep the
list's switch as it was, and delete exactly what they added (the undo is registered first). ``*``
is added to the black list only while the black list is disabled.

Enforcement (destructive) needs requests from a second local address of the test machine
(``--second-source-address``; 127.0.0.2 on a loopback target): the suite's own address is
whitelisted before anything is blocked, only the second address is ever listed to be refused, the
black list is enabled only after the white list has shown that the device tells the two addresses
apart (no NAT between), and both lists are put back as read (through the second address if the
first one is refused). ``*`` is never enabled in the black list: a device whose white list did not
override it would lock the suite out. The document does not say what a refused client gets: any
answer that is not the list (a dropped connection, an HTTP error, a failure code) is a refusal.
EJ-IPLIST-WHITELIST-BEFORE-STAR is the client's duty (these checks follow it); no device behaviour
shows it.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from typing import Any

import pytest

from smsgw.client import ClientError, EjoinClient
from smsgw.pytest_plugin.timers import Timers, poll_interval

LISTS = ("ip_white_list", "ip_black_list")
#: entries the checks add: an address and a subnet of the documentation ranges
ADDED = ["198.51.100.77", "203.0.113.0/24"]
#: entries a device must refuse: a name, a range, an IPv6 address, a bad mask
#: the document gives no time for a list change to apply: an expected refusal (or service) is asked
#: for again during this many document seconds before it is graded
APPLY_SECONDS = 3.0
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


# -- enforcement (§9-§10) ---------------------------------------------------------------------------
def _served(client: EjoinClient) -> tuple[bool, str]:
    """Whether the device serves ``client`` (GET /ip_white_list answers the list), and what it got."""
    try:
        resp = client.get("ip_white_list")
    except ClientError as exc:
        return False, f"no answer ({type(exc).__name__}: {exc})"[:200]
    ipset = resp.data.get("ipset") if isinstance(resp.data, dict) else None
    return resp.status == 200 and isinstance(ipset, list), f"HTTP {resp.status}: {resp.text[:120]}"


def _covers(entries: list[Any], address: str) -> bool:
    """Whether an entry of a list (an address, a subnet or ``*``) names ``address``."""
    for entry in entries:
        network = _network(entry)
        if entry == "*" or (network is not None and ipaddress.IPv4Address(address) in network):
            return True
    return False


def _network(entry: Any) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(entry, strict=False)
    except (ValueError, TypeError):
        return None


def _subnet_of(address: str, other: str) -> str:
    """The widest of ``address``/31, /32 that leaves ``other`` out (a subnet entry, §9.1.3)."""
    for prefix in (31, 32):
        network = ipaddress.IPv4Network(f"{address}/{prefix}", strict=False)
        if ipaddress.IPv4Address(other) not in network:
            return str(network)
    raise ValueError(f"{address} is {other}")


class _Lists:
    """Both device IP lists as read, set by the checks and put back exactly as read at teardown."""

    def __init__(
        self, check: Any, ejoin: EjoinClient, second: EjoinClient, restore: Any, timers: Timers
    ) -> None:
        self.ejoin, self.second = ejoin, second
        self.settle, self.interval = APPLY_SECONDS * timers.scale, poll_interval(timers)
        self.original: dict[str, tuple[int, list[Any]]] = {}
        for name in LISTS:
            data = ejoin.get(name).data
            enable, ipset = _switch(data), data.get("ipset") if isinstance(data, dict) else None
            if enable not in (0, 1) or not isinstance(ipset, list):
                check.skip(f"GET /{name} is unreadable: {str(data)[:200]}")
            self.original[name] = (enable, list(ipset))
        # LIFO: the black list is put back first, while the white list still lists the suite
        restore.push("put /ip_white_list back as read", lambda: self._put_back("ip_white_list"))
        restore.push("put /ip_black_list back as read", lambda: self._put_back("ip_black_list"))

    def set(self, name: str, enable: int, entries: list[Any], client: EjoinClient | None = None) -> bool:
        """Make list ``name`` hold exactly ``entries`` with the switch ``enable``; True on code 0."""
        client = client or self.ejoin
        current = _ipset(client, name)
        if current is None:
            return False
        deleted = [e for e in current if e not in entries]
        added = [e for e in entries if e not in current]
        resp = _post(client, name, enable, added, deleted)
        return isinstance(resp.data, dict) and resp.data.get("code") == 0

    def served(self, client: EjoinClient, *, want: bool) -> tuple[bool, str]:
        """:func:`_served`, asked again until it is ``want`` or the lists had time to apply."""
        last = [_served(client)]
        deadline = time.monotonic() + self.settle
        while last[0][0] != want and time.monotonic() < deadline:
            time.sleep(self.interval)
            last[0] = _served(client)
        return last[0]

    def _put_back(self, name: str) -> None:
        enable, entries = self.original[name]
        errors = []
        for client in (self.ejoin, self.second):
            try:
                if self.set(name, enable, entries, client):
                    return
                errors.append("refused")
            except ClientError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        raise RuntimeError(f"/{name} could not be put back from either address: {'; '.join(errors)}")


@pytest.fixture
def ip_lists(
    check: Any, ejoin: Any, restore: Any, *, ejoin_second_source: Any, source_addresses: Any, timers: Timers
) -> _Lists:
    """Both lists read (their undo registered first), once the second address is seen served."""
    return _start(
        check, ejoin, ejoin_second_source, addresses=source_addresses, restore=restore, timers=timers
    )


def _start(check: Any, ejoin: Any, second: Any, *, addresses: Any, restore: Any, timers: Timers) -> _Lists:
    """Read the lists (their undo registered first) and make sure the second address is served."""
    second.listeners[:] = list(ejoin.listeners)  # its exchanges are the check's evidence too
    lists = _Lists(check, ejoin, second, restore, timers)
    served, seen = _served(second)
    if not served:
        check.skip(
            f"the second address {addresses.second} is not served before the lists change ({seen}): "
            "it does not reach the device, or the device's lists already refuse it"
        )
    if _covers(lists.original["ip_white_list"][1], addresses.second):
        check.skip(f"the white list already names {addresses.second}: the device's lists stay as they are")
    return lists


def _whitelist_suite(check: Any, lists: _Lists, addresses: Any, *, second: bool) -> bool:
    """Enable the white list with its entries plus the suite's address (and the second one when
    ``second``); False (a FAIL recorded) when the device then refuses the suite's own address."""
    entries = lists.original["ip_white_list"][1]
    ours = [addresses.primary, addresses.second] if second else [addresses.primary]
    if not lists.set("ip_white_list", 1, entries + [a for a in ours if a not in entries]):
        check.fail(f"the white list refused the entries {ours}")
        return False
    served, seen = lists.served(lists.ejoin, want=True)
    if not served:
        check.fail(
            f"with the white list enabled and listing {addresses.primary} (the suite's address), the device "
            f"refused it ({seen}); NAT between the suite and the device would do this too"
        )
    return served


@pytest.mark.requirement("EJ-IPLIST-WHITELIST-ENFORCED")
def test_enabled_ip_white_list_serves_only_listed_addresses(
    check, ejoin, ejoin_second_source, source_addresses, ip_lists
):
    """router-2.2 §9: "Provides APIs to view and manage the IP whitelist, including
    enabling/disabling the whitelist and adding/removing IP entries": with the white list enabled, a
    listed address is served and an address it does not list is refused."""
    lists = ip_lists
    if not _whitelist_suite(check, lists, source_addresses, second=True):
        return
    served, seen = lists.served(ejoin_second_source, want=True)
    check.expect(served, f"the white list lists {source_addresses.second}, yet it was refused ({seen})")
    _whitelist_suite(check, lists, source_addresses, second=False)
    served, seen = lists.served(ejoin_second_source, want=False)
    check.expect(
        not served,
        f"the enabled white list does not list {source_addresses.second}, yet it was served ({seen})",
    )


@pytest.mark.requirement("EJ-IPLIST-BLACKLIST-ENFORCED")
def test_enabled_ip_black_list_refuses_listed_addresses(
    check, ejoin, ejoin_second_source, source_addresses, ip_lists
):
    """router-2.2 §10.2: "using the * symbol to configure the blacklist will block all IP addresses
    from accessing the device": an address (here a subnet, §10.1.3) the enabled black list names is
    refused, others are served (with the white list disabled; ``*`` itself would lock the suite out)."""
    lists = ip_lists
    # first the device shows that it tells the two addresses apart: only then is anything blocked
    if not _whitelist_suite(check, lists, source_addresses, second=False):
        return
    served, seen = lists.served(ejoin_second_source, want=False)
    if served:
        check.skip(
            f"the enabled white list leaves {source_addresses.second} out, yet the device served it "
            f"({seen}): it does not tell the addresses apart, so blocking one is not safe"
        )
    white = lists.original["ip_white_list"][1] + [source_addresses.primary]
    entry = _subnet_of(source_addresses.second, source_addresses.primary)
    black = lists.original["ip_black_list"][1]
    if not lists.set("ip_white_list", 0, white) or not lists.set("ip_black_list", 1, [*black, entry]):
        check.fail(f"the lists refused white list disabled / black list enabled with {entry}")
        return
    mine, seen_mine = lists.served(ejoin, want=True)
    served, seen = lists.served(ejoin_second_source, want=False)
    check.expect(
        mine, f"the black list names only {entry}, yet {source_addresses.primary} was refused ({seen_mine})"
    )
    check.expect(
        not served, f"the enabled black list names {entry}, yet {source_addresses.second} was served ({seen})"
    )


@pytest.mark.requirement("EJ-IPLIST-WHITELIST-OVERRIDES-BLACKLIST")
def test_ip_white_list_overrides_the_black_list(
    check, ejoin, ejoin_second_source, source_addresses, ip_lists
):
    """router-2.2 §10.2: "using the * symbol to configure the blacklist will block all IP addresses
    from accessing the device, so the whitelist feature must be configured and enabled first": an
    address both enabled lists name is served (the black list names it by a subnet; ``*`` is not
    enabled: a device failing this would lock the suite out)."""
    lists = ip_lists
    if not _whitelist_suite(check, lists, source_addresses, second=True):
        return
    entry = _subnet_of(source_addresses.second, source_addresses.primary)
    if not lists.set("ip_black_list", 1, [*lists.original["ip_black_list"][1], entry]):
        check.fail(f"the black list refused {entry}")
        return
    served, seen = lists.served(ejoin_second_source, want=True)
    check.expect(
        served,
        f"the enabled white list lists {source_addresses.second}, yet the black list entry {entry} "
        f"refused it ({seen})",
    )
    mine, seen_mine = lists.served(ejoin, want=True)
    check.expect(mine, f"{source_addresses.primary} is whitelisted, yet it was refused ({seen_mine})")
