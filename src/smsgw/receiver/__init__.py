"""The push receiver: the SMS-server side that devices push status, SMS and events to.

Public API (the conformance suite, the load profiles and tools use these)::

    from smsgw.receiver import start_receiver, MessageFilter

    with start_receiver() as rx:                      # in-process, free loopback port, temp DB
        device.configure(url=rx.push_url("dev1"))
        mark = rx.mark()
        ...
        msg = rx.wait_for(type="port-status", device="dev1", after=mark, timeout=30)
        assert msg.verdict.ok, msg.errors

``start_receiver(db, mode="subprocess")`` runs ``smsgw receive`` in a child process instead;
``connect(url)`` attaches to a receiver started elsewhere. :class:`Receiver` and
:class:`ReceiverApp` are the pieces for embedding (an ASGI app over a store; with uvicorn, pass
``http=smsgw.receiver.protocol.uvicorn_http(app)`` for the push fast path).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smsgw.receiver.app import ReceiverApp
    from smsgw.receiver.classify import TYPES, Classified, PushRejected, classify
    from smsgw.receiver.core import Receiver, ReceiverConfig, WaitTimeoutError
    from smsgw.receiver.harness import RunningReceiver, connect, start_receiver
    from smsgw.receiver.store import Message, MessageFilter

# Lazy: ``smsgw --help`` imports smsgw.receiver.cli, which must not pull in uvicorn, httpx, SQLite.
_EXPORTS = {
    "ReceiverApp": "app",
    "TYPES": "classify",
    "Classified": "classify",
    "PushRejected": "classify",
    "classify": "classify",
    "Receiver": "core",
    "ReceiverConfig": "core",
    "WaitTimeoutError": "core",
    "RunningReceiver": "harness",
    "connect": "harness",
    "start_receiver": "harness",
    "Message": "store",
    "MessageFilter": "store",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'smsgw.receiver' has no attribute {name!r}")
    return getattr(importlib.import_module(f"smsgw.receiver.{module}"), name)


__all__ = [
    "TYPES",
    "Classified",
    "Message",
    "MessageFilter",
    "PushRejected",
    "Receiver",
    "ReceiverApp",
    "ReceiverConfig",
    "RunningReceiver",
    "WaitTimeoutError",
    "classify",
    "connect",
    "start_receiver",
]
