"""send_ussd and query_ussd_reply (dinstar-uc-1.2 §7, §8): the answer (202, one status per port:
200, 486 busy, 503 not registered), the parameters (port, command, text of at most 60 bytes) and the
reply. USSD go only through a port whose SIM is one of the user's numbers."""

from __future__ import annotations

import time

import pytest

from dinstar.dinstar_support import SMS_TEXT, answered, describe, entries, poll_interval, wait_until

#: A balance query: the most harmless USSD there is.
USSD = "*100#"


def _statuses(resp) -> dict:
    """port -> status of the send_ussd answer (keys as the §7.3 table or the example spell them)."""
    return {e.get("port", e.get("Port")): e.get("status", e.get("Status")) for e in entries(resp, "result")}


@pytest.mark.requirement(
    "DS-USSD-SEND-SCHEMA",
    "DS-USSD-ACCEPTED-202",
    "DS-USSD-COMMAND-DEFAULT-SEND",
    "DS-USSD-REPLY-AFTER-SEND",
    "DS-USSD-REPLY-PER-PORT",
)
def test_send_ussd_is_accepted_and_answered(check, dinstar, own_port, timers):
    """§7.3: "202: request has been accepted and processed"; §7.2 "command ... default value is
    "send""; §8: the network's answer is returned by query_ussd_reply on that port."""
    resp = dinstar.send_ussd([own_port], USSD)
    check.attach_json("send_ussd", resp.data)
    check.schema("dinstar/send_ussd.response", resp, requirement="DS-USSD-SEND-SCHEMA")
    check.expect(
        answered(resp, 202),
        f"send_ussd {USSD} on port {own_port}: {describe(resp)}",
        requirement=("DS-USSD-ACCEPTED-202", "DS-USSD-COMMAND-DEFAULT-SEND"),
    )
    check.expect(
        _statuses(resp).get(own_port) == 200,
        f"port {own_port} status: {_statuses(resp)}",
        requirement="DS-USSD-COMMAND-DEFAULT-SEND",
    )

    def replied():
        answer = dinstar.query_ussd_reply([own_port])
        texts = [e.get("text") for e in entries(answer, "reply") if e.get("port") == own_port]
        return texts[0] if texts and texts[0] else None

    text = wait_until(replied, timers.wait(timers.send_timeout), poll_interval(timers))
    check.expect(
        bool(text),
        f"no USSD reply on port {own_port} within {timers.wait(timers.send_timeout):.0f} s",
        requirement=("DS-USSD-REPLY-AFTER-SEND", "DS-USSD-REPLY-PER-PORT"),
    )


@pytest.mark.requirement("DS-USSD-PER-PORT-STATUS", "DS-USSD-UNREGISTERED-503")
def test_each_port_gets_a_status_and_unregistered_503(  # noqa: PLR0917 - fixtures by name
    check, dinstar, own_port, port_table, spare_port, restore, conformance
):
    """§7.3: "Status: 200: USSD is sent successfully; 486: the port is busy ...; 503: the port is not
    registered currently". Sends to the user's SIM port and to a port that is not registered (an
    unregistered one, else a spare port turned off and on again)."""
    down = [e["port"] for e in port_table if e.get("reg") not in ("REGISTER_OK", None)]
    port = down[0] if down else spare_port
    if not down:
        restore.push(f"power on port {port}", lambda: dinstar.set_port_info(port, "power", "on"))
        off = dinstar.set_port_info(port, "power", "off")
        check.expect(
            answered(off, 200),
            f"set_port_info power off: {describe(off)}",
            requirement="DS-USSD-PER-PORT-STATUS",
        )
    resp = dinstar.send_ussd([own_port, port], USSD)
    statuses = _statuses(resp)
    check.expect(
        set(statuses) == {own_port, port} and all(s in (200, 486, 503) for s in statuses.values()),
        f"send_ussd to ports {[own_port, port]}: {describe(resp)}",
        requirement="DS-USSD-PER-PORT-STATUS",
    )
    check.expect(
        statuses.get(port) == 503,
        f"port {port} (not registered) status {statuses.get(port)!r}",
        requirement=("DS-USSD-UNREGISTERED-503", "DS-USSD-PER-PORT-STATUS"),
    )


