"""smsgw-suite: conformance, fuzzing and load testing for SMS gateway HTTP APIs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("smsgw-suite")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
