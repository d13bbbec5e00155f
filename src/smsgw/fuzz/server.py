"""Fuzz an SMS server's push endpoint by playing a device: ``smsgw fuzz-server --target URL``.

schemathesis does not fuzz callbacks, so this module does.  From the push schemas of a family
(``schemas/<family>/*.push.json``, strict form) and their stored cases (``schemas/cases``) it builds
pushes of every type:

* **valid**: the cases the schema passes, and bodies schemathesis' generator (hypothesis) draws
  from the strict schema (kept only when the strict schema accepts them) -- accepted (2xx);
  (hypothesis-jsonschema 0.23 is installed but fails on objects with this hypothesis: ``'many'
  object has no attribute 'more'``, so the generator schemathesis ships is used);
* **boundary**: a valid push with empty and very long strings, 0 and huge numbers -- anything but a
  5xx or a hang;
* **invalid**: the cases the schema fails, negative bodies drawn from the schema, type-flipped
  fields, each required field missing, a wrong Content-Type, truncated JSON, not JSON, an empty
  body, an oversized body, broken legacy octet-stream forwards and multipart MMS -- rejected (4xx),
  or tolerated (2xx) with ``tolerate_invalid``; never a 5xx or a hang.

Every push is POSTed with a timeout; :class:`ServerFuzzReport` holds one :class:`PushResult` each.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from smsgw._data import schemas_dir
from smsgw.redact import redact_text, redact_url
from smsgw.spec.registry import SchemaRegistry
from smsgw.spec.yamlio import load_yaml

Expect = Literal["valid", "invalid", "boundary"]
JSON_CT = "application/json; charset=utf-8"
#: Ejoin push types by transport form.
EJOIN_JSON = ("dev-status", "port-status", "status-report", "recv-sms", "sent-sms")
FAMILIES = ("ejoin", "dinstar")


@dataclass(frozen=True)
class PushCase:
    kind: str
    variant: str
    expect: Expect
    body: bytes
    content_type: str | None
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.variant}"


@dataclass(frozen=True)
class PushResult:
    case: PushCase
    status: int  # 0: no answer (timeout, connection closed)
    seconds: float
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass
class ServerFuzzReport:
    target: str
    family: str
    seed: int
    tolerate_invalid: bool
    results: list[PushResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failures(self) -> list[PushResult]:
        return [r for r in self.results if not r.ok]

    @property
    def server_errors(self) -> int:
        return sum(1 for r in self.results if r.status >= 500)

    @property
    def ok(self) -> bool:
        return not self.failures

    def counts(self) -> dict[str, int]:
        by: dict[str, int] = {}
        for result in self.results:
            key = f"{result.case.expect}:{'2xx' if 200 <= result.status < 300 else result.status or 'none'}"
            by[key] = by.get(key, 0) + 1
        return dict(sorted(by.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "family": self.family,
            "seed": self.seed,
            "tolerate_invalid": self.tolerate_invalid,
            "pushes": len(self.results),
            "server_errors": self.server_errors,
            "counts": self.counts(),
            "failures": [
                {"push": r.case.name, "expect": r.case.expect, "status": r.status, "problem": r.problem}
                for r in self.failures
            ],
            "seconds": round(self.seconds, 2),
            "ok": self.ok,
        }


# -- generation ------------------------------------------------------------------------------------
def _cases(family: str, kind: str) -> list[dict[str, Any]]:
    path = schemas_dir() / "cases" / family / f"{kind}.push.yaml"
    if not path.is_file():
        return []
    data = load_yaml(path) or {}
    return [c for c in data.get("cases", []) if isinstance(c, dict) and "instance" in c]


def push_kinds(family: str, registry: SchemaRegistry) -> list[str]:
    return sorted(
        n.split("/", 1)[1].removesuffix(".push") for n in registry.names(f"{family}/") if n.endswith(".push")
    )


def _bundle(registry: SchemaRegistry, name: str) -> Any:
    """The strict schema with every ``$ref`` inlined (a push schema is not recursive)."""

    def resolve(node: Any, current: str, depth: int) -> Any:
        if depth > 40:
            return {}
        if isinstance(node, list):
            return [resolve(n, current, depth) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            file_part, _, fragment = node["$ref"].partition("#")
            folder = current.rsplit("/", 1)[0]
            target = current if not file_part else f"{folder}/{file_part.removesuffix('.json')}"
            target_node: Any = registry.strict_schema(target)
            for token in [t for t in fragment.split("/") if t]:
                target_node = target_node[token.replace("~1", "/").replace("~0", "~")]
            merged = resolve(target_node, target, depth + 1)
            rest = {k: v for k, v in node.items() if k != "$ref"}
            if rest and isinstance(merged, dict):
                return {"allOf": [merged, resolve(rest, current, depth)]}
            return merged
        return {
            key: resolve(value, current, depth)
            for key, value in node.items()
            if key not in ("$defs", "$schema", "$id", "$comment") and not key.startswith("x-")
        }

    return resolve(registry.strict_schema(name), name, 0)


def _drawn(schema: Any, count: int, seed: int, *, negative: bool = False) -> list[Any]:
    """Up to ``count`` bodies schemathesis draws from ``schema`` (seeded): schema-valid ones, or
    schema-violating ones with ``negative`` (the same generator that fuzzes the device API)."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from schemathesis import GenerationMode

    document = {
        "openapi": "3.1.0",
        "info": {"title": "push", "version": "1"},
        "paths": {
            "/push": {
                "post": {
                    "operationId": "push",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
                    "responses": {"200": {"description": "accepted"}},
                }
            }
        },
    }
    mode = GenerationMode.NEGATIVE if negative else GenerationMode.POSITIVE
    strategy = (
        schemathesis.openapi.from_dict(document)
        .find_operation_by_id("push")
        .as_strategy(generation_mode=mode)
    )
    found: list[Any] = []

    @hseed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Any) -> None:
        found.append(case.body)

    collect()
    return found


