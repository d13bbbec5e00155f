"""socks5_proxy (dinstar-uc-1.2 §25): on answers the proxy's socks_port, off disables it, another
state is refused. Runs only with --allow-destructive, on a spare port, and turns the proxy off after."""

from __future__ import annotations

import pytest

from dinstar.dinstar_support import answered, describe, entries, poll_interval, wait_until


def _registered(dinstar, port: int, timers) -> str | None:
    """The port's reg (§10.3) once it is REGISTER_OK, else the last one read within the wait."""
    last: list = [None]

    def reached() -> bool:
        info = entries(dinstar.get_port_info(["reg"], port=[port]), "info")
        last[0] = next((e.get("reg") for e in info if e.get("port") == port), None)
        return last[0] == "REGISTER_OK"

    wait_until(reached, timers.wait(timers.send_timeout), poll_interval(timers))
    return last[0]


@pytest.mark.requirement("DS-SOCKS5-SCHEMA", "DS-SOCKS5-ON", "DS-SOCKS5-OFF")
def test_socks5_on_and_off(check, dinstar, spare_port, restore, timers):
    """§25.2/§25.4: "Use "on" to enable socks5 proxy on this port. Response: {"error_code":200, ...,
    "socks_port":1080}"; "Use "off" to disable socks5 proxy on this port".

    The proxy carries traffic over the port's module, so a port that is not registered may answer
    503 ("failed"): the spare port may still be registering again after an earlier check turned it
    off and on (set_port_info power, reset), so the check first waits until get_port_info reports it
    REGISTER_OK (§10.3)."""
    reg = _registered(dinstar, spare_port, timers)
    if reg != "REGISTER_OK":
        check.skip(
            f"port {spare_port} reports reg {reg!r}, not REGISTER_OK, after "
            f"{timers.wait(timers.send_timeout):.0f} s: its proxy cannot be turned on"
        )
    restore.push(f"socks5 off on port {spare_port}", lambda: dinstar.socks5_proxy(spare_port, "off"))
    on = dinstar.socks5_proxy(spare_port, "on")
    check.attach_json("socks5_proxy on", on.data)
    check.schema("dinstar/socks5_proxy.response", on, requirement="DS-SOCKS5-SCHEMA")
    port = on.data.get("socks_port") if isinstance(on.data, dict) else None
    check.expect(
        answered(on, 200) and isinstance(port, int) and 0 < port < 65536,
        f"state on: {describe(on)}",
        requirement="DS-SOCKS5-ON",
    )
    off = dinstar.socks5_proxy(spare_port, "off")
    check.schema("dinstar/socks5_proxy.response", off, requirement="DS-SOCKS5-SCHEMA")
    check.expect(answered(off, 200), f"state off: {describe(off)}", requirement="DS-SOCKS5-OFF")


@pytest.mark.requirement("DS-SOCKS5-BAD-REQUEST-400")
def test_unknown_state_is_refused(check, dinstar):
    """§25.2/§25.3: "state: It could be "on" or "off""; "400: Bad request"."""
    resp = dinstar.socks5_proxy(0, "maybe")
    check.expect(answered(resp, 400), f"state maybe: {describe(resp)}")
