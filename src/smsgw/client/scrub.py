"""Last line of defence for secrets: literal scrubbing of texts and of a whole report tree.

Secrets are redacted at the source (:mod:`smsgw.redact`, the client's records).  This module
(with the client: the lowest layer that holds a password) also removes the literal values of
the run's own secrets from anything the recorder emits, and scans the finished report
directory.  A hit in the scan is a bug at the source, so it is reported, not silently hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from smsgw.redact import REDACTED, redact_text

#: Shorter values are not scrubbed literally: replacing every "ab" would destroy the evidence.
MIN_SECRET_LENGTH = 3


class Scrubber:
    """Redacts ``password=...`` pairs and the literal values of known secrets."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets = sorted(
            {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )

    @property
    def active(self) -> bool:
        return bool(self._secrets)

    def __call__(self, text: str) -> str:
        text = redact_text(text)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def contains_secret(self, text: str) -> bool:
        return any(secret in text for secret in self._secrets)

    def scrub_tree(self, root: Path) -> list[Path]:
        """Scrub every file under ``root`` in place; return the files that held a secret."""
        hits: list[Path] = []
        if not self._secrets or not root.is_dir():
            return hits
        encoded = [s.encode("utf-8") for s in self._secrets]
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            if not any(secret in data for secret in encoded):
                continue
            for secret in encoded:
                data = data.replace(secret, REDACTED.encode())
            path.write_bytes(data)
            hits.append(path)
        return hits
