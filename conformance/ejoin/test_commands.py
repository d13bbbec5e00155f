"""Commands: goip_send_cmd.html (gateway-2.4 §5, §6.4.2-§6.4.4; router-2.2 §4; proxy-gateway §4).

Every check reads the effect of a command where the device reports it: the port status of
goip_get_status (``st`` 12 User locked, ``active``, ``led``, ``imei``, ``sn``) and the port-status
pushes (the module points the report URL at the suite's receiver once). Destructive checks (lock,
switch, reset, LED, IMEI/number set, save, reboot) run only with ``--allow-destructive``; each
registers the undo first (unlock, switch back, LED and values as they were) and waits until the
ports it touched are registered again. They use ports that neither send the suite's SMS nor hold a
number the user gave.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from ejoin_support import json_media_type, poll_interval, port_number, wait_until

from smsgw.client.errors import ClientError
from smsgw.receiver import WaitTimeoutError

API_VERSION = "1.1"
DEVICE = "dut-cmd"
REGISTERED, USER_LOCKED = 3, 12


# -- reading the device ---------------------------------------------------------------------------
def _entries(data: Any) -> list[dict[str, Any]]:
    status = data.get("status") if isinstance(data, dict) else None
    return [e for e in status or [] if isinstance(e, dict)]


def _st(entry: dict[str, Any] | None) -> int | None:
    st = (entry or {}).get("st", (entry or {}).get("status"))
    head = str(st).split(" ", 1)[0] if st is not None else ""
    return int(head) if head.isdigit() else None


def _slot(name: Any) -> int | None:
    """``"3.02"`` -> 2, ``"3B"`` -> 2, ``"3"`` -> None."""
    match = re.match(r"^\d+(?:\.(\d+)|([A-Za-z]))$", str(name))
    if not match:
        return None
    return int(match.group(1)) if match.group(1) else ord(match.group(2).upper()) - ord("A") + 1


def current_cards(ejoin: Any) -> dict[int, dict[str, Any]]:
    """Port -> the status entry of its current card (goip_get_status without all_sims)."""
    cards: dict[int, dict[str, Any]] = {}
    for entry in _entries(ejoin.get_status().data):
        port = port_number(entry.get("port"))
        if port is not None:
            cards[port] = entry
    return cards


def every_card(ejoin: Any) -> dict[tuple[int, int], dict[str, Any]]:
    """(port, slot) -> status entry of every slot (goip_get_status all_slots=1, gateway-2.4)."""
    cards: dict[tuple[int, int], dict[str, Any]] = {}
    for entry in _entries(ejoin.get_status(all_slots=1).data):
        port, slot = port_number(entry.get("port")), _slot(entry.get("port"))
        if port is not None and slot is not None:
            cards[(port, slot)] = entry
    return cards


def _ok(resp: Any) -> bool:
    data = resp.data
    return resp.status == 200 and isinstance(data, dict) and data.get("code") == 0


def _answer(resp: Any) -> str:
    return f"HTTP {resp.status} {resp.json_error or resp.text[:160]}"


@dataclass
class Bench:
    """What the destructive checks may touch: registered ports free of the suite's SMS."""

    ejoin: Any
    timers: Any
    ports: list[int]
    slots: int

    @property
    def settle(self) -> float:
        """How long a SIM may take to register again (one status period on a real device)."""
        return self.timers.wait(self.timers.status_period)

    def until(self, predicate: Callable[[], Any]) -> Any:
        return wait_until(predicate, self.settle, poll_interval(self.timers))

    def need(self, check: Any, n: int) -> list[int]:
        if len(self.ports) < n:
            check.skip(
                f"needs {n} registered ports that the SMS checks do not use, the device has {self.ports}"
            )
        return self.ports[:n]

    def registered_again(self, ports: list[int]) -> bool:
        """Wait until the current cards of ``ports`` are registered (st 3) again."""
        return bool(
            self.until(lambda: all(_st(current_cards(self.ejoin).get(p)) == REGISTERED for p in ports))
        )

    def locked(self) -> set[int]:
        return {p for p, e in current_cards(self.ejoin).items() if _st(e) == USER_LOCKED}

    def unlock(self, ports: list[int], *, wait: bool = True) -> None:
        """The undo of a lock: one command naming the ports as a list, then one per port still
        locked (the list syntax may be what failed); then, with ``wait``, until they registered."""
        if not ports:
            return
        self.ejoin.command("unlock", ",".join(str(p) for p in ports))
        for port in sorted(self.locked() & set(ports)):
            self.ejoin.command("unlock", str(port))
        if wait:
            self.registered_again(ports)


@pytest.fixture(scope="module")
def bench(ejoin, timers, conformance, sending_port) -> Bench:
    numbers = set(conformance.phone_numbers)
    cards = current_cards(ejoin)
    owners = {p for (p, _), e in every_card(ejoin).items() if e.get("sn") in numbers}
    owners |= {p for p, e in cards.items() if e.get("sn") in numbers}
    free = [
        p for p, e in sorted(cards.items()) if _st(e) == REGISTERED and p != sending_port and p not in owners
    ]
    data = ejoin.get_status().data
    raw = data.get("max-slots", data.get("max-slot", 1)) if isinstance(data, dict) else 1
    return Bench(ejoin, timers, free, int(raw) if str(raw).isdigit() else 1)


