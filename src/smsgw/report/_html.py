"""Shared pieces of the self-contained HTML reports: escaping, inline CSS, verdict badges.

No external assets (fonts, scripts, images): a vendor can mail the file and it renders the same.
"""

from __future__ import annotations

from html import escape

CSS = """
:root { --pass:#1a7f37; --ns:#9a6700; --fail:#cf222e; --unimpl:#6e7781; --info:#0969da;
        --skip:#8c959f; --nc:#bf8700; --bg:#ffffff; --fg:#1f2328; --muted:#57606a; --line:#d0d7de; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg); margin: 2em auto; max-width: 1200px; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: .6em 0; }
th, td { border: 1px solid var(--line); padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: #f6f8fa; padding: .6em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .45em; border-radius: .3em; color: #fff; font-weight: 600;
         font-size: 12px; white-space: nowrap; }
.v-PASS { background: var(--pass); } .v-NON-STRICT { background: var(--ns); }
.v-FAIL { background: var(--fail); } .v-UNIMPLEMENTED { background: var(--unimpl); }
.v-INFO { background: var(--info); } .v-SKIPPED { background: var(--skip); }
.v-NOT-COVERED { background: var(--nc); } .v-none { background: #d0d7de; color: #1f2328; }
.outcome { font-size: 1.3em; padding: .2em .6em; }
.o-CONFORMANT { background: var(--pass); } .o-NOT-CONFORMANT { background: var(--fail); }
.o-INCOMPLETE { background: var(--ns); }
td.cell-PASS { background: #dafbe1; } td.cell-NON-STRICT { background: #fff8c5; }
td.cell-FAIL { background: #ffebe9; }
td.cell-UNIMPLEMENTED, td.cell-SKIPPED, td.cell-NOT-COVERED, td.cell-INFO { background: #f6f8fa; }
details > summary { cursor: pointer; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dl.meta dt { font-weight: 600; } dl.meta dd { margin: 0; }
tr.failing td:first-child { border-left: 4px solid var(--fail); }
"""


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def badge(verdict: str | None) -> str:
    if verdict is None:
        return '<span class="badge v-none">—</span>'
    return f'<span class="badge v-{esc(verdict)}">{esc(verdict)}</span>'


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
