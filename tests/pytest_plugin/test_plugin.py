"""The plugin end to end: verdict mapping, scoping, exit codes, selection, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pytest_plugin.conftest import Run, Suite, non_strict_case

SAMPLE = """
import pytest

@pytest.mark.requirement("EJ-T-MUST-A")
def test_records_pass(check):
    check.ok("did A")

@pytest.mark.requirement("EJ-T-MUST-A")
def test_returning_normally_passes_unrecorded_requirements():
    assert 1 + 1 == 2

@pytest.mark.requirement("EJ-T-SCHEMA")
def test_schema_grade_comes_from_the_registry(check):
    grade = check.schema(SCHEMA, INSTANCE)
    check.attach_json("instance", INSTANCE)

@pytest.mark.requirement("EJ-T-MUST-B")
def test_recorded_fail(check):
    check.fail("answered code 7 where 0 is required")

@pytest.mark.requirement("EJ-T-SHOULD-A")
def test_should_assertion(check):
    assert 1 == 2, "S was not done"

@pytest.mark.requirement("EJ-T-INFO")
def test_info(check):
    check.info("the device reports X=3")

@pytest.mark.requirement("EJ-T-ESIM")
def test_esim(check):
    check.ok()

@pytest.mark.requirement("EJ-T-ROUTER")
def test_router_only():
    pass

@pytest.mark.requirement("EJ-T-DESTRUCTIVE")
def test_reboot(check, restore):
    restore.push("nothing to undo", lambda: None)
    check.ok("rebooted")
