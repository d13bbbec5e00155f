"""smsgw.load.capacity: plateaus, the knee rule and the report files, on synthetic Locust CSVs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from smsgw.load.capacity import Plateau, build_report, find_knee, plateaus, read_history, write_report
from smsgw.load.svg import Series, line_chart, nice_ticks

PCT = ["50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"]
HEADER = ["Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s", *PCT, "Total Request Count",
          "Total Failure Count", "Total Median Response Time", "Total Average Response Time",
          "Total Min Response Time", "Total Max Response Time", "Total Average Content Size"]  # fmt: skip


def _row(  # noqa: PLR0917
    ts: int, users: int, type_: str, name: str, count: int, fails: int, p50: float, p95: float
) -> list[object]:
    pct = [p50, p50, p50, p50, p95, p95, p95, p95 * 1.2, p95 * 1.5, p95 * 1.5, p95 * 2]
    return [ts, users, type_, name, 0, 0, *pct, count, fails, p50, p50, 1, p95 * 2, 90]


def write_steps(
    base: Path,
    steps: list[tuple[int, float, float, float]],
    *,
    seconds: int = 10,
    with_report: bool = True,
    completion: tuple[str, str, str] = ("POST", "goip_post_sms", "REPORT"),
) -> None:
    """Steps of (users, requests/s, p95 ms, failure fraction), ``seconds`` rows each."""
    ts, count, fails, done = 1_700_000_000, 0, 0, 0
    method, name, kind = completion
    done_name = "submit->sms_result" if kind == "RESULT" else "submit->report"
    rows: list[list[object]] = [_row(ts - 1, 0, "", "Aggregated", 0, 0, 0, 0)]
    for users, rps, p95, fail in steps:
        for _ in range(seconds):
            ts += 1
            count += int(rps)
            fails += int(rps * fail)
            done += int(rps * 0.9)
            rows.append(_row(ts, users, method, name, count, fails, p95 / 2, p95))
            if with_report:
                rows.append(_row(ts, users, kind, done_name, done, 0, 40, 80))
            rows.append(
                _row(ts, users, "", "Aggregated", count + (done if with_report else 0), fails, p95 / 2, p95)
            )
    with Path(f"{base}_stats_history.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    with Path(f"{base}_stats.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Type", "Name", "Request Count", "Failure Count", "Median Response Time",
                         "Average Response Time", "Min Response Time", "Max Response Time",
                         "Average Content Size", "Requests/s", "Failures/s", *PCT])  # fmt: skip
        writer.writerow([method, name, count, fails, 5, 5, 1, 90, 90, 100.0, 0.0, *[5] * 11])
        if with_report:
            writer.writerow([kind, done_name, done, 0, 40, 40, 1, 90, 0, 90.0, 0.0, *[40] * 11])


SATURATING = [(10, 100, 10, 0), (20, 200, 12, 0), (30, 250, 20, 0), (40, 255, 40, 0), (50, 256, 80, 0)]


def test_plateaus_measure_throughput_errors_and_percentiles_per_step(tmp_path: Path) -> None:
    write_steps(tmp_path / "run", SATURATING)
    steps = plateaus(read_history(tmp_path / "run_stats_history.csv"))
    assert [p.users for p in steps] == [10, 20, 30, 40, 50]
    assert [round(p.throughput) for p in steps] == [100, 200, 250, 255, 256]
    assert [p.p95 for p in steps] == [10, 12, 20, 40, 80]
    assert all(p.error_rate == 0 for p in steps)
    assert steps[0].completion_rate == pytest.approx(90)
    assert steps[0].completion_p95 == 80


def test_the_knee_is_the_last_step_that_still_bought_throughput(tmp_path: Path) -> None:
    write_steps(tmp_path / "run", SATURATING)
    capacity = build_report(tmp_path / "run", "send-sms")
    assert capacity.knee is not None
    assert capacity.knee["users"] == 30
    assert capacity.knee["throughput"] == pytest.approx(250)


def test_no_knee_while_throughput_keeps_growing(tmp_path: Path) -> None:
    write_steps(tmp_path / "run", [(10, 100, 10, 0), (20, 200, 30, 0), (30, 300, 90, 0)])
    capacity = build_report(tmp_path / "run", "send-sms")
    assert capacity.knee is None
    assert capacity.best_throughput == pytest.approx(300)


def test_errors_above_the_limit_make_the_knee(tmp_path: Path) -> None:
    write_steps(tmp_path / "run", [(10, 100, 10, 0), (20, 200, 10, 0.05), (30, 300, 10, 0)])
    capacity = build_report(tmp_path / "run", "send-sms")
    assert capacity.knee is not None
    assert capacity.knee["users"] == 10


def test_without_completions_the_aggregated_row_is_measured(tmp_path: Path) -> None:
    write_steps(tmp_path / "run", [(10, 100, 10, 0), (20, 150, 10, 0)], with_report=False)
    steps = plateaus(read_history(tmp_path / "run_stats_history.csv"))
    assert [round(p.throughput) for p in steps] == [100, 150]
    assert all(p.completions == 0 for p in steps)


def test_a_ramp_of_short_plateaus_is_not_a_step() -> None:
    from smsgw.load.capacity import Row

    rows = [Row(t, t, "", "Aggregated", t * 10, 0, 1, 2, 3) for t in range(1, 8)]
    assert plateaus(rows) == []


def test_find_knee_needs_both_flat_throughput_and_slower_answers() -> None:
    def step(users: int, thr: float, p95: float) -> Plateau:
        return Plateau(users, 0, 10, 10, int(thr * 10), thr, 0.0, 1, p95, p95)

    assert find_knee([step(10, 100, 10), step(20, 101, 11)]) is None  # flat but not slower
    assert find_knee([step(10, 100, 10), step(20, 150, 50)]) is None  # slower but still growing
    assert find_knee([step(10, 100, 10), step(20, 101, 50)]) == 0


def test_report_files_are_self_contained_and_mark_the_knee(tmp_path: Path) -> None:
    write_steps(tmp_path / "run", SATURATING)
    capacity = build_report(tmp_path / "run", "send-sms", run={"users": 50})
    json_path, html_path = write_report(capacity, tmp_path / "out")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["knee"]["users"] == 30
    assert len(data["plateaus"]) == 5
    assert data["totals"][0]["name"] == "goip_post_sms"
    html = html_path.read_text(encoding="utf-8")
    assert html.count("<svg") >= 4
    assert 'class="knee"' in html
    assert "Knee at <b>30 users</b>" in html
    for external in ("<script", " src=", "href=", "@import", "url("):
        assert external not in html


def test_report_of_a_run_without_history_says_so(tmp_path: Path) -> None:
    capacity = build_report(tmp_path / "missing", "status-fanin")
    _, html_path = write_report(capacity, tmp_path)
    assert capacity.plateaus == []
    assert "No knee within this run" in html_path.read_text(encoding="utf-8")


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0, 97) == [0, 20, 40, 60, 80, 100]
    ticks = nice_ticks(3, 3)
    assert ticks[0] <= 3 <= ticks[-1]


def test_chart_draws_one_polyline_per_series_and_escapes_labels() -> None:
    svg = line_chart(
        "t<1>", [Series("a&b", [(1, 2), (2, 3)]), Series("c", [(1, 1)])], x_label="x", y_label="y"
    )
    assert svg.count("<polyline") == 2
    assert "a&amp;b" in svg
    assert "t&lt;1&gt;" in svg


def test_totals_come_from_locusts_final_json_when_present(tmp_path: Path) -> None:
    write_steps(tmp_path / "run", [(10, 100, 10, 0)])
    entries = [
        {"name": "submit->report", "method": "REPORT", "num_requests": 3, "num_failures": 0,
         "start_time": 100.0, "last_request_timestamp": 103.0, "response_times": {"40": 2, "90": 1},
         "max_response_time": 90},
        {"name": "goip_post_sms", "method": "POST", "num_requests": 100, "num_failures": 1,
         "start_time": 100.0, "last_request_timestamp": 102.0,
         "response_times": {"2": 50, "5": 45, "30": 4, "80": 1}, "max_response_time": 80},
    ]  # fmt: skip
    (tmp_path / "run_final.json").write_text(json.dumps(entries), encoding="utf-8")
    totals = build_report(tmp_path / "run", "send-sms").totals
    assert [t["name"] for t in totals] == ["goip_post_sms", "submit->report"]
    post = totals[0]
    assert post["requests"] == 100
    assert post["failures"] == 1
    assert post["rps"] == pytest.approx(50)
    assert (post["p50"], post["p95"], post["p99"]) == (2, 5, 30)
    assert totals[1]["p50"] == 40


def test_late_delivery_makes_a_knee_even_when_answers_stay_fast() -> None:
    def step(users: int, thr: float, completion_p95: float) -> Plateau:
        p = Plateau(users, 0, 10, 10, int(thr * 10), thr, 0.0, 1, 10, 10)
        p.completion_p95 = completion_p95
        return p

    assert find_knee([step(10, 100, 50), step(20, 104, 900)]) == 0
    assert find_knee([step(10, 100, 50), step(20, 104, 55)]) is None


def test_per_second_counts_of_the_final_json_give_exact_step_throughput(tmp_path: Path) -> None:
    # the history's cumulative counts say 100/s; the per-second series (what was really made) 70/s
    write_steps(tmp_path / "run", [(10, 100, 10, 0), (20, 200, 12, 0)])
    first = 1_700_000_000
    per_second = {str(first + i): 70 for i in range(1, 21)}
    entry = {"name": "goip_post_sms", "method": "POST", "num_requests": 1400, "num_failures": 0}
    entries = [
        {**entry, "num_reqs_per_sec": per_second, "num_fail_per_sec": {}, "response_times": {"5": 1400}}
    ]
    (tmp_path / "run_final.json").write_text(json.dumps(entries), encoding="utf-8")
    steps = build_report(tmp_path / "run", "send-sms").plateaus
    assert [round(p.throughput) for p in steps] == [70, 70]


def test_the_dinstar_completion_metric_is_a_completion_not_requests(tmp_path: Path) -> None:
    write_steps(tmp_path / "run", SATURATING, completion=("POST", "api/send_sms", "RESULT"))
    capacity = build_report(tmp_path / "run", "send-sms")
    steps = capacity.plateaus
    assert [round(p.throughput) for p in steps] == [100, 200, 250, 255, 256]  # RESULT rows not added
    assert steps[0].completion_rate == pytest.approx(90)
    assert steps[0].completion_p95 == 80
    _, html_path = write_report(capacity, tmp_path / "out")
    html = html_path.read_text(encoding="utf-8")
    assert "submit&rarr;sms_result p50" in html
    assert "submit-&gt;report" not in html
