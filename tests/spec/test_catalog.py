from __future__ import annotations

import re
from pathlib import Path

import pytest

from smsgw.spec import Catalog, ErrataBook, Level, SchemaRegistry
from smsgw.spec.catalog import DuplicateRequirementError, Requirement
from smsgw.spec.documents import DOCUMENTS
from smsgw.spec.yamlio import DataFileError

REQ = """
  - id: EJ-X-ONE
    level: MUST
    title: a title
    text: the device must do the thing
    area: x
    refs: [{doc: ejoin-gateway-2.4, section: "1"}]
"""


def test_catalog_loads_with_levels_and_refs(catalog: Catalog) -> None:
    assert len(catalog) >= 1
    for req in catalog.values():
        assert req.level in set(Level)
        assert req.refs


def test_catalog_cross_references_exist(
    catalog: Catalog, registry: SchemaRegistry, errata: ErrataBook
) -> None:
    for req in catalog.values():
        assert all(s in registry for s in req.schemas), req.id
        assert all(e in errata for e in req.errata), req.id


def test_duplicate_requirement_ids_refuse_to_load(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("family: ejoin\nrequirements:" + REQ)
    (tmp_path / "b.yaml").write_text("family: ejoin\nrequirements:" + REQ)
    with pytest.raises(DuplicateRequirementError, match="EJ-X-ONE"):
        Catalog.load(tmp_path)


def test_duplicate_yaml_keys_refuse_to_load(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("family: ejoin\nfamily: ejoin\nrequirements:" + REQ)
    with pytest.raises(DataFileError, match="duplicate key"):
        Catalog.load(tmp_path)


def test_positional_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("family: ejoin\nrequirements:" + REQ.replace("EJ-X-ONE", "EJ-1"))
    with pytest.raises(DataFileError):
        Catalog.load(tmp_path)


def test_select_by_pattern(catalog: Catalog) -> None:
    first = next(iter(catalog.values()))
    assert first in catalog.select(first.id[:5] + "*")


# -- the Ejoin catalog's content --------------------------------------------------------------------

SPECS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "specs"
# A heading number at the start of a line, after Markdown '#'/'*' decoration: "### 6.3.1.4 Response",
# "5.3.2 *Sending status report*", "3.Device Configuration" (simple-v2 omits the space).
_HEADING = re.compile(r"^[#\s*]*(\d+(?:\.\d+)*)\.?(?=\s*[A-Za-z*<_(]|\s*$)")
# Table-of-contents lines end in a page number ("3.1 Interactive process ..... 1", "4.1 Port Status\t15");
# their numbers do not always match the body's, so they do not count as headings.
_TOC_LINE = re.compile(r"(\.{3,}|\t)\s*\d+\s*$")


def _heading_numbers(text: str) -> set[str]:
    numbers = set()
    for line in text.splitlines():
        if _TOC_LINE.search(line):
            continue
        match = _HEADING.match(line)
        if match:
            numbers.add(match.group(1))
    return numbers


@pytest.fixture(scope="module")
def ejoin(catalog: Catalog) -> list[Requirement]:
    return [r for r in catalog.values() if r.family == "ejoin"]


def test_ejoin_catalog_has_at_least_250_requirements(ejoin: list[Requirement]) -> None:
    assert len(ejoin) >= 250


def test_every_ejoin_area_has_a_must_requirement(ejoin: list[Requirement]) -> None:
    areas = {r.area for r in ejoin}
    with_must = {r.area for r in ejoin if r.level is Level.MUST}
    assert areas - with_must == set()


def test_ejoin_requirements_cite_only_ejoin_documents(ejoin: list[Requirement]) -> None:
    for req in ejoin:
        assert all(DOCUMENTS[ref.doc].family == "ejoin" for ref in req.refs), req.id


def test_ejoin_profiles_are_backed_by_a_ref_to_their_document(ejoin: list[Requirement]) -> None:
    doc_of_profile = {
        "gateway-2.4": "ejoin-gateway-2.4",
        "router-2.2": "ejoin-router-2.2",
        "proxy-gateway": "ejoin-proxy-gateway",
        "simple-v2": "ejoin-simple-v2",
    }
    for req in ejoin:
        docs = {ref.doc for ref in req.refs}
        assert {doc_of_profile[p] for p in req.profiles} <= docs, req.id


def test_ejoin_ids_name_their_family(ejoin: list[Requirement]) -> None:
    assert all(r.id.startswith("EJ-") for r in ejoin)


def test_heading_numbers_skip_toc_and_accept_unspaced_headings() -> None:
    text = "3.1 Interactive process .....\t1\n4.1 Port Status\t15\n3.Device Configuration\n### 6.3.1.4 Resp\n"
    assert _heading_numbers(text) == {"3", "6.3.1.4"}


def test_every_ref_section_is_a_heading_of_its_document(catalog: Catalog) -> None:
    if not SPECS_DIR.is_dir():
        pytest.skip(f"vendor documents not found at {SPECS_DIR} (installed package, no source checkout)")
    headings = {
        key: _heading_numbers((SPECS_DIR / doc.file).read_text(encoding="utf-8"))
        for key, doc in DOCUMENTS.items()
        if (SPECS_DIR / doc.file).is_file()
    }
    missing = [
        f"{req.id}: {ref.doc} §{ref.section}"
        for req in catalog.values()
        for ref in req.refs
        if ref.doc in headings and ref.section not in headings[ref.doc]
    ]
    assert missing == []
