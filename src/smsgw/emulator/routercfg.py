"""MultiWan router configuration: proxies, proxy users, URL and IP lists, redial and port parameters.

Ejoin MultiWan Router HTTP Development Spec 2.2: §8 (``/proxy``, ``/proxy_user``,
``/proxy_white_list``, ``/proxy_black_list``, ``/proxy_access_log``), §9-§10 (``/ip_white_list``,
``/ip_black_list``) and §4.1.2 (``goip_send_cmd.html``: ``op=redial`` with ``mode``/``delay``, ``op=get``
and ``op=set`` of ``port_public_ip(n)``, ``port_rx_tx(n)``, ``ports_rx_tx``, ``ttl``,
``data_service_enable``); the proxy gateway document (§4.2, §5.2-§5.3) shares the redial and public IP
part. :class:`RouterConfig` holds the configuration and answers with plain ``(HTTP status, JSON)``;
facts about the ports (how many, public IP, traffic counters, redial) come through
:class:`PortFacts`, which the device core implements (:class:`SimplePorts` is a small one).

How the documents are read (the schemas under ``schemas/ejoin/router/`` and the errata decide keys):

* §8: "the GET method is used to get the current configuration and the POST method is used to set
  the configuration". A GET with ``state`` answers ``code, reason, mode, enabled``; a GET without it
  adds ``size`` and the list. A POST needs ``op``. Every answer is HTTP 200 with ``code`` 0 on success
  and a :class:`RouterCode` otherwise (the document gives no failure codes). Each ``mode`` (``http``,
  ``socks5``) has its own configuration; the answers encode the mode as 3 (HTTP) and 2 (SOCKS5).
* A POST applies all of its items or none: one bad item refuses the whole request.
* ``/proxy``: names get the type prefix (§8.1.6: "foo" → "http-foo"); update and delete take the name
  as GET lists it (the bare name is accepted too); a listening port may serve one proxy only, across
  both modes; ``interfaces`` is ``[0]`` (all WAN ports) or port numbers of the device.
* ``/proxy_user``: the GET answer leaves out ``pwd`` (optional in the table) unless
  ``show_user_passwords`` is set: the emulator answers no secrets by default. The add item's remark
  is ``mark``; the table's ``Mark`` is read too (E-EJ-RT-PROXY-USER-MARK-CASE).
* URL lists: entries are host patterns (§8.3.6): ``*``, exact, ``*.suffix``, ``prefix.*``; adding a
  present entry changes nothing, deleting an absent one is refused. :meth:`RouterConfig.url_allowed`
  applies them.
* Enforcement: :meth:`RouterConfig.active_proxies` names the proxies that listen (active, in a mode
  whose status is enabled), :meth:`RouterConfig.proxy_user_allowed` applies the users (with the user
  status enabled only a configured name and pwd are served); :mod:`smsgw.emulator.proxy_server` runs
  them as real loopback listeners.
* IP lists (§9-§10): the body holds ``enable`` and the two sets; deletions are applied before
  additions; deleting an absent entry is not an error (the sets are a difference). The switch key is
  ``enable`` (E-EJ-RT-IPLIST-ENBALE: normative); ``enbale`` is read as well, and with the quirk
  ``quirk.enbale-typo`` the answers spell it ``enbale`` as the tables do (a NON-STRICT device). Entries
  are IPv4 addresses and CIDR subnets with host bits allowed (the document's own ``192.168.1.1/24``),
  and ``*`` in the black list; address ranges are not in the document and are refused.
* :meth:`RouterConfig.ip_allowed`: with the white list enabled only listed sources are served, and a
  listed source is served even if the black list names it (§10.2: "using the * symbol to configure the
  blacklist will block all IP addresses ..., so the whitelist feature must be configured and enabled
  first"); otherwise, with the black list enabled, listed sources are refused. A source that is not an
  IPv4 address matches only ``*``.
* ``goip_send_cmd``: an ``op=get`` answer carries each asked parameter under its lowercase name
  (``port_public_ip(0)``: port 1; indexes from 0). Without an index the value covers every port, comma
  separated in port order; traffic is ``"<rx bytes>/<tx bytes>"`` (``ports_rx_tx`` = ``port_rx_tx``).
  With ``data_service_enable`` 0 the public IPs are empty. ``op=set`` takes the values from the query
  and/or an ``a=b&c=d`` body and answers ``par_set``. ``op=redial`` takes ``port`` (numbers, ranges,
  ``all``), ``mode`` (0 flight, 1 fast, default 0) and ``delay`` (seconds, flight mode only).

Credentials are not checked here: the adapter authenticates and calls :meth:`RouterConfig.ip_allowed`
before dispatching.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol
from urllib.parse import parse_qsl

from smsgw.emulator.faults import defect

__all__ = [
    "ENBALE_QUIRK",
    "PortFacts",
    "RouterCode",
    "RouterConfig",
    "SimplePorts",
    "host_matches",
    "parse_ip_entry",
    "parse_ports",
]

D_ROUTER_CODE_200 = defect(
    "defect.router-code-200", "proxy and IP list answers use code 200 for success, not 0"
)
D_PROXY_MODE_DEFAULT = defect(
    "defect.proxy-mode-default-http", "a proxy request without mode is read as mode=http"
)
D_PROXY_GET_OP = defect("defect.proxy-get-op-applied", "a GET with op=enabled/disabled changes the status")
D_PROXY_STATE_ZERO = defect(
    "defect.proxy-state-zero-refused", "a GET with state=0 is refused (only state=1 works)"
)
D_PROXY_MODE_SWAPPED = defect("defect.proxy-mode-swapped", "answers encode http as 2 and socks5 as 3")
D_PROXY_ENABLED_BOOL = defect("defect.proxy-enabled-bool", "proxy answers send enabled as true/false")
D_PROXY_SIZE_MISSING = defect("defect.proxy-size-missing", "proxy list answers lack size")
D_PROXY_INTERFACES_STRING = defect(
    "defect.proxy-interfaces-string", 'proxy and user interfaces are listed as a string ("0")'
)
D_PROXY_STATUS_IGNORED = defect(
    "defect.proxy-status-ignored", "op=enabled/disabled answers 0 but changes nothing"
)
D_PROXY_ADD_IGNORED = defect("defect.proxy-add-ignored", "op=add answers 0 but stores nothing")
D_PROXY_UPDATE_IGNORED = defect("defect.proxy-update-ignored", "op=update answers 0 but changes nothing")
D_PROXY_DELETE_IGNORED = defect("defect.proxy-delete-ignored", "op=delete answers 0 but deletes nothing")
D_PROXY_NAME_UNPREFIXED = defect(
    "defect.proxy-name-unprefixed", 'added proxies keep the bare name (no "http-")'
)
D_PROXY_NAME_UNBOUNDED = defect(
    "defect.proxy-name-unbounded", "proxy names longer than 32 characters are accepted"
)
D_PROXY_ADD_PARTIAL = defect(
    "defect.proxy-add-partial", "a proxy added without active is accepted (active 1)"
)
D_PROXY_USER_UNBOUNDED = defect(
    "defect.proxy-user-unbounded", "proxy user names and passwords longer than 20 characters are accepted"
)
D_PROXY_PATTERN_REFUSED = defect("defect.proxy-url-prefix-refused", 'URL patterns "prefix.*" are refused')
D_PROXY_NOT_LISTENING = defect(
    "defect.proxy-not-listening",
    "an active proxy of an enabled mode is listed, but nothing listens on its port",
)
D_PROXY_USERS_NOT_ENFORCED = defect(
    "defect.proxy-users-not-enforced",
    "with proxy users enabled the proxy still serves requests without (or with wrong) credentials",
)
D_PROXY_WHITELIST_NOT_ENFORCED = defect(
    "defect.proxy-whitelist-not-enforced",
    "the proxy forwards to hosts the enabled URL whitelist does not match",
)
D_PROXY_BLACKLIST_NOT_ENFORCED = defect(
    "defect.proxy-blacklist-not-enforced", "the proxy forwards to hosts the enabled URL blacklist matches"
)
D_IP_LIST_KEY = defect("defect.ip-list-enabled-key", "IP list answers name the switch enabled, not enable")
D_IP_LIST_POST_IGNORED = defect("defect.ip-list-post-ignored", "IP list POSTs answer 0 but change nothing")
D_IP_LIST_UNCHECKED = defect(
    "defect.ip-list-entries-unchecked", "IP list entries that are not IPv4 are stored"
)
D_IP_BLACK_STAR = defect("defect.ip-black-star-refused", 'the IP blacklist refuses "*"')
D_IP_WHITE_NO_PRECEDENCE = defect(
    "defect.ip-white-no-precedence", "the IP blacklist refuses sources the enabled whitelist lists"
)
D_IP_SUBNETS_IGNORED = defect(
    "defect.ip-list-subnets-ignored", "IP list subnet entries (a.b.c.d/n) never match a source"
)
D_IP_BLACK_NOT_ENFORCED = defect("defect.ip-black-not-enforced", "the enabled IP blacklist refuses nobody")
D_IP_WHITE_NOT_ENFORCED = defect(
    "defect.ip-white-not-enforced", "the enabled IP whitelist does not refuse unlisted sources"
)

D_REDIAL_IGNORED = defect("defect.redial-ignored", "op=redial answers 0 but the port is not redialled")
D_REDIAL_DEFAULT_FAST = defect(
    "defect.redial-default-fast", "a redial without mode is a fast redial (no re-registration)"
)
D_REDIAL_FAST_REREGISTERS = defect(
    "defect.redial-fast-reregisters", "a fast redial (mode=1) re-registers the SIM"
)
D_REDIAL_DELAY_IGNORED = defect(
    "defect.redial-delay-ignored", "a flight-mode redial dials at once, whatever delay says"
)
D_PARAM_INDEX_FROM_1 = defect(
    "defect.router-param-index-from-1", "port_public_ip(n) and port_rx_tx(n) count n from 1, not 0"
)
D_DATA_SERVICE_IGNORED = defect(
    "defect.data-service-set-ignored", "op=set data_service_enable answers par_set but changes nothing"
)
D_TTL_MAX_128 = defect("defect.ttl-max-128", "op=set refuses a ttl above 128")
D_TTL_UNCHECKED = defect("defect.ttl-unchecked", "op=set takes any ttl (0, 256, ...)")

#: Answer the IP list switch with the tables' spelling ``enbale`` (a NON-STRICT device).
ENBALE_QUIRK = "quirk.enbale-typo"
MODES = {"http": 3, "socks5": 2}
_NAME_PREFIX = {"http": "http-", "socks5": "socks5-"}
_RESERVED_QUERY = frozenset(
    {"username", "Username", "password", "op", "version", "seq", "auth", "session", "expires", "port", "mode"}
)
_HOST_PATTERN = re.compile(
    r"^(\*|(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(\.\*)?)$"
)
_PORT_ITEM = re.compile(r"^(\d{1,3})(?:\.\d{2}|[A-Z])?$")
_PARAM = re.compile(r"^(?P<name>[a-z_]+)(?:\((?P<index>\d{1,4})\))?$")


class RouterCode(IntEnum):
    """``code`` of the answers: 0 success (§8-§10), the failures are this emulator's."""

    OK = 0
    BAD_PARAMETER = 1
    BAD_BODY = 2
    NOT_FOUND = 3
    ALREADY_EXISTS = 4
    REFUSED = 5


