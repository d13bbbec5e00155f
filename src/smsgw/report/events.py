"""The events a conformance run emits.  The engine (the pytest plugin's recorder) emits them; the
certificate builder, the Allure writer and the terminal summary consume them.

Events carry already-redacted text: a listener never sees a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from smsgw.report.declaration import Declaration
from smsgw.report.model import Evidence, Observation


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    started: str
    target_url: str
    profile: str
    declaration: Declaration
    strict: bool
    allow_destructive: bool
    selection: tuple[str, ...]


@dataclass(frozen=True)
class CheckCollected:
    """A check exists in the suite; ``selected`` is False when the options deselected it."""

    check: str
    requirements: tuple[str, ...]
    selected: bool


@dataclass(frozen=True)
class CheckStarted:
    check: str
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class Recorded:
    observation: Observation


@dataclass(frozen=True)
class EvidenceAttached:
    check: str
    evidence: Evidence


@dataclass(frozen=True)
class FactRecorded:
    """A fact about the target learnt by a check (``firmware`` from dev-status ``ver``, ...)."""

    key: str
    value: str


@dataclass(frozen=True)
class CheckFinished:
    """``outcome`` is pytest's: passed, failed, skipped; ``error`` for a broken fixture."""

    check: str
    outcome: str
    message: str = ""


@dataclass(frozen=True)
class RunFinished:
    finished: str


Event = (
    RunStarted
    | CheckCollected
    | CheckStarted
    | Recorded
    | EvidenceAttached
    | FactRecorded
    | CheckFinished
    | RunFinished
)


class Listener(Protocol):
    def handle(self, event: Event) -> None: ...


class EventBus:
    """Fan events out to listeners, in registration order."""

    def __init__(self, *listeners: Listener) -> None:
        self._listeners: list[Listener] = list(listeners)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(self, event: Event) -> None:
        for listener in self._listeners:
            listener.handle(event)
