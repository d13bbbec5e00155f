"""pytest plugin of the conformance suite.

Load it from a conftest (``pytest_plugins = ["smsgw.pytest_plugin"]``); it is deliberately not a
``pytest11`` entry point.  A check author uses the ``requirement`` marker and the ``check`` fixture
(:class:`~smsgw.pytest_plugin.check.Check`); other fixtures: ``conformance`` (settings), ``timers``,
``target``, ``ejoin`` and ``dinstar`` (clients),
``source_addresses`` and ``ejoin_second_source`` (a client sending from a second local address),
``receiver`` (push receiver), ``phone_numbers``, ``restore``.
"""

from smsgw.pytest_plugin.check import Check, CheckDefinitionError, Unimplemented
from smsgw.pytest_plugin.fixtures import (
    Restorer,
    _smsgw_exchanges_as_evidence,
    check,
    conformance,
    dinstar,
    ejoin,
    ejoin_second_source,
    phone_numbers,
    receiver,
    restore,
    source_addresses,
    target,
    timers,
)
from smsgw.pytest_plugin.plugin import ConformanceFailure, pytest_addoption, pytest_configure
from smsgw.pytest_plugin.settings import Settings
from smsgw.pytest_plugin.timers import Timers

__all__ = [
    "Check",
    "CheckDefinitionError",
    "ConformanceFailure",
    "Restorer",
    "Settings",
    "Timers",
    "Unimplemented",
    "_smsgw_exchanges_as_evidence",
    "check",
    "conformance",
    "dinstar",
    "ejoin",
    "ejoin_second_source",
    "phone_numbers",
    "pytest_addoption",
    "pytest_configure",
    "receiver",
    "restore",
    "source_addresses",
    "target",
    "timers",
]
