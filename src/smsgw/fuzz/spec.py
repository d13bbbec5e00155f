"""What the fuzzer knows about a profile: its OpenAPI document, its operations, the requirements.

* :func:`operations` reads the operations of a profile's OpenAPI document (``schemas/*/openapi/``):
  success code (``x-smsgw-success-code``), response schema name, destructive mark.
* :func:`strict_document` materializes the document with the **strict** form of every schema it
  references (``x-errata`` subschemas become ``false``, as :meth:`SchemaRegistry.strict_schema`
  does), so positive generation never produces the tolerated, NON-STRICT variants.
* :data:`OPERATION_REQUIREMENTS` maps an operation to the catalog requirement a failure of its
  answer violates (first candidate that applies to the profile); auth failures map to the auth
  requirements.  A fuzz failure carries these ids, so it shows on the certificate.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from smsgw._data import schemas_dir
from smsgw.spec.yamlio import load_yaml

METHODS = ("get", "put", "post", "delete", "patch")

#: Profile -> (family, OpenAPI document relative to schemas/).
DOCUMENTS: Mapping[str, tuple[str, str]] = {
    "gateway-2.4": ("ejoin", "ejoin/openapi/gateway-2.4.yaml"),
    "router-2.2": ("ejoin", "ejoin/openapi/router-2.2.yaml"),
    "proxy-gateway": ("ejoin", "ejoin/openapi/proxy-gateway.yaml"),
    "simple-v2": ("ejoin", "ejoin/openapi/simple-v2.yaml"),
    "dinstar-uc": ("dinstar", "dinstar/openapi/uc-1.2.yaml"),
}

#: Operations that can lock the fuzzer out of the device (an IP white list without its address):
#: never fuzzed unless asked for by name.
LOCKOUT_OPERATIONS = frozenset({"ip_white_list_post", "ip_black_list_post"})

#: Operation id -> candidate requirement ids for a failure of its answer (5xx, dropped connection,
#: code-in-body, body-level error, schema, credentials echoed); the first that applies wins.
OPERATION_REQUIREMENTS: Mapping[str, tuple[str, ...]] = {
    "crypt_sess": ("EJ-SEC-RESPONSE-CODE",),
    "goip_get_status": ("EJ-STATUS-GET-STATUS-URL",),
    "goip_send_cmd": ("EJ-CMD-URL", "EJ-CMD-QUERY-FORM"),
    "goip_send_cmd_query": ("EJ-CMD-URL", "EJ-CMD-QUERY-FORM"),
    "goip_post_sms": ("EJ-SMS-SEND-RESPONSE-CODE-200",),
    "goip_get_tasks": ("EJ-TASK-QUERY-RESPONSE",),
    "goip_pause_sms": ("EJ-TASK-PAUSE-RESPONSE",),
    "goip_resume_sms": ("EJ-TASK-RESUME-RESPONSE",),
    "goip_remove_sms": ("EJ-TASK-REMOVE-RESPONSE",),
    "goip_get_sms": ("EJ-GETSMS-URL",),
    "goip_get_sms_stat": ("EJ-STAT-SMS-RESPONSE",),
    "goip_get_call_stat": ("EJ-STAT-CALL-RESPONSE",),
    "goip_get_esims": ("EJ-ESIM-QUERY-RESPONSE",),
    "goip_write_esims": ("EJ-ESIM-WRITE-RESPONSE",),
    "goip_delete_esims": ("EJ-ESIM-DELETE-RESPONSE",),
    **{
        f"proxy{part}_{method}": ("EJ-PROXY-CODE-0-SUCCESS",)
        for part in ("", "_user", "_white_list", "_black_list", "_access_log")
        for method in ("get", "post")
    },
    "ip_white_list_get": ("EJ-IPLIST-WHITE-GET",),
    "ip_black_list_get": ("EJ-IPLIST-BLACK-GET",),
    "ip_white_list_post": ("EJ-IPLIST-POST-RESPONSE",),
    "ip_black_list_post": ("EJ-IPLIST-POST-RESPONSE",),
}
#: Task-status strings out of the table: the send-sms answer's own requirement.
TASK_STATUS_REQUIREMENTS: Mapping[str, tuple[str, ...]] = {
    "goip_post_sms": ("EJ-SMS-TASK-STATUS-CODE-RANGE",),
}
#: A request with a wrong password / without credentials that is executed.
WRONG_PASSWORD_REQUIREMENTS: Mapping[str, tuple[str, ...]] = {
    "ejoin": ("EJ-AUTH-WRONG-PASSWORD-REFUSED",),
    "dinstar": ("DS-AUTH-WRONG-PASSWORD-401",),
}
MISSING_CREDENTIALS_REQUIREMENTS: Mapping[str, tuple[str, ...]] = {
    "ejoin": ("EJ-AUTH-MISSING-CREDENTIALS-REFUSED",),
    "dinstar": ("DS-AUTH-UNAUTHENTICATED-401",),
}
#: A failure of an answer of an operation the table above does not name, per family.
FAMILY_RESPONSE_REQUIREMENTS: Mapping[str, tuple[str, ...]] = {
    "dinstar": ("DS-HTTP-ERROR-CODE-IN-BODY",),
}
#: The body member carrying the result code, per family (gateway-2.4 "code", dinstar-uc-1.2 §2
#: "error_code"); and the one explaining a failure (Dinstar answers carry no explanation).
CODE_KEY: Mapping[str, str] = {"ejoin": "code", "dinstar": "error_code"}
REASON_KEY: Mapping[str, str | None] = {"ejoin": "reason", "dinstar": None}


@dataclass(frozen=True)
class OperationInfo:
    """One operation of an OpenAPI document, as the checks need it."""

    operation_id: str
    method: str
    path: str
    #: ``x-smsgw-success-code``: the body ``code`` of success (None: the answer has no code)
    success_code: int | None
    #: schema name of the 200 answer (``ejoin/goip_post_sms.response``), None when not JSON
    response_schema: str | None
    destructive: bool
    #: False for operations documented without security (``security: []``)
    authenticated: bool


@dataclass(frozen=True)
class ProfileSpec:
    profile: str
    family: str
    document: Path
    operations: Mapping[str, OperationInfo]

    def by_path(self, method: str, path: str) -> OperationInfo | None:
        for info in self.operations.values():
            if info.method == method.lower() and info.path == path:
                return info
        return None


class UnknownProfileError(ValueError):
    """A profile without an OpenAPI document."""


def document_path(profile: str) -> Path:
    try:
        _, relative = DOCUMENTS[profile]
    except KeyError:
        raise UnknownProfileError(f"unknown profile {profile!r} (known: {', '.join(DOCUMENTS)})") from None
    return schemas_dir() / relative


def _schema_name(document: Path, ref: str) -> str | None:
    file_part = ref.partition("#")[0]
    if not file_part.endswith(".json"):
        return None
    target = (document.parent / file_part).resolve()
    return target.relative_to(schemas_dir().resolve()).with_suffix("").as_posix()


def _response_schema(document: Path, data: dict[str, Any], op: dict[str, Any]) -> str | None:
    responses = op.get("responses", {})
    answer = responses.get("200") or responses.get("202") or {}
    if "$ref" in answer:
        answer = data["components"]["responses"][answer["$ref"].rsplit("/", 1)[-1]]
    schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return _schema_name(document, ref) if isinstance(ref, str) else None


@cache
def profile_spec(profile: str) -> ProfileSpec:
    """The operations of the profile's OpenAPI document."""
    document = document_path(profile)
    data: dict[str, Any] = load_yaml(document)
    default_security = data.get("security")
    ops: dict[str, OperationInfo] = {}
    for path, item in data.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            code = op.get("x-smsgw-success-code")
            security = op.get("security", default_security)
            ops[op["operationId"]] = OperationInfo(
                operation_id=op["operationId"],
                method=method,
                path=path,
                success_code=int(code) if code is not None else None,
                response_schema=_response_schema(document, data, op),
                destructive=bool(op.get("x-smsgw-destructive")),
                authenticated=security != [],
            )
    return ProfileSpec(profile, DOCUMENTS[profile][0], document, ops)


