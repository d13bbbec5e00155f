"""The ``check`` fixture: how a conformance test records verdicts against its requirements.

A test names its requirements with ``@pytest.mark.requirement("EJ-...")`` and records what it
observed; the plugin turns the records into verdicts, test outcomes and the certificate::

    @pytest.mark.requirement("EJ-STATUS-DEVSTATUS-SCHEMA")
    def test_dev_status_push_matches_the_message_format(check, receiver, timers):
        push = receiver.wait_for("dev-status", timeout=timers.status_push_wait)
        check.attach_push(push.title, push.body)
        check.schema("ejoin/dev-status.push", push.json)   # PASS, NON-STRICT (errata) or FAIL

Recording never raises: a check may record several verdicts and go on.  A requirement of the test
that has no record when the test ends gets PASS if the test returned normally, FAIL (with the
exception's text) if it raised, SKIPPED if it skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import pytest

from smsgw.client.http import Response
from smsgw.pytest_plugin.recorder import Recorder
from smsgw.report.builder import FIRMWARE_FACT
from smsgw.report.model import Evidence
from smsgw.spec.catalog import Requirement
from smsgw.spec.registry import Grade, SchemaRegistry
from smsgw.verdicts import Verdict


class CheckDefinitionError(Exception):
    """A bug in the check itself (a requirement it does not name, an unknown schema): the run is
    INCOMPLETE, the device is not blamed."""


class Unimplemented(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """The device does not implement what the check needs (recorded as UNIMPLEMENTED)."""


class Check:
    def __init__(
        self,
        nodeid: str,
        requirements: tuple[Requirement, ...],
        recorder: Recorder,
        registry: Callable[[], SchemaRegistry],
    ) -> None:
        self.nodeid = nodeid
        self.requirements = requirements
        self._recorder = recorder
        self._registry = registry

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.requirements)

    def _targets(self, requirement: str | Iterable[str] | None) -> tuple[str, ...]:
        if requirement is None:
            return self.ids
        wanted = (requirement,) if isinstance(requirement, str) else tuple(requirement)
        unknown = [r for r in wanted if r not in self.ids]
        if unknown:
            raise CheckDefinitionError(
                f"{self.nodeid} records {unknown} but its requirement marker names only {list(self.ids)}"
            )
        return wanted

    # -- verdicts -------------------------------------------------------------------------------
    def record(
        self,
        verdict: Verdict,
        message: str = "",
        *,
        requirement: str | Iterable[str] | None = None,
        errata: Iterable[str] = (),
    ) -> None:
        """Record ``verdict`` for ``requirement`` (default: every requirement of the test)."""
        for rid in self._targets(requirement):
            self._recorder.record(self.nodeid, rid, verdict, message, tuple(errata))

    def ok(self, message: str = "", *, requirement: str | Iterable[str] | None = None) -> None:
        self.record(Verdict.PASS, message, requirement=requirement)

    def fail(self, message: str, *, requirement: str | Iterable[str] | None = None) -> None:
        self.record(Verdict.FAIL, message, requirement=requirement)

    def non_strict(
        self, message: str, errata: Iterable[str], *, requirement: str | Iterable[str] | None = None
    ) -> None:
        """The device deviates the way the errata ``errata`` tolerate."""
        self.record(Verdict.NON_STRICT, message, requirement=requirement, errata=errata)

    def info(self, message: str, *, requirement: str | Iterable[str] | None = None) -> None:
        self.record(Verdict.INFO, message, requirement=requirement)

    def expect(
        self, condition: bool, message: str, *, requirement: str | Iterable[str] | None = None
    ) -> bool:
        """PASS if ``condition`` else FAIL with ``message``; returns ``condition``."""
        self.record(
            Verdict.PASS if condition else Verdict.FAIL, "" if condition else message, requirement=requirement
        )
        return condition

    def schema(
        self, name: str, instance: Any, *, requirement: str | Iterable[str] | None = None, what: str = ""
    ) -> Grade:
        """Grade ``instance`` against a message schema: PASS, NON-STRICT (errata) or FAIL.

        ``instance`` is a JSON value or a client :class:`~smsgw.client.http.Response`: then its body
        is graded, and a body that is not JSON (cut short, not UTF-8, larger than the read limit)
        FAILs with that reason instead of "None is not of type 'object'".
        """
        registry = self._registry()
        if name not in registry:
            raise CheckDefinitionError(f"{self.nodeid}: no schema named {name!r}")
        subject = what or name
        if isinstance(instance, Response):
            problem = instance.json_error
            if problem is not None:
                grade = Grade(name, Verdict.FAIL, errors=(problem,))
                message = f"{subject}: the answer is not a JSON document: {problem}"
                self.record(Verdict.FAIL, message, requirement=requirement)
                return grade
            instance = instance.data
        grade = registry.grade(name, instance)
        if grade.verdict is Verdict.PASS:
            message = ""
        elif grade.verdict is Verdict.NON_STRICT:
            message = f"{subject}: tolerated by {', '.join(grade.errata)}"
        else:
            against = "" if subject == name else f" {name}"
            message = f"{subject} does not match{against}: " + "; ".join(grade.errors[:5])
        self.record(grade.verdict, message, requirement=requirement, errata=grade.errata)
        return grade

    def unimplemented(self, reason: str, *, requirement: str | Iterable[str] | None = None) -> NoReturn:
        """Record UNIMPLEMENTED (the device says it does not support this) and stop the test."""
        self.record(Verdict.UNIMPLEMENTED, reason, requirement=requirement)
        raise Unimplemented(reason)

    def skip(self, reason: str) -> NoReturn:
        """Record SKIPPED for the requirements not recorded yet and stop the test."""
        pytest.skip(reason)

    # -- evidence -------------------------------------------------------------------------------
    def attach(
        self, title: str, content: str | bytes, *, kind: str = "note", media_type: str = "text/plain"
    ) -> None:
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        self._recorder.attach(self.nodeid, Evidence(kind, title, content, media_type))

    def attach_json(self, title: str, data: Any, *, kind: str = "json") -> None:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        self.attach(title, text, kind=kind, media_type="application/json")

    def attach_push(self, title: str, body: str | bytes) -> None:
        self.attach(title, body, kind="push")

    def attach_exchange(self, exchange: Any) -> None:
        """Attach a client exchange (anything with ``title`` and ``render()``, already redacted)."""
        self.attach(str(exchange.title), str(exchange.render()), kind="exchange", media_type="text/plain")

    # -- facts ----------------------------------------------------------------------------------
    def fact(self, key: str, value: object) -> None:
        """A fact about the target for the certificate (e.g. ``imei``, ``model``)."""
        self._recorder.fact(key, str(value))

    def firmware(self, version: object) -> None:
        """The firmware version, as the device reports it (dev-status ``ver``)."""
        self.fact(FIRMWARE_FACT, version)
