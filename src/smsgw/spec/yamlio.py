"""Load the project's YAML data files, refusing duplicate keys and checking them against a schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from smsgw._data import schemas_dir


@cache
def _fast_validator(meta_schema: str) -> Any:
    """jsonschema-rs for the common case, a valid file (~100x faster than jsonschema on the
    700-entry catalog); jsonschema only runs to word the errors of an invalid one."""
    meta = _meta_schemas()
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in meta.values()])
    return jsonschema_rs.validator_for(meta[f"{meta_schema}.schema"], registry=registry)


@cache
def _meta_schemas() -> dict[str, Any]:
    meta = schemas_dir() / "meta"
    return {
        f"meta/{p.name.removesuffix('.json')}": json.loads(p.read_text(encoding="utf-8"))
        for p in meta.glob("*.json")
    }


#: libyaml's parser when PyYAML was built with it (about 9x faster on the 500-entry catalog).
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class DataFileError(ValueError):
    """A data file that does not load or does not match its schema."""


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader


def load_yaml_checked(path: Path, meta_schema: str) -> Any:
    """Load ``path`` and validate it against ``schemas/<meta_schema>.schema.json``."""
    try:
        data = load_yaml(path)
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path}: {exc}") from exc
    if _fast_validator(meta_schema).is_valid(data):
        return data
    meta = _meta_schemas()
    schema = meta[f"{meta_schema}.schema"]
    registry: Registry[Any] = Registry().with_resources(
        (s["$id"], DRAFT202012.create_resource(s)) for s in meta.values()
    )
    validator = Draft202012Validator(schema, registry=registry)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        detail = "; ".join(f"{e.json_path}: {e.message}" for e in errors[:10])
        raise DataFileError(f"{path} does not match {meta_schema}: {detail}")
    return data
