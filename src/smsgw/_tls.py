"""The TLS context the project's HTTP clients share, made once per process."""

from __future__ import annotations

import ssl
from functools import cache

import certifi


@cache
def client_ssl_context() -> ssl.SSLContext:
    """What httpx makes for ``verify=True`` without the environment (``trust_env=False``): certifi's
    CA bundle, hostnames checked.  httpx parses the bundle (~20 ms of CPU) for every client it makes,
    plain HTTP or not, and a test session or a kill matrix makes hundreds of clients; one
    ``ssl.SSLContext`` serves any number of clients and threads."""
    return ssl.create_default_context(cafile=certifi.where())
