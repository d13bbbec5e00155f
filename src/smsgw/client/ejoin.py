"""Typed client of the Ejoin ``goip_*`` API: one method per endpoint, credentials handled.

Credentials: "All URL parameters only appear in the GET request. For POST, it will appear in the
JSON attribute of the body segment" (gateway-2.4 §6.3.1.2), yet every POST example carries
``username``/``password`` in the query string.  ``post_credentials`` chooses: ``"query"`` (the
examples, default), ``"body"`` (the note) or ``"both"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import httpx

from smsgw.client.http import DEFAULT_MAX_BODY, HttpClient, Response

PostCredentials = Literal["query", "body", "both"]
API_VERSION = "1.1"


class EjoinClient(HttpClient):
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 10.0,
        max_body: int = DEFAULT_MAX_BODY,
        post_credentials: PostCredentials = "query",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url, timeout=timeout, max_body=max_body, secrets=(password,), transport=transport
        )
        self.username = username
        self._password = password
        self.post_credentials: PostCredentials = post_credentials

    def __repr__(self) -> str:
        return f"EjoinClient({self.base_url!r}, username={self.username!r}, password='***')"

    # -- plumbing -------------------------------------------------------------------------------
    def _auth(self) -> dict[str, str]:
        return {"username": self.username, "password": self._password}

    def get(self, path: str, *, timeout: float | None = None, **params: Any) -> Response:
        """GET with credentials in the query; ``None`` parameters are left out."""
        return self.request("GET", path, params={**self._auth(), **params}, timeout=timeout)

    def post(self, path: str, body: Any, *, timeout: float | None = None, **params: Any) -> Response:
        """POST a JSON body with credentials placed as :attr:`post_credentials` says."""
        query = dict(params)
        if self.post_credentials in ("query", "both"):
            query = {**self._auth(), **query}
        if self.post_credentials in ("body", "both") and isinstance(body, Mapping):
            body = {**self._auth(), **body}
        return self.request("POST", path, params=query, json_body=body, timeout=timeout)

    def post_form(
        self, path: str, pairs: Sequence[tuple[str, str]], *, timeout: float | None = None, **params: Any
    ) -> Response:
        """POST ``name=value&...`` pairs (``sim_imei(n)=xxx``, gateway-2.4 §6.4.3); credentials in query."""
        body = "&".join(f"{k}={v}" for k, v in pairs)
        return self.request(
            "POST",
            path,
            params={**self._auth(), **params},
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=timeout,
        )

    # -- status notification (gateway-2.4 §4) ---------------------------------------------------
    def get_status(
        self,
        url: str | None = None,
        period: int | None = None,
        *,
        all_sims: int | None = None,
        all_slots: int | None = None,
    ) -> Response:
        return self.get(
            "goip_get_status.html", url=url, period=period, all_sims=all_sims, all_slots=all_slots
        )

    # -- commands (gateway-2.4 §5) --------------------------------------------------------------
    def send_cmd(
        self, commands: Mapping[str, Any] | Sequence[Mapping[str, Any]], *, op: str | None = None
    ) -> Response:
        body: Any = dict(commands) if isinstance(commands, Mapping) else [dict(c) for c in commands]
        return self.post("goip_send_cmd.html", body, version=API_VERSION, op=op)

    def command(self, op: str, ports: str, **extra: Any) -> Response:
        """One ``{"type": "command", "op": ..., "ports": ...}`` (lock, unlock, switch, reset, ...)."""
        return self.send_cmd({"type": "command", "op": op, "ports": ports, **extra})

    def get_params(self, *names: str) -> Response:
        return self.send_cmd({"type": "command", "op": "get", "par_name": list(names)}, op="get")

    def set_params(self, pairs: Sequence[tuple[str, str]]) -> Response:
        return self.post_form("goip_send_cmd.html", pairs, op="set", version=API_VERSION)

    # -- SMS (gateway-2.4 §6) -------------------------------------------------------------------
    def post_sms(self, tasks: Sequence[Mapping[str, Any]], **fields: Any) -> Response:
        return self.post(
            "goip_post_sms.html",
            {"type": "send-sms", "task_num": len(tasks), "tasks": [dict(t) for t in tasks], **fields},
            version=API_VERSION,
        )

    def pause_sms(self, tids: Iterable[int]) -> Response:
        return self.post("goip_pause_sms.html", {"tids": list(tids)})

    def resume_sms(self, tids: Iterable[int]) -> Response:
        return self.post("goip_resume_sms.html", {"tids": list(tids)})

    def remove_sms(self, tids: Iterable[int]) -> Response:
        return self.post("goip_remove_sms.html", {"tids": list(tids)})

    def get_tasks(
        self, port: int | str, pos: int = 0, num: int = 10, *, has_content: int | None = None
    ) -> Response:
        return self.get(
            "goip_get_tasks.html", version=API_VERSION, port=port, pos=pos, num=num, has_content=has_content
        )

    def get_sms(self, sms_id: int | None = None, sms_num: int | None = None) -> Response:
        return self.get("goip_get_sms.html", sms_id=sms_id, sms_num=sms_num)

    # -- statistics (gateway-2.4 §9, §10) -------------------------------------------------------
    def get_sms_stat(self, ports: str = "all", slots: str | None = None, type: int = 0) -> Response:
        return self.get("goip_get_sms_stat.html", version=API_VERSION, ports=ports, slots=slots, type=type)

    def get_call_stat(self, ports: str = "all", slots: str | None = None, type: int = 0) -> Response:
        return self.get("goip_get_call_stat.html", version=API_VERSION, ports=ports, slots=slots, type=type)

    # -- eSIM (gateway-2.4 §12) -----------------------------------------------------------------
    def get_esims(self, ports: str | None = None) -> Response:
        return self.get("goip_get_esims.html", version=API_VERSION, ports=ports)

    def write_esims(self, body: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Response:
        """POST the §12.2.3 JSON array of ``{port, slot, ac, cc}`` items."""
        return self.post("goip_write_esims.html", _json_items(body), version=API_VERSION)

    def delete_esims(self, body: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Response:
        """POST the §12.3.3 JSON array of ``{port, slot}`` items."""
        return self.post("goip_delete_esims.html", _json_items(body), version=API_VERSION)


def _json_items(body: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Any:
    return dict(body) if isinstance(body, Mapping) else [dict(item) for item in body]