@pytest.fixture(scope="module")
def command_pushes(ejoin, receiver) -> Iterator[Any]:
    """The report URL pointed at the receiver (device key ``dut-cmd``) for the port-status pushes
    that follow lock and switch; reporting is cancelled again at the end (the API cannot read back
    a previous URL, so the device is left without one)."""
    ejoin.get_status(url=receiver.push_url(DEVICE))
    yield receiver
    ejoin.get_status(period=0)


def _port_status_after(receiver: Any, mark: int, port: int, timeout: float) -> Any | None:
    try:
        return receiver.wait_for(
            lambda m: (
                port_number((m.parsed or {}).get("port") if isinstance(m.parsed, dict) else None) == port
            ),
            type="port-status",
            device=DEVICE,
            after=mark,
            timeout=timeout,
        )
    except WaitTimeoutError:
        return None


# -- answers --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plain_command(ejoin, conformance) -> Any:
    """One JSON command as §5.1.3 describes it: unlock of a port that is not locked (no effect),
    Content-Type "application/json; charset=utf-8"."""
    cards = current_cards(ejoin)
    port = next((p for p, e in sorted(cards.items()) if _st(e) != USER_LOCKED), 1)
    body = json.dumps({"type": "command", "op": "unlock", "ports": str(port)})
    return ejoin.request(
        "POST",
        "goip_send_cmd.html",
        params={
            "username": conformance.username,
            "password": conformance.password.reveal(),
            "version": API_VERSION,
        },
        content=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )


@pytest.mark.requirement("EJ-CMD-URL", "EJ-CMD-BODY-JSON", "EJ-CMD-REQUEST-CONTENT-TYPE")
def test_json_command_is_accepted_at_goip_send_cmd(check, plain_command):
    """gateway-2.4 §5.1.1: "http://host:port/goip_send_cmd.html"; §5.1.3: "Command sending message
    (information in HTTP message Body) is a JSON array string that composed by one or more command.
    Parameter "Content-Type" in HTTP head should set to application/json; charset=utf-8", "type |
    string | Message type | None | Y (command)"."""
    check.attach_exchange(plain_command.exchange)
    check.expect(_ok(plain_command), f"unlock of an unlocked port: {_answer(plain_command)}")


@pytest.mark.requirement("EJ-CMD-RESPONSE-JSON", "EJ-CMD-RESPONSE-CODE-0")
def test_command_answer_is_code_0_ok(check, plain_command):
    """gateway-2.4 §6.4.2: "Body {"type": "command", "op": "switch", "ports": "2.02"}; Response:
    {"code": 0, "reason": "OK"}"."""
    check.schema("ejoin/goip_send_cmd.response", plain_command, requirement="EJ-CMD-RESPONSE-JSON")
    check.expect(
        json_media_type(plain_command.headers.get("content-type")) or isinstance(plain_command.data, dict),
        f"not a JSON answer: {_answer(plain_command)}",
        requirement="EJ-CMD-RESPONSE-JSON",
    )
    data = plain_command.data if isinstance(plain_command.data, dict) else {}
    check.expect(
        data.get("code") == 0 and isinstance(data.get("reason"), str),
        f"code {data.get('code')!r}, reason {data.get('reason')!r} (want 0 and OK)",
        requirement="EJ-CMD-RESPONSE-CODE-0",
    )


@pytest.mark.requirement(
    "EJ-CMD-OP-REQUIRED", "EJ-CMD-OP-VALUES", "EJ-CMD-URL-OP-VALUES", "EJ-CMD-OPS-ITEM-OP-VALUES"
)
def test_missing_or_unknown_op_is_refused(check, ejoin):
    """gateway-2.4 §5.1.3: "op | string | operation type lock ... ledoff | None | Y"; the ops items'
    "op ... lock, unlock, switch, reset, ledon, ledoff | Y"; §5.1.2: "Op | get ... ledoff".

    Sends commands without op and with an op no document lists; none may answer 0 OK."""
    cases = [
        ("EJ-CMD-OP-REQUIRED", "a command without op", ejoin.send_cmd({"type": "command", "ports": "1"})),
        ("EJ-CMD-OP-VALUES", "op=explode", ejoin.command("explode", "1")),
        (
            "EJ-CMD-URL-OP-VALUES",
            "URL op=explode",
            ejoin.get("goip_send_cmd.html", version=API_VERSION, op="explode", ports="1"),
        ),
        (
            "EJ-CMD-OPS-ITEM-OP-VALUES",
            "an ops item with op=explode",
            ejoin.send_cmd({"type": "command", "op": "multiple", "ops": [{"op": "explode", "ports": "1"}]}),
        ),
    ]
    for rid, what, resp in cases:
        check.expect(not _ok(resp), f"{what} answered 0 OK: {_answer(resp)}", requirement=rid)


