"""A small inline-SVG line chart for the capacity report.

Why not matplotlib: the report must be one self-contained HTML file (no external assets), the
plots are a handful of polylines over at most a few hundred points, and matplotlib would be a
~40 MB dependency with a second of import for that. A hand-written SVG is deterministic text
(tests can read it), scales in the browser and prints. Axis ticks use "nice" 1/2/5 steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["Series", "line_chart", "nice_ticks"]

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]
    color: str = ""
    dashed: bool = False


@dataclass
class _Frame:
    width: int = 640
    height: int = 300
    left: int = 64
    right: int = 16
    top: int = 28
    bottom: int = 44
    parts: list[str] = field(default_factory=list)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] in steps of 1, 2 or 5 x 10^n."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value)}"
    return f"{value:.3g}"


def line_chart(
    title: str,
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    marker_x: float | None = None,
    marker_label: str = "",
    width: int = 640,
    height: int = 300,
) -> str:
    """An ``<svg>`` element: one polyline (with dots) per series, a vertical marker (the knee)."""
    frame = _Frame(width, height)
    xs = [x for s in series for x, _ in s.points]
    ys = [y for s in series for _, y in s.points]
    out = frame.parts
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
    )
    out.append(f'<text x="{width / 2}" y="18" text-anchor="middle" class="title">{escape(title)}</text>')
    if not xs:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">no data</text></svg>')
        return "".join(out)
    x_ticks = nice_ticks(min(xs), max(xs))
    y_ticks = nice_ticks(min(0.0, *ys), max(ys))
    x0, x1, y0, y1 = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]
    pw = width - frame.left - frame.right
    ph = height - frame.top - frame.bottom

    def px(x: float) -> float:
        return frame.left + (x - x0) / ((x1 - x0) or 1.0) * pw

    def py(y: float) -> float:
        return frame.top + ph - (y - y0) / ((y1 - y0) or 1.0) * ph

    for t in y_ticks:
        gy = f"{py(t):.1f}"
        out.append(f'<line x1="{frame.left}" x2="{width - frame.right}" y1="{gy}" y2="{gy}" class="grid"/>')
        out.append(f'<text x="{frame.left - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{_fmt(t)}</text>')
    for t in x_ticks:
        ty = height - frame.bottom + 16
        out.append(f'<text x="{px(t):.1f}" y="{ty}" text-anchor="middle">{_fmt(t)}</text>')
    out.append(f'<rect x="{frame.left}" y="{frame.top}" width="{pw}" height="{ph}" class="frame"/>')
    cx = frame.left + pw / 2
    out.append(f'<text x="{cx}" y="{height - 6}" text-anchor="middle">{escape(x_label)}</text>')
    out.append(
        f'<text transform="translate(14 {frame.top + ph / 2}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    if marker_x is not None:
        mx = px(marker_x)
        out.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{frame.top}" y2="{frame.top + ph}" class="knee"/>')
        label = escape(marker_label)
        out.append(f'<text x="{mx + 4:.1f}" y="{frame.top + 12}" class="knee-label">{label}</text>')
    for i, s in enumerate(series):
        color = s.color or PALETTE[i % len(PALETTE)]
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s.points)
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} points="{pts}"/>')
        for x, y in s.points:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>')
        lx = frame.left + 8 + 150 * i
        out.append(f'<rect x="{lx}" y="{frame.top + 6}" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{lx + 14}" y="{frame.top + 15}">{escape(s.label)}</text>')
    out.append("</svg>")
    return "".join(out)
