"""The conformance suite: every check is a pytest test tied to catalog requirement ids.

The machinery (options, verdicts, scoping, certificate, Allure) is the plugin below; see README.md.
"""

pytest_plugins = ["smsgw.pytest_plugin"]
