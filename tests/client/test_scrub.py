from __future__ import annotations

import time
from pathlib import Path

from smsgw.client.scrub import Scrubber


def test_megabyte_of_hostile_text_is_scrubbed_quickly() -> None:
    scrub = Scrubber(["correct-horse"])
    started = time.monotonic()
    scrub("x" * 1_000_000 + "://")
    # A hang guard, not a benchmark: the quadratic form of the pattern takes hours on this input.
    assert time.monotonic() - started < 20


def test_literal_secret_is_replaced_but_short_values_are_left_alone() -> None:
    assert Scrubber(["correct-horse"])("echo correct-horse") == "echo ***"
    assert Scrubber(["ab"])("abba") == "abba"
    assert not Scrubber([None, ""]).active


def test_scrub_tree_rewrites_and_names_the_files_that_held_the_secret(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "leak.txt").write_text("pw correct-horse here", encoding="utf-8")
    (tmp_path / "clean.txt").write_text("nothing", encoding="utf-8")
    hits = Scrubber(["correct-horse"]).scrub_tree(tmp_path)
    assert hits == [tmp_path / "sub" / "leak.txt"]
    assert (tmp_path / "sub" / "leak.txt").read_text(encoding="utf-8") == "pw *** here"
