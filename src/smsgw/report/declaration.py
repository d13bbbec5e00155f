"""The device declaration (PICS-style): what a device claims, and so which requirements apply.

A declaration is a small YAML file validated by ``schemas/meta/declaration.schema.json``::

    declaration: 1
    device: {vendor: Ejoin, model: EIM-432, firmware: "20-01-2025"}
    profile: gateway-2.4
    ports: 32
    slots: 4
    capabilities: {esim: true, mms-send: false, sms-statistics: true}
    settings: {recv-sms-report: false}   # web-page configuration the API cannot read (optional)

A requirement with a ``capability`` the device does not claim is UNIMPLEMENTED, never FAIL.
Without a declaration a device claims no optional capability: only the core requirements of its
profile apply.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from smsgw._data import schemas_dir
from smsgw.spec.catalog import Requirement
from smsgw.spec.yamlio import DataFileError, load_yaml_checked

#: Profile name -> API family.  The profile names are the catalog's ``profiles`` values.
PROFILE_FAMILY: Mapping[str, str] = {
    "gateway-2.4": "ejoin",
    "router-2.2": "ejoin",
    "proxy-gateway": "ejoin",
    "simple-v2": "ejoin",
    "dinstar-uc": "dinstar",
}
PROFILES: tuple[str, ...] = tuple(PROFILE_FAMILY)
DEFAULT_PROFILE = "gateway-2.4"


class DeclarationError(ValueError):
    """A declaration file that does not load or does not match its schema."""


@cache
def known_capabilities() -> frozenset[str]:
    """Capability names, from the requirement catalog's schema (the single list)."""
    meta = json.loads((schemas_dir() / "meta" / "requirements.schema.json").read_text(encoding="utf-8"))
    return frozenset(meta["$defs"]["requirement"]["properties"]["capability"]["enum"])


@dataclass(frozen=True)
class Declaration:
    """What a device claims.  ``source`` is the file it came from (``None``: built in code)."""

    profile: str | None = None
    capabilities: Mapping[str, bool] = field(default_factory=dict)
    device: Mapping[str, str] = field(default_factory=dict)
    ports: int | None = None
    slots: int | None = None
    source: str | None = None
    #: web-page configuration the user states (``settings:``), e.g. ``{"recv-sms-report": False}``
    settings: Mapping[str, bool] = field(default_factory=dict)

    def claims(self, capability: str) -> bool:
        return bool(self.capabilities.get(capability, False))

    def setting(self, name: str) -> bool | None:
        """A declared web-page setting; None when the declaration does not state it."""
        return self.settings.get(name)

    @classmethod
    def none(cls) -> Declaration:
        """No declaration given: only core requirements apply."""
        return cls()

    @classmethod
    def everything(cls, profile: str, source: str = "built-in: every capability") -> Declaration:
        """Claims every capability (the embedded emulator implements them all)."""
        return cls(
            profile=profile, capabilities=dict.fromkeys(sorted(known_capabilities()), True), source=source
        )

    @classmethod
    def load(cls, path: Path) -> Declaration:
        try:
            data = load_yaml_checked(path, "meta/declaration")
        except (DataFileError, OSError) as exc:
            raise DeclarationError(f"declaration {path}: {exc}") from exc
        return cls(
            profile=data.get("profile"),
            capabilities=dict(data.get("capabilities", {})),
            device={k: str(v) for k, v in data.get("device", {}).items()},
            ports=data.get("ports"),
            slots=data.get("slots"),
            source=str(path),
            settings=dict(data.get("settings", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "profile": self.profile,
            "device": dict(self.device),
            "ports": self.ports,
            "slots": self.slots,
            "capabilities": dict(sorted(self.capabilities.items())),
            "settings": dict(sorted(self.settings.items())),
        }


@dataclass(frozen=True)
class Applicability:
    applies: bool
    reason: str = ""


def applicability(requirement: Requirement, profile: str, declaration: Declaration) -> Applicability:
    """Whether a requirement applies to a target of ``profile`` with ``declaration``, and why not."""
    family = PROFILE_FAMILY[profile]
    if requirement.family != family:
        return Applicability(
            False, f"{requirement.family} requirement; the target's profile {profile} is {family}"
        )
    if requirement.profiles and profile not in requirement.profiles:
        return Applicability(
            False, f"applies to profile {', '.join(requirement.profiles)}; the target's profile is {profile}"
        )
    if requirement.capability and not declaration.claims(requirement.capability):
        return Applicability(
            False, f"capability {requirement.capability!r} not claimed by the device declaration"
        )
    return Applicability(True)


def write_declaration(declaration: Declaration, path: Path) -> Path:
    """Write ``declaration`` as a declaration file (for handing a built-in one to a pytest run)."""
    import yaml

    data: dict[str, Any] = {"declaration": 1}
    if declaration.device:
        data["device"] = dict(declaration.device)
    if declaration.profile:
        data["profile"] = declaration.profile
    if declaration.ports is not None:
        data["ports"] = declaration.ports
    if declaration.slots is not None:
        data["slots"] = declaration.slots
    data["capabilities"] = dict(sorted(declaration.capabilities.items()))
    if declaration.settings:
        data["settings"] = dict(sorted(declaration.settings.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