@pytest.mark.requirement("DS-USSD-BUSY-486")
def test_port_busy_sending_sms_reports_486(  # noqa: PLR0917 - fixtures by name
    check, dinstar, own_port, phone_numbers, new_user_id, timers
):
    """§7.3: "486: the port is busy currently, for example, SMS is being sending through the port".
    Three SMS to the user's number through the user's own SIM port; while one is being sent, a USSD
    on that port must report 486.

    SENDING (§3.3) is the status of every SMS not yet final, queued ones too, so an SMS seen SENDING
    does not make the port busy: a device may answer send_sms before its first SMS takes the port.
    The port is known to be sending once one of the three has left it (SENT_OK/DELIVERED) and another
    is still SENDING: the port works through them one after the other.  A USSD answer other than 486
    FAILs when the results did not move during the call (the port was sending all along); when they
    moved, the port may have gone idle in between and the USSD is tried again while SMS remain."""
    uids = [new_user_id() for _ in range(3)]
    sent = dinstar.send_sms(
        f"{SMS_TEXT} busy",
        [{"number": phone_numbers[0], "user_id": u} for u in uids],
        port=[own_port],
        request_status_report=False,
    )
    if not answered(sent, 202):
        check.fail(f"send_sms through port {own_port}: {describe(sent)}")
        return

    def progress() -> tuple:
        found = entries(dinstar.query_sms_result(user_id=uids), "result")
        return tuple(sorted((e.get("user_id"), e.get("port"), e.get("status")) for e in found))

    def sending_now(state: tuple) -> bool:
        ours = [status for _, port, status in state if port == own_port]
        return "SENDING" in ours and any(s in ("SENT_OK", "DELIVERED") for s in ours)

    def observed() -> tuple | None:
        """The results once the port is sending, or once none of ours is left SENDING."""
        state = progress()
        return state if sending_now(state) or all(s != "SENDING" for *_, s in state) else None

    budget = timers.wait(timers.send_timeout)
    deadline = time.monotonic() + budget
    seen: list = []
    while time.monotonic() < deadline:
        before = wait_until(observed, max(0.0, deadline - time.monotonic()), poll_interval(timers) / 5)
        if not before or not sending_now(before):
            break
        resp = dinstar.send_ussd([own_port], USSD)
        if _statuses(resp).get(own_port) == 486:
            check.ok(f"send_ussd while an SMS was being sent through port {own_port}: 486")
            return
        if progress() == before:
            check.fail(
                f"send_ussd while an SMS was being sent through port {own_port} "
                f"(results {list(before)}, unchanged after the call): {describe(resp)}"
            )
            return
        seen.append(describe(resp))
    check.skip(
        f"port {own_port} was never seen sending one of the three SMS while another waited within "
        f"{budget:.0f} s (answers during a change of state: {seen}): its busy state is not observable"
    )


@pytest.mark.requirement("DS-USSD-TEXT-REQUIRED-400")
def test_send_without_text_is_refused(check, dinstar, own_port):
    """§7.3: "400: it is an illegal request, for example, the command is "send" but text does not
    exist"."""
    for body in (
        {"port": [own_port], "command": "send"},
        {"port": [own_port], "command": "send", "text": ""},
    ):
        resp = dinstar.post("api/send_ussd", body)
        check.expect(answered(resp, 400), f"send_ussd {body}: {describe(resp)}")


@pytest.mark.requirement("DS-USSD-TEXT-60-BYTES")
def test_text_over_60_bytes_is_refused(check, dinstar, own_port):
    """§7.2: "text: its length should not exceed 60 bytes"."""
    resp = dinstar.send_ussd([own_port], "*" + "1" * 59 + "#")
    check.expect(answered(resp, 400), f"send_ussd with 61 bytes of text: {describe(resp)}")


@pytest.mark.requirement("DS-USSD-CANCEL")
def test_cancel_is_accepted_without_text(check, dinstar, own_port):
    """§7.2: "command: It can be "send" or "cancel"; when command is "cancel", text can be empty"."""
    resp = dinstar.send_ussd([own_port], None, command="cancel")
    check.expect(answered(resp, 202), f"send_ussd command cancel: {describe(resp)}")


@pytest.mark.requirement("DS-USSD-PORT-REQUIRED-400", "DS-USSD-REPLY-PORT-REQUIRED")
def test_ussd_requests_without_port_are_refused(check, dinstar):
    """§7.2/§8.2: "Required Parameter: port"; "400: Request format is not valid"."""
    resp = dinstar.send_ussd(None, USSD)
    check.expect(
        answered(resp, 400),
        f"send_ussd without port: {describe(resp)}",
        requirement="DS-USSD-PORT-REQUIRED-400",
    )
    reply = dinstar.query_ussd_reply(None)
    check.expect(
        answered(reply, 400),
        f"query_ussd_reply without port: {describe(reply)}",
        requirement="DS-USSD-REPLY-PORT-REQUIRED",
    )


@pytest.mark.requirement("DS-USSD-REPLY-SCHEMA", "DS-USSD-REPLY-PER-PORT")
def test_reply_answers_one_entry_per_port(check, dinstar, port_table):
    """§8.3/§8.4: "reply: port: port for receiving USSD reply; text: USSD reply" (an empty text until
    one came)."""
    ports = [e["port"] for e in port_table if isinstance(e.get("port"), int)][:2] or [0, 1]
    resp = dinstar.query_ussd_reply(ports)
    check.schema("dinstar/query_ussd_reply.response", resp, requirement="DS-USSD-REPLY-SCHEMA")
    replies = entries(resp, "reply")
    check.expect(
        sorted(e.get("port") for e in replies) == sorted(ports)
        and all(isinstance(e.get("text"), str) for e in replies),
        f"query_ussd_reply port={ports}: {describe(resp)}",
        requirement="DS-USSD-REPLY-PER-PORT",
    )
