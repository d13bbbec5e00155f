"""Client errors: readable, redacted, and never chained to an httpx exception (whose request
object carries the URL with the password in it)."""

from __future__ import annotations


class ClientError(Exception):
    """A call to the device did not produce an HTTP response.  The message is safe to show."""

    title = "client error"

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        self.method = method
        self.url = url
        where = f"{method} {url}: " if method else ""
        super().__init__(f"{self.title}: {where}{message}")


class TargetUnreachable(ClientError):
    """The connection could not be opened (refused, no route, DNS, connect timeout)."""

    title = "target unreachable"


class TargetTimeout(ClientError):
    """The device accepted the connection but did not answer (or stalled) within the timeout."""

    title = "timeout"


class ProtocolViolation(ClientError):
    """The device answered something that is not HTTP, or not the JSON the check needs."""

    title = "protocol error"
