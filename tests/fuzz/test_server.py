"""The push fuzzer: pushes of every type from the push schemas, judged answers, and the two servers
that prove it -- the project's receiver (survives) and a deliberately broken one (fails)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from smsgw._http.server import ServerThread
from smsgw.fuzz.server import PushCase, build_cases, fuzz_server, judge, push_kinds, write_junit
from smsgw.receiver.harness import start_receiver
from smsgw.spec.registry import SchemaRegistry

SECRET = "fwd-Secret-42"


@pytest.mark.parametrize("family", ["ejoin", "dinstar"])
def test_every_push_type_gets_valid_boundary_and_invalid_pushes(
    family: str, registry: SchemaRegistry
) -> None:
    cases = build_cases(family, registry, drawn_per_type=3, oversize_bytes=1024)
    kinds = push_kinds(family, registry)
    assert kinds
    for kind in kinds:
        expects = {c.expect for c in cases if c.kind == kind}
        assert {"valid", "invalid"} <= expects, kind
    json_kinds = [k for k in kinds if k not in ("sms-forward", "mms")]
    for kind in json_kinds:
        assert any(c.kind == kind and c.expect == "boundary" for c in cases), kind
        drawn = [c for c in cases if c.kind == kind and c.variant.startswith("drawn-")]
        assert all(registry.is_valid(f"{family}/{kind}.push", json.loads(c.body), strict=True) for c in drawn)
    assert any(c.variant == "oversized-body" for c in cases)


def test_the_generated_pushes_are_the_same_for_the_same_seed(registry: SchemaRegistry) -> None:
    first = build_cases("ejoin", registry, drawn_per_type=3, seed=7, kinds=("recv-sms",))
    again = build_cases("ejoin", registry, drawn_per_type=3, seed=7, kinds=("recv-sms",))
    assert [c.body for c in first] == [c.body for c in again]


@pytest.mark.parametrize(
    ("expect", "status", "tolerate", "acceptable"),
    [
        ("valid", 200, False, True),
        ("valid", 400, False, False),
        ("invalid", 400, False, True),
        ("invalid", 200, False, False),
        ("invalid", 200, True, True),
        ("boundary", 413, False, True),
        ("boundary", 500, True, False),
        ("valid", 0, True, False),
    ],
)
def test_judge_wants_no_5xx_no_hang_valid_accepted_invalid_refused_or_tolerated(
    expect: Any, status: int, tolerate: bool, acceptable: bool
) -> None:
    case = PushCase("dev-status", "x", expect, b"{}", "application/json")
    assert (judge(case, status, tolerate_invalid=tolerate) == "") is acceptable


@pytest.mark.slow
@pytest.mark.parametrize("family", ["ejoin", "dinstar"])
def test_the_receiver_survives_every_push_without_a_server_error(
    family: str, registry: SchemaRegistry
) -> None:
    with start_receiver() as receiver:
        report = fuzz_server(
            receiver.push_url("fuzz"),
            family=family,
            tolerate_invalid=True,
            drawn_per_type=5,
            timeout=15,
            password=SECRET,
            registry=registry,
        )
    assert report.server_errors == 0
    assert report.failures == []
    assert len(report.results) > 50


async def _broken_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """500 on a JSON null, hangs on a push without Content-Type, 200 otherwise."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    if b"content-type" not in headers:
        await asyncio.sleep(5)
    status = 500 if b"null" in body else 200
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
def broken_server() -> Iterator[str]:
    with ServerThread(_broken_app) as server:
        yield server.url + "/push"


def test_a_server_that_crashes_or_hangs_on_some_pushes_fails_the_run(
    broken_server: str, registry: SchemaRegistry
) -> None:
    report = fuzz_server(
        broken_server,
        kinds=("dev-status", "port-status"),
        drawn_per_type=3,
        timeout=1.0,
        oversize_bytes=0,
        tolerate_invalid=True,
        registry=registry,
    )
    problems = {r.problem.split(":")[0] for r in report.failures}
    assert not report.ok
    assert report.server_errors > 0
    assert any(p.startswith("no answer") for p in problems)


def test_invalid_pushes_accepted_fail_unless_tolerated(broken_server: str, registry: SchemaRegistry) -> None:
    strict = fuzz_server(broken_server, kinds=("recv-sms",), drawn_per_type=2, timeout=1.0, oversize_bytes=0)
    accepted = [r for r in strict.failures if r.case.expect == "invalid" and 200 <= r.status < 300]
    assert accepted
    assert all("invalid push was accepted" in r.problem for r in accepted)


def test_junit_has_a_testcase_per_push_and_a_failure_per_problem(
    broken_server: str, registry: SchemaRegistry, tmp_path: Any
) -> None:
    report = fuzz_server(
        broken_server, kinds=("dev-status",), drawn_per_type=2, timeout=1.0, oversize_bytes=0
    )
    write_junit(report, tmp_path / "junit.xml")
    text = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert text.count("<testcase ") == len(report.results)
    assert text.count("<failure ") == len(report.failures)