@pytest.mark.requirement("EJ-CMD-PORTS-REQUIRED", "EJ-CMD-OPS-ITEM-FIELDS")
def test_port_command_without_ports_is_refused(check, ejoin):
    """gateway-2.4 §5.1.3: "ports | string | the port NO. need to operate ... | Y (op=lock op=unlock
    op=switch op=reset op=ledon op=ledoff)"; ops items: "ports | string | ... | None | Y".

    Sends unlock (no effect on unlocked ports) without ports, alone and as an ops item."""
    alone = ejoin.send_cmd({"type": "command", "op": "unlock"})
    check.expect(
        not _ok(alone),
        f"unlock without ports answered 0 OK: {_answer(alone)}",
        requirement="EJ-CMD-PORTS-REQUIRED",
    )
    item = ejoin.send_cmd({"type": "command", "op": "multiple", "ops": [{"op": "unlock"}]})
    check.expect(
        not _ok(item),
        f"an ops item without ports answered 0 OK: {_answer(item)}",
        requirement="EJ-CMD-OPS-ITEM-FIELDS",
    )


@pytest.mark.requirement("EJ-CMD-GET", "EJ-CMD-PAR-ARRAY-INDEX-FROM-0")
def test_get_returns_the_named_parameters(check, ejoin):
    """gateway-2.4 §5.1.2: "get: get device configuration"; "par_name(n) | Parameter name of the
    get/set operation ... If the parameter is an array parameter, you can use parentheses with
    parameters, and the subscript starts from 0. Sms_url: destination URL for SMS push".

    Asks op=get for sms_url and sim_imei(0): the IMEI must be that of card 1.01 (index 0)."""
    resp = ejoin.get(
        "goip_send_cmd.html", version=API_VERSION, op="get", **{"sms_url": "", "sim_imei(0)": ""}
    )
    check.schema("ejoin/goip_send_cmd.response", resp, requirement="EJ-CMD-GET")
    data = resp.data if isinstance(resp.data, dict) else {}
    check.expect(
        data.get("code") == 0 and isinstance(data.get("sms_url"), str),
        f"op=get sms_url answered {_answer(resp)}",
        requirement="EJ-CMD-GET",
    )
    first = every_card(ejoin).get((1, 1)) or current_cards(ejoin).get(1) or {}
    check.expect(
        bool(first.get("imei")) and str(data.get("sim_imei(0)")) == str(first.get("imei")),
        f"sim_imei(0) = {data.get('sim_imei(0)')!r}, card 1.01 reports imei {first.get('imei')!r}",
        requirement="EJ-CMD-PAR-ARRAY-INDEX-FROM-0",
    )


# -- lock, unlock, port syntax --------------------------------------------------------------------
def _locked(bench: Bench, spec: str, want: set[int]) -> set[int]:
    """Lock ``spec``; the ports whose current card reports 12 User locked (waiting for ``want``)."""
    bench.ejoin.command("lock", spec)
    seen: set[int] = set()

    def probe() -> bool:
        nonlocal seen
        seen = {p for p, e in current_cards(bench.ejoin).items() if _st(e) == USER_LOCKED}
        return want <= seen

    bench.until(probe)
    return seen


@pytest.mark.requirement("EJ-CMD-LOCK", "EJ-CMD-UNLOCK", "EJ-CMD-LOCK-SWITCH-NOTIFIES")
def test_lock_and_unlock_a_port(check, bench, restore, command_pushes):
    """gateway-2.4 §5.1.3: "lock: lock port", "unlock: unlock port"; §5: "Device will send message to
    the server by port status notification when lock port or change SIM card."; §4.1.4 "12: User
    locked".

    Locks one port: its card must report 12 and a port-status push for it must follow; unlocks it:
    the card must leave 12 and register again."""
    (port,) = bench.need(check, 1)
    restore.push(f"unlock port {port}", lambda: bench.unlock([port]))
    mark = command_pushes.mark()
    resp = bench.ejoin.command("lock", str(port))
    locked = _locked(bench, str(port), {port})
    check.expect(
        _ok(resp) and port in locked,
        f"lock {port}: {_answer(resp)}; locked ports now {sorted(locked)}",
        requirement="EJ-CMD-LOCK",
    )
    push = _port_status_after(command_pushes, mark, port, bench.timers.wait(0))
    check.expect(
        push is not None,
        f"no port-status push for port {port} within {bench.timers.wait(0):.1f} s of locking it",
        requirement="EJ-CMD-LOCK-SWITCH-NOTIFIES",
    )
    if push is not None:
        check.attach_push(f"port-status #{push.id}", push.body)
    resp = bench.ejoin.command("unlock", str(port))
    check.expect(
        _ok(resp) and bench.registered_again([port]),
        f"unlock {port}: {_answer(resp)}; the card reports st {_st(current_cards(bench.ejoin).get(port))} "
        f"after {bench.settle:.1f} s",
        requirement="EJ-CMD-UNLOCK",
    )


