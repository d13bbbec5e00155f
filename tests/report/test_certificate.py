from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from smsgw.report.certificate import CertificateError, certificate_errors, load_certificate, write_certificate
from smsgw.report.html import write_certificate_html
from tests.report.conftest import CertificateFactory


def test_written_certificate_validates_and_round_trips(
    make_certificate: CertificateFactory, tmp_path: Path
) -> None:
    cert = make_certificate(EJ_A_ONE="PASS", EJ_A_TWO="FAIL", exit_code=1, firmware="1.2.3")
    path = write_certificate(cert, tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert certificate_errors(data) == []
    assert data["target"]["firmware"] == "1.2.3"
    assert data["summary"]["by_level"]["MUST"]["FAIL"] == 1
    assert load_certificate(tmp_path) == cert


def test_a_document_that_is_not_a_certificate_is_refused(tmp_path: Path) -> None:
    (tmp_path / "certificate.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(CertificateError, match="not a valid certificate"):
        load_certificate(tmp_path)
    with pytest.raises(CertificateError, match="cannot read"):
        load_certificate(tmp_path / "missing.json")


def test_html_is_self_contained_and_escaped(make_certificate: CertificateFactory, tmp_path: Path) -> None:
    html = write_certificate_html(make_certificate(EJ_A_ONE="PASS", EJ_A_TWO="FAIL", exit_code=1), tmp_path)
    text = html.read_text(encoding="utf-8")
    assert "<style>" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "NOT CONFORMANT" in text
    assert re.search(r"on \d+ of \d+ applicable requirements checked", text), "coverage next to the verdict"
    assert "not covered by any check" in text
    assert 'href="#EJ-A-TWO"' in text
