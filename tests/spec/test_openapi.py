"""The OpenAPI documents under schemas/**/openapi/: valid OpenAPI 3.1, and every reference lands.

Each document ``$ref``s the schema files by relative path (``../goip_post_sms.request.json``) instead
of copying them, so the checks here are: openapi-spec-validator accepts it with the file references
resolved from the document's own path; every ``$ref`` names an existing schema (and fragment);
every ``x-smsgw-*-schema`` extension names an existing schema; the query parameters of an operation
are the properties of its query schema; and the gateway-2.4 document carries a response per
operation and the send -> get_tasks -> pause -> resume -> remove links.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from smsgw._data import schemas_dir
from smsgw.spec import SchemaRegistry

SCHEMAS = schemas_dir()
DOCUMENTS = sorted(SCHEMAS.glob("**/openapi/*.yaml"))
GATEWAY = SCHEMAS / "ejoin" / "openapi" / "gateway-2.4.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
CREDENTIALS = {"username", "password", "Username", "seq", "auth", "session", "expires"}


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _extension_schema_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key.startswith("x-smsgw-") and key.endswith("-schema") and isinstance(value, str):
                yield value
            else:
                yield from _extension_schema_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _extension_schema_names(item)


def _pointer(document: Any, fragment: str) -> Any:
    node = document
    for raw in [t for t in fragment.split("/") if t]:
        token = unquote(raw).replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _schema_name(doc: Path, file_part: str) -> str:
    target = (doc.parent / file_part).resolve()
    return target.relative_to(SCHEMAS.resolve()).with_suffix("").as_posix()


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every operation, with the path item's parameters merged in and local response refs resolved."""
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = dict(item[method])
            own = {(p.get("name"), p.get("in")) for p in op.get("parameters", [])}
            shared = [p for p in item.get("parameters", []) if (p.get("name"), p.get("in")) not in own]
            op["parameters"] = [*op.get("parameters", []), *shared]
            op["responses"] = {
                status: _pointer(document, answer["$ref"].partition("#")[2]) if "$ref" in answer else answer
                for status, answer in op.get("responses", {}).items()
            }
            yield path, method, op


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(SCHEMAS).as_posix() for p in paths]


def test_there_is_an_openapi_document_per_ejoin_gateway() -> None:
    assert GATEWAY in DOCUMENTS


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_document_is_valid_openapi_with_file_references_resolved(doc: Path) -> None:
    spec, base_uri = read_from_filename(str(doc))
    assert spec["openapi"].startswith("3.1")
    validate(spec, base_uri=base_uri)


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_every_ref_names_an_existing_schema_and_fragment(doc: Path, registry: SchemaRegistry) -> None:
    document = _load(doc)
    problems = []
    for ref in _refs(document):
        file_part, _, fragment = ref.partition("#")
        if not file_part:
            try:
                _pointer(document, fragment)
            except (KeyError, IndexError, ValueError):
                problems.append(f"{ref}: no such place in the document")
            continue
        if not file_part.endswith(".json"):
            problems.append(f"{ref}: not a schema file")
            continue
        name = _schema_name(doc, file_part)
        if name not in registry:
            problems.append(f"{ref}: no schema named {name}")
            continue
        try:
            _pointer(registry.schema(name), fragment)
        except (KeyError, IndexError, ValueError):
            problems.append(f"{ref}: {name} has no {fragment}")
    problems += [f"{n}: no such schema" for n in _extension_schema_names(document) if n not in registry]
    assert not problems, "\n".join(problems)