@pytest.mark.requirement(
    "EJ-CMD-PORTS-LIST",
    "EJ-CMD-PORTS-RANGE",
    "EJ-CMD-PORTS-LETTER-FORM",
    "EJ-CMD-PORTS-ALL",
    "EJ-CMD-MULTI-PORT",
)
def test_port_lists_ranges_letters_and_all_name_their_ports(check, bench, restore):
    """gateway-2.4 §5.1.3: "Device support a single command to operate multi-ports"; ports "all,*:
    all ports"; "Request sample: "ports": "1.01,2.02,3.03,4-32"" and "1A,2B,3C,4-32".

    Locks ports named as a list, a range, in letter form, as "all" and as "*", and reads which
    ports report 12 User locked; each is unlocked again port by port."""
    p, q = bench.need(check, 2)
    before = bench.locked()
    every = sorted(current_cards(bench.ejoin))
    registered = [port for port, e in current_cards(bench.ejoin).items() if _st(e) == REGISTERED]

    def undo() -> None:
        bench.unlock(sorted(bench.locked() - before), wait=False)
        bench.registered_again(registered)

    restore.push("unlock the ports the check locked", undo)
    active = {port: _slot(e.get("port")) or 1 for port, e in current_cards(bench.ejoin).items()}
    low, high = (p, p + 1) if p + 1 in bench.ports else (q - 1, q) if q - 1 in bench.ports else (p, p)
    letter = f"{p}{chr(ord('A') + active[p] - 1)}"
    cases = [
        (("EJ-CMD-PORTS-LIST", "EJ-CMD-MULTI-PORT"), f"{p},{q}", {p, q}),
        (("EJ-CMD-PORTS-RANGE", "EJ-CMD-MULTI-PORT"), f"{low}-{high}", set(range(low, high + 1))),
        (("EJ-CMD-PORTS-LETTER-FORM",), letter, {p}),
        (("EJ-CMD-PORTS-ALL",), "all", set(every)),
        (("EJ-CMD-PORTS-ALL",), "*", set(every)),
    ]
    for rids, spec, want in cases:
        locked = _locked(bench, spec, want) - before
        check.expect(
            locked == want - before,
            f'lock "{spec}" locked ports {sorted(locked)[:12]}, want {sorted(want - before)[:12]}',
            requirement=rids,
        )
        bench.unlock(sorted(locked | (want - before)), wait=False)  # the restore waits, once


@pytest.mark.requirement("EJ-CMD-PORTS-DOTTED-FORM")
def test_port_dot_slot_names_one_card(check, bench, restore):
    """gateway-2.4 §5.1.3: "ports": "1.01,2.02,3.03,4-32"; §6.4.2: {"op": "switch", "ports": "2.02"}.

    Locks ``P.SS`` (the port's current card): that card must report 12, the port's other cards
    (goip_get_status all_slots=1) must not."""
    (port,) = bench.need(check, 1)
    restore.push(f"unlock port {port}", lambda: bench.unlock([port]))
    active = _slot(current_cards(bench.ejoin)[port].get("port")) or 1
    spec = f"{port}.{active:02d}"
    _locked(bench, spec, {port})
    cards = every_card(bench.ejoin)
    locked = sorted(s for (p, s), e in cards.items() if p == port and _st(e) == USER_LOCKED)
    check.expect(locked == [active], f'lock "{spec}" locked slots {locked} of port {port}, want [{active}]')


@pytest.mark.requirement("EJ-CMD-PORTS-BARE-PORT")
def test_bare_port_number_locks_every_card_of_the_port(check, bench, restore):
    """gateway-2.4 §5.1.3: "When op=lock unlock, if you do not specify the SIM slot, the entire port
    will be locked/unlocked."

    Locks a bare port number: every card in its slots (goip_get_status all_slots=1) must report 12."""
    (port,) = bench.need(check, 1)
    restore.push(f"unlock port {port}", lambda: bench.unlock([port]))
    _locked(bench, str(port), {port})
    cards = {s: e for (p, s), e in every_card(bench.ejoin).items() if p == port and _st(e) not in (0, None)}
    unlocked = sorted(s for s, e in cards.items() if _st(e) != USER_LOCKED)
    check.expect(
        bool(cards) and not unlocked, f'lock "{port}": slots {unlocked} of port {port} are not locked'
    )


@pytest.mark.requirement("EJ-CMD-QUERY-FORM")
def test_command_in_url_parameters_locks_and_unlocks(check, bench, restore):
    """simple-v2 §4.5: "Disable/enable ports: http://ip/goip_send_cmd.html?username=root&password=root
    &op=unlock&port=2.01"; proxy-gateway §5.2: "goip_send_cmd.html?...&port=2&op=redial".

    Locks and unlocks a port's current card by GET with op and port in the URL."""
    (port,) = bench.need(check, 1)
    restore.push(f"unlock port {port}", lambda: bench.unlock([port]))
    card = f"{port}.{_active(bench, port) or 1:02d}"
    resp = bench.ejoin.get("goip_send_cmd.html", op="lock", port=card)
    locked = bench.until(lambda: port in bench.locked())
    check.expect(
        _ok(resp) and bool(locked), f"GET op=lock&port={card}: {_answer(resp)}; locked: {bool(locked)}"
    )
    resp = bench.ejoin.get("goip_send_cmd.html", op="unlock", port=card)
    check.expect(_ok(resp) and bench.registered_again([port]), f"GET op=unlock&port={card}: {_answer(resp)}")


