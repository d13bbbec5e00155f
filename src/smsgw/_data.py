"""Where the project's data (schemas, errata, requirement catalog) lives at run time.

In a wheel, ``schemas/`` (and later ``conformance/``, ``load/``) ship inside the package as
``smsgw/_data/``.  From a source checkout (editable install, tox, CI) they are read from the
repository root.  Nothing else in the package should compute these paths.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    """The directory that holds ``schemas/`` (and the other shipped data folders)."""
    bundled = _PACKAGE_DIR / "_data"
    if (bundled / "schemas").is_dir():
        return bundled
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "schemas").is_dir():
        return checkout
    raise FileNotFoundError(
        f"smsgw data not found: neither {bundled / 'schemas'} nor {checkout / 'schemas'} exists"
    )


def schemas_dir() -> Path:
    return data_root() / "schemas"


def conformance_dir() -> Path:
    """The conformance suite (``conformance/``: conftest, pytest.ini, checks) run by ``smsgw certify``."""
    path = data_root() / "conformance"
    if not (path / "conftest.py").is_file():
        raise FileNotFoundError(f"smsgw conformance suite not found: {path / 'conftest.py'} does not exist")
    return path


def load_dir() -> Path:
    """The Locust profiles (``load/``: locustfiles, locust.conf) run by ``smsgw load``."""
    path = data_root() / "load"
    if not (path / "send_sms.py").is_file():
        raise FileNotFoundError(f"smsgw load profiles not found: {path / 'send_sms.py'} does not exist")
    return path
