"""The ``/_ui`` page: counters and the most recent messages, every value HTML-escaped.

Everything shown comes from the store, which only holds redacted URLs, headers and bodies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlencode

from smsgw.receiver.store import Message

_STYLE = """
body{font:13px system-ui,sans-serif;margin:1em}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.PASS{color:#080}.NON-STRICT{color:#a60}.FAIL{color:#c00}.INFO{color:#06c}
code{font-size:12px;white-space:pre-wrap;word-break:break-all}.counters span{margin-right:1.2em}
"""
_FILTERS = ("type", "device", "port", "tid", "verdict", "ident", "family")


def render_page(messages: Sequence[Message], counters: Mapping[str, Any], params: Mapping[str, str]) -> str:
    refresh = params.get("refresh", "")
    head = [
        "<!doctype html><html><head><meta charset='utf-8'><title>smsgw receiver</title>",
        f"<style>{_STYLE}</style>",
    ]
    if refresh.isdigit() and int(refresh) > 0:
        head.append(f"<meta http-equiv='refresh' content='{int(refresh)}'>")
    head.append("</head><body><h1>smsgw receiver</h1>")
    counts = [
        f"<span>received <b>{counters['received']}</b></span>",
        f"<span>accepted <b>{counters['accepted']}</b></span>",
        f"<span>rejected <b>{counters['rejected']}</b></span>",
        f"<span>invalid <b>{counters['invalid']}</b></span>",
    ]
    counts += [f"<span>{escape(kind)} <b>{n}</b></span>" for kind, n in counters.get("by_type", {}).items()]
    form = ["<form method='get' action='/_ui'>"]
    for name in _FILTERS:
        value = escape(params.get(name, ""), quote=True)
        form.append(f"<label>{name} <input name='{name}' value='{value}' size='10'></label> ")
    form.append("<button>filter</button></form>")
    rows = [
        "<table><tr><th>id</th><th>received (UTC)</th><th>device</th><th>source</th><th>type</th>"
        "<th>verdict</th><th>status</th><th>ports/tids</th><th>request</th><th>details</th></tr>"
    ]
    rows += [_row(m) for m in messages]
    rows.append("</table>")
    query = urlencode({k: v for k, v in params.items() if k in _FILTERS and v})
    foot = (
        f"<p>{len(messages)} most recent shown. JSON: <a href='/_api/messages?{escape(query, quote=True)}'>"
        "/_api/messages</a>, <a href='/_api/counters'>/_api/counters</a></p></body></html>"
    )
    return (
        "".join(head)
        + "<p class='counters'>"
        + "".join(counts)
        + "</p>"
        + "".join(form)
        + "".join(rows)
        + foot
    )


def _row(m: Message) -> str:
    keys = ", ".join([*m.ports, *(f"tid {t}" for t in m.tids)])
    details = "; ".join(m.errors[:3]) if m.errors else ", ".join(m.errata)
    verdict = m.verdict.value
    return (
        "<tr>"
        f"<td><a href='/_api/messages/{m.id}'>{m.id}</a></td>"
        f"<td>{escape(m.received_iso)}</td>"
        f"<td>{escape(m.device or '')}{'<br>' + escape(m.ident) if m.ident else ''}</td>"
        f"<td>{escape(m.source)}</td>"
        f"<td>{escape(m.type)}</td>"
        f"<td class='{escape(verdict, quote=True)}'>{escape(verdict)}</td>"
        f"<td>{m.status}</td>"
        f"<td>{escape(keys)}</td>"
        f"<td><code>{escape(m.method)} {escape(m.url)}</code></td>"
        f"<td><code>{escape(details[:500])}</code></td>"
        "</tr>"
    )