@pytest.mark.requirement("EJ-CMD-PORTS-DOTTED-RANGE")
def test_range_of_port_slot_names_every_port_between(check, bench, restore):
    """simple-v2 §4.5: "Switch sim cards of all ports (for example 64 ports):
    http://ip/goip_send_cmd.html?port=1.01-64.01&op=switch".

    Locks ``P.SS-Q.SS`` over three neighbouring free ports on the same slot: all three must lock."""
    cards = current_cards(bench.ejoin)
    slot_of = {p: _slot(cards[p].get("port")) or 1 for p in bench.ports if p in cards}
    run = next(
        (p for p in bench.ports if all(p + i in slot_of and slot_of[p + i] == slot_of[p] for i in (1, 2))),
        None,
    )
    if run is None:
        check.skip("needs three neighbouring free ports on the same slot")
    ports = [run, run + 1, run + 2]
    restore.push(f"unlock ports {ports}", lambda: bench.unlock(ports))
    spec = f"{run}.{slot_of[run]:02d}-{run + 2}.{slot_of[run]:02d}"
    locked = _locked(bench, spec, set(ports)) & set(ports)
    check.expect(locked == set(ports), f'lock "{spec}" locked {sorted(locked)} of {ports}')


# -- switch, reset, LED ---------------------------------------------------------------------------
def _other_slot(bench: Bench, check: Any, port: int, active: int) -> int:
    """A slot of ``port`` with a card, not the current one and not simply the next one."""
    cards = every_card(bench.ejoin)
    present = [
        s for (p, s), e in sorted(cards.items()) if p == port and s != active and _st(e) not in (0, None)
    ]
    if not present:
        check.skip(f"port {port} has no second card to switch to")
    return next((s for s in present if s != active % bench.slots + 1), present[0])


def _active(bench: Bench, port: int) -> int | None:
    return _slot(current_cards(bench.ejoin).get(port, {}).get("port"))


@pytest.mark.requirement("EJ-CMD-SWITCH")
def test_switch_makes_the_named_slot_current(check, bench, restore):
    """gateway-2.4 §5.1.3: "switch: switch SIM card"; "When op=switch, it means to switch to this
    location."

    Switches a port to a slot that is neither its current nor its next one, reads the current card
    (goip_get_status), and switches back."""
    (port,) = bench.need(check, 1)
    was = _active(bench, port) or 1
    target = _other_slot(bench, check, port, was)

    def back() -> None:
        bench.ejoin.command("switch", f"{port}.{was:02d}")
        bench.registered_again([port])

    restore.push(f"switch port {port} back to slot {was}", back)
    resp = bench.ejoin.command("switch", f"{port}.{target:02d}")
    now = bench.until(lambda: _active(bench, port) == target)
    check.expect(
        _ok(resp) and bool(now),
        f'switch "{port}.{target:02d}": {_answer(resp)}; the current card is slot {_active(bench, port)}',
    )


@pytest.mark.requirement("EJ-CMD-RESET-PORT-ONLY")
def test_reset_restarts_the_module_and_ignores_the_slot(check, bench, restore, command_pushes):
    """gateway-2.4 §5.1.3: "reset: reboot module"; "When op=reset, only the port number is valid."

    Resets ``P.SS`` naming another slot than the current one: the port's module restarts (a
    port-status push follows as the card registers again) and the current card stays the same."""
    (port,) = bench.need(check, 1)
    was = _active(bench, port) or 1
    other = _other_slot(bench, check, port, was)

    def back() -> None:
        if _active(bench, port) != was:
            bench.ejoin.command("switch", f"{port}.{was:02d}")
        bench.registered_again([port])

    restore.push(f"port {port} back on slot {was}", back)
    mark = command_pushes.mark()
    resp = bench.ejoin.command("reset", f"{port}.{other:02d}")
    push = _port_status_after(command_pushes, mark, port, bench.settle)
    bench.registered_again([port])
    check.expect(
        _ok(resp) and push is not None and _active(bench, port) == was,
        f'reset "{port}.{other:02d}": {_answer(resp)}; port-status push: {push is not None}; '
        f"the current card is slot {_active(bench, port)}, was {was}",
    )


