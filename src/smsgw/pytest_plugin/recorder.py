"""The recorder: the one place checks' verdicts and evidence enter the event stream.

Everything passes through the run's :class:`~smsgw.report.scrub.Scrubber` first, so no listener
(certificate, Allure, terminal) ever receives a secret.
"""

from __future__ import annotations

from collections import defaultdict

from smsgw.client.scrub import Scrubber
from smsgw.report.events import EventBus, EvidenceAttached, FactRecorded, Recorded
from smsgw.report.model import Evidence, Observation
from smsgw.verdicts import Verdict

#: Evidence larger than this is cut (a hostile device can answer megabytes).
MAX_EVIDENCE_CHARS = 64 * 1024
MAX_MESSAGE_CHARS = 4000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n... [{len(text) - limit} more characters cut]"


class Recorder:
    def __init__(self, bus: EventBus, scrubber: Scrubber) -> None:
        self.bus = bus
        self.scrub = scrubber
        self._by_check: dict[str, list[Observation]] = defaultdict(list)

    def record(
        self, check: str, requirement: str, verdict: Verdict, message: str = "", errata: tuple[str, ...] = ()
    ) -> Observation:
        text = _cut(self.scrub(message[: MAX_MESSAGE_CHARS + 4096]), MAX_MESSAGE_CHARS)
        obs = Observation(check, requirement, verdict, text, errata)
        self._by_check[check].append(obs)
        self.bus.emit(Recorded(obs))
        return obs

    def attach(self, check: str, evidence: Evidence) -> Evidence:
        clean = Evidence(
            evidence.kind,
            self.scrub(evidence.title),
            # cut a little past the limit before scrubbing (a hostile body can be megabytes), then cut
            _cut(self.scrub(evidence.content[: MAX_EVIDENCE_CHARS + 4096]), MAX_EVIDENCE_CHARS),
            evidence.media_type,
        )
        self.bus.emit(EvidenceAttached(check, clean))
        return clean

    def fact(self, key: str, value: str) -> None:
        self.bus.emit(FactRecorded(key, self.scrub(value)))

    def observations(self, check: str) -> list[Observation]:
        return list(self._by_check.get(check, ()))

    def recorded_requirements(self, check: str) -> set[str]:
        return {o.requirement for o in self._by_check.get(check, ())}
