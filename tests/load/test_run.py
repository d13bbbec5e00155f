"""End to end: Locust master + workers against the emulator and the receiver, on loopback.

Locust runs only in subprocesses (``smsgw load`` starts them); this process never imports it.
Each run is a few seconds: the assertions are about what was measured and merged, never about
how fast (the machine is shared).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from smsgw.load.run import LoadOptions, run_load
from smsgw.receiver.harness import start_receiver

pytestmark = pytest.mark.slow

SECRET = "pw-Zq8x-never-shown"


def _stats(out: Path) -> dict[tuple[str, str], dict[str, str]]:
    with (out / "locust_stats.csv").open(newline="", encoding="utf-8") as fh:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(fh)}


def _final(out: Path) -> dict[tuple[str, str], dict[str, object]]:
    """Locust's final merged stats (``--json-file``): its CSV is rewritten once a second, not at exit,
    so completions matched in the last second (or reported late by a worker) may miss it."""
    entries = json.loads((out / "locust_final.json").read_text(encoding="utf-8"))
    return {(e["method"], e["name"]): e for e in entries}


def _leaks(out: Path, secret: str) -> list[str]:
    return [str(p) for p in out.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_master_with_two_workers_merges_requests_and_the_completion_metric(tmp_path: Path) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "SMSGW_LOAD_PASSWORD": SECRET}
    done = subprocess.run(
        [sys.executable, "-m", "smsgw", "load", "send-sms", "--run-time", "5", "--workers", "2",
         "-u", "4", "-r", "4", "--weight-get-tasks", "10", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    stats = _stats(out)
    post = stats[("POST", "goip_post_sms")]
    assert int(post["Request Count"]) > 0
    assert int(post["Failure Count"]) == 0
    assert int(stats[("GET", "goip_get_tasks")]["Request Count"]) > 0
    report = stats[("REPORT", "submit->report")]
    assert int(report["Request Count"]) > 0
    assert int(report["Failure Count"]) == 0
    assert 0 < float(report["Median Response Time"]) < 30_000
    assert float(report["Min Response Time"]) >= 0
    # the workers drain their completions before Locust's quit: the final merged stats hold
    # (nearly) every submitted task's report, not only those of the periodic stats messages
    final = _final(out)
    assert (
        final[("REPORT", "submit->report")]["num_requests"]
        >= 0.8 * final[("POST", "goip_post_sms")]["num_requests"]
    )
    # both workers took part and their stats reached the master
    master = (out / "master.log").read_text(encoding="utf-8")
    assert "2 workers connected" in master
    for worker in ("worker-1.log", "worker-2.log"):
        assert (out / worker).is_file()
    capacity = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert {t["name"] for t in capacity["totals"]} >= {"goip_post_sms", "submit->report"}
    assert (out / "capacity.html").is_file()
    assert (out / "locust.html").is_file()
    assert _leaks(out, SECRET) == []
    assert SECRET not in done.stdout + done.stderr


def test_a_defective_gateway_shows_as_failures_in_locust_stats(tmp_path: Path) -> None:
    out = tmp_path / "defect"
    result = run_load(
        LoadOptions(
            profile="send-sms", out_dir=out, users=2, spawn_rate=2, run_time=3, receiver="none",
            password=SECRET, switches=("defect.status-text-wrong",), profile_args={"tasks": 3},
        )
    )  # fmt: skip
    assert result.exit_code == 1  # Locust's "some requests failed"
    post = _stats(out)[("POST", "goip_post_sms")]
    assert int(post["Failure Count"]) == int(post["Request Count"]) > 0
    with (out / "locust_failures.csv").open(newline="", encoding="utf-8") as fh:
        errors = {row["Error"] for row in csv.DictReader(fh)}
    assert len(errors) == 2
    assert all("task status 0" in e for e in errors)  # "0 Success" instead of "0 OK"
    # every task of the refused batches is counted by its status code
    tasks = _stats(out)[("TASK", "status 0")]
    assert int(tasks["Failure Count"]) == 3 * int(post["Failure Count"]) > 0
    assert _leaks(out, SECRET) == []


def test_status_fanin_devices_push_dev_status_with_increasing_seq(tmp_path: Path) -> None:
    with start_receiver(tmp_path / "rx.db", synchronous="normal") as rx:
        result = run_load(
            LoadOptions(
                profile="status-fanin", out_dir=tmp_path / "fanin", users=3, spawn_rate=3, run_time=4,
                targets=[rx.url],
                profile_args={"period": 60, "time-scale": 60, "device-ports": 4, "device-slots": 1,
                              "churn-interval": 30, "push-path": "/push/{device}?token=" + SECRET},
            )
        )  # fmt: skip
        assert result.exit_code == 0
        seqs: dict[str, list[int]] = {}
        for message in rx.messages(type="dev-status"):
            assert message.device is not None
            seqs.setdefault(message.device, []).append(message.parsed["seq"])
    assert len(seqs) == 3
    for device, seq in seqs.items():
        assert len(seq) >= 2, device
        assert all(a < b for a, b in pairwise(seq)), (device, seq)
    stats = _stats(tmp_path / "fanin")
    assert int(stats[("POST", "dev-status")]["Request Count"]) == sum(len(s) for s in seqs.values())
    assert int(stats[("POST", "port-status")]["Request Count"]) > 0
    assert _leaks(tmp_path / "fanin", SECRET) == []  # the push URL's token is in no output


def test_dinstar_master_with_two_workers_merges_the_sms_result_completion_metric(tmp_path: Path) -> None:
    out = tmp_path / "dinstar"
    result = run_load(
        LoadOptions(profile="send-sms", out_dir=out, users=2, spawn_rate=2, run_time=4, vendor="dinstar",
                    workers=2, password=SECRET)
    )  # fmt: skip
    assert result.exit_code == 0
    stats = _stats(out)
    send = stats[("POST", "api/send_sms")]
    assert int(send["Request Count"]) > 0
    assert int(send["Failure Count"]) == 0
    assert ("POST", "goip_post_sms") not in stats
    # the emulated gateway pushed its sms_result events to the receiver; each worker matched its own
    # user_ids and the master merged both workers' completions into one entry named by the event
    final = _final(out)
    done = final[("RESULT", "submit->sms_result")]
    assert done["num_requests"] >= 0.8 * final[("POST", "api/send_sms")]["num_requests"] > 0
    assert done["num_failures"] == 0
    assert 0 < done["min_response_time"] <= done["max_response_time"] < 30_000
    assert "2 workers connected" in (out / "master.log").read_text(encoding="utf-8")
    capacity = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert {t["name"] for t in capacity["totals"]} >= {"api/send_sms", "submit->sms_result"}
    assert _leaks(out, SECRET) == []