@pytest.mark.requirement("EJ-CMD-LEDON", "EJ-CMD-LEDOFF", "EJ-CMD-LED-STATE-REPORTED", "EJ-STATUS-PORT-LED")
def test_ledoff_and_ledon_switch_the_reported_led(check, bench, restore):
    """gateway-2.4 §5.1.3: "ledon: turn on led", "ledoff: turn off led"; §4.1.4: "led | int | Led is
    enabled or not, 1 is yes, 0 is no".

    Turns a port's LED off, then on, reading the port status ``led`` after each; the LED is left
    as it was."""
    (port,) = bench.need(check, 1)

    def led() -> Any:
        return current_cards(bench.ejoin).get(port, {}).get("led")

    was = led()
    restore.push(
        f"LED of port {port} back to {was}",
        lambda: bench.ejoin.command("ledon" if was != 0 else "ledoff", str(port)),
    )
    check.expect(
        was in (0, 1) and not isinstance(was, bool),
        f"port {port} reports led {was!r}",
        requirement="EJ-STATUS-PORT-LED",
    )
    steps = [("ledoff", 0, "EJ-CMD-LEDOFF"), ("ledon", 1, "EJ-CMD-LEDON")]
    for op, want, rid in steps if was != 0 else steps[::-1]:
        before = led()
        resp = bench.ejoin.command(op, str(port))
        bench.until(lambda want=want: led() == want)
        now = led()
        check.expect(
            _ok(resp) and before == 1 - want and now == want,
            f"{op} {port}: {_answer(resp)}; led {before!r} before, {now!r} after",
            requirement=rid,
        )
        check.expect(
            now == want,
            f"after {op} the port status reports led {now!r}",
            requirement=("EJ-CMD-LED-STATE-REPORTED", "EJ-STATUS-PORT-LED"),
        )


# -- several commands -----------------------------------------------------------------------------
@pytest.mark.requirement("EJ-CMD-MULTIPLE-OPS", "EJ-CMD-OPS-ONLY-WITH-MULTIPLE")
def test_multiple_runs_every_op_and_ops_need_multiple(check, bench, restore):
    """gateway-2.4 §5.1.3: "Device support ... multi-commands to operate different port"; "multiple:
    multiple command"; "ops | array | Multi-command array | Valid when op is multiple" (erratum
    E-EJ-CMD-OPS-WITHOUT-MULTIPLE: ops next to another op are ignored).

    op=multiple locking two ports must lock both; op=lock of one port with an ops array naming the
    other must lock only the first."""
    p, q = bench.need(check, 2)
    restore.push(f"unlock ports {p} and {q}", lambda: bench.unlock([p, q]))
    ops = [{"op": "lock", "ports": str(p)}, {"op": "lock", "ports": str(q)}]
    resp = bench.ejoin.send_cmd({"type": "command", "op": "multiple", "ops": ops})
    locked = _locked(bench, str(p), {p, q})  # lock p again: harmless, waits for both
    check.expect(
        _ok(resp) and {p, q} <= locked,
        f"multiple [lock {p}, lock {q}]: {_answer(resp)}; locked {sorted(locked)}",
        requirement="EJ-CMD-MULTIPLE-OPS",
    )
    bench.unlock([p, q])
    resp = bench.ejoin.send_cmd(
        {"type": "command", "op": "lock", "ports": str(p), "ops": [{"op": "lock", "ports": str(q)}]}
    )
    locked = _locked(bench, str(p), {p})
    check.expect(
        _ok(resp) and p in locked and q not in locked,
        f"lock {p} with ops [lock {q}]: {_answer(resp)}; locked {sorted(locked)} "
        "(ops belong to op=multiple only)",
        requirement="EJ-CMD-OPS-ONLY-WITH-MULTIPLE",
    )


# -- save, reboot ---------------------------------------------------------------------------------
@pytest.mark.requirement("EJ-CMD-SAVE", "EJ-CMD-PORTS-ONLY-FOR-PORT-OPS")
def test_save_is_accepted_and_its_ports_ignored(check, ejoin):
    """gateway-2.4 §5.1.3: "save: save configuration"; ports "It is valid while op parameter equal to
    lock/unlock/switch/reset/ledon/ledoff".

    op=save must answer 0 OK, also with a ports value that names no port (it is not read)."""
    resp = ejoin.send_cmd({"type": "command", "op": "save"})
    check.expect(_ok(resp), f"save: {_answer(resp)}", requirement="EJ-CMD-SAVE")
    resp = ejoin.send_cmd({"type": "command", "op": "save", "ports": "999"})
    check.expect(
        _ok(resp), f'save with ports "999": {_answer(resp)}', requirement="EJ-CMD-PORTS-ONLY-FOR-PORT-OPS"
    )


@dataclass
class Reboot:
    """One reboot of the device, shared by the checks that need it (a real device takes minutes)."""

    answer: Any
    seq_before: Any
    seqs: list[int]
    back: bool
    ssrc_before: Any
    ssrc_after: Any


def _ssrc(ejoin: Any) -> Any:
    """goip_get_sms's ssrc (None when the device does not answer one)."""
    try:
        data = ejoin.get_sms(sms_num=1).data
    except ClientError:
        return None
    return data.get("ssrc") if isinstance(data, dict) else None


