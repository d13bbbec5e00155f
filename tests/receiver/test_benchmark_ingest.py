"""benchmarks/receiver_ingest.py --quick runs and writes its report (figures are measured, not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmark_writes_the_report_fields(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.receiver_ingest", "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text())
    for side in ("receiver", "bare", "bare_protocol"):
        assert {"median_rps", "rounds_rps", "p50_ms", "p99_ms", "errors"} <= set(report[side])
        assert report[side]["median_rps"] > 0
    expected = {"ratio", "cpu_ratio", "ratio_protocol", "cpu_ratio_protocol", "body_bytes", "receiver_stored",
                "client_cpu_max_fraction"}  # fmt: skip
    expected.add("meets_targets")
    assert expected <= set(report)
    assert 0 < report["cpu_ratio"] < 1.5
    assert report["receiver_stored_matches_acks"] is True
    assert "ratio receiver/bare" in run.stdout


@pytest.mark.slow
def test_breakdown_times_every_stage_of_a_push() -> None:
    import orjson
    from benchmarks.receiver_ingest import breakdown

    from smsgw.receiver.samples import dev_status

    report = breakdown(orjson.dumps(dev_status(ports=32)), batch=4, synchronous="normal", instructions=False)
    stages = report["stages"]
    assert set(stages) == {"parse", "validate", "redact_classify", "store"}
    for name in ("parse", "validate", "store"):
        assert stages[name]["cpu_us"] > 0, name
        assert stages[name]["instructions"] is None  # not asked for
