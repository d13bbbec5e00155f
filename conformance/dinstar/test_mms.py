"""MMS (dinstar-uc-1.2 §21-§24): MMS settings, attachment upload, send_mms and its status. MMS go only
to the user's numbers, through the user's own SIM port, whose MMS settings (mms_configuration, which
no API reads back) are never overwritten: a port the gateway lacks is configured (404), and with
--allow-destructive the spare port (its MMS settings then hold the suite's: set them again in the
web UI)."""

from __future__ import annotations

import pytest

from dinstar.conftest import is_emulator
from dinstar.dinstar_support import (
    MAX_PORTS,
    SMS_TEXT,
    answered,
    describe,
    error_code,
    poll_interval,
    wait_until,
)

#: The upload slot the checks use (the last one, §22.1 "file_id can be 0 to 31").
FILE_ID = 31
CONFIG = {
    "APN": "cmnet",
    "username": "",
    "password": "",
    "MMSC": "http://mmsc.invalid",
    "MMS_proxy": "",
    "MMS_port": "80",
}


def _mms_id(resp):
    data = resp.data if isinstance(resp.data, dict) else {}
    value = data.get("mms_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _accepted(check, resp, requirement: str) -> bool:
    code = error_code(resp)
    if code == 200 and _mms_id(resp) is not None:
        check.non_strict(
            "send_mms answered 200 (the §23.4 example), not 202",
            errata=["E-DS-SEND-MMS-200"],
            requirement=requirement,
        )
        return True
    return check.expect(
        code == 202 and _mms_id(resp) is not None, f"send_mms: {describe(resp)}", requirement=requirement
    )


@pytest.mark.requirement("DS-MMS-CONFIG-PORT-404")
def test_mms_configuration_of_a_missing_port_answers_404(check, dinstar, port_table):
    """§21.3: "404: Port not found"."""
    port = MAX_PORTS - 1
    if len(port_table) >= MAX_PORTS:
        check.skip("the gateway has every port 0-31: no missing port to configure")
    resp = dinstar.mms_configuration(port, CONFIG)
    check.expect(
        answered(resp, 404),
        f"mms_configuration port {port} (the gateway has {len(port_table)}): {describe(resp)}",
    )


@pytest.mark.requirement("DS-MMS-CONFIG-SCHEMA")
def test_mms_configuration_of_a_port_is_accepted(check, conformance, dinstar, spare_port):
    """§21.2: "port Integer; configuration Object: APN, username, password, MMSC, MMS_proxy, MMS_port"
    (the table; the §21.4 example's "status" is not required: E-DS-MMS-CONFIG-STATUS); §21.3 "200:
    Request has been accepted", error_code and sn. It writes the spare port's MMS settings, which no
    API reads back: a real device's could not be restored, so it runs on this project's emulator only."""
    if not is_emulator(conformance):
        check.skip(
            "mms_configuration would overwrite a port's MMS settings, and no API reads them back to "
            "restore them: checked on this project's emulator only"
        )
    resp = dinstar.mms_configuration(spare_port, CONFIG)
    check.schema("dinstar/mms_configuration.response", resp)
    check.expect(answered(resp, 200), f"mms_configuration of port {spare_port}: {describe(resp)}")


@pytest.mark.requirement(
    "DS-MMS-FILE-UPLOAD",
    "DS-MMS-FILE-SLOTS",
    "DS-MMS-SEND-SCHEMA",
    "DS-MMS-STATUS-SCHEMA",
    "DS-MMS-STATUS-CODES",
)
def test_uploaded_file_is_sent_as_mms(check, dinstar, own_port, phone_numbers, timers):
    """§22: a multipart upload to /api/mms_file/file31 stores attachment 31 (file_id 0-31); §23.3 "202:
    Request has been accepted ...; mms_id"; §24.3 "200: MMS has been sent. 202: ... later; 503: sent
    failed"."""
    up = dinstar.mms_file(FILE_ID, "smsgw.txt", SMS_TEXT.encode())
    check.expect(
        up.status == 200 and error_code(up) in (200, None),
        f"upload to file{FILE_ID}: {describe(up)}",
        requirement="DS-MMS-FILE-UPLOAD",
    )
    resp = dinstar.send_mms(own_port, phone_numbers[0], "smsgw-suite", FILE_ID)
    check.schema("dinstar/send_mms.response", resp, requirement="DS-MMS-SEND-SCHEMA")
    if not _accepted(check, resp, "DS-MMS-SEND-SCHEMA"):
        check.fail(
            f"file{FILE_ID} was not sendable: {describe(resp)}",
            requirement=(
                "DS-MMS-FILE-UPLOAD",
                "DS-MMS-FILE-SLOTS",
                "DS-MMS-STATUS-SCHEMA",
                "DS-MMS-STATUS-CODES",
            ),
        )
        return
    mms_id = _mms_id(resp)
    codes: list = []

    def final():
        status = dinstar.query_mms_sending_status(mms_id)
        codes.append(error_code(status))
        check.schema("dinstar/query_mms_sending_status.response", status, requirement="DS-MMS-STATUS-SCHEMA")
        return error_code(status) in (200, 503)

    wait_until(final, timers.wait(timers.send_timeout), poll_interval(timers))
    check.expect(
        bool(codes) and set(codes) <= {200, 202, 503} and codes[-1] in (200, 503),
        f"query_mms_sending_status {mms_id} answered {codes[:5]}...{codes[-2:]}",
        requirement="DS-MMS-STATUS-CODES",
    )


@pytest.mark.requirement("DS-MMS-SEND-FILE-404")
def test_send_mms_with_a_file_never_uploaded_answers_404(check, dinstar, own_port, phone_numbers):
    """§23.3: "404: file is not found". The suite uploads only to file31, so file30 is empty unless
    the device's user uploaded it (then this check FAILs and the MMS goes to the user's own number:
    clear file30 before certifying)."""
    resp = dinstar.send_mms(own_port, phone_numbers[0], "smsgw-suite", 30)
    check.expect(answered(resp, 404), f"send_mms with file30 never uploaded: {describe(resp)}")


@pytest.mark.requirement("DS-MMS-STATUS-UNKNOWN-404")
def test_unknown_mms_id_answers_404(check, dinstar):
    """§24.3: "404: mms_id is not found"."""
    resp = dinstar.query_mms_sending_status(2**31 - 3)
    check.expect(answered(resp, 404), f"query_mms_sending_status of an unknown id: {describe(resp)}")
