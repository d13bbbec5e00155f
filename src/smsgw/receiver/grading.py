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

from smsgw.spec.registry import SCHEMA_BASE, SchemaRegistry
from smsgw.spec.strict import ERRATA_KEYWORD, strip_errata
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
    """A marked subschema: the instance locations it applies to, and a validator for it alone (on
    the list of the values there: valid when the subschema accepts one of them)."""

    path: Path
    validator: Any


class Grader:
    """Looks each schema up by name when grading: a type whose schema is not written yet is INFO."""

    def __init__(self, registry: SchemaRegistry) -> None:
        self.registry = registry
        self._sites: dict[str, dict[str, list[Site] | None]] = {}
        self._lenient_rs: Any = None
        self._variant_registries: dict[str, Any] = {}
        self._variants: dict[tuple[str, str], Any] = {}

    def grade(self, schema: str | None, instance: Any) -> PushGrade:
        if schema is None:
            return PushGrade(Verdict.INFO, errors=("not classified: no schema applies",))
        registry = self.registry
        if schema not in registry:
            return PushGrade(Verdict.INFO, errors=(f"classified, not checked: no schema named {schema} yet",))
        if registry.flat_strict(schema).is_valid(instance):
            return PASS
        if not registry.is_valid(schema, instance, strict=False):
            return PushGrade(Verdict.FAIL, errors=tuple(registry.errors(schema, instance)))
        return PushGrade(Verdict.NON_STRICT, errata=self.needed_errata(schema, instance))

    def needed_errata(self, schema: str, instance: Any) -> tuple[str, ...]:
        """The errata a NON-STRICT instance relies on (same answer as the registry's grade)."""
        candidates = sorted(self.registry.errata_of(schema))
        sites = self._errata_sites(schema)
        needed = []
        for erratum in candidates:
            found = sites.get(erratum, [])
            if found is not None and not any(
                site.validator.is_valid(values) for site in found if (values := _values(instance, site.path))
            ):
                continue  # its marked subschemas reject every value they apply to (or apply to none)
            if not self._variant(schema, erratum).is_valid(instance):
                needed.append(erratum)
        return tuple(needed or candidates)

    # -- internals --------------------------------------------------------------------------
    def _variant(self, schema: str, erratum: str) -> Any:
        """Validator for the lenient schema with only ``erratum``'s subschemas dropped."""
        key = (schema, erratum)
        if key not in self._variants:
            if erratum not in self._variant_registries:
                names = self.registry.names()
                stripped = [
                    (self.registry.uri(n), strip_errata(self.registry.schema(n), (erratum,))) for n in names
                ]
                self._variant_registries[erratum] = jsonschema_rs.Registry(stripped)
            self._variants[key] = jsonschema_rs.validator_for(
                strip_errata(self.registry.schema(schema), (erratum,)),
                registry=self._variant_registries[erratum],
            )
        return self._variants[key]

    def _site(self, path: Path, name: str, pointer: str) -> Site:
        """A validator for one marked subschema, by reference (its ``$ref`` stay relative to its file),
        applied to the list of values it applies to: valid when it accepts at least one (``contains``:
        one call for the 32 entries of a dev-status instead of 32)."""
        wrapper = {"contains": {"$ref": f"{self.registry.uri(name)}#{quote(pointer, safe=_FRAGMENT_SAFE)}"}}
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


def _values(instance: Any, path: Path) -> list[Any]:
    """The instance's values at locations matching ``path``, in document order.

    One level at a time over lists (a recursive generator cost ~1,200 generator steps per 32-port
    dev-status, more than the validation it feeds)."""
    current = [instance]
    for head in path:
        found: list[Any] = []
        if head == ANY:
            for value in current:
                if isinstance(value, dict):
                    found.extend(value.values())
                elif isinstance(value, list):
                    found.extend(value)
        elif isinstance(head, int):
            found = [v[head] for v in current if isinstance(v, list) and head < len(v)]
        else:
            found = [v[head] for v in current if isinstance(v, dict) and head in v]
        if not found:
            return found
        current = found
    return current