class PortFacts(Protocol):
    """What the router configuration needs to know about the ports; ports count from 1."""

    @property
    def port_count(self) -> int: ...

    def public_ip(self, port: int) -> str:
        """The port's public IPv4 address, "" while it has no data connection."""
        ...

    def rx_tx(self, port: int) -> tuple[int, int]:
        """Bytes received and transmitted on the port's WAN."""
        ...

    def redial(self, port: int, mode: int, delay: float, now: float) -> bool:
        """Start a redial (mode 0 flight, 1 fast); False when the port cannot redial now."""
        ...


@dataclass
class _Pending:
    done_at: float
    new_ip: bool


@dataclass
class SimplePorts:
    """A plain :class:`PortFacts`: fixed IPs and counters, redials that finish after a while.

    A flight-mode redial (mode 0) re-registers and gets a new address from ``ip_pool_base``
    (``flight_time`` + ``delay`` seconds); a fast redial (mode 1) keeps it (``fast_time`` seconds).
    The port has no public IP while redialling; a port in ``not_dialled`` refuses to redial.
    """

    ips: list[str]
    rx: list[int] = field(default_factory=list)
    tx: list[int] = field(default_factory=list)
    flight_time: float = 6.0
    fast_time: float = 2.0
    ip_pool_base: str = "100.64.0.0"
    not_dialled: set[int] = field(default_factory=set)
    _pending: dict[int, _Pending] = field(default_factory=dict, repr=False)
    _next_ip: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        count = len(self.ips)
        self.rx = self.rx or [0] * count
        self.tx = self.tx or [0] * count

    @property
    def port_count(self) -> int:
        return len(self.ips)

    def public_ip(self, port: int) -> str:
        return "" if port in self._pending else self.ips[port - 1]

    def rx_tx(self, port: int) -> tuple[int, int]:
        return self.rx[port - 1], self.tx[port - 1]

    def redial(self, port: int, mode: int, delay: float, now: float) -> bool:
        if port in self.not_dialled or port in self._pending:
            return False
        duration = self.flight_time + delay if mode == 0 else self.fast_time
        self._pending[port] = _Pending(now + duration, new_ip=mode == 0)
        return True

    def redialling(self, port: int) -> bool:
        return port in self._pending

    def advance(self, now: float) -> list[int]:
        """Finish the redials due by ``now``; returns their ports."""
        done = sorted(p for p, pending in self._pending.items() if now >= pending.done_at)
        for port in done:
            if self._pending.pop(port).new_ip:
                self._next_ip += 1
                self.ips[port - 1] = str(ipaddress.IPv4Address(self.ip_pool_base) + self._next_ip)
        return done


