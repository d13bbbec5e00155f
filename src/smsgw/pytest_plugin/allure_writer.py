"""Allure labels and attachments, as a consumer of the run's events.

Only used when allure-pytest is installed and writing results (``--alluredir``).  Labels are added
to each item at collection as allure-pytest's own markers: epic = API family, feature = area,
story = requirement id, severity from the level (MUST critical, SHOULD normal, MAY minor), one
``spec`` link per document section.  Evidence arrives already redacted and is attached to the
running test.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from smsgw.report.events import Event, EvidenceAttached, Recorded
from smsgw.spec.catalog import Level, Requirement
from smsgw.spec.documents import DOCUMENTS
from smsgw.verdicts import Verdict

SEVERITY = {Level.MUST: "critical", Level.SHOULD: "normal", Level.MAY: "minor"}
_LEVEL_ORDER = (Level.MUST, Level.SHOULD, Level.MAY)


def allure_active(config: pytest.Config) -> bool:
    return config.pluginmanager.get_plugin("allure_listener") is not None


def spec_link(doc: str, section: str) -> tuple[str, str]:
    """(url, name) of a spec section; the url is the document file with the section as fragment.

    ``--allure-link-pattern spec:https://docs.example.com/{}`` turns it into a web link.
    """
    document = DOCUMENTS.get(doc)
    file = document.file if document else doc
    title = document.title if document else doc
    return f"{file}#{section}", f"{title} §{section}"


def _allure() -> Any:
    """The allure module, untyped on purpose (it ships no type information)."""
    return importlib.import_module("allure")


def label_item(item: pytest.Item, requirements: tuple[Requirement, ...]) -> None:
    allure = _allure()

    if not requirements:
        return
    level = min((r.level for r in requirements), key=_LEVEL_ORDER.index)
    item.add_marker(allure.severity(allure.severity_level(SEVERITY[level])))
    item.add_marker(allure.epic(*dict.fromkeys(r.family for r in requirements)))
    item.add_marker(allure.feature(*dict.fromkeys(r.area for r in requirements)))
    item.add_marker(allure.story(*(r.id for r in requirements)))
    item.add_marker(allure.tag(*dict.fromkeys(r.level.value for r in requirements)))
    for req in requirements:
        for ref in req.refs:
            url, name = spec_link(ref.doc, ref.section)
            item.add_marker(allure.link(url, link_type="spec", name=name))


class AllureWriter:
    """Listener: attaches evidence and verdict notes to the running Allure test."""

    def handle(self, event: Event) -> None:
        allure = _allure()

        match event:
            case EvidenceAttached(evidence=evidence):
                kind: Any = (
                    allure.attachment_type.JSON
                    if evidence.media_type == "application/json"
                    else allure.attachment_type.TEXT
                )
                allure.attach(
                    evidence.content, name=f"{evidence.kind}: {evidence.title}", attachment_type=kind
                )
            case Recorded(observation=obs) if obs.verdict is not Verdict.PASS:
                text = f"{obs.requirement}: {obs.verdict.value}" + (
                    f" — {obs.message}" if obs.message else ""
                )
                if obs.errata:
                    text += f" (errata: {', '.join(obs.errata)})"
                allure.attach(
                    text,
                    name=f"verdict {obs.requirement} {obs.verdict.value}",
                    attachment_type=allure.attachment_type.TEXT,
                )
                if obs.verdict is Verdict.NON_STRICT:
                    allure.dynamic.tag("NON-STRICT")
            case _:
                pass
