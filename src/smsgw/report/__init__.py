"""The conformance core shared by the pytest plugin and the CLI: events, the certificate model and
its builder, the device declaration and scoping, and the writers (JSON, HTML, diff, matrix).

Dependencies point one way: the plugin and ``smsgw certify`` use this package; it never imports
the plugin.
"""

from smsgw.report.builder import CertificateBuilder
from smsgw.report.certificate import CertificateError, load_certificate, write_certificate
from smsgw.report.declaration import Declaration, DeclarationError, applicability
from smsgw.report.diff import CertificateDiff, diff_certificates
from smsgw.report.events import EventBus, Listener
from smsgw.report.exitcodes import DiffExit, ExitCode
from smsgw.report.html import render_certificate, write_certificate_html
from smsgw.report.model import NOT_COVERED, Certificate, Evidence, Observation, RequirementResult
from smsgw.report.table import render_table

__all__ = [
    "NOT_COVERED",
    "Certificate",
    "CertificateBuilder",
    "CertificateDiff",
    "CertificateError",
    "Declaration",
    "DeclarationError",
    "DiffExit",
    "EventBus",
    "Evidence",
    "ExitCode",
    "Listener",
    "Observation",
    "RequirementResult",
    "applicability",
    "diff_certificates",
    "load_certificate",
    "render_certificate",
    "render_table",
    "write_certificate",
    "write_certificate_html",
]
