"""GSM 03.38 7-bit (160 single / 153 per part) and UCS2 (70 / 67) segmentation."""

from __future__ import annotations

import pytest

from smsgw.emulator.dinstar.segmentation import is_gsm, split, to_gsm


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("", "gsm-7bit", 1),
        ("a" * 160, "gsm-7bit", 1),
        ("a" * 161, "gsm-7bit", 2),
        ("a" * 306, "gsm-7bit", 2),
        ("a" * 307, "gsm-7bit", 3),
        ("€" * 80, "gsm-7bit", 1),  # extension characters take two septets
        ("€" * 81, "gsm-7bit", 2),
        ("a" * 70, "unicode", 1),
        ("a" * 71, "unicode", 2),
        ("a" * 134, "unicode", 2),
        ("a" * 135, "unicode", 3),
        ("😀" * 35, "unicode", 1),  # a surrogate pair is two UTF-16 units
        ("😀" * 36, "unicode", 2),
    ],
)
def test_segment_counts(text: str, encoding: str, count: int) -> None:
    assert split(text, encoding).count == count


def test_parts_respect_the_per_part_limits_and_never_split_a_character() -> None:
    gsm = split("a" * 152 + "€" + "b" * 10, "gsm-7bit")
    assert [len(p) for p in gsm.parts] == [152, 11]
    ucs = split("a" * 66 + "😀" + "bbb", "unicode")
    assert ucs.parts == ("a" * 66, "😀bbb")
    assert "".join(split("x" * 500, "gsm-7bit").parts) == "x" * 500


def test_gsm_requests_replace_what_the_alphabet_lacks() -> None:
    assert is_gsm("Hello {world} €5 @home")
    assert not is_gsm("你好")
    assert to_gsm("a你b") == "a?b"
    assert split("你好", "gsm-7bit").parts == ("??",)


def test_without_room_for_the_udh_parts_are_cut_at_160_and_70() -> None:
    assert split("a" * 320, "gsm-7bit", udh=False).count == 2
    assert split("a" * 320, "gsm-7bit").count == 3
    assert split("a" * 140, "unicode", udh=False).count == 2
    assert split("a" * 140, "unicode").count == 3
