"""Typed HTTP clients for checks: explicit timeouts, capped reads, redacted evidence records."""

from smsgw.client.dinstar import DinstarClient
from smsgw.client.ejoin import EjoinClient
from smsgw.client.errors import ClientError, ProtocolViolation, TargetTimeout, TargetUnreachable
from smsgw.client.http import Exchange, HttpClient, Response
from smsgw.client.scrub import Scrubber

__all__ = [
    "ClientError",
    "DinstarClient",
    "EjoinClient",
    "Exchange",
    "HttpClient",
    "ProtocolViolation",
    "Response",
    "Scrubber",
    "TargetTimeout",
    "TargetUnreachable",
]
