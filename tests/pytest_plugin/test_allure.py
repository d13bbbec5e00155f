"""Allure results carry the catalog's structure: epic/feature/story, severity, spec links, evidence."""

from __future__ import annotations

import json

from tests.pytest_plugin.conftest import Suite

CHECKS = """
import pytest

@pytest.mark.requirement("EJ-T-MUST-A", "EJ-T-SHOULD-A")
def test_labelled(check):
    check.attach("request", "GET /goip_get_sms.html?username=root&password=***")
    check.non_strict("as the vendor example does", errata=["E-EJ-SAMPLE"], requirement="EJ-T-SHOULD-A")
"""


def test_allure_labels_links_and_attachments_come_from_the_catalog(suite: Suite) -> None:
    suite.write("test_labels.py", CHECKS)
    run = suite.run(allure=True)
    assert run.returncode == 0, run.stdout + run.stderr
    results_dir = run.report_dir / "allure-results"
    (result,) = [json.loads(p.read_text(encoding="utf-8")) for p in results_dir.glob("*-result.json")]
    labels: dict[str, list[str]] = {}
    for label in result["labels"]:
        labels.setdefault(label["name"], []).append(label["value"])
    assert labels["epic"] == ["ejoin"]
    assert sorted(labels["feature"]) == ["alpha", "beta"]
    assert sorted(labels["story"]) == ["EJ-T-MUST-A", "EJ-T-SHOULD-A"]
    assert labels["severity"] == ["critical"]
    assert "NON-STRICT" in labels["tag"]
    links = {(link["type"], link["name"]) for link in result["links"]}
    assert ("spec", "Ejoin HTTP API Development Spec 2.4.0 §4.1.3") in links
    assert ("spec", "Ejoin HTTP API Development Spec 2.4.0 §6.3.1") in links
    names = [a["name"] for a in result["attachments"]]
    assert "note: request" in names
    assert "verdict EJ-T-SHOULD-A NON-STRICT" in names
