from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from smsgw.cli import app
from smsgw.report.certificate import write_certificate
from smsgw.report.diff import diff_certificates, render_diff_text
from smsgw.report.table import render_table
from tests.report.conftest import CertificateFactory

runner = CliRunner()


def _pair(make_certificate: CertificateFactory) -> tuple:  # type: ignore[type-arg]
    before = make_certificate("build-1", EJ_A_ONE="PASS", EJ_A_TWO="FAIL", EJ_A_SHOULD="PASS", exit_code=1)
    after = make_certificate(
        "build-2", EJ_A_ONE="FAIL", EJ_A_TWO="PASS", EJ_A_SHOULD="NON-STRICT", exit_code=1
    )
    return before, after


def test_diff_sorts_changes_into_newly_failing_newly_passing_and_changed(
    make_certificate: CertificateFactory,
) -> None:
    diff = diff_certificates(*_pair(make_certificate))
    assert [c.requirement for c in diff.newly_failing] == ["EJ-A-ONE"]
    assert [c.requirement for c in diff.newly_passing] == ["EJ-A-TWO"]
    assert [(c.requirement, c.before, c.after) for c in diff.changed] == [
        ("EJ-A-SHOULD", "PASS", "NON-STRICT")
    ]
    assert diff.regression
    assert "EJ-A-ONE [MUST] PASS -> FAIL" in render_diff_text(diff)


def test_diff_cli_exits_1_on_regression_and_0_otherwise(
    make_certificate: CertificateFactory, tmp_path: Path
) -> None:
    before, after = _pair(make_certificate)
    a, b = write_certificate(before, tmp_path / "a"), write_certificate(after, tmp_path / "b")
    regressed = runner.invoke(app, ["report", "diff", str(a), str(b)])
    assert regressed.exit_code == 1, regressed.output
    assert "newly failing (1)" in regressed.output
    improved = runner.invoke(app, ["report", "diff", str(tmp_path / "b"), str(tmp_path / "a"), "--json"])
    assert improved.exit_code == 1  # b -> a makes EJ-A-TWO fail again
    same = runner.invoke(app, ["report", "diff", str(a), str(a)])
    assert same.exit_code == 0
    assert "unchanged: 5" in same.output


def test_diff_cli_exits_2_on_an_unreadable_certificate(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "diff", str(tmp_path / "nope.json"), str(tmp_path / "nope.json")])
    assert result.exit_code == 2


def test_table_has_requirements_as_rows_and_runs_as_columns(make_certificate: CertificateFactory) -> None:
    before, after = _pair(make_certificate)
    html = render_table([before, after], ["build-1", "build-2"])
    assert html.count("<tr><td") == 5
    row = re.search(r"<code>EJ-A-ONE</code>.*?</tr>", html, re.S)
    assert row is not None
    assert row.group(0).index("v-PASS") < row.group(0).index("v-FAIL")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)


def test_table_cli_writes_html_and_exit_code_says_if_any_run_is_not_conformant(
    make_certificate: CertificateFactory, tmp_path: Path
) -> None:
    good = write_certificate(make_certificate("good", EJ_A_ONE="PASS"), tmp_path / "good")
    bad = write_certificate(make_certificate("bad", EJ_A_ONE="FAIL", exit_code=1), tmp_path / "bad")
    out = tmp_path / "matrix.html"
    assert runner.invoke(app, ["report", "table", str(good), "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["report", "table", str(good), str(tmp_path / "bad"), "-o", str(out)])
    assert result.exit_code == 1
    assert "good" in out.read_text(encoding="utf-8")
    assert bad.is_file()