@contextmanager
def strict_document(profile: str) -> Iterator[Path]:
    """A temporary copy of the profile's OpenAPI document whose ``$ref``s land on the strict form
    of every schema (same relative layout as ``schemas/``); removed on exit."""
    from smsgw.spec.registry import default_registry

    registry = default_registry()
    source = document_path(profile)
    root = Path(tempfile.mkdtemp(prefix="smsgw-fuzz-"))
    try:
        for name in registry.names():
            target = root / f"{name}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(registry.strict_schema(name)), encoding="utf-8")
        copy = root / source.relative_to(schemas_dir())
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        yield copy
    finally:
        shutil.rmtree(root, ignore_errors=True)


def applicable(candidates: tuple[str, ...], profile: str) -> tuple[str, ...]:
    """The first candidate requirement that applies to ``profile`` (by the catalog's ``profiles``),
    as a 0- or 1-tuple."""
    catalog = _catalog()
    for rid in candidates:
        requirement = catalog.get(rid)
        if requirement is None:
            continue
        if not requirement.profiles or profile in requirement.profiles:
            return (rid,)
    return ()


@cache
def _catalog() -> Mapping[str, Any]:
    from smsgw.spec.catalog import Catalog

    return Catalog.load()


def requirements_for(kind: str, operation_id: str, profile: str) -> tuple[str, ...]:
    """Requirement ids a failure of ``kind`` on ``operation_id`` maps to (may be empty)."""
    family = DOCUMENTS[profile][0]
    if kind == "wrong-password":
        candidates = WRONG_PASSWORD_REQUIREMENTS.get(family, ())
    elif kind == "missing-credentials":
        candidates = MISSING_CREDENTIALS_REQUIREMENTS.get(family, ())
    elif kind == "task-status":
        candidates = TASK_STATUS_REQUIREMENTS.get(operation_id, ()) + OPERATION_REQUIREMENTS.get(
            operation_id, ()
        )
    else:
        candidates = OPERATION_REQUIREMENTS.get(operation_id, ())
    if kind not in {"wrong-password", "missing-credentials"}:
        candidates += FAMILY_RESPONSE_REQUIREMENTS.get(family, ())
    return applicable(candidates, profile)


def operations_for_requirements(profile: str, patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The operations whose failures map to a requirement matching one of ``patterns`` (fnmatch):
    what a run restricted with ``--requirements`` needs to fuzz."""
    from fnmatch import fnmatchcase

    chosen = []
    for op in profile_spec(profile).operations:
        ids = {
            rid
            for kind in ("response", "task-status", "wrong-password", "missing-credentials")
            for rid in requirements_for(kind, op, profile)
        }
        if any(fnmatchcase(rid, pattern) for rid in ids for pattern in patterns):
            chosen.append(op)
    return tuple(chosen)
