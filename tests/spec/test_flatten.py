"""The flattened schemas (strict, lenient, each erratum dropped) accept what the schemas as written accept."""

from __future__ import annotations

import copy
import random
from typing import Any

import jsonschema_rs
import pytest

from smsgw._data import schemas_dir
from smsgw.spec import SchemaRegistry
from smsgw.spec.flatten import flatten
from smsgw.spec.strict import strip_errata
from smsgw.spec.yamlio import load_yaml_checked

CASES_DIR = schemas_dir() / "cases"
BASE = "https://example.test/s.json"


def _flat(schema: Any, documents: dict[str, Any] | None = None) -> Any:
    return flatten(schema, BASE, documents or {BASE: schema})


def _agree(schema: Any, instances: list[Any], documents: dict[str, Any] | None = None) -> Any:
    flat = _flat(schema, documents)
    assert flat is not None
    registry = jsonschema_rs.Registry(list((documents or {BASE: schema}).items()))
    original = jsonschema_rs.validator_for(schema, registry=registry, base_uri=BASE)
    rewritten = jsonschema_rs.validator_for(flat)
    for instance in instances:
        assert rewritten.is_valid(instance) == original.is_valid(instance), (instance, flat)
    return flat


# -- every schema case of the project -----------------------------------------------------------
def _all_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.rglob("*.yaml")):
        name = path.relative_to(CASES_DIR).with_suffix("").as_posix()
        instances = [case["instance"] for case in load_yaml_checked(path, "meta/cases")["cases"]]
        params.append(pytest.param(name, instances, id=name))
    return params


def _modes(registry: SchemaRegistry, schema: str) -> list[str]:
    """strict, lenient, and each erratum the schema tolerates (the lenient schema without it)."""
    return ["strict", "lenient", *sorted(registry.errata_of(schema))]


def _reference(registry: SchemaRegistry, schema: str, mode: str) -> Any:
    """The same form compiled as written (no flattening), from the same documents."""
    documents = registry.documents(mode)
    uri = registry.uri(schema)
    references = jsonschema_rs.Registry(list(documents.items()))
    return jsonschema_rs.validator_for(documents[uri], registry=references)


@pytest.mark.parametrize(("schema", "instances"), _all_cases())
def test_flat_validators_agree_with_the_schemas_as_written_on_every_schema_case(
    registry: SchemaRegistry, schema: str, instances: list[Any]
) -> None:
    for mode in _modes(registry, schema):
        flat, reference = registry.flat(schema, mode), _reference(registry, schema, mode)
        for instance in instances:
            assert flat.is_valid(instance) == reference.is_valid(instance), (mode, instance)
    for instance in instances:
        assert registry.flat(schema).is_valid(instance) == registry.is_valid(schema, instance, strict=True)
        lenient = registry.flat(schema, "lenient").is_valid(instance)
        assert lenient == registry.is_valid(schema, instance, strict=False)


def test_every_push_schema_is_flattened(registry: SchemaRegistry) -> None:
    documents = {registry.uri(n): strip_errata(registry.schema(n)) for n in registry.names()}
    pushes = [n for n in registry.names() if n.endswith(".push")]
    assert len(pushes) >= 15
    for name in pushes:
        flat = flatten(documents[registry.uri(name)], registry.uri(name), documents)
        assert flat is not None, name
        assert "$ref" not in repr(flat), name


# -- mutated instances: near misses of every case ---------------------------------------------
#: Values a mutation puts in place of another: empty, wrong types, digits, the errata's variants.
SUBSTITUTES: list[Any] = ["", " ", "0", "1", "12", "1.01", "1A", "3 Registered", "3", "x", "+8613800138000",
                          "898610599441327", "0/-1", "-1", "ab\ncd", 0, 1, -1, 99, 100, 2**40, 1.5, True,
                          None, [], {}, ["1"], {"a": 1}]  # fmt: skip


def _mutants(instance: Any, rng: random.Random, count: int) -> list[Any]:
    """``count`` copies of ``instance``, each with one to three random edits somewhere in it."""
    out = []
    for _ in range(count):
        mutant = copy.deepcopy(instance)
        for _ in range(rng.randint(1, 3)):
            mutant = _edit(mutant, rng)
        out.append(mutant)
    return out


def _edit(node: Any, rng: random.Random) -> Any:
    if isinstance(node, dict) and node and rng.random() < 0.7:
        key = rng.choice(sorted(node))
        roll = rng.random()
        if roll < 0.15:
            del node[key]
        elif roll < 0.25:
            node[key + "_x" if rng.random() < 0.5 else key.capitalize()] = node[key]
        elif roll < 0.55:
            node[key] = rng.choice(SUBSTITUTES)
        else:
            node[key] = _edit(node[key], rng)
        return node
    if isinstance(node, list) and node and rng.random() < 0.7:
        index = rng.randrange(len(node))
        roll = rng.random()
        if roll < 0.15:
            del node[index]
        elif roll < 0.3:
            node.append(copy.deepcopy(node[index]))
        elif roll < 0.5:
            node[index] = rng.choice(SUBSTITUTES)
        else:
            node[index] = _edit(node[index], rng)
        return node
    return rng.choice(SUBSTITUTES)


@pytest.mark.parametrize(("schema", "instances"), _all_cases())
def test_flat_validators_agree_on_mutants_of_every_case(
    registry: SchemaRegistry, schema: str, instances: list[Any]
) -> None:
    rng = random.Random(f"flatten {schema}")
    mutants = [m for instance in instances for m in _mutants(instance, rng, 150)]
    verdicts = []
    for mode in _modes(registry, schema):
        flat, reference = registry.flat(schema, mode), _reference(registry, schema, mode)
        for mutant in mutants:
            expected = reference.is_valid(mutant)
            assert flat.is_valid(mutant) == expected, (mode, mutant)
            verdicts.append(expected)
    assert False in verdicts


