"""The fuzzer's check registry: plain functions over one exchange (operation, request, answer).

Every check has one signature, ``check(env, exchange) -> list[Failure]``, and is registered by
name with :func:`device_check` (a duplicate name is refused).  Checks know nothing of schemathesis:
:mod:`smsgw.fuzz.adapter` feeds them exchanges built from schemathesis cases.  A :class:`Failure`
carries the catalog requirement ids it violates (:func:`smsgw.fuzz.spec.requirements_for`).

The checks read the conventions of the goip_* API (gateway-2.4 §6.3.1.4, erratum
E-EJ-RESULT-CODE-PER-ENDPOINT): every answer is a JSON object whose ``code`` says how the request
fared (``x-smsgw-success-code``: 200 or 0); any other code is a failure explained by ``reason``
(``desc`` for crypt_sess); task statuses are ``"code text"`` strings from the document's table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, Protocol
from urllib.parse import quote, quote_plus

from smsgw.fuzz.spec import CODE_KEY, REASON_KEY, OperationInfo, requirements_for
from smsgw.spec.registry import SchemaRegistry
from smsgw.verdicts import Verdict


@dataclass(frozen=True)
class Exchange:
    """One request the fuzzer sent and the answer it got (``status`` 0: no answer at all)."""

    operation: OperationInfo
    method: str
    url: str
    query: Mapping[str, Any]
    body: Any
    #: the request was generated to match the schema (positive) or to violate it (negative)
    positive: bool
    status: int
    headers: Mapping[str, str]
    content: bytes
    #: the request as sent (a ``requests.PreparedRequest``), for replays
    request: Any = field(default=None, repr=False, compare=False)
    _parsed: list[Any] = field(default_factory=list, repr=False, compare=False)

    def json(self) -> Any:
        """The answer's JSON (None when it is not JSON)."""
        if not self._parsed:
            try:
                self._parsed.append(json.loads(self.content))
            except (ValueError, UnicodeDecodeError):
                self._parsed.append(None)
        return self._parsed[0]


@dataclass(frozen=True)
class Failure:
    check: str
    operation_id: str
    title: str
    message: str
    requirements: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "operation": self.operation_id,
            "title": self.title,
            "message": self.message,
            "requirements": list(self.requirements),
        }


class Credentials(Enum):
    NONE = "none"
    WRONG = "wrong"


@dataclass(frozen=True)
class Replay:
    status: int
    content: bytes


class Replayer(Protocol):
    def __call__(self, exchange: Exchange, credentials: Credentials) -> Replay | None: ...


@dataclass
class CheckEnv:
    """What checks may use besides the exchange: the run's profile, credentials, schemas and a way
    to replay a request with other credentials."""

    profile: str
    family: str
    username: str
    password: str
    registry: SchemaRegistry
    replay: Replayer | None = None
    #: operations whose credential checks already ran (ignored-auth runs once per operation)
    auth_checked: set[str] = field(default_factory=set)

    def failure(self, check: str, kind: str, exchange: Exchange, title: str, message: str) -> Failure:
        op = exchange.operation.operation_id
        return Failure(check, op, title, message, requirements_for(kind, op, self.profile))


CheckFunction = Callable[[CheckEnv, Exchange], list[Failure]]
_REGISTRY: dict[str, CheckFunction] = {}


