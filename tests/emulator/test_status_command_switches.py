"""The emulator behaviour the status, command, statistics and transport checks read: the service
history a fresh device starts with, command port specs as defective firmware reads them, card
indexes of sim_imei(n), and a few of the defects end to end."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smsgw.emulator import ports as P
from smsgw.emulator.device import Device
from smsgw.emulator.faults import Switches
from smsgw.emulator.stats import HISTORY_AGE, Statistics

from .conftest import AUTH, call, check


def test_seeded_history_shows_only_in_the_cumulative_counters() -> None:
    stats = Statistics(4, 2)
    stats.seed_history(HISTORY_AGE + 10.0)
    now = HISTORY_AGE + 10.0
    assert stats.of(1, 1).counts(3, now) == [0, 0, 0]  # port 1 has no history
    received, ok, failed = stats.of(2, 1).counts(3, now)
    assert received > 0
    assert ok > 0
    assert failed == 1
    assert stats.of(2, 1).counts(0, now) == [0, 0, 0]
    assert stats.of(2, 1).counts(2, now) == [0, 0, 0]
    cumulative = stats.calls(2, 1).summary(3, now)
    assert cumulative["calls"] > 0
    assert cumulative["act_tcd"] > 0
    assert (
        cumulative["act_tcd"] // 60
        <= int(cumulative["tcd"])
        <= cumulative["act_tcd"] / 60 + cumulative["connected"]
    )
    assert stats.calls(2, 1).summary(0, now)["calls"] == 0


def test_device_call_statistics_start_with_the_history(device: Device) -> None:
    answer = call(device, "GET", "/goip_get_call_stat.html", f"{AUTH}&ports=2&type=3").payload()
    check("ejoin/goip_get_call_stat.response", answer)
    assert answer["stats"][0]["calls"] > 0
    minutes = device.bank.slot(2, 1).call_minutes
    assert minutes == answer["stats"][0]["tcd"]


@pytest.mark.parametrize(
    ("switch", "spec", "want"),
    [
        ((), "2,4", [(2, None), (4, None)]),
        ((P.D_LIST_FIRST_ONLY,), "2,4", [(2, None)]),
        ((P.D_RANGE_FIRST_ONLY,), "2-4", [(2, None)]),
        ((P.D_DOTTED_WHOLE_PORT,), "2.02", [(2, None)]),
        ((), "2B", [(2, 2)]),
    ],
)
def test_command_port_specs_as_defective_firmware_reads_them(
    switch: tuple[str, ...], spec: str, want: list[tuple[int, int | None]]
) -> None:
    assert P.parse_command_ports(spec, 8, 4, Switches(switch)) == want


@pytest.mark.parametrize(("switch", "spec"), [(P.D_LETTER_REFUSED, "2B"), (P.D_ALL_REFUSED, "*")])
def test_command_port_specs_refused_by_defective_firmware(switch: str, spec: str) -> None:
    with pytest.raises(P.PortSpecError):
        P.parse_command_ports(spec, 8, 4, Switches([switch]))


def test_card_index_of_sim_imei_with_and_without_the_index_defects(device: Device) -> None:
    bank = device.bank
    slot = bank.by_index(21)  # gateway-2.4 §6.4.3: 21 means 6B with 4 slots per port
    assert slot is not None
    assert (slot.port, slot.slot) == (6, 2)
    shifted = bank.by_index(21, Switches([P.D_SIM_INDEX_FROM_1]))
    assert shifted is not None
    assert (shifted.port, shifted.slot) == (6, 1)
    assert bank.by_index(21, Switches([P.D_SIM_INDEX_8_SLOTS])) is None  # port 3, slot 6 of 4


def test_lock_of_a_bare_port_locks_every_card_unless_defective(make_device: Callable[..., Device]) -> None:
    for switches, locked in (((), 4), ((P.D_BARE_PORT_CURRENT,), 1)):
        device = make_device(switches=switches)
        answer = call(
            device,
            "POST",
            "/goip_send_cmd.html",
            f"{AUTH}&version=1.1",
            {"type": "command", "op": "lock", "ports": "3"},
        )
        assert answer.payload()["code"] == 0
        assert sum(s.user_locked for s in device.bank.port(3).slots) == locked


def test_command_defects_answer_ok_without_effect(make_device: Callable[..., Device]) -> None:
    device = make_device(switches=("defect.cmd-op-unchecked",))
    answer = call(
        device, "POST", "/goip_send_cmd.html", f"{AUTH}&version=1.1", {"type": "command", "op": "explode"}
    )
    assert answer.payload()["code"] == 0
    device = make_device(switches=("defect.reboot-ignored",))
    before = device.dev_status()["seq"]
    call(device, "POST", "/goip_send_cmd.html", f"{AUTH}&version=1.1", {"type": "command", "op": "reboot"})
    assert device.dev_status()["seq"] == before + 1  # not restarted: seq goes on


def test_status_url_keeps_its_escapes_with_the_decoding_defect(make_device: Callable[..., Device]) -> None:
    device = make_device(switches=("defect.status-url-not-decoded",))
    call(device, "GET", "/goip_get_status.html", f"{AUTH}&url=http%3A%2F%2Fh%2Fp%3Fa%3D1%26b%3D2")
    assert device.status_url == "http://h/p?a=1%26b=2"
    plain = make_device()
    call(plain, "GET", "/goip_get_status.html", f"{AUTH}&url=http%3A%2F%2Fh%2Fp%3Fa%3D1%26b%3D2")
    assert plain.status_url == "http://h/p?a=1&b=2"


def test_usage_counters_as_numbers_with_the_defect(make_device: Callable[..., Device]) -> None:
    device = make_device(profile="simple-v2", switches=("defect.usage-counters-numbers",))
    entry = device.dev_status()["status"][0]
    assert isinstance(entry["smsctl_tot"], int)
    assert isinstance(entry["dataflow_tot"], float)
    plain = make_device(profile="simple-v2").dev_status()["status"][0]
    assert plain["smsctl_tot"] == "0/-1"


def test_commands_as_url_parameters_refused_with_the_defect(make_device: Callable[..., Device]) -> None:
    for switches, code in (((), 0), (("defect.cmd-query-form-refused",), 15)):
        device = make_device(profile="simple-v2", switches=switches)
        answer = call(device, "GET", "/goip_send_cmd.html", f"{AUTH}&op=lock&port=2.01").payload()
        assert answer["code"] == code
        assert device.bank.slot(2, 1).user_locked == (code == 0)
