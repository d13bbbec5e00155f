"""The machine-readable form of the vendor documents: schemas, errata, requirement catalog."""

from smsgw.spec.catalog import Catalog, Level, Requirement, SpecRef
from smsgw.spec.documents import DOCUMENTS, Document
from smsgw.spec.errata import ErrataBook, Erratum
from smsgw.spec.registry import SCHEMA_BASE, Grade, SchemaLoadError, SchemaRegistry, default_registry

__all__ = [
    "DOCUMENTS",
    "SCHEMA_BASE",
    "Catalog",
    "Document",
    "ErrataBook",
    "Erratum",
    "Grade",
    "Level",
    "Requirement",
    "SchemaLoadError",
    "SchemaRegistry",
    "SpecRef",
    "default_registry",
]
