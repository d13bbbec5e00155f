"""The SIM toolkit (dinstar-uc-1.2 §13-§15): GetSTKView, STKGo and GetSTKCurrFrameIndex, outside /api/.
STKGo (which may start a SIM service) runs only with --allow-destructive, on the user's own SIM port,
and goes back home afterwards."""

from __future__ import annotations

import pytest

from dinstar.dinstar_support import answered, describe

INPUT_TYPES = (0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12)


def _view(dinstar, port: int) -> dict:
    data = dinstar.get_stk_view(port).data
    return data if isinstance(data, dict) else {}


def _input_type(check, view: dict):
    value = view.get("input_type")
    if isinstance(value, str) and value.isdigit():
        check.non_strict(f"input_type is the string {value!r}", errata=["E-DS-STK-INPUT-TYPE-STRING"])
        return int(value)
    return value


@pytest.mark.requirement("DS-STK-PATHS", "DS-STK-VIEW-SCHEMA", "DS-STK-FRAME-ID-SCHEMA")
def test_stk_paths_answer_the_view_and_frame(check, dinstar, port_table):
    """§13.1/§14.1/§15.1: GET /GetSTKView, POST /STKGo, GET /GetSTKCurrFrameIndex (no /api/); §13.3 the
    view (title, text, input_type, frame_id, item); §15.3 {"frame_id": 32}."""
    port = next((e["port"] for e in port_table if e.get("reg") == "REGISTER_OK"), 0)
    view = dinstar.get_stk_view(port)
    frame = dinstar.get_stk_frame(port)
    check.expect(
        view.status == 200 and isinstance(view.data, dict),
        f"GET /GetSTKView: {describe(view)}",
        requirement="DS-STK-PATHS",
    )
    check.expect(
        frame.status == 200 and isinstance(frame.data, dict),
        f"GET /GetSTKCurrFrameIndex: {describe(frame)}",
        requirement="DS-STK-PATHS",
    )
    check.schema("dinstar/getstkview.response", view, requirement="DS-STK-VIEW-SCHEMA")
    check.schema("dinstar/getstkcurrframeindex.response", frame, requirement="DS-STK-FRAME-ID-SCHEMA")


@pytest.mark.requirement("DS-STK-INPUT-TYPE-VALUES", "DS-STK-ITEMS-FOR-MENUS", "DS-STK-FRAME-ID-MATCHES-VIEW")
def test_view_values_and_frame_agree(check, dinstar, port_table):
    """§13.3: input_type 0-5 or 8-12; "item: It is included only when input_type is 1 or 2"; §15.3 the
    frame id of the current view: GetSTKCurrFrameIndex equals the view's frame_id while it is unchanged."""
    port = next((e["port"] for e in port_table if e.get("reg") == "REGISTER_OK"), 0)
    view = _view(dinstar, port)
    frame = dinstar.get_stk_frame(port).data
    kind = _input_type(check, view)
    check.expect(
        kind in INPUT_TYPES, f"input_type {view.get('input_type')!r}", requirement="DS-STK-INPUT-TYPE-VALUES"
    )
    items = view.get("item")
    check.expect(
        "input_type" in view, f"GetSTKView answered no view: {view!r}", requirement="DS-STK-ITEMS-FOR-MENUS"
    )
    if kind in (1, 2):
        check.expect(
            isinstance(items, list)
            and bool(items)
            and all(isinstance(i, dict) and "item_id" in i and "item_string" in i for i in items),
            f"menu view (input_type {kind}) items {items!r}",
            requirement="DS-STK-ITEMS-FOR-MENUS",
        )
    else:
        check.expect(
            not items, f"input_type {kind} with items {items!r}", requirement="DS-STK-ITEMS-FOR-MENUS"
        )
    check.expect(
        isinstance(frame, dict) and frame.get("frame_id") == view.get("frame_id"),
        f"GetSTKCurrFrameIndex {frame!r}, view frame_id {view.get('frame_id')!r}",
        requirement="DS-STK-FRAME-ID-MATCHES-VIEW",
    )


@pytest.mark.requirement("DS-STK-GO", "DS-STK-GO-CHANGES-FRAME")
def test_stk_go_selects_and_navigates(check, dinstar, own_port, restore):
    """§14.2: "item Integer; param String; action "ok", "cancel" or "home""; §13.3/§15.3 after a
    successful STKGo the frame changes. Selects the first item of the main menu, then goes home."""
    restore.push(f"STK home on port {own_port}", lambda: dinstar.stk_go(own_port, action="home"))
    dinstar.stk_go(own_port, action="home")
    view = _view(dinstar, own_port)
    items = view.get("item") if isinstance(view.get("item"), list) else []
    if not items:
        check.skip("the SIM's STK main menu has no item to select")
    go = dinstar.stk_go(own_port, item=items[0].get("item_id"))
    check.expect(
        answered(go, 200), f"STKGo item {items[0].get('item_id')}: {describe(go)}", requirement="DS-STK-GO"
    )
    after = _view(dinstar, own_port)
    check.expect(
        (after.get("item"), after.get("text")) != (view.get("item"), view.get("text")),
        f"the view did not change after selecting item {items[0].get('item_id')}: {after!r}",
        requirement="DS-STK-GO",
    )
    check.expect(
        after.get("frame_id") != view.get("frame_id"),
        f"frame_id stayed {view.get('frame_id')!r} after STKGo",
        requirement="DS-STK-GO-CHANGES-FRAME",
    )
    home = dinstar.stk_go(own_port, action="home")
    check.expect(answered(home, 200), f"STKGo action home: {describe(home)}", requirement="DS-STK-GO")
    check.expect(
        _view(dinstar, own_port).get("item") == items,
        "action home did not return to the main menu",
        requirement="DS-STK-GO",
    )
