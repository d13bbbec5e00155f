"""smsgw-suite: conformance, fuzzing and load testing for SMS gateway HTTP APIs."""

from importlib.metadata import PackageNotFoundError, version

from smsgw.redact import install_log_redaction

try:
    __version__ = version("smsgw-suite")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    __version__ = "0.0.0+unknown"

# Device passwords travel in query strings; third-party loggers print URLs. Redact at the source,
# before any component of the package can log.
install_log_redaction()

__all__ = ["__version__"]
