from __future__ import annotations

import random

import pytest

from smsgw.emulator.faults import Switches
from smsgw.emulator.ports import (
    PortBank,
    PortSpecError,
    parse_number_list,
    parse_port_spec,
    port_name,
    status_text,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("1.01,2.02,3.03,4-6", [(1, 1), (2, 2), (3, 3), (4, None), (5, None), (6, None)]),
        ("2B", [(2, 2)]),
        ("3", [(3, None)]),
        ("1.01-8.01", [(p, 1) for p in range(1, 9)]),
        ("1.01-64.01", [(p, 1) for p in range(1, 9)]),
    ],
)
def test_port_spec_forms_of_the_documents(spec: str, expected: list) -> None:
    assert parse_port_spec(spec, 8, 4) == expected


@pytest.mark.parametrize("spec", ["all", "*", " ALL "])
def test_all_and_star_name_every_port(spec: str) -> None:
    assert parse_port_spec(spec, 4, 2) == [(p, None) for p in range(1, 5)]


@pytest.mark.parametrize("spec", ["", "9", "1.05", "0", "1Z", "x", "5-2", "1-2-3"])
def test_bad_port_specs_are_refused(spec: str) -> None:
    with pytest.raises(PortSpecError):
        parse_port_spec(spec, 8, 4)


def test_number_lists_for_statistics() -> None:
    assert parse_number_list("1-2, 4", 8) == [1, 2, 4]
    assert parse_number_list("all", 3) == [1, 2, 3]
    with pytest.raises(PortSpecError):
        parse_number_list("0-2", 8)


def test_names_and_status_texts() -> None:
    assert port_name(6, 2) == "6.02"
    assert port_name(6, 2, letters=True) == "6B"
    assert status_text(3) == "3 Registered"
    assert status_text(16) == "16 module Response timeout"


def _bank(register_time: float = 3.0) -> PortBank:
    return PortBank(4, 4, device_index=0, rng=random.Random(1), register_time=register_time)


def test_sim_index_n_is_port_minus_1_times_slots_plus_slot_minus_1() -> None:
    bank = _bank()
    slot = bank.by_index(21 - 16)  # a 4x4 bank: n = (2-1)*4 + (2-1) = 5
    assert slot is not None
    assert (slot.port, slot.slot) == (2, 2)
    assert bank.by_index(16) is None


def test_registration_goes_through_registering_and_bumps_seq() -> None:
    bank = _bank()
    port = bank.port(1)
    seq = port.seq
    bank.reset(1, now=100.0)
    assert port.current.code == 2
    bank.advance(102.0)
    assert port.current.code == 2
    bank.advance(103.0)
    assert port.current.code == 3
    assert port.seq == seq + 2
    assert [s.code for s in bank.take_changes()] == [3]


def test_lock_of_a_whole_port_locks_every_slot_and_unlock_re_registers() -> None:
    bank = _bank(register_time=0.0)
    bank.lock(2, None, 0.0)
    assert {s.code for s in bank.port(2).slots} == {12}
    bank.unlock(2, None, 0.0)
    assert bank.port(2).current.code == 3
    assert {s.code for s in bank.port(2).slots[1:]} == {1}


def test_insert_detects_then_registers_and_eject_reports_no_sim() -> None:
    bank = _bank(register_time=1.0)
    slot = bank.port(3).current
    bank.eject(slot)
    assert slot.code == 0
    bank.insert(slot, 10.0, number="555")
    assert slot.code == 11
    bank.advance(11.0)
    bank.advance(12.0)
    assert slot.code == 3


def test_entry_quirks_change_key_and_types() -> None:
    bank = _bank()
    entry = bank.entry(
        bank.port(1).current, Switches(["quirk.st-int", "quirk.letter-ports", "quirk.bal-number"])
    )
    assert entry["st"] == 3
    assert entry["port"] == "1A"
    assert isinstance(entry["bal"], float)
