from __future__ import annotations

from smsgw.spec.strict import errata_ids, references, strip_errata


def test_strip_errata_replaces_every_marked_subschema_with_false() -> None:
    schema = {
        "properties": {"a": {"type": "string"}, "b": {"x-errata": "E-EJ-B", "type": "integer"}},
        "anyOf": [{"required": ["a"]}, {"x-errata": "E-EJ-C", "required": ["c"]}],
    }
    assert strip_errata(schema) == {
        "properties": {"a": {"type": "string"}, "b": False},
        "anyOf": [{"required": ["a"]}, False],
    }


def test_strip_errata_can_drop_only_selected_ids() -> None:
    schema = {"anyOf": [{"x-errata": "E-EJ-B"}, {"x-errata": ["E-EJ-C", "E-EJ-D"]}]}
    assert strip_errata(schema, ("E-EJ-D",)) == {"anyOf": [{"x-errata": "E-EJ-B"}, False]}


def test_strip_errata_leaves_the_input_untouched() -> None:
    schema = {"anyOf": [{"x-errata": "E-EJ-B"}]}
    strip_errata(schema)
    assert schema == {"anyOf": [{"x-errata": "E-EJ-B"}]}


def test_errata_ids_and_references_walk_nested_schemas() -> None:
    schema = {"items": [{"$ref": "defs.json#/$defs/x", "x-errata": "E-EJ-A"}], "y": {"$ref": "#/z"}}
    assert sorted(errata_ids(schema)) == ["E-EJ-A"]
    assert sorted(references(schema)) == ["#/z", "defs.json#/$defs/x"]
