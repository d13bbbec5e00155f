"""python -m benchmarks (benchmarks/peers.py): the harness works; figures are never asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from benchmarks.peers import DINSTAR_PASSWORD, time_command

from benchmarks import _prism

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ["schemas/ejoin/openapi/gateway-2.4.yaml", "schemas/dinstar/openapi/uc-1.2.yaml"]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _resolve(document: Any, ref: str) -> Any:
    node = document
    for raw in ref.removeprefix("#/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


@pytest.mark.parametrize("document", DOCUMENTS)
def test_prism_bundle_is_one_self_contained_file(tmp_path: Path, document: str) -> None:
    bundled = json.loads(_prism.bundle(ROOT / document, tmp_path / "bundle.json").read_text(encoding="utf-8"))
    refs = _refs(bundled)
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref  # no file left for Prism to resolve
        _resolve(bundled, ref)  # KeyError if the pointer lost its target
    schemas = bundled["components"]["schemas"]
    assert not [k for k in _refs(schemas) if "$id" in k]
    assert all("$id" not in schema for schema in schemas.values())


def test_bundle_points_the_operation_at_the_same_schema_file(tmp_path: Path) -> None:
    bundled = json.loads(_prism.bundle(ROOT / DOCUMENTS[1], tmp_path / "b.json").read_text(encoding="utf-8"))
    body = bundled["paths"]["/api/send_sms"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/dinstar_send_sms_request"}
    source = json.loads((ROOT / "schemas/dinstar/send_sms.request.json").read_text(encoding="utf-8"))
    assert bundled["components"]["schemas"]["dinstar_send_sms_request"]["required"] == source["required"]


def test_time_command_keeps_every_run_and_its_exit_code() -> None:
    timed = time_command([sys.executable, "-c", "raise SystemExit(3)"], runs=2, timeout=60)
    assert timed["exit_codes"] == [3, 3]
    assert len(timed["runs"]) == 2
    assert min(timed["runs"]) <= timed["median"] <= max(timed["runs"])


def _run(tmp_path: Path, *extra: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / "peers.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out), *extra],
        cwd=ROOT,
        check=True,
        timeout=240,
        capture_output=True,
        text=True,
    )
    return json.loads(out.read_text(encoding="utf-8")), done.stdout


@pytest.mark.slow
def test_quick_run_measures_every_group_but_prism(tmp_path: Path) -> None:
    result, stdout = _run(tmp_path, "--skip", "prism")
    groups = result["groups"]
    assert set(groups) == {
        "ejoin_post_sms", "ejoin_post_sms_x100", "dinstar_send_sms", "receiver_ingest", "load_send_sms"
    }  # fmt: skip
    assert result["skipped"]["prism"] == "--skip prism"
    assert "walltime" in result["skipped"]
    expected = {
        "ejoin_post_sms": ["emulator", "bare"],
        "ejoin_post_sms_x100": ["emulator", "bare"],
        "dinstar_send_sms": ["emulator", "bare"],
        "receiver_ingest": ["receiver", "pytest-httpserver", "bare"],
    }
    for name, contenders in expected.items():
        rows = groups[name]["rows"]
        assert [row["contender"] for row in rows] == contenders
        for row in rows:
            assert row["median"] > 0, (name, row)
            assert row["errors"] == 0, (name, row)
            assert row["check"]["answer_ok"] is True, (name, row)
            assert len(row["rounds"]) == 2  # ABBA: each contender once per round
        baseline = next(row for row in rows if row["role"] == "baseline")
        assert baseline["ratio_to_baseline"] == pytest.approx(1.0)
        assert groups[name]["client_cpu_share"] > 0
    # werkzeug answers HTTP/1.0 and closes: the client reconnected instead of stalling
    sink = groups["receiver_ingest"]["rows"][1]
    assert sink["connections_opened"] > result["settings"]["connections"]
    load = groups["load_send_sms"]
    assert [row["contender"] for row in load["rows"]] == ["locust send-sms profile", "bare FastHttpUser"]
    assert load["rows"][0]["median"] > 0
    assert result["machine"]["cpu_count"] >= 1
    assert len(result["load_average_before"]) == 3
    assert result["versions"]["pytest-httpserver"]
    assert "skipped: prism" in stdout
    assert DINSTAR_PASSWORD not in (tmp_path / "peers.json").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(_prism.prism_bin() is None, reason="prism not installed (python -m benchmarks --install)")
def test_quick_run_with_prism_serves_the_same_operation(tmp_path: Path) -> None:
    result, _ = _run(tmp_path, "--only", "dinstar_send_sms")
    rows = {row["contender"]: row for row in result["groups"]["dinstar_send_sms"]["rows"]}
    assert list(rows) == ["emulator", "prism", "bare"]
    # Prism validated the digest-authenticated request and answered the operation's example
    assert rows["prism"]["check"] == {"status": 200, "answer_ok": True}
    assert rows["prism"]["errors"] == 0
    assert rows["prism"]["ratio_to_peer"] == pytest.approx(1.0)
    assert result["versions"]["prism"].startswith("5.")
