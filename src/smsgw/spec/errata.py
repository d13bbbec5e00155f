"""The errata book: every place the documents contradict themselves, and the decision taken.

Source of truth is ``schemas/errata.yaml`` (validated by ``schemas/meta/errata.schema.json``);
``schemas/ERRATA.md`` is rendered from it by ``smsgw spec errata --write`` and a test keeps the two
in step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smsgw._data import schemas_dir
from smsgw.spec.documents import DOCUMENTS
from smsgw.spec.yamlio import load_yaml_checked


@dataclass(frozen=True)
class Where:
    doc: str
    section: str
    says: str


@dataclass(frozen=True)
class Erratum:
    id: str
    title: str
    kind: str
    where: tuple[Where, ...]
    normative: str
    tolerated: tuple[str, ...]
    rejected: tuple[str, ...]
    rationale: str


class ErrataBook(Mapping[str, Erratum]):
    def __init__(self, entries: list[Erratum]) -> None:
        self._by_id: dict[str, Erratum] = {}
        for entry in entries:
            if entry.id in self._by_id:
                raise ValueError(f"duplicate errata id {entry.id!r}")
            self._by_id[entry.id] = entry

    def __getitem__(self, key: str) -> Erratum:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    @classmethod
    def load(cls, path: Path | None = None) -> ErrataBook:
        path = path or schemas_dir() / "errata.yaml"
        return cls([_entry(raw) for raw in load_yaml_checked(path, "meta/errata")["errata"]])

    def render_markdown(self) -> str:
        lines = [
            "# Errata",
            "",
            "<!-- Rendered from errata.yaml by `smsgw spec errata --write`; edit the YAML, not this. -->",
            "",
            "Where the vendor documents contradict themselves or each other, this is what the suite",
            "takes as normative (PASS), what it tolerates (NON-STRICT: never fails a device) and what it",
            'rejects (FAIL). Schemas mark each tolerated variant with `"x-errata": "<id>"`; the strict',
            "schema is the same file with those subschemas replaced by `false` (see `schemas/README.md`).",
            "",
            "| id | kind | title |",
            "|---|---|---|",
        ]
        lines += [f"| [{e.id}](#{e.id.lower()}) | {e.kind} | {e.title} |" for e in self.values()]
        for e in self.values():
            lines += ["", f"## {e.id}", "", f"**{e.title}** ({e.kind})", "", "Where:"]
            for w in e.where:
                doc = DOCUMENTS[w.doc].title
                lines.append(f"- {doc}, §{w.section}: {w.says}")
            lines += ["", f"Normative: {e.normative}", ""]
            if e.tolerated:
                lines.append("Tolerated (NON-STRICT):")
                lines += [f"- {t}" for t in e.tolerated]
                lines.append("")
            if e.rejected:
                lines.append("Rejected (FAIL):")
                lines += [f"- {t}" for t in e.rejected]
                lines.append("")
            lines.append(f"Why: {e.rationale}")
        return "\n".join(lines) + "\n"


def _entry(raw: dict[str, Any]) -> Erratum:
    return Erratum(
        id=raw["id"],
        title=raw["title"],
        kind=raw["kind"],
        where=tuple(Where(w["doc"], str(w["section"]), w["says"]) for w in raw["where"]),
        normative=raw["normative"],
        tolerated=tuple(raw.get("tolerated", [])),
        rejected=tuple(raw.get("rejected", [])),
        rationale=raw["rationale"],
    )
