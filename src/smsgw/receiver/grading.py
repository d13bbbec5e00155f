"""Grade a classified push against its schema, the way the suite grades everything.

The verdicts and errata are exactly :meth:`smsgw.spec.SchemaRegistry.grade`'s: PASS against the
strict schema, NON-STRICT against the lenient one with the errata the instance relies on (those
whose removal alone makes it invalid; all candidates if none does), FAIL with jsonschema's error
text. A message whose schema does not exist (yet) is INFO: classified, stored, not checked.

What differs is the cost of a NON-STRICT grade, the usual one for a device that copies the
documents' examples. The registry tries every erratum reachable through the schema's files (15 for
``dev-status``: ~1.8 ms on a 7.8 KB push). An erratum can only matter if one of its marked
subschemas is applied somewhere in the instance, and a subschema reached through ``properties``,
``items``, ``$ref``, ``anyOf``… is applied only at instance locations of a known shape
(``status/*/st``). :class:`Grader` works those shapes out once per schema and tries only the errata
with a marked subschema at a location the instance has, and of those only the ones whose marked
subschema accepts at least one of the values there: replacing a subschema that rejects every value
it is applied to by ``false`` changes nothing, so such an erratum cannot be needed. The rest get the
registry's test (validate against the schema without that erratum). Same answers as the registry on
every schema case (a test checks it); ~1.8 ms -> well under 1 ms for an example-form dev-status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin

import jsonschema_rs

from smsgw.spec.flatten import flatten
from smsgw.spec.registry import SCHEMA_BASE, SchemaRegistry
from smsgw.spec.strict import ERRATA_KEYWORD
from smsgw.verdicts import Verdict

#: A location pattern in an instance: object keys, array indexes, ``*`` for any member.
Path = tuple[str | int, ...]
ANY = "*"
_MAX_DEPTH = 16
_FRAGMENT_SAFE = "/~$-_.!'()*+,;=:@&"
#: Keywords that apply their subschema(s) at the same instance location.
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else")
#: Keywords that apply their subschema to members (any member, conservatively).
_MEMBERS = ("items", "additionalItems", "unevaluatedItems", "contains", "additionalProperties",
            "unevaluatedProperties")  # fmt: skip


@dataclass(frozen=True)
class PushGrade:
    verdict: Verdict
    errata: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


PASS = PushGrade(Verdict.PASS)


@dataclass(frozen=True)
class Site:
    """A marked subschema: the instance locations it applies to, and a validator of the whole
    instance that is valid when the subschema accepts a value at one of them."""

    path: Path
    validator: Any


class Grader:
    """Looks each schema up by name when grading: a type whose schema is not written yet is INFO."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry
        self._sites: dict[str, dict[str, list[Site] | None]] = {}
        self._lenient_rs: Any = None

    def grade(self, schema: str | None, instance: Any) -> PushGrade:
        if schema is None:
            return PushGrade(Verdict.INFO, errors=("not classified: no schema applies",))
        registry = self.registry
        if schema not in registry:
            return PushGrade(Verdict.INFO, errors=(f"classified, not checked: no schema named {schema} yet",))
        if registry.flat(schema).is_valid(instance):
            return PASS
        if not registry.flat(schema, "lenient").is_valid(instance):
            return PushGrade(Verdict.FAIL, errors=tuple(registry.errors(schema, instance)))
        return PushGrade(Verdict.NON_STRICT, errata=self.needed_errata(schema, instance, non_strict=True))

    def needed_errata(self, schema: str, instance: Any, *, non_strict: bool = False) -> tuple[str, ...]:
        """The errata a NON-STRICT instance relies on (same answer as the registry's grade).

        ``non_strict``: the caller saw the strict schema refuse the instance and the lenient one take
        it. Then, when only one erratum is left after the site test, it is needed without testing it:
        every other erratum's variants reject whatever they apply to, so dropping them changes no
        verdict, and the schema without that one erratum is, for this instance, the strict schema.
        """
        candidates = sorted(self.registry.errata_of(schema))
        sites = self._errata_sites(schema)
        left = []
        for erratum in candidates:
            found = sites.get(erratum, [])
            if found is not None and not any(site.validator.is_valid(instance) for site in found):
                continue  # its marked subschemas reject every value they apply to (or apply to none)
            left.append(erratum)
        if non_strict and len(left) == 1:
            return tuple(left)
        needed = [e for e in left if not self.registry.flat(schema, e).is_valid(instance)]
        return tuple(needed or candidates)

    # -- internals --------------------------------------------------------------------------
    def _site(self, path: Path, name: str, pointer: str) -> Site:
        """A validator for one marked subschema, by reference (its ``$ref`` stay relative to its file),
        applied to the whole instance: valid when the subschema accepts a value at one of the
        locations it applies to (one call for the 32 entries of a dev-status instead of 32)."""
        marked = {"$ref": f"{self.registry.uri(name)}#{quote(pointer, safe=_FRAGMENT_SAFE)}"}
        wrapper = _somewhere(path, marked)
        flat = flatten(wrapper, self.registry.uri(name), self.registry.documents("lenient"))
        if flat is not None:
            return Site(path, jsonschema_rs.validator_for(flat))
        return Site(path, jsonschema_rs.validator_for(wrapper, registry=self._lenient_rs))

    def _errata_sites(self, schema: str) -> dict[str, list[Site] | None]:
        """Erratum id -> where its marked subschemas apply in an instance, with a validator for
        each marked subschema (``None``: could not be worked out, always test the erratum)."""
        if schema not in self._sites:
            if self._lenient_rs is None:
                self._lenient_rs = jsonschema_rs.Registry(
                    [(self.registry.uri(n), self.registry.schema(n)) for n in self.registry.names()]
                )
            raw: Raw = {}
            _walk(self.registry, schema, self.registry.schema(schema), "", (), raw, set(), 0)
            sites: dict[str, list[Site] | None] = {}
            for erratum, found in raw.items():
                sites[erratum] = None if found is None else [self._site(*each) for each in found]
            self._sites[schema] = sites
        return self._sites[schema]