# -- value parsing --------------------------------------------------------------------------------
def parse_ports(spec: str, port_count: int) -> list[int] | None:
    """Port numbers of a command ``port``/``ports`` value; None when malformed or out of range.

    ``all``/``*``, numbers, ``port.slot`` and letter forms (only the port counts) and ranges.
    """
    text = spec.strip()
    if text in ("all", "*"):
        return list(range(1, port_count + 1))
    chosen: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        a, b = _PORT_ITEM.match(first), _PORT_ITEM.match(last or first)
        if a is None or b is None:
            return None
        low, high = int(a.group(1)), int(b.group(1))
        if not 1 <= low <= high <= port_count:
            return None
        chosen.update(range(low, high + 1))
    return sorted(chosen)


def parse_ip_entry(entry: object, *, allow_star: bool) -> ipaddress.IPv4Network | str | None:
    """An IP list entry as a network (an address is a /32), ``"*"``, or None when not valid."""
    if not isinstance(entry, str):
        return None
    if entry == "*":
        return "*" if allow_star else None
    if not re.fullmatch(r"[0-9./]{7,18}", entry):
        return None
    try:
        return ipaddress.IPv4Network(entry, strict=False)
    except ValueError:
        return None


def host_matches(pattern: str, host: str) -> bool:
    """§8.3.6 URL patterns: ``*``, exact, ``*.example.com`` (suffix), ``www.example.*`` (prefix)."""
    pattern, host = pattern.lower(), host.lower().rstrip(".")
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    if pattern.endswith(".*"):
        return host.startswith(pattern[:-1])
    return host == pattern


