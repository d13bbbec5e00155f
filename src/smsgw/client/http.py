"""A small synchronous HTTP layer for checks: explicit timeouts, capped reads, redacted records.

Every call has a connect/read/write timeout and an overall deadline (a device that trickles one byte
at a time still times out); a body larger than ``max_body`` is cut and flagged, never read whole;
JSON is parsed lazily and a parse failure is a value, not an exception.  :class:`Exchange` is the
redacted record of a call used as evidence: the password never appears in it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from smsgw._tls import client_ssl_context
from smsgw.client.errors import ClientError, ProtocolViolation, TargetTimeout, TargetUnreachable
from smsgw.client.scrub import Scrubber
from smsgw.redact import redact_mapping, redact_url

DEFAULT_MAX_BODY = 1024 * 1024
#: How much of a body goes into an exchange record.
EVIDENCE_BODY_CHARS = 16 * 1024
_MISSING = object()


def _render_body(body: bytes, limit: int = EVIDENCE_BODY_CHARS) -> str:
    text = body[:limit].decode("utf-8", errors="replace")
    return text if len(body) <= limit else text + f"\n... [{len(body) - limit} more bytes]"


@dataclass(frozen=True)
class Exchange:
    """The redacted record of one request and its response (or the error instead)."""

    method: str
    url: str
    request_headers: Mapping[str, str]
    request_body: str
    status: int | None = None
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: str = ""
    elapsed: float = 0.0
    error: str | None = None

    @property
    def title(self) -> str:
        outcome = self.error or f"HTTP {self.status}"
        return f"{self.method} {self.url.split('?', 1)[0]} -> {outcome}"

    def render(self) -> str:
        lines = [f"{self.method} {self.url}"]
        lines += [f"{k}: {v}" for k, v in self.request_headers.items()]
        if self.request_body:
            lines += ["", self.request_body]
        lines.append("")
        if self.error:
            lines.append(f"error after {self.elapsed:.3f} s: {self.error}")
        else:
            lines.append(f"HTTP {self.status} ({self.elapsed:.3f} s)")
            lines += [f"{k}: {v}" for k, v in self.response_headers.items()]
            lines += ["", self.response_body]
        return "\n".join(lines)


@dataclass(frozen=True)
class Response:
    """A device's answer: status, headers, raw bytes (possibly cut), parsed JSON or a parse error."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    raw: bytes
    truncated: bool
    elapsed: float
    exchange: Exchange
    _json: Any = field(default=_MISSING, repr=False)
    _json_error: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")

    @property
    def json_error(self) -> str | None:
        """Why the body is not JSON (``None`` when it parsed)."""
        self._parse()
        return self._json_error

    @property
    def data(self) -> Any:
        """The parsed JSON body, or ``None`` when it did not parse (see :attr:`json_error`)."""
        self._parse()
        return None if self._json is _MISSING else self._json

    def json(self) -> Any:
        """The parsed JSON body; :class:`ProtocolViolation` with a readable reason otherwise."""
        self._parse()
        if self._json_error is not None:
            raise ProtocolViolation(self._json_error, method=self.method, url=self.url)
        return self._json

    def _parse(self) -> None:
        if self._json is not _MISSING or self._json_error is not None:
            return
        if self.truncated:
            error = f"body larger than {len(self.raw)} bytes (read cut there), not parsed"
            object.__setattr__(self, "_json_error", error)
            return
        try:
            object.__setattr__(self, "_json", json.loads(self.raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            object.__setattr__(self, "_json_error", f"body is not UTF-8: {exc.reason} at byte {exc.start}")
        except ValueError as exc:
            excerpt = _render_body(self.raw, 120).replace("\n", "\\n")
            object.__setattr__(self, "_json_error", f"body is not JSON ({exc}); starts with {excerpt!r}")


class HttpClient:
    """Synchronous client for one device; ``secrets`` are scrubbed from every record and message."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 10.0,
        max_body: int = DEFAULT_MAX_BODY,
        secrets: tuple[str, ...] = (),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_body = max_body
        self._scrub = Scrubber(secrets)
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
            trust_env=False,
            verify=client_ssl_context(),
        )
        self.listeners: list[Callable[[Exchange], None]] = []
        self.exchanges: list[Exchange] = []

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def redact(self, text: str) -> str:
        return self._scrub(text)

    def _record(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        for listener in list(self.listeners):
            listener(exchange)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        """One call; raises only :class:`ClientError` subclasses, with redacted messages."""
        params = {k: v for k, v in (params or {}).items() if v is not None}
        url = f"{self.base_url}/{path.lstrip('/')}"
        full_url = f"{url}?{urlencode(params, doseq=True)}" if params else url
        shown_url = self._scrub(redact_url(full_url))
        send_headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            send_headers.setdefault("Content-Type", "application/json; charset=utf-8")
            shown_body = json.dumps(
                redact_mapping(json_body) if isinstance(json_body, Mapping) else json_body, ensure_ascii=False
            )
        else:
            body = content.encode("utf-8") if isinstance(content, str) else (content or b"")
            shown_body = _render_body(body)
        shown_body = self._scrub(shown_body)
        shown_headers = {
            k: ("***" if k.lower() in {"authorization", "cookie"} else self._scrub(v))
            for k, v in send_headers.items()
        }
        limit = timeout or self.timeout
        started = time.monotonic()

        def failed(error: ClientError) -> ClientError:
            self._record(
                Exchange(
                    method,
                    shown_url,
                    shown_headers,
                    shown_body,
                    elapsed=time.monotonic() - started,
                    error=str(error),
                )
            )
            return error

        try:
            with self._client.stream(
                method, full_url, content=body or None, headers=send_headers, timeout=httpx.Timeout(limit)
            ) as resp:
                chunks: list[bytes] = []
                size = 0
                truncated = False
                for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > self.max_body:
                        truncated = True
                        break
                    if time.monotonic() - started > limit:
                        raise failed(
                            TargetTimeout(
                                f"no complete response within {limit:g} s (got {size} bytes so far)",
                                method=method,
                                url=shown_url,
                            )
                        )
                raw = b"".join(chunks)[: self.max_body] if truncated else b"".join(chunks)
                status, resp_headers = resp.status_code, dict(resp.headers)
        except ClientError:
            raise
        except httpx.ConnectTimeout:
            raise failed(
                TargetUnreachable(f"connect timed out after {limit:g} s", method=method, url=shown_url)
            ) from None
        except httpx.ConnectError as exc:
            raise failed(
                TargetUnreachable(self._scrub(str(exc)) or "connection failed", method=method, url=shown_url)
            ) from None
        except httpx.TimeoutException:
            raise failed(
                TargetTimeout(f"no response within {limit:g} s", method=method, url=shown_url)
            ) from None
        except (httpx.HTTPError, httpx.StreamError) as exc:
            raise failed(
                ProtocolViolation(self._scrub(f"{type(exc).__name__}: {exc}"), method=method, url=shown_url)
            ) from None
        elapsed = time.monotonic() - started
        shown_resp_body = self._scrub(_render_body(raw))
        if truncated:
            shown_resp_body += f"\n... [body cut at {self.max_body} bytes]"
        exchange = Exchange(
            method,
            shown_url,
            shown_headers,
            shown_body,
            status,
            {k: self._scrub(v) for k, v in resp_headers.items()},
            shown_resp_body,
            elapsed,
        )
        self._record(exchange)
        return Response(method, shown_url, status, resp_headers, raw, truncated, elapsed, exchange)
