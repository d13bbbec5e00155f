from __future__ import annotations

from pathlib import Path

import pytest

from smsgw._data import schemas_dir
from smsgw.spec import ErrataBook, SchemaRegistry
from smsgw.spec.yamlio import DataFileError


def test_errata_markdown_is_rendered_from_the_yaml(errata: ErrataBook) -> None:
    rendered = (schemas_dir() / "ERRATA.md").read_text(encoding="utf-8")
    assert rendered == errata.render_markdown(), "run `smsgw spec errata --write`"


def test_every_schema_erratum_is_implemented_by_some_schema(
    errata: ErrataBook, registry: SchemaRegistry
) -> None:
    used = set().union(*(registry.errata_of(n) for n in registry.names()))
    unused = [e.id for e in errata.values() if e.kind == "schema" and e.id not in used]
    assert not unused, f"kind: schema errata not marked in any schema: {unused}"


def test_duplicate_errata_ids_refuse_to_load(tmp_path: Path) -> None:
    entry = """
  - id: E-EJ-X
    title: a title here
    kind: editorial
    where: [{doc: ejoin-gateway-2.4, section: "1", says: "says"}]
    normative: "x is y"
    rationale: "because it is so"
"""
    path = tmp_path / "errata.yaml"
    path.write_text("errata:" + entry + entry)
    with pytest.raises(ValueError, match="duplicate errata id"):
        ErrataBook.load(path)


def test_errata_file_not_matching_its_schema_refuses_to_load(tmp_path: Path) -> None:
    path = tmp_path / "errata.yaml"
    path.write_text("errata:\n  - id: bad\n")
    with pytest.raises(DataFileError):
        ErrataBook.load(path)
