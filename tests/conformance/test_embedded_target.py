"""The embedded target of `smsgw certify` hands the suite the emulator's own SIM numbers and opts in
to destructive checks (the emulator belongs to the run)."""

from __future__ import annotations

import httpx

from smsgw.report.embedded import start_embedded_target


def test_embedded_target_offers_its_own_sim_numbers_and_destructive_checks() -> None:
    with start_embedded_target() as target:
        state = httpx.get(f"{target.url}/_emu/state", timeout=10).json()
    own = {s["number"] for p in state["port_state"] for s in p["slots"] if s["number"]}
    assert target.phone_numbers
    assert set(target.phone_numbers) <= own
    assert target.allow_destructive
