"""Network commands of goip_send_cmd on the MultiWan router and the proxy gateway: redial (mode,
delay), port_public_ip, port_rx_tx / ports_rx_tx, ttl, data_service_enable (router-2.2 §4.1.2-§4.1.3,
proxy gateway §4.2-§4.3).

A redial drops the data connection of one port: the checks redial one registered port in the middle
of the device (the suite sends SMS from the first registered one, and the user's numbers are often
the last ones) and wait until it is back. ``ttl`` and ``data_service_enable`` are read before they
are set and written back.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

import pytest
from ejoin_support import poll_interval, port_number, wait_until

CMD = "goip_send_cmd.html"
#: how long a redialled port may take to be back on line (re-registration and dialling)
REDIAL_WAIT = 120.0
#: the delay (device seconds) the delay check asks for
DELAY = 20
#: a fast redial (no re-registration) is over well within this (device seconds)
FAST_WAIT = 30.0


def _ok(resp: Any) -> bool:
    return resp.status < 400 and isinstance(resp.data, dict) and resp.data.get("code") == 0


def _param(ejoin: Any, name: str) -> Any:
    resp = ejoin.get(CMD, op="get", **{name: ""})
    data = resp.data if isinstance(resp.data, dict) else {}
    return data.get(name, data.get(name.lower()))


def _ports(ejoin: Any) -> dict[int, tuple[bool, Any]]:
    """{port: (st is 3, the port's seq)} from goip_get_status (the first slot of each port)."""
    data = ejoin.get_status().data
    found: dict[int, tuple[bool, Any]] = {}
    for entry in (data.get("status") or []) if isinstance(data, dict) else []:
        if isinstance(entry, dict):
            port = port_number(entry.get("port"))
            st = str(entry.get("st", entry.get("status", ""))).split(" ", 1)[0]
            if port is not None and port not in found:
                found[port] = (st == "3", entry.get("seq"))
    return found


@pytest.fixture
def redial_port(ejoin: Any, check: Any) -> int:
    ports = sorted(p for p, (up, _) in _ports(ejoin).items() if up)
    if not ports:
        check.skip("no registered port to redial")
    return ports[len(ports) // 2]


class Watch:
    """Polls one port while it redials: its registration (st, and the status ``seq`` of the port,
    which moves with every status change) and its public IP."""

    def __init__(self, ejoin: Any, port: int, timers: Any) -> None:
        self.ejoin, self.port, self.timers = ejoin, port, timers
        self.ip_before = _param(ejoin, f"port_public_ip({port - 1})")
        self.seq_before = _ports(ejoin).get(port, (False, None))[1]
        self.left_registration = False
        self.ip_dropped = False
        self.back_after: float | None = None

    def sample(self) -> bool:
        up, seq = _ports(self.ejoin).get(self.port, (False, None))
        ip = _param(self.ejoin, f"port_public_ip({self.port - 1})")
        # re-registration: st left 3 at a poll, or the port's status seq moved (3 -> 2 -> 3)
        moved = isinstance(seq, int) and isinstance(self.seq_before, int) and seq >= self.seq_before + 2
        self.left_registration |= not up or moved
        self.ip_dropped |= not ip or ip != self.ip_before
        return up and bool(ip) and (self.ip_dropped or self.left_registration)

    def until_back(self, started: float) -> bool:
        back = wait_until(self.sample, self.timers.wait(REDIAL_WAIT), poll_interval(self.timers))
        if back:
            self.back_after = time.monotonic() - started
        return bool(back)


@pytest.mark.requirement("EJ-NET-REDIAL", "EJ-NET-REDIAL-MODE-DEFAULT-0")
def test_redial_without_mode_re_registers_the_port(check, ejoin, redial_port, timers):
    """router-2.2 §4.1.2: "redial: sim redial" (``op=redial&port=2``); "mode ... 0: flight mode (sim
    will re-registration) ... Note: not configuring this parameter will use default mode, it's the
    same as mode=0"."""
    watch = Watch(ejoin, redial_port, timers)
    started = time.monotonic()
    resp = ejoin.get(CMD, op="redial", port=str(redial_port))
    check.schema("ejoin/goip_send_cmd.response", resp, requirement="EJ-NET-REDIAL")
    check.expect(_ok(resp), f"op=redial answered {resp.text[:200]}", requirement="EJ-NET-REDIAL")
    back = watch.until_back(started)
    check.expect(
        back,
        f"port {redial_port} showed no redial (IP {'dropped' if watch.ip_dropped else 'kept'}, "
        f"registration {'left' if watch.left_registration else 'kept'}) or did not come back",
        requirement="EJ-NET-REDIAL",
    )
    check.expect(
        watch.left_registration,
        f"a redial without mode did not re-register port {redial_port} (flight mode is the default)",
        requirement="EJ-NET-REDIAL-MODE-DEFAULT-0",
    )


@pytest.mark.requirement("EJ-NET-REDIAL-MODE-VALUES")
def test_fast_redial_keeps_the_registration(check, ejoin, redial_port, timers):
    """router-2.2 §4.1.2: "mode SIM Redial mode: 0: flight mode (sim will re-registration) 1: fast
    mode (sim don't re-registration)"."""
    watch = Watch(ejoin, redial_port, timers)
    resp = ejoin.get(CMD, op="redial", port=str(redial_port), mode="1")
    check.expect(_ok(resp), f"op=redial&mode=1 answered {resp.text[:200]}")
    # a fast redial is over well within FAST_WAIT: watch the registration until the IP is back
    wait_until(watch.sample, timers.scale * FAST_WAIT, poll_interval(timers))
    check.expect(not watch.left_registration, f"a fast redial (mode=1) re-registered port {redial_port}")


@pytest.mark.requirement("EJ-NET-REDIAL-DELAY")
def test_flight_redial_waits_delay_before_dialling(check, ejoin, redial_port, timers):
    """router-2.2 §4.1.2: "delay: ... When the SIM card redials in flight mode (mode is 0) ..., delay is
    used to specify the duration of the delay for dialing after the card registration is successful,
    in seconds"."""
    watch = Watch(ejoin, redial_port, timers)
    started = time.monotonic()
    resp = ejoin.get(CMD, op="redial", port=str(redial_port), mode="0", delay=str(DELAY))
    check.expect(_ok(resp), f"op=redial&mode=0&delay={DELAY} answered {resp.text[:200]}")
    if not watch.until_back(started):
        check.fail(f"port {redial_port} did not come back after the redial")
        return
    seconds = (watch.back_after or 0.0) / timers.scale
    check.expect(
        seconds >= DELAY,
        f"port {redial_port} was back on line {seconds:.1f} s after a redial with delay={DELAY}",
    )


@pytest.mark.requirement("EJ-NET-REDIAL-IN-OPS")
def test_redial_is_accepted_in_an_ops_array(check, ejoin, redial_port, timers):
    """router-2.2 §4.1.3: "Attributes of tasks in json data: op: ... Redial: sim redial" (an op of the
    op=multiple ops array, E-EJ-RT-REDIAL-OP)."""
    watch = Watch(ejoin, redial_port, timers)
    started = time.monotonic()
    resp = ejoin.send_cmd(
        {"type": "command", "op": "multiple", "ops": [{"op": "redial", "ports": str(redial_port)}]}
    )
    check.expect(_ok(resp), f"an ops[] redial answered {resp.text[:200]}")
    check.expect(watch.until_back(started), f"port {redial_port} showed no redial after an ops[] redial")


@pytest.mark.requirement(
    "EJ-NET-PUBLIC-IP-GET", "EJ-NET-PUBLIC-IP-INDEX", "EJ-NET-RX-TX-GET", "EJ-NET-RX-TX-INDEX"
)
def test_public_ip_and_traffic_are_read_per_port(check, ejoin, device_status):
    """router-2.2 §4.1.2: "Get public ip: ...op=get&port_public_ip"; "Port_public_ip(num), num
    represents the port number ..., and the value of num variable starts from 0"; "par_name(n):
    Ports_rx_tx"; "Port_rx_tx(num) ... starts from 0"."""
    resp = ejoin.get(CMD, op="get", port_public_ip="")
    check.schema("ejoin/goip_send_cmd.response", resp, requirement="EJ-NET-PUBLIC-IP-GET")
    every = _param(ejoin, "port_public_ip")
    ips = every.split(",") if isinstance(every, str) else []
    ports = device_status.get("max-ports")
    check.expect(
        _ok(resp) and bool(ips) and (not isinstance(ports, int) or len(ips) == ports),
        f"port_public_ip answered {resp.text[:200]}",
        requirement="EJ-NET-PUBLIC-IP-GET",
    )

    def ipv4(text: str) -> bool:
        try:
            ipaddress.IPv4Address(text)
        except ValueError:
            return False
        return True

    check.expect(
        all(ip == "" or ipv4(ip) for ip in ips), f"public IPs {ips[:4]!r}", requirement="EJ-NET-PUBLIC-IP-GET"
    )
    first = _param(ejoin, "port_public_ip(0)")
    check.expect(
        bool(ips) and first == ips[0],
        f"port_public_ip(0) is {first!r}, port 1's public IP is {ips[:1]!r}",
        requirement="EJ-NET-PUBLIC-IP-INDEX",
    )
    traffic = _param(ejoin, "ports_rx_tx")
    per_port = traffic.split(",") if isinstance(traffic, str) else []
    check.expect(
        bool(per_port) and (not isinstance(ports, int) or len(per_port) == ports),
        f"ports_rx_tx answered {traffic!r}"[:200],
        requirement="EJ-NET-RX-TX-GET",
    )
    first, last = _param(ejoin, "port_rx_tx(0)"), _param(ejoin, f"port_rx_tx({len(per_port) - 1})")
    check.expect(
        bool(per_port) and first == per_port[0] and last == per_port[-1],
        f"port_rx_tx(0) is {first!r} and port_rx_tx({len(per_port) - 1}) is {last!r}; ports_rx_tx "
        f"gives {per_port[:1]!r} for port 1 and {per_port[-1:]!r} for the last port",
        requirement="EJ-NET-RX-TX-INDEX",
    )


@pytest.mark.requirement("EJ-NET-DATA-SERVICE-ENABLE")
def test_data_service_is_switched_by_data_service_enable(check, ejoin, restore):
    """router-2.2 §4.1.2: "data_service_enable; (0: disable 1: enable)"."""
    before = _param(ejoin, "data_service_enable")
    if str(before) not in ("0", "1"):
        check.fail(f"data_service_enable reads {before!r}")
        return
    other = "0" if str(before) == "1" else "1"
    restore.push(
        f"data_service_enable back to {before}",
        lambda: ejoin.set_params([("data_service_enable", str(before))]),
    )
    resp = ejoin.set_params([("data_service_enable", other)])
    check.expect(
        _ok(resp) and str(_param(ejoin, "data_service_enable")) == other,
        f"setting data_service_enable={other} answered {resp.text[:120]}; it reads "
        f"{_param(ejoin, 'data_service_enable')!r}",
    )
    ejoin.set_params([("data_service_enable", str(before))])


@pytest.mark.requirement("EJ-NET-TTL-RANGE", "EJ-NET-TTL-OUT-OF-RANGE-REFUSED")
def test_ttl_takes_1_to_255_only(check, ejoin, restore):
    """router-2.2 §4.1.2: "ttl : survival time (value range 1-255)"."""
    before = _param(ejoin, "ttl")
    if not str(before).isdigit():
        check.fail(f"ttl reads {before!r}", requirement="EJ-NET-TTL-RANGE")
        return
    restore.push(f"ttl back to {before}", lambda: ejoin.set_params([("ttl", str(before))]))
    for value in ("1", "255"):
        resp = ejoin.set_params([("ttl", value)])
        check.expect(
            _ok(resp) and str(_param(ejoin, "ttl")) == value,
            f"ttl={value} answered {resp.text[:120]}",
            requirement="EJ-NET-TTL-RANGE",
        )
    ejoin.set_params([("ttl", str(before))])
    for value in ("0", "256"):
        resp = ejoin.set_params([("ttl", value)])
        check.expect(
            not _ok(resp) and str(_param(ejoin, "ttl")) == str(before),
            f"ttl={value} answered {resp.text[:120]}; ttl reads {_param(ejoin, 'ttl')!r}",
            requirement="EJ-NET-TTL-OUT-OF-RANGE-REFUSED",
        )