def _flip(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return "not-a-" + type(value).__name__
    if isinstance(value, (int, float)):
        return str(value) + "x"
    if isinstance(value, str):
        return {"unexpected": [value]}
    if isinstance(value, list):
        return {"was": "a list"}
    return [value]


def _boundaries(instance: Any, rng: random.Random) -> Iterator[tuple[str, Any]]:
    if not isinstance(instance, dict):
        return
    for key, value in instance.items():
        if isinstance(value, str):
            yield f"{key}-empty", {**instance, key: ""}
            yield f"{key}-64k", {**instance, key: "x" * 65536}
        elif isinstance(value, int) and not isinstance(value, bool):
            yield f"{key}-zero", {**instance, key: 0}
            yield f"{key}-huge", {**instance, key: 2**63}
            yield f"{key}-negative", {**instance, key: -rng.randint(1, 2**31)}


def _json_cases(family: str, kind: str, registry: SchemaRegistry, *, count: int, seed: int) -> list[PushCase]:
    name = f"{family}/{kind}.push"
    stored = _cases(family, kind)
    valid = [c["instance"] for c in stored if c.get("expect") in ("pass", "non-strict")]
    invalid = [c["instance"] for c in stored if c.get("expect") == "fail"]
    bundled = _bundle(registry, name)
    drawn = [i for i in _drawn(bundled, count, seed) if registry.is_valid(name, i, strict=True)]
    violating = [
        i
        for i in _drawn(bundled, count, seed, negative=True)
        if isinstance(i, (bytes, str)) or not registry.is_valid(name, i, strict=False)
    ]
    out: list[PushCase] = []

    def add(variant: str, expect: Expect, body: bytes, content_type: str | None = JSON_CT) -> None:
        out.append(PushCase(kind, variant, expect, body, content_type))

    for i, instance in enumerate(valid):
        add(f"case-{i}", "valid", json.dumps(instance).encode())
    for i, instance in enumerate(drawn):
        add(f"drawn-{i}", "valid", json.dumps(instance).encode())
    for i, instance in enumerate(invalid):
        add(f"invalid-case-{i}", "invalid", json.dumps(instance).encode())
    for i, instance in enumerate(violating):
        raw = instance if isinstance(instance, bytes) else json.dumps(instance).encode()
        add(f"negative-{i}", "invalid", raw)
    seed_instance = (valid or drawn or [{}])[0]
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    for variant, instance in _boundaries(seed_instance, rng):
        add(f"boundary-{variant}", "boundary", json.dumps(instance).encode())
    if isinstance(seed_instance, dict):
        required = registry.strict_schema(name).get("required", [])
        for key, value in seed_instance.items():
            flipped = {**seed_instance, key: _flip(value)}
            if not registry.is_valid(name, flipped, strict=False):
                add(f"type-flip-{key}", "invalid", json.dumps(flipped).encode())
        for key in required:
            if key in seed_instance:
                missing = {k: v for k, v in seed_instance.items() if k != key}
                add(f"missing-{key}", "invalid", json.dumps(missing).encode())
    text = json.dumps(seed_instance).encode()
    add("truncated-json", "invalid", text[: max(1, len(text) // 2)])
    add("not-json", "invalid", b"\x00\xff{not json")
    add("empty-body", "invalid", b"")
    add("json-array", "invalid", b"[]")
    add("wrong-content-type", "invalid", text, "text/plain")
    add("no-content-type", "invalid", text, None)
    return out


def _forward_cases() -> list[PushCase]:
    """The Ejoin legacy SMS forward (simple-v2 §2.1.3): octet-stream, header lines, the text."""
    out: list[PushCase] = []
    for i, case in enumerate(_cases("ejoin", "sms-forward")):
        inst = case["instance"]
        lines = "".join(f"{k}: {v}\r\n" for k, v in inst.get("headers", {}).items())
        body = (lines + "\r\n" + str(inst.get("text", ""))).encode()
        expect: Expect = "invalid" if case.get("expect") == "fail" else "valid"
        query = {str(k): str(v) for k, v in inst.get("query", {}).items()}
        out.append(
            PushCase("sms-forward", f"case-{i}", expect, body, "application/octet-stream", query=query)
        )
    query = {"port": "1", "sender": "10010"}
    octet = "application/octet-stream"
    out += [
        PushCase(
            "sms-forward", "no-header-lines", "invalid", b"just text, no header block", octet, query=query
        ),
        PushCase("sms-forward", "binary-garbage", "invalid", bytes(range(256)) * 4, octet, query=query),
        PushCase("sms-forward", "empty-body", "invalid", b"", octet, query=query),
    ]
    return out


def _multipart(boundary: str, *, close: bool = True, parts: bool = True) -> bytes:
    chunks = []
    if parts:
        chunks += [
            f"--{boundary}\r\nContent-Type: application/smil\r\nContent-ID: <0.smil>\r\n\r\n"
            "<smil></smil>\r\n",
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-ID: <1.txt>\r\n\r\n"
            "hello\r\n",
        ]
    if close:
        chunks.append(f"--{boundary}--\r\n")
    return "".join(chunks).encode()


def _mms_cases() -> list[PushCase]:
    """The Ejoin MMS push (gateway-2.4 §11.2): multipart/related with ``Emms-*`` headers."""
    out: list[PushCase] = []
    for i, case in enumerate(_cases("ejoin", "mms")):
        inst = {str(k): str(v) for k, v in case["instance"].items()}
        content_type = inst.pop("Content-Type", None)
        boundary = "032817471092001110508"
        if content_type and "boundary=" in content_type:
            boundary = content_type.split("boundary=", 1)[1].split(";", 1)[0].strip().strip('"')
        expect: Expect = "invalid" if case.get("expect") == "fail" else "valid"
        out.append(PushCase("mms", f"case-{i}", expect, _multipart(boundary), content_type, headers=inst))
    related = 'multipart/related; boundary=b0undary; type="application/smil"'
    out += [
        PushCase("mms", "no-closing-boundary", "invalid", _multipart("b0undary", close=False), related),
        PushCase("mms", "no-parts", "invalid", _multipart("b0undary", parts=False), related),
        PushCase("mms", "boundary-mismatch", "invalid", _multipart("other"), related),
        PushCase("mms", "no-boundary", "invalid", _multipart("b0undary"), "multipart/related"),
    ]
    return out


def build_cases(
    family: str,
    registry: SchemaRegistry,
    *,
    drawn_per_type: int = 10,
    seed: int = 0,
    oversize_bytes: int = 9 * 1024 * 1024,
    kinds: tuple[str, ...] = (),
) -> list[PushCase]:
    """Every push the fuzzer sends to a server of ``family``."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; known: {', '.join(FAMILIES)}")
    chosen = [k for k in push_kinds(family, registry) if not kinds or k in kinds]
    out: list[PushCase] = []
    for kind in chosen:
        if family == "ejoin" and kind == "sms-forward":
            out += _forward_cases()
        elif family == "ejoin" and kind == "mms":
            out += _mms_cases()
        else:
            out += _json_cases(family, kind, registry, count=drawn_per_type, seed=seed)
    if oversize_bytes > 0:
        big = b'{"type":"dev-status","pad":"' + b"x" * oversize_bytes + b'"}'
        out.append(PushCase("any", "oversized-body", "invalid", big, JSON_CT))
    return out


# -- sending ---------------------------------------------------------------------------------------
def judge(case: PushCase, status: int, *, tolerate_invalid: bool) -> str:
    """The problem with answer ``status`` to ``case`` ('' when it is acceptable)."""
    if status == 0:
        return "no answer (timeout or connection closed): the server hangs or crashed"
    if status >= 500:
        return f"HTTP {status}: a server error on a push"
    ok = 200 <= status < 300
    refused = 400 <= status < 500
    if case.expect == "valid" and not ok:
        return f"HTTP {status}: a valid push was not accepted"
    if case.expect == "invalid" and not (refused or (ok and tolerate_invalid)):
        return f"HTTP {status}: an invalid push was " + ("accepted" if ok else "answered neither 2xx nor 4xx")
    if case.expect == "boundary" and not (ok or refused):
        return f"HTTP {status}: answered neither 2xx nor 4xx"
    return ""


def _url(target: str, query: Mapping[str, str]) -> str:
    if not query:
        return target
    parts = urlsplit(target)
    joined = "&".join(p for p in (parts.query, urlencode(dict(query))) if p)
    return urlunsplit(parts._replace(query=joined))


def fuzz_server(
    target: str,
    *,
    family: str = "ejoin",
    tolerate_invalid: bool = False,
    seed: int = 0,
    drawn_per_type: int = 10,
    timeout: float = 10.0,
    oversize_bytes: int = 9 * 1024 * 1024,
    kinds: tuple[str, ...] = (),
    username: str = "root",
    password: str = "",
    registry: SchemaRegistry | None = None,
) -> ServerFuzzReport:
    """POST every generated push to ``target`` (each with ``timeout``) and judge the answers."""
    from smsgw.spec.registry import default_registry

    reg = registry or default_registry()
    cases = build_cases(
        family, reg, drawn_per_type=drawn_per_type, seed=seed, oversize_bytes=oversize_bytes, kinds=kinds
    )
    report = ServerFuzzReport(redact_url(target), family, seed, tolerate_invalid)
    started = time.monotonic()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    client = httpx.Client(timeout=timeout, limits=limits, follow_redirects=False)
    try:
        for case in cases:
            headers = dict(case.headers)
            if case.content_type is not None:
                headers["Content-Type"] = case.content_type
            query = dict(case.query)
            if case.kind == "sms-forward":  # the forward carries the device account in its query
                query = {**{"username": username, "password": password}, **query} if password else query
            began = time.monotonic()
            try:
                answer = client.post(_url(target, query), content=case.body, headers=headers)
                status = answer.status_code
            except httpx.HTTPError:
                status = 0  # a fresh connection for the next push
                client.close()
                client = httpx.Client(timeout=timeout, limits=limits, follow_redirects=False)
            problem = judge(case, status, tolerate_invalid=tolerate_invalid)
            report.results.append(PushResult(case, status, time.monotonic() - began, redact_text(problem)))
    finally:
        client.close()
    report.seconds = time.monotonic() - started
    return report


def write_junit(report: ServerFuzzReport, path: Any) -> None:
    """One testcase per push; a failure element for each unacceptable answer."""
    from pathlib import Path
    from xml.etree import ElementTree as ET

    suite = ET.Element(
        "testsuite",
        name=f"smsgw fuzz-server {report.family}",
        tests=str(len(report.results)),
        failures=str(len(report.failures)),
        errors="0",
        time=f"{report.seconds:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    for key, value in (("target", report.target), ("seed", str(report.seed))):
        ET.SubElement(props, "property", name=f"smsgw:{key}", value=value)
    for result in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"fuzz-server.{result.case.kind}",
            name=f"{result.case.variant} [{result.case.expect}]",
            time=f"{result.seconds:.3f}",
        )
        if result.problem:
            failure = ET.SubElement(case, "failure", message=result.problem)
            failure.text = f"{result.case.name}: {result.problem}"
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
