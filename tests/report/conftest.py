from __future__ import annotations

from collections.abc import Callable

import pytest

from smsgw.report.builder import CertificateBuilder
from smsgw.report.declaration import Declaration
from smsgw.report.events import CheckCollected, EvidenceAttached, Recorded, RunStarted
from smsgw.report.model import Certificate, Evidence, Observation
from smsgw.spec.catalog import Catalog, Level, Requirement, SpecRef
from smsgw.verdicts import Verdict


def requirement(rid: str, level: Level = Level.MUST, **kwargs: object) -> Requirement:
    return Requirement(
        id=rid,
        level=level,
        title=f"title of {rid}",
        text=f"The device MUST {rid}.",
        area="area",
        refs=(SpecRef("ejoin-gateway-2.4", "4.1.3"),),
        family="ejoin",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(
        [
            requirement("EJ-A-ONE"),
            requirement("EJ-A-TWO"),
            requirement("EJ-A-SHOULD", Level.SHOULD),
            requirement("EJ-A-ESIM", capability="esim"),
            requirement("EJ-A-NOBODY"),
        ]
    )


CertificateFactory = Callable[..., Certificate]


@pytest.fixture
def make_certificate(catalog: Catalog) -> CertificateFactory:
    """A certificate from a verdict per requirement: ``make_certificate(run_id, EJ_A_ONE="PASS", ...)``."""

    def make(
        run_id: str = "run-1", exit_code: int = 0, firmware: str | None = None, **verdicts: str
    ) -> Certificate:
        builder = CertificateBuilder(catalog, "9.9.9")
        builder.handle(
            RunStarted(
                run_id,
                "2026-11-22T03:00:00Z",
                "http://dev/?password=***",
                "gateway-2.4",
                Declaration.none(),
                False,
                False,
                (),
            )
        )
        for key, verdict in verdicts.items():
            rid = key.replace("_", "-")
            check = f"test_x.py::test_{key.lower()}"
            builder.handle(CheckCollected(check, (rid,), True))
            builder.handle(Recorded(Observation(check, rid, Verdict(verdict), f"{rid} said {verdict}")))
            builder.handle(EvidenceAttached(check, Evidence("note", "note <b>", "<script>alert(1)</script>")))
        if firmware:
            from smsgw.report.events import FactRecorded

            builder.handle(FactRecorded("firmware", firmware))
        return builder.build(exit_code)

    return make
