"""Derive the strict (normative) form of a schema from its lenient form.

Every schema file in ``schemas/`` is the *lenient* schema: it accepts the normative form of a
message and every variant the errata tolerate.  A tolerated variant is a subschema carrying
``"x-errata": "<errata id>"``.  The strict schema is the same document with every such subschema
replaced by ``false``:

* inside ``anyOf``/``oneOf`` a ``false`` branch is as good as absent, so the variant is gone;
* under ``properties`` a ``false`` value forbids the variant key (``max-slot``, ``"code "``);
* as ``additionalProperties``/``unevaluatedProperties`` it closes the object.

One rule, applied the same way everywhere, so a reader of a schema sees in one place what is
normative and what is tolerated, and the errata file says why.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

ERRATA_KEYWORD = "x-errata"


def _marks(node: dict[str, Any]) -> list[str]:
    value = node.get(ERRATA_KEYWORD)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def strip_errata(node: Any, drop: Collection[str] | None = None) -> Any:
    """Return a copy of ``node`` with tolerated variants replaced by ``false``.

    ``drop=None`` drops every marked subschema (the strict schema).  Otherwise only subschemas
    marked with an id in ``drop`` are replaced, which is how the grader finds out which errata an
    instance actually relies on.  A subschema marked with several ids is dropped when any of them is.
    """
    if isinstance(node, dict):
        marks = _marks(node)
        if marks and (drop is None or any(m in drop for m in marks)):
            return False
        return {key: strip_errata(value, drop) for key, value in node.items()}
    if isinstance(node, list):
        return [strip_errata(item, drop) for item in node]
    return node


def errata_ids(node: Any) -> Iterator[str]:
    """Every errata id marked anywhere in ``node``."""
    if isinstance(node, dict):
        yield from _marks(node)
        for value in node.values():
            yield from errata_ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from errata_ids(item)


def references(node: Any) -> Iterator[str]:
    """Every ``$ref`` value in ``node`` (as written, possibly relative)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)
