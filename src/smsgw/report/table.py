"""An Autobahn-style matrix of several certificates: requirements as rows, runs as columns."""

from __future__ import annotations

from collections.abc import Sequence

from smsgw.report._html import badge, esc, page
from smsgw.report.model import Certificate, RequirementResult


def render_table(certificates: Sequence[Certificate], names: Sequence[str] | None = None) -> str:
    """One column per certificate (in the order given), one row per requirement of any of them."""
    names = list(names) if names else [c.run_id for c in certificates]
    maps = [c.by_id() for c in certificates]
    rows_by_id: dict[str, RequirementResult] = {}
    for m in maps:
        for rid, req in m.items():
            rows_by_id.setdefault(rid, req)
    head_cells = "".join(
        f'<th>{esc(name)}<br><span class="muted">{esc(c.target_url)}<br>{esc(c.profile)} · '
        f"fw {esc(c.firmware or '?')}<br>{esc(c.started)}</span><br>"
        f'<span class="badge o-{esc(c.outcome.replace(" ", "-"))}">{esc(c.outcome)}</span></th>'
        for name, c in zip(names, certificates, strict=True)
    )
    body_rows: list[str] = []
    current_area: tuple[str, str] | None = None
    for rid, ref in sorted(rows_by_id.items(), key=lambda kv: (kv[1].family, kv[1].area, kv[0])):
        area = (ref.family, ref.area)
        if area != current_area:
            current_area = area
            body_rows.append(
                f'<tr><th colspan="{len(certificates) + 2}">{esc(ref.family)} / {esc(ref.area)}</th></tr>'
            )
        cells: list[str] = []
        verdicts: set[str | None] = set()
        for m in maps:
            found = m.get(rid)
            if found is None:
                cells.append(f"<td>{badge(None)}</td>")
                verdicts.add(None)
                continue
            verdicts.add(found.verdict)
            title = esc(found.message) if found.message else ""
            cells.append(f'<td class="cell-{esc(found.verdict)}" title="{title}">{badge(found.verdict)}</td>')
        changed = ' style="font-weight:600"' if len(verdicts) > 1 else ""
        body_rows.append(
            f'<tr><td{changed}><code>{esc(rid)}</code><br><span class="muted">{esc(ref.title)}</span></td>'
            f"<td>{esc(ref.level)}</td>{''.join(cells)}</tr>"
        )
    body = (
        f"<h1>Conformance matrix ({len(certificates)} runs)</h1>"
        '<p class="muted">Rows in bold differ between runs. Hover a cell for the message.</p>'
        f"<table><tr><th>requirement</th><th>level</th>{head_cells}</tr>{''.join(body_rows)}</table>"
    )
    return page(f"Conformance matrix — {len(certificates)} runs", body)