def device_check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register a device check under ``name`` (refuses a second check of the same name)."""

    def register(func: CheckFunction) -> CheckFunction:
        if name in _REGISTRY and _REGISTRY[name] is not func:
            raise ValueError(f"a device check named {name!r} is already registered")
        _REGISTRY[name] = func
        return func

    return register


def device_checks() -> dict[str, CheckFunction]:
    """Every registered device check, by name."""
    return dict(_REGISTRY)


def run_checks(env: CheckEnv, exchange: Exchange, names: Iterable[str] | None = None) -> list[Failure]:
    chosen = _REGISTRY if names is None else {n: _REGISTRY[n] for n in names}
    found: list[Failure] = []
    for check in chosen.values():
        found += check(env, exchange)
    return found


# -- helpers ---------------------------------------------------------------------------------------
def _describe(exchange: Exchange) -> str:
    return f"{exchange.method.upper()} {exchange.operation.path} -> HTTP {exchange.status}"


def _body_code(data: Any, key: str = "code") -> int | None:
    if isinstance(data, dict):
        code = data.get(key)
        if isinstance(code, int) and not isinstance(code, bool):
            return code
    return None


def _short(content: bytes, limit: int = 200) -> str:
    text = content[:limit].decode("utf-8", errors="replace")
    return text + ("..." if len(content) > limit else "")


def _json_answer_expected(exchange: Exchange) -> bool:
    op = exchange.operation
    return op.response_schema is not None and op.success_code is not None


# -- checks ----------------------------------------------------------------------------------------
@device_check("server_error")
def check_server_error(env: CheckEnv, exchange: Exchange) -> list[Failure]:
    """The goip_* API answers a bad request with a code in the body, never with a server error, a
    dropped connection or silence (HTTP 200 + code, E-EJ-RESULT-CODE-PER-ENDPOINT)."""
    if exchange.status == 0:
        return [
            env.failure(
                "server_error",
                "response",
                exchange,
                "No answer",
                f"{exchange.method.upper()} {exchange.operation.path}: the connection was closed or "
                f"timed out without an answer",
            )
        ]
    if exchange.status >= 500:
        return [
            env.failure(
                "server_error",
                "response",
                exchange,
                "Server error",
                f"{_describe(exchange)}: {_short(exchange.content)}",
            )
        ]
    return []


@device_check("code_in_body")
def check_code_in_body(env: CheckEnv, exchange: Exchange) -> list[Failure]:
    """The answer is a JSON object with an integer ``code``: the operation's success code
    (``x-smsgw-success-code``) only when the request was carried out, never on a refusal; success is
    not announced with the other endpoints' success value."""
    if exchange.status == 0 or exchange.status >= 500 or not _json_answer_expected(exchange):
        return []
    success = exchange.operation.success_code
    data = exchange.json()
    fail = env.failure
    if data is None:
        return [
            fail(
                "code_in_body",
                "response",
                exchange,
                "Answer is not JSON",
                f"{_describe(exchange)}: {_short(exchange.content)}",
            )
        ]
    if not isinstance(data, dict):
        return [
            fail("code_in_body", "response", exchange, "Answer is not a JSON object", _describe(exchange))
        ]
    key = CODE_KEY[env.family]
    if exchange.operation.operation_id == "goip_get_tasks" and key not in data:
        return []  # the document's own example has the key "code " (erratum E-EJ-GETTASKS-CODE-KEY)
    code = _body_code(data, key)
    if code is None:
        return [
            fail(
                "code_in_body",
                "response",
                exchange,
                "No integer code in the answer",
                f"{_describe(exchange)}: {key}={data.get(key)!r}",
            )
        ]
    if 400 <= exchange.status < 500 and code == success:
        return [
            fail(
                "code_in_body",
                "response",
                exchange,
                "Refusal carries the success code",
                f"{_describe(exchange)} with code {code}, the operation's success code",
            )
        ]
    reason = data.get("reason", data.get("desc"))
    if code != success and code in (0, 200) and isinstance(reason, str) and reason.strip().upper() == "OK":
        return [
            fail(
                "code_in_body",
                "response",
                exchange,
                "Success announced with the wrong code",
                f"{_describe(exchange)}: code {code} reason OK; this operation's success code is {success}",
            )
        ]
    return []


@device_check("error_body")
def check_error_body(env: CheckEnv, exchange: Exchange) -> list[Failure]:
    """A failure code is explained: ``reason`` (``desc`` for crypt_sess) is a non-empty string."""
    if exchange.status == 0 or exchange.status >= 500 or not _json_answer_expected(exchange):
        return []
    reason_key = REASON_KEY[env.family]
    data = exchange.json()
    code = _body_code(data, CODE_KEY[env.family])
    if reason_key is None or code is None or code == exchange.operation.success_code:
        return []
    if not isinstance(data, dict):
        return []
    key = "desc" if exchange.operation.operation_id == "crypt_sess" else reason_key
    explanation = data.get(key)
    if isinstance(explanation, str) and explanation.strip():
        return []
    return [
        env.failure(
            "error_body",
            "response",
            exchange,
            "Failure code without an explanation",
            f"{_describe(exchange)}: code {code} and {key}={explanation!r}",
        )
    ]


#: Highest task status code of each profile's table (gateway-2.4 0-20, router-2.2 0-16,
#: simple-v2 0-12: EJ-SMS-TASK-STATUS-CODE-RANGE).
TASK_STATUS_MAX = {"gateway-2.4": 20, "router-2.2": 16, "simple-v2": 12, "proxy-gateway": 12}
#: Where an answer carries per-task statuses: operation -> (array key, defs name of its strings)
TASK_STATUS_ARRAYS = {
    "goip_post_sms": ("status", "taskStatus"),
    "goip_pause_sms": ("results", "taskOpStatus"),
    "goip_resume_sms": ("results", "taskOpStatus"),
    "goip_remove_sms": ("results", "taskOpStatus"),
}


@cache
def _status_table(registry: SchemaRegistry, defs_name: str, highest: int) -> frozenset[str]:
    node = registry.strict_schema("ejoin/defs")["$defs"][defs_name]
    values = node.get("enum") or [item.get("const") for item in node.get("oneOf", []) if "const" in item]
    allowed = set()
    for value in values:
        number = value.split(" ", 1)[0] if isinstance(value, str) else ""
        if number.isdigit() and int(number) <= highest:
            allowed.add(value)
    return frozenset(allowed)


