"""The vendor documents the suite is built from, by stable key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    key: str
    family: str
    title: str
    file: str


DOCUMENTS: dict[str, Document] = {
    d.key: d
    for d in (
        Document(
            "ejoin-gateway-2.4",
            "ejoin",
            "Ejoin HTTP API Development Spec 2.4.0",
            "ejoin-gateway-http-api-v2.4.0.txt",
        ),
        Document(
            "ejoin-router-2.2",
            "ejoin",
            "Ejoin MultiWan Router HTTP API 2.2",
            "ejoin-multiwan-router-http-api-v2.2.txt",
        ),
        Document(
            "ejoin-proxy-gateway", "ejoin", "Ejoin Proxy Gateway HTTP API", "ejoin-proxy-gateway-http-api.txt"
        ),
        Document(
            "ejoin-simple-v2",
            "ejoin",
            "Ejoin SMS HTTP API Simple Doc (v2)",
            "ejoin-sms-http-api-simple-v2.txt",
        ),
        Document("dinstar-uc-1.2", "dinstar", "Dinstar UC HTTP API 1.2", "dinstar-uc-http-api-v1.2.txt"),
    )
}
