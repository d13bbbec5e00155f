"""The requirement catalog: every normative statement of the documents, by stable semantic id.

Stored as data in ``schemas/requirements/<family>.yaml`` and validated by
``schemas/meta/requirements.schema.json``.  Ids are semantic (``EJ-SMS-TASK-DUPLICATE-TID``) and
never positional; a duplicate id anywhere in the catalog refuses to load.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from smsgw._data import schemas_dir
from smsgw.spec.yamlio import load_yaml_checked


class Level(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


@dataclass(frozen=True)
class SpecRef:
    doc: str
    section: str


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    title: str
    text: str
    area: str
    refs: tuple[SpecRef, ...]
    family: str
    capability: str | None = None
    profiles: tuple[str, ...] = ()
    schemas: tuple[str, ...] = ()
    errata: tuple[str, ...] = ()
    destructive: bool = False


class DuplicateRequirementError(ValueError):
    pass


class Catalog(Mapping[str, Requirement]):
    def __init__(self, requirements: list[Requirement]) -> None:
        self._by_id: dict[str, Requirement] = {}
        for req in requirements:
            if req.id in self._by_id:
                raise DuplicateRequirementError(f"duplicate requirement id {req.id!r}")
            self._by_id[req.id] = req

    def __getitem__(self, key: str) -> Requirement:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def select(self, pattern: str) -> list[Requirement]:
        """Requirements whose id matches a shell-style pattern (``EJ-SMS-*``)."""
        return [r for r in self._by_id.values() if fnmatch.fnmatchcase(r.id, pattern)]

    @classmethod
    def load(cls, directory: Path | None = None) -> Catalog:
        """Every ``*.yaml`` of ``directory`` (default: the shipped catalog), checked against its
        meta-schema. Parsed files are remembered by path, size and mtime, so a process that loads
        the catalog again (a suite run, a forked kill-matrix run) does not parse 700 entries twice."""
        directory = directory or schemas_dir() / "requirements"
        paths = sorted(directory.glob("*.yaml"))
        key = tuple((str(p.resolve()), s.st_mtime_ns, s.st_size) for p in paths for s in (p.stat(),))
        requirements = _LOADED.get(key)
        if requirements is None:
            requirements = []
            for path in paths:
                data = load_yaml_checked(path, "meta/requirements")
                family = data["family"]
                requirements += [_requirement(raw, family) for raw in data["requirements"]]
            _LOADED[key] = requirements
        return cls(requirements)


#: parsed catalog files, by (path, mtime, size) of every file loaded together
_LOADED: dict[tuple[tuple[str, int, int], ...], list[Requirement]] = {}


def _requirement(raw: dict[str, Any], family: str) -> Requirement:
    return Requirement(
        id=raw["id"],
        level=Level(raw["level"]),
        title=raw["title"],
        text=raw["text"],
        area=raw["area"],
        refs=tuple(SpecRef(r["doc"], str(r["section"])) for r in raw["refs"]),
        family=family,
        capability=raw.get("capability"),
        profiles=tuple(raw.get("profiles", [])),
        schemas=tuple(raw.get("schemas", [])),
        errata=tuple(raw.get("errata", [])),
        destructive=bool(raw.get("destructive", False)),
    )
