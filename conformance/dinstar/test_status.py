"""get_status (dinstar-uc-1.2 §16): the eight performance figures, as strings, and consistent."""

from __future__ import annotations

import pytest

FIGURES = (
    "cpu_used",
    "flash_total",
    "flash_used",
    "memory_total",
    "memory_cached",
    "memory_buffers",
    "memory_free",
    "memory_used",
)


@pytest.mark.requirement("DS-STATUS-PERFORMANCE-SCHEMA")
def test_performance_answer_matches_the_document(check, dinstar):
    """§16.2/§16.3: POST ["performance"]; cpu_used, flash_total, flash_used, memory_total, memory_cached,
    memory_buffers, memory_free, memory_used (String)."""
    resp = dinstar.get_status()
    check.attach_json("get_status", resp.data)
    check.schema("dinstar/get_status.response", resp)


@pytest.mark.requirement("DS-STATUS-FIGURES-CONSISTENT")
def test_used_figures_fit_the_totals(check, dinstar):
    """§16.3: "flash_used: Used flash size; flash_total: flash size; memory_used: Used memory size;
    memory_total: Memory size; cpu_used: CPU usage" - used within the totals, CPU a percentage."""
    data = dinstar.get_status().data
    perf = data.get("performance") if isinstance(data, dict) else None
    if not isinstance(perf, dict):
        check.fail(f"no performance object: {data!r}")
        return
    try:
        n = {k: float(perf[k]) for k in FIGURES}
    except (KeyError, TypeError, ValueError):
        check.fail(f"performance figures are not all numbers: {perf}")
        return
    check.expect(0 <= n["cpu_used"] <= 100, f"cpu_used {perf['cpu_used']!r}")
    check.expect(
        n["flash_used"] <= n["flash_total"],
        f"flash_used {perf['flash_used']} > flash_total {perf['flash_total']}",
    )
    check.expect(
        n["memory_used"] <= n["memory_total"] and n["memory_free"] <= n["memory_total"],
        f"memory used {perf['memory_used']} / free {perf['memory_free']} > total {perf['memory_total']}",
    )
