from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_benchmark_quick_run_writes_both_ratios(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.emulator_post_sms", "--quick", "--out", str(out)],
        cwd=ROOT,
        check=True,
        timeout=120,
        capture_output=True,
    )
    result = json.loads(out.read_text())
    assert result["single"]["emulator_rps"] > 0
    assert result["single"]["bare_rps"] > 0
    assert result["single"]["ratio"] == pytest.approx(result["single"]["pair_ratios"][0])
    assert result["batch"]["tasks_per_s"] > 0
    assert result["batch"]["all_tasks_accepted"] is True
    assert result["errors"] == 0
    cost = result["server_cost"]
    assert all(cost[f"{kind}_cpu_us"] >= 0 for kind in ("emulator", "bare", "batch"))
    assert cost["emulator_kinstructions"] is None  # only counted with --instructions