@device_check("task_status_strings")
def check_task_status_strings(env: CheckEnv, exchange: Exchange) -> list[Failure]:
    """Per-task statuses are ``"code text"`` strings of the document's table, within the
    profile's range (gateway-2.4 §6.3.1.4 "Task Status", §6.3.3.4)."""
    where = TASK_STATUS_ARRAYS.get(exchange.operation.operation_id)
    data = exchange.json() if where is not None and 200 <= exchange.status < 300 else None
    if where is None or not isinstance(data, dict) or not isinstance(data.get(where[0]), list):
        return []
    table = _status_table(env.registry, where[1], TASK_STATUS_MAX.get(env.profile, 20))
    bad = [
        item.get("status") if isinstance(item, dict) else item
        for item in data[where[0]]
        if not isinstance(item, dict) or item.get("status") not in table
    ]
    if not bad:
        return []
    return [
        env.failure(
            "task_status_strings",
            "task-status",
            exchange,
            "Task status not from the table",
            f"{_describe(exchange)}: {where[0]}[].status {bad[:5]!r} (the table of {env.profile})",
        )
    ]


@device_check("response_schema")
def check_response_schema(env: CheckEnv, exchange: Exchange) -> list[Failure]:
    """The answer to a schema-valid request that was carried out matches the response schema (strict
    form; a variant an erratum tolerates is NON-STRICT, not a failure).  Answers to schema-violating
    requests are not graded: they may echo the invalid values."""
    op = exchange.operation
    if not exchange.positive or exchange.status != 200 or op.response_schema is None:
        return []
    data = exchange.json()
    if data is None:
        return []  # code_in_body reports it
    code = _body_code(data, CODE_KEY[env.family])
    if code is not None and code != (op.success_code if op.success_code is not None else code):
        return []  # a failure answer: code_in_body and error_body judge it
    if op.success_code is None and code is not None and code not in (0, 200):
        return []
    grade = env.registry.grade(op.response_schema, data)
    if grade.verdict is not Verdict.FAIL:
        return []
    return [
        env.failure(
            "response_schema",
            "response",
            exchange,
            "Answer does not match its schema",
            f"{_describe(exchange)} does not match {op.response_schema}: " + "; ".join(grade.errors[:3]),
        )
    ]


@device_check("credentials_echoed")
def check_credentials_echoed(env: CheckEnv, exchange: Exchange) -> list[Failure]:
    """The device password never comes back in an answer (body or headers)."""
    secret = env.password
    if len(secret) < 4 or exchange.status == 0:
        return []
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    haystacks = [exchange.content.decode("utf-8", errors="replace")]
    haystacks += [f"{k}: {v}" for k, v in exchange.headers.items()]
    if not any(form in text for form in forms for text in haystacks):
        return []
    return [
        env.failure(
            "credentials_echoed",
            "response",
            exchange,
            "Password echoed in the answer",
            f"{_describe(exchange)}: the answer contains the device password (redacted here)",
        )
    ]


def _refused(env: CheckEnv, exchange: Exchange, replay: Replay) -> bool:
    if replay.status in (401, 403) or replay.status >= 400:
        return True
    try:
        data = json.loads(replay.content)
    except (ValueError, UnicodeDecodeError):
        return True  # not an answer the server could act on
    code = _body_code(data, CODE_KEY[env.family])
    success = exchange.operation.success_code
    if success is not None and code is not None and code != success:
        return True
    if exchange.operation.operation_id == "goip_post_sms" and isinstance(data, dict):
        statuses = [s.get("status") for s in data.get("status") or [] if isinstance(s, dict)]
        return bool(statuses) and not any(isinstance(s, str) and s.startswith("0 ") for s in statuses)
    return False


def _accepted(exchange: Exchange, family: str) -> bool:
    if not 200 <= exchange.status < 300:
        return False
    success = exchange.operation.success_code
    return success is None or _body_code(exchange.json(), CODE_KEY[family]) == success


@device_check("ignored_auth")
def check_ignored_auth(env: CheckEnv, exchange: Exchange) -> list[Failure]:
    """A request the device accepted is replayed without credentials and with a wrong password:
    both must be refused (gateway-2.4 §6.3.1.2 "username ... password: Required Y")."""
    op = exchange.operation
    if (
        env.replay is None
        or not op.authenticated
        or op.operation_id in env.auth_checked
        or not _accepted(exchange, env.family)
    ):
        return []
    env.auth_checked.add(op.operation_id)
    found: list[Failure] = []
    for credentials, kind, what in (
        (Credentials.NONE, "missing-credentials", "without credentials"),
        (Credentials.WRONG, "wrong-password", "with a wrong password"),
    ):
        replay = env.replay(exchange, credentials)
        if replay is None or _refused(env, exchange, replay):
            continue
        found.append(
            env.failure(
                "ignored_auth",
                kind,
                exchange,
                f"Authentication ignored ({what})",
                f"{exchange.method.upper()} {op.path} {what} was accepted: HTTP {replay.status} "
                f"{_short(replay.content, 120)}",
            )
        )
    return found