"""


def _write_sample(suite: Suite) -> None:
    schema, instance, _ = non_strict_case()
    suite.write(
        "test_sample.py",
        f"SCHEMA = {schema!r}\nINSTANCE = {json.dumps(instance)!r}\n"
        + "import json\nINSTANCE = json.loads(INSTANCE)\n"
        + SAMPLE,
    )


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    suite = Suite(tmp_path_factory.mktemp("default"))
    _write_sample(suite)
    declaration = suite.declaration(profile="gateway-2.4", capabilities={"esim": False})
    return suite.run("--declaration", str(declaration))


def test_must_fail_makes_exit_code_1(default_run: Run) -> None:
    assert default_run.returncode == 1, default_run.stdout + default_run.stderr
    assert default_run.certificate()["run"]["outcome"] == "NOT CONFORMANT"
    assert "FAIL EJ-T-MUST-B [MUST]" in default_run.stdout


def test_verdicts_map_from_records_and_scope(default_run: Run) -> None:
    verdicts = default_run.verdicts()
    assert verdicts["EJ-T-MUST-A"] == "PASS"
    assert verdicts["EJ-T-SCHEMA"] == "NON-STRICT"
    assert verdicts["EJ-T-MUST-B"] == "FAIL"
    assert verdicts["EJ-T-SHOULD-A"] == "FAIL"
    assert verdicts["EJ-T-INFO"] == "INFO"
    assert verdicts["EJ-T-ESIM"] == "UNIMPLEMENTED"
    assert verdicts["EJ-T-ROUTER"] == "UNIMPLEMENTED"
    assert verdicts["EJ-T-DESTRUCTIVE"] == "SKIPPED"
    assert verdicts["EJ-T-UNCOVERED"] == "NOT-COVERED"
    assert verdicts["DS-T-OTHER"] == "NOT-COVERED"


def test_non_strict_names_the_errata_that_tolerate_it(default_run: Run) -> None:
    _, _, errata = non_strict_case()
    req = default_run.requirement("EJ-T-SCHEMA")
    assert req["errata"]
    assert set(errata) <= set(req["errata"])
    assert req["checks"][0]["evidence"][0]["kind"] == "json"


def test_two_checks_of_one_requirement_both_appear(default_run: Run) -> None:
    checks = default_run.requirement("EJ-T-MUST-A")["checks"]
    assert len(checks) == 2
    assert {c["verdict"] for c in checks} == {"PASS"}


def test_should_failure_is_reported_but_does_not_fail_without_strict(default_run: Run) -> None:
    req = default_run.requirement("EJ-T-SHOULD-A")
    assert req["failing"] is False
    assert "S was not done" in req["message"]
    assert "1 xfailed" in default_run.stdout


def test_unclaimed_capability_and_other_profile_say_why(default_run: Run) -> None:
    esim = default_run.requirement("EJ-T-ESIM")
    assert esim["applies"] is False
    assert "'esim' not claimed" in esim["message"]
    assert "router-2.2" in default_run.requirement("EJ-T-ROUTER")["scope_reason"]
    assert default_run.requirement("DS-T-OTHER")["applies"] is False


def test_destructive_check_is_skipped_with_the_reason(default_run: Run) -> None:
    req = default_run.requirement("EJ-T-DESTRUCTIVE")
    assert "--allow-destructive" in req["message"]


def test_junit_and_html_are_written_beside_the_certificate(default_run: Run) -> None:
    assert (default_run.report_dir / "certificate.html").is_file()
    junit = (default_run.report_dir / "junit.xml").read_text(encoding="utf-8")
    assert '<property name="smsgw:requirement" value="EJ-T-SCHEMA"' in junit
    assert '<property name="smsgw:verdict:EJ-T-SCHEMA" value="NON-STRICT"' in junit
    assert '<property name="smsgw:verdict:EJ-T-ESIM" value="UNIMPLEMENTED"' in junit


def test_strict_makes_should_failures_fail_the_run(suite: Suite) -> None:
    _write_sample(suite)
    run = suite.run("--strict-conformance", "--requirements", "EJ-T-SHOULD-*")
    assert run.returncode == 1, run.stdout
    assert run.requirement("EJ-T-SHOULD-A")["failing"] is True


def test_pytest_strict_option_also_means_strict_conformance(suite: Suite) -> None:
    _write_sample(suite)
    run = suite.run("--strict", "--requirements", "EJ-T-SHOULD-*")
    assert run.returncode == 1, run.stdout
    assert run.certificate()["run"]["strict"] is True


def test_selection_by_pattern_marks_the_rest_not_selected(suite: Suite) -> None:
    _write_sample(suite)
    run = suite.run("--requirements", "EJ-T-SHOULD-*", "--requirements", "EJ-T-INFO")
    assert run.returncode == 0, run.stdout
    req = run.requirement("EJ-T-MUST-B")
    assert req["verdict"] == "SKIPPED"
    assert req["checks"][0]["message"] == "check not selected in this run"
    assert run.certificate()["run"]["selection"] == ["EJ-T-SHOULD-*", "EJ-T-INFO"]


def test_allow_destructive_and_claimed_capability_run_those_checks(suite: Suite) -> None:
    _write_sample(suite)
    declaration = suite.declaration(capabilities={"esim": True})
    run = suite.run("--declaration", str(declaration), "--allow-destructive", "--requirements", "EJ-T-[ED]*")
    assert run.returncode == 0, run.stdout
    assert run.verdicts()["EJ-T-ESIM"] == "PASS"
    assert run.verdicts()["EJ-T-DESTRUCTIVE"] == "PASS"


def test_unknown_requirement_id_is_refused_at_collection(suite: Suite) -> None:
    suite.write(
        "test_typo.py",
        """
        import pytest

        @pytest.mark.requirement("EJ-T-MUST-C")
        def test_typo():
            pass
    """,
    )
    run = suite.run()
    assert run.returncode == 2
    assert "unknown requirement id 'EJ-T-MUST-C'" in run.stdout + run.stderr
    assert "did you mean" in run.stdout + run.stderr


def test_check_without_requirement_marker_is_refused(suite: Suite) -> None:
    suite.write("test_bare.py", "def test_bare():\n    pass\n")
    run = suite.run()
    assert run.returncode == 2
    assert "every check names its requirements" in run.stdout + run.stderr


def test_invalid_declaration_is_a_usage_error(suite: Suite) -> None:
    suite.write(
        "test_ok.py", "import pytest\n\n@pytest.mark.requirement('EJ-T-MUST-A')\ndef test_ok():\n    pass\n"
    )
    declaration = suite.declaration(capabilities={"teleportation": True})
    run = suite.run("--declaration", str(declaration))
    assert run.returncode == 2
    assert "declaration" in run.stdout + run.stderr


def test_unreachable_target_exits_3(suite: Suite, tmp_path: Path) -> None:
    from smsgw._http import free_port

    suite.write(
        "test_needs_target.py",
        """
        import pytest

        @pytest.mark.requirement("EJ-T-MUST-A")
        def test_uses_target(target):
            pass
    """,
    )
    run = suite.run("--target", f"http://127.0.0.1:{free_port()}", "--call-timeout", "2")
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.certificate()["run"]["outcome"] == "INCOMPLETE"


def test_all_passing_run_exits_0_and_is_conformant(suite: Suite) -> None:
    suite.write(
        "test_ok.py", "import pytest\n\n@pytest.mark.requirement('EJ-T-MUST-A')\ndef test_ok():\n    pass\n"
    )
    run = suite.run()
    assert run.returncode == 0, run.stdout
    assert run.certificate()["run"]["outcome"] == "CONFORMANT"


def test_nothing_selected_exits_5(suite: Suite) -> None:
    suite.write(
        "test_ok.py", "import pytest\n\n@pytest.mark.requirement('EJ-T-MUST-A')\ndef test_ok():\n    pass\n"
    )
    run = suite.run("--requirements", "EJ-NOTHING-*")
    assert run.returncode == 5, run.stdout


def test_broken_fixture_makes_the_run_incomplete(suite: Suite) -> None:
    suite.write(
        "test_broken.py",
        """
import pytest

@pytest.fixture
def broken():
    raise RuntimeError("bench power supply off")

@pytest.mark.requirement("EJ-T-MUST-A")
def test_needs_broken(broken):
    pass
""",
    )
    run = suite.run()
    assert run.returncode == 4, run.stdout
    cert = run.certificate()
    assert cert["run"]["outcome"] == "INCOMPLETE"
    assert "bench power supply off" in cert["run"]["errors"][0]
    assert run.verdicts()["EJ-T-MUST-A"] == "SKIPPED"


def test_a_broken_check_is_a_suite_error_not_a_device_failure(suite: Suite) -> None:
    suite.write(
        "test_wrong.py",
        """
import pytest

@pytest.mark.requirement("EJ-T-MUST-A")
def test_records_for_another_requirement(check):
    check.ok(requirement="EJ-T-MUST-B")

@pytest.mark.requirement("EJ-T-MUST-B")
def test_unknown_schema(check):
    check.schema("ejoin/no-such-message", {})
""",
    )
    run = suite.run()
    assert run.returncode == 4, run.stdout
    errors = run.certificate()["run"]["errors"]
    assert any("names only ['EJ-T-MUST-A']" in e for e in errors)
    assert any("no schema named 'ejoin/no-such-message'" in e for e in errors)
    assert run.verdicts()["EJ-T-MUST-A"] == "SKIPPED"