@pytest.fixture(scope="module")
def reboot(bench, command_pushes) -> Reboot:
    """Reboots the device and waits until it answers again with its ports registered."""
    ejoin = bench.ejoin
    registered = [p for p, e in current_cards(ejoin).items() if _st(e) == REGISTERED]
    seq_before = (ejoin.get_status().data or {}).get("seq")
    ssrc_before = _ssrc(ejoin)
    mark = command_pushes.mark()
    resp = ejoin.send_cmd({"type": "command", "op": "reboot"})

    def answered() -> Any:
        try:
            data = ejoin.get_status().data
        except ClientError:  # a rebooting device does not answer
            return None
        return data if isinstance(data, dict) and isinstance(data.get("seq"), int) else None

    first = wait_until(
        answered, bench.timers.wait(3 * bench.timers.status_period), poll_interval(bench.timers)
    )
    back = bench.registered_again(registered)
    if first and first["seq"] > 1:
        # the answer came after a push that took the lower seq: a loaded machine may still be
        # carrying that push to the receiver (reading the pushes at once here failed a good device)
        with contextlib.suppress(WaitTimeoutError):
            command_pushes.wait_for(
                lambda m: _seq(m) is not None and _seq(m) < first["seq"],
                type="dev-status",
                device=DEVICE,
                after=mark,
                timeout=bench.timers.wait(bench.timers.status_period),
            )
    pushed = [
        seq
        for m in command_pushes.messages(type="dev-status", device=DEVICE, after=mark)
        if (seq := _seq(m)) is not None
    ]
    seqs = [*pushed, *([first["seq"]] if first else [])]
    return Reboot(resp, seq_before, seqs, back, ssrc_before, _ssrc(ejoin) if first else None)


def _seq(message: Any) -> int | None:
    """A dev-status message's seq (None when it has no integer one)."""
    parsed = message.parsed
    seq = parsed.get("seq") if isinstance(parsed, dict) else None
    return seq if isinstance(seq, int) else None


@pytest.mark.requirement("EJ-CMD-REBOOT", "EJ-STATUS-DEVSTATUS-SEQ-STARTS-1")
def test_reboot_restarts_the_device(check, reboot):
    """gateway-2.4 §5.1.3: "reboot: reboot device"; §4.1.3: "seq | Int | Device status message
    sequence number, start from 1."

    Reboots the device and waits until it answers again with its ports registered: a restarted
    device counts its dev-status messages from 1 again (the first one, pushed or answered, has seq
    1)."""
    seqs, seq_before = reboot.seqs, reboot.seq_before
    check.attach("seq before the reboot", str(seq_before))
    check.expect(
        _ok(reboot.answer)
        and bool(seqs)
        and isinstance(seq_before, int)
        and min(seqs) < seq_before
        and reboot.back,
        f"reboot: {_answer(reboot.answer)}; dev-status seq {seq_before!r} before, {seqs[:4]} after; ports "
        f"registered again: {reboot.back}",
        requirement="EJ-CMD-REBOOT",
    )
    check.expect(
        bool(seqs) and min(seqs) == 1,
        f"the first dev-status after the reboot has seq {min(seqs) if seqs else None!r}",
        requirement="EJ-STATUS-DEVSTATUS-SEQ-STARTS-1",
    )


@pytest.mark.requirement("EJ-GETSMS-SSRC-CHANGES-ON-RESTART")
def test_ssrc_changes_when_the_device_restarts(check, reboot):
    """gateway-2.4 §8.1: "If the device restarts, return a different ssrc synchronization source ID
    and return to step 1."; §8.2.3 "ssrc". Reads goip_get_sms's ssrc before and after the module's one
    reboot (shared with the reboot check)."""
    if reboot.ssrc_before is None:
        check.fail("goip_get_sms answered no ssrc before the reboot")
        return
    if not reboot.seqs:
        check.skip("the device did not answer again after the reboot (the reboot check says why)")
    check.expect(
        reboot.ssrc_after is not None and reboot.ssrc_after != reboot.ssrc_before,
        f"ssrc {reboot.ssrc_before!r} before the reboot, {reboot.ssrc_after!r} after",
    )


# -- get/set --------------------------------------------------------------------------------------
def _get(ejoin: Any, *names: str) -> dict[str, Any]:
    data = ejoin.get("goip_send_cmd.html", version=API_VERSION, op="get", **dict.fromkeys(names, "")).data
    return data if isinstance(data, dict) else {}


@pytest.mark.requirement("EJ-CMD-SET", "EJ-CMD-PAR-SMS-URL")
def test_set_sms_url_is_read_back(check, ejoin, receiver, restore):
    """gateway-2.4 §5.1.2: "set: set device configuration"; "par_name(n) ... Sms_url: destination
    URL for SMS push".

    Sets sms_url (op=set, name=value body) to a receiver URL and reads it back with op=get; the
    previous value is set again at the end."""
    was = _get(ejoin, "sms_url").get("sms_url")
    if not isinstance(was, str):
        check.fail(f"op=get sms_url answered no value ({was!r}): cannot restore it, not set")
        return
    restore.push("sms_url as it was", lambda: ejoin.set_params([("sms_url", was)]))
    url = receiver.push_url("dut-cmd-sms")
    resp = ejoin.set_params([("sms_url", url)])
    now = _get(ejoin, "sms_url").get("sms_url")
    check.expect(_ok(resp) and now == url, f"set sms_url: {_answer(resp)}; op=get reads {now!r}")