def _flag(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1) else None


def _interfaces(value: object, port_count: int) -> list[int] | None:
    if not isinstance(value, list) or not value:
        return None
    if any(isinstance(v, bool) or not isinstance(v, int) for v in value) or len(set(value)) != len(value):
        return None
    if value == [0]:
        return [0]
    return list(value) if all(1 <= v <= port_count for v in value) else None


def _short_string(value: object, limit: int) -> str | None:
    if isinstance(value, str) and 0 < len(value) <= limit and not any(c.isspace() for c in value):
        return value
    return None


@dataclass
class _Proxy:
    name: str
    port: int
    interfaces: list[int]
    active: int


@dataclass
class _User:
    name: str
    pwd: str = field(repr=False)
    interfaces: list[int]
    mark: str = ""


@dataclass
class _ModeState:
    proxy_enabled: int = 0
    proxies: list[_Proxy] = field(default_factory=list)
    users_enabled: int = 0
    users: list[_User] = field(default_factory=list)
    white_enabled: int = 0
    white_urls: list[str] = field(default_factory=list)
    black_enabled: int = 0
    black_urls: list[str] = field(default_factory=list)
    access_log: int = 0


@dataclass
class _IPList:
    enabled: int = 0
    entries: list[str] = field(default_factory=list)

    def matches(self, address: ipaddress.IPv4Address | None, *, subnets: bool = True) -> bool:
        for entry in self.entries:
            if not subnets and "/" in entry:
                continue
            network = parse_ip_entry(entry, allow_star=True)
            if network == "*" or (
                address is not None and isinstance(network, ipaddress.IPv4Network) and address in network
            ):
                return True
        return False


Answer = tuple[int, dict[str, Any]]


def _answer(code: RouterCode = RouterCode.OK, reason: str = "OK", /, **extra: Any) -> Answer:
    return 200, {"code": int(code), "reason": reason, **extra}


def _json_body(body: bytes | None) -> dict[str, Any] | None:
    try:
        data = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _items(body: bytes | None, key: str) -> list[Any] | str:
    data = _json_body(body)
    if data is None:
        return "body must be a JSON object"
    items = data.get(key)
    if not isinstance(items, list) or not items:
        return f"body needs a non-empty '{key}' array"
    return items


Handler = Callable[["RouterConfig", Mapping[str, str], bytes | None, float, str | None], Answer]


def _bent(handler: Handler) -> Handler:
    """A §8-§10 handler as a device with the switched-on router defects answers."""

    @functools.wraps(handler)
    def bent(
        self: RouterConfig,
        query: Mapping[str, str],
        body: bytes | None,
        now: float,
        method: str | None = None,
    ) -> Answer:
        on = self.quirks.__contains__
        ip_list = handler.__name__.startswith("handle_ip_")
        real = (method or ("GET" if body is None else "POST")).upper() if ip_list else _method(query, method)
        if on(D_PROXY_MODE_DEFAULT) and "mode" not in query:
            query = {**query, "mode": "http"}
        if on(D_PROXY_GET_OP) and real == "GET" and query.get("op") in ("enabled", "disabled"):
            method = real = "POST"
        if on(D_PROXY_STATE_ZERO) and real == "GET" and query.get("state") == "0":
            return _answer(RouterCode.BAD_PARAMETER, "state must be 1")
        op = query.get("op")
        if real == "POST" and (
            (on(D_IP_LIST_POST_IGNORED) and ip_list)
            or (on(D_PROXY_STATUS_IGNORED) and op in ("enabled", "disabled"))
            or (on(D_PROXY_ADD_IGNORED) and op == "add")
            or (on(D_PROXY_UPDATE_IGNORED) and op == "update")
            or (on(D_PROXY_DELETE_IGNORED) and op == "delete")
        ):
            return _answer()
        status, answer = handler(self, query, body, now, method)
        if on(D_ROUTER_CODE_200) and answer.get("code") == 0:
            answer["code"] = 200
        if on(D_PROXY_MODE_SWAPPED) and answer.get("mode") in (2, 3):
            answer["mode"] = 5 - answer["mode"]
        if on(D_PROXY_ENABLED_BOOL) and "enabled" in answer:
            answer["enabled"] = bool(answer["enabled"])
        if on(D_PROXY_SIZE_MISSING):
            answer.pop("size", None)
        if on(D_PROXY_INTERFACES_STRING):
            for item in answer.get("proxies") or answer.get("users") or []:
                item["interfaces"] = ",".join(str(i) for i in item["interfaces"])
        if on(D_IP_LIST_KEY) and ip_list:
            for key in ("enable", "enbale"):
                if key in answer:
                    answer["enabled"] = answer.pop(key)
        return status, answer

    return bent


