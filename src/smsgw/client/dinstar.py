"""Typed client of the Dinstar UC HTTP API 1.2 (``/api/*``, STK, DRP): one method per endpoint.

Authentication is HTTP digest (dinstar-uc-1.2 §1.4, §27.6: ``curl --anyauth``): httpx answers the
401 challenge itself, so the Authorization header is built inside the transport and never reaches
an :class:`~smsgw.client.http.Exchange` record (the evidence). ``auth="basic"`` sends basic
credentials instead and ``auth="none"`` sends none (the checks of the 401 challenge).

Requests carry JSON bodies (POST) or query strings (GET) as the document's examples do; ports are
the document's 0-based numbers.  HTTPS: ``verify`` is a CA bundle path, ``True`` (system CAs) or
``False`` (the document's ``curl -k``: the gateway's self-signed certificate).
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx

from smsgw.client.http import DEFAULT_MAX_BODY, HttpClient, Response

AuthScheme = Literal["digest", "basic", "none"]


class DinstarClient(HttpClient):
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 10.0,
        max_body: int = DEFAULT_MAX_BODY,
        auth: AuthScheme = "digest",
        verify: bool | str = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url, timeout=timeout, max_body=max_body, secrets=(password,), transport=transport
        )
        self.username = username
        self.auth_scheme: AuthScheme = auth
        credentials: httpx.Auth | None = None
        if auth == "digest":
            credentials = httpx.DigestAuth(username, password)
        elif auth == "basic":
            credentials = httpx.BasicAuth(username, password)
        tls: bool | ssl.SSLContext = (
            ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify
        )
        self._client.close()
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            transport=transport,
            trust_env=False,
            auth=credentials,
            verify=tls,
        )

    def __repr__(self) -> str:
        return f"DinstarClient({self.base_url!r}, username={self.username!r}, auth={self.auth_scheme!r})"

    def __enter__(self) -> DinstarClient:
        return self

    # -- plumbing -------------------------------------------------------------------------------
    def get(self, path: str, *, timeout: float | None = None, **params: Any) -> Response:
        """GET with ``params`` in the query; lists become comma lists (``port=1,2``), ``None`` is
        left out."""
        query = {k: _query_value(v) for k, v in params.items() if v is not None}
        return self.request("GET", path, params=query, timeout=timeout)

    def post(self, path: str, body: Any, *, timeout: float | None = None) -> Response:
        """POST a JSON body (``Content-Type: application/json``)."""
        return self.request("POST", path, json_body=body, timeout=timeout)

    def api(self, endpoint: str, body: Mapping[str, Any] | None = None, **params: Any) -> Response:
        """``/api/<endpoint>``: POST ``body`` when given, else GET with ``params``."""
        if body is not None:
            return self.post(f"api/{endpoint}", {k: v for k, v in body.items() if v is not None})
        return self.get(f"api/{endpoint}", **params)

    # -- SMS (§2-§6, §9) --------------------------------------------------------------------------
    def send_sms(
        self,
        text: str,
        param: Sequence[Mapping[str, Any]],
        *,
        port: Sequence[int] | None = None,
        encoding: str | None = None,
        request_status_report: bool | None = None,
        **extra: Any,
    ) -> Response:
        body: dict[str, Any] = {"text": text, "param": [dict(p) for p in param]}
        for key, value in (
            ("port", list(port) if port is not None else None),
            ("encoding", encoding),
            ("request_status_report", request_status_report),
        ):
            if value is not None:
                body[key] = value
        return self.post("api/send_sms", {**body, **extra})

    def query_sms_result(self, **filters: Any) -> Response:
        """POST ``{number, port, user_id, time_after, time_before}`` (§3.2); none: everything."""
        return self.post("api/query_sms_result", {k: v for k, v in filters.items() if v is not None})

    def query_sms_deliver_status(self, **filters: Any) -> Response:
        return self.post("api/query_sms_deliver_status", {k: v for k, v in filters.items() if v is not None})

    def query_sms_in_queue(self) -> Response:
        return self.get("api/query_sms_in_queue")

    def query_incoming_sms(
        self,
        flag: str | None = None,
        port: Sequence[int] | None = None,
        incoming_sms_id: int | None = None,
    ) -> Response:
        return self.get("api/query_incoming_sms", flag=flag, port=port, incoming_sms_id=incoming_sms_id)

    def stop_sms(self, task_id: int | None) -> Response:
        return self.get("api/stop_sms", task_id=task_id)

    # -- USSD (§7, §8) ------------------------------------------------------------------------------
    def send_ussd(
        self, port: Sequence[int] | None, text: str | None = None, command: str | None = None
    ) -> Response:
        body: dict[str, Any] = {}
        if port is not None:
            body["port"] = list(port)
        if command is not None:
            body["command"] = command
        if text is not None:
            body["text"] = text
        return self.post("api/send_ussd", body)

    def query_ussd_reply(self, port: Sequence[int] | None) -> Response:
        return self.get("api/query_ussd_reply", port=port)

    # -- ports (§10, §11, §18) ----------------------------------------------------------------------
    def get_port_info(self, info_type: Sequence[str] | None, port: Sequence[int] | None = None) -> Response:
        return self.get("api/get_port_info", port=port, info_type=info_type)

    def set_port_info(
        self, port: int | None, action: str | None, param: str | None = None, **extra: Any
    ) -> Response:
        return self.get("api/set_port_info", port=port, action=action, param=param, **extra)

    # -- CDR, status, configuration (§12, §16, §19, §20) ------------------------------------------
    def get_cdr(self, **filters: Any) -> Response:
        return self.post("api/get_cdr", {k: v for k, v in filters.items() if v is not None})

    def get_status(self, what: Sequence[str] = ("performance",)) -> Response:
        return self.post("api/get_status", list(what))

    def get_config(self, **groups: Sequence[int]) -> Response:
        return self.post("api/get_config", {k: list(v) for k, v in groups.items()})

    def set_config(self, body: Mapping[str, Any]) -> Response:
        return self.post("api/set_config", dict(body))

    # -- STK (§13-§15) --------------------------------------------------------------------------------
    def get_stk_view(self, port: int) -> Response:
        return self.get("GetSTKView", port=port)

    def stk_go(self, port: int, **fields: Any) -> Response:
        return self.post("STKGo", {"port": port, **fields})

    def get_stk_frame(self, port: int) -> Response:
        return self.get("GetSTKCurrFrameIndex", port=port)

    # -- MMS (§21-§24), SOCKS5 (§25) -----------------------------------------------------------------
    def mms_configuration(self, port: int, configuration: Mapping[str, str]) -> Response:
        return self.post("api/mms_configuration", {"port": port, "configuration": dict(configuration)})

    def mms_file(self, file_id: int, name: str, content: bytes, content_type: str = "text/plain") -> Response:
        """POST one attachment as multipart/form-data to ``/api/mms_file/file<N>`` (§22)."""
        boundary = "smsgw-suite-boundary-7d2f"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        body = head + content + f"\r\n--{boundary}--\r\n".encode()
        return self.request(
            "POST",
            f"api/mms_file/file{file_id}",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def send_mms(self, port: int, number: str, title: str, file_id: int) -> Response:
        return self.post("api/send_mms", {"port": port, "number": number, "title": title, "file_id": file_id})

    def query_mms_sending_status(self, mms_id: int) -> Response:
        return self.get("api/query_mms_sending_status", mms_id=mms_id)

    def socks5_proxy(self, port: int, state: str) -> Response:
        return self.post("api/socks5_proxy", {"port": port, "state": state})


def _query_value(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


__all__ = ["AuthScheme", "DinstarClient"]
