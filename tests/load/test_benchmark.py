"""benchmarks/load_send_sms.py --quick: one pair of rounds, profile vs bare FastHttpUser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark_writes_both_sides_and_their_ratio(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.load_send_sms", "--quick", "--out", str(out)],
        cwd=ROOT,
        check=True,
        timeout=180,
        capture_output=True,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["profile_rps"] > 0
    assert result["bare_rps"] > 0
    assert result["ratio"] == pytest.approx(result["pair_ratios"][0])
    assert result["failures"] == 0
    assert result["completions"] > 0
    assert [r["kind"] for r in result["rounds"]] == ["profile", "bare"]
    assert set(result["rx_cpu_us_per_request"]) == {"profile", "bare"}
    assert len(result["load_average_before"]) == 3
