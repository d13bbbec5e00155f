from __future__ import annotations

from smsgw.emulator.messages import Response, parse_query


def test_query_keys_are_lower_cased_first_value_wins_and_bare_keys_are_empty() -> None:
    assert parse_query("Username=root&password=a%20b&op=get&port_public_ip&op=set") == {
        "username": "root",
        "password": "a b",
        "op": "get",
        "port_public_ip": "",
    }


def test_response_json_round_trip() -> None:
    assert Response.json({"code": 0}).payload() == {"code": 0}
