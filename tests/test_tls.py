"""smsgw._tls: the clients of a process share one verifying TLS context instead of each parsing the CA
bundle again."""

from __future__ import annotations

import ssl

import pytest

from smsgw._tls import client_ssl_context
from smsgw.client.ejoin import EjoinClient
from smsgw.client.http import HttpClient
from smsgw.receiver.harness import _HttpBackend


def test_the_shared_context_verifies_certificates_and_hostnames() -> None:
    context = client_ssl_context()
    assert context is client_ssl_context()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0


def test_new_clients_load_no_ca_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    client_ssl_context()
    loaded: list[object] = []
    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", lambda self, *a, **k: loaded.append(a))
    clients = [
        HttpClient("http://127.0.0.1:9"),
        EjoinClient("https://127.0.0.1:9", "root", "pw"),
        _HttpBackend("http://127.0.0.1:9"),
    ]
    for client in clients:
        client.close()
    assert loaded == []