class RouterConfig:
    """The router's proxy, list and port-parameter configuration, with its HTTP handlers."""

    def __init__(
        self,
        ports: PortFacts,
        *,
        quirks: Collection[str] = (),
        show_user_passwords: bool = False,
        ttl: int = 64,
        data_service_enable: int = 1,
    ) -> None:
        self.ports = ports
        #: the switches on: a device passes its live ``Switches.enabled`` set (switched at run time
        #: through /_emu/faults), anything else is copied
        self.quirks: Collection[str] = quirks if isinstance(quirks, set) else frozenset(quirks)
        self.show_user_passwords = show_user_passwords
        self.ttl = ttl
        self.data_service_enable = data_service_enable
        self._modes = {mode: _ModeState() for mode in MODES}
        self.ip_white = _IPList()
        self.ip_black = _IPList()

    # -- enforcement --------------------------------------------------------------------------------
    def ip_allowed(self, source_ip: str) -> bool:
        """Whether the device serves a request from ``source_ip`` under the IP lists (§9-§10)."""
        try:
            address: ipaddress.IPv4Address | None = ipaddress.IPv4Address(source_ip.strip())
        except ValueError:
            address = None
        on = self.quirks.__contains__
        subnets = not on(D_IP_SUBNETS_IGNORED)
        black = (
            self.ip_black.enabled
            and not on(D_IP_BLACK_NOT_ENFORCED)
            and self.ip_black.matches(address, subnets=subnets)
        )
        if self.ip_white.enabled:
            if not self.ip_white.matches(address, subnets=subnets):
                return on(D_IP_WHITE_NOT_ENFORCED) and not black
            return not (black and on(D_IP_WHITE_NO_PRECEDENCE))
        return not black

    def url_allowed(self, mode: str, host: str) -> bool:
        """Whether the ``mode`` proxy forwards to ``host`` under its URL lists (§8.3-§8.4)."""
        state = self._modes[mode]
        if (
            state.white_enabled
            and D_PROXY_WHITELIST_NOT_ENFORCED not in self.quirks
            and not any(host_matches(p, host) for p in state.white_urls)
        ):
            return False
        return not (
            state.black_enabled
            and D_PROXY_BLACKLIST_NOT_ENFORCED not in self.quirks
            and any(host_matches(p, host) for p in state.black_urls)
        )

    def proxy_users_required(self, mode: str) -> bool:
        """Whether the ``mode`` proxy asks for a proxy user's credentials (§8.2: users enabled)."""
        return bool(self._modes[mode].users_enabled) and D_PROXY_USERS_NOT_ENFORCED not in self.quirks

    def proxy_user_allowed(self, mode: str, name: str | None, pwd: str | None) -> bool:
        """Whether the ``mode`` proxy serves a client that gave ``name``/``pwd`` (None: none given)."""
        if not self.proxy_users_required(mode):
            return True
        return any(u.name == name and u.pwd == pwd for u in self._modes[mode].users)

    def active_proxies(self) -> list[tuple[str, str, int]]:
        """``(mode, name, port)`` of every proxy that listens: active, in a mode whose status is enabled."""
        if D_PROXY_NOT_LISTENING in self.quirks:
            return []
        return [
            (mode, proxy.name, proxy.port)
            for mode, state in self._modes.items()
            if state.proxy_enabled
            for proxy in state.proxies
            if proxy.active
        ]

    # -- §8.1 /proxy --------------------------------------------------------------------------------
    @_bent
    def handle_proxy(
        self, query: Mapping[str, str], body: bytes | None, now: float, method: str | None = None
    ) -> Answer:
        mode = query.get("mode", "")
        if mode not in MODES:
            return _answer(RouterCode.BAD_PARAMETER, "mode must be http or socks5")
        state = self._modes[mode]
        if _method(query, method) == "GET":
            status = {"mode": MODES[mode], "enabled": state.proxy_enabled}
            if "state" in query:
                return _answer(**status)
            proxies = [{"name": p.name, "port": p.port, "interfaces": list(p.interfaces), "active": p.active}
                       for p in state.proxies]  # fmt: skip
            return _answer(**status, size=len(proxies), proxies=proxies)
        op = query.get("op", "")
        if op in ("enabled", "disabled"):
            state.proxy_enabled = int(op == "enabled")
            return _answer()
        if op not in ("add", "update", "delete"):
            return _answer(RouterCode.BAD_PARAMETER, "op must be enabled, disabled, add, update or delete")
        items = _items(body, "proxies")
        if isinstance(items, str):
            return _answer(RouterCode.BAD_BODY, items)
        if op == "add":
            return self._add_proxies(mode, items)
        found = self._find_all(items, state.proxies, _NAME_PREFIX[mode])
        if isinstance(found, tuple):
            return found
        if op == "delete":
            state.proxies = [p for p in state.proxies if p not in found]
            return _answer()
        actives = [_flag(item.get("active")) for item in items]
        if None in actives:
            return _answer(RouterCode.BAD_BODY, "every item needs active 0 or 1")
        for proxy, active in zip(found, actives, strict=True):
            proxy.active = int(active or 0)
        return _answer()

    def _add_proxies(self, mode: str, items: list[Any]) -> Answer:
        state = self._modes[mode]
        taken_names = {p.name for p in state.proxies}
        taken_ports = {p.port for s in self._modes.values() for p in s.proxies}
        new: list[_Proxy] = []
        for item in items:
            if not isinstance(item, dict):
                return _answer(RouterCode.BAD_BODY, "every item must be an object")
            name = _short_string(item.get("name"), 64 if D_PROXY_NAME_UNBOUNDED in self.quirks else 32)
            raw_port, active = item.get("port"), _flag(item.get("active"))
            if active is None and "active" not in item and D_PROXY_ADD_PARTIAL in self.quirks:
                active = 1
            interfaces = _interfaces(item.get("interfaces"), self.ports.port_count)
            port = raw_port if isinstance(raw_port, int) and not isinstance(raw_port, bool) else 0
            if name is None or not 1 <= port <= 65535 or active is None or interfaces is None:
                return _answer(RouterCode.BAD_BODY, "every item needs name (<= 32), port, interfaces, active")
            full = name if D_PROXY_NAME_UNPREFIXED in self.quirks else _NAME_PREFIX[mode] + name
            if full in taken_names or port in taken_ports:
                return _answer(RouterCode.ALREADY_EXISTS, f"proxy {full} or its port is already configured")
            taken_names.add(full)
            taken_ports.add(port)
            new.append(_Proxy(full, port, interfaces, active))
        state.proxies.extend(new)
        return _answer()

    @staticmethod
    def _find_all(items: list[Any], configured: list[Any], prefix: str) -> list[Any] | Answer:
        """The configured entries the items name (bare names get ``prefix``), or the refusal."""
        by_name = {c.name: c for c in configured}
        found = []
        for item in items:
            name = item.get("name") if isinstance(item, dict) else None
            if not isinstance(name, str) or not name:
                return _answer(RouterCode.BAD_BODY, "every item needs a name")
            match = by_name.get(name) or by_name.get(prefix + name)
            if match is None:
                return _answer(RouterCode.NOT_FOUND, f"unknown name {name[:40]!r}")
            found.append(match)
        return found

    # -- §8.2 /proxy_user ---------------------------------------------------------------------------
    @_bent
    def handle_proxy_user(
        self, query: Mapping[str, str], body: bytes | None, now: float, method: str | None = None
    ) -> Answer:
        mode = query.get("mode", "")
        if mode not in MODES:
            return _answer(RouterCode.BAD_PARAMETER, "mode must be http or socks5")
        state = self._modes[mode]
        if _method(query, method) == "GET":
            status = {"mode": MODES[mode], "enabled": state.users_enabled}
            if "state" in query:
                return _answer(**status)
            users = [self._user_json(u) for u in state.users]
            return _answer(**status, size=len(users), users=users)
        op = query.get("op", "")
        if op in ("enabled", "disabled"):
            state.users_enabled = int(op == "enabled")
            return _answer()
        if op not in ("add", "update", "delete"):
            return _answer(RouterCode.BAD_PARAMETER, "op must be enabled, disabled, add, update or delete")
        items = _items(body, "users")
        if isinstance(items, str):
            return _answer(RouterCode.BAD_BODY, items)
        if op == "add":
            return self._add_users(state, items)
        found = self._find_all(items, state.users, "")
        if isinstance(found, tuple):
            return found
        if op == "delete":
            state.users = [u for u in state.users if u not in found]
            return _answer()
        interfaces = [_interfaces(item.get("interfaces"), self.ports.port_count) for item in items]
        if any(i is None for i in interfaces):
            return _answer(RouterCode.BAD_BODY, "every item needs interfaces")
        for user, chosen in zip(found, interfaces, strict=True):
            user.interfaces = chosen or [0]
        return _answer()

    def _user_json(self, user: _User) -> dict[str, Any]:
        shown: dict[str, Any] = {"name": user.name, "interfaces": list(user.interfaces), "mark": user.mark}
        if self.show_user_passwords:
            shown["pwd"] = user.pwd
        return shown

    def _add_users(self, state: _ModeState, items: list[Any]) -> Answer:
        taken = {u.name for u in state.users}
        new: list[_User] = []
        for item in items:
            if not isinstance(item, dict):
                return _answer(RouterCode.BAD_BODY, "every item must be an object")
            limit = 64 if D_PROXY_USER_UNBOUNDED in self.quirks else 20
            name = _short_string(item.get("name"), limit)
            pwd = item.get("pwd")
            interfaces = _interfaces(item.get("interfaces"), self.ports.port_count)
            if "mark" in item and "Mark" in item:
                return _answer(RouterCode.BAD_BODY, "give mark once")
            mark = item.get("mark", item.get("Mark", ""))
            if name is None or not isinstance(pwd, str) or not 0 < len(pwd) <= limit or interfaces is None:
                return _answer(RouterCode.BAD_BODY, "every item needs name and pwd (<= 20) and interfaces")
            if not isinstance(mark, str) or len(mark) > 64:
                return _answer(RouterCode.BAD_BODY, "mark must be a string of at most 64 characters")
            if name in taken:
                return _answer(RouterCode.ALREADY_EXISTS, f"proxy user {name} already exists")
            taken.add(name)
            new.append(_User(name, pwd, interfaces, mark))
        state.users.extend(new)
        return _answer()

    # -- §8.3-§8.4 URL lists, §8.5 access log -------------------------------------------------------
    @_bent
    def handle_proxy_white_list(
        self, query: Mapping[str, str], body: bytes | None, now: float, method: str | None = None
    ) -> Answer:
        return self._url_list(query, body, method, white=True)

    @_bent
    def handle_proxy_black_list(
        self, query: Mapping[str, str], body: bytes | None, now: float, method: str | None = None
    ) -> Answer:
        return self._url_list(query, body, method, white=False)

    def _url_list(
        self, query: Mapping[str, str], body: bytes | None, method: str | None, *, white: bool
    ) -> Answer:
        mode = query.get("mode", "")
        if mode not in MODES:
            return _answer(RouterCode.BAD_PARAMETER, "mode must be http or socks5")
        state = self._modes[mode]
        enabled_attr, urls_attr = (
            ("white_enabled", "white_urls") if white else ("black_enabled", "black_urls")
        )
        urls: list[str] = getattr(state, urls_attr)
        if _method(query, method) == "GET":
            status = {"mode": MODES[mode], "enabled": getattr(state, enabled_attr)}
            if "state" in query:
                return _answer(**status)
            return _answer(**status, size=len(urls), urls=list(urls))
        op = query.get("op", "")
        if op in ("enabled", "disabled"):
            setattr(state, enabled_attr, int(op == "enabled"))
            return _answer()
        if op not in ("add", "delete"):
            return _answer(RouterCode.BAD_PARAMETER, "op must be enabled, disabled, add or delete")
        items = _items(body, "urls")
        if isinstance(items, str):
            return _answer(RouterCode.BAD_BODY, items)
        prefix_refused = D_PROXY_PATTERN_REFUSED in self.quirks
        if not all(
            isinstance(u, str)
            and len(u) <= 253
            and _HOST_PATTERN.match(u)
            and not (prefix_refused and u.endswith(".*"))
            for u in items
        ):
            return _answer(RouterCode.BAD_BODY, "every url must be *, a host name, *.suffix or prefix.*")
        if op == "add":
            urls.extend(u for u in dict.fromkeys(items) if u not in urls)
            return _answer()
        missing = [u for u in items if u not in urls]
        if missing:
            return _answer(RouterCode.NOT_FOUND, f"not in the list: {', '.join(missing[:5])}")
        setattr(state, urls_attr, [u for u in urls if u not in items])
        return _answer()

    @_bent
    def handle_proxy_access_log(
        self, query: Mapping[str, str], body: bytes | None, now: float, method: str | None = None
    ) -> Answer:
        mode = query.get("mode", "")
        if mode not in MODES:
            return _answer(RouterCode.BAD_PARAMETER, "mode must be http or socks5")
        state = self._modes[mode]
        if _method(query, method) == "GET":
            return _answer(mode=MODES[mode], enabled=state.access_log)
        op = query.get("op", "")
        if op not in ("enabled", "disabled"):
            return _answer(RouterCode.BAD_PARAMETER, "op must be enabled or disabled")
        state.access_log = int(op == "enabled")
        return _answer()

    # -- §9-§10 IP lists ----------------------------------------------------------------------------
    @_bent
    def handle_ip_white_list(
        self, query: Mapping[str, str], body: bytes | None, now: float, method: str | None = None
    ) -> Answer:
        return self._ip_list(self.ip_white, body, method, allow_star=False)

    @_bent
    def handle_ip_black_list(
        self, query: Mapping[str, str], body: bytes | None, now: float, method: str | None = None
    ) -> Answer:
        return self._ip_list(self.ip_black, body, method, allow_star=D_IP_BLACK_STAR not in self.quirks)

    def _ip_list(
        self, target: _IPList, body: bytes | None, method: str | None, *, allow_star: bool
    ) -> Answer:
        if (method or ("GET" if body is None else "POST")).upper() == "GET":
            key = "enbale" if ENBALE_QUIRK in self.quirks else "enable"
            return _answer(**{key: target.enabled, "ipset": list(target.entries)})
        data = _json_body(body)
        if data is None:
            return _answer(RouterCode.BAD_BODY, "body must be a JSON object")
        if ("enable" in data) == ("enbale" in data):
            return _answer(RouterCode.BAD_BODY, "give enable (0 or 1) once")
        enabled = _flag(data.get("enable", data.get("enbale")))
        deleted, added = data.get("deleted_set"), data.get("added_set")
        if enabled is None or not isinstance(deleted, list) or not isinstance(added, list):
            return _answer(RouterCode.BAD_BODY, "body needs enable (0 or 1), deleted_set and added_set")
        unchecked = D_IP_LIST_UNCHECKED in self.quirks
        if not unchecked and any(
            parse_ip_entry(e, allow_star=allow_star) is None for e in [*deleted, *added]
        ):
            what = "IPv4 addresses, IPv4 subnets or *" if allow_star else "IPv4 addresses or IPv4 subnets"
            return _answer(RouterCode.BAD_BODY, f"the sets hold {what}")
        kept = [e for e in target.entries if e not in deleted]
        target.entries = kept + [e for e in dict.fromkeys(added) if e not in kept]
        target.enabled = enabled
        return _answer()

    # -- §4.1.2 goip_send_cmd: redial, get, set -----------------------------------------------------
    def handle_goip_send_cmd(self, query: Mapping[str, str], body: bytes | None, now: float) -> Answer:
        """The router's ``op=redial``, ``op=get`` and ``op=set`` of router parameters.

        Other ops (lock, switch, ...) and other parameters (``sms_url``, ``sim_imei(n)``) are the
        core's: they answer code 1 here.
        """
        op = query.get("op", "")
        if op == "redial":
            return self.redial(query.get("port", ""), query.get("mode"), query.get("delay"), now)
        if op not in ("get", "set"):
            return _answer(RouterCode.BAD_PARAMETER, f"op {op!r} is not a router operation")
        params = {k: v for k, v in query.items() if k not in _RESERVED_QUERY}
        if body:
            try:
                params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
            except (UnicodeDecodeError, ValueError):
                return _answer(RouterCode.BAD_BODY, "body must be name=value&name=value")
        if not params:
            return _answer(RouterCode.BAD_PARAMETER, "no parameter named")
        if op == "get":
            values: dict[str, str] = {}
            for name in params:
                value = self.get_parameter(name)
                if value is None:
                    return _answer(RouterCode.BAD_PARAMETER, f"unknown parameter {name[:40]}")
                values[name.lower()] = value
            return _answer(**values)
        return self.set_parameters(params)

    def get_parameter(self, name: str) -> str | None:
        """The value of a router ``par_name(n)``, or None when it is not one (or out of range)."""
        match = _PARAM.match(name.lower())
        if match is None:
            return None
        base, index = match.group("name"), match.group("index")
        if base in ("ttl", "data_service_enable") and index is None:
            return str(self.ttl if base == "ttl" else self.data_service_enable)
        if base not in ("port_public_ip", "port_rx_tx", "ports_rx_tx"):
            return None
        count = self.ports.port_count
        if index is None:
            ports = range(1, count + 1)
        elif D_PARAM_INDEX_FROM_1 in self.quirks and 1 <= int(index) <= count and base != "ports_rx_tx":
            ports = range(int(index), int(index) + 1)
        elif D_PARAM_INDEX_FROM_1 not in self.quirks and int(index) < count and base != "ports_rx_tx":
            ports = range(int(index) + 1, int(index) + 2)
        else:
            return None
        if base == "port_public_ip":
            return ",".join(self.ports.public_ip(p) if self.data_service_enable else "" for p in ports)
        return ",".join("{}/{}".format(*self.ports.rx_tx(p)) for p in ports)

    def set_parameters(self, params: Mapping[str, str]) -> Answer:
        """``op=set`` of ``ttl`` (1-255) and ``data_service_enable`` (0/1): all or nothing."""
        accepted: dict[str, int] = {}
        for name, raw in params.items():
            key = name.lower()
            value = raw.strip()
            top = 128 if D_TTL_MAX_128 in self.quirks else 255
            if (
                key == "ttl"
                and value.isdigit()
                and (D_TTL_UNCHECKED in self.quirks or 1 <= int(value) <= top)
            ):
                accepted["ttl"] = int(value)
            elif key == "data_service_enable" and value in ("0", "1"):
                accepted["data_service_enable"] = int(value)
            else:
                return _answer(RouterCode.BAD_PARAMETER, f"cannot set {name[:40]} to that value")
        self.ttl = accepted.get("ttl", self.ttl)
        if D_DATA_SERVICE_IGNORED not in self.quirks:
            self.data_service_enable = accepted.get("data_service_enable", self.data_service_enable)
        return _answer(par_set=len(accepted))

    def redial(self, ports: str, mode: str | None, delay: str | None, now: float) -> Answer:
        """``op=redial``: ``mode`` 0 flight (default) / 1 fast, ``delay`` seconds in flight mode."""
        chosen = parse_ports(ports, self.ports.port_count) if ports else None
        if chosen is None:
            return _answer(RouterCode.BAD_PARAMETER, "port must name ports of the device")
        if mode not in (None, "", "0", "1"):
            return _answer(RouterCode.BAD_PARAMETER, "mode must be 0 or 1")
        if delay not in (None, "") and not delay.isdigit():
            return _answer(RouterCode.BAD_PARAMETER, "delay must be a number of seconds")
        if D_REDIAL_IGNORED in self.quirks:
            return _answer()
        flight = mode in ("0",) or (mode in (None, "") and D_REDIAL_DEFAULT_FAST not in self.quirks)
        seconds = float(delay) if flight and delay and D_REDIAL_DELAY_IGNORED not in self.quirks else 0.0
        refused = [p for p in chosen if not self.ports.redial(p, 0 if flight else 1, seconds, now)]
        if refused:
            return _answer(RouterCode.REFUSED, f"ports not ready to redial: {_port_list(refused)}")
        return _answer()

    def reregisters(self, mode: str | None) -> bool:
        """Whether a redial with ``mode`` re-registers the SIM (flight mode: 0, the default)."""
        if D_REDIAL_IGNORED in self.quirks:
            return False
        if mode == "1":
            return D_REDIAL_FAST_REREGISTERS in self.quirks
        return mode == "0" or D_REDIAL_DEFAULT_FAST not in self.quirks


def _method(query: Mapping[str, str], method: str | None) -> str:
    """GET obtains, POST sets (§8); without a method, a query with ``op`` is a POST."""
    if method:
        return method.upper()
    return "POST" if "op" in query else "GET"


def _port_list(ports: Iterable[int]) -> str:
    return ",".join(str(p) for p in ports)
