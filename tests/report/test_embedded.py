from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from smsgw.report.embedded import start_embedded_target, without_nagle


def test_without_nagle_sets_tcp_nodelay_on_the_listening_sockets() -> None:
    class Server:
        def __init__(self) -> None:
            self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)

    servers = [Server(), Server()]
    try:
        without_nagle([*servers, None, object()])
        assert all(s._sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in servers)
    finally:
        for s in servers:
            s._sock.close()


@pytest.mark.parametrize(("profile", "nodelay"), [("gateway-2.4", True), ("dinstar-uc", False)])
def test_embedded_target_answers_without_nagle_for_ejoin_only(
    monkeypatch: pytest.MonkeyPatch, profile: str, nodelay: bool
) -> None:
    from smsgw.report import embedded

    seen: list[Any] = []

    def recording(servers: list[Any]) -> None:
        seen.extend(servers)
        without_nagle(servers)

    monkeypatch.setattr(embedded, "without_nagle", recording)
    with start_embedded_target(profile) as target:
        assert httpx.get(target.receiver_url + "/_api/health", timeout=10).status_code == 200
        sockets = [getattr(s, "_sock", None) for s in seen]
        assert bool(sockets) is nodelay
        if nodelay:
            assert len(sockets) == 2  # the device and the receiver
            assert all(
                isinstance(s, socket.socket) and s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                for s in sockets
            )
