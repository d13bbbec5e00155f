"""Classify a push by its transport form and content: which message it is and which schema grades it.

Pure functions, no I/O: the ASGI app hands over the media type, the (already redacted) query and
headers, and the body; this module answers with a :class:`Classified` message or raises
:class:`PushRejected` with the 4xx status and a reason the device (and the store) will see.

The formats, by media type:

* ``application/json`` (``text/json``, ``*+json``): Ejoin pushes carry ``"type"`` (gateway-2.4 §4.1.3
  dev-status, §4.1.4 port-status, §6.3.2.3 status-report, §7.2.3 recv-sms; simple-v2 §4.4 sent-sms);
  Dinstar events (dinstar-uc-1.2 §17 Push Event) carry ``"sn"`` and one event key: ``sms``,
  ``sms_result``, ``sms_deliver_status``, ``ussd``, ``register``, ``cdr``, ``device``,
  ``exception_info``.
* ``application/octet-stream``: the Ejoin legacy SMS forward (simple-v2 §2.1.3): query
  ``username/password/port/sender``, body ``Sender: ..\\r\\nSMSC: ..\\r\\nSCTS: ..\\r\\n\\r\\n<text>``.
* ``multipart/*``: the Ejoin MMS push (gateway-2.4 §11.2), ``Emms-*``/``Date``/``Content-Type`` headers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import orjson

#: Ejoin ``"type"`` values that are pushes (device -> server), and the schema of each.
EJOIN_JSON_TYPES = ("dev-status", "port-status", "status-report", "recv-sms", "sent-sms")
#: Dinstar event keys (dinstar-uc-1.2 §17), in the document's order.
DINSTAR_EVENTS = (
    "sms",
    "sms_result",
    "sms_deliver_status",
    "ussd",
    "register",
    "cdr",
    "device",
    "exception_info",
)
FORWARD_TYPE = "sms-forward"
MMS_TYPE = "mms"
UNKNOWN_TYPE = "unknown"
#: Every message type the receiver knows, with its family.
TYPES: dict[str, str] = {
    **dict.fromkeys(EJOIN_JSON_TYPES, "ejoin"),
    FORWARD_TYPE: "ejoin",
    MMS_TYPE: "ejoin",
    **dict.fromkeys(DINSTAR_EVENTS, "dinstar"),
}
#: The headers of the MMS push that make up its parsed form (gateway-2.4 §11.2).
MMS_HEADERS = ("Emms-Subject", "Emms-From", "Emms-To", "Date", "Content-Type")


class PushRejected(Exception):
    """A push that cannot be taken as a message: answered with ``status`` and recorded invalid."""

    def __init__(self, status: int, reason: str, classified: Classified | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.classified = classified


@dataclass(frozen=True)
class Classified:
    """What a push is: its type, the schema that grades it, and the instance to grade."""

    family: str
    type: str
    schema: str | None
    instance: Any
    #: The stored parsed form; ``None`` means "the JSON document of the body" (not stored twice).
    parsed: Any = None
    ident: str | None = None
    ports: tuple[str, ...] = ()
    tids: tuple[int, ...] = field(default=())


def schema_name(family: str, message_type: str) -> str:
    return f"{family}/{message_type}.push"


def media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """``'Application/JSON; charset=UTF-8'`` -> ``('application/json', {'charset': 'UTF-8'})``."""
    if not content_type:
        return "", {}
    main, _, rest = content_type.partition(";")
    params: dict[str, str] = {}
    for item in _split_params(rest):
        key, eq, value = item.partition("=")
        if eq:
            params[key.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), params


_MEDIA_TYPES: dict[str | None, tuple[str, dict[str, str]]] = {}


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    """:func:`media_type`, remembered for the few Content-Type values devices send (read-only result)."""
    found = _MEDIA_TYPES.get(content_type)
    if found is None:
        found = media_type(content_type)
        if len(_MEDIA_TYPES) >= 256:
            _MEDIA_TYPES.clear()
        _MEDIA_TYPES[content_type] = found
    return found


def _split_params(text: str) -> list[str]:
    """Split ``a=1; b="x;y"`` on semicolons outside quotes."""
    if '"' not in text:
        return [i for i in text.split(";") if i.strip()]
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [i for i in items if i.strip()]


def is_json_media(media: str) -> bool:
    return media in ("application/json", "text/json") or (
        media.startswith("application/") and media.endswith("+json")
    )


def classify(
    content_type: str | None,
    body: bytes,
    query: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> Classified:
    """Classify one push; raise :class:`PushRejected` (4xx) when it is not a message at all."""
    media, params = _media_type(content_type)
    if is_json_media(media):
        return classify_json(body)
    if media == "application/octet-stream":
        return parse_forward(body, query, params.get("charset"))
    if media.startswith("multipart/"):
        return parse_mms(content_type or "", body, headers or {})
    if not media:
        raise PushRejected(
            415, "no Content-Type: a push is application/json, application/octet-stream or multipart"
        )
    raise PushRejected(
        415,
        f"unsupported Content-Type {media!r}: a push is application/json, application/octet-stream"
        " (legacy SMS forward) or multipart/related (MMS)",
    )


# -- JSON pushes --------------------------------------------------------------------------------
def classify_json(body: bytes) -> Classified:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PushRejected(400, f"malformed JSON: {exc}") from exc
    return classify_document(document)


def classify_document(document: Any) -> Classified:
    """Classify an already parsed JSON push."""
    if not isinstance(document, dict):
        raise PushRejected(400, f"a JSON push is an object, got {type(document).__name__}")
    kind = document.get("type")
    if isinstance(kind, str):
        name = kind.strip()
        if name in EJOIN_JSON_TYPES:
            return _ejoin_json(name, document)
        raise PushRejected(
            400, f"unknown Ejoin push type {kind!r} (expected one of {', '.join(EJOIN_JSON_TYPES)})"
        )
    for event in DINSTAR_EVENTS:
        if event in document:
            return _dinstar_json(event, document)
    raise PushRejected(
        400,
        "unrecognised JSON push: neither an Ejoin message (no 'type') nor a Dinstar event"
        f" (none of {', '.join(DINSTAR_EVENTS)})",
    )


def _ejoin_json(kind: str, document: dict[str, Any]) -> Classified:
    ports: list[str] = []
    tids: list[int] = []
    ident: str | None = None
    if kind == "dev-status":
        # status[] is a snapshot of every port: not indexed per port (see store.py).
        ident = _str_or_none(document.get("mac"))
    elif kind in ("port-status", "sent-sms"):
        _add_port(ports, document.get("port"))
        _add_int(tids, document.get("sms_tid"))
    elif kind == "recv-sms":
        for sms in _list(document.get("sms")):
            if isinstance(sms, list) and len(sms) > 1:
                _add_port(ports, sms[1])
    elif kind == "status-report":
        for report in _list(document.get("rpts")):
            if isinstance(report, dict):
                _add_int(tids, report.get("tid"))
                for record in _list(report.get("sdr")) + _list(report.get("fdr")):
                    if isinstance(record, list) and len(record) > 2:
                        _add_port(ports, record[2])
    return Classified(
        "ejoin", kind, schema_name("ejoin", kind), document, None, ident, tuple(ports), tuple(tids)
    )


def _dinstar_json(event: str, document: dict[str, Any]) -> Classified:
    ports: list[str] = []
    tids: list[int] = []
    value = document[event]
    entries = value if isinstance(value, list) else [value]
    for entry in entries:
        if isinstance(entry, dict):
            _add_port(ports, entry.get("port"))
            _add_int(tids, entry.get("user_id"))
    return Classified(
        "dinstar",
        event,
        schema_name("dinstar", event),
        document,
        None,
        _str_or_none(document.get("sn")),
        tuple(ports),
        tuple(tids),
    )


# -- legacy SMS forward ------------------------------------------------------------------------
def parse_forward(body: bytes, query: Sequence[tuple[str, str]], charset: str | None) -> Classified:
    """The octet-stream SMS forward: ``Name: value`` lines, an empty line, the SMS text."""
    params = dict(query)
    lowered = {k.lower(): v for k, v in params.items()}
    encoding = charset or lowered.get("charset") or "utf-8"
    try:
        text = body.decode(encoding)
    except LookupError as exc:
        raise PushRejected(400, f"SMS forward: unknown charset {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        raise PushRejected(400, f"SMS forward: body is not valid {encoding}: {exc.reason}") from exc
    head, sep, message = text.partition("\r\n\r\n")
    if not sep:
        head, sep, message = text.partition("\n\n")
    if not sep:
        raise PushRejected(
            400, "SMS forward: no empty line between the Sender/SMSC/SCTS header lines and the text"
        )
    fields: dict[str, str] = {}
    for number, line in enumerate(head.splitlines(), start=1):
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise PushRejected(400, f"SMS forward: header line {number} is not 'Name: value': {line[:80]!r}")
        fields[name.strip()] = value.strip()
    instance = {"query": params, "headers": fields, "text": message}
    ports: list[str] = []
    _add_port(ports, lowered.get("port"))
    return Classified(
        "ejoin", FORWARD_TYPE, schema_name("ejoin", FORWARD_TYPE), instance, instance, None, tuple(ports)
    )


# -- MMS ---------------------------------------------------------------------------------------
def parse_mms(content_type: str, body: bytes, headers: Mapping[str, str]) -> Classified:
    """The multipart MMS push; the instance is its ``Emms-*``/``Date``/``Content-Type`` headers."""
    media, params = media_type(content_type)
    boundary = params.get("boundary")
    if not boundary:
        raise PushRejected(400, f"MMS push: {media} without a boundary parameter")
    closing = b"--" + boundary.encode("latin-1") + b"--"
    if closing not in body:
        raise PushRejected(
            400,
            f"MMS push: multipart body has no closing boundary {closing.decode('latin-1')!r} (truncated?)",
        )
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    parts = []
    if message.is_multipart():
        for part in message.iter_parts():
            payload = part.get_payload(decode=True)
            parts.append(
                {
                    "content_type": part.get_content_type(),
                    "content_id": part.get("Content-ID"),
                    "content_location": part.get("Content-Location"),
                    "size": len(payload) if isinstance(payload, bytes) else 0,
                }
            )
    if not parts:
        raise PushRejected(400, "MMS push: multipart body without any part")
    lowered = {k.lower(): v for k, v in headers.items()}
    lowered["content-type"] = content_type
    instance = {name: lowered[name.lower()] for name in MMS_HEADERS if name.lower() in lowered}
    decoded = {name: _decode_emms(instance[name]) for name in MMS_HEADERS[:3] if name in instance}
    parsed = {"headers": instance, "decoded": decoded, "parts": parts}
    return Classified("ejoin", MMS_TYPE, schema_name("ejoin", MMS_TYPE), instance, parsed)


def _decode_emms(value: str) -> str | None:
    """``'c3ViamVjdDAw; charset=US-ASCII'`` -> ``'subject00'`` (None when not base64 text)."""
    encoded, _, rest = value.partition(";")
    _, params = media_type("x;" + rest)
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
        return raw.decode(params.get("charset") or "utf-8")
    except (binascii.Error, ValueError, LookupError):
        return None


# -- helpers -----------------------------------------------------------------------------------
def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _add_port(ports: list[str], value: Any) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | str) and str(value) and str(value) not in ports:
        ports.append(str(value))


#: SQLite INTEGER is 64-bit signed: an id beyond it (a hostile or broken push) is not indexed; the
#: stored body keeps it, and the push is graded and stored like any other
_INT64 = range(-(2**63), 2**63)


def _add_int(values: list[int], value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value in _INT64 and value not in values:
        values.append(value)
