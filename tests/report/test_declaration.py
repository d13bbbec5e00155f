from __future__ import annotations

from pathlib import Path

import pytest

from smsgw.report.declaration import (
    Declaration,
    DeclarationError,
    applicability,
    known_capabilities,
    write_declaration,
)
from tests.report.conftest import requirement


def test_declaration_file_loads_and_claims_only_what_it_lists(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(
        "declaration: 1\nprofile: router-2.2\nports: 8\ncapabilities: {proxy: true, esim: false}\n",
        encoding="utf-8",
    )
    decl = Declaration.load(path)
    assert decl.profile == "router-2.2"
    assert decl.claims("proxy")
    assert not decl.claims("esim")
    assert not decl.claims("mms-send")


@pytest.mark.parametrize(
    "body",
    ["declaration: 2\n", "declaration: 1\ncapabilities: {warp-drive: true}\n", "declaration: 1\nports: 0\n"],
)
def test_invalid_declarations_are_refused_with_the_file_named(tmp_path: Path, body: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DeclarationError, match=r"bad\.yaml"):
        Declaration.load(path)


def test_written_declaration_loads_back(tmp_path: Path) -> None:
    decl = Declaration.everything("gateway-2.4")
    loaded = Declaration.load(write_declaration(decl, tmp_path / "d.yaml"))
    assert {k for k, v in loaded.capabilities.items() if v} == set(known_capabilities())


def test_applicability_checks_family_profile_and_capability() -> None:
    none = Declaration.none()
    assert applicability(requirement("EJ-X-CORE"), "gateway-2.4", none).applies
    assert not applicability(requirement("EJ-X-CORE"), "dinstar-uc", none).applies
    router_only = requirement("EJ-X-ROUTER", profiles=("router-2.2",))
    assert not applicability(router_only, "gateway-2.4", none).applies
    assert applicability(router_only, "router-2.2", none).applies
    esim = requirement("EJ-X-ESIM", capability="esim")
    assert "not claimed" in applicability(esim, "gateway-2.4", none).reason
    assert applicability(esim, "gateway-2.4", Declaration(capabilities={"esim": True})).applies


def test_declared_web_page_settings_load_write_back_and_unknown_ones_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("declaration: 1\nsettings: {recv-sms-report: false, sms-control-report: true}\n", "utf-8")
    decl = Declaration.load(path)
    assert decl.setting("recv-sms-report") is False
    assert decl.setting("sms-control-report") is True
    assert decl.setting("traffic-control-report") is None
    assert decl.to_dict()["settings"] == {"recv-sms-report": False, "sms-control-report": True}
    assert Declaration.load(write_declaration(decl, tmp_path / "w.yaml")).settings == decl.settings
    path.write_text("declaration: 1\nsettings: {warp-report: true}\n", "utf-8")
    with pytest.raises(DeclarationError):
        Declaration.load(path)