def _marks(node: dict[str, Any]) -> list[str]:
    value = node.get(ERRATA_KEYWORD)
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


Raw = dict[str, list[tuple[Path, str, str]] | None]


def _record(sites: Raw, ids: Iterable[str], site: tuple[Path, str, str] | None) -> None:
    for erratum in ids:
        if site is None:
            sites[erratum] = None
            continue
        known = sites.setdefault(erratum, [])
        if known is not None and site not in known:
            known.append(site)


def _walk(  # noqa: PLR0917 - recursive helper, positional for brevity
    registry: SchemaRegistry,
    name: str,
    node: Any,
    pointer: str,
    path: Path,
    sites: Raw,
    seen: set[tuple[str, int, Path]],
    depth: int,
) -> None:
    if not isinstance(node, dict):
        return
    from smsgw.spec.strict import errata_ids

    if depth > _MAX_DEPTH or len(path) > _MAX_DEPTH:
        _record(sites, errata_ids(node), None)
        return
    key = (name, id(node), path)
    if key in seen:
        return
    seen.add(key)
    _record(sites, _marks(node), (path, name, pointer))

    def child(sub: Any, where: str, at: Path) -> None:
        _walk(registry, name, sub, f"{pointer}/{where}", at, sites, seen, depth + 1)

    for keyword in _IN_PLACE:
        value = node.get(keyword)
        if isinstance(value, list):
            for index, sub in enumerate(value):
                child(sub, f"{keyword}/{index}", path)
        else:
            child(value, keyword, path)
    for keyword in _MEMBERS:
        child(node.get(keyword), keyword, (*path, ANY))
    for prop, sub in (node.get("properties") or {}).items():
        child(sub, f"properties/{_escape(prop)}", (*path, prop))
    for pattern, sub in (node.get("patternProperties") or {}).items():
        child(sub, f"patternProperties/{_escape(pattern)}", (*path, ANY))
    for index, sub in enumerate(node.get("prefixItems") or []):
        child(sub, f"prefixItems/{index}", (*path, index))
    for prop, sub in (node.get("dependentSchemas") or {}).items():
        child(sub, f"dependentSchemas/{_escape(prop)}", path)
    # propertyNames applies to the keys; conservatively: to the object itself.
    child(node.get("propertyNames"), "propertyNames", path)
    for ref_keyword in ("$ref", "$dynamicRef"):
        ref = node.get(ref_keyword)
        if isinstance(ref, str):
            target = _resolve(registry, name, ref)
            if target is None or ref_keyword == "$dynamicRef":
                _record(sites, (e for n in registry.names() for e in errata_ids(registry.schema(n))), None)
            else:
                _walk(registry, target[0], target[2], target[1], path, sites, seen, depth + 1)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _resolve(registry: SchemaRegistry, name: str, ref: str) -> tuple[str, str, Any] | None:
    """``defs.json#/$defs/mac`` from schema ``name`` -> (target schema name, pointer, subschema)."""
    absolute = urljoin(registry.uri(name), ref)
    document, _, pointer = absolute.partition("#")
    if not (document.startswith(SCHEMA_BASE) and document.endswith(".json")):
        return None
    target = document[len(SCHEMA_BASE) : -len(".json")]
    if target not in registry:
        return None
    node: Any = registry.schema(target)
    if pointer and not pointer.startswith("/"):
        return None  # an anchor: not used by the project's schemas
    for raw in pointer.split("/")[1:] if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return target, pointer, node


def _somewhere(path: Path, schema: Any) -> dict[str, Any]:
    """A schema valid for an instance with at least one value at a location matching ``path`` (object
    keys, array indexes, ``*`` for any member) that ``schema`` accepts: one jsonschema-rs call on the
    whole instance, no Python walk of it (gathering the 32 ``st`` values of a dev-status in Python
    cost more than testing them)."""
    inner: Any = schema
    for head in reversed(path):
        if head == ANY:
            some_member = {"type": "object", "not": {"additionalProperties": {"not": inner}}}
            inner = {"anyOf": [{"type": "array", "contains": inner}, some_member]}
        elif isinstance(head, int):
            inner = {"type": "array", "minItems": head + 1, "prefixItems": [True] * head + [inner]}
        else:
            inner = {"type": "object", "required": [head], "properties": {head: inner}}
    return inner if isinstance(inner, dict) else {"allOf": [inner]}