def _luhn(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


def _two_cards(
    bench: Bench, check: Any, cards: dict[tuple[int, int], dict[str, Any]]
) -> list[tuple[int, int]]:
    """Two cards off the current slot of two free ports (slot 2 and the last slot when there are)."""
    p, q = bench.need(check, 2)
    chosen = [(p, min(2, bench.slots)), (q, bench.slots)]
    missing = [c for c in chosen if c not in cards]
    if missing:
        check.skip(f"goip_get_status all_slots=1 does not list cards {missing}")
    return chosen


@pytest.mark.requirement(
    "EJ-CMD-SET-SIM-IMEI",
    "EJ-CMD-SIM-INDEX-FORMULA",
    "EJ-CMD-SIM-INDEX-USES-MAX-SLOTS",
    "EJ-CMD-SET-BODY-FORM",
    "EJ-CMD-SET-RESPONSE-PAR-SET",
)
def test_sim_imei_sets_the_imei_of_card_n(check, bench, restore):
    """gateway-2.4 §6.4.3: "Body: sim_imei(n)=xxx&sim_imei(n)=xxx, Method: POST", "information in HTTP
    message Body is a text, many imei parameters modify use & to connect", "n = (port_number - 1) *
    slots_per_port + (slot_number - 1)", "Response: {"code": 0, "reason": "OK", "par_set": 2}";
    §6.4.4: "192 represents 25.01, where max-slot is 8".

    Sets new IMEIs of two cards in one body, with n computed from max-slots, and reads every card's
    imei (goip_get_status all_slots=1): exactly those two changed. The IMEIs are set back."""
    ejoin = bench.ejoin
    cards = every_card(ejoin)
    chosen = _two_cards(bench, check, cards)
    old = {c: str(cards[c].get("imei") or "") for c in chosen}
    if not all(v.isdigit() and 14 <= len(v) <= 16 for v in old.values()):
        check.skip(f"the cards report no IMEI to restore: {old}")
    index = {c: (c[0] - 1) * bench.slots + (c[1] - 1) for c in chosen}
    new = {c: _luhn(v[:8] + f"{(int(v[8:14]) + 1) % 10**6:06d}") for c, v in old.items()}
    restore.push(
        "IMEIs as they were", lambda: ejoin.set_params([(f"sim_imei({index[c]})", old[c]) for c in chosen])
    )
    resp = ejoin.set_params([(f"sim_imei({index[c]})", new[c]) for c in chosen])
    after = every_card(ejoin)
    changed = {
        c: str(e.get("imei"))
        for c, e in after.items()
        if c in cards and str(e.get("imei")) != str(cards[c].get("imei"))
    }
    check.expect(
        _ok(resp), f"op=set {len(chosen)} sim_imei: {_answer(resp)}", requirement="EJ-CMD-SET-BODY-FORM"
    )
    data = resp.data if isinstance(resp.data, dict) else {}
    check.expect(
        data.get("par_set") == len(chosen),
        f"par_set {data.get('par_set')!r} for {len(chosen)} parameters",
        requirement="EJ-CMD-SET-RESPONSE-PAR-SET",
    )
    want = {c: new[c] for c in chosen}
    check.expect(
        changed == want,
        f"sim_imei({', '.join(str(index[c]) for c in chosen)}) changed the IMEI of cards {changed}, "
        f"want {want} (n = (port - 1) * {bench.slots} + (slot - 1))",
        requirement=(
            "EJ-CMD-SET-SIM-IMEI",
            "EJ-CMD-SIM-INDEX-FORMULA",
            "EJ-CMD-SIM-INDEX-USES-MAX-SLOTS",
            "EJ-CMD-SET-BODY-FORM",
        ),
    )


@pytest.mark.requirement("EJ-CMD-SET-SIM-NUMBER", "EJ-CMD-SIM-NUMBER-REPORTED")
def test_sim_number_sets_the_number_of_card_n(check, bench, restore):
    """gateway-2.4 §6.4.4: "Add SIM Card Numbers ... Body: sim_number(n)=xxx&sim_number(n)=xxx, Method:
    POST"; §4.1.4: "sn | string | SIM number".

    Sets a new number for one card (not the current card of its port), reads it back with op=get
    sim_number(n) and as that card's sn (goip_get_status all_slots=1); the number is set back."""
    ejoin = bench.ejoin
    cards = every_card(ejoin)
    card = _two_cards(bench, check, cards)[0]
    n = (card[0] - 1) * bench.slots + (card[1] - 1)
    old = str(cards[card].get("sn") or "")
    restore.push(f"number of card {card} as it was", lambda: ejoin.set_params([(f"sim_number({n})", old)]))
    new = f"1390{card[0]:03d}{card[1]:02d}77"
    resp = ejoin.set_params([(f"sim_number({n})", new)])
    got = _get(ejoin, f"sim_number({n})").get(f"sim_number({n})")
    check.expect(
        _ok(resp) and str(got) == new,
        f"sim_number({n}) = {new}: {_answer(resp)}; op=get reads {got!r}",
        requirement="EJ-CMD-SET-SIM-NUMBER",
    )
    sn = every_card(ejoin).get(card, {}).get("sn")
    check.expect(
        sn == new,
        f"card {card[0]}.{card[1]:02d} reports sn {sn!r}, set {new}",
        requirement="EJ-CMD-SIM-NUMBER-REPORTED",
    )
