from __future__ import annotations

import logging

import pytest

from smsgw.redact import redact_mapping, redact_text, redact_url


def test_redact_url_hides_password_query_and_userinfo() -> None:
    url = "http://root:s3cr3t@127.0.0.1:80/goip_post_sms.html?username=root&password=s3cr3t&x=1"
    redacted = redact_url(url)
    assert "s3cr3t" not in redacted
    assert "username=root" in redacted
    assert "x=1" in redacted


def test_redact_text_hides_password_pairs_in_free_text() -> None:
    text = "GET /goip_send_cmd.html?username=admin&Password=hunter2 failed: timeout"
    assert "hunter2" not in redact_text(text)
    assert "username=admin" in redact_text(text)


def test_redact_mapping_hides_nested_secret_values() -> None:
    body = {"username": "root", "password": "pw1", "tasks": [{"sr_url": "http://h/x?password=pw2"}]}
    flat = repr(redact_mapping(body))
    assert "pw1" not in flat
    assert "pw2" not in flat
    assert "root" in flat


def test_redact_text_keeps_userinfo_redaction_on_long_hostile_input() -> None:
    hostile = "a" * 200_000 + "://" + "http://admin:hunter2@127.0.0.1/x"
    assert "hunter2" not in redact_text(hostile)


def test_importing_smsgw_redacts_urls_that_httpx_logs(caplog: pytest.LogCaptureFixture) -> None:
    import smsgw  # noqa: F401 - the import installs the filter

    with caplog.at_level(logging.INFO, logger="httpx"):
        logging.getLogger("httpx").info(
            'HTTP Request: GET %s "HTTP/1.1 200 OK"', "http://127.0.0.1/x?username=u&password=topsecret"
        )
    assert caplog.records
    assert "topsecret" not in caplog.text


def test_redact_url_of_an_unparsable_url_redacts_it_as_text_instead_of_raising() -> None:
    out = redact_url("http://[::1?password=hunter2&username=root")
    assert "hunter2" not in out
    assert out.startswith("http://[")
