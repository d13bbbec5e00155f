"""Read, validate and write ``certificate.json``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from smsgw._data import schemas_dir
from smsgw.report.model import Certificate

CERTIFICATE_JSON = "certificate.json"
CERTIFICATE_HTML = "certificate.html"


class CertificateError(ValueError):
    """A file that is not a readable, valid certificate."""


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((schemas_dir() / "meta" / "certificate.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _fast_validator() -> Any:
    schema = json.loads((schemas_dir() / "meta" / "certificate.schema.json").read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def certificate_errors(data: Any) -> list[str]:
    """Readable schema errors of a certificate document (empty when valid).

    jsonschema-rs decides (a certificate of 700 requirements: ~5 ms instead of ~1 s); jsonschema
    words the errors of an invalid one."""
    if _fast_validator().is_valid(data):
        return []
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.message}" for e in errors[:20]]


def write_certificate(certificate: Certificate, directory: Path) -> Path:
    data = certificate.to_dict()
    problems = certificate_errors(data)
    if problems:  # a bug in the suite, never in the device
        raise CertificateError("certificate does not match its schema: " + "; ".join(problems))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CERTIFICATE_JSON
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_certificate(path: Path) -> Certificate:
    """Load ``certificate.json`` (or the run directory that holds it)."""
    if path.is_dir():
        path = path / CERTIFICATE_JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CertificateError(f"{path}: cannot read: {exc}") from exc
    problems = certificate_errors(data)
    if problems:
        raise CertificateError(f"{path}: not a valid certificate: " + "; ".join(problems[:5]))
    return Certificate.from_dict(data)
