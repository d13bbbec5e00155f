"""The schema registry: every JSON Schema under ``schemas/``, loaded and checked once.

A schema is named by its path under ``schemas/`` without ``.json`` (``ejoin/dev-status.push``) and
identified by ``$id`` = :data:`SCHEMA_BASE` + that path + ``.json``, so relative ``$ref`` between
files resolve the same on disk, in the wheel and in OpenAPI documents.

Two forms of each schema are compiled: the lenient one as written, and the strict one derived by
:func:`smsgw.spec.strict.strip_errata`.  Hot paths use jsonschema-rs (~100x faster than jsonschema
on a 7 KB ``dev-status``); readable error text for reports comes from jsonschema/referencing and is
computed only when an instance has already failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry as RefRegistry
from referencing.jsonschema import DRAFT202012

from smsgw._data import schemas_dir
from smsgw.spec.flatten import flatten
from smsgw.spec.strict import errata_ids, references, strip_errata
from smsgw.verdicts import Verdict

SCHEMA_BASE = "https://schemas.smsgw-suite.dev/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


class SchemaLoadError(ValueError):
    """A schema file that is not a valid, self-consistent 2020-12 schema."""


@dataclass(frozen=True)
class Grade:
    """How an instance fares against a message schema."""

    schema: str
    verdict: Verdict
    errata: tuple[str, ...] = ()
    errors: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.verdict is not Verdict.FAIL


class SchemaRegistry:
    """All schemas of the project, compiled strict and lenient, with grading."""

    def __init__(self, root: Path, known_errata: Iterable[str] | None = None) -> None:
        self.root = root
        self._contents: dict[str, dict[str, Any]] = {}
        for path in sorted(root.rglob("*.json")):
            name = path.relative_to(root).with_suffix("").as_posix()
            self._contents[name] = _load_schema_file(path, name)
        known = set(known_errata) if known_errata is not None else None
        self._errata_of: dict[str, frozenset[str]] = {}
        for name, contents in self._contents.items():
            unknown = set(errata_ids(contents)) - (known if known is not None else set())
            if known is not None and unknown:
                raise SchemaLoadError(f"{name}: x-errata ids not in errata.yaml: {sorted(unknown)}")
        try:
            self._lenient_rs = self._rs_registry(None)
            self._strict_rs = self._rs_registry(())
        except (ValueError, jsonschema_rs.ReferencingError) as exc:
            raise SchemaLoadError(f"schema references do not resolve: {exc}") from exc
        self._variant_rs: dict[str, Any] = {}
        self._lenient: dict[str, Any] = {}
        self._strict: dict[str, Any] = {}
        self._variant: dict[tuple[str, str], Any] = {}
        self._flat: dict[tuple[str, str], Any] = {}
        self._mode_documents: dict[str, dict[str, Any]] = {}
        for name in self._contents:
            self._errata_of[name] = frozenset(self._closure_errata(name))
            try:
                self._lenient[name] = jsonschema_rs.validator_for(
                    self._contents[name], registry=self._lenient_rs
                )
                self._strict[name] = jsonschema_rs.validator_for(
                    strip_errata(self._contents[name]), registry=self._strict_rs
                )
            except (ValueError, jsonschema_rs.ReferencingError) as exc:
                raise SchemaLoadError(f"{name}: {exc}") from exc
        self._py_registry: RefRegistry[Any] = RefRegistry().with_resources(
            (self.uri(n), DRAFT202012.create_resource(c)) for n, c in self._contents.items()
        )

    # -- lookup -----------------------------------------------------------------------------
    def names(self, prefix: str = "") -> list[str]:
        return [n for n in self._contents if n.startswith(prefix)]

    def __contains__(self, name: object) -> bool:
        return name in self._contents

    def uri(self, name: str) -> str:
        return f"{SCHEMA_BASE}{name}.json"

    def schema(self, name: str) -> dict[str, Any]:
        """The lenient schema as written on disk."""
        return self._contents[self._check(name)]

    def strict_schema(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = strip_errata(self._contents[self._check(name)])
        return result

    def errata_of(self, name: str) -> frozenset[str]:
        """Errata ids a schema tolerates, including those of the schemas it references."""
        return self._errata_of[self._check(name)]

    @property
    def referencing_registry(self) -> RefRegistry[Any]:
        """The lenient schemas as a :class:`referencing.Registry` (for jsonschema users)."""
        return self._py_registry

    # -- validation -------------------------------------------------------------------------
    def is_valid(self, name: str, instance: Any, *, strict: bool = True) -> bool:
        table = self._strict if strict else self._lenient
        return bool(table[self._check(name)].is_valid(instance))

    def flat(self, name: str, mode: str = "strict") -> Any:
        """A jsonschema-rs validator of a schema in its flattened form (:func:`smsgw.spec.flatten.flatten`:
        same verdicts, fewer keywords applied), compiled once; for hot paths (the receiver).

        ``mode``: ``"strict"`` (every tolerated variant dropped), ``"lenient"`` (as written), or an
        erratum id (the lenient schema without that erratum's variants, as grading tests it). A
        schema that cannot be flattened is compiled as it is.
        """
        key = (self._check(name), mode)
        found = self._flat.get(key)
        if found is None:
            documents = self.documents(mode)
            uri = self.uri(name)
            flat = flatten(documents[uri], uri, documents)
            found = None if flat is None else _compile_flat(flat)
            if found is None:
                found = self._as_written(name, mode)
            self._flat[key] = found
        return found

    def _as_written(self, name: str, mode: str) -> Any:
        if mode == "strict":
            return self._strict[name]
        if mode == "lenient":
            return self._lenient[name]
        documents = self.documents(mode)
        return jsonschema_rs.validator_for(
            documents[self.uri(name)], registry=jsonschema_rs.Registry(list(documents.items()))
        )

    def documents(self, mode: str = "lenient") -> dict[str, Any]:
        """Every schema by URI in ``mode``'s form (see :meth:`flat`)."""
        found = self._mode_documents.get(mode)
        if found is None:
            if mode == "lenient":
                found = {self.uri(n): c for n, c in self._contents.items()}
            else:
                drop = None if mode == "strict" else (mode,)
                found = {self.uri(n): strip_errata(c, drop) for n, c in self._contents.items()}
            self._mode_documents[mode] = found
        return found

    def errors(self, name: str, instance: Any, *, strict: bool = False, limit: int = 20) -> list[str]:
        """Readable validation errors (jsonschema's text), ``$.path: message``."""
        schema = self.strict_schema(name) if strict else self.schema(name)
        registry = self._py_registry
        if strict:
            registry = RefRegistry().with_resources(
                (self.uri(n), DRAFT202012.create_resource(strip_errata(c))) for n, c in self._contents.items()
            )
        validator = Draft202012Validator(schema, registry=registry)
        found = sorted(validator.iter_errors(instance), key=lambda e: (list(e.absolute_path), e.message))
        return [f"{e.json_path}: {_short(e.message)}" for e in found[:limit]]

    def grade(self, name: str, instance: Any) -> Grade:
        """PASS against the strict schema, NON-STRICT against the lenient one, else FAIL."""
        name = self._check(name)
        if self._strict[name].is_valid(instance):
            return Grade(name, Verdict.PASS)
        if self._lenient[name].is_valid(instance):
            return Grade(name, Verdict.NON_STRICT, errata=self._needed_errata(name, instance))
        return Grade(name, Verdict.FAIL, errors=tuple(self.errors(name, instance)))

    # -- internals --------------------------------------------------------------------------
    def _check(self, name: str) -> str:
        if name not in self._contents:
            raise KeyError(f"no schema named {name!r}")
        return name

    def _rs_registry(self, drop: Iterable[str] | None) -> Any:
        """jsonschema-rs registry; ``drop=None`` lenient, ``()`` strict, else drop those ids."""
        if drop is None:
            resources = [(self.uri(n), c) for n, c in self._contents.items()]
        else:
            ids = tuple(drop)
            resources = [(self.uri(n), strip_errata(c, ids or None)) for n, c in self._contents.items()]
        return jsonschema_rs.Registry(resources)

    def _closure_errata(self, name: str) -> set[str]:
        seen: set[str] = set()
        found: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            found.update(errata_ids(self._contents[current]))
            for ref in references(self._contents[current]):
                target = urljoin(self.uri(current), ref).split("#", 1)[0]
                if target.startswith(SCHEMA_BASE) and target.endswith(".json"):
                    target_name = target[len(SCHEMA_BASE) : -len(".json")]
                    if target_name in self._contents:
                        stack.append(target_name)
        return found

    def _variant_validator(self, name: str, erratum: str) -> Any:
        key = (name, erratum)
        if key not in self._variant:
            if erratum not in self._variant_rs:
                self._variant_rs[erratum] = self._rs_registry((erratum,))
            self._variant[key] = jsonschema_rs.validator_for(
                strip_errata(self._contents[name], (erratum,)), registry=self._variant_rs[erratum]
            )
        return self._variant[key]

    def _needed_errata(self, name: str, instance: Any) -> tuple[str, ...]:
        """The errata an instance relies on: those whose removal makes it invalid."""
        candidates = sorted(self._errata_of[name])
        needed = [e for e in candidates if not self._variant_validator(name, e).is_valid(instance)]
        return tuple(needed or candidates)


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _load_schema_file(path: Path, name: str) -> dict[str, Any]:
    try:
        contents = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaLoadError(f"{name}: not JSON: {exc}") from exc
    if not isinstance(contents, dict):
        raise SchemaLoadError(f"{name}: a schema file must hold an object")
    if contents.get("$schema") != DIALECT:
        raise SchemaLoadError(f"{name}: $schema must be {DIALECT}")
    expected_id = f"{SCHEMA_BASE}{name}.json"
    if contents.get("$id") != expected_id:
        raise SchemaLoadError(f"{name}: $id must be {expected_id}, found {contents.get('$id')!r}")
    # jsonschema-rs decides (~1 ms for all files; jsonschema's check_schema took ~0.5 s, paid by every
    # process that loads the registry); jsonschema words the error of a file it rejects.
    if not jsonschema_rs.meta.is_valid(contents):
        try:
            Draft202012Validator.check_schema(contents)
        except SchemaError as exc:
            raise SchemaLoadError(f"{name}: not a valid 2020-12 schema: {exc.message}") from exc
        try:
            jsonschema_rs.meta.validate(contents)
        except jsonschema_rs.ValidationError as exc:
            raise SchemaLoadError(f"{name}: not a valid 2020-12 schema: {exc.message}") from exc
    return contents


@cache
def default_registry() -> SchemaRegistry:
    """The project's schemas, loaded once per process and checked against the errata book."""
    from smsgw.spec.errata import ErrataBook

    return SchemaRegistry(schemas_dir(), known_errata=ErrataBook.load().keys())


__all__ = ["DIALECT", "SCHEMA_BASE", "Grade", "SchemaLoadError", "SchemaRegistry", "default_registry"]


def _compile_flat(schema: Any) -> Any:
    """The flattened schema with Rust's ``regex`` engine (its patterns are plain ones: a few % faster
    than the default ``fancy-regex`` wrapper, which hands such patterns to ``regex`` anyway), or with
    the default engine when a pattern needs more (lookaround); ``None`` if neither compiles it (the
    caller then uses the schema as written)."""
    try:
        return jsonschema_rs.validator_for(schema, pattern_options=jsonschema_rs.RegexOptions())
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        pass
    try:
        return jsonschema_rs.validator_for(schema)
    except (ValueError, jsonschema_rs.ValidationError, jsonschema_rs.ReferencingError):
        return None