# -- the rewrites, one by one ---------------------------------------------------------------------
def test_refs_are_inlined_relative_to_the_file_they_are_in() -> None:
    other = "https://example.test/defs.json"
    defs = {"$defs": {"digits": {"type": "string", "pattern": "^[0-9]+$"},
                      "id": {"$ref": "#/$defs/digits"}}}  # fmt: skip
    schema = {"properties": {"a": {"$ref": "defs.json#/$defs/id"}}}
    flat = _agree(schema, [{"a": "12"}, {"a": "x"}, {"a": 3}, {}], {BASE: schema, other: defs})
    assert flat == {"properties": {"a": {"type": "string", "pattern": "^[0-9]+$"}}}


def test_false_branches_are_dropped_and_a_single_branch_is_merged() -> None:
    schema = {"type": "object", "anyOf": [{"required": ["st"]}, False]}
    flat = _agree(schema, [{"st": 1}, {}, [], {"x": 1}])
    assert flat == {"type": "object", "required": ["st"]}


def test_any_of_with_only_false_branches_is_false() -> None:
    assert _agree({"anyOf": [False, False]}, [1, "x", {}]) is False


def test_one_of_keeps_exactly_one_over_the_live_branches() -> None:
    schema = {"oneOf": [{"type": "integer"}, False, {"minimum": 5}]}
    flat = _agree(schema, [1, 7, 5.5, "x"])
    assert flat == {"oneOf": [{"type": "integer"}, {"minimum": 5}]}


def test_string_branches_become_one_pattern() -> None:
    schema = {"anyOf": [{"const": ""}, {"type": "string", "pattern": "^[0-9]{3}$"}, {"enum": ["n_a", "x"]}]}
    flat = _agree(schema, ["", "123", "1234", "n_a", "x", "xx", 123, None, ["123"]])
    assert flat == {"type": "string", "pattern": "^$|(?:^[0-9]{3}$)|^n_a$|^x$"}


def test_branches_that_are_not_plain_strings_stay_an_any_of() -> None:
    schema = {"anyOf": [{"type": "string", "pattern": "^a", "maxLength": 3}, {"const": "a.b"}]}
    flat = _agree(schema, ["ab", "abcd", "a.b", "axb"])
    assert "anyOf" in flat


def test_ref_siblings_are_kept_with_the_target() -> None:
    schema = {
        "$defs": {"state": {"type": "object", "properties": {"type": {"const": "p"}, "a": {}},
                            "additionalProperties": False}},
        "items": {"$ref": "#/$defs/state", "properties": {"type": False}},
    }  # fmt: skip
    flat = _agree(schema, [[{"a": 1}], [{"a": 1, "type": "p"}], [{"b": 1}], [{}]])
    assert flat["items"]["properties"]["type"] is False


def test_properties_are_not_merged_across_additional_properties() -> None:
    # {"a": 1} is an additional property for the first member: merging both members' properties
    # into one object would let it through.
    schema = {"allOf": [{"additionalProperties": False}, {"properties": {"a": {}}}]}
    flat = _agree(schema, [{"a": 1}, {}])
    assert "allOf" in flat


def test_items_and_prefix_items_of_two_members_are_not_merged() -> None:
    schema = {"allOf": [{"prefixItems": [{"type": "string"}]}, {"items": {"type": "integer"}}]}
    _agree(schema, [["a", 1], [1, 1], ["a", "b"]])


@pytest.mark.parametrize(
    "schema",
    [
        {"$dynamicRef": "#x"},
        {"properties": {"a": {"$anchor": "a"}}},
        {"unevaluatedProperties": False},
        {"properties": {"a": {"$ref": "#"}}},
        {"$ref": "#/$defs/missing"},
        {"$ref": "https://elsewhere.test/x.json"},
        {"properties": {"a": {"$id": "https://other.test/a.json"}}},
        {"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}]},
        {"additionalItems": {"$ref": "#/$defs/x"}, "$defs": {"x": {"type": "string"}}},
    ],
    ids=[
        "dynamicRef",
        "anchor",
        "unevaluated",
        "recursive",
        "missing",
        "unknown-document",
        "embedded-id",
        "other-draft",
        "ref-under-unknown-keyword",
    ],
)
def test_gives_up_on_what_it_cannot_rewrite_safely(schema: dict[str, Any]) -> None:
    assert _flat(schema) is None


def test_patterns_with_backreferences_are_not_joined() -> None:
    schema = {"anyOf": [{"type": "string", "pattern": "(a)\\1"}, {"const": ""}]}
    assert _agree(schema, ["aa", "", "a"]) == schema


def test_a_flattened_schema_that_does_not_compile_falls_back_to_the_schema_as_written(
    registry: SchemaRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    import smsgw.spec.registry as module

    fresh = SchemaRegistry(registry.root)
    monkeypatch.setattr(module, "_compile_flat", lambda _schema: None)
    assert fresh.flat("ejoin/dev-status.push") is fresh._strict["ejoin/dev-status.push"]
    assert fresh.flat("ejoin/dev-status.push", "lenient") is fresh._lenient["ejoin/dev-status.push"]
    variant = fresh.flat("ejoin/dev-status.push", "E-EJ-PORT-ST-INT")
    assert not variant.is_valid({"type": "dev-status"})
