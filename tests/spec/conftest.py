from __future__ import annotations

import pytest

from smsgw.spec import Catalog, ErrataBook, SchemaRegistry
from smsgw.spec.registry import default_registry


@pytest.fixture(scope="session")
def registry() -> SchemaRegistry:
    return default_registry()


@pytest.fixture(scope="session")
def errata() -> ErrataBook:
    return ErrataBook.load()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.load()