def _query_properties(registry: SchemaRegistry, name: str, node: Any = None) -> set[str]:
    """Property names a query schema allows (own, and through allOf/anyOf and $ref into defs)."""
    node = registry.schema(name) if node is None else node
    found: set[str] = set()
    if not isinstance(node, dict):
        return found
    found.update(node.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in node.get(key, []):
            found |= _query_properties(registry, name, sub)
    ref = node.get("$ref")
    if isinstance(ref, str):
        file_part, _, fragment = ref.partition("#")
        target = name if not file_part else f"{name.rsplit('/', 1)[0]}/{file_part.removesuffix('.json')}"
        found |= _query_properties(registry, target, _pointer(registry.schema(target), fragment))
    return found


@pytest.mark.parametrize("doc", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_query_parameters_are_the_properties_of_the_query_schema(doc: Path, registry: SchemaRegistry) -> None:
    problems = []
    for path, method, op in _operations(_load(doc)):
        query_schema = op.get("x-smsgw-query-schema")
        if query_schema is None:
            continue
        allowed = _query_properties(registry, query_schema)
        if op.get("security") != []:
            allowed -= CREDENTIALS
        params = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
        required = set(registry.schema(query_schema).get("required", []))
        problems += [f"{method} {path}: {n} is not in {query_schema}" for n in sorted(set(params) - allowed)]
        problems += [
            f"{method} {path}: {query_schema} property {n} missing" for n in sorted(allowed - set(params))
        ]
        problems += [
            f"{method} {path}: {n} required by {query_schema} but not marked required"
            for n in sorted(required & set(params))
            if not params[n].get("required")
        ]
    assert not problems, "\n".join(problems)


def test_every_gateway_operation_answers_with_a_referenced_schema() -> None:
    missing = []
    for path, method, op in _operations(_load(GATEWAY)):
        ok = op.get("responses", {}).get("200", {})
        schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" not in schema:
            missing.append(f"{method} {path}")
    assert not missing


def test_success_code_of_each_operation_is_the_one_its_response_schema_declares(
    registry: SchemaRegistry,
) -> None:
    mismatches = []
    for path, method, op in _operations(_load(GATEWAY)):
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        name = _schema_name(GATEWAY, schema["$ref"].partition("#")[0])
        declared = registry.schema(name).get("x-success-code")
        if op.get("x-smsgw-success-code") != declared:
            mismatches.append(f"{method} {path}: {op.get('x-smsgw-success-code')} vs {name} {declared}")
    assert not mismatches, "\n".join(mismatches)


def test_gateway_document_covers_every_core_ejoin_schema(registry: SchemaRegistry) -> None:
    document = _load(GATEWAY)
    used = {_schema_name(GATEWAY, r.partition("#")[0]) for r in _refs(document) if r.partition("#")[0]}
    used |= set(_extension_schema_names(document))
    other_documents = {"ejoin/sent-sms.push", "ejoin/sms-forward.push", "ejoin/defs"}
    core = {
        n for n in registry.names("ejoin/") if not n.startswith(("ejoin/router/", "ejoin/openapi/"))
    } - other_documents
    assert sorted(core - used) == []


def test_gateway_links_follow_the_sms_task_chain() -> None:
    document = _load(GATEWAY)
    operation_ids = {op["operationId"] for _, _, op in _operations(document)}
    links: dict[str, set[str]] = {}
    for _, _, op in _operations(document):
        for link in op["responses"]["200"].get("links", {}).values():
            assert link["operationId"] in operation_ids, link
            links.setdefault(op["operationId"], set()).add(link["operationId"])
    chain = [
        ("goip_post_sms", "goip_get_tasks"),
        ("goip_post_sms", "goip_pause_sms"),
        ("goip_pause_sms", "goip_resume_sms"),
        ("goip_resume_sms", "goip_remove_sms"),
        ("goip_remove_sms", "goip_get_tasks"),
        ("goip_get_tasks", "goip_pause_sms"),
    ]
    assert [step for step in chain if step[1] not in links.get(step[0], set())] == []


def test_gateway_pushes_are_webhooks_and_callbacks() -> None:
    document = _load(GATEWAY)
    assert set(document["webhooks"]) == {"dev-status", "port-status", "status-report", "recv-sms", "mms"}
    ops = {op["operationId"]: op for _, _, op in _operations(document)}
    assert set(ops["goip_get_status"]["callbacks"]) == {"statusReport"}
    assert set(ops["goip_post_sms"]["callbacks"]) == {"statusReport", "receivedSms"}


def test_gateway_security_is_query_username_and_password() -> None:
    schemes = _load(GATEWAY)["components"]["securitySchemes"]
    assert (schemes["username"]["in"], schemes["username"]["name"]) == ("query", "username")
    assert (schemes["password"]["in"], schemes["password"]["name"]) == ("query", "password")
