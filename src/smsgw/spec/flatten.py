"""An equivalent, cheaper-to-validate form of a schema: ``$ref`` inlined, dead branches gone.

jsonschema-rs spends its time per keyword applied to a value. The strict form of the push schemas
(:func:`smsgw.spec.strict.strip_errata`) keeps the lenient form's shape: ``$ref`` chains into
``defs.json``, ``anyOf`` with the tolerated branches turned into ``false``, ``anyOf: [{"const": ""},
{"$ref": imei}]`` for "empty or an IMEI". For a 32-port ``dev-status`` that is ~49 µs of
validation; :func:`flatten` gives a schema that accepts exactly the same instances in ~40 µs
(measured 2026-11-22). The receiver validates every push against it first
(:class:`smsgw.receiver.grading.Grader`); reports keep the schemas as written.

The rewrites, each one equivalence-preserving:

* ``{"$ref": R, ...}`` becomes the (flattened) target, combined with its siblings as by ``allOf``;
* ``false`` branches of ``anyOf``/``oneOf`` are dropped (a ``false`` branch never matches, so it
  changes neither "at least one" nor "exactly one"); an ``anyOf``/``oneOf`` left with no branch is
  ``false``, one left with one branch is that branch, combined as by ``allOf``;
* an ``allOf`` member is merged into its parent when no keyword appears in both (``properties`` are
  merged key by key when the parent's property names are all the member's own, so that no name
  changes what ``additionalProperties`` covers; ``required`` lists are united);
* an ``anyOf`` whose branches each accept only strings, by ``pattern`` or a plain literal
  ``const``/``enum``, becomes one ``pattern`` alternation (``{"type": "string", "pattern":
  "(?:P1)|(?:P2)|^$"}``).

Anything it cannot rewrite safely makes it give up (``None``): ``$dynamicRef``, ``$anchor``, an
embedded ``$id``, ``unevaluated*`` (their annotations depend on the shape), a ``$ref`` it cannot
resolve to a JSON pointer, a recursive ``$ref``, a pattern with backreferences or named groups.
Callers then validate with the schema as it is. ``tests/spec/test_flatten.py`` checks that the
flattened and the original schema agree on every schema case of the project and on generated
instances.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urljoin

Schema = Any  # a dict or a bool

#: Keywords whose value is one subschema, a list of them, or a map of them.
_ONE = ("not", "if", "then", "else", "items", "contains", "additionalProperties", "propertyNames",
        "contentSchema")  # fmt: skip
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "dependentSchemas")
#: Keywords that make the rewrites unsafe: the whole schema is then left as it is.
_GIVE_UP = frozenset({"$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor", "$anchor",
                      "unevaluatedProperties", "unevaluatedItems", "dependencies"})  # fmt: skip
#: Keywords that assert nothing: dropped from the flattened form.
_ANNOTATIONS = frozenset({"title", "description", "$comment", "examples", "default", "deprecated",
                          "readOnly", "writeOnly", "$defs", "definitions", "$schema"})  # fmt: skip
#: Keywords that read each other within one schema object: two schemas both using one of these
#: groups are not merged (except ``properties``, see :func:`_merge_object`).
_OBJECT = frozenset({"properties", "patternProperties", "additionalProperties"})
_GROUPS = (frozenset({"prefixItems", "items"}), frozenset({"if", "then", "else"}),
           frozenset({"contains", "minContains", "maxContains"}))  # fmt: skip
_LITERAL = re.compile(r"[A-Za-z0-9_]*\Z")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_UNSAFE_PATTERN = re.compile(r"\\[1-9k]|\(\?<[A-Za-z]|\(\?P")


class _GiveUpError(Exception):
    pass


def flatten(schema: Schema, base_uri: str, documents: Mapping[str, Any]) -> Schema | None:
    """``schema`` (found at ``base_uri``) with every ``$ref`` into ``documents`` (URI without
    fragment -> document) inlined and simplified; ``None`` if it cannot be done safely."""
    if isinstance(schema, dict) and schema.get("$schema", DIALECT) != DIALECT:
        return None  # the rewrites follow 2020-12 (``items``, ``prefixItems``, ``$ref`` siblings)
    try:
        flat = _Flattener(documents).walk(schema, base_uri, ())
    except _GiveUpError:
        return None
    if _has_ref(flat):
        return None  # a "$ref" left under a keyword not walked (or in data): not self-contained
    if isinstance(flat, dict) and isinstance(schema, dict) and "$schema" in schema:
        flat = {"$schema": schema["$schema"], **flat}
    return flat


def _has_ref(node: Any) -> bool:
    if isinstance(node, dict):
        return "$ref" in node or any(_has_ref(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_ref(v) for v in node)
    return False


class _Flattener:
    def __init__(self, documents: Mapping[str, Any]) -> None:
        self.documents = documents

    def walk(self, node: Schema, base: str, stack: tuple[str, ...]) -> Schema:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            raise _GiveUpError(f"not a schema: {node!r}")
        if _GIVE_UP & node.keys():
            raise _GiveUpError(f"unsupported keyword in {sorted(_GIVE_UP & node.keys())}")
        if "$id" in node and urljoin(base, str(node["$id"])) != base:
            raise _GiveUpError("embedded $id")
        out: dict[str, Any] = {}
        members: list[Schema] = []
        for key, value in node.items():
            if key in _ANNOTATIONS or key == "$id" or key.startswith("x-"):
                continue
            if key == "$ref":
                members.append(self._ref(value, base, stack))
            elif key in _ONE:
                out[key] = self.walk(value, base, stack)
            elif key in _MAP:
                if not isinstance(value, dict):
                    raise _GiveUpError(f"{key} is not an object")
                out[key] = {k: self.walk(v, base, stack) for k, v in value.items()}
            elif key in _LIST:
                if not isinstance(value, list):
                    raise _GiveUpError(f"{key} is not an array")
                items = [self.walk(v, base, stack) for v in value]
                if key == "allOf":
                    members.extend(items)
                elif key == "prefixItems":
                    out[key] = items
                else:
                    branch = _branches(key, items)
                    if branch is not None:
                        members.append(branch)
            else:
                out[key] = value
        result: Schema = out
        for member in members:
            result = _conjoin(result, member)
        return result

    def _ref(self, ref: Any, base: str, stack: tuple[str, ...]) -> Schema:
        if not isinstance(ref, str):
            raise _GiveUpError("$ref is not a string")
        target = urljoin(base, ref)
        uri, _, fragment = target.partition("#")
        if target in stack:
            raise _GiveUpError(f"recursive $ref {ref}")
        document = self.documents.get(uri)
        if document is None:
            raise _GiveUpError(f"$ref to an unknown document {uri}")
        node = document
        if fragment:
            if not fragment.startswith("/"):
                raise _GiveUpError(f"$ref to an anchor {ref}")
            for escaped in fragment[1:].split("/"):
                token = unquote(escaped).replace("~1", "/").replace("~0", "~")
                if isinstance(node, dict) and token in node:
                    node = node[token]
                elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                    node = node[int(token)]
                else:
                    raise _GiveUpError(f"$ref does not resolve: {ref}")
        return self.walk(node, uri, (*stack, target))


def _branches(keyword: str, items: list[Schema]) -> Schema | None:
    """The ``anyOf``/``oneOf`` ``items`` as one schema to conjoin (``None``: nothing to add)."""
    live = [s for s in items if s is not False]
    if not live:
        return False
    if len(live) == 1:
        return live[0]
    if keyword == "anyOf":
        if any(s is True or s == {} for s in live):
            return None  # always satisfied
        combined = _string_alternation(live)
        if combined is not None:
            return combined
    return {keyword: live}


def _string_alternation(branches: list[Schema]) -> Schema | None:
    """One ``pattern`` for branches that each accept only (some) strings, else ``None``."""
    alternatives: list[str] = []
    for branch in branches:
        if not isinstance(branch, dict):
            return None
        keys = set(branch)
        if keys == {"type", "pattern"} and branch["type"] == "string":
            pattern = branch["pattern"]
            if not isinstance(pattern, str) or _UNSAFE_PATTERN.search(pattern):
                return None
            alternatives.append(f"(?:{pattern})")
        elif keys == {"type"} and branch["type"] == "string":
            return {"type": "string"}
        elif keys <= {"type", "const"} and "const" in keys and branch.get("type", "string") == "string":
            literal = branch["const"]
            if not isinstance(literal, str) or not _LITERAL.match(literal):
                return None
            alternatives.append(f"^{literal}$")
        elif keys <= {"type", "enum"} and "enum" in keys and branch.get("type", "string") == "string":
            values = branch["enum"]
            if not isinstance(values, list) or not values:
                return None
            for literal in values:
                if not isinstance(literal, str) or not _LITERAL.match(literal):
                    return None
                alternatives.append(f"^{literal}$")
        else:
            return None
    return {"type": "string", "pattern": "|".join(alternatives)}


def _conjoin(a: Schema, b: Schema) -> Schema:
    """A schema accepting what both accept: merged when safe, else ``allOf``."""
    if a is False or b is False:
        return False
    if a is True or a == {}:
        return b
    if b is True or b == {}:
        return a
    merged = _merge(a, b)
    if merged is not None:
        return merged
    all_of = list(a.get("allOf", []))
    all_of.append(b)
    return {**a, "allOf": all_of}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any] | None:
    """``a`` and ``b`` as one schema object, or ``None`` when that could change a verdict."""
    for group in _GROUPS:
        if group & a.keys() and group & b.keys():
            return None
    out = {**a, **b}
    if _OBJECT & a.keys() and _OBJECT & b.keys():
        properties = _merge_object(a, b)
        if properties is None:
            return None
        out["properties"] = properties
    for key in a.keys() & b.keys():
        if key == "required":
            out[key] = list(dict.fromkeys([*a[key], *b[key]]))
        elif key not in _OBJECT and a[key] != b[key]:
            return None
    return out


def _merge_object(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any] | None:
    """The ``properties`` of two conjoined schemas in one map, when at most one of them also has
    ``additionalProperties``/``patternProperties`` and the other names no property it does not
    (so no name moves in or out of what those cover)."""
    pa, pb = a.get("properties", {}), b.get("properties", {})
    bounded_a = "additionalProperties" in a or "patternProperties" in a
    bounded_b = "additionalProperties" in b or "patternProperties" in b
    if bounded_a and bounded_b:
        return None
    if (bounded_a and not pb.keys() <= pa.keys()) or (bounded_b and not pa.keys() <= pb.keys()):
        return None
    out = dict(pa)
    for name, schema in pb.items():
        out[name] = _conjoin(out[name], schema) if name in out else schema
    return out
