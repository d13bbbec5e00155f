from __future__ import annotations

from smsgw.report.builder import CertificateBuilder
from smsgw.report.declaration import Declaration
from smsgw.report.events import CheckCollected, CheckFinished, FactRecorded, Recorded, RunStarted
from smsgw.report.model import NOT_COVERED, Observation, aggregate
from smsgw.spec.catalog import Catalog
from smsgw.verdicts import Verdict
from tests.report.conftest import CertificateFactory


def _start(strict: bool = False, declaration: Declaration | None = None) -> RunStarted:
    return RunStarted(
        "r",
        "2026-11-22T03:00:00Z",
        "http://dev",
        "gateway-2.4",
        declaration or Declaration.none(),
        strict,
        False,
        (),
    )


def test_worst_verdict_of_the_checks_wins() -> None:
    assert aggregate([Verdict.PASS, Verdict.FAIL, Verdict.NON_STRICT]) is Verdict.FAIL
    assert aggregate([Verdict.PASS, Verdict.NON_STRICT]) is Verdict.NON_STRICT
    assert aggregate([Verdict.SKIPPED, Verdict.PASS]) is Verdict.PASS
    assert aggregate([]) is None


def test_every_catalog_requirement_appears_and_uncovered_ones_say_so(
    make_certificate: CertificateFactory,
) -> None:
    cert = make_certificate(EJ_A_ONE="PASS")
    by_id = cert.by_id()
    assert set(by_id) == {"EJ-A-ONE", "EJ-A-TWO", "EJ-A-SHOULD", "EJ-A-ESIM", "EJ-A-NOBODY"}
    assert by_id["EJ-A-ONE"].verdict == "PASS"
    assert by_id["EJ-A-NOBODY"].verdict == NOT_COVERED
    assert cert.summary()["verdicts"][NOT_COVERED] == 4


def test_should_fail_is_failing_only_when_strict(catalog: Catalog) -> None:
    for strict in (False, True):
        builder = CertificateBuilder(catalog, "1")
        builder.handle(_start(strict))
        builder.handle(CheckCollected("c", ("EJ-A-SHOULD",), True))
        builder.handle(Recorded(Observation("c", "EJ-A-SHOULD", Verdict.FAIL, "no")))
        assert [r.id for r in builder.failing()] == (["EJ-A-SHOULD"] if strict else [])


def test_unclaimed_capability_is_unimplemented_whatever_the_checks_recorded(catalog: Catalog) -> None:
    builder = CertificateBuilder(catalog, "1")
    builder.handle(_start())
    builder.handle(CheckCollected("c", ("EJ-A-ESIM",), True))
    builder.handle(Recorded(Observation("c", "EJ-A-ESIM", Verdict.UNIMPLEMENTED, "not claimed")))
    result = builder.build(0).by_id()["EJ-A-ESIM"]
    assert result.verdict == "UNIMPLEMENTED"
    assert not result.applies
    assert "esim" in result.scope_reason


def test_deselected_and_broken_checks_are_skipped_with_the_reason(catalog: Catalog) -> None:
    builder = CertificateBuilder(catalog, "1")
    builder.handle(_start())
    builder.handle(CheckCollected("deselected", ("EJ-A-ONE",), False))
    builder.handle(CheckCollected("broken", ("EJ-A-TWO",), True))
    builder.handle(CheckFinished("broken", "error", "setup: fixture exploded"))
    cert = builder.build(4)
    assert cert.by_id()["EJ-A-ONE"].checks[0].message == "check not selected in this run"
    assert "fixture exploded" in cert.by_id()["EJ-A-TWO"].checks[0].message
    assert cert.errors == ("broken: setup: fixture exploded",)
    assert cert.outcome == "INCOMPLETE"


def test_firmware_comes_from_the_recorded_fact(catalog: Catalog) -> None:
    builder = CertificateBuilder(catalog, "1")
    builder.handle(_start())
    builder.handle(FactRecorded("firmware", "532-604-924-041-100-000"))
    assert builder.build(0).firmware == "532-604-924-041-100-000"


def test_coverage_counts_only_applicable_requirements_in_the_headline(catalog: Catalog) -> None:
    from dataclasses import replace

    from smsgw.report.html import render_certificate
    from tests.report.conftest import requirement

    other_family = replace(requirement("DS-A-ONE"), family="dinstar")
    builder = CertificateBuilder(Catalog([*catalog.values(), other_family]), "1")
    builder.handle(_start())
    for check, rid in (("c1", "EJ-A-ONE"), ("c2", "DS-A-ONE")):
        builder.handle(CheckCollected(check, (rid,), True))
        builder.handle(Recorded(Observation(check, rid, Verdict.PASS, "ok")))
    cert = builder.build(0)
    summary = cert.summary()
    assert summary["covered"] == 2  # the suite's checks, whatever the family
    assert summary["applicable"] == 4  # the ejoin ones but the unclaimed eSIM one
    assert summary["applicable_covered"] == 1
    assert summary["applicable_covered"] + summary["applicable_not_covered"] == summary["applicable"]
    assert "on 1 of 4 applicable requirements checked" in render_certificate(cert)
