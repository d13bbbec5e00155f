"""Shared HTTP plumbing for the project's servers (emulator, receiver) and clients."""

from smsgw._http.asgi import BodyTooLargeError, read_body, send_bytes, send_json
from smsgw._http.server import ServerThread, free_port

__all__ = ["BodyTooLargeError", "ServerThread", "free_port", "read_body", "send_bytes", "send_json"]
