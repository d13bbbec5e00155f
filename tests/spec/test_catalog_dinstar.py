"""The Dinstar UC requirement catalog (schemas/requirements/dinstar.yaml) and its errata.

The generic catalog checks (meta-schema, duplicate ids, cross references, refs are headings of the
document) live in test_catalog.py. Here: the catalog covers every Dinstar schema and every operation
of the OpenAPI document, cites only the Dinstar document, marks the operations that change the device
as destructive, and every E-DS erratum is used by a schema, a case or a requirement.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from smsgw._data import schemas_dir
from smsgw.spec import Catalog, ErrataBook, Level, SchemaRegistry
from smsgw.spec.catalog import Requirement
from smsgw.spec.documents import DOCUMENTS
from smsgw.spec.strict import errata_ids

UC = schemas_dir() / "dinstar" / "openapi" / "uc-1.2.yaml"
METHODS = ("get", "post")


@pytest.fixture(scope="module")
def dinstar(catalog: Catalog) -> list[Requirement]:
    return [r for r in catalog.values() if r.family == "dinstar"]


def test_dinstar_catalog_has_at_least_150_requirements(dinstar: list[Requirement]) -> None:
    assert len(dinstar) >= 150


def test_dinstar_ids_name_their_family(dinstar: list[Requirement]) -> None:
    assert all(r.id.startswith("DS-") for r in dinstar)


def test_dinstar_requirements_cite_only_the_dinstar_document(dinstar: list[Requirement]) -> None:
    for req in dinstar:
        assert all(DOCUMENTS[ref.doc].family == "dinstar" for ref in req.refs), req.id


def test_every_dinstar_area_has_a_must_requirement(dinstar: list[Requirement]) -> None:
    areas = {r.area for r in dinstar}
    assert areas - {r.area for r in dinstar if r.level is Level.MUST} == set()


def test_dinstar_requirements_cite_only_dinstar_schemas_and_errata(dinstar: list[Requirement]) -> None:
    for req in dinstar:
        assert all(s.startswith("dinstar/") for s in req.schemas), req.id
        assert all(e.startswith("E-DS-") for e in req.errata), req.id


def test_every_dinstar_schema_is_checked_by_a_requirement(
    dinstar: list[Requirement], registry: SchemaRegistry
) -> None:
    cited = {s for r in dinstar for s in r.schemas}
    assert sorted(set(registry.names("dinstar/")) - cited - {"dinstar/defs"}) == []


def test_every_openapi_operation_has_a_requirement(dinstar: list[Requirement]) -> None:
    document: dict[str, Any] = yaml.safe_load(UC.read_text(encoding="utf-8"))
    cited = {s for r in dinstar for s in r.schemas}
    uncovered = []
    for path, item in document["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            names = {op.get("x-smsgw-query-schema"), op.get("x-smsgw-request-schema")} - {None}
            if not names & cited:
                uncovered.append(f"{method} {path}")
    assert uncovered == []


@pytest.mark.parametrize(
    "req_id",
    [
        "DS-SETPORT-SLOT",
        "DS-SETPORT-RESET",
        "DS-SETPORT-POWER-OFF",
        "DS-SETPORT-IMEI",
        "DS-SETPORT-NUMBER",
        "DS-SETPORT-LOCK",
        "DS-CALLFWD-SET",
        "DS-CONFIG-SET-SCHEMA",
        "DS-SOCKS5-ON",
        "DS-SEND-ACCEPTED-202",
        "DS-STOP-STOPS-TASK",
    ],
)
def test_requirements_that_change_the_device_are_destructive(catalog: Catalog, req_id: str) -> None:
    assert catalog[req_id].destructive


def test_refusals_and_reads_are_not_destructive(dinstar: list[Requirement]) -> None:
    reads = [r.id for r in dinstar if r.id.endswith(("-400", "-404", "-413")) and r.destructive]
    assert reads == []


def test_capabilities_of_dinstar_requirements_are_declarable(dinstar: list[Requirement]) -> None:
    meta = yaml.safe_load((schemas_dir() / "meta" / "requirements.schema.json").read_text(encoding="utf-8"))
    names = set(meta["$defs"]["requirement"]["properties"]["capability"]["enum"])
    used = {r.capability for r in dinstar if r.capability}
    assert used <= names
    assert {"ussd", "stk", "cdr", "sip-config", "socks5", "drp", "call-forward", "mms-send"} <= used


def test_every_dinstar_erratum_is_used(
    dinstar: list[Requirement], errata: ErrataBook, registry: SchemaRegistry
) -> None:
    used = {e for r in dinstar for e in r.errata}
    for name in registry.names("dinstar/"):
        used |= set(errata_ids(registry.schema(name)))
    for path in (schemas_dir() / "cases" / "dinstar").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        used |= {e for e in errata if e in text}
    editorial_only = {"E-DS-TOC-SECTION-NUMBERS"}
    assert sorted({e for e in errata if e.startswith("E-DS-")} - used - editorial_only) == []


def test_schema_errata_are_marked_in_a_dinstar_schema(errata: ErrataBook, registry: SchemaRegistry) -> None:
    marked: set[str] = set()
    for name in registry.names("dinstar/"):
        marked |= set(errata_ids(registry.schema(name)))
    schema_kind = {e.id for e in errata.values() if e.id.startswith("E-DS-") and e.kind == "schema"}
    assert sorted(schema_kind - marked) == []
