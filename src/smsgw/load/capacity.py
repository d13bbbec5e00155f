"""The capacity report: Locust's CSVs -> load steps, the knee, ``capacity.json`` and ``capacity.html``.

Input: ``<base>_stats_history.csv`` written with ``--csv-full-history`` (one row per second and
stats entry, plus the Aggregated row; the percentiles are Locust's *current* ones, a sliding window
of the last few seconds) and, for the totals per entry, ``<base>_final.json`` (``--json-file``:
Locust's final stats) or else ``<base>_stats.csv``.

Steps. Offered load is the user count (a closed model: each user waits for its answer, then
``--user-rate`` if set). The history is cut into *plateaus*: maximal runs of seconds with the same
user count (a ramp is many short plateaus and is dropped: a plateau shorter than ``min_seconds``
does not count). For each plateau:

* throughput = requests of the measured entries between the plateau's first and last second,
  divided by the seconds between them (the first ``settle`` fraction of the plateau is skipped);
* error rate = failures / requests over the same span;
* p50/p95/p99 = the current percentiles of the plateau's last second (the window lies inside);
* the completion metric (``REPORT``/``submit->report``, or the Dinstar ``RESULT``/
  ``submit->sms_result``) gets the same treatment when present.

The measured entries are every entry but completion ones (``REPORT``, ``RESULT``: completions, not
requests) and per-task counts (``TASK``); latency percentiles come from the busiest such entry
(e.g. ``goip_post_sms``), or the Aggregated row when no such entry exists (the fan-in profile:
every entry is a push).

The knee (documented rule, :func:`find_knee`): the first plateau *i* (from the second one) where
throughput grew by less than ``min_gain`` (10 %) over plateau *i-1* while offered load grew, and
p95 latency (of the requests, or of ``submit->report`` when measured: a gateway that still answers
fast but delivers late is saturated too) grew by more than ``max_latency_growth`` (25 %) -- or the
error rate exceeded ``max_error_rate`` (1 %). The knee is plateau *i-1*: the highest offered load
that still bought throughput; its throughput is the sustainable capacity. No such plateau: no knee
within the run (the system was not saturated; the capacity is at least the best throughput
measured).
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from smsgw.load.svg import Series, line_chart

__all__ = [
    "COMPLETION_TYPES",
    "REPORT_TYPE",
    "RESULT_TYPE",
    "Capacity",
    "Plateau",
    "build_report",
    "find_knee",
    "plateaus",
    "read_history",
    "write_report",
]

REPORT_TYPE = "REPORT"
#: the Dinstar completion metric (submit -> sms_result push)
RESULT_TYPE = "RESULT"
COMPLETION_TYPES = (REPORT_TYPE, RESULT_TYPE)
#: per-task status counts of a refused batch (not requests of their own)
TASK_TYPE = "TASK"
_NOT_REQUESTS = (*COMPLETION_TYPES, TASK_TYPE)
AGGREGATED = "Aggregated"


@dataclass(frozen=True)
class Row:
    """One line of ``_stats_history.csv``."""

    timestamp: int
    users: int
    type: str
    name: str
    count: int
    failures: int
    p50: float | None
    p95: float | None
    p99: float | None


@dataclass
class Plateau:
    users: int
    start: int
    end: int
    seconds: float
    requests: int
    throughput: float
    error_rate: float
    p50: float | None
    p95: float | None
    p99: float | None
    completions: int = 0
    completion_rate: float = 0.0
    completion_p50: float | None = None
    completion_p95: float | None = None
    completion_p99: float | None = None


@dataclass
class Capacity:
    """What capacity.json holds."""

    profile: str
    created: str
    plateaus: list[Plateau]
    knee: dict[str, Any] | None
    best_throughput: float
    totals: list[dict[str, Any]] = field(default_factory=list)
    rule: dict[str, float] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "created": self.created,
            "run": self.run,
            "knee": self.knee,
            "best_throughput": round(self.best_throughput, 3),
            "rule": self.rule,
            "plateaus": [_rounded(asdict(p)) for p in self.plateaus],
            "totals": self.totals,
        }


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def read_history(path: Path) -> list[Row]:
    rows: list[Row] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for raw in csv.DictReader(fh):
            try:
                rows.append(
                    Row(
                        timestamp=int(raw["Timestamp"]),
                        users=int(raw["User Count"]),
                        type=raw["Type"],
                        name=raw["Name"],
                        count=int(raw["Total Request Count"]),
                        failures=int(raw["Total Failure Count"]),
                        p50=_float(raw["50%"]),
                        p95=_float(raw["95%"]),
                        p99=_float(raw["99%"]),
                    )
                )
            except (KeyError, ValueError):
                continue
    return rows


def read_totals(path: Path) -> list[dict[str, Any]]:
    """``_stats.csv``: one dict per entry (type, name, requests, failures, rps, percentiles)."""
    if not path.is_file():
        return []
    totals = []
    with path.open(newline="", encoding="utf-8") as fh:
        for raw in csv.DictReader(fh):
            totals.append(
                {
                    "type": raw.get("Type", ""),
                    "name": raw.get("Name", ""),
                    "requests": int(raw.get("Request Count") or 0),
                    "failures": int(raw.get("Failure Count") or 0),
                    "rps": round(float(raw.get("Requests/s") or 0), 3),
                    "p50": _float(raw.get("50%", "")),
                    "p95": _float(raw.get("95%", "")),
                    "p99": _float(raw.get("99%", "")),
                    "max": _float(raw.get("Max Response Time", "")),
                }
            )
    return totals


def read_final_json(path: Path) -> list[dict[str, Any]]:
    """Locust's ``--json-file`` (the final stats, written at shutdown): one dict per entry, as
    :func:`read_totals`. Preferred over ``_stats.csv``, which Locust rewrites once a second and
    not at exit (its last second is missing). Requests/s is per entry, over its own first to last
    request (Locust's CSV divides by the span of *all* entries, stretched by late completions)."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    totals = []
    for e in entries:
        span = float(e.get("last_request_timestamp") or 0) - float(e.get("start_time") or 0)
        histogram = sorted((float(k), int(v)) for k, v in (e.get("response_times") or {}).items())
        requests = int(e.get("num_requests", 0))
        totals.append(
            {
                "type": e.get("method") or "",
                "name": e.get("name", ""),
                "requests": requests,
                "failures": int(e.get("num_failures", 0)),
                "rps": round(requests / span, 3) if span > 0 else 0.0,
                "p50": _percentile(histogram, 0.50),
                "p95": _percentile(histogram, 0.95),
                "p99": _percentile(histogram, 0.99),
                "max": e.get("max_response_time"),
            }
        )
    totals.sort(key=lambda t: (t["type"] in COMPLETION_TYPES, -t["requests"]))
    return totals


def _percentile(histogram: Sequence[tuple[float, int]], q: float) -> float | None:
    total = sum(n for _, n in histogram)
    if not total:
        return None
    rank = q * total
    seen = 0
    for value, n in histogram:
        seen += n
        if seen >= rank:
            return value
    return histogram[-1][0]


@dataclass
class _Second:
    users: int = 0
    count: int = 0
    failures: int = 0
    latency: Row | None = None
    report: Row | None = None


def _seconds(rows: Sequence[Row]) -> list[tuple[int, _Second]]:
    """Per timestamp: users, requests and failures of the measured entries, the latency row."""
    by_ts: dict[int, list[Row]] = {}
    for row in rows:
        by_ts.setdefault(row.timestamp, []).append(row)
    # entries that are not requests (completions, per-task counts): sum the request entries
    # instead of taking the Aggregated row, which includes them
    has_report = any(r.type in _NOT_REQUESTS for r in rows)
    # the busiest request entry over the run names the latency row
    busiest: tuple[str, str] | None = None
    if has_report:
        last: dict[tuple[str, str], int] = {}
        for row in rows:
            if row.name != AGGREGATED and row.type not in _NOT_REQUESTS:
                last[(row.type, row.name)] = max(last.get((row.type, row.name), 0), row.count)
        busiest = max(last, key=lambda k: last[k]) if last else None
    out: list[tuple[int, _Second]] = []
    for ts in sorted(by_ts):
        second = _Second()
        entries = by_ts[ts]
        for row in entries:
            if row.name == AGGREGATED and not row.type:
                second.users = row.users
                if not has_report:
                    second.count, second.failures, second.latency = row.count, row.failures, row
            elif row.type in COMPLETION_TYPES:
                second.report = row
            elif row.type == TASK_TYPE:
                continue
            elif has_report:
                second.count += row.count
                second.failures += row.failures
                if busiest == (row.type, row.name):
                    second.latency = row
        out.append((ts, second))
    return out


@dataclass
class PerSecond:
    """Requests, failures and completions per second (Locust's final ``num_reqs_per_sec``)."""

    requests: dict[int, int] = field(default_factory=dict)
    failures: dict[int, int] = field(default_factory=dict)
    completions: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_final_json(cls, path: Path) -> PerSecond | None:
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        has_report = any(e.get("method") in _NOT_REQUESTS for e in entries)
        out = cls()
        for e in entries:
            if e.get("method") in COMPLETION_TYPES:
                _add(out.completions, e.get("num_reqs_per_sec"))
            elif e.get("method") == TASK_TYPE:
                continue
            elif has_report or e.get("name") != AGGREGATED:
                _add(out.requests, e.get("num_reqs_per_sec"))
                _add(out.failures, e.get("num_fail_per_sec"))
        return out if out.requests else None

    @staticmethod
    def total(series: dict[int, int], after: int, upto: int) -> int:
        return sum(n for t, n in series.items() if after < t <= upto)


def _add(into: dict[int, int], series: Any) -> None:
    for key, value in (series or {}).items():
        t = int(float(key))
        into[t] = into.get(t, 0) + int(value)


def plateaus(
    rows: Sequence[Row], *, min_seconds: int = 3, settle: float = 0.25, per_second: PerSecond | None = None
) -> list[Plateau]:
    """Maximal runs of constant user count (> 0) lasting ``min_seconds`` or more.

    Throughput, error rate and completions come from ``per_second`` when given (exact: every
    request counted in the second it was made, also from workers), else from the differences of
    the cumulative counts in the history (a master's counts move only when a worker reports,
    every 3 s: short steps of a distributed run are then coarse)."""
    seconds = _seconds(rows)
    runs: list[list[tuple[int, _Second]]] = []
    for ts, second in seconds:
        if second.users <= 0:
            if runs and runs[-1]:
                runs.append([])
            continue
        if runs and runs[-1] and runs[-1][-1][1].users == second.users:
            runs[-1].append((ts, second))
        else:
            runs.append([(ts, second)])
    result: list[Plateau] = []
    for run in runs:
        if len(run) < max(2, min_seconds):
            continue
        skip = min(len(run) - 2, int(len(run) * settle))
        first_ts, first = run[skip]
        last_ts, last = run[-1]
        span = float(last_ts - first_ts)
        if span <= 0:
            continue
        requests = last.count - first.count
        failed = last.failures - first.failures
        if per_second is not None:
            requests = per_second.total(per_second.requests, first_ts, last_ts)
            failed = per_second.total(per_second.failures, first_ts, last_ts)
        latency = last.latency
        plateau = Plateau(
            users=last.users,
            start=run[0][0],
            end=last_ts,
            seconds=span,
            requests=requests,
            throughput=requests / span,
            error_rate=(failed / requests) if requests > 0 else 0.0,
            p50=latency.p50 if latency else None,
            p95=latency.p95 if latency else None,
            p99=latency.p99 if latency else None,
        )
        if last.report is not None:
            before = first.report.count if first.report is not None else 0
            plateau.completions = last.report.count - before
            if per_second is not None:
                plateau.completions = per_second.total(per_second.completions, first_ts, last_ts)
            plateau.completion_rate = plateau.completions / span
            plateau.completion_p50 = last.report.p50
            plateau.completion_p95 = last.report.p95
            plateau.completion_p99 = last.report.p99
        result.append(plateau)
    return result


def find_knee(
    steps: Sequence[Plateau],
    *,
    min_gain: float = 0.10,
    max_latency_growth: float = 0.25,
    max_error_rate: float = 0.01,
) -> int | None:
    """Index of the knee plateau (see the module docstring), or None when the run never saturated."""
    for i in range(1, len(steps)):
        prev, cur = steps[i - 1], steps[i]
        if cur.users <= prev.users:
            continue
        if cur.error_rate > max_error_rate:
            return i - 1
        flat = cur.throughput < prev.throughput * (1.0 + min_gain)
        slower = _grew(prev.p95, cur.p95, max_latency_growth) or _grew(
            prev.completion_p95, cur.completion_p95, max_latency_growth
        )
        if flat and slower:
            return i - 1
    return None


def _grew(before: float | None, after: float | None, by: float) -> bool:
    return before is not None and after is not None and before > 0 and after > before * (1.0 + by)


def build_report(
    base: Path,
    profile: str,
    *,
    run: dict[str, Any] | None = None,
    min_seconds: int = 3,
    min_gain: float = 0.10,
    max_latency_growth: float = 0.25,
    max_error_rate: float = 0.01,
) -> Capacity:
    """The capacity of one run from its CSVs (``base`` as given to ``locust --csv``)."""
    history = Path(f"{base}_stats_history.csv")
    rows = read_history(history) if history.is_file() else []
    # the ascending part only: a spike's way down (or the end) is not a new step
    steps = plateaus(
        rows, min_seconds=min_seconds, per_second=PerSecond.from_final_json(Path(f"{base}_final.json"))
    )
    ascending = _ascending(steps)
    rule = {"min_gain": min_gain, "max_latency_growth": max_latency_growth, "max_error_rate": max_error_rate}
    knee_index = find_knee(ascending, **rule)
    knee = None
    if knee_index is not None:
        k = ascending[knee_index]
        knee = {
            "users": k.users,
            "throughput": round(k.throughput, 3),
            "p95": k.p95,
            "error_rate": k.error_rate,
        }
    return Capacity(
        profile=profile,
        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        plateaus=steps,
        knee=knee,
        best_throughput=max((p.throughput for p in steps), default=0.0),
        totals=_totals(base),
        rule={
            "min_gain": min_gain,
            "max_latency_growth": max_latency_growth,
            "max_error_rate": max_error_rate,
        },
        run=dict(run or {}),
    )


def _totals(base: Path) -> list[dict[str, Any]]:
    final = Path(f"{base}_final.json")
    if final.is_file():
        try:
            return read_final_json(final)
        except (ValueError, TypeError, KeyError):
            pass
    return read_totals(Path(f"{base}_stats.csv"))


def _ascending(steps: Sequence[Plateau]) -> list[Plateau]:
    out: list[Plateau] = []
    for step in steps:
        if not out or step.users > out[-1].users:
            out.append(step)
    return out


def _rounded(data: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}


# -- writing ------------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:8px 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}
.chart{background:#fff;margin:6px 12px 6px 0}.chart text{font-size:11px;fill:#333}
.chart .title{font-size:13px;font-weight:600}.grid{stroke:#e5e5e5}.frame{fill:none;stroke:#999}
.knee{stroke:#d62728;stroke-dasharray:4 3;stroke-width:1.5}.knee-label{fill:#d62728;font-weight:600}
.summary{background:#f7f9fc;border:1px solid #dde;padding:10px 14px;display:inline-block}
"""


def write_report(capacity: Capacity, out_dir: Path) -> tuple[Path, Path]:
    """Write ``capacity.json`` and ``capacity.html`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "capacity.json"
    json_path.write_text(json.dumps(capacity.to_json(), indent=2) + "\n", encoding="utf-8")
    html_path = out_dir / "capacity.html"
    html_path.write_text(render_html(capacity), encoding="utf-8")
    return json_path, html_path


def _cell(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def render_html(capacity: Capacity) -> str:
    steps = _ascending(capacity.plateaus)
    # the completion metric's own name: submit->report (Ejoin) or submit->sms_result (Dinstar)
    done = next((t["name"] for t in capacity.totals if t.get("type") in COMPLETION_TYPES), "submit->report")
    knee_users = capacity.knee["users"] if capacity.knee else None
    marker = "knee" if knee_users is not None else ""
    thr = [Series("requests/s", [(p.users, p.throughput) for p in steps])]
    if any(p.completions for p in steps):
        thr.append(Series("completions/s", [(p.users, p.completion_rate) for p in steps], dashed=True))
    lat = [
        Series(name, [(p.users, v) for p in steps if (v := getattr(p, attr)) is not None])
        for name, attr in (("p50", "p50"), ("p95", "p95"), ("p99", "p99"))
    ]
    comp = [
        Series(f"{done} {name}", pts, dashed=True)
        for name, attr in (("p50", "completion_p50"), ("p95", "completion_p95"))
        if (pts := [(p.users, v) for p in steps if (v := getattr(p, attr)) is not None])
    ]
    err = [Series("error rate %", [(p.users, p.error_rate * 100.0) for p in steps])]
    charts = [
        line_chart("Throughput vs offered load", thr, x_label="users", y_label="per second",
                   marker_x=knee_users, marker_label=marker),
        line_chart("Latency percentiles vs offered load", lat, x_label="users", y_label="ms",
                   marker_x=knee_users, marker_label=marker),
        line_chart("Error rate vs offered load", err, x_label="users", y_label="% failed",
                   marker_x=knee_users, marker_label=marker),
    ]  # fmt: skip
    if comp:
        charts.append(
            line_chart(
                f"{done} latency vs offered load",
                comp,
                x_label="users",
                y_label="ms",
                marker_x=knee_users,
                marker_label=marker,
            )
        )
    if capacity.knee:
        k = capacity.knee
        verdict = (
            f"Knee at <b>{k['users']} users</b>: <b>{k['throughput']:.1f} requests/s</b> sustained "
            f"(p95 {_cell(k['p95'], 0)} ms, errors {k['error_rate'] * 100:.2f} %)."
        )
    else:
        verdict = (
            f"No knee within this run: the target was not saturated; best measured throughput "
            f"<b>{capacity.best_throughput:.1f} requests/s</b> (a lower bound of its capacity)."
        )
    rule = capacity.rule
    done_html = escape(done).replace("-&gt;", "&rarr;")
    rule_text = (
        f"Knee rule: the last step before the first step whose throughput grew by less than "
        f"{rule.get('min_gain', 0) * 100:.0f} % while p95 (requests or {escape(done)}) grew by more than "
        f"{rule.get('max_latency_growth', 0) * 100:.0f} %, or whose error rate exceeded "
        f"{rule.get('max_error_rate', 0) * 100:.0f} %."
    )
    rows = "".join(
        f"<tr><td>{p.users}</td><td>{p.seconds:.0f}</td><td>{p.requests}</td><td>{p.throughput:.1f}</td>"
        f"<td>{p.error_rate * 100:.2f}</td><td>{_cell(p.p50, 0)}</td><td>{_cell(p.p95, 0)}</td>"
        f"<td>{_cell(p.p99, 0)}</td><td>{p.completion_rate:.1f}</td><td>{_cell(p.completion_p50, 0)}</td>"
        f"<td>{_cell(p.completion_p95, 0)}</td></tr>"
        for p in capacity.plateaus
    )
    totals = "".join(
        f"<tr><td class=l>{escape(t['type'])}</td><td class=l>{escape(t['name'])}</td>"
        f"<td>{t['requests']}</td>"
        f"<td>{t['failures']}</td><td>{t['rps']:.1f}</td><td>{_cell(t['p50'], 0)}</td>"
        f"<td>{_cell(t['p95'], 0)}</td><td>{_cell(t['p99'], 0)}</td></tr>"
        for t in capacity.totals
    )
    run = "".join(
        f"<tr><th class=l>{escape(str(k))}</th><td class=l>{escape(str(v))}</td></tr>"
        for k, v in capacity.run.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Capacity report: {escape(capacity.profile)}</title>
<style>{_CSS}</style></head><body>
<h1>Capacity report: {escape(capacity.profile)}</h1>
<p class="summary">{verdict}<br><small>{escape(rule_text)}</small></p>
<div>{"".join(charts)}</div>
<h2>Steps (plateaus of constant offered load)</h2>
<table><tr><th>users</th><th>s</th><th>requests</th><th>req/s</th><th>errors %</th><th>p50 ms</th>
<th>p95 ms</th><th>p99 ms</th><th>completions/s</th><th>{done_html} p50</th><th>p95</th></tr>
{rows}</table>
<h2>Totals per endpoint</h2>
<table><tr><th class=l>type</th><th class=l>name</th><th>requests</th><th>failures</th><th>req/s</th>
<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th></tr>{totals}</table>
<h2>Run</h2><table>{run}</table>
<p><small>Generated {escape(capacity.created)} by smsgw load from Locust's CSV files.</small></p>
</body></html>
"""
