from __future__ import annotations

from pathlib import Path

import pytest

from smsgw.spec import Catalog, ErrataBook, Level, SchemaRegistry
from smsgw.spec.catalog import DuplicateRequirementError
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
