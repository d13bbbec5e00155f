"""``certificate.html``: the certificate as a self-contained page a vendor can hand over."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from smsgw.report._html import badge, esc, page
from smsgw.report.certificate import CERTIFICATE_HTML
from smsgw.report.model import VERDICT_VALUES, Certificate, CheckResult, RequirementResult
from smsgw.spec.documents import DOCUMENTS


def _ref(doc: str, section: str) -> str:
    document = DOCUMENTS.get(doc)
    title = document.title if document else doc
    return f"{esc(title)} §{esc(section)}"


def _check(check: CheckResult) -> str:
    parts = [f"<li>{badge(check.verdict.value)} <code>{esc(check.check)}</code>"]
    if check.message:
        parts.append(f" — {esc(check.message)}")
    if check.errata:
        parts.append(f' <span class="muted">errata: {esc(", ".join(check.errata))}</span>')
    for ev in check.evidence:
        parts.append(
            f"<details><summary>{esc(ev.kind)}: {esc(ev.title)}</summary>"
            f"<pre>{esc(ev.content)}</pre></details>"
        )
    parts.append("</li>")
    return "".join(parts)


def _requirement_row(req: RequirementResult) -> str:
    refs = "<br>".join(_ref(r["doc"], r["section"]) for r in req.refs)
    details = [f"<p>{esc(req.text)}</p>", f'<p class="muted">{refs}</p>']
    if req.capability:
        details.append(f'<p class="muted">capability: {esc(req.capability)}</p>')
    if req.destructive:
        details.append('<p class="muted">destructive: changes device state</p>')
    if not req.applies:
        details.append(f'<p class="muted">not applicable: {esc(req.scope_reason)}</p>')
    if req.checks:
        details.append("<ul>" + "".join(_check(c) for c in req.checks) + "</ul>")
    cls = ' class="failing"' if req.failing else ""
    message = esc(req.message)
    return (
        f'<tr id="{esc(req.id)}"{cls}><td><code>{esc(req.id)}</code></td><td>{esc(req.level)}</td>'
        f"<td>{badge(req.verdict)}</td>"
        f"<td><details><summary>{esc(req.title)}</summary>{''.join(details)}</details>"
        f'<div class="muted">{message}</div></td></tr>'
    )


def _requirements_table(reqs: list[RequirementResult]) -> str:
    by_area: dict[tuple[str, str], list[RequirementResult]] = defaultdict(list)
    for req in reqs:
        by_area[(req.family, req.area)].append(req)
    rows: list[str] = []
    for (family, area), items in sorted(by_area.items()):
        rows.append(f'<tr><th colspan="4">{esc(family)} / {esc(area)}</th></tr>')
        rows += [_requirement_row(r) for r in items]
    head = "<tr><th>requirement</th><th>level</th><th>verdict</th><th>title and evidence</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def render_certificate(cert: Certificate) -> str:
    summary = cert.summary()
    outcome_cls = cert.outcome.replace(" ", "-")
    decl = cert.declaration or {}
    device = decl.get("device") or {}
    meta = [
        ("target", f"<code>{esc(cert.target_url)}</code>"),
        ("profile", esc(cert.profile)),
        ("firmware (dev-status ver)", esc(cert.firmware or "not reported")),
        ("device", esc(", ".join(f"{k}: {v}" for k, v in device.items()) or "not declared")),
        ("declaration", esc(decl.get("source") or "none: only core requirements apply")),
        ("suite", f"smsgw-suite {esc(cert.suite_version)}"),
        ("run", f"{esc(cert.run_id)} — {esc(cert.started)} to {esc(cert.finished)}"),
        (
            "options",
            esc(
                f"strict={cert.strict} allow-destructive={cert.allow_destructive} "
                f"selection={' '.join(cert.selection) or 'all'}"
            ),
        ),
        ("exit code", esc(cert.exit_code)),
    ]
    meta_html = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta)
    claimed = sorted(k for k, v in (decl.get("capabilities") or {}).items() if v)
    caps = esc(", ".join(claimed) or "none")
    counts_head = "<tr><th>level</th>" + "".join(f"<th>{badge(v)}</th>" for v in VERDICT_VALUES) + "</tr>"
    counts_rows = "".join(
        f"<tr><td>{esc(level)}</td>" + "".join(f'<td class="num">{n}</td>' for n in counts.values()) + "</tr>"
        for level, counts in summary["by_level"].items()
    )
    applicable = [r for r in cert.requirements if r.applies and r.covered]
    not_covered = [r for r in cert.requirements if r.applies and not r.covered]
    out_of_scope = [r for r in cert.requirements if not r.applies]
    failing = [r for r in cert.requirements if r.failing]
    failing_html = (
        "<ul>"
        + "".join(
            f'<li><a href="#{esc(r.id)}"><code>{esc(r.id)}</code></a> {esc(r.title)}: {esc(r.message)}</li>'
            for r in failing
        )
        + "</ul>"
        if failing
        else "<p>none</p>"
    )
    errors_html = (
        "<h2>Run errors</h2><ul>" + "".join(f"<li><pre>{esc(e)}</pre></li>" for e in cert.errors) + "</ul>"
        if cert.errors
        else ""
    )
    body = f"""
<h1>Conformance certificate</h1>
<p><span class="badge outcome o-{esc(outcome_cls)}">{esc(cert.outcome)}</span>
<span class="coverage">
on {summary["applicable_covered"]} of {summary["applicable"]} applicable requirements checked
({summary["applicable_not_covered"]} not covered by any check yet)</span></p>
<dl class="meta">{meta_html}<dt>claimed capabilities</dt><dd>{caps}</dd></dl>
<h2>Summary</h2>
<p>{summary["requirements"]} requirements in the catalog,
{summary["in_family"]} of the {esc(summary["family"])} family (counted below),
{summary["applicable"]} applicable to this target,
{summary["applicable_covered"]} of them covered by a check, {summary["applicable_not_covered"]} not covered,
{summary["failing"]} failing.</p>
<table>{counts_head}{counts_rows}</table>
<h2>Failing requirements</h2>
{failing_html}
{errors_html}
<h2>Applicable requirements ({len(applicable)})</h2>
{_requirements_table(applicable)}
<h2>Applicable, not covered by any check ({len(not_covered)})</h2>
{_requirements_table(not_covered) if not_covered else "<p>none</p>"}
<h2>Not applicable to this target ({len(out_of_scope)})</h2>
<details><summary>show</summary>
{_requirements_table(out_of_scope) if out_of_scope else "<p>none</p>"}
</details>
<p class="muted">Generated by smsgw-suite {esc(cert.suite_version)}. NON-STRICT: deviates from the normative
text the way the errata tolerate (usually as the vendor's own example does); it never fails a run.</p>
"""
    return page(f"Conformance certificate — {cert.target_url} — {cert.outcome}", body)


def write_certificate_html(cert: Certificate, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CERTIFICATE_HTML
    path.write_text(render_certificate(cert), encoding="utf-8")
    return path
